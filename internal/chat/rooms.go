package chat

import (
	"context"
	"slices"
	"strings"
)

// member returns the caller's membership. A non-member learns nothing about
// the room, not even that it exists: NotFound either way.
func (s *Service) member(ctx context.Context, room RoomID, user UserID) (Member, error) {
	if err := validateString("room_id", string(room)); err != nil {
		return Member{}, err
	}
	m, err := s.store.Member(ctx, room, user)
	if ErrorCode(err) == NotFound {
		return Member{}, Errorf(NotFound, "room not found")
	}
	return m, err
}

// manager returns the caller's membership in a group room they may manage.
func (s *Service) manager(ctx context.Context, room RoomID, user UserID) (Member, Room, error) {
	m, r, err := s.groupMember(ctx, room, user)
	if err != nil {
		return m, r, err
	}
	if !m.Role.CanManage() {
		return m, r, Errorf(Forbidden, "only the owner and admins can do that")
	}
	return m, r, nil
}

func (s *Service) groupMember(ctx context.Context, room RoomID, user UserID) (Member, Room, error) {
	m, err := s.member(ctx, room, user)
	if err != nil {
		return m, Room{}, err
	}
	r, err := s.store.Room(ctx, room)
	if err != nil {
		return m, r, err
	}
	if r.Kind != Group {
		return m, r, Errorf(Forbidden, "direct rooms have no members to manage")
	}
	return m, r, nil
}

// resolve turns usernames into user IDs, dropping duplicates and the caller.
func (s *Service) resolve(ctx context.Context, caller UserID, usernames []string) ([]UserID, error) {
	if len(usernames) > s.limits.MaxInvite {
		return nil, Errorf(Invalid, "at most %d users per request", s.limits.MaxInvite)
	}
	ids := make([]UserID, 0, len(usernames))
	for _, name := range usernames {
		if err := validateString("username", name); err != nil {
			return nil, err
		}
		u, _, err := s.store.UserByUsername(ctx, strings.ToLower(name))
		if ErrorCode(err) == NotFound {
			return nil, Errorf(Invalid, "no user %q", name)
		}
		if err != nil {
			return nil, err
		}
		if u.ID != caller && !slices.Contains(ids, u.ID) {
			ids = append(ids, u.ID)
		}
	}
	return ids, nil
}

func (s *Service) systemMessage(room RoomID, ev SystemEvent) NewMessage {
	return NewMessage{ID: newID(), RoomID: room, SenderID: "", Kind: System, System: &ev, CreatedAt: s.nowUTC()}
}

// CreateGroup creates a group room owned by the caller. Of the named users,
// those who consent (decideInvite) are members at once; the others get a
// pending invite, or nothing if they blocked the caller — the answer's
// Invited lists both alike.
func (s *Service) CreateGroup(ctx context.Context, caller UserID, name string, usernames []string, vis Visibility) (CreatedRoom, error) {
	name, err := validateRoomName(name, s.limits.MaxRoomNameLen)
	if err != nil {
		return CreatedRoom{}, err
	}
	if vis == "" {
		vis = Private
	}
	if vis != Private && vis != Public {
		return CreatedRoom{}, Errorf(Invalid, "visibility must be private or public")
	}
	named, err := s.resolve(ctx, caller, usernames)
	if err != nil {
		return CreatedRoom{}, err
	}
	if len(named)+1 > s.limits.MaxRoomMembers {
		return CreatedRoom{}, Errorf(Invalid, "a room holds at most %d members", s.limits.MaxRoomMembers)
	}
	if !s.consent.roomCreates.Allow(string(caller)) {
		return CreatedRoom{}, Errorf(RateLimited, "creating rooms too fast, slow down")
	}
	if err := s.takeInvites(caller, len(named)); err != nil {
		return CreatedRoom{}, err
	}
	join, ask, err := s.sortInvitees(ctx, caller, "", named, named)
	if err != nil {
		return CreatedRoom{}, err
	}
	id := RoomID(newID())
	ev := SystemEvent{Type: RoomCreated, Actor: caller, Users: join, Name: name}
	if vis == Public {
		ev.Visibility = Public
	}
	sum, err := s.createRoom(ctx, NewRoom{
		ID: id, Kind: Group, Name: name, Creator: caller, Members: join, CreatedAt: s.nowUTC(), Visibility: vis,
		MaxRoomsPerUser: s.limits.MaxRoomsPerUser, Message: s.systemMessage(id, ev),
	})
	if err != nil {
		return CreatedRoom{}, s.limitError(err, false)
	}
	if err := s.ask(ctx, caller, id, ask); err != nil {
		return CreatedRoom{}, err
	}
	return CreatedRoom{RoomSummary: sum, Invited: asked(named, join)}, nil
}

