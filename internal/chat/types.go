package chat

import (
	"encoding/json"
	"time"
	"unicode/utf8"
)

// IDs are UUIDv7 strings: globally unique, time-ordered, opaque to clients.
type (
	UserID string
	RoomID string
)

type User struct {
	ID          UserID `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	CreatedAt   Time   `json:"created_at"`
	// StatusMessage is the user's one-line status ("in a meeting"); empty for none.
	StatusMessage string `json:"status_message"`
	// AvatarURL is where the avatar is downloaded; empty for none.
	AvatarURL string `json:"avatar_url,omitempty"`
}

// Session is a login. Only the SHA-256 of the bearer token is stored, so a
// leaked database does not leak live tokens. ID is the session's public name
// (lists, "end this session", events): random, unrelated to the token.
type Session struct {
	ID         string
	TokenHash  []byte
	UserID     UserID
	CreatedAt  time.Time
	ExpiresAt  time.Time // absolute end
	LastSeenAt time.Time // last use, kept to about a minute (sessions.go); idle end = LastSeenAt + idle timeout
	UserAgent  string    // of the login request, shortened
	Addr       string    // client address of the login request
	DeviceHash []byte    // SHA-256 of the device token the login issued or confirmed (decision 0024)
}

type RoomKind string

const (
	Group  RoomKind = "group"
	Direct RoomKind = "direct"
)

type Role string

const (
	RoleOwner  Role = "owner"
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
)

// CanManage reports whether the role may rename, announce, remove and promote.
func (r Role) CanManage() bool { return r == RoleOwner || r == RoleAdmin }

type Room struct {
	ID           RoomID   `json:"id"`
	Kind         RoomKind `json:"kind"`
	Name         string   `json:"name"`
	Announcement string   `json:"announcement"`
	// AnnouncementTruncated is set in ready, where Announcement is cut to
	// PreviewLen characters (ReadyRooms): GET /api/v1/rooms/{room} has it whole.
	AnnouncementTruncated bool `json:"announcement_truncated,omitempty"`
	CreatedAt             Time `json:"created_at"`
	// LastSeq is the seq of the newest message; messages are 1..LastSeq with no gaps.
	LastSeq       int64 `json:"last_seq"`
	LastMessageAt Time  `json:"last_message_at"`
	MemberCount   int   `json:"member_count"`
	// Visibility says whether the room is listed in the directory and open
	// to anyone who asks to join (public); direct rooms are always private.
	Visibility Visibility `json:"visibility"`
	// DirectKey names the pair of a direct room (DirectKey); its other
	// person is known from it even before they joined. Never sent.
	DirectKey string `json:"-"`
}

// Visibility of a group room: private rooms are joined by invitation or
// link only; public ones are listed and anyone may join them.
type Visibility string

const (
	Private Visibility = "private"
	Public  Visibility = "public"
)

type Member struct {
	RoomID      RoomID `json:"room_id"`
	UserID      UserID `json:"user_id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Role        Role   `json:"role"`
	LastReadSeq int64  `json:"last_read_seq"`
	JoinedAt    Time   `json:"joined_at"`
	// Online and LastSeen are the member's presence, filled in member lists.
	Online   bool  `json:"online"`
	LastSeen *Time `json:"last_seen,omitempty"`
	// StatusMessage is the member's profile status, as in User.
	StatusMessage string `json:"status_message"`
	// Blocked is set on a direct-room membership whose peer has blocked this
	// member: their sends are refused. Never shown to clients.
	Blocked bool `json:"-"`
	// AvatarURL is the member's avatar, as on User.
	AvatarURL string `json:"avatar_url,omitempty"`
	// Lone is set on the membership of a direct room whose other person has
	// not joined (a message request): the member's sends refresh the
	// request's preview. Read with the membership every send loads anyway.
	Lone bool `json:"-"`
	// NotifyLevel is the level the member chose, "" for the room kind's
	// default (NotifyLevel.Or).
	NotifyLevel NotifyLevel `json:"-"`
}

// RoomSummary is one entry of a user's room list: the room as that user sees it.
type RoomSummary struct {
	Room
	Role        Role     `json:"role"`
	LastReadSeq int64    `json:"last_read_seq"`
	Unread      int64    `json:"unread"`
	LastMessage *Message `json:"last_message,omitempty"`
	// Peer is the other person of a direct room; clients show it as the room's name.
	Peer *User `json:"peer,omitempty"`

	// Mentions is how many messages after LastReadSeq, up to LastSeq, mention
	// this user (docs/protocol.md, "Mentions").
	Mentions int64 `json:"mentions"`
	// NotifyLevel is what in the room notifies this user, defaults applied.
	NotifyLevel NotifyLevel `json:"notify_level"`
}

type MessageKind string

const (
	Text   MessageKind = "text"
	System MessageKind = "system"
)

