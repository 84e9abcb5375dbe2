package chat

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MessageSearchStore finds messages by the text they contain
// (docs/decisions/0023-search.md). Both stores pass internal/storetest's
// search cases.
type MessageSearchStore interface {
	// SearchMessages returns the messages matching q in the rooms q.User is
	// a member of, newest first (by Doc, descending), at most q.Limit. Text
	// matches any substring of the message text or of an attachment's file
	// name, case-insensitively for the letters that have case. A system
	// message or a tombstone never matches; an edit is matched by its new
	// text from the moment it is stored.
	SearchMessages(ctx context.Context, q MessageQuery) ([]MessageDoc, error)
	// IndexBacklog indexes up to batch of the messages stored before search
	// existed, newest first, and reports the progress. Once Finished it does
	// nothing; it is safe to stop at any batch and resume on another start.
	IndexBacklog(ctx context.Context, batch int) (BacklogProgress, error)
}

// BacklogProgress is how far indexing the messages from before search went:
// Done of Total messages walked (Done may pass Total by the messages sent
// meanwhile), Finished once all are.
type BacklogProgress struct {
	Done, Total int64
	Finished    bool
}

// MessageQuery is one search as a store runs it, validated by the service.
type MessageQuery struct {
	User UserID
	Text string // at least one character
	Room RoomID // "" = every room of User
	From UserID // "" = any sender
	// Since and Until bound the time the message was sent: Since <= t <
	// Until; the zero time leaves that side open.
	Since, Until time.Time
	Files        bool  // only messages with attachments
	Below        int64 // only docs below this one (the cursor); math.MaxInt64 from the newest
	Limit        int
}

// MessageDoc is one search result as a store finds it: the message and its
// place in the order of results.
type MessageDoc struct {
	RoomID RoomID
	Seq    int64
	Doc    int64
}

// MessageHit is a found message with the part of it that matched.
type MessageHit struct {
	Message
	Snippet Snippet `json:"snippet"`
}

// Snippet is an excerpt of the message text (or of an attachment's file
// name, when only that matched) with the matching ranges. Offsets count
// Unicode code points of Text, End exclusive; clients mark them up
// themselves, so no HTML ever comes from the server.
type Snippet struct {
	Text       string      `json:"text"`
	Highlights []Highlight `json:"highlights"`
}

type Highlight struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// MessageSearch is a search request from a client.
type MessageSearch struct {
	Text   string
	Room   RoomID
	From   UserID
	Since  time.Time
	Until  time.Time
	Files  bool
	Cursor string
	Limit  int
}

// MessageResults is one page of results; Next is the cursor of the page
// after it, "" when there is none.
type MessageResults struct {
	Hits []MessageHit `json:"hits"`
	Next string       `json:"next_cursor,omitempty"`
}

const (
	maxMessageSearchLen   = 100 // runes of a query
	defaultMessageResults = 20
	maxMessageResults     = 50
	snippetRunes          = 120 // runes of a snippet
	backlogBatch          = 2000
)

