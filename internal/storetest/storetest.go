// Package storetest is the conformance suite every chat.Store runs. It states
// the store contract as tests, so the SQLite and PostgreSQL stores cannot
// drift apart. It uses nothing but the chat.Store interface.
package storetest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"parley/internal/chat"
)

// Run runs the suite. open must return a fresh, empty, migrated store for
// each call and arrange its Close with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) chat.Store) {
	cases := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		// Accounts.
		{"CreateUserAndLookUp", testCreateUser},
		{"DuplicateUsernameIsConflict", testDuplicateUsername},
		{"UnknownUserIsNotFound", testUnknownUser},
		{"Sessions", testSessions},
		{"Ping", testPing},

		// Rooms and members.
		{"CreateGroupRoom", testCreateGroupRoom},
		{"DirectKeyIsUnique", testDirectKeyIsUnique},
		{"RoomNotFound", testRoomNotFound},
		{"UpdateRoom", testUpdateRoom},
		{"AddMembers", testAddMembers},
		{"RemoveMember", testRemoveMember},
		{"SetRole", testSetRole},
		{"RoomsForUser", testRoomsForUser},
		{"RoomsForUserTieBreaksByID", testRoomsForUserTieBreak},
		{"CountRoomsForUser", testCountRoomsForUser},

		// Messages.
		{"AppendMessageAssignsNextSeq", testAppendAssignsNextSeq},
		{"AppendMessageMovesSendersReadPosition", testAppendMovesReadPosition},
		{"AppendToMissingRoomIsNotFound", testAppendMissingRoom},
		{"SeqIsGapFreeUnderConcurrentSends", testSeqGapFreeConcurrent},
		{"QueuedAppendsKeepTheirOrder", testQueuedAppendsKeepOrder},
		{"MembersSendIsCheckedWithTheAppend", testMemberSendChecked},
		{"ResendWithSameClientIDReturnsOriginal", testResendReturnsOriginal},
		{"DifferentSendersMayReuseClientID", testClientIDPerSender},
		{"EmptyClientIDIsNeverADuplicate", testEmptyClientID},
		{"MessagesPaging", testMessagesPaging},
		{"MessageNotFound", testMessageNotFound},
		{"EditMessage", testEditMessage},
		{"DeleteMessageKeepsSeqSlot", testDeleteMessage},
		{"TimesRoundTripToTheMillisecondInUTC", testTimesRoundTrip},

		// Reads.
		{"MarkRead", testMarkRead},
		{"MarkReadNonMemberIsNotFound", testMarkReadNonMember},
		{"ReadCounts", testReadCounts},

		// Mentions and reactions.
		{"MentionsAreStoredWithTheMessage", testMentionsAreStoredWithTheMessage},
		{"ResendReturnsTheOriginalMentions", testResendReturnsTheOriginalMentions},
		{"UnreadMentions", testUnreadMentions},
		{"MembersByUsername", testMembersByUsername},
		{"EditReplacesMentions", testEditReplacesMentions},
		{"Reactions", testReactions},
		{"ReactionRefusals", testReactionRefusals},
		{"ConcurrentReactions", testConcurrentReactions},
		// People.
		{"UpdateProfile", testUpdateProfile},
		{"SearchUsers", testSearchUsers},
		{"FriendRequests", testFriendRequests},
		{"Blocks", testBlocks},
		{"BlockMarksDirectRoom", testBlockMarksDirectRoom},
		{"BlockAndAcceptDoNotCross", testBlockAndAcceptDoNotCross},
		{"PresenceAudience", testPresenceAudience},
		// Attachments.
		{"AttachmentLifecycle", testAttachmentLifecycle},
		{"AppendMessageLinksAttachments", testAppendLinksAttachments},
		{"AppendRefusesOthersPendingAndAvatarAttachments", testAppendRefusesAttachments},
		{"ResendWithAttachmentsReturnsOriginal", testResendWithAttachments},
		{"DeleteMessageReleasesAttachments", testDeleteMessageReleasesAttachments},
		{"Avatars", testAvatars},
		{"ClaimAndDeleteAttachments", testClaimAndDeleteAttachments},
		{"AttachRacesClaim", testAttachRacesClaim},
		// Text a store may not be able to keep (text.go).
		{"AwkwardLookupsAreNotFoundOrInvalid", testAwkwardLookups},
		{"AwkwardTextIsKeptExactlyOrInvalid", testAwkwardTextIsKeptExactlyOrInvalid},
		// Consent.
		{"WhoMayAdd", testWhoMayAdd},
		{"ConsentFacts", testConsentFacts},
		{"Invites", testInvites},
		{"InviteCapDropsOldest", testInviteCapDropsOldest},
		{"InviteCapUnderConcurrency", testInviteCapUnderConcurrency},
		{"MessageRequest", testMessageRequest},
		{"BlockEndsInvites", testBlockEndsInvites},
		{"Directory", testDirectory},
		{"Links", testLinks},
		{"LinkUsesUnderConcurrency", testLinkUsesUnderConcurrency},
		{"LimitsUnderConcurrency", testLimitsUnderConcurrency},
	}
	cases = append(cases, sessionCases...)
	cases = append(cases, searchCases...)
	cases = append(cases, pushCases...)
	cases = append(cases, quotaCases...)
	cases = append(cases, pinCases...)
	cases = append(cases, unreadCases...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.fn(t, &fixture{t: t, s: open(t), ctx: t.Context(), now: base})
		})
	}
}

