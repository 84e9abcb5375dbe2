// Package clientjsontest states, for fuzz targets of the decoders of client
// JSON, the promise clientjson.Check makes.
package clientjsontest

import (
	"bytes"
	"encoding/json"
)

// Replaced reports whether v, decoded from the JSON text input, holds a
// U+FFFD that input did not spell, raw or as a \ufffd escape: a character
// the decoder put in place of something the client sent.
func Replaced(input []byte, v any) bool {
	out, err := json.Marshal(v)
	if err != nil || !bytes.Contains(out, []byte("\uFFFD")) {
		return false
	}
	return !spells(input)
}

func spells(b []byte) bool {
	if bytes.Contains(b, []byte("\uFFFD")) {
		return true
	}
	for i := 0; i+1 < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if b[i+1] == 'u' && i+6 <= len(b) && bytes.EqualFold(b[i+2:i+6], []byte("fffd")) {
			return true
		}
		i++ // the escaped character is not the start of another escape
	}
	return false
}
