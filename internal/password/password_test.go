package password

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"

	"parley/internal/chat"
)

func TestHashThenVerify(t *testing.T) {
	h := New(chat.Limits{}, Params{})
	enc, err := h.Hash(t.Context(), "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		verify func() (bool, error)
		want   bool
	}{
		{"right, at login", func() (bool, error) { return h.VerifyLogin(t.Context(), "correct horse", enc) }, true},
		{"right, elsewhere", func() (bool, error) { return h.Verify(t.Context(), "correct horse", enc) }, true},
		{"wrong", func() (bool, error) { return h.VerifyLogin(t.Context(), "wrong horse", enc) }, false},
	} {
		if ok, err := c.verify(); err != nil || ok != c.want {
			t.Errorf("%s: %v, %v; want %v", c.name, ok, err, c.want)
		}
	}
	if got := h.Stats().Checks; got != 3 {
		t.Errorf("%d checks counted, want 3", got)
	}
}

// A hash made with other parameters (weaker, as older accounts' may be)
// still verifies: they are read from the hash, not assumed.
func TestVerifyReadsTheParametersFromTheHash(t *testing.T) {
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte("old password"), salt, 1, 8*1024, 1, 32)
	b64 := base64.RawStdEncoding
	enc := fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, 8*1024, 1, 1, b64.EncodeToString(salt), b64.EncodeToString(key))
	if ok, err := New(chat.Limits{}, Params{}).VerifyLogin(t.Context(), "old password", enc); err != nil || !ok {
		t.Fatalf("old parameters: %v, %v", ok, err)
	}
}

func TestVerifyRefusesOtherFormats(t *testing.T) {
	h := New(chat.Limits{}, Params{})
	for _, enc := range []string{"", "x", "$2a$10$abcdefghijklmnopqrstuv", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=x,t=2,p=1$c2FsdA$a2V5"} {
		if ok, err := h.VerifyLogin(t.Context(), "pw", enc); err == nil || ok {
			t.Errorf("%q: %v, %v; want an error", enc, ok, err)
		}
	}
	if got := h.Stats().Checks; got != 0 {
		t.Errorf("%d argon2 runs for hashes that could not be read", got)
	}
}

// A hash carries the parameters it was made with: after the server's
// parameters change, in either direction, every password still verifies,
// and a wrong one still does not.
func TestHashesVerifyAfterTheParametersChange(t *testing.T) {
	cheap, dear := Params{MemoryKiB: 64, Passes: 1}, Params{MemoryKiB: 24 * 1024, Passes: 3}
	for _, c := range []struct {
		name       string
		made, then Params
	}{
		{"raised", cheap, dear},
		{"lowered", dear, cheap},
	} {
		t.Run(c.name, func(t *testing.T) {
			enc, err := New(chat.Limits{}, c.made).Hash(t.Context(), "correct horse")
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("$m=%d,t=%d,p=1$", c.made.MemoryKiB, c.made.Passes); !strings.Contains(enc, want) {
				t.Fatalf("hash %q does not carry %s", enc, want)
			}
			now := New(chat.Limits{}, c.then)
			if ok, err := now.VerifyLogin(t.Context(), "correct horse", enc); err != nil || !ok {
				t.Errorf("right password after the change: %v, %v", ok, err)
			}
			if ok, err := now.Verify(t.Context(), "wrong horse", enc); err != nil || ok {
				t.Errorf("wrong password after the change: %v, %v", ok, err)
			}
			fresh, err := now.Hash(t.Context(), "correct horse")
			if want := fmt.Sprintf("$m=%d,t=%d,p=1$", c.then.MemoryKiB, c.then.Passes); err != nil || !strings.Contains(fresh, want) {
				t.Errorf("a new hash after the change: %q, %v; want %s", fresh, err, want)
			}
		})
	}
}

func TestCheckFloor(t *testing.T) {
	d := DefaultParams()
	for _, c := range []struct {
		p  Params
		ok bool
	}{
		{d, true},
		{Params{MemoryKiB: 64 * 1024, Passes: 4}, true},
		{Params{MemoryKiB: d.MemoryKiB - 1, Passes: 3}, false},
		{Params{MemoryKiB: 64 * 1024, Passes: d.Passes - 1}, false},
		{Params{}, false},
	} {
		if err := c.p.CheckFloor(); (err == nil) != c.ok {
			t.Errorf("%+v: %v, want ok=%v", c.p, err, c.ok)
		}
	}
}
