package chat

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Invisible format characters (Unicode category Cf) change how text around
// them is shown without showing themselves: bidi overrides and isolates turn
// "txt.exe" around or make one name look like another, zero-width spaces and
// the BOM make two different strings look the same, tag characters carry
// hidden ASCII. They are removed from what people read — message text,
// display names, room names, announcements, status messages and file names
// — rather than refused, because text pasted from other apps carries them
// innocently. Kept:
//   - U+200D ZERO WIDTH JOINER: emoji sequences (👩‍💻, 🏳️‍🌈) are joined by it;
//   - U+200C ZERO WIDTH NON-JOINER: Persian, Kurdish and several Indic
//     scripts need it to spell words correctly;
//   - tag characters (U+E0020–U+E007E) in a complete emoji tag sequence
//     after U+1F3F4 and ending with U+E007F (the flags of England, Scotland,
//     Wales): anywhere else they are hidden text.
const zwnj = '\u200c' // zwj, blackFlag, cancelTag and isTag: emoji.go

// stripInvisible returns s without the invisible format characters above.
// Text that is not valid UTF-8 is returned as it is, for validation to
// refuse (mapping it would turn bad bytes into U+FFFD).
func stripInvisible(s string) string {
	if !utf8.ValidString(s) || !strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Cf, r) && r != zwj && r != zwnj }) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == blackFlag {
			if n := tagSequence(s[i+size:]); n > 0 {
				b.WriteString(s[i : i+size+n])
				i += size + n
				continue
			}
		}
		if !unicode.Is(unicode.Cf, r) || r == zwj || r == zwnj {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// tagSequence is the length in bytes of the tag characters and the cancel
// tag that begin s, or 0 when s does not begin with a complete tag sequence.
func tagSequence(s string) int {
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case isTag(r):
			n++
		case r == cancelTag && n > 0:
			return i + size
		default:
			return 0
		}
		i += size
	}
	return 0
}
