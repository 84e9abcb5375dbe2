package chat

import (
	"context"
	"encoding/json"
)

// EventType names a server → client event. Every type is documented in
// docs/protocol.md.
type EventType string

const (
	EvMessage        EventType = "message"         // a new message (text or system); sequenced
	EvMessageUpdated EventType = "message_updated" // an edit or a delete (tombstone)
	EvReceipts       EventType = "receipts"        // read-position histogram changes, coalesced per room
	EvRead           EventType = "read"            // personal: my read position moved (other devices)
	EvRoomAdded      EventType = "room_added"      // personal: I am now a member of a room
	EvRoomRemoved    EventType = "room_removed"    // personal: I am no longer a member of a room
	EvRoomUpdated    EventType = "room_updated"    // a room's name, announcement or member count changed
	EvSessionEnded   EventType = "session_ended"   // personal, internal: close connections of a revoked session
)

// The people layer's events (docs/protocol.md, "People").
const (
	EvProfileUpdated       EventType = "profile_updated"        // a user's public profile changed (rooms, friends, own devices)
	EvPresence             EventType = "presence"               // a user came online or went offline (friends, small rooms)
	EvRoomPresence         EventType = "room_presence"          // a big room's online count, coalesced
	EvTyping               EventType = "typing"                 // a member started or stopped typing; never stored
	EvMembers              EventType = "members"                // member-list entries changed at a seq (joined, role, left)
	EvFriendRequest        EventType = "friend_request"         // personal: a request to or from me
	EvFriendRequestRemoved EventType = "friend_request_removed" // personal: a pending request is gone (declined, cancelled, blocked)
	EvFriendAdded          EventType = "friend_added"           // personal: a new friend
	EvFriendRemoved        EventType = "friend_removed"         // personal: a friendship ended
	EvBlockAdded           EventType = "block_added"            // personal, to the blocker's devices only
	EvBlockRemoved         EventType = "block_removed"          // personal, to the blocker's devices only
)

// Consent's events (docs/protocol.md, "Consent").
const (
	EvInviteAdded     EventType = "invite_added"     // personal, to the invitee: a pending invite, new or with a new preview
	EvInviteRemoved   EventType = "invite_removed"   // personal, to the invitee: a pending invite is gone (accepted, declined, dropped, withdrawn)
	EvSettingsUpdated EventType = "settings_updated" // personal: my private settings changed (other devices)
)

// Notification settings' events (docs/protocol.md, "Notifications").
const (
	EvNotifyLevel    EventType = "notify_level"    // personal: my level in a room changed
	EvNotifySettings EventType = "notify_settings" // personal: my notification settings, the whole object
)

// Event travels over the Bus from the node that caused it to every node with a
// connection that should see it. Data is the JSON payload the client receives;
// the other fields are for the hub and never reach the client as such.
type Event struct {
	Type EventType `json:"type"`
	Room RoomID    `json:"room,omitempty"`
	// Seq is set on EvMessage: hubs deliver a room's messages in seq order and
	// backfill from the store when they see a jump.
	Seq int64 `json:"seq,omitempty"`
	// Added and Removed are membership changes carried by the message at Seq:
	// delivery to Added starts with it, delivery to Removed ends with it.
	Added   []UserID `json:"added,omitempty"`
	Removed []UserID `json:"removed,omitempty"`
	// Session identifies the session of an EvSessionEnded event.
	Session string          `json:"session,omitempty"`
	Data    json.RawMessage `json:"data"`
	// Origin names the bus instance (the node) that published the event: a
	// node delivers its own events to its subscribers directly, and skips
	// them when the broker brings them back.
	Origin string `json:"origin,omitempty"`
}

// Topics: one per room and one per user. A node subscribes to the topics of
// the users connected to it and of the rooms they belong to.
func RoomTopic(id RoomID) string { return "room." + string(id) }
func UserTopic(id UserID) string { return "user." + string(id) }

// Bus carries events between nodes: in-process by default, Redis across nodes.
type Bus interface {
	Publish(ctx context.Context, topic string, ev Event) error
	// Subscribe calls fn for every event published on topic until cancel is
	// called. fn must not block for long: it runs on the bus's delivery path.
	Subscribe(topic string, fn func(Event)) (cancel func())
}

// ReceiptsData is the payload of EvReceipts: absolute member counts at the
// given read positions (Count 0 means nobody is there any more).
type ReceiptsData struct {
	RoomID RoomID      `json:"room_id"`
	Counts []ReadCount `json:"counts"`
}

// RoomRemovedData is the payload of EvRoomRemoved.
type RoomRemovedData struct {
	RoomID RoomID `json:"room_id"`
}

func messageEvent(m Message) Event {
	added, removed := MembershipChange(m)
	return Event{Type: EvMessage, Room: m.RoomID, Seq: m.Seq, Added: added, Removed: removed, Data: raw(m)}
}

// MembershipChange says whose delivery a message starts or ends: everyone
// named in a RoomCreated or MembersAdded message joins, the subject of a
// MemberLeft or MemberRemoved message goes.
func MembershipChange(m Message) (added, removed []UserID) {
	if m.System == nil {
		return nil, nil
	}
	switch m.System.Type {
	case RoomCreated:
		return append([]UserID{m.System.Actor}, m.System.Users...), nil
	case MembersAdded:
		return m.System.Users, nil
	case MemberLeft, MemberRemoved:
		return nil, m.System.Users
	}
	return nil, nil
}

// Reconnector is implemented by buses that can miss events while cut off from
// their broker (Redis). fn runs after every reconnection, so a hub can
// backfill what it may have missed from the store.
type Reconnector interface {
	OnReconnect(fn func())
}