// SearchMessages finds messages in the rooms the caller is a member of —
// members read a room's whole history (docs/decisions/0003); a user who left
// or was removed finds nothing of that room any more.
func (s *Service) SearchMessages(ctx context.Context, caller UserID, r MessageSearch) (MessageResults, error) {
	text := strings.TrimSpace(r.Text)
	if text == "" {
		return MessageResults{}, Errorf(Invalid, "q is required")
	}
	if err := validateOneLine("q", text, maxMessageSearchLen); err != nil {
		return MessageResults{}, err
	}
	limit := r.Limit
	if limit == 0 {
		limit = defaultMessageResults
	}
	if limit < 1 || limit > maxMessageResults {
		return MessageResults{}, Errorf(Invalid, "limit must be 1 to %d", maxMessageResults)
	}
	below := int64(math.MaxInt64)
	if r.Cursor != "" {
		n, err := strconv.ParseInt(r.Cursor, 10, 64)
		if err != nil {
			return MessageResults{}, Errorf(Invalid, "cursor is not one this server gave")
		}
		below = n
	}
	if !r.Since.IsZero() && !r.Until.IsZero() && !r.Since.Before(r.Until) {
		return MessageResults{}, Errorf(Invalid, "after must be earlier than before")
	}
	if r.Room != "" {
		if _, err := s.member(ctx, r.Room, caller); err != nil {
			return MessageResults{}, err
		}
	}
	if !s.messageSearches.Allow(string(caller)) {
		return MessageResults{}, Errorf(RateLimited, "searching too fast, slow down")
	}
	qctx, cancel := context.WithTimeout(ctx, s.limits.SearchTimeout)
	defer cancel()
	docs, err := s.store.SearchMessages(qctx, MessageQuery{
		User: caller, Text: text, Room: r.Room, From: r.From, Since: r.Since, Until: r.Until,
		Files: r.Files, Below: below, Limit: limit + 1,
	})
	if err != nil {
		if errors.Is(qctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
			return MessageResults{}, Wrap(TimedOut, err, "the search took too long: narrow it with a room, a sender or dates, or a longer text")
		}
		return MessageResults{}, err
	}
	out := MessageResults{Hits: make([]MessageHit, 0, min(len(docs), limit))}
	if len(docs) > limit {
		docs = docs[:limit]
		out.Next = strconv.FormatInt(docs[limit-1].Doc, 10)
	}
	for _, d := range docs {
		m, err := s.store.Message(ctx, d.RoomID, d.Seq)
		if ErrorCode(err) == NotFound {
			continue // deleted with its room since the search
		} else if err != nil {
			return MessageResults{}, err
		}
		out.Hits = append(out.Hits, MessageHit{Message: m, Snippet: snippetOf(m, text)})
	}
	return out, nil
}

// snippetOf cuts the part of m's text around the first match of q, or the
// first attachment name that matches when the text does not.
func snippetOf(m Message, q string) Snippet {
	qr := []rune(q)
	if sn, ok := snippetIn([]rune(m.Text), qr); ok {
		return sn
	}
	for _, a := range m.Attachments {
		if sn, ok := snippetIn([]rune(a.Name), qr); ok {
			return sn
		}
	}
	t := []rune(m.Text)
	return Snippet{Text: string(t[:min(len(t), snippetRunes)]), Highlights: []Highlight{}}
}

// snippetIn finds every match of q in t (case folded as the indexes fold)
// and returns a window of t starting a little before the first one.
func snippetIn(t, q []rune) (Snippet, bool) {
	var at []int
	for i := 0; i+len(q) <= len(t); i++ {
		if foldedEqual(t[i:i+len(q)], q) {
			at = append(at, i)
			i += len(q) - 1
		}
	}
	if len(at) == 0 {
		return Snippet{}, false
	}
	start := 0
	if len(t) > snippetRunes {
		start = max(0, min(at[0]-snippetRunes/4, len(t)-snippetRunes))
	}
	end := min(len(t), start+snippetRunes)
	sn := Snippet{Text: string(t[start:end]), Highlights: []Highlight{}}
	for _, i := range at {
		if i+len(q) > end {
			break
		}
		sn.Highlights = append(sn.Highlights, Highlight{Start: i - start, End: i + len(q) - start})
	}
	return sn, true
}

func foldedEqual(a, b []rune) bool {
	for i := range a {
		if a[i] != b[i] && unicode.ToLower(a[i]) != unicode.ToLower(b[i]) {
			return false
		}
	}
	return true
}

// IndexBacklog makes the messages stored before search existed searchable,
// in batches, logging progress, until they are all indexed or ctx ends. A
// node restarted midway carries on where the last one stopped.
func (s *Service) IndexBacklog(ctx context.Context) error {
	started, logged := s.now(), time.Time{}
	for {
		p, err := s.store.IndexBacklog(ctx, backlogBatch)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if p.Finished {
			if !logged.IsZero() {
				s.log.Info("search index: existing messages indexed", "messages", p.Done, "took", s.now().Sub(started).Round(time.Second))
			}
			return nil
		}
		if now := s.now(); now.Sub(logged) >= 5*time.Second {
			s.log.Info("search index: indexing existing messages", "done", p.Done, "total", p.Total)
			logged = now
		}
	}
}

// QueryRunes is how many code points q has: stores answer queries shorter
// than a trigram differently.
func QueryRunes(q string) int { return utf8.RuneCountInString(q) }
