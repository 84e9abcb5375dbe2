package chat

import (
	"context"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ParseMentions returns the usernames that text mentions, lowercased, each
// once, in the order they first appear, at most limit of them. The grammar
// (docs/protocol.md, "Mentions"):
//
//   - a mention is "@" and a name of 3 to 32 characters of [A-Za-z0-9_.],
//     matched without regard to case, as usernames are;
//   - the "@" starts the text or follows a character that is not a letter, a
//     digit, a mark or one of _ . - + = @ / \ and backquote, so the "@" of
//     bob@example.com, https://host/@bob or `@Override` is no mention;
//   - the name is the longest run of name characters, less its trailing dots
//     ("thanks @bob." mentions bob); it must not run on into a letter, a
//     digit, a mark or one of - + = @ / \ and backquote (bob@host and
//     @bob-smith are no mentions), and a run longer than 32 is no mention
//     at all, never a shortened one.
//
// Text without "@" costs one byte scan and no allocation: this runs on every
// send.
func ParseMentions(text string, limit int) []string {
	var names []string
	for i := 0; i < len(text) && len(names) < limit; {
		at := strings.IndexByte(text[i:], '@')
		if at < 0 {
			break
		}
		at += i
		start := at + 1
		end := start
		for end < len(text) && isNameByte(text[end]) {
			end++
		}
		i = end
		if at > 0 {
			if r, _ := utf8.DecodeLastRuneInString(text[:at]); joinsWord(r) || r == '_' || r == '.' {
				continue
			}
		}
		if end < len(text) {
			if r, _ := utf8.DecodeRuneInString(text[end:]); joinsWord(r) {
				continue
			}
		}
		name := strings.TrimRight(text[start:end], ".")
		if len(name) < 3 || len(name) > 32 {
			continue
		}
		name = strings.ToLower(name) // no copy when it is lowercase already
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return names
}

func isNameByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' || b == '.'
}

// joinsWord reports whether r, next to an "@" or a name, makes it part of a
// longer word (an address, a path, a hyphenated name, code).
func joinsWord(r rune) bool {
	switch r {
	case '-', '+', '=', '@', '/', '\\', '`':
		return true
	}
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r))
}

// resolveMentions turns the names a text mentions (ParseMentions) into the
// ids of those who are members of room, sorted, leaving out the sender (who has read their own
// message), names that are no member, and members who blocked the sender (a
// blocked user's mention neither marks nor counts for them). No names cost
// no query.
func (s *Service) resolveMentions(ctx context.Context, room RoomID, sender UserID, names []string) ([]UserID, error) {
	if len(names) == 0 {
		return nil, nil
	}
	found, err := s.store.MembersByUsername(ctx, room, names)
	if err != nil {
		return nil, err
	}
	var ids []UserID
	for _, name := range names {
		if id, ok := found[name]; ok && id != sender {
			ids = append(ids, id)
		}
	}
	if len(ids) > 0 {
		by, err := s.store.BlockedBy(ctx, sender, ids)
		if err != nil {
			return nil, err
		}
		ids = slices.DeleteFunc(ids, func(id UserID) bool { return slices.Contains(by, id) })
	}
	if len(ids) == 0 {
		return nil, nil
	}
	slices.Sort(ids) // as the stores return them
	return ids, nil
}
