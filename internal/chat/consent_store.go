package chat

import (
	"context"
	"errors"
	"time"
)

// ConsentStore is the durable half of "nobody is put into a conversation
// without consent" (consent.go, links.go, docs/decisions/0020-consent.md):
// each user's "who may add me" setting, pending invites, public rooms and
// invite links. Both stores pass internal/storetest.
type ConsentStore interface {
	// Me returns the user with their private settings; NotFound if unknown.
	Me(ctx context.Context, id UserID) (Me, error)
	// SetWhoMayAdd changes the user's setting; NotFound for an unknown user.
	SetWhoMayAdd(ctx context.Context, id UserID, p AddPolicy) error
	// Consent says, for each of invitees (unknown ids are left out), what
	// decides whether inviter may add them directly: friendship with
	// inviter, their setting, whether they blocked inviter, and whether they
	// blocked anyone who is a member of room (none when room is "") or is
	// among others.
	Consent(ctx context.Context, inviter UserID, room RoomID, others, invitees []UserID) (map[UserID]Consent, error)

	// AddInvites records pending invites and returns those it added: an
	// invitee who is a member of the room already, or who has an invite to
	// it in any state (pending or declined), gets none. Each invitee keeps
	// at most maxPending pending invites: the oldest beyond that are deleted
	// and returned as dropped. The count holds under concurrency.
	AddInvites(ctx context.Context, invites []NewInvite, maxPending int) (added []NewInvite, dropped []InviteRef, err error)
	// Invites lists invitee's pending invites, newest first, each with its
	// room, its inviter's profile, and for a direct room a preview of the
	// room's last message.
	Invites(ctx context.Context, invitee UserID) ([]Invite, error)
	// Invite returns one pending invite as Invites does; NotFound if it does
	// not exist or is not pending.
	Invite(ctx context.Context, id string) (Invite, error)
	// RoomInvite returns the pending invite of invitee to room, as Invite.
	RoomInvite(ctx context.Context, room RoomID, invitee UserID) (Invite, error)
	// DeclineInvite marks invitee's pending invite declined and returns it;
	// NotFound when invitee has no such pending invite.
	DeclineInvite(ctx context.Context, id string, invitee UserID) (InviteRef, error)

	// Directory lists public rooms whose name key (SearchKey of the name)
	// starts with q.Prefix, after the cursor q.After, by name key then id,
	// at most q.Limit; Member says whether q.Viewer belongs to each.
	Directory(ctx context.Context, q DirectoryQuery) ([]DirectoryRoom, error)

	// CreateLink stores a link of a room. First it deletes the room's links
	// that can no longer be used (expired as of l.CreatedAt, or used up);
	// then, if maxPerRoom links remain, it refuses with Forbidden.
	CreateLink(ctx context.Context, l NewLink, maxPerRoom int) (Link, error)
	// Links lists a room's links, newest first, usable or not.
	Links(ctx context.Context, room RoomID) ([]Link, error)
	// LinkByCode returns the link with this code, usable or not; NotFound
	// if there is none.
	LinkByCode(ctx context.Context, code string) (Link, error)
	// RevokeLink deletes a link of room; NotFound if room has no such link.
	RevokeLink(ctx context.Context, room RoomID, id string) error
}

// Admission is what AddMembers is asked to do, and what it must check in
// its transaction: limits that hold under concurrency, on every node.
type Admission struct {
	Room    RoomID
	Users   []UserID
	Message NewMessage // the MembersAdded message; its RoomID is set by the store
	// MaxMembers, when above 0: the room may not grow past it (Forbidden
	// wrapping ErrRoomFull). MaxRooms, when above 0: nobody added may end up
	// in more rooms than that (Forbidden wrapping ErrRoomQuota).
	MaxMembers int
	MaxRooms   int
	// What lets a user in by themselves (at most one is set; NotFound when it
	// does not hold): the room is public; Invite is the id of a pending
	// invite of the (one) user to the room, consumed; LinkCode names a link
	// of the room with a use left, not expired (as of the message's time),
	// whose use is counted — reserved, then the member added: if anything
	// later fails, the transaction and the use roll back together.
	PublicOnly bool
	Invite     string
	LinkCode   string
}

// Admitted is what AddMembers did: the message, and the pending invites of
// the added users to the room it deleted (their devices are told).
type Admitted struct {
	Message Message
	Invites []InviteRef
}

// The causes a store wraps in the Forbidden it returns for a limit, so the
// service can say which limit in words for the person who hit it.
var (
	ErrRoomFull  = errors.New("room is full")
	ErrRoomQuota = errors.New("room quota reached")
)

