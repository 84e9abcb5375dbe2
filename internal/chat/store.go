package chat

import (
	"context"
	"time"
)

// Store is the durable state. Both stores (internal/sqlite, internal/postgres)
// pass internal/storetest; every method that changes a room also appends the
// system message describing the change, in the same transaction, so a room's
// seq orders memberships and messages alike.
//
// Errors: NotFound, Conflict and Unavailable are returned as *Error with those
// codes, and Invalid for text the store cannot keep (U+0000, invalid UTF-8, a
// value too big for an index — the service refuses those before any store
// sees them); anything else is internal. Text a store keeps, it keeps exactly.
type Store interface {
	// Accounts.
	CreateUser(ctx context.Context, u NewUser) (User, error) // Conflict if the username is taken
	UserByID(ctx context.Context, id UserID) (User, error)
	// UserByUsername returns the user and the stored password hash.
	UserByUsername(ctx context.Context, username string) (User, string, error)
	CreateSession(ctx context.Context, s Session) error
	SessionByTokenHash(ctx context.Context, hash []byte) (Session, error)
	DeleteSession(ctx context.Context, hash []byte) error

	// Rooms. CreateRoom makes the creator the owner and everyone else a member,
	// all with read position 1, and appends a RoomCreated message (seq 1). For a
	// direct room, DirectKey is unique: creating an existing pair returns Conflict.
	// With MaxRoomsPerUser set, nobody it adds may end up in more rooms than
	// that (Forbidden wrapping ErrRoomQuota), checked in its transaction.
	// RoomsForUser orders by LastMessageAt, newest first, then by id; a direct
	// room's Peer is the other person of its pair, joined or not.
	CreateRoom(ctx context.Context, r NewRoom) (Room, Message, error)
	DirectRoom(ctx context.Context, key string) (Room, error)
	Room(ctx context.Context, id RoomID) (Room, error)
	RoomsForUser(ctx context.Context, user UserID) ([]RoomSummary, error)
	CountRoomsForUser(ctx context.Context, user UserID) (int, error)
	// UpdateRoom applies the non-nil fields and appends msg (a system message).
	// The room's name key (for the directory) follows its name.
	UpdateRoom(ctx context.Context, id RoomID, u RoomUpdate, msg NewMessage) (Room, Message, error)

	// Members. Member returns NotFound for a non-member.
	Member(ctx context.Context, room RoomID, user UserID) (Member, error)
	Members(ctx context.Context, room RoomID) ([]Member, error)
	// AddMembers admits a.Users as plain members (existing members are
	// skipped; Conflict when that leaves nobody), their read position starting
	// at a.Message, which it appends, all in one transaction that also checks
	// what a asks for (see Admission) and deletes the users' invites to the
	// room, whatever their state. A direct room's blocked member is marked as
	// CreateRoom marks it.
	AddMembers(ctx context.Context, a Admission) (Admitted, error)
	// RemoveMember deletes the membership and appends msg. RemoveMember and
	// SetRole on a non-member return NotFound and append nothing.
	RemoveMember(ctx context.Context, room RoomID, user UserID, msg NewMessage) (Message, error)
	SetRole(ctx context.Context, room RoomID, user UserID, role Role, msg NewMessage) (Message, error)

	// Messages. AppendMessage assigns the room's next seq in the same
	// transaction that stores the message, moves the sender's read position to
	// it, and is idempotent on (sender, client_id): a repeat returns the
	// original message with dup = true (whatever room it was in). Every
	// message read back carries its attachments.
	// Messages applies Limit in the requested order: newest first keeps the
	// Limit newest of the range, Asc the Limit oldest; Limit <= 0 is unlimited.
	AppendMessage(ctx context.Context, m NewMessage) (msg Message, dup bool, err error)
	// QueueAppend is AppendMessage in two steps: it queues m and returns the
	// wait for the outcome, which must be called. Messages queued one after
	// another by one goroutine are stored in that order and may share a
	// commit, so a connection that sends without waiting for acks gets its
	// seqs in the order it sent, at the cost of one commit for many.
	QueueAppend(ctx context.Context, m NewMessage) func() (msg Message, dup bool, err error)
	Messages(ctx context.Context, room RoomID, p Page) ([]Message, error)
	Message(ctx context.Context, room RoomID, seq int64) (Message, error)
	// EditMessage replaces the text and the mentions and sets EditedAt;
	// DeleteMessage empties the text, drops the mentions, reactions,
	// attachments and pin and sets Deleted. Both return the updated message.
	EditMessage(ctx context.Context, room RoomID, seq int64, text string, at time.Time, mentions []UserID) (Message, error)
	DeleteMessage(ctx context.Context, room RoomID, seq int64, at time.Time) (Message, error)

	// Reads. MarkRead moves the member's position forward to min(seq,
	// room.LastSeq); it never moves back. It returns the position before and
	// after (equal when nothing changed). NotFound for a non-member.
	MarkRead(ctx context.Context, room RoomID, user UserID, seq int64) (before, after int64, err error)
	// ReadCounts returns the histogram of read positions (positions nobody
	// is at are omitted).
	ReadCounts(ctx context.Context, room RoomID) ([]ReadCount, error)
	// ReadCountsOf is the histograms of several rooms in one query, each
	// restricted to its seqs (none empty; positions nobody is at, and rooms
	// with none left, are omitted).
	ReadCountsOf(ctx context.Context, want map[RoomID][]int64) (map[RoomID][]ReadCount, error)
	// Unread counts the messages of room with after < seq <= through that are
	// not system lines, through being one of the room's seqs: a member's
	// unread count from their read position (docs/protocol.md, "Unread").
	// Two primary-key lookups, however many messages lie between.
	Unread(ctx context.Context, room RoomID, after, through int64) (int64, error)

	ExtrasStore
	SessionStore // sessions beyond create/get/delete, WebSocket tickets (session_store.go)
	PeopleStore  // profiles, search, friends, blocks (people_store.go)
	ConsentStore // settings, invites, the directory, links (consent_store.go)
	AttachmentStore
	MessageSearchStore // message search (message_search.go)
	PushStore          // VAPID keys and push subscriptions (push_store.go)
	NotifyStore        // notification levels and settings (notify.go)
	PinStore           // pinned messages (pins.go)

	Ping(ctx context.Context) error
	Close() error
}

