package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

// CreateRoom inserts the room, its RoomCreated message (seq 1) and its
// members in one transaction. Every member's read position starts at seq 1:
// nobody has unread messages in a room they just got. Members repeating the
// creator or each other are added once. Two nodes creating the same direct
// pair at once: the second insert waits for the first transaction and then
// fails on the unique direct_key, which is Conflict.
func (s *Store) CreateRoom(ctx context.Context, r chat.NewRoom) (room chat.Room, msg chat.Message, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var directKey *string // NULL for groups
		if r.DirectKey != "" {
			directKey = &r.DirectKey
			if err := lockPair(ctx, tx, r.DirectKey); err != nil {
				return err
			}
		}
		created := sqlrow.Kept(r.CreatedAt)
		vis := r.Visibility
		if vis == "" {
			vis = chat.Private
		}
		_, err := tx.Exec(ctx,
			`INSERT INTO rooms (id, kind, name, announcement, direct_key, created_at, last_seq, last_message_at, member_count, visibility, name_key)
			 VALUES ($1, $2, $3, '', $4, $5, 0, $5, 0, $6, $7)`,
			string(r.ID), string(r.Kind), r.Name, directKey, created, string(vis), chat.SearchKey(r.Name))
		if err != nil {
			return translate(err, "room")
		}
		if err := checkQuota(ctx, tx, append([]chat.UserID{r.Creator}, r.Members...), r.MaxRoomsPerUser); err != nil {
			return err
		}
		m := r.Message
		m.RoomID = r.ID
		if msg, _, err = appendMessage(ctx, tx, m); err != nil {
			return err
		}
		users := []chat.UserID{r.Creator}
		roles := []chat.Role{chat.RoleOwner}
		seen := map[chat.UserID]bool{r.Creator: true}
		for _, u := range r.Members {
			if !seen[u] {
				seen[u] = true
				users = append(users, u)
				roles = append(roles, chat.RoleMember)
			}
		}
		n, err := addMembers(ctx, tx, r.ID, users, roles, msg.Seq, created)
		if err != nil {
			return err
		}
		if r.Kind == chat.Direct {
			if err := markDirectBlocks(ctx, tx, r.ID); err != nil {
				return err
			}
		}
		room, err = sqlrow.ScanRoom(tx.QueryRow(ctx,
			`UPDATE rooms SET member_count = $2 WHERE id = $1 RETURNING `+sqlrow.RoomCols, string(r.ID), n))
		return translate(err, "room")
	})
	return room, msg, err
}

func (s *Store) DirectRoom(ctx context.Context, key string) (chat.Room, error) {
	r, err := sqlrow.ScanRoom(s.pool.QueryRow(ctx, `SELECT `+sqlrow.RoomCols+` FROM rooms WHERE direct_key = $1`, key))
	return r, translate(err, "room")
}

func (s *Store) Room(ctx context.Context, id chat.RoomID) (chat.Room, error) {
	r, err := sqlrow.ScanRoom(s.pool.QueryRow(ctx, `SELECT `+sqlrow.RoomCols+` FROM rooms WHERE id = $1`, string(id)))
	return r, translate(err, "room")
}

// RoomsForUser is one query, however many rooms: each room's newest message
// is found by its primary key (room_id, last_seq), the message at the read
// position (for the unread count) by (room_id, last_read_seq), and a direct room's peer
// by the id in the pair's key that is not the user's — a request's peer has
// no membership row yet. Group rooms have no key, so no peer lookup.
func (s *Store) RoomsForUser(ctx context.Context, user chat.UserID) ([]chat.RoomSummary, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT r.id, r.kind, r.name, r.announcement, r.created_at, r.last_seq, r.last_message_at, r.member_count,
		       r.visibility, COALESCE(r.direct_key, ''), m.role, m.last_read_seq, COALESCE(m.notify_level, ''),
		       lm.room_id, lm.seq, lm.id, lm.sender_id, lm.client_id, lm.kind, lm.text, lm.reply_to,
		       lm.system, lm.created_at, lm.edited_at, lm.deleted,
		       pu.id, pu.username, pu.display_name, pu.created_at, pu.status_message, pu.avatar_id,
		       (SELECT count(*) FROM mentions x WHERE x.room_id = m.room_id AND x.user_id = m.user_id
		        AND x.seq > m.last_read_seq AND x.seq <= r.last_seq),
		       GREATEST(r.counted - COALESCE(rm.counted, 0), 0),
		       (SELECT array_agg(x.user_id ORDER BY x.user_id) FROM mentions x
		        WHERE x.room_id = r.id AND x.seq = r.last_seq)
		FROM members m
		JOIN rooms r ON r.id = m.room_id
		LEFT JOIN messages lm ON lm.room_id = r.id AND lm.seq = r.last_seq
		LEFT JOIN messages rm ON rm.room_id = m.room_id AND rm.seq = m.last_read_seq
		LEFT JOIN users pu ON pu.id = (CASE
			WHEN r.direct_key IS NULL THEN NULL
			WHEN split_part(r.direct_key, ':', 1) = m.user_id THEN split_part(r.direct_key, ':', 2)
			ELSE split_part(r.direct_key, ':', 1) END)
		WHERE m.user_id = $1
		ORDER BY r.last_message_at DESC, r.id`, string(user))
	if err != nil {
		return nil, translate(err, "rooms")
	}
	defer rows.Close()
	var out []chat.RoomSummary
	for rows.Next() {
		var lastMentions []string
		sum, err := sqlrow.ScanRoomSummary(rows, &lastMentions)
		if err != nil {
			return nil, translate(err, "rooms")
		}
		if sum.LastMessage != nil {
			for _, u := range lastMentions {
				sum.LastMessage.Mentions = append(sum.LastMessage.Mentions, chat.UserID(u))
			}
		}
		out = append(out, sum)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "rooms")
	}
	return out, fillLastAttachments(ctx, s.pool, user, out)
}

func (s *Store) CountRoomsForUser(ctx context.Context, user chat.UserID) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM members WHERE user_id = $1`, string(user)).Scan(&n)
	return n, translate(err, "rooms")
}

// UpdateRoom appends the message first, so the room's row is locked (and a
// missing room found) before anything else is touched.
func (s *Store) UpdateRoom(ctx context.Context, id chat.RoomID, u chat.RoomUpdate, m chat.NewMessage) (room chat.Room, msg chat.Message, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		m.RoomID = id
		if msg, _, err = appendMessage(ctx, tx, m); err != nil {
			return err
		}
		// A NULL argument keeps the column: nil fields are left unchanged,
		// while a pointer to "" clears.
		var key *string
		if u.Name != nil {
			k := chat.SearchKey(*u.Name)
			key = &k
		}
		room, err = sqlrow.ScanRoom(tx.QueryRow(ctx,
			`UPDATE rooms SET name = COALESCE($2, name), announcement = COALESCE($3, announcement),
			        name_key = COALESCE($4, name_key), visibility = COALESCE($5, visibility)
			 WHERE id = $1 RETURNING `+sqlrow.RoomCols,
			string(id), u.Name, u.Announcement, key, (*string)(u.Visibility)))
		return translate(err, "room")
	})
	return room, msg, err
}