func (s *Service) createRoom(ctx context.Context, nr NewRoom) (RoomSummary, error) {
	room, msg, err := s.store.CreateRoom(ctx, nr)
	if err != nil {
		return RoomSummary{}, err
	}
	everyone := append([]UserID{nr.Creator}, nr.Members...)
	for _, u := range everyone {
		if sum, err := s.summary(ctx, room, u); err == nil {
			s.publish(ctx, UserTopic(u), Event{Type: EvRoomAdded, Room: room.ID, Seq: room.LastSeq, Data: raw(sum)})
		}
	}
	s.publish(ctx, RoomTopic(room.ID), messageEvent(msg))
	return s.summary(ctx, room, nr.Creator)
}

// OpenDirect returns the 1:1 room of the caller and the named user, creating
// it the first time. The same pair always gets the same room. A peer who
// does not consent (decideInvite) is not in it yet: the room is the
// caller's alone, its messages a request the peer sees as a pending invite
// with a preview, and joins by accepting. What the caller sees is the same
// whether the request is pending, declined, or went nowhere because the
// peer blocked them.
func (s *Service) OpenDirect(ctx context.Context, caller UserID, username string) (RoomSummary, bool, error) {
	peers, err := s.resolve(ctx, caller, []string{username})
	if err != nil {
		return RoomSummary{}, false, err
	}
	if len(peers) == 0 {
		return RoomSummary{}, false, Errorf(Invalid, "cannot open a direct room with yourself")
	}
	peer := peers[0]
	key := DirectKey(caller, peer)
	if room, err := s.store.DirectRoom(ctx, key); err == nil {
		sum, err := s.reopenDirect(ctx, caller, peer, room)
		return sum, false, err
	} else if ErrorCode(err) != NotFound {
		return RoomSummary{}, false, err
	}
	if !s.consent.directs.Allow(string(caller)) {
		return RoomSummary{}, false, Errorf(RateLimited, "opening new chats too fast, slow down")
	}
	join, ask, err := s.sortInvitees(ctx, caller, "", nil, []UserID{peer})
	if err != nil {
		return RoomSummary{}, false, err
	}
	id := RoomID(newID())
	sum, err := s.createRoom(ctx, NewRoom{
		ID: id, Kind: Direct, DirectKey: key, Creator: caller, Members: join, CreatedAt: s.nowUTC(),
		MaxRoomsPerUser: s.limits.MaxRoomsPerUser,
		Message:         s.systemMessage(id, SystemEvent{Type: RoomCreated, Actor: caller, Users: join}),
	})
	if ErrorCode(err) == Conflict { // the peer opened it at the same moment
		room, err := s.store.DirectRoom(ctx, key)
		if err != nil {
			return RoomSummary{}, false, err
		}
		sum, err := s.reopenDirect(ctx, caller, peer, room)
		return sum, false, err
	}
	if err != nil {
		return RoomSummary{}, false, s.limitError(err, false)
	}
	if err := s.ask(ctx, caller, id, ask); err != nil {
		return RoomSummary{}, false, err
	}
	return sum, true, nil
}

// reopenDirect handles an existing 1:1 room. The caller not in it means the
// peer opened it and the caller now opens it too: that is consent, so they
// join (and a pending request is made moot). A caller alone in it has their
// request looked at again: a peer who meanwhile became a friend (or now
// accepts anyone) joins, and an invite lost to a failure between the room's
// creation and its invite is made again (a declined one stays declined).
func (s *Service) reopenDirect(ctx context.Context, caller, peer UserID, room Room) (RoomSummary, error) {
	me, err := s.store.Member(ctx, room.ID, caller)
	switch {
	case ErrorCode(err) == NotFound:
		if !s.consent.joins.Allow(string(caller)) {
			return RoomSummary{}, Errorf(RateLimited, "joining rooms too fast, slow down")
		}
		msg := s.systemMessage(room.ID, SystemEvent{Type: MembersAdded, Actor: caller, Users: []UserID{caller}})
		err := s.admit(ctx, Admission{Room: room.ID, Users: []UserID{caller}, Message: msg}, true)
		if err != nil && ErrorCode(err) != Conflict {
			return RoomSummary{}, err
		}
	case err != nil:
		return RoomSummary{}, err
	case me.Lone:
		join, ask, err := s.sortInvitees(ctx, caller, "", nil, []UserID{peer})
		if err != nil {
			return RoomSummary{}, err
		}
		if len(join) > 0 {
			msg := s.systemMessage(room.ID, SystemEvent{Type: MembersAdded, Actor: caller, Users: join})
			if err := s.admit(ctx, Admission{Room: room.ID, Users: join, Message: msg}, false); err != nil && ErrorCode(err) != Conflict {
				return RoomSummary{}, err
			}
		}
		if err := s.ask(ctx, caller, room.ID, ask); err != nil {
			return RoomSummary{}, err
		}
	}
	return s.Room(ctx, caller, room.ID)
}