type NewUser struct {
	ID           UserID
	Username     string
	DisplayName  string
	PasswordHash string
	CreatedAt    time.Time
	WhoMayAdd    AddPolicy // "" is AddFriends
}

type NewRoom struct {
	ID        RoomID
	Kind      RoomKind
	Name      string
	DirectKey string // "userA:userB" sorted; empty for groups
	Creator   UserID
	Members   []UserID // besides the creator
	CreatedAt time.Time
	// Visibility of a group room; "" is Private.
	Visibility Visibility
	// MaxRoomsPerUser, when above 0, is the room quota CreateRoom enforces.
	MaxRoomsPerUser int
	// Message is the RoomCreated system message; its RoomID is set by the store.
	Message NewMessage
}

type RoomUpdate struct {
	Name         *string
	Announcement *string
	Visibility   *Visibility
}

// NewMessage is a message before the store assigns its seq.
type NewMessage struct {
	ID        string
	RoomID    RoomID
	SenderID  UserID
	ClientID  string
	Kind      MessageKind
	Text      string
	ReplyTo   int64
	System    *SystemEvent
	CreatedAt time.Time
	// Mentions are stored with the message, in the same transaction.
	Mentions []UserID
	// Attachments are linked to the message in the append transaction, which
	// refuses any that is not a stored file of the sender's.
	Attachments []Attachment
	// Member, when set, makes the message a member's send: the store checks
	// the sender's membership as it stores the message, so no send is stored
	// once the sender's removal has committed, and refuses this message alone
	// (NotFound when the sender is not a member, ErrUnreachable when
	// Blocked); it fills in the membership as it was just before the
	// message (Blocked, Lone and LastReadSeq are what the service reads).
	// It is filled when the wait returns, or before, never after.
	Member *Member
}
