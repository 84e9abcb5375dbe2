package chat_test

import (
	"strings"
	"testing"

	"parley/internal/chat"
)

// A pin carries a preview of its message: the first 200 characters,
// counted in code points, and says when it cut.
func TestPinPreview(t *testing.T) {
	d := newDomain(t, chat.Limits{})
	a := d.user("alice")
	r, err := d.svc.CreateGroup(t.Context(), a, "r", nil, chat.Private)
	d.must(err)
	long, short := d.send(a, r.ID, strings.Repeat("é", 201)), d.send(a, r.ID, strings.Repeat("é", 200))
	for _, c := range []struct {
		seq       int64
		truncated bool
	}{{long.Seq, true}, {short.Seq, false}} {
		p, err := d.svc.Pin(t.Context(), a, r.ID, c.seq)
		d.must(err)
		if p.Message.Text != strings.Repeat("é", 200) || p.Truncated != c.truncated {
			t.Errorf("pin of %d: %d characters, truncated %v; want 200, %v", c.seq, len([]rune(p.Message.Text)), p.Truncated, c.truncated)
		}
	}
	pins, err := d.svc.Pins(t.Context(), a, r.ID)
	d.must(err)
	if len(pins) != 2 || pins[0].Seq != short.Seq || !pins[1].Truncated || len([]rune(pins[1].Message.Text)) != 200 {
		t.Errorf("pins = %+v", pins)
	}
}
