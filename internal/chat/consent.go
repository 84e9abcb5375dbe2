package chat

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Nobody is put into a conversation without consent
// (docs/decisions/0020-consent.md). An invitation — a group created with
// members, an invite to a group, a 1:1 opened — adds its invitee at once only
// when they agreed to be added that way: the inviter is their friend, or
// their "who may add me" setting is "anyone". Everyone else's invitation
// waits as a pending invite that the invitee accepts or declines; the inviter
// learns nothing of it either way.

// consentState is what consent keeps per node: its rate limiters (shared by
// every node when Config.RateLimiters is set) and the coalescer of message
// requests' previews.
type consentState struct {
	defaultPolicy AddPolicy
	roomCreates   RateLimiter // group rooms created per user
	invites       RateLimiter // people named per user (and links made)
	directs       RateLimiter // new 1:1 rooms per user
	joins         RateLimiter // rooms joined by the user's own act
	directory     RateLimiter // directory pages per user
	previews      RateLimiter // link previews per user
	requests      *roomCoalescer
}

// previewWindow bounds how often a message request's preview is re-sent to
// its invitee, however fast the opener writes: the invitee sees the latest
// message within a second, and a stranger cannot make their devices busy.
const previewWindow = time.Second

// previewLen is the longest preview text, in characters.
const previewLen = 200

func newConsentState(s *Service, c Config) *consentState {
	l := s.limits
	cs := &consentState{
		defaultPolicy: c.DefaultWhoMayAdd,
		roomCreates:   c.RateLimiters("room-create", l.RoomCreatesPerSecond, l.RoomCreateBurst),
		invites:       c.RateLimiters("invite", l.InvitesPerSecond, l.InviteBurst),
		directs:       c.RateLimiters("direct", l.DirectsPerSecond, l.DirectBurst),
		joins:         c.RateLimiters("join", l.JoinsPerSecond, l.JoinBurst),
		directory:     c.RateLimiters("room-directory", l.SearchesPerSecond, l.SearchBurst),
		previews:      c.RateLimiters("link-preview", l.SearchesPerSecond, l.SearchBurst),
	}
	if cs.defaultPolicy == "" {
		cs.defaultPolicy = AddFriends
	}
	cs.requests = newRoomCoalescer(previewWindow, s.flushPreview)
	return cs
}

func (c *consentState) stop() { c.requests.stop() }

// DefaultWhoMayAdd is the setting new accounts get.
func (s *Service) DefaultWhoMayAdd() AddPolicy { return s.consent.defaultPolicy }

// inviteOutcome is what an invitation does to one invitee.
type inviteOutcome int

const (
	joinNow      inviteOutcome = iota // a member at once, with the room's system message
	askFirst                          // a pending invite, accepted or declined by the invitee
	dropSilently                      // nothing reaches the invitee; the inviter is answered as for askFirst
)

// decideInvite is the consent rule, in one place (table-tested):
//
//   - someone the invitee blocked reaches them with nothing, and cannot tell;
//   - an invite into a room with someone the invitee blocked (or named with
//     someone they blocked) is held for them to decide, even from a friend —
//     so a blocked user cannot pull them in through a second account or a
//     friend;
//   - otherwise friends, and everyone when the setting is "anyone", add
//     directly;
//   - everyone else asks.
func decideInvite(c Consent) inviteOutcome {
	switch {
	case c.BlocksInviter:
		return dropSilently
	case c.BlocksMember:
		return askFirst
	case c.Friend, c.Policy == AddAnyone:
		return joinNow
	}
	return askFirst
}

// sortInvitees splits invitees by decideInvite: join are added now, ask get
// a pending invite, and the rest get nothing. others are the users the
// invitees would be in the room with besides its members (those named in
// the same request).
func (s *Service) sortInvitees(ctx context.Context, inviter UserID, room RoomID, others, invitees []UserID) (join, ask []UserID, err error) {
	if len(invitees) == 0 {
		return nil, nil, nil
	}
	facts, err := s.store.Consent(ctx, inviter, room, others, invitees)
	if err != nil {
		return nil, nil, err
	}
	for _, u := range invitees {
		switch decideInvite(facts[u]) {
		case joinNow:
			join = append(join, u)
		case askFirst:
			ask = append(ask, u)
		}
	}
	return join, ask, nil
}

// takeInvites spends n of the inviter's invite tokens. Everyone named
// counts, whether they join, are asked or are silently dropped, so the limit
// tells an inviter nothing about any of them.
func (s *Service) takeInvites(caller UserID, n int) error {
	for range n {
		if !s.consent.invites.Allow(string(caller)) {
			return Errorf(RateLimited, "inviting too many people too fast, slow down")
		}
	}
	return nil
}