// base has a sub-millisecond part on purpose: stores keep at least
// milliseconds and must truncate, not round, what they cannot keep.
var base = time.Date(2025, 3, 1, 12, 0, 0, 123_456_789, time.UTC)

// fixture builds test data through the Store under test. Its helpers fail the
// test on error, so they must only be called from the test's goroutine.
type fixture struct {
	t   *testing.T
	s   chat.Store
	ctx context.Context

	mu  sync.Mutex
	now time.Time
}

// tick returns a time one second after the previous one, so every write has
// a distinct, ordered timestamp.
func (f *fixture) tick() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(time.Second)
	return f.now
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func (f *fixture) user(name string) chat.User {
	f.t.Helper()
	u, err := f.s.CreateUser(f.ctx, chat.NewUser{
		ID: chat.UserID(newID()), Username: name, DisplayName: "Display " + name,
		PasswordHash: "hash-of-" + name, CreatedAt: f.tick(),
	})
	if err != nil {
		f.t.Fatalf("CreateUser(%s): %v", name, err)
	}
	return u
}

func (f *fixture) newGroup(creator chat.User, name string, members ...chat.User) chat.NewRoom {
	id := chat.RoomID(newID())
	at := f.tick()
	ids := userIDs(members)
	return chat.NewRoom{
		ID: id, Kind: chat.Group, Name: name, Creator: creator.ID, Members: ids, CreatedAt: at,
		Message: chat.NewMessage{
			ID: newID(), Kind: chat.System, CreatedAt: at,
			System: &chat.SystemEvent{Type: chat.RoomCreated, Actor: creator.ID, Users: ids, Name: name},
		},
	}
}

func (f *fixture) create(nr chat.NewRoom) (chat.Room, chat.Message) {
	f.t.Helper()
	r, m, err := f.s.CreateRoom(f.ctx, nr)
	if err != nil {
		f.t.Fatalf("CreateRoom(%s): %v", nr.Name, err)
	}
	return r, m
}

func (f *fixture) group(creator chat.User, members ...chat.User) chat.Room {
	f.t.Helper()
	r, _ := f.create(f.newGroup(creator, "group", members...))
	return r
}

func newDirect(a, b chat.User, at time.Time) chat.NewRoom {
	id := chat.RoomID(newID())
	return chat.NewRoom{
		ID: id, Kind: chat.Direct, DirectKey: directKey(a.ID, b.ID), Creator: a.ID, Members: []chat.UserID{b.ID}, CreatedAt: at,
		Message: chat.NewMessage{
			ID: newID(), Kind: chat.System, CreatedAt: at,
			System: &chat.SystemEvent{Type: chat.RoomCreated, Actor: a.ID, Users: []chat.UserID{b.ID}},
		},
	}
}

func directKey(a, b chat.UserID) string {
	if a > b {
		a, b = b, a
	}
	return string(a) + ":" + string(b)
}

func (f *fixture) text(room chat.RoomID, sender chat.UserID, clientID, text string) chat.NewMessage {
	return chat.NewMessage{
		ID: newID(), RoomID: room, SenderID: sender, ClientID: clientID,
		Kind: chat.Text, Text: text, CreatedAt: f.tick(),
	}
}

