package password

import (
	"encoding/base64"
	"fmt"
	"testing"

	"golang.org/x/crypto/argon2"

	"parley/internal/chat"
)

func TestHashThenVerify(t *testing.T) {
	h := New(chat.Limits{})
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
	if ok, err := New(chat.Limits{}).VerifyLogin(t.Context(), "old password", enc); err != nil || !ok {
		t.Fatalf("old parameters: %v, %v", ok, err)
	}
}

func TestVerifyRefusesOtherFormats(t *testing.T) {
	h := New(chat.Limits{})
	for _, enc := range []string{"", "x", "$2a$10$abcdefghijklmnopqrstuv", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=x,t=2,p=1$c2FsdA$a2V5"} {
		if ok, err := h.VerifyLogin(t.Context(), "pw", enc); err == nil || ok {
			t.Errorf("%q: %v, %v; want an error", enc, ok, err)
		}
	}
	if got := h.Stats().Checks; got != 0 {
		t.Errorf("%d argon2 runs for hashes that could not be read", got)
	}
}
