package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"parley/internal/chat"
)

// named creates a user with a chosen display name.
func (f *fixture) named(username, display string) chat.User {
	f.t.Helper()
	u, err := f.s.CreateUser(f.ctx, chat.NewUser{
		ID: chat.UserID(newID()), Username: username, DisplayName: display,
		PasswordHash: "hash-of-" + username, CreatedAt: f.tick(),
	})
	if err != nil {
		f.t.Fatalf("CreateUser(%s): %v", username, err)
	}
	return u
}

func (f *fixture) direct(a, b chat.User) chat.Room {
	f.t.Helper()
	r, _ := f.create(newDirect(a, b, f.tick()))
	return r
}

func (f *fixture) befriend(a, b chat.User) {
	f.t.Helper()
	if _, err := f.s.RequestFriend(f.ctx, a.ID, b.ID, f.tick()); err != nil {
		f.t.Fatalf("RequestFriend: %v", err)
	}
	if err := f.s.AcceptFriend(f.ctx, b.ID, a.ID, f.tick()); err != nil {
		f.t.Fatalf("AcceptFriend: %v", err)
	}
}

func (f *fixture) request(from, to chat.User) {
	f.t.Helper()
	if accepted, err := f.s.RequestFriend(f.ctx, from.ID, to.ID, f.tick()); err != nil || accepted {
		f.t.Fatalf("RequestFriend(%s → %s) = accepted %v, %v", from.Username, to.Username, accepted, err)
	}
}

func (f *fixture) block(blocker, blocked chat.User) chat.Severed {
	f.t.Helper()
	sev, err := f.s.Block(f.ctx, blocker.ID, blocked.ID, f.tick())
	if err != nil {
		f.t.Fatalf("Block(%s, %s): %v", blocker.Username, blocked.Username, err)
	}
	return sev
}

func (f *fixture) search(caller chat.User, q string, limit int) []chat.UserHit {
	f.t.Helper()
	hits, err := f.s.SearchUsers(f.ctx, caller.ID, chat.SearchKey(q), limit)
	if err != nil {
		f.t.Fatalf("SearchUsers(%q): %v", q, err)
	}
	return hits
}

// hitNames renders hits as "username:relation".
func hitNames(hits []chat.UserHit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Username + ":" + string(h.Relation)
	}
	return out
}

func checkStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

func sortedIDs(ids []chat.UserID) []chat.UserID {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return ids
}

func checkIDs(t *testing.T, what string, got []chat.UserID, want ...chat.UserID) {
	t.Helper()
	if g, w := sortedIDs(got), sortedIDs(want); !slices.Equal(g, w) {
		t.Errorf("%s = %v, want %v", what, g, w)
	}
}

