package chat

import "context"

// MembersData is the payload of EvMembers: the member-list entries that the
// system message at Seq changed, so a client updates its member list without
// fetching it again. Members are the entries as they are now (joined or with
// a new role: insert or replace); Removed are the users who left or were
// removed. A client that tracks the seq of the last change it applied per
// member ignores an older one that arrives late.
type MembersData struct {
	RoomID  RoomID   `json:"room_id"`
	Seq     int64    `json:"seq"`
	Members []Member `json:"members"`
	Removed []UserID `json:"removed"`
}

// publishMembers follows a membership or role change with the affected
// member entries, profiles and presence included: the system message itself
// carries user ids only (it is history, kept small and never rewritten).
// One event on the room topic, however big the room.
func (s *Service) publishMembers(ctx context.Context, msg Message) {
	if msg.System == nil {
		return
	}
	d := MembersData{RoomID: msg.RoomID, Seq: msg.Seq, Members: []Member{}, Removed: []UserID{}}
	switch msg.System.Type {
	case MembersAdded, RoleChanged:
		for _, u := range msg.System.Users {
			m, err := s.store.Member(ctx, msg.RoomID, u)
			if err != nil {
				continue // gone again already: a later event says so
			}
			d.Members = append(d.Members, m)
		}
		d.Members = s.withPresence(ctx, d.Members)
	case MemberLeft, MemberRemoved:
		d.Removed = append(d.Removed, msg.System.Users...)
	default:
		return
	}
	s.publish(ctx, RoomTopic(msg.RoomID), Event{Type: EvMembers, Room: msg.RoomID, Data: raw(d)})
}