// AddPolicy is a user's "who may add me" setting: whose invitations to
// rooms and 1:1s put them in directly. Everyone else's wait as pending
// invites the user accepts or declines.
type AddPolicy string

const (
	AddAnyone  AddPolicy = "anyone"
	AddFriends AddPolicy = "friends" // the default
)

// Me is the caller's own account: the public profile and private settings.
type Me struct {
	User
	WhoMayAdd AddPolicy `json:"who_may_add"`
	// StorageUsed is what the user's attachments take, in bytes, uploads in
	// progress included; StorageQuota the most they may (Limits.StorageQuota).
	StorageUsed  int64 `json:"storage_used"`
	StorageQuota int64 `json:"storage_quota"`
}

// Settings is the payload of EvSettingsUpdated: the private settings, sent
// to the user's own devices only.
type Settings struct {
	WhoMayAdd AddPolicy `json:"who_may_add"`
}

// Consent is what decides whether an invitation adds someone directly
// (decideInvite).
type Consent struct {
	Friend        bool      // invitee and inviter are friends
	Policy        AddPolicy // the invitee's setting
	BlocksInviter bool      // the invitee blocked the inviter
	BlocksMember  bool      // the invitee blocked someone in the room (or named with them)
}

// NewInvite is a pending invite before it is stored.
type NewInvite struct {
	ID        string
	Room      RoomID
	Inviter   UserID
	Invitee   UserID
	CreatedAt time.Time
}

// Invite is a pending invite as its invitee sees it: what room, from whom,
// and for a 1:1 (a message request) the last message the opener sent. It
// says nothing of the room's members.
type Invite struct {
	ID        string         `json:"id"`
	Room      InviteRoom     `json:"room"`
	Inviter   User           `json:"inviter"`
	CreatedAt Time           `json:"created_at"`
	Preview   *InvitePreview `json:"preview,omitempty"`
	InviteeID UserID         `json:"-"`
}

// InviteRoom is what an invitee learns of the room before accepting.
type InviteRoom struct {
	ID          RoomID   `json:"id"`
	Kind        RoomKind `json:"kind"`
	Name        string   `json:"name"`
	MemberCount int      `json:"member_count"`
}

// InvitePreview is the last message of a message request: its text (cut to
// previewLen characters; empty for a deleted message or one of files alone)
// and how many files it carries.
type InvitePreview struct {
	Text        string `json:"text"`
	Attachments int    `json:"attachments,omitempty"`
	CreatedAt   Time   `json:"created_at"`
}

// InviteRef names an invite: the payload of EvInviteRemoved.
type InviteRef struct {
	ID        string `json:"id"`
	RoomID    RoomID `json:"room_id"`
	InviteeID UserID `json:"-"`
}

// DirectoryQuery selects a page of the public room directory.
type DirectoryQuery struct {
	Viewer UserID
	Prefix string // SearchKey'd; "" lists every public room
	After  DirectoryCursor
	Limit  int
}

// DirectoryCursor is the position after the last room of a page.
type DirectoryCursor struct {
	NameKey string
	ID      RoomID
}

// DirectoryRoom is one entry of the room directory: nothing a stranger
// should not see of a public room.
type DirectoryRoom struct {
	ID          RoomID `json:"id"`
	Name        string `json:"name"`
	MemberCount int    `json:"member_count"`
	Member      bool   `json:"member"` // the caller belongs to it
	NameKey     string `json:"-"`
}

// NewLink is an invite link before it is stored.
type NewLink struct {
	ID        string
	Room      RoomID
	Code      string
	CreatedBy UserID
	CreatedAt time.Time
	ExpiresAt *time.Time // nil: never
	MaxUses   int        // 0: unlimited
}

// Link is an invite link of a room, as its owner and admins see it.
type Link struct {
	ID        string `json:"id"`
	RoomID    RoomID `json:"room_id"`
	Code      string `json:"code"`
	CreatedBy UserID `json:"created_by"`
	CreatedAt Time   `json:"created_at"`
	ExpiresAt *Time  `json:"expires_at,omitempty"`
	MaxUses   int    `json:"max_uses,omitempty"`
	Uses      int    `json:"uses"`
}

// Usable reports whether the link still lets someone in at t.
func (l Link) Usable(t time.Time) bool {
	return (l.ExpiresAt == nil || t.Before(l.ExpiresAt.Time)) && (l.MaxUses == 0 || l.Uses < l.MaxUses)
}