func testUpdateProfile(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	group := f.group(alice, bob)
	direct := f.direct(alice, bob)

	name, status := "Alice Liddell", "down the rabbit hole"
	u, err := f.s.UpdateProfile(f.ctx, alice.ID, chat.ProfileUpdate{DisplayName: &name, StatusMessage: &status})
	if err != nil {
		t.Fatal(err)
	}
	want := alice
	want.DisplayName, want.StatusMessage = name, status
	checkUser := func(what string, got chat.User) {
		t.Helper()
		checkTime(t, what+".CreatedAt", got.CreatedAt.Time, want.CreatedAt.Time)
		got.CreatedAt = want.CreatedAt
		if got != want {
			t.Errorf("%s = %+v, want %+v", what, got, want)
		}
	}
	checkUser("UpdateProfile", u)
	byID, err := f.s.UserByID(f.ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkUser("UserByID", byID)
	byName, _, err := f.s.UserByUsername(f.ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	checkUser("UserByUsername", byName)
	if m := f.member(group.ID, alice.ID); m.DisplayName != name || m.StatusMessage != status {
		t.Errorf("Member = %+v, want the new profile", m)
	}
	rooms, err := f.s.RoomsForUser(f.ctx, bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(rooms, func(r chat.RoomSummary) bool { return r.ID == direct.ID })
	if i < 0 || rooms[i].Peer == nil {
		t.Fatalf("bob's rooms %+v lack the direct room's peer", rooms)
	}
	checkUser("RoomsForUser peer", *rooms[i].Peer)

	// The search key follows the display name.
	checkStrings(t, "search by the new name", hitNames(f.search(bob, "alice l", 10)), []string{"alice:none"})
	checkStrings(t, "search by the old name", hitNames(f.search(bob, "display alice", 10)), []string{})

	// Nil fields are left alone; an empty status clears it.
	empty := ""
	u, err = f.s.UpdateProfile(f.ctx, alice.ID, chat.ProfileUpdate{StatusMessage: &empty})
	if err != nil {
		t.Fatal(err)
	}
	want.StatusMessage = ""
	checkUser("UpdateProfile(status only)", u)

	_, err = f.s.UpdateProfile(f.ctx, "no-such-user", chat.ProfileUpdate{StatusMessage: &status})
	wantCode(t, "UpdateProfile(unknown user)", err, chat.NotFound)
}

func testSearchUsers(t *testing.T, f *fixture) {
	carol := f.named("carol", "Carol")
	f.named("alice", "Alice")
	alfred := f.named("alfred", "Alfred")
	bob := f.named("bob", "Alba Bobson") // found by display name
	f.named("alan", "Al")                // found by both, listed once
	f.named("zed", "ÄRNE Zed")           // non-ASCII display name
	f.named("al_x", "x")
	f.named("alz", "y")
	dave := f.named("dave", "Dave")

	checkStrings(t, "search al", hitNames(f.search(carol, "AL", 20)),
		[]string{"al_x:none", "alan:none", "alfred:none", "alice:none", "alz:none", "bob:none"})
	checkStrings(t, "limit 2", hitNames(f.search(carol, "al", 2)), []string{"al_x:none", "alan:none"})
	checkStrings(t, "search alf", hitNames(f.search(carol, "alf", 20)), []string{"alfred:none"})
	checkStrings(t, "search Är", hitNames(f.search(carol, "Är", 20)), []string{"zed:none"})
	checkStrings(t, "nobody", hitNames(f.search(carol, "q", 20)), []string{})
	checkStrings(t, "not the caller", hitNames(f.search(carol, "car", 20)), []string{})

	// Relations, from carol's side.
	f.befriend(carol, alfred)
	f.request(carol, bob)
	f.request(dave, carol)
	zed, _, err := f.s.UserByUsername(f.ctx, "zed")
	if err != nil {
		t.Fatal(err)
	}
	f.block(carol, zed)
	checkStrings(t, "relations", hitNames(f.search(carol, "a", 20)),
		[]string{"al_x:none", "alan:none", "alfred:friend", "alice:none", "alz:none", "bob:outgoing"})
	checkStrings(t, "incoming", hitNames(f.search(carol, "d", 20)), []string{"dave:incoming"})
	checkStrings(t, "blocked by the caller", hitNames(f.search(carol, "z", 20)), []string{"zed:blocked"})

	// Whoever blocked the caller is never found by them, and the limit
	// counts only what is shown.
	alice, _, err := f.s.UserByUsername(f.ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	f.block(alice, carol)
	f.block(f.named("al_a", "x"), carol)
	checkStrings(t, "blockers hidden", hitNames(f.search(carol, "al", 2)), []string{"al_x:none", "alan:none"})
	checkStrings(t, "blockers hidden", hitNames(f.search(carol, "ali", 20)), []string{})
	checkStrings(t, "the blocker still finds them", hitNames(f.search(alice, "car", 20)), []string{"carol:blocked"})
	if hits := f.search(carol, "alfred", 1); len(hits) != 1 || hits[0].DisplayName != "Alfred" || hits[0].ID != alfred.ID {
		t.Errorf("search alfred = %+v", hits)
	}
}

func testFriendRequests(t *testing.T, f *fixture) {
	alice, bob, carol, dave := f.user("alice"), f.user("bob"), f.user("carol"), f.user("dave")

	at := f.tick()
	if accepted, err := f.s.RequestFriend(f.ctx, alice.ID, bob.ID, at); err != nil || accepted {
		t.Fatalf("RequestFriend = %v, %v; want a pending request", accepted, err)
	}
	_, err := f.s.RequestFriend(f.ctx, alice.ID, bob.ID, f.tick())
	wantCode(t, "the same request again", err, chat.Conflict)
	for _, u := range []chat.User{alice, bob} {
		reqs, err := f.s.FriendRequests(f.ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(reqs) != 1 || reqs[0].From.ID != alice.ID || reqs[0].To.ID != bob.ID ||
			reqs[0].From.Username != "alice" || reqs[0].To.DisplayName != bob.DisplayName {
			t.Fatalf("FriendRequests(%s) = %+v", u.Username, reqs)
		}
		checkTime(t, "request CreatedAt", reqs[0].CreatedAt.Time, at)
	}

	// Asking back is accepting.
	since := f.tick()
	if accepted, err := f.s.RequestFriend(f.ctx, bob.ID, alice.ID, since); err != nil || !accepted {
		t.Fatalf("RequestFriend back = %v, %v; want friends", accepted, err)
	}
	if reqs, err := f.s.FriendRequests(f.ctx, alice.ID); err != nil || len(reqs) != 0 {
		t.Errorf("requests after accepting = %+v, %v", reqs, err)
	}
	for _, pair := range [][2]chat.User{{alice, bob}, {bob, alice}} {
		fs, err := f.s.Friends(f.ctx, pair[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 1 || fs[0].ID != pair[1].ID || fs[0].Username != pair[1].Username || fs[0].Online {
			t.Fatalf("Friends(%s) = %+v", pair[0].Username, fs)
		}
		checkTime(t, "Since", fs[0].Since.Time, since)
		one, err := f.s.Friend(f.ctx, pair[0].ID, pair[1].ID)
		if err != nil || one.ID != pair[1].ID {
			t.Errorf("Friend = %+v, %v", one, err)
		}
	}
	_, err = f.s.RequestFriend(f.ctx, bob.ID, alice.ID, f.tick())
	wantCode(t, "request between friends", err, chat.Conflict)

	// Accept, decline and cancel.
	f.request(carol, alice)
	f.request(alice, dave)
	if err := f.s.AcceptFriend(f.ctx, alice.ID, carol.ID, f.tick()); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "accepting twice", f.s.AcceptFriend(f.ctx, alice.ID, carol.ID, f.tick()), chat.NotFound)
	wantCode(t, "accepting one's own request", f.s.AcceptFriend(f.ctx, alice.ID, dave.ID, f.tick()), chat.NotFound)
	fs, err := f.s.Friends(f.ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{fs[0].Username, fs[1].Username}; len(fs) != 2 || !slices.Equal(got, []string{"bob", "carol"}) {
		t.Errorf("alice's friends = %+v, want bob and carol by username", fs)
	}
	if err := f.s.DeleteFriendRequest(f.ctx, alice.ID, dave.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "deleting twice", f.s.DeleteFriendRequest(f.ctx, alice.ID, dave.ID), chat.NotFound)

	if err := f.s.RemoveFriend(f.ctx, bob.ID, alice.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "removing twice", f.s.RemoveFriend(f.ctx, alice.ID, bob.ID), chat.NotFound)
	_, err = f.s.Friend(f.ctx, alice.ID, bob.ID)
	wantCode(t, "Friend after removal", err, chat.NotFound)
	if fs, err := f.s.Friends(f.ctx, bob.ID); err != nil || len(fs) != 0 {
		t.Errorf("bob's friends after removal = %+v, %v", fs, err)
	}

	_, err = f.s.RequestFriend(f.ctx, alice.ID, "no-such-user", f.tick())
	wantCode(t, "request to an unknown user", err, chat.NotFound)
}

func testBlocks(t *testing.T, f *fixture) {
	alice, bob, carol, dave := f.user("alice"), f.user("bob"), f.user("carol"), f.user("dave")
	f.befriend(alice, bob)
	f.request(alice, carol)
	f.request(dave, alice)

	if sev := f.block(alice, bob); !reflect.DeepEqual(sev, chat.Severed{Friends: true}) {
		t.Errorf("blocking a friend severed %+v", sev)
	}
	if sev := f.block(alice, carol); !reflect.DeepEqual(sev, chat.Severed{Outgoing: true}) {
		t.Errorf("blocking someone asked severed %+v", sev)
	}
	if sev := f.block(alice, dave); !reflect.DeepEqual(sev, chat.Severed{Incoming: true}) {
		t.Errorf("blocking someone asking severed %+v", sev)
	}
	_, err := f.s.Block(f.ctx, alice.ID, bob.ID, f.tick())
	wantCode(t, "blocking twice", err, chat.Conflict)
	if fs, err := f.s.Friends(f.ctx, bob.ID); err != nil || len(fs) != 0 {
		t.Errorf("bob's friends after the block = %+v, %v", fs, err)
	}
	if reqs, err := f.s.FriendRequests(f.ctx, alice.ID); err != nil || len(reqs) != 0 {
		t.Errorf("alice's requests after the blocks = %+v, %v", reqs, err)
	}
	_, err = f.s.RequestFriend(f.ctx, bob.ID, alice.ID, f.tick())
	wantCode(t, "a request to the blocker", err, chat.Forbidden)
	_, err = f.s.RequestFriend(f.ctx, alice.ID, bob.ID, f.tick())
	wantCode(t, "a request to the blocked", err, chat.Forbidden)

	bs, err := f.s.Blocks(f.ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range bs {
		names = append(names, b.Username)
	}
	checkStrings(t, "Blocks, most recent first", names, []string{"dave", "carol", "bob"})
	if len(bs) == 3 && bs[2].DisplayName != bob.DisplayName {
		t.Errorf("blocked user = %+v", bs[2])
	}

	by, err := f.s.BlockedBy(f.ctx, bob.ID, []chat.UserID{alice.ID, carol.ID})
	if err != nil {
		t.Fatal(err)
	}
	checkIDs(t, "BlockedBy(bob)", by, alice.ID)
	by, err = f.s.BlockedBy(f.ctx, alice.ID, []chat.UserID{bob.ID, carol.ID})
	if err != nil || len(by) != 0 {
		t.Errorf("BlockedBy(alice) = %v, %v; the blocker is blocked by nobody", by, err)
	}
	if by, err := f.s.BlockedBy(f.ctx, bob.ID, nil); err != nil || len(by) != 0 {
		t.Errorf("BlockedBy(nobody) = %v, %v", by, err)
	}

	c, err := f.s.Contacts(f.ctx, bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkIDs(t, "bob's blocked contacts", c.Blocked, alice.ID)
	c, err = f.s.Contacts(f.ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkIDs(t, "alice's blocked contacts", c.Blocked, bob.ID, carol.ID, dave.ID)
	checkIDs(t, "alice's friends", c.Friends)

	if err := f.s.Unblock(f.ctx, alice.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "unblocking twice", f.s.Unblock(f.ctx, alice.ID, bob.ID), chat.NotFound)
	wantCode(t, "unblocking the other way", f.s.Unblock(f.ctx, bob.ID, alice.ID), chat.NotFound)
	if _, err := f.s.RequestFriend(f.ctx, bob.ID, alice.ID, f.tick()); err != nil {
		t.Errorf("a request after the unblock: %v", err)
	}
}

func testBlockMarksDirectRoom(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	direct := f.direct(alice, bob)
	group := f.group(alice, bob)
	blocked := func(room chat.Room, u chat.User) bool { t.Helper(); return f.member(room.ID, u.ID).Blocked }
	if blocked(direct, bob) || blocked(direct, alice) {
		t.Fatal("a fresh direct room has a blocked member")
	}

	f.block(alice, bob)
	if !blocked(direct, bob) || blocked(direct, alice) {
		t.Errorf("after alice blocks bob: bob blocked %v, alice blocked %v; want true, false", blocked(direct, bob), blocked(direct, alice))
	}
	if blocked(group, bob) {
		t.Error("a block marks a group membership")
	}
	ms, err := f.s.Members(f.ctx, direct.ID)
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(ms, func(m chat.Member) bool { return m.UserID == bob.ID }); i < 0 || !ms[i].Blocked {
		t.Errorf("Members does not carry the mark: %+v", ms)
	}
	f.block(bob, alice)
	if !blocked(direct, alice) {
		t.Error("bob's block of alice did not mark her")
	}
	if err := f.s.Unblock(f.ctx, alice.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	if blocked(direct, bob) || !blocked(direct, alice) {
		t.Errorf("after alice unblocks: bob blocked %v, alice blocked %v; want false, true", blocked(direct, bob), blocked(direct, alice))
	}

	// A direct room created while a block stands is marked from the start.
	erin, frank := f.user("erin"), f.user("frank")
	f.block(erin, frank)
	late := f.direct(frank, erin)
	if !blocked(late, frank) || blocked(late, erin) {
		t.Errorf("a direct room made after the block: frank blocked %v, erin blocked %v", blocked(late, frank), blocked(late, erin))
	}
}

func testPresenceAudience(t *testing.T, f *fixture) {
	alice, bob, carol, dave := f.user("alice"), f.user("bob"), f.user("carol"), f.user("dave")
	f.befriend(alice, bob)
	group := f.group(alice, bob, carol)
	direct := f.direct(dave, alice)

	c, err := f.s.Contacts(f.ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkIDs(t, "alice's friends", c.Friends, bob.ID)
	checkIDs(t, "alice's blocks", c.Blocked)

	sizes, err := f.s.RoomSizes(f.ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(sizes, func(a, b chat.RoomSize) int { return strings.Compare(string(a.Kind), string(b.Kind)) })
	want := []chat.RoomSize{
		{ID: direct.ID, Kind: chat.Direct, Members: 2, Peer: dave.ID},
		{ID: group.ID, Kind: chat.Group, Members: 3},
	}
	if !slices.Equal(sizes, want) {
		t.Errorf("RoomSizes = %+v, want %+v", sizes, want)
	}
	if sizes, err := f.s.RoomSizes(f.ctx, f.user("erin").ID); err != nil || len(sizes) != 0 {
		t.Errorf("RoomSizes of a user without rooms = %+v, %v", sizes, err)
	}

	ids, err := f.s.MemberIDs(f.ctx, group.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkIDs(t, "MemberIDs", ids, alice.ID, bob.ID, carol.ID)
	if ids, err := f.s.MemberIDs(f.ctx, "no-such-room"); err != nil || len(ids) != 0 {
		t.Errorf("MemberIDs of no room = %v, %v", ids, err)
	}
}

// A block and an acceptance (or a new request) racing for the same pair
// never leave the blocked user a friend or a pending request.
func testBlockAndAcceptDoNotCross(t *testing.T, f *fixture) {
	const pairs = 12
	type pair struct{ a, b chat.User }
	ps := make([]pair, pairs)
	for i := range ps {
		ps[i] = pair{f.user(fmt.Sprintf("a%d", i)), f.user(fmt.Sprintf("b%d", i))}
		f.request(ps[i].b, ps[i].a)
	}
	at := f.tick()
	var wg sync.WaitGroup
	for _, p := range ps {
		wg.Add(3)
		go func() { defer wg.Done(); f.s.AcceptFriend(f.ctx, p.a.ID, p.b.ID, at) }()
		go func() { defer wg.Done(); f.s.Block(f.ctx, p.a.ID, p.b.ID, at) }()
		go func() { defer wg.Done(); f.s.RequestFriend(f.ctx, p.a.ID, p.b.ID, at) }()
	}
	wg.Wait()
	for _, p := range ps {
		if _, err := f.s.Friend(f.ctx, p.a.ID, p.b.ID); chat.ErrorCode(err) != chat.NotFound {
			t.Errorf("%s and %s are friends after a block (err %v)", p.a.Username, p.b.Username, err)
		}
		if reqs, err := f.s.FriendRequests(f.ctx, p.a.ID); err != nil || len(reqs) != 0 {
			t.Errorf("%s has requests after a block: %+v, %v", p.a.Username, reqs, err)
		}
		if bs, err := f.s.Blocks(f.ctx, p.a.ID); err != nil || len(bs) != 1 {
			t.Errorf("%s's blocks = %+v, %v", p.a.Username, bs, err)
		}
	}
}