type Message struct {
	ID       string      `json:"id"`
	RoomID   RoomID      `json:"room_id"`
	Seq      int64       `json:"seq"`
	SenderID UserID      `json:"sender_id,omitempty"`
	ClientID string      `json:"client_id,omitempty"`
	Kind     MessageKind `json:"kind"`
	Text     string      `json:"text"`
	// ReplyTo is the seq of the quoted message in the same room, 0 for none.
	ReplyTo   int64        `json:"reply_to,omitempty"`
	System    *SystemEvent `json:"system,omitempty"`
	CreatedAt Time         `json:"created_at"`
	EditedAt  *Time        `json:"edited_at,omitempty"`
	// Deleted messages keep their seq slot as a tombstone with empty text.
	Deleted bool `json:"deleted,omitempty"`
	// Unread is how many members have not read this message yet
	// ("unread by N"); filled in history pages, live updates come as receipts events.
	Unread *int `json:"unread,omitempty"`

	// Mentions are the members the text mentions, sorted by id; absent when
	// it mentions nobody.
	Mentions []UserID `json:"mentions,omitempty"`
	// Reactions are filled in history pages, as the viewer sees them (Me);
	// live changes come as reaction events.
	Reactions []ReactionCount `json:"reactions,omitempty"`
	// Attachments are the files sent with the message, in the sender's order.
	Attachments []Attachment `json:"attachments,omitempty"`
	// Truncated marks a preview (a room's last message in ready,
	// ReadyRooms): its text or a system line's text cut to PreviewLen
	// characters, or some of its attachments or named people left out. The
	// room's history has it whole.
	Truncated bool `json:"truncated,omitempty"`
}

type SystemType string

const (
	RoomCreated         SystemType = "room_created"
	MembersAdded        SystemType = "members_added"
	MemberLeft          SystemType = "member_left"
	MemberRemoved       SystemType = "member_removed"
	RoleChanged         SystemType = "role_changed"
	RoomRenamed         SystemType = "room_renamed"
	AnnouncementChanged SystemType = "announcement_changed"
	VisibilityChanged   SystemType = "visibility_changed"
)

// SystemEvent describes a change to a room. It is stored as a message so that
// seq is the one ordering of everything that happened in the room.
type SystemEvent struct {
	Type  SystemType `json:"type"`
	Actor UserID     `json:"actor"`
	Users []UserID   `json:"users,omitempty"`
	Role  Role       `json:"role,omitempty"`
	Name  string     `json:"name,omitempty"`
	Text  string     `json:"text,omitempty"`
	// Visibility is the room's new visibility (visibility_changed), or a
	// public room's at creation (room_created).
	Visibility Visibility `json:"visibility,omitempty"`
	// Seq is the pinned or unpinned message (message_pinned, message_unpinned).
	Seq int64 `json:"seq,omitempty"`
}

// EncodeSystemEvent is the JSON a store keeps for a system message. A string
// that is not valid UTF-8 is Invalid: encoding/json would keep U+FFFD in its
// place, and a store keeps text exactly or not at all.
func EncodeSystemEvent(ev *SystemEvent) ([]byte, error) {
	for _, s := range []string{string(ev.Type), string(ev.Actor), string(ev.Role), ev.Name, ev.Text} {
		if !utf8.ValidString(s) {
			return nil, Errorf(Invalid, "system event text is not valid UTF-8")
		}
	}
	for _, u := range ev.Users {
		if !utf8.ValidString(string(u)) {
			return nil, Errorf(Invalid, "system event text is not valid UTF-8")
		}
	}
	return json.Marshal(ev)
}

// Page selects a slice of a room's history by seq.
type Page struct {
	Before int64 // messages with seq < Before; 0 = no upper bound
	After  int64 // messages with seq > After
	Limit  int
	// Asc returns oldest first. The default is newest first, which is how a
	// client scrolls back.
	Asc bool
	// Around asks the service (never a store) for the Limit messages centred
	// on this seq, instead of Before and After: a message opened in context.
	Around int64
}

// ReadCount is how many members have last_read_seq == Seq. The histogram of a
// room's read positions is all a client needs to show "unread by N" for every
// message: N(seq) = sum of Count over entries with Seq < seq.
type ReadCount struct {
	Seq   int64 `json:"seq"`
	Count int   `json:"count"`
}

// ReadPosition is one member's read position.
type ReadPosition struct {
	RoomID      RoomID `json:"room_id"`
	UserID      UserID `json:"user_id"`
	LastReadSeq int64  `json:"last_read_seq"`

	// Mentions is how many messages after LastReadSeq, up to LastSeq (the
	// room's last seq when it was counted), mention the member. Unread is
	// how many in that range are not system lines (RoomSummary.Unread then).
	Mentions int64 `json:"mentions"`
	Unread   int64 `json:"unread"`
	LastSeq  int64 `json:"last_seq"`
}

// raw is a helper for building event payloads.
func raw(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		// Every payload is a plain struct of this package; failure is a programming error.
		panic("chat: marshal event payload: " + err.Error())
	}
	return b
}
