package chat

import (
	"context"
	"time"
)

// FriendRequestResult answers a friend request: "pending" with the request,
// or "friends" with the new friend when the other user had already asked.
type FriendRequestResult struct {
	Status  string         `json:"status"`
	Request *FriendRequest `json:"request,omitempty"`
	Friend  *Friend        `json:"friend,omitempty"`
}

// FriendRequestLists are the caller's pending requests, both ways.
type FriendRequestLists struct {
	Incoming []FriendRequest `json:"incoming"`
	Outgoing []FriendRequest `json:"outgoing"`
}

// FriendRequestRemovedData is the payload of EvFriendRequestRemoved. It does
// not say why (declined, cancelled, a block): the requester learns no more
// than that the request is gone.
type FriendRequestRemovedData struct {
	FromID UserID `json:"from_id"`
	ToID   UserID `json:"to_id"`
}

// UserRef is the payload of EvFriendRemoved and EvBlockRemoved: the other user.
type UserRef struct {
	UserID UserID `json:"user_id"`
}

// RequestFriend asks username to be the caller's friend. If they had asked
// the caller already, the two are friends at once. Both users' devices hear
// of it live. A block either way refuses it, without saying which.
func (s *Service) RequestFriend(ctx context.Context, caller UserID, username string) (FriendRequestResult, error) {
	to, err := s.userNamed(ctx, username)
	if err != nil {
		return FriendRequestResult{}, err
	}
	if to.ID == caller {
		return FriendRequestResult{}, Errorf(Invalid, "you cannot befriend yourself")
	}
	if !s.people.requests.Allow(string(caller)) {
		return FriendRequestResult{}, Errorf(RateLimited, "too many friend requests, slow down")
	}
	me, err := s.store.UserByID(ctx, caller)
	if err != nil {
		return FriendRequestResult{}, err
	}
	at := s.nowUTC()
	accepted, err := s.store.RequestFriend(ctx, caller, to.ID, at)
	if ErrorCode(err) == Forbidden {
		return FriendRequestResult{}, errBlocked()
	}
	if err != nil {
		return FriendRequestResult{}, err
	}
	if accepted {
		f := s.befriended(ctx, me, to, at)
		return FriendRequestResult{Status: "friends", Friend: &f}, nil
	}
	req := FriendRequest{From: me, To: to, CreatedAt: TimeOf(at)}
	ev := Event{Type: EvFriendRequest, Data: raw(req)}
	s.publish(ctx, UserTopic(to.ID), ev)
	s.publish(ctx, UserTopic(caller), ev)
	return FriendRequestResult{Status: "pending", Request: &req}, nil
}

// befriended tells both sides of a new friendship, each with the other as a
// Friend (presence included), and returns the caller's view: other.
func (s *Service) befriended(ctx context.Context, me, other User, since time.Time) Friend {
	fs := s.withFriendPresence(ctx, []Friend{{User: other, Since: TimeOf(since)}, {User: me, Since: TimeOf(since)}})
	s.publish(ctx, UserTopic(me.ID), Event{Type: EvFriendAdded, Data: raw(fs[0])})
	s.publish(ctx, UserTopic(other.ID), Event{Type: EvFriendAdded, Data: raw(fs[1])})
	return fs[0]
}

// AcceptFriend accepts the pending request from the user with id from.
func (s *Service) AcceptFriend(ctx context.Context, caller, from UserID) (Friend, error) {
	if err := validateString("user_id", string(from)); err != nil {
		return Friend{}, err
	}
	at := s.nowUTC()
	err := s.store.AcceptFriend(ctx, caller, from, at)
	if ErrorCode(err) == NotFound {
		return Friend{}, Errorf(NotFound, "no friend request from this user")
	}
	if err != nil {
		return Friend{}, err
	}
	me, err := s.store.UserByID(ctx, caller)
	if err != nil {
		return Friend{}, err
	}
	other, err := s.store.UserByID(ctx, from)
	if err != nil {
		return Friend{}, err
	}
	return s.befriended(ctx, me, other, at), nil
}

// DeclineFriend drops the pending request from the user with id from.
func (s *Service) DeclineFriend(ctx context.Context, caller, from UserID) error {
	if err := validateString("user_id", string(from)); err != nil {
		return err
	}
	return s.dropRequest(ctx, from, caller, "no friend request from this user")
}

// CancelFriendRequest withdraws the caller's pending request to user to.
func (s *Service) CancelFriendRequest(ctx context.Context, caller, to UserID) error {
	if err := validateString("user_id", string(to)); err != nil {
		return err
	}
	return s.dropRequest(ctx, caller, to, "no friend request to this user")
}

func (s *Service) dropRequest(ctx context.Context, from, to UserID, notFound string) error {
	err := s.store.DeleteFriendRequest(ctx, from, to)
	if ErrorCode(err) == NotFound {
		return Errorf(NotFound, "%s", notFound)
	}
	if err != nil {
		return err
	}
	s.requestRemoved(ctx, from, to)
	return nil
}

