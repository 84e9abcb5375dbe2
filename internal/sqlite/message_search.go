package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"strings"
	"time"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

// SearchMessages matches queries of three characters or more through the
// trigram index, streaming matches newest first until Limit are in the
// caller's rooms. Shorter ones have no trigram to look up: they scan bodies
// with LIKE, first the newest shortWindow docs (below the cursor) in doc order (a common query
// fills its page there), then, for what is left, only the caller's rooms'
// docs by the room index (a rare one scans no more than those rooms hold),
// bounded by the caller's deadline (the service's search timeout).
func (s *Store) SearchMessages(ctx context.Context, q chat.MessageQuery) ([]chat.MessageDoc, error) {
	if chat.QueryRunes(q.Text) >= 3 {
		return s.searchDocs(ctx, q, math.MinInt64, false)
	}
	var floor int64 = math.MinInt64
	err := s.r.QueryRowContext(ctx, `SELECT doc FROM search_docs WHERE doc < ? ORDER BY doc DESC LIMIT 1 OFFSET ?`,
		q.Below, s.shortWindow).Scan(&floor)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, translate(err, "search")
	}
	docs, err := s.searchDocs(ctx, q, floor, false)
	if err != nil || len(docs) == q.Limit || floor == math.MinInt64 {
		return docs, err
	}
	rest := q
	rest.Below, rest.Limit = floor, q.Limit-len(docs)
	more, err := s.searchDocs(ctx, rest, math.MinInt64, true)
	return append(docs, more...), err
}

// shortWindow is how many of the newest docs a short query scans in doc
// order before it turns to the caller's rooms alone (Store.shortWindow).
const shortWindow = 20000

// searchDocs runs q over the docs floor <= doc < q.Below. byRoom lets the
// planner start from the caller's rooms (the room index); otherwise it
// walks docs newest first — the trigram index's matches, or every doc — so
// it stops as soon as the page is full.
func (s *Store) searchDocs(ctx context.Context, q chat.MessageQuery, floor int64, byRoom bool) ([]chat.MessageDoc, error) {
	var b strings.Builder
	var args []any
	if chat.QueryRunes(q.Text) >= 3 {
		b.WriteString(`SELECT d.doc, d.room_id, d.seq FROM search_index f JOIN search_docs d ON d.doc = f.rowid
WHERE search_index MATCH ? AND f.rowid < ? AND f.rowid >= ?`)
		args = append(args, ftsPhrase(q.Text), q.Below, floor)
	} else {
		// LIKE folds ASCII letters only: a one- or two-letter query in
		// another cased script matches its own case.
		b.WriteString(`SELECT d.doc, d.room_id, d.seq FROM search_docs d
WHERE d.body LIKE ? ESCAPE '\' AND d.doc < ? AND d.doc >= ?`)
		args = append(args, "%"+likeEscape(q.Text)+"%", q.Below, floor)
	}
	// Unary + keeps the planner off the room index.
	room := "+d.room_id"
	if byRoom {
		room = "d.room_id"
	}
	b.WriteString(` AND ` + room + ` IN (SELECT room_id FROM members WHERE user_id = ?)`)
	args = append(args, string(q.User))
	if q.Room != "" {
		b.WriteString(` AND ` + room + ` = ?`)
		args = append(args, string(q.Room))
	}
	if q.From != "" {
		b.WriteString(` AND d.sender_id = ?`)
		args = append(args, string(q.From))
	}
	if !q.Since.IsZero() {
		b.WriteString(` AND d.created_at >= ?`)
		args = append(args, toMS(q.Since))
	}
	if !q.Until.IsZero() {
		b.WriteString(` AND d.created_at < ?`)
		args = append(args, toMS(q.Until))
	}
	if q.Files {
		b.WriteString(` AND d.files = 1`)
	}
	// Ordered by the index's own rowid, so FTS5 hands matches out newest
	// first and the scan stops with the page; ordered by d.doc, SQLite would
	// sort every match first.
	if chat.QueryRunes(q.Text) >= 3 {
		b.WriteString(` ORDER BY f.rowid DESC LIMIT ?`)
	} else {
		b.WriteString(` ORDER BY d.doc DESC LIMIT ?`)
	}
	args = append(args, q.Limit)
	rows, err := s.r.QueryContext(ctx, b.String(), args...)
	return collect(rows, err, "search", scanDoc)
}

func scanDoc(sc sqlrow.Scanner) (chat.MessageDoc, error) {
	var d chat.MessageDoc
	var room string
	err := sc.Scan(&d.Doc, &room, &d.Seq)
	d.RoomID = chat.RoomID(room)
	return d, err
}

// ftsPhrase quotes text as one FTS5 string: any substring, no query syntax.
func ftsPhrase(text string) string {
	return `"` + strings.ReplaceAll(text, `"`, `""`) + `"`
}

// likeEscape makes text match itself in a LIKE pattern with ESCAPE '\'.
func likeEscape(text string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(text)
}

