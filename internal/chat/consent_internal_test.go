package chat

import (
	"fmt"
	"testing"
)

// The consent rule as a table: every combination of what decides it.
func TestDecideInvite(t *testing.T) {
	for _, friend := range []bool{false, true} {
		for _, policy := range []AddPolicy{AddFriends, AddAnyone} {
			for _, blocksInviter := range []bool{false, true} {
				for _, blocksMember := range []bool{false, true} {
					c := Consent{Friend: friend, Policy: policy, BlocksInviter: blocksInviter, BlocksMember: blocksMember}
					var want inviteOutcome
					switch {
					case blocksInviter:
						want = dropSilently // whoever they are, whatever the setting
					case blocksMember:
						want = askFirst // even a friend cannot put them with someone they blocked
					case friend || policy == AddAnyone:
						want = joinNow
					default:
						want = askFirst
					}
					t.Run(fmt.Sprintf("%+v", c), func(t *testing.T) {
						if got := decideInvite(c); got != want {
							t.Errorf("decideInvite = %v, want %v", got, want)
						}
					})
				}
			}
		}
	}
}

func TestOtherOf(t *testing.T) {
	key := DirectKey("bbb", "aaa")
	for _, c := range []struct {
		me, want UserID
	}{{"aaa", "bbb"}, {"bbb", "aaa"}, {"ccc", ""}} {
		if got := otherOf(key, c.me); got != c.want {
			t.Errorf("otherOf(%q, %q) = %q, want %q", key, c.me, got, c.want)
		}
	}
	if got := otherOf("", "aaa"); got != "" {
		t.Errorf("otherOf of a group room = %q", got)
	}
}

func TestDirectoryCursorRoundTrips(t *testing.T) {
	c := DirectoryCursor{NameKey: "go players ☕", ID: "0194f0e0-1111-7222-8333-444455556666"}
	got, err := decodeCursor(encodeCursor(c))
	if err != nil || got != c {
		t.Fatalf("round trip = %+v, %v", got, err)
	}
	for _, bad := range []string{"!!", "Zm9v", string(make([]byte, 600))} {
		if _, err := decodeCursor(bad); ErrorCode(err) != Invalid {
			t.Errorf("decodeCursor(%.10q) = %v, want invalid", bad, err)
		}
	}
}

func TestLinkCodes(t *testing.T) {
	code, err := newLinkCode()
	if err != nil || len(code) != 22 || !validLinkCode(code) {
		t.Fatalf("newLinkCode = %q, %v", code, err)
	}
	for _, bad := range []string{"", "short", code + "x", "!!!!!!!!!!!!!!!!!!!!!!"} {
		if validLinkCode(bad) {
			t.Errorf("validLinkCode(%q) = true", bad)
		}
	}
}
