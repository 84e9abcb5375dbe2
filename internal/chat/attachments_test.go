package chat

import (
	"strings"
	"testing"
)

func TestCleanFileName(t *testing.T) {
	cases := []struct{ in, want string }{
		{"cat.png", "cat.png"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\me\report.pdf`, "report.pdf"},
		{"dir/", "dir"},
		{"evil\u202egnp.exe", "evilgnp.exe"},
		{"tab\there\x00.txt", "tabhere.txt"},
		{"  spaced.txt  ", "spaced.txt"},
		{"", "file"},
		{"..", "file"},
		{"/", "file"},
		{"replacement\ufffd.txt", "replacement\ufffd.txt"}, // a real U+FFFD is a character like any other
		{"사진.jpg", "사진.jpg"},
		{strings.Repeat("é", 200) + ".txt", strings.Repeat("é", 127)},
	}
	for _, c := range cases {
		if got := cleanFileName(c.in); got != c.want {
			t.Errorf("cleanFileName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