// IndexBacklog indexes one batch of the messages older than the search
// index: the next batch by id (UUIDv7, so by time) below the last one done,
// each text message getting the next lower doc. The state moves in the same
// transaction as the batch, so a crash loses no work and repeats none.
func (s *Store) IndexBacklog(ctx context.Context, batch int) (p chat.BacklogProgress, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		var below string
		var next int64
		err := tx.QueryRowContext(ctx, `SELECT below, next_doc, walked, total, finished FROM search_backlog WHERE id = 1`).
			Scan(&below, &next, &p.Done, &p.Total, &p.Finished)
		if err != nil || p.Finished {
			return translate(err, "search backlog")
		}
		var low sql.NullString
		var n int64
		err = tx.QueryRowContext(ctx, `SELECT min(id), count(*) FROM
			(SELECT id FROM messages WHERE id < ? ORDER BY id DESC LIMIT ?)`, below, batch).Scan(&low, &n)
		if err != nil {
			return translate(err, "search backlog")
		}
		if n == 0 {
			p.Finished = true
			_, err = tx.ExecContext(ctx, `UPDATE search_backlog SET finished = 1 WHERE id = 1`)
			return translate(err, "search backlog")
		}
		// Messages stored since the migration are indexed already (as
		// they were stored) and skipped.
		res, err := tx.ExecContext(ctx, `INSERT INTO search_docs (doc, room_id, seq, sender_id, created_at, files, body)
			SELECT ? - row_number() OVER (ORDER BY m.id DESC) + 1, m.room_id, m.seq, m.sender_id, m.created_at,
				EXISTS (SELECT 1 FROM message_attachments ma WHERE ma.room_id = m.room_id AND ma.seq = m.seq),
				m.text || coalesce((SELECT char(10) || group_concat(a.name, char(10))
					FROM message_attachments ma JOIN attachments a ON a.id = ma.attachment_id
					WHERE ma.room_id = m.room_id AND ma.seq = m.seq), '')
			FROM messages m
			WHERE m.id >= ? AND m.id < ? AND m.kind = 'text' AND m.deleted = 0
				AND NOT EXISTS (SELECT 1 FROM search_docs d WHERE d.room_id = m.room_id AND d.seq = m.seq)`,
			next, low.String, below)
		if err != nil {
			return translate(err, "search backlog")
		}
		added, err := res.RowsAffected()
		if err != nil {
			return translate(err, "search backlog")
		}
		p.Done += n
		_, err = tx.ExecContext(ctx, `UPDATE search_backlog SET below = ?, next_doc = next_doc - ?, walked = ? WHERE id = 1`,
			low.String, added, p.Done)
		return translate(err, "search backlog")
	})
	return p, err
}

// SearchSizes reports the bytes the search tables (docs and trigram index)
// and the messages table take in the file, for `parley bench search`.
func (s *Store) SearchSizes(ctx context.Context) (index, messages int64, err error) {
	err = s.r.QueryRowContext(ctx, `SELECT
		coalesce(sum(CASE WHEN name = 'search_docs' OR name LIKE 'sqlite_autoindex_search_docs%' OR name LIKE 'search_index%' THEN pgsize END), 0),
		coalesce(sum(CASE WHEN name = 'messages' OR name LIKE 'sqlite_autoindex_messages%' OR name = 'messages_client' THEN pgsize END), 0)
		FROM dbstat`).Scan(&index, &messages)
	return index, messages, translate(err, "sizes")
}

// AppendTexts appends text messages from one sender to one room in a single
// transaction, seqs in order: a bulk import (the search bench fills a
// million messages with it). ids must be unique and as many as texts. The
// sender's read position and reads are left alone; the messages are
// indexed for search as any others.
func (s *Store) AppendTexts(ctx context.Context, room chat.RoomID, sender chat.UserID, ids, texts []string, at time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		var last, counted int64
		if err := tx.QueryRowContext(ctx, `UPDATE rooms SET last_seq = last_seq + ?, counted = counted + ?, last_message_at = ? WHERE id = ? RETURNING last_seq, counted`,
			len(texts), len(texts), toMS(at), string(room)).Scan(&last, &counted); err != nil {
			return translate(err, "room")
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO messages (room_id, seq, id, sender_id, kind, text, created_at, counted) VALUES (?, ?, ?, ?, 'text', ?, ?, ?)`)
		if err != nil {
			return translate(err, "messages")
		}
		defer st.Close()
		first, firstCounted := last-int64(len(texts)), counted-int64(len(texts))
		stored := make([]chat.Message, len(texts))
		for i, text := range texts {
			if _, err := st.ExecContext(ctx, string(room), first+int64(i)+1, ids[i], string(sender), text, toMS(at), firstCounted+int64(i)+1); err != nil {
				return translate(err, "messages")
			}
			stored[i] = chat.Message{RoomID: room, Seq: first + int64(i) + 1, Kind: chat.Text}
		}
		return s.indexTexts(ctx, tx, stored...)
	})
}