// summary builds the room-list entry of room as user sees it.
func (s *Service) summary(ctx context.Context, room Room, user UserID) (RoomSummary, error) {
	m, err := s.member(ctx, room.ID, user)
	if err != nil {
		return RoomSummary{}, err
	}
	sum := RoomSummary{Room: room, Role: m.Role, LastReadSeq: m.LastReadSeq, NotifyLevel: m.NotifyLevel.Or(room.Kind)}
	if sum.Unread, err = s.store.Unread(ctx, room.ID, m.LastReadSeq, room.LastSeq); err != nil {
		return RoomSummary{}, err
	}
	if sum.Mentions, _, err = s.store.UnreadMentions(ctx, room.ID, user, m.LastReadSeq, room.LastSeq); err != nil {
		return RoomSummary{}, err
	}
	if room.LastSeq > 0 {
		if last, err := s.store.Message(ctx, room.ID, room.LastSeq); err == nil {
			sum.LastMessage = &last
		}
	}
	if room.Kind == Direct {
		// From the pair's key: the peer of a request not yet accepted is
		// shown as they will be once they join.
		if id := otherOf(room.DirectKey, user); id != "" {
			if peer, err := s.store.UserByID(ctx, id); err == nil {
				sum.Peer = &peer
			}
		}
	}
	return sum, nil
}

// Rooms lists the caller's rooms, most recently active first.
func (s *Service) Rooms(ctx context.Context, caller UserID) ([]RoomSummary, error) {
	rooms, err := s.store.RoomsForUser(ctx, caller)
	if rooms == nil && err == nil {
		rooms = []RoomSummary{} // a JSON list, never null
	}
	return rooms, err
}

func (s *Service) Room(ctx context.Context, caller UserID, id RoomID) (RoomSummary, error) {
	if _, err := s.member(ctx, id, caller); err != nil {
		return RoomSummary{}, err
	}
	room, err := s.store.Room(ctx, id)
	if err != nil {
		return RoomSummary{}, err
	}
	return s.summary(ctx, room, caller)
}

func (s *Service) Members(ctx context.Context, caller UserID, id RoomID) ([]Member, error) {
	if _, err := s.member(ctx, id, caller); err != nil {
		return nil, err
	}
	ms, err := s.store.Members(ctx, id)
	if err != nil {
		return nil, err
	}
	if ms == nil {
		ms = []Member{}
	}
	return s.withPresence(ctx, ms), nil
}

// Invite adds users to a group room. Any member may invite, as in KakaoTalk
// and Slack channels; consent decides, per invitee, whether they join now or
// are asked (decideInvite).
func (s *Service) Invite(ctx context.Context, caller UserID, id RoomID, usernames []string) (InviteResult, error) {
	_, room, err := s.groupMember(ctx, id, caller)
	if err != nil {
		return InviteResult{}, err
	}
	if len(usernames) == 0 {
		return InviteResult{}, Errorf(Invalid, "name at least one user to invite")
	}
	users, err := s.resolve(ctx, caller, usernames)
	if err != nil {
		return InviteResult{}, err
	}
	fresh := users[:0]
	for _, u := range users {
		if _, err := s.store.Member(ctx, id, u); ErrorCode(err) == NotFound {
			fresh = append(fresh, u)
		} else if err != nil {
			return InviteResult{}, err
		}
	}
	if len(fresh) == 0 {
		return InviteResult{}, Errorf(Conflict, "everyone named is already a member")
	}
	if room.MemberCount+len(fresh) > s.limits.MaxRoomMembers {
		return InviteResult{}, Errorf(Forbidden, "a room holds at most %d members", s.limits.MaxRoomMembers)
	}
	if err := s.takeInvites(caller, len(fresh)); err != nil {
		return InviteResult{}, err
	}
	join, ask, err := s.sortInvitees(ctx, caller, id, fresh, fresh)
	if err != nil {
		return InviteResult{}, err
	}
	res := InviteResult{Added: []UserID{}, Invited: asked(fresh, join)}
	if len(join) > 0 {
		a := Admission{Room: id, Users: join, Message: s.systemMessage(id, SystemEvent{Type: MembersAdded, Actor: caller, Users: join}),
			MaxMembers: s.limits.MaxRoomMembers, MaxRooms: s.limits.MaxRoomsPerUser}
		done, err := s.store.AddMembers(ctx, a)
		if err != nil {
			return InviteResult{}, s.limitError(err, false)
		}
		s.afterMembershipChange(ctx, done.Message, join, nil)
		s.receipts.touch(id, done.Message.Seq)
		s.invitesRemoved(ctx, done.Invites)
		res.Message, res.Added = &done.Message, join
	}
	if err := s.ask(ctx, caller, id, ask); err != nil {
		return InviteResult{}, err
	}
	return res, nil
}

