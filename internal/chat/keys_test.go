package chat

import (
	"strings"
	"testing"
	"time"
)

func TestPrefixEnd(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"al", "am", true},
		{"a_", "a`", true},
		{"é", "ê", true},
		{"a\U0010FFFF", "b", true},
		{"a\uD7FF", "a\uE000", true},
		{"\U0010FFFF", "", false},
		{"", "", false},
	} {
		got, ok := PrefixEnd(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("PrefixEnd(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
		// Every string with the prefix sorts below the end, byte-wise.
		if ok {
			for _, s := range []string{c.in, c.in + "\x00", c.in + "zzz", c.in + "\U0010FFFF\U0010FFFF"} {
				if !(strings.HasPrefix(s, c.in) && s < got) {
					t.Errorf("%q is not below PrefixEnd(%q) = %q", s, c.in, got)
				}
			}
		}
	}
}

func TestTypingThrottle(t *testing.T) {
	th := newTypingThrottle(3*time.Second, 6*time.Second)
	t0 := time.Unix(1000, 0)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	for _, step := range []struct {
		at     time.Duration
		typing bool
		want   bool
	}{
		{0, false, false},              // nothing to stop
		{0, true, true},                // a start
		{time.Second, true, false},     // still typing: absorbed
		{3 * time.Second, true, true},  // the refresh, one interval on
		{4 * time.Second, false, true}, // a stop goes at once
		{4 * time.Second, false, false},
		{5 * time.Second, true, true},    // a new start after a stop
		{12 * time.Second, false, false}, // expired: clients dropped it already
	} {
		if got := th.relay("u", "r", step.typing, at(step.at)); got != step.want {
			t.Errorf("at %v typing=%v: relayed %v, want %v", step.at, step.typing, got, step.want)
		}
	}
	if !th.relay("u", "other", true, at(12*time.Second)) {
		t.Error("rooms are throttled apart")
	}
}