// ask records pending invites of users to room from inviter and tells each
// invitee's devices; the oldest invites pushed past an invitee's cap are
// withdrawn from their devices.
func (s *Service) ask(ctx context.Context, inviter UserID, room RoomID, users []UserID) error {
	if len(users) == 0 {
		return nil
	}
	at := s.nowUTC()
	invites := make([]NewInvite, len(users))
	for i, u := range users {
		invites[i] = NewInvite{ID: newID(), Room: room, Inviter: inviter, Invitee: u, CreatedAt: at}
	}
	added, dropped, err := s.store.AddInvites(ctx, invites, s.limits.MaxPendingInvites)
	if err != nil {
		return err
	}
	for _, inv := range added {
		s.publishInvite(ctx, inv.Invitee, inv.Room)
	}
	s.invitesRemoved(ctx, dropped)
	return nil
}

// publishInvite sends invitee's pending invite to room, as Invites lists
// it, to their devices.
func (s *Service) publishInvite(ctx context.Context, invitee UserID, room RoomID) {
	inv, err := s.store.RoomInvite(ctx, room, invitee)
	if err != nil {
		if ErrorCode(err) != NotFound { // accepted or declined meanwhile: nothing to say
			s.log.Warn("invite to publish", "room", room, "err", err)
		}
		return
	}
	s.publish(ctx, UserTopic(invitee), Event{Type: EvInviteAdded, Data: raw(withPreviewCut(inv))})
}

func (s *Service) invitesRemoved(ctx context.Context, refs []InviteRef) {
	for _, r := range refs {
		s.publish(ctx, UserTopic(r.InviteeID), Event{Type: EvInviteRemoved, Data: raw(r)})
	}
}

// withPreviewCut bounds a preview's text: a request's preview is a glance,
// not a way around accepting.
func withPreviewCut(inv Invite) Invite {
	if inv.Preview != nil && utf8.RuneCountInString(inv.Preview.Text) > previewLen {
		p := *inv.Preview
		p.Text = string([]rune(p.Text)[:previewLen-1]) + "…"
		inv.Preview = &p
	}
	return inv
}

// flushPreview re-sends a message request with its newest message as the
// preview, after the opener wrote in it (coalesced per room by the window).
func (s *Service) flushPreview(room RoomID) {
	ctx, cancel := backgroundCtx(10 * time.Second)
	defer cancel()
	r, err := s.store.Room(ctx, room)
	if err != nil || r.Kind != Direct {
		return
	}
	ids, err := s.store.MemberIDs(ctx, room)
	if err != nil || len(ids) != 1 {
		return // joined meanwhile
	}
	if peer := otherOf(r.DirectKey, ids[0]); peer != "" {
		s.publishInvite(ctx, peer, room)
	}
}

// otherOf is the other person of a direct room's key, "" if me is not one
// of its two.
func otherOf(directKey string, me UserID) UserID {
	a, b, ok := strings.Cut(directKey, ":")
	switch {
	case !ok:
		return ""
	case UserID(a) == me:
		return UserID(b)
	case UserID(b) == me:
		return UserID(a)
	}
	return ""
}

// Invites lists the caller's pending invites, newest first.
func (s *Service) Invites(ctx context.Context, caller UserID) ([]Invite, error) {
	invs, err := s.store.Invites(ctx, caller)
	if err != nil {
		return nil, err
	}
	out := make([]Invite, len(invs))
	for i, inv := range invs {
		out[i] = withPreviewCut(inv)
	}
	return out, nil
}

// AcceptInvite joins the caller to the room of their pending invite, at a
// seq with a members_added system message (actor: the inviter), exactly as
// an invite from a friend would have; the room's quota and member cap are
// checked now, not when the invite was made.
func (s *Service) AcceptInvite(ctx context.Context, caller UserID, id string) (RoomSummary, error) {
	inv, err := s.store.Invite(ctx, id)
	if ErrorCode(err) == NotFound || (err == nil && inv.InviteeID != caller) {
		return RoomSummary{}, Errorf(NotFound, "no such invite")
	}
	if err != nil {
		return RoomSummary{}, err
	}
	if !s.consent.joins.Allow(string(caller)) {
		return RoomSummary{}, Errorf(RateLimited, "joining rooms too fast, slow down")
	}
	room := inv.Room.ID
	msg := s.systemMessage(room, SystemEvent{Type: MembersAdded, Actor: inv.Inviter.ID, Users: []UserID{caller}})
	err = s.admit(ctx, Admission{Room: room, Users: []UserID{caller}, Message: msg, Invite: id}, true)
	if ErrorCode(err) == NotFound {
		return RoomSummary{}, Errorf(NotFound, "no such invite")
	}
	if ErrorCode(err) == Conflict {
		// Already a member: an invite made while they were being added
		// (across nodes, neither transaction saw the other's row). It is
		// moot; declining takes it off their list (and, as after any
		// decline, should they leave, a stranger cannot invite them back).
		if _, derr := s.store.DeclineInvite(ctx, id, caller); derr == nil {
			s.invitesRemoved(ctx, []InviteRef{{ID: id, RoomID: room, InviteeID: caller}})
		}
		return s.Room(ctx, caller, room)
	}
	if err != nil {
		return RoomSummary{}, err
	}
	return s.Room(ctx, caller, room)
}

