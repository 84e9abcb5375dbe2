package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

// CreateRoom inserts the room, its RoomCreated message (seq 1) and its
// members in one transaction. Every member's read position starts at seq 1:
// nobody has unread messages in a room they just got. Members repeating the
// creator or each other are added once.
func (s *Store) CreateRoom(ctx context.Context, r chat.NewRoom) (room chat.Room, msg chat.Message, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		var directKey sql.NullString
		if r.DirectKey != "" {
			directKey = sql.NullString{String: r.DirectKey, Valid: true}
		}
		created := toMS(r.CreatedAt)
		vis := r.Visibility
		if vis == "" {
			vis = chat.Private
		}
		_, err := tx.ExecContext(ctx,
			`INSERT INTO rooms (id, kind, name, announcement, direct_key, created_at, last_seq, last_message_at, member_count, visibility, name_key)
			 VALUES (?, ?, ?, '', ?, ?, 0, ?, 0, ?, ?)`,
			string(r.ID), string(r.Kind), r.Name, directKey, created, created, string(vis), chat.SearchKey(r.Name))
		if err != nil {
			return translate(err, "room")
		}
		if err := checkQuota(ctx, tx, append([]chat.UserID{r.Creator}, r.Members...), r.MaxRoomsPerUser); err != nil {
			return err
		}
		m := r.Message
		m.RoomID = r.ID
		if msg, _, err = s.appendMessage(ctx, tx, m); err != nil {
			return err
		}
		if err := addMember(ctx, tx, r.ID, r.Creator, chat.RoleOwner, msg.Seq, created); err != nil {
			return err
		}
		for _, u := range r.Members {
			if err := addMember(ctx, tx, r.ID, u, chat.RoleMember, msg.Seq, created); err != nil {
				return err
			}
		}
		if r.Kind == chat.Direct {
			if err := markDirectBlocks(ctx, tx, r.ID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx,
			`UPDATE rooms SET member_count = (SELECT count(*) FROM members WHERE room_id = ?) WHERE id = ?`,
			string(r.ID), string(r.ID)); err != nil {
			return translate(err, "room")
		}
		room, err = roomByID(ctx, tx, r.ID)
		return err
	})
	return room, msg, err
}

func (s *Store) DirectRoom(ctx context.Context, key string) (chat.Room, error) {
	r, err := sqlrow.ScanRoom(s.r.QueryRowContext(ctx, `SELECT `+sqlrow.RoomCols+` FROM rooms WHERE direct_key = ?`, key))
	return r, translate(err, "room")
}

func (s *Store) Room(ctx context.Context, id chat.RoomID) (chat.Room, error) {
	return roomByID(ctx, s.r, id)
}

func roomByID(ctx context.Context, q querier, id chat.RoomID) (chat.Room, error) {
	r, err := sqlrow.ScanRoom(q.QueryRowContext(ctx, `SELECT `+sqlrow.RoomCols+` FROM rooms WHERE id = ?`, string(id)))
	return r, translate(err, "room")
}

// RoomsForUser is one query, however many rooms: each room's newest message
// is found by its primary key (room_id, last_seq), the message at the read
// position (for the unread count) by (room_id, last_read_seq), and a direct room's peer
// by the id in the pair's key that is not the user's — a request's peer has
// no membership row yet. Group rooms have no key, so no peer lookup.
func (s *Store) RoomsForUser(ctx context.Context, user chat.UserID) ([]chat.RoomSummary, error) {
	rows, err := s.r.QueryContext(ctx, `
		SELECT r.id, r.kind, r.name, r.announcement, r.created_at, r.last_seq, r.last_message_at, r.member_count,
		       r.visibility, COALESCE(r.direct_key, ''), m.role, m.last_read_seq, COALESCE(m.notify_level, ''),
		       lm.room_id, lm.seq, lm.id, lm.sender_id, lm.client_id, lm.kind, lm.text, lm.reply_to,
		       lm.system, lm.created_at, lm.edited_at, lm.deleted,
		       pu.id, pu.username, pu.display_name, pu.created_at, pu.status_message, pu.avatar_id,
		       (SELECT count(*) FROM mentions x WHERE x.room_id = m.room_id AND x.user_id = m.user_id
		        AND x.seq > m.last_read_seq AND x.seq <= r.last_seq),
		       max(r.counted - COALESCE(rm.counted, 0), 0),
		       (SELECT json_group_array(x.user_id ORDER BY x.user_id) FROM mentions x
		        WHERE x.room_id = r.id AND x.seq = r.last_seq)
		FROM members m
		JOIN rooms r ON r.id = m.room_id
		LEFT JOIN messages lm ON lm.room_id = r.id AND lm.seq = r.last_seq
		LEFT JOIN messages rm ON rm.room_id = m.room_id AND rm.seq = m.last_read_seq
		LEFT JOIN users pu ON pu.id = (CASE
			WHEN r.direct_key IS NULL THEN NULL
			WHEN substr(r.direct_key, 1, instr(r.direct_key, ':') - 1) = m.user_id THEN substr(r.direct_key, instr(r.direct_key, ':') + 1)
			ELSE substr(r.direct_key, 1, instr(r.direct_key, ':') - 1) END)
		WHERE m.user_id = ?
		ORDER BY r.last_message_at DESC, r.id`, string(user))
	if err != nil {
		return nil, translate(err, "rooms")
	}
	defer rows.Close()
	var out []chat.RoomSummary
	for rows.Next() {
		var lastMentions string // a JSON array
		sum, err := sqlrow.ScanRoomSummary(rows, &lastMentions)
		if err != nil {
			return nil, translate(err, "rooms")
		}
		if sum.LastMessage != nil && lastMentions != "[]" {
			if err := json.Unmarshal([]byte(lastMentions), &sum.LastMessage.Mentions); err != nil {
				return nil, fmt.Errorf("sqlite: decode mentions: %w", err)
			}
		}
		out = append(out, sum)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "rooms")
	}
	return out, fillLastAttachments(ctx, s.r, user, out)
}

func (s *Store) CountRoomsForUser(ctx context.Context, user chat.UserID) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM members WHERE user_id = ?`, string(user)).Scan(&n)
	return n, translate(err, "rooms")
}

func (s *Store) UpdateRoom(ctx context.Context, id chat.RoomID, u chat.RoomUpdate, m chat.NewMessage) (room chat.Room, msg chat.Message, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		m.RoomID = id
		if msg, _, err = s.appendMessage(ctx, tx, m); err != nil {
			return err
		}
		// A NULL argument keeps the column: nil fields are left unchanged,
		// while a pointer to "" clears.
		var key, vis sql.NullString
		if u.Name != nil {
			key = sql.NullString{String: chat.SearchKey(*u.Name), Valid: true}
		}
		if u.Visibility != nil {
			vis = sql.NullString{String: string(*u.Visibility), Valid: true}
		}
		if _, err := tx.ExecContext(ctx,
			`UPDATE rooms SET name = COALESCE(?, name), name_key = COALESCE(?, name_key),
			        announcement = COALESCE(?, announcement), visibility = COALESCE(?, visibility) WHERE id = ?`,
			nullString(u.Name), key, nullString(u.Announcement), vis, string(id)); err != nil {
			return translate(err, "room")
		}
		room, err = roomByID(ctx, tx, id)
		return err
	})
	return room, msg, err
}

func nullString(p *string) sql.NullString {
	if p == nil {
		return sql.NullString{}
	}
	return sql.NullString{String: *p, Valid: true}
}
