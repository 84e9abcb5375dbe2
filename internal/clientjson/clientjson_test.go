package clientjson_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"parley/internal/clientjson"
	"parley/internal/clientjson/clientjsontest"
)

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		name, in string
		ok       bool
	}{
		{"ascii", `{"text":"hi"}`, true},
		{"multibyte", `{"text":"사진 👍"}`, true},
		{"literal U+FFFD", "{\"text\":\"\uFFFD\"}", true},
		{"escaped U+FFFD", `{"text":"\ufffd"}`, true},
		{"escaped pair", `{"text":"\ud83d\udc4d"}`, true},
		{"escaped pair, upper-case hex", `{"text":"\uD83D\uDC4D"}`, true},
		{"escaped NUL is valid JSON text", `{"text":"\u0000"}`, true},
		{"escaped backslash then u", `{"text":"\\udc00"}`, true},
		{"escaped quote then u", `{"text":"\"\ud800\udc00"}`, true},
		{"two-byte escapes", `{"text":"\n\t\/\b\f\r"}`, true},
		{"malformed escape is the decoder's", `{"text":"\uZZZZ"}`, true},
		{"truncated escape is the decoder's", `{"text":"\u12`, true},
		{"invalid byte", "{\"text\":\"\xff\"}", false},
		{"invalid byte in a key", "{\"te\xfext\":\"x\"}", false},
		{"truncated sequence", "{\"text\":\"\xe2\x82\"}", false},
		{"overlong encoding", "{\"text\":\"\xc0\xaf\"}", false},
		{"UTF-8-encoded surrogate", "{\"text\":\"\xed\xa0\x80\"}", false},
		{"lone low surrogate", `{"text":"\udc00"}`, false},
		{"lone high surrogate", `{"text":"\ud800"}`, false},
		{"high surrogate then text", `{"text":"\ud800abcdef"}`, false},
		{"high surrogate at the end", `{"text":"\ud83d`, false},
		{"two high surrogates", `{"text":"\ud800\ud800"}`, false},
		{"reversed pair", `{"text":"\udc4d\ud83d"}`, false},
		{"lone surrogate in a key", `{"\udfff":1}`, false},
		{"lone surrogate after a pair", `{"text":"\ud83d\udc4d\udc4d"}`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := clientjson.Check([]byte(c.in))
			if (err == nil) != c.ok {
				t.Fatalf("Check(%q) = %v, want ok=%v", c.in, err, c.ok)
			}
		})
	}
}

func TestCheckSaysWhere(t *testing.T) {
	err := clientjson.Check([]byte(`{"a":"\udc00"}`))
	if err == nil || !strings.Contains(err.Error(), `\udc00 at byte 6`) {
		t.Fatalf("got %v", err)
	}
	err = clientjson.Check([]byte("{\"a\":\"x\xff\"}"))
	if err == nil || !strings.Contains(err.Error(), "byte 7") {
		t.Fatalf("got %v", err)
	}
}

type request struct {
	Seq    int64   `json:"seq" required:"true"`
	Name   *string `json:"name,omitempty" required:"true"`
	On     bool    `json:"on" required:"true"`
	Note   string  `json:"note"`
	NoTag  string  `required:"true"`
	Ignore string  `json:"-"`
}

func TestRequired(t *testing.T) {
	for _, c := range []struct {
		name, in, missing string
	}{
		{"all there", `{"seq":0,"name":"","on":false,"NoTag":""}`, ""},
		{"zero values count as given", `{"seq":0,"name":"","on":false,"NoTag":"","note":null}`, ""},
		{"case-insensitive like encoding/json", `{"SEQ":1,"Name":"x","ON":true,"notag":"y"}`, ""},
		{"empty object", `{}`, "seq"},
		{"seq missing", `{"name":"x","on":true,"NoTag":""}`, "seq"},
		{"seq null", `{"seq":null,"name":"x","on":true,"NoTag":""}`, "seq"},
		{"pointer field null", `{"seq":1,"name":null,"on":true,"NoTag":""}`, "name"},
		{"bool missing", `{"seq":1,"name":"x","NoTag":""}`, "on"},
		{"untagged name", `{"seq":1,"name":"x","on":true}`, "NoTag"},
		{"only the optional one", `{"note":"x"}`, "seq"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var v request
			if err := json.Unmarshal([]byte(c.in), &v); err != nil {
				t.Fatal(err)
			}
			err := clientjson.Required([]byte(c.in), &v)
			switch {
			case c.missing == "" && err != nil:
				t.Fatalf("Required = %v, want nil", err)
			case c.missing != "" && (err == nil || err.Error() != c.missing+" is required"):
				t.Fatalf("Required = %v, want %q is required", err, c.missing)
			}
		})
	}
}

func TestRequiredWithoutTagsIsNil(t *testing.T) {
	var v struct {
		A int `json:"a"`
	}
	if err := clientjson.Required([]byte(`{}`), &v); err != nil {
		t.Fatal(err)
	}
}

// FuzzCheck holds Check to its promise on every JSON text the decoder
// accepts: when Check passes, nothing decodes to a U+FFFD the client did not
// write; and Check passes whenever nothing decodes to U+FFFD at all.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		`{"a":"x"}`, `{"a":"\udc00"}`, `{"a":"\ud83d\udc4d"}`, "{\"a\":\"\xff\"}", `["\ud800"]`,
		"\"\uFFFD\"", `"\uFFFD"`, `"\\udc00"`, `{"\ud800":1}`, `"\ud800\u0041"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v any
		if json.Unmarshal(b, &v) != nil {
			return
		}
		replaced := clientjsontest.Replaced(b, v)
		err := clientjson.Check(b)
		if err == nil && replaced {
			t.Fatalf("Check passed %q, which decodes with a U+FFFD it does not spell", b)
		}
		if out, _ := json.Marshal(v); err != nil && !bytes.Contains(out, []byte("\uFFFD")) {
			t.Fatalf("Check refused %q (%v), which decodes as written", b, err)
		}
	})
}