// DeclineInvite turns the caller's pending invite down. The inviter is not
// told, and nobody can invite the caller to that room again (a 1:1 opened
// again stays as it is): the caller would have to join by themselves.
func (s *Service) DeclineInvite(ctx context.Context, caller UserID, id string) error {
	ref, err := s.store.DeclineInvite(ctx, id, caller)
	if ErrorCode(err) == NotFound {
		return Errorf(NotFound, "no such invite")
	}
	if err != nil {
		return err
	}
	s.invitesRemoved(ctx, []InviteRef{ref})
	return nil
}

// admit runs an admission with the service's limits and announces it: the
// system message, the members event, room_added to those added, and
// invite_removed for the pending invites it made moot. self says the users
// are joining by their own act (the error then speaks to them).
func (s *Service) admit(ctx context.Context, a Admission, self bool) error {
	a.MaxMembers, a.MaxRooms = s.limits.MaxRoomMembers, s.limits.MaxRoomsPerUser
	done, err := s.store.AddMembers(ctx, a)
	if err != nil {
		return s.limitError(err, self)
	}
	s.afterMembershipChange(ctx, done.Message, a.Users, nil)
	s.receipts.touch(a.Room, done.Message.Seq)
	s.invitesRemoved(ctx, done.Invites)
	return nil
}

// limitError words a store's limit refusal for whoever hit it.
func (s *Service) limitError(err error, self bool) error {
	switch {
	case errors.Is(err, ErrRoomQuota) && self:
		return Errorf(Forbidden, "you are already in %d rooms, the limit", s.limits.MaxRoomsPerUser)
	case errors.Is(err, ErrRoomQuota):
		return Errorf(Forbidden, "a user is already in %d rooms, the limit", s.limits.MaxRoomsPerUser)
	case errors.Is(err, ErrRoomFull):
		return Errorf(Forbidden, "a room holds at most %d members", s.limits.MaxRoomMembers)
	}
	return err
}

// Me returns the caller's account with its private settings.
func (s *Service) Me(ctx context.Context, caller UserID) (Me, error) {
	return s.me(ctx, caller)
}

// me is the caller's own view of their account, with their storage quota.
func (s *Service) me(ctx context.Context, caller UserID) (Me, error) {
	me, err := s.store.Me(ctx, caller)
	if err != nil {
		return Me{}, err
	}
	me.StorageQuota = s.limits.StorageQuota
	return me, nil
}

// UpdateMe changes the caller's profile fields and/or "who may add me"
// setting. A profile change reaches everyone who sees the caller
// (profile_updated); a setting change only the caller's own devices
// (settings_updated): it is nobody else's business.
func (s *Service) UpdateMe(ctx context.Context, caller UserID, p ProfileUpdate, who *AddPolicy) (Me, error) {
	if who == nil {
		if _, err := s.UpdateProfile(ctx, caller, p); err != nil {
			return Me{}, err
		}
		return s.me(ctx, caller)
	}
	if *who != AddAnyone && *who != AddFriends {
		return Me{}, Errorf(Invalid, "who_may_add must be anyone or friends")
	}
	if p.DisplayName != nil || p.StatusMessage != nil {
		if _, err := s.UpdateProfile(ctx, caller, p); err != nil {
			return Me{}, err
		}
	} else if !s.people.profiles.Allow(string(caller)) {
		return Me{}, Errorf(RateLimited, "changing the profile too often, slow down")
	}
	if err := s.store.SetWhoMayAdd(ctx, caller, *who); err != nil {
		return Me{}, err
	}
	s.publish(ctx, UserTopic(caller), Event{Type: EvSettingsUpdated, Data: raw(Settings{WhoMayAdd: *who})})
	return s.me(ctx, caller)
}

// CreatedRoom answers a room creation: the room as the creator sees it, and
// whom it asked (pending invites, or nothing at all: the creator cannot
// tell which).
type CreatedRoom struct {
	RoomSummary
	Invited []UserID `json:"invited"`
}

// InviteResult answers an invite: the members_added message when anyone
// joined at once, who joined, and whom it asked (as in CreatedRoom).
type InviteResult struct {
	Message *Message `json:"message,omitempty"`
	Added   []UserID `json:"added"`
	Invited []UserID `json:"invited"`
}

// asked is everyone in named who did not join: they were asked, or
// dropped, and the answer must not tell which.
func asked(named, joined []UserID) []UserID {
	out := []UserID{}
	for _, u := range named {
		if !slices.Contains(joined, u) {
			out = append(out, u)
		}
	}
	return out
}