func (f *fixture) send(room chat.RoomID, sender chat.UserID, text string) chat.Message {
	f.t.Helper()
	m, dup, err := f.s.AppendMessage(f.ctx, f.text(room, sender, newID(), text))
	if err != nil || dup {
		f.t.Fatalf("AppendMessage(%q) = dup %v, %v", text, dup, err)
	}
	return m
}

func (f *fixture) system(ev chat.SystemEvent) chat.NewMessage {
	return chat.NewMessage{ID: newID(), Kind: chat.System, System: &ev, CreatedAt: f.tick()}
}

func (f *fixture) room(id chat.RoomID) chat.Room {
	f.t.Helper()
	r, err := f.s.Room(f.ctx, id)
	if err != nil {
		f.t.Fatalf("Room: %v", err)
	}
	return r
}

func (f *fixture) member(room chat.RoomID, user chat.UserID) chat.Member {
	f.t.Helper()
	m, err := f.s.Member(f.ctx, room, user)
	if err != nil {
		f.t.Fatalf("Member(%s): %v", user, err)
	}
	return m
}

func (f *fixture) message(room chat.RoomID, seq int64) chat.Message {
	f.t.Helper()
	m, err := f.s.Message(f.ctx, room, seq)
	if err != nil {
		f.t.Fatalf("Message(%d): %v", seq, err)
	}
	return m
}

func userIDs(us []chat.User) []chat.UserID {
	ids := make([]chat.UserID, len(us))
	for i, u := range us {
		ids[i] = u.ID
	}
	return ids
}

func seqsOf(msgs []chat.Message) []int64 {
	s := make([]int64, len(msgs))
	for i, m := range msgs {
		s[i] = m.Seq
	}
	return s
}

func seqRange(from, to int64) []int64 {
	var s []int64
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

func wantCode(t *testing.T, what string, err error, want chat.Code) {
	t.Helper()
	if got := chat.ErrorCode(err); got != want {
		t.Errorf("%s: error code %q (err %v), want %q", what, got, err, want)
	}
}

// sameTime reports whether got is want as a store keeps it: in UTC, equal at
// millisecond precision.
func sameTime(got, want time.Time) bool {
	return got.Location() == time.UTC && got.Truncate(time.Millisecond).Equal(want.Truncate(time.Millisecond))
}

func checkTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !sameTime(got, want) {
		t.Errorf("%s = %v (%v), want %v in UTC", what, got, got.Location(), want)
	}
}

// diffMessage describes how got differs from want, or returns "".
func diffMessage(got, want chat.Message) string {
	if !sameTime(got.CreatedAt.Time, want.CreatedAt.Time) {
		return fmt.Sprintf("CreatedAt %v, want %v", got.CreatedAt, want.CreatedAt)
	}
	switch {
	case (got.EditedAt == nil) != (want.EditedAt == nil):
		return fmt.Sprintf("EditedAt %v, want %v", got.EditedAt, want.EditedAt)
	case got.EditedAt != nil && !sameTime(got.EditedAt.Time, want.EditedAt.Time):
		return fmt.Sprintf("EditedAt %v, want %v", *got.EditedAt, *want.EditedAt)
	}
	got.CreatedAt, want.CreatedAt = chat.Time{}, chat.Time{}
	got.EditedAt, want.EditedAt = nil, nil
	if !reflect.DeepEqual(got, want) {
		return fmt.Sprintf("\n got %+v (system %+v)\nwant %+v (system %+v)", got, got.System, want, want.System)
	}
	return ""
}

func checkMessage(t *testing.T, what string, got, want chat.Message) {
	t.Helper()
	if d := diffMessage(got, want); d != "" {
		t.Errorf("%s: %s", what, d)
	}
}

// asStored is the message AppendMessage should return for m at seq.
func asStored(m chat.NewMessage, seq int64) chat.Message {
	return chat.Message{
		ID: m.ID, RoomID: m.RoomID, Seq: seq, SenderID: m.SenderID, ClientID: m.ClientID,
		Kind: m.Kind, Text: m.Text, ReplyTo: m.ReplyTo, System: m.System, CreatedAt: chat.TimeOf(m.CreatedAt),
	}
}

func checkSeqs(t *testing.T, what string, got []chat.Message, want []int64) {
	t.Helper()
	if g := seqsOf(got); !slices.Equal(g, want) {
		t.Errorf("%s: seqs %v, want %v", what, g, want)
	}
}
