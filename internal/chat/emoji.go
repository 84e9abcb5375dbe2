package chat

import (
	"strings"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// MaxEmojiBytes bounds a reaction's emoji. The longest emoji Unicode
// recommends (a kiss with two skin tones, ZWJ-joined) is 35 bytes of UTF-8;
// subdivision flags are 28.
const MaxEmojiBytes = 64

// ValidateEmoji accepts exactly one emoji: one grapheme cluster (UAX #29, as
// github.com/rivo/uniseg segments it) that is a flag (two regional
// indicators), a subdivision flag (black flag and tag characters), a keycap
// (0-9 # * with an optional VS16 and U+20E3), or pictographs joined by ZWJ,
// each optionally followed by VS16 or a skin-tone modifier. Text, two emojis,
// shortcodes such as ":smile:" and control characters are Invalid.
func ValidateEmoji(s string) error {
	switch {
	case s == "":
		return Errorf(Invalid, "emoji is empty")
	case len(s) > MaxEmojiBytes:
		return Errorf(Invalid, "emoji must be at most %d bytes", MaxEmojiBytes)
	case !utf8.ValidString(s):
		return Errorf(Invalid, "emoji is not valid UTF-8")
	}
	cluster, rest, _, _ := uniseg.FirstGraphemeClusterInString(s, -1)
	if rest != "" {
		return Errorf(Invalid, "give exactly one emoji")
	}
	if !isEmojiCluster(cluster) {
		return Errorf(Invalid, "not an emoji")
	}
	return nil
}

const (
	zwj           = '\u200d'
	vs16          = '\ufe0f'
	combiningKey  = '\u20e3'
	blackFlag     = '\U0001F3F4'
	cancelTag     = '\U000E007F'
	firstRegional = '\U0001F1E6'
	lastRegional  = '\U0001F1FF'
)

func isRegional(r rune) bool { return r >= firstRegional && r <= lastRegional }
func isSkinTone(r rune) bool { return r >= '\U0001F3FB' && r <= '\U0001F3FF' }
func isTag(r rune) bool      { return r >= '\U000E0020' && r <= '\U000E007E' }

// isEmojiCluster checks the shape of one grapheme cluster against the emoji
// sequences of UTS #51.
func isEmojiCluster(s string) bool {
	r, n := utf8.DecodeRuneInString(s)
	switch {
	case isRegional(r):
		r2, m := utf8.DecodeRuneInString(s[n:])
		return isRegional(r2) && n+m == len(s)
	case r == '#' || r == '*' || (r >= '0' && r <= '9'):
		rest := strings.TrimPrefix(s[n:], string(vs16))
		return rest == string(combiningKey)
	case r == blackFlag && startsWithTag(s[n:]):
		return isTagSequence(s[n:])
	}
	for _, element := range strings.Split(s, string(zwj)) {
		if !isEmojiElement(element) {
			return false
		}
	}
	return true
}

func startsWithTag(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return isTag(r)
}

// isTagSequence: one or more tag characters, then the cancel tag.
func isTagSequence(s string) bool {
	tags := 0
	for i, r := range s {
		if r == cancelTag {
			return tags > 0 && i+utf8.RuneLen(r) == len(s)
		}
		if !isTag(r) {
			return false
		}
		tags++
	}
	return false
}

// isEmojiElement: a pictograph, then VS16 or a skin tone, or nothing.
func isEmojiElement(s string) bool {
	r, n := utf8.DecodeRuneInString(s)
	if !isPictographic(r) {
		return false
	}
	rest := s[n:]
	if rest == "" {
		return true
	}
	r2, m := utf8.DecodeRuneInString(rest)
	return (r2 == vs16 || isSkinTone(r2)) && m == len(rest)
}

// isPictographic reports whether r is Extended_Pictographic, the property
// UAX #29 rule GB11 joins ZWJ sequences by: "r ZWJ 😀" is one grapheme
// cluster exactly when r has it. Asking the segmenter keeps the emoji data
// in the library that is kept in step with Unicode, rather than in a table
// of our own; the property also covers code points reserved for future
// emoji, so new emoji work before any table here would know them.
func isPictographic(r rune) bool {
	if r < 0xA9 { // nothing below © is pictographic; saves the lookup for text
		return false
	}
	var buf [16]byte
	b := utf8.AppendRune(buf[:0], r)
	b = append(b, "\u200d\U0001F600"...)
	_, rest, _, _ := uniseg.FirstGraphemeCluster(b, -1)
	return len(rest) == 0
}
