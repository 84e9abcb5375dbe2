package postgres

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

// SearchMessages walks the docs below the cursor newest first, in windows
// — the newest searchWindow docs, the next 8×searchWindow, then the rest —
// and stops as soon as the page is full. The first window walks each of the
// caller's rooms by the room index, matching one doc at a time: a common
// word fills its page there from a few thousand docs. The later windows ask
// the trigram index (search_docs_unspaced), so a rare text reads only the
// docs that might hold it. Asking the trigram index at once, as the first
// version did, read and sorted every doc holding a common word (118,000 for
// "deploy" in the bench's million: 1–2 s). Queries too short for a trigram
// walk every window by the rooms, bounded by the caller's deadline (the
// service's search timeout), which cancels the statement.
func (s *Store) SearchMessages(ctx context.Context, q chat.MessageQuery) ([]chat.MessageDoc, error) {
	var top *int64
	var rooms []string
	err := s.pool.QueryRow(ctx, `SELECT (SELECT max(doc) FROM search_docs WHERE doc < $1),
		ARRAY(SELECT room_id FROM members WHERE user_id = $2 AND ($3 = '' OR room_id = $3))`,
		q.Below, string(q.User), string(q.Room)).Scan(&top, &rooms)
	if err != nil || top == nil || len(rooms) == 0 {
		return nil, translate(err, "search")
	}
	trigrams := chat.QueryRunes(unspaced(q.Text)) >= 3
	var out []chat.MessageDoc
	hi := *top
	for i, width := range []int64{int64(s.searchWindow), 8 * int64(s.searchWindow), 0} { // 0: the rest
		lo := int64(math.MinInt64)
		if width > 0 && hi > math.MinInt64+width {
			lo = hi - width
		}
		sql, args := windowQuery(q, rooms, lo, hi, i > 0 && trigrams, q.Limit-len(out))
		// Planned for these values every time: the bounds, the rooms and
		// the pattern decide between the room index, the trigram index and
		// a walk by doc; a cached statement's generic plan cannot tell them
		// apart.
		rows, err := s.pool.Query(ctx, sql, append([]any{pgx.QueryExecModeExec}, args...)...)
		docs, err := collect(rows, err, "search", func(sc sqlrow.Scanner) (chat.MessageDoc, error) {
			var d chat.MessageDoc
			var room string
			err := sc.Scan(&d.Doc, &room, &d.Seq)
			d.RoomID = chat.RoomID(room)
			return d, err
		})
		if err != nil {
			return nil, err
		}
		out = append(out, docs...)
		if len(out) == q.Limit || lo == math.MinInt64 {
			return out, nil
		}
		hi = lo
	}
	return out, nil
}

// searchWindow is how many docs the first window of a search holds
// (Store.searchWindow).
const searchWindow = 20000

// unspacedBody is the expression of the search_docs_unspaced index
// (migration 00012), which the planner matches only when written the same.
const unspacedBody = `translate(d.body, E' \t\n\r', '')`

// unspaced is text as unspacedBody leaves a body: without the characters it
// removes.
func unspaced(text string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, text)
}

// windowQuery is q over the docs lo < doc <= hi (lo = math.MinInt64: every
// doc up to hi) of rooms, newest first, at most limit. With trigrams it adds
// the unspaced body's pattern — implied by the exact match on the body,
// which stays — and lets the planner combine the trigram index with the
// room index. Without, it walks each room's docs newest first by the room
// index, each stopping at limit matches: a filter on rooms beside the
// pattern would leave the planner free to walk every doc by number and
// match the pattern on all of them (20,000 ILIKEs to keep the 10% in the
// caller's rooms).
func windowQuery(q chat.MessageQuery, rooms []string, lo, hi int64, trigrams bool, limit int) (string, []any) {
	var b strings.Builder
	args := []any{"%" + likeEscape(q.Text) + "%", hi, rooms, limit}
	if trigrams {
		b.WriteString(`SELECT d.doc, d.room_id, d.seq FROM search_docs d
WHERE d.room_id = ANY($3) AND d.body ILIKE $1 AND d.doc <= $2`)
	} else {
		b.WriteString(`SELECT d.doc, d.room_id, d.seq FROM unnest($3::text[]) r (id) CROSS JOIN LATERAL (
SELECT d.doc, d.room_id, d.seq FROM search_docs d
WHERE d.room_id = r.id AND d.body ILIKE $1 AND d.doc <= $2`)
	}
	arg := func(cond string, v any) {
		args = append(args, v)
		fmt.Fprintf(&b, cond, len(args))
	}
	if lo != math.MinInt64 {
		arg(` AND d.doc > $%d`, lo)
	}
	if trigrams {
		arg(` AND `+unspacedBody+` ILIKE $%d`, "%"+likeEscape(unspaced(q.Text))+"%")
	}
	if q.From != "" {
		arg(` AND d.sender_id = $%d`, string(q.From))
	}
	if !q.Since.IsZero() {
		arg(` AND d.created_at >= $%d`, sqlrow.Kept(q.Since))
	}
	if !q.Until.IsZero() {
		arg(` AND d.created_at < $%d`, sqlrow.Kept(q.Until))
	}
	if q.Files {
		b.WriteString(` AND d.files`)
	}
	if !trigrams {
		b.WriteString(` ORDER BY d.doc DESC LIMIT $4) d`)
	}
	b.WriteString(` ORDER BY d.doc DESC LIMIT $4`)
	return b.String(), args
}

