// Package clientjson holds the rules a JSON document from a client must pass
// before its values are used. REST request bodies (internal/httpapi) and
// WebSocket client frames (internal/realtime) both go through it, so the two
// transports judge input alike.
package clientjson

import (
	"fmt"
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