// afterMembershipChange tells the room, the users who came, and the users who
// went. Personal events let every node start or stop delivering the room to
// those users' connections even if it had no other member of the room.
func (s *Service) afterMembershipChange(ctx context.Context, msg Message, added, removed []UserID) {
	room, err := s.store.Room(ctx, msg.RoomID)
	if err != nil {
		s.log.Warn("room after membership change", "room", msg.RoomID, "err", err)
		return
	}
	s.publish(ctx, RoomTopic(room.ID), messageEvent(msg))
	s.publishMembers(ctx, msg)
	s.publish(ctx, RoomTopic(room.ID), Event{Type: EvRoomUpdated, Room: room.ID, Data: raw(room)})
	for _, u := range added {
		if sum, err := s.summary(ctx, room, u); err == nil {
			s.publish(ctx, UserTopic(u), Event{Type: EvRoomAdded, Room: room.ID, Seq: msg.Seq, Data: raw(sum)})
		}
	}
	for _, u := range removed {
		s.publish(ctx, UserTopic(u), Event{Type: EvRoomRemoved, Room: room.ID, Seq: msg.Seq, Data: raw(RoomRemovedData{RoomID: room.ID})})
	}
}

// Leave removes the caller from a group room. When the owner leaves, the
// longest-standing admin (or else member) becomes owner, so a room is never
// left without someone who can manage it.
func (s *Service) Leave(ctx context.Context, caller UserID, id RoomID) error {
	me, _, err := s.groupMember(ctx, id, caller)
	if err != nil {
		return err
	}
	msg, err := s.store.RemoveMember(ctx, id, caller, s.systemMessage(id, SystemEvent{Type: MemberLeft, Actor: caller, Users: []UserID{caller}}))
	if err != nil {
		return err
	}
	s.afterMembershipChange(ctx, msg, nil, []UserID{caller})
	s.receipts.touch(id, me.LastReadSeq)
	if me.Role == RoleOwner {
		s.handOver(ctx, id, caller)
	}
	return nil
}

func (s *Service) handOver(ctx context.Context, id RoomID, from UserID) {
	members, err := s.store.Members(ctx, id)
	if err != nil || len(members) == 0 {
		return
	}
	var heir *Member
	for i := range members {
		m := &members[i]
		better := heir == nil ||
			(m.Role == RoleAdmin && heir.Role != RoleAdmin) ||
			(m.Role == heir.Role && m.JoinedAt.Before(heir.JoinedAt.Time))
		if better {
			heir = m
		}
	}
	msg, err := s.store.SetRole(ctx, id, heir.UserID, RoleOwner, s.systemMessage(id, SystemEvent{Type: RoleChanged, Actor: from, Users: []UserID{heir.UserID}, Role: RoleOwner}))
	if err != nil {
		s.log.Warn("hand over ownership", "room", id, "err", err)
		return
	}
	s.publish(ctx, RoomTopic(id), messageEvent(msg))
	s.publishMembers(ctx, msg)
}

// RemoveMember removes another member. Admins may remove members; only the
// owner may remove admins; nobody removes the owner.
func (s *Service) RemoveMember(ctx context.Context, caller UserID, id RoomID, target UserID) error {
	me, _, err := s.manager(ctx, id, caller)
	if err != nil {
		return err
	}
	if target == caller {
		return Errorf(Invalid, "use leave to remove yourself")
	}
	if err := validateString("user_id", string(target)); err != nil {
		return err
	}
	them, err := s.store.Member(ctx, id, target)
	if ErrorCode(err) == NotFound {
		return Errorf(NotFound, "not a member")
	} else if err != nil {
		return err
	}
	if them.Role == RoleOwner || (them.Role == RoleAdmin && me.Role != RoleOwner) {
		return Errorf(Forbidden, "only the owner can remove an admin, and nobody the owner")
	}
	msg, err := s.store.RemoveMember(ctx, id, target, s.systemMessage(id, SystemEvent{Type: MemberRemoved, Actor: caller, Users: []UserID{target}}))
	if err != nil {
		return err
	}
	s.afterMembershipChange(ctx, msg, nil, []UserID{target})
	s.receipts.touch(id, them.LastReadSeq)
	return nil
}

