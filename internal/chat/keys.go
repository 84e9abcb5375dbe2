package chat

import "strings"

// DirectKey names the 1:1 room of a and b, the same whichever opens it:
// "a:b" with the two ids in order.
func DirectKey(a, b UserID) string {
	if a > b {
		a, b = b, a
	}
	return string(a) + ":" + string(b)
}

// SearchKey is the form of a display name (or a query) that user search
// compares by prefix: lower case, so "Ali" finds "alice" and "ALICE". Stores
// keep it beside the display name and index it, and compare bytewise, so it
// is computed here once rather than by each database's own lower().
func SearchKey(s string) string { return strings.ToLower(s) }

// PrefixEnd returns the smallest string greater than every string that starts
// with p, so a prefix match is the range [p, PrefixEnd(p)) of an index in
// byte order; ok is false when no such string exists (p is empty or all
// U+10FFFF), and then the range has no upper bound.
func PrefixEnd(p string) (end string, ok bool) {
	rs := []rune(p)
	for i := len(rs) - 1; i >= 0; i-- {
		switch r := rs[i]; {
		case r == 0xD7FF: // the next scalar value skips the surrogates
			rs[i] = 0xE000
		case r < 0x10FFFF:
			rs[i] = r + 1
		default:
			continue
		}
		return string(rs[:i+1]), true
	}
	return "", false
}
