package server

import (
	"strings"
	"testing"
)

// A password in --db or --redis never reaches the log, whatever the form.
func TestRedactHidesPasswords(t *testing.T) {
	for _, dsn := range []string{
		"postgres://u:secret@h:5432/db",
		"redis://:secret@h:6379/0",
		"redis+cluster://u:secret@a:1,b:2,c:3",
		"redis+cluster://u:secret@[::1]:7000,[::1]:7001",
	} {
		if got := redact(dsn); strings.Contains(got, "secret") {
			t.Errorf("redact(%q) = %q", dsn, got)
		}
	}
	if got := redact("redis+cluster://a:1,b:2"); got != "redis+cluster://a:1,b:2" {
		t.Errorf("a URL without a password changed: %q", got)
	}
}