// SetRole promotes a member to admin or demotes an admin. Owner and admins may
// do it; only the owner may demote an admin.
func (s *Service) SetRole(ctx context.Context, caller UserID, id RoomID, target UserID, role Role) (Message, error) {
	if role != RoleAdmin && role != RoleMember {
		return Message{}, Errorf(Invalid, "role must be admin or member")
	}
	me, _, err := s.manager(ctx, id, caller)
	if err != nil {
		return Message{}, err
	}
	if err := validateString("user_id", string(target)); err != nil {
		return Message{}, err
	}
	them, err := s.store.Member(ctx, id, target)
	if ErrorCode(err) == NotFound {
		return Message{}, Errorf(NotFound, "not a member")
	} else if err != nil {
		return Message{}, err
	}
	if them.Role == RoleOwner {
		return Message{}, Errorf(Forbidden, "the owner's role cannot be changed")
	}
	if them.Role == RoleAdmin && role == RoleMember && me.Role != RoleOwner {
		return Message{}, Errorf(Forbidden, "only the owner can demote an admin")
	}
	if them.Role == role {
		return Message{}, Errorf(Conflict, "already %s", role)
	}
	msg, err := s.store.SetRole(ctx, id, target, role, s.systemMessage(id, SystemEvent{Type: RoleChanged, Actor: caller, Users: []UserID{target}, Role: role}))
	if err != nil {
		return Message{}, err
	}
	s.publish(ctx, RoomTopic(id), messageEvent(msg))
	s.publishMembers(ctx, msg)
	return msg, nil
}

// UpdateRoom renames a group room and/or sets its announcement (empty clears
// it). Each change is its own system message.
func (s *Service) UpdateRoom(ctx context.Context, caller UserID, id RoomID, u RoomUpdate) (RoomSummary, error) {
	if u.Name == nil && u.Announcement == nil && u.Visibility == nil {
		return RoomSummary{}, Errorf(Invalid, "nothing to change: give name, announcement or visibility")
	}
	if u.Visibility != nil && *u.Visibility != Private && *u.Visibility != Public {
		return RoomSummary{}, Errorf(Invalid, "visibility must be private or public")
	}
	if u.Name != nil {
		name, err := validateRoomName(*u.Name, s.limits.MaxRoomNameLen)
		if err != nil {
			return RoomSummary{}, err
		}
		u.Name = &name
	}
	if u.Announcement != nil {
		a := stripInvisible(*u.Announcement)
		if err := validateText("announcement", a, s.limits.MaxAnnouncementLen); err != nil {
			return RoomSummary{}, err
		}
		u.Announcement = &a
	}
	_, room, err := s.manager(ctx, id, caller)
	if err != nil {
		return RoomSummary{}, err
	}
	apply := func(ru RoomUpdate, ev SystemEvent) error {
		r, msg, err := s.store.UpdateRoom(ctx, id, ru, s.systemMessage(id, ev))
		if err != nil {
			return err
		}
		room = r
		s.publish(ctx, RoomTopic(id), messageEvent(msg))
		return nil
	}
	if u.Name != nil {
		if err := apply(RoomUpdate{Name: u.Name}, SystemEvent{Type: RoomRenamed, Actor: caller, Name: *u.Name}); err != nil {
			return RoomSummary{}, err
		}
	}
	if u.Announcement != nil {
		if err := apply(RoomUpdate{Announcement: u.Announcement}, SystemEvent{Type: AnnouncementChanged, Actor: caller, Text: *u.Announcement}); err != nil {
			return RoomSummary{}, err
		}
	}
	// Making a room public lists it in the directory and lets anyone join;
	// links keep working either way. Setting what it already is changes
	// nothing and says nothing.
	if u.Visibility != nil && *u.Visibility != room.Visibility {
		if err := apply(RoomUpdate{Visibility: u.Visibility}, SystemEvent{Type: VisibilityChanged, Actor: caller, Visibility: *u.Visibility}); err != nil {
			return RoomSummary{}, err
		}
	}
	s.publish(ctx, RoomTopic(id), Event{Type: EvRoomUpdated, Room: id, Data: raw(room)})
	return s.summary(ctx, room, caller)
}