// likeEscape makes text match itself in a LIKE pattern (backslash is
// PostgreSQL's default escape character).
func likeEscape(text string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(text)
}

// IndexBacklog indexes one batch of the messages older than the search
// index: the next batch by id (UUIDv7, so by time) below the last one done,
// each text message getting the next lower doc. The state moves in the same
// transaction as the batch (whose row lock keeps two nodes from doing the
// same batch), so a crash loses no work and repeats none.
func (s *Store) IndexBacklog(ctx context.Context, batch int) (p chat.BacklogProgress, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var below string
		var next int64
		err := tx.QueryRow(ctx, `SELECT below, next_doc, walked, total, finished FROM search_backlog WHERE id = 1 FOR UPDATE`).
			Scan(&below, &next, &p.Done, &p.Total, &p.Finished)
		if err != nil || p.Finished {
			return err
		}
		var low *string
		var n int64
		err = tx.QueryRow(ctx, `SELECT min(id), count(*) FROM
			(SELECT id FROM messages WHERE id < $1 ORDER BY id DESC LIMIT $2) b`, below, batch).Scan(&low, &n)
		if err != nil {
			return err
		}
		if n == 0 {
			p.Finished = true
			_, err = tx.Exec(ctx, `UPDATE search_backlog SET finished = true WHERE id = 1`)
			return err
		}
		// Messages stored since the migration are indexed already (by the
		// triggers) and skipped.
		tag, err := tx.Exec(ctx, `INSERT INTO search_docs (doc, room_id, seq, sender_id, created_at, files, body)
			SELECT $1 - row_number() OVER (ORDER BY m.id DESC) + 1, m.room_id, m.seq, m.sender_id, m.created_at,
				EXISTS (SELECT 1 FROM message_attachments ma WHERE ma.room_id = m.room_id AND ma.seq = m.seq),
				search_body(m.room_id, m.seq, m.text)
			FROM messages m
			WHERE m.id >= $2 AND m.id < $3 AND m.kind = 'text' AND NOT m.deleted
				AND NOT EXISTS (SELECT 1 FROM search_docs d WHERE d.room_id = m.room_id AND d.seq = m.seq)`,
			next, *low, below)
		if err != nil {
			return err
		}
		p.Done += n
		_, err = tx.Exec(ctx, `UPDATE search_backlog SET below = $1, next_doc = next_doc - $2, walked = $3 WHERE id = 1`,
			*low, tag.RowsAffected(), p.Done)
		return err
	})
	return p, translate(err, "search backlog")
}

// SearchSizes reports the bytes the search table with its indexes and the
// messages table with its indexes take, for `parley bench search`.
func (s *Store) SearchSizes(ctx context.Context) (index, messages int64, err error) {
	err = s.pool.QueryRow(ctx, `SELECT pg_total_relation_size('search_docs'), pg_total_relation_size('messages')`).
		Scan(&index, &messages)
	return index, messages, translate(err, "sizes")
}

// AppendTexts appends text messages from one sender to one room in a single
// transaction, seqs in order: a bulk import (the search bench fills a
// million messages with it). ids must be unique and as many as texts. The
// sender's read position and reads are left alone; triggers index the
// messages for search as for any other.
func (s *Store) AppendTexts(ctx context.Context, room chat.RoomID, sender chat.UserID, ids, texts []string, at time.Time) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var last, counted int64
		if err := tx.QueryRow(ctx, `UPDATE rooms SET last_seq = last_seq + $2, counted = counted + $2, last_message_at = $3 WHERE id = $1 RETURNING last_seq, counted`,
			string(room), len(texts), sqlrow.Kept(at)).Scan(&last, &counted); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO messages (room_id, seq, id, sender_id, kind, text, created_at, counted)
			SELECT $1, $2 + t.n, t.id, $3, 'text', t.text, $4, $7 + t.n
			FROM unnest($5::text[], $6::text[]) WITH ORDINALITY AS t (id, text, n)`,
			string(room), last-int64(len(texts)), string(sender), sqlrow.Kept(at), ids, texts, counted-int64(len(texts)))
		return err
	})
}
