package sqlrow

import (
	"encoding/json"
	"fmt"

	"parley/internal/chat"
)

// RoomCols are what ScanRoom reads.
const RoomCols = `id, kind, name, announcement, created_at, last_seq, last_message_at, member_count, visibility, COALESCE(direct_key, '')`

func ScanRoom(sc Scanner) (chat.Room, error) {
	var r roomRow
	if err := sc.Scan(r.dest(nil)...); err != nil {
		return chat.Room{}, err
	}
	return r.room(), nil
}

type roomRow struct {
	chat.Room
	created, lastMessageAt Time
}

// dest appends the targets of RoomCols to dest.
func (r *roomRow) dest(dest []any) []any {
	return append(dest, &r.ID, &r.Kind, &r.Name, &r.Announcement, &r.created, &r.LastSeq, &r.lastMessageAt,
		&r.MemberCount, &r.Visibility, &r.DirectKey)
}

func (r *roomRow) room() chat.Room {
	r.CreatedAt, r.LastMessageAt = r.created.At(), r.lastMessageAt.At()
	return r.Room
}

// ScanRoomSummary reads a row of a user's room list: RoomCols (of rooms r),
// the membership's role, last_read_seq and notify_level (” for none), MsgCols of the last message (NULL
// when there is none), the direct room's peer (pu.id, username, display_name,
// created_at, status_message, avatar_id; NULL for a group), the count of
// unread mentions, the unread count and, into lastMentions, the last message's mentions in the
// caller's dialect, for the caller to decode.
func ScanRoomSummary(sc Scanner, lastMentions any) (chat.RoomSummary, error) {
	var (
		sum                           chat.RoomSummary
		room                          roomRow
		last                          MessageRow
		peerID, peerName, peerDisplay NullString
		peerStatus, peerAvatar        NullString
		peerCreated                   Time
	)
	dest := append(room.dest(nil), &sum.Role, &sum.LastReadSeq, &sum.NotifyLevel)
	dest = append(dest, last.Dest()...)
	dest = append(dest, &peerID, &peerName, &peerDisplay, &peerCreated, &peerStatus, &peerAvatar, &sum.Mentions, &sum.Unread, lastMentions)
	if err := sc.Scan(dest...); err != nil {
		return chat.RoomSummary{}, err
	}
	sum.Room = room.room()
	sum.NotifyLevel = sum.NotifyLevel.Or(sum.Kind)
	if m, ok, err := last.Message(); err != nil {
		return chat.RoomSummary{}, err
	} else if ok {
		sum.LastMessage = &m
	}
	if peerID.Valid {
		sum.Peer = &chat.User{
			ID: chat.UserID(peerID.String), Username: peerName.String, DisplayName: peerDisplay.String,
			CreatedAt: peerCreated.At(), StatusMessage: peerStatus.String, AvatarURL: avatarURL(peerAvatar),
		}
	}
	return sum, nil
}

// MemberQuery selects what ScanMember reads. Lone comes from the room's row
// (its primary key: one more lookup on the send path, no extra query), so a
// message request needs no flag of its own to keep in step.
const MemberQuery = `
	SELECT m.room_id, m.user_id, u.username, u.display_name, m.role, m.last_read_seq, m.joined_at,
	       u.status_message, m.blocked, u.avatar_id, r.kind = 'direct' AND r.member_count = 1,
	       COALESCE(m.notify_level, '')
	FROM members m JOIN users u ON u.id = m.user_id JOIN rooms r ON r.id = m.room_id`

func ScanMember(sc Scanner) (chat.Member, error) {
	var (
		m      chat.Member
		joined Time
		avatar NullString
	)
	if err := sc.Scan(&m.RoomID, &m.UserID, &m.Username, &m.DisplayName, &m.Role, &m.LastReadSeq, &joined,
		&m.StatusMessage, &m.Blocked, &avatar, &m.Lone, &m.NotifyLevel); err != nil {
		return chat.Member{}, err
	}
	m.JoinedAt = joined.At()
	m.AvatarURL = avatarURL(avatar)
	return m, nil
}

// ScanNotifySettings reads users.notify_settings, JSON text or NULL (never
// changed: the defaults).
func ScanNotifySettings(sc Scanner) (chat.NotifySettings, error) {
	var raw NullString
	if err := sc.Scan(&raw); err != nil {
		return chat.NotifySettings{}, err
	}
	s := chat.DefaultNotifySettings()
	if !raw.Valid {
		return s, nil
	}
	if err := json.Unmarshal([]byte(raw.String), &s); err != nil {
		return chat.NotifySettings{}, fmt.Errorf("decode notify_settings: %w", err)
	}
	return s, nil
}
