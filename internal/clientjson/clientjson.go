// Package clientjson holds the rules a JSON document from a client must pass
// before its values are used. REST request bodies (internal/httpapi) and
// WebSocket client frames (internal/realtime) both go through it, so the two
// transports judge input alike.
package clientjson

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// Check refuses JSON text that encoding/json would decode into something
// other than what the client sent. The decoder silently turns invalid UTF-8
// and \u escapes of lone UTF-16 surrogates ("\udc00") into U+FFFD; a server
// that stored those would keep text nobody wrote. Anything else wrong with
// the text is left for the JSON decoder to report.
func Check(b []byte) error {
	if !utf8.Valid(b) {
		return fmt.Errorf("is not valid UTF-8 (at byte %d)", invalidAt(b))
	}
	// A backslash is only valid JSON inside a string, where it starts an
	// escape; one elsewhere is a syntax error the decoder reports.
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		r, ok := escapedRune(b, i)
		switch {
		case !ok:
			i++ // a two-byte escape (\" \\ \n …), or a malformed one
		case !utf16.IsSurrogate(r):
			i += 5
		case r < 0xdc00 && isLowSurrogate(b, i+6):
			i += 11 // a pair: one character
		default:
			return fmt.Errorf(`has \u%04x at byte %d, half of a UTF-16 surrogate pair without its other half`, r, i)
		}
	}
	return nil
}

// escapedRune decodes the \uXXXX escape at b[i:], if that is what is there.
func escapedRune(b []byte, i int) (rune, bool) {
	if i+6 > len(b) || b[i] != '\\' || b[i+1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range b[i+2 : i+6] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

func isLowSurrogate(b []byte, i int) bool {
	r, ok := escapedRune(b, i)
	return ok && 0xdc00 <= r && r <= 0xdfff
}

func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// Required refuses a JSON object, already decoded into v (a pointer to a
// struct), that lacks a field v's type marks `required:"true"`, or gives it
// as null: encoding/json would leave such a field at its zero value, and a
// request would silently mean 0, "" or false. Fields are matched by their
// JSON names the way encoding/json matches them.
func Required(data []byte, v any) error {
	t := reflect.TypeOf(v)
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil
	}
	p := presenceOf(t.Elem())
	if p == nil {
		return nil
	}
	got := reflect.New(p.typ)
	if err := json.Unmarshal(data, got.Interface()); err != nil {
		return err
	}
	for i, name := range p.names {
		raw := got.Elem().Field(i).Bytes()
		if len(raw) == 0 || string(raw) == "null" {
			return fmt.Errorf("%s is required", name)
		}
	}
	return nil
}

// presence is a struct type with one json.RawMessage field per required
// field of a request type, under the same JSON name: decoding a request into
// it shows which of them the client sent.
type presence struct {
	typ   reflect.Type
	names []string
}

var presences sync.Map // reflect.Type → *presence (nil: nothing required)

func presenceOf(t reflect.Type) *presence {
	if p, ok := presences.Load(t); ok {
		return p.(*presence)
	}
	var (
		fields []reflect.StructField
		names  []string
	)
	for f := range t.Fields() {
		if f.Tag.Get("required") != "true" {
			continue
		}
		name := jsonName(f)
		fields = append(fields, reflect.StructField{
			Name: fmt.Sprintf("F%d", len(fields)),
			Type: reflect.TypeFor[json.RawMessage](),
			Tag:  reflect.StructTag(fmt.Sprintf(`json:%q`, name)),
		})
		names = append(names, name)
	}
	var p *presence
	if len(fields) > 0 {
		p = &presence{typ: reflect.StructOf(fields), names: names}
	}
	presences.Store(t, p)
	return p
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" {
		return f.Name
	}
	return name
}