func (s *Service) requestRemoved(ctx context.Context, from, to UserID) {
	ev := Event{Type: EvFriendRequestRemoved, Data: raw(FriendRequestRemovedData{FromID: from, ToID: to})}
	s.publish(ctx, UserTopic(from), ev)
	s.publish(ctx, UserTopic(to), ev)
}

// RemoveFriend ends the caller's friendship with other.
func (s *Service) RemoveFriend(ctx context.Context, caller, other UserID) error {
	if err := validateString("user_id", string(other)); err != nil {
		return err
	}
	err := s.store.RemoveFriend(ctx, caller, other)
	if ErrorCode(err) == NotFound {
		return Errorf(NotFound, "not friends")
	}
	if err != nil {
		return err
	}
	s.unfriended(ctx, caller, other)
	return nil
}

func (s *Service) unfriended(ctx context.Context, a, b UserID) {
	s.publish(ctx, UserTopic(a), Event{Type: EvFriendRemoved, Data: raw(UserRef{UserID: b})})
	s.publish(ctx, UserTopic(b), Event{Type: EvFriendRemoved, Data: raw(UserRef{UserID: a})})
}

// Friends lists the caller's friends with their presence.
func (s *Service) Friends(ctx context.Context, caller UserID) ([]Friend, error) {
	fs, err := s.store.Friends(ctx, caller)
	if err != nil {
		return nil, err
	}
	if fs == nil {
		fs = []Friend{}
	}
	return s.withFriendPresence(ctx, fs), nil
}

func (s *Service) withFriendPresence(ctx context.Context, fs []Friend) []Friend {
	if s.presence == nil || len(fs) == 0 {
		return fs
	}
	ids := make([]UserID, len(fs))
	for i, f := range fs {
		ids[i] = f.ID
	}
	st, err := s.presence.Status(ctx, ids)
	if s.outages.Observe("presence status", err); err != nil {
		return fs
	}
	for i := range fs {
		p := st[fs[i].ID]
		fs[i].Online, fs[i].LastSeen = p.Online, p.seenAt()
	}
	return fs
}

// FriendRequests lists the caller's pending requests, incoming and outgoing.
func (s *Service) FriendRequests(ctx context.Context, caller UserID) (FriendRequestLists, error) {
	all, err := s.store.FriendRequests(ctx, caller)
	if err != nil {
		return FriendRequestLists{}, err
	}
	out := FriendRequestLists{Incoming: []FriendRequest{}, Outgoing: []FriendRequest{}}
	for _, r := range all {
		if r.To.ID == caller {
			out.Incoming = append(out.Incoming, r)
		} else {
			out.Outgoing = append(out.Outgoing, r)
		}
	}
	return out, nil
}

// Block blocks username for the caller: it ends their friendship, the
// requests between them and the blocked user's pending invites to the
// caller, and from then on the blocked user's 1:1 requests and invitations
// reach the caller with nothing (decideInvite), they cannot send the caller
// a friend request, react to the caller's messages, mention the caller, or
// send (or type) in a 1:1 room the caller is in; nor do they hear of the
// caller's presence or profile through it. Only the caller's devices are
// told of the block itself.
func (s *Service) Block(ctx context.Context, caller UserID, username string) (BlockedUser, error) {
	them, err := s.userNamed(ctx, username)
	if err != nil {
		return BlockedUser{}, err
	}
	if them.ID == caller {
		return BlockedUser{}, Errorf(Invalid, "you cannot block yourself")
	}
	at := s.nowUTC()
	sev, err := s.store.Block(ctx, caller, them.ID, at)
	if ErrorCode(err) == Conflict {
		return BlockedUser{}, Errorf(Conflict, "already blocked")
	}
	if err != nil {
		return BlockedUser{}, err
	}
	b := BlockedUser{User: them, BlockedAt: TimeOf(at)}
	s.publish(ctx, UserTopic(caller), Event{Type: EvBlockAdded, Data: raw(b)})
	if sev.Friends {
		s.unfriended(ctx, caller, them.ID)
	}
	if sev.Outgoing {
		s.requestRemoved(ctx, caller, them.ID)
	}
	if sev.Incoming {
		s.requestRemoved(ctx, them.ID, caller)
	}
	s.invitesRemoved(ctx, sev.Invites)
	return b, nil
}

// Unblock lifts the caller's block of the user with id other.
func (s *Service) Unblock(ctx context.Context, caller, other UserID) error {
	if err := validateString("user_id", string(other)); err != nil {
		return err
	}
	err := s.store.Unblock(ctx, caller, other)
	if ErrorCode(err) == NotFound {
		return Errorf(NotFound, "not blocked")
	}
	if err != nil {
		return err
	}
	s.publish(ctx, UserTopic(caller), Event{Type: EvBlockRemoved, Data: raw(UserRef{UserID: other})})
	return nil
}

// Blocks lists the users the caller has blocked, most recent first.
func (s *Service) Blocks(ctx context.Context, caller UserID) ([]BlockedUser, error) {
	bs, err := s.store.Blocks(ctx, caller)
	if bs == nil && err == nil {
		bs = []BlockedUser{}
	}
	return bs, err
}
