package chat

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ValidateUsername: 3–32 of [a-z0-9_.].
func ValidateUsername(s string) error {
	if n := len(s); n < 3 || n > 32 {
		return Errorf(Invalid, "username must be 3 to 32 characters")
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.') {
			return Errorf(Invalid, "username may only contain a-z, 0-9, _ and .")
		}
	}
	return nil
}

func ValidatePassword(s string) error {
	if utf8.RuneCountInString(s) < 8 {
		return Errorf(Invalid, "password must be at least 8 characters")
	}
	if len(s) > 256 {
		return Errorf(Invalid, "password must be at most 256 bytes")
	}
	return nil
}

// validateString is the rule every string a client hands the domain obeys,
// identifiers and lookups included: valid UTF-8 without U+0000. Both stores
// then get only text they can keep and match alike — PostgreSQL refuses
// U+0000 and invalid UTF-8 in text, SQLite would keep them — so a request
// has the same answer on either.
func validateString(field, s string) error {
	if !utf8.ValidString(s) {
		return Errorf(Invalid, "%s is not valid UTF-8", field)
	}
	if strings.IndexByte(s, 0) >= 0 {
		return Errorf(Invalid, "%s contains U+0000", field)
	}
	return nil
}

// validateText: validateString, no control characters other than newline,
// carriage return and tab, and at most max runes.
func validateText(field, s string, max int) error {
	if err := validateString(field, s); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(s); n > max {
		return Errorf(Invalid, "%s is %d characters, the limit is %d", field, n, max)
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' {
			return Errorf(Invalid, "%s contains a control character", field)
		}
	}
	return nil
}

// validateOneLine: validateText without anything that breaks or tabs a line —
// newline, carriage return, tab, and Unicode's line and paragraph separators
// (U+2028, U+2029), which render as line breaks too.
func validateOneLine(field, s string, max int) error {
	if err := validateText(field, s, max); err != nil {
		return err
	}
	if strings.ContainsFunc(s, func(r rune) bool {
		return r == '\n' || r == '\r' || r == '\t' || unicode.In(r, unicode.Zl, unicode.Zp)
	}) {
		return Errorf(Invalid, "%s must be one line", field)
	}
	return nil
}

func validateMessageText(s string, max int) error {
	if strings.TrimSpace(s) == "" {
		return Errorf(Invalid, "text is empty")
	}
	return validateText("text", s, max)
}

// validateClientID: optional, up to 64 printable ASCII characters without spaces.
func validateClientID(s string) error {
	if len(s) > 64 {
		return Errorf(Invalid, "client_id must be at most 64 characters")
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return Errorf(Invalid, "client_id must be printable ASCII without spaces")
		}
	}
	return nil
}

// validateRoomName: one line of 1 to max characters, surrounding space and
// invisible format characters removed (so are they from display names and
// status messages: invisible.go).
func validateRoomName(s string, max int) (string, error) {
	s = strings.TrimSpace(stripInvisible(s))
	if s == "" {
		return "", Errorf(Invalid, "name is empty")
	}
	return s, validateOneLine("name", s, max)
}

// validateDisplayName: one line of 1–64 characters, surrounding space
// trimmed. Signup and profile changes both take a display name through it.
func validateDisplayName(s string) (string, error) {
	s = strings.TrimSpace(stripInvisible(s))
	if s == "" {
		return "", Errorf(Invalid, "display_name is empty")
	}
	return s, validateOneLine("display_name", s, maxDisplayNameLen)
}

// validateStatusMessage: one line of at most 140 characters; empty clears it.
func validateStatusMessage(s string) (string, error) {
	s = strings.TrimSpace(stripInvisible(s))
	return s, validateOneLine("status_message", s, maxStatusLen)
}
