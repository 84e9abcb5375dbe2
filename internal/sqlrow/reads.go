package sqlrow

import "parley/internal/chat"

// ScanReadCount reads a read position and how many members are at it.
func ScanReadCount(sc Scanner) (chat.ReadCount, error) {
	var rc chat.ReadCount
	err := sc.Scan(&rc.Seq, &rc.Count)
	return rc, err
}

// Reactions reads rows of (seq, emoji, count, whether the viewer reacted so)
// into the reactions of each message.
func Reactions(rows Rows) (map[int64][]chat.ReactionCount, error) {
	out := map[int64][]chat.ReactionCount{}
	for rows.Next() {
		var (
			seq int64
			rc  chat.ReactionCount
		)
		if err := rows.Scan(&seq, &rc.Emoji, &rc.Count, &rc.Me); err != nil {
			return nil, err
		}
		out[seq] = append(out[seq], rc)
	}
	return out, rows.Err()
}

// Reactors reads rows of (emoji, count, user) ordered by emoji first, then
// user, into one entry per emoji.
func Reactors(rows Rows) ([]chat.Reactors, error) {
	out := []chat.Reactors{}
	for rows.Next() {
		var (
			emoji string
			count int
			user  string
		)
		if err := rows.Scan(&emoji, &count, &user); err != nil {
			return nil, err
		}
		if n := len(out); n == 0 || out[n-1].Emoji != emoji {
			out = append(out, chat.Reactors{Emoji: emoji, Count: count})
		}
		last := &out[len(out)-1]
		last.Users = append(last.Users, chat.UserID(user))
	}
	return out, rows.Err()
}

// ReactableCols are what CheckReactable reads (messages).
const ReactableCols = `kind, deleted`

// CheckReactable reads a message's kind and whether it was deleted, and
// refuses a new reaction (adding) on a system message or a tombstone.
// Taking one back is always allowed.
func CheckReactable(sc Scanner, adding bool) error {
	var (
		kind    string
		deleted bool
	)
	if err := sc.Scan(&kind, &deleted); err != nil {
		return err
	}
	if adding && (kind != string(chat.Text) || deleted) {
		return chat.Errorf(chat.Conflict, "message takes no reactions")
	}
	return nil
}
