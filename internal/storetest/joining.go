package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"parley/internal/chat"
)

// The ways into a room without an invite: the public directory, invite
// links, and the limits AddMembers must hold under concurrency
// (docs/decisions/0020-consent.md).

func (f *fixture) publicGroup(creator chat.User, name string) chat.Room {
	f.t.Helper()
	nr := f.newGroup(creator, name)
	nr.Visibility = chat.Public
	r, _ := f.create(nr)
	return r
}

func dirNames(rooms []chat.DirectoryRoom) []string {
	var out []string
	for _, r := range rooms {
		out = append(out, r.Name)
	}
	return out
}

func testDirectory(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	var names []string
	for i := range 7 {
		name := fmt.Sprintf("Go room %d", i)
		f.publicGroup(alice, name)
		names = append(names, name)
	}
	f.publicGroup(alice, "Rust")
	f.create(f.newGroup(alice, "Go private")) // never listed
	ten := f.publicGroup(alice, "go team")
	names = append(names, "go team")

	dir := func(q chat.DirectoryQuery) []chat.DirectoryRoom {
		t.Helper()
		rs, err := f.s.Directory(f.ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	// Pages of three by name, any case, each after the last of the one before.
	var got []string
	q := chat.DirectoryQuery{Viewer: bob.ID, Prefix: "go", Limit: 3}
	for {
		page := dir(q)
		got = append(got, dirNames(page)...)
		if len(page) < q.Limit {
			break
		}
		last := page[len(page)-1]
		q.After = chat.DirectoryCursor{NameKey: last.NameKey, ID: last.ID}
	}
	if !slices.Equal(got, names) {
		t.Errorf("paging the directory for go: %v, want %v", got, names)
	}
	if all := dir(chat.DirectoryQuery{Viewer: bob.ID, Limit: 50}); len(all) != 9 {
		t.Errorf("the whole directory has %d rooms, want 9: %v", len(all), dirNames(all))
	}
	if rs := dir(chat.DirectoryQuery{Viewer: alice.ID, Prefix: "go t", Limit: 5}); len(rs) != 1 || rs[0].ID != ten.ID || !rs[0].Member || rs[0].MemberCount != 1 {
		t.Errorf("alice's search for 'go t' = %+v", rs)
	}
	if rs := dir(chat.DirectoryQuery{Viewer: bob.ID, Prefix: "go t", Limit: 5}); len(rs) != 1 || rs[0].Member {
		t.Errorf("bob's search for 'go t' = %+v", rs)
	}

	// Renaming moves a room in the directory; making it private takes it out.
	name, priv := "Zig", chat.Private
	if _, _, err := f.s.UpdateRoom(f.ctx, ten.ID, chat.RoomUpdate{Name: &name},
		f.system(chat.SystemEvent{Type: chat.RoomRenamed, Actor: alice.ID, Name: name})); err != nil {
		t.Fatal(err)
	}
	if rs := dir(chat.DirectoryQuery{Viewer: bob.ID, Prefix: "zi", Limit: 5}); len(rs) != 1 || rs[0].Name != "Zig" {
		t.Errorf("after the rename, 'zi' finds %v", dirNames(rs))
	}
	r, _, err := f.s.UpdateRoom(f.ctx, ten.ID, chat.RoomUpdate{Visibility: &priv},
		f.system(chat.SystemEvent{Type: chat.VisibilityChanged, Actor: alice.ID, Visibility: priv}))
	if err != nil || r.Visibility != chat.Private || r.Name != "Zig" {
		t.Fatalf("making it private = %+v, %v", r, err)
	}
	if rs := dir(chat.DirectoryQuery{Viewer: bob.ID, Prefix: "zi", Limit: 5}); len(rs) != 0 {
		t.Errorf("a private room is listed: %v", dirNames(rs))
	}

	// Only a public room admits someone by themselves.
	_, err = f.s.AddMembers(f.ctx, chat.Admission{Room: ten.ID, Users: []chat.UserID{bob.ID}, Message: f.joinMsg(ten.ID, bob.ID), PublicOnly: true})
	wantCode(t, "joining a private room", err, chat.NotFound)
	rust := dir(chat.DirectoryQuery{Viewer: bob.ID, Prefix: "rust", Limit: 1})[0]
	if _, err := f.s.AddMembers(f.ctx, chat.Admission{Room: rust.ID, Users: []chat.UserID{bob.ID}, Message: f.joinMsg(rust.ID, bob.ID), PublicOnly: true}); err != nil {
		t.Errorf("joining a public room: %v", err)
	}
}

func (f *fixture) link(room chat.Room, by chat.User, maxUses int, expires *time.Time) chat.Link {
	f.t.Helper()
	l, err := f.s.CreateLink(f.ctx, chat.NewLink{ID: newID(), Room: room.ID, Code: newID(), CreatedBy: by.ID,
		CreatedAt: f.tick(), MaxUses: maxUses, ExpiresAt: expires}, 50)
	if err != nil {
		f.t.Fatalf("CreateLink: %v", err)
	}
	return l
}

func testLinks(t *testing.T, f *fixture) {
	alice, bob, carol := f.user("alice"), f.user("bob"), f.user("carol")
	room := f.group(alice)
	soon := f.now.Add(time.Hour)
	l1 := f.link(room, alice, 0, nil)
	l2 := f.link(room, alice, 1, &soon)
	if l2.MaxUses != 1 || l2.Uses != 0 || l2.ExpiresAt == nil || l2.RoomID != room.ID || l2.CreatedBy != alice.ID {
		t.Errorf("CreateLink = %+v", l2)
	}
	checkTime(t, "ExpiresAt", l2.ExpiresAt.Time, soon)
	ls, err := f.s.Links(f.ctx, room.ID)
	if err != nil || len(ls) != 2 || ls[0].ID != l2.ID || ls[1].ID != l1.ID {
		t.Fatalf("Links = %+v, %v; want newest first", ls, err)
	}
	if got, err := f.s.LinkByCode(f.ctx, l1.Code); err != nil || got.ID != l1.ID {
		t.Errorf("LinkByCode = %+v, %v", got, err)
	}
	_, err = f.s.LinkByCode(f.ctx, "no-such-code")
	wantCode(t, "LinkByCode of nothing", err, chat.NotFound)

	// A use is counted by the join; a used-up link admits nobody more and
	// the refused join leaves no trace.
	join := func(u chat.User, l chat.Link, at time.Time) error {
		m := f.joinMsg(room.ID, u.ID)
		m.CreatedAt = at
		_, err := f.s.AddMembers(f.ctx, chat.Admission{Room: room.ID, Users: []chat.UserID{u.ID}, Message: m, LinkCode: l.Code})
		return err
	}
	if err := join(bob, l2, f.tick()); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.s.LinkByCode(f.ctx, l2.Code); got.Uses != 1 {
		t.Errorf("uses after a join = %d", got.Uses)
	}
	wantCode(t, "a used-up link", join(carol, l2, f.tick()), chat.NotFound)
	// A member already in spends no use: the refusal rolls it back.
	wantCode(t, "a member joining again", join(bob, l1, f.tick()), chat.Conflict)
	if got, _ := f.s.LinkByCode(f.ctx, l1.Code); got.Uses != 0 {
		t.Errorf("a refused join spent a use: %d", got.Uses)
	}
	// Expiry is judged by the join's own time.
	l3 := f.link(room, alice, 0, &soon)
	wantCode(t, "an expired link", join(carol, l3, soon.Add(time.Second)), chat.NotFound)
	if err := join(carol, l3, soon.Add(-time.Second)); err != nil {
		t.Errorf("a link before its expiry: %v", err)
	}
	if r := f.room(room.ID); r.MemberCount != 3 {
		t.Errorf("member count %d, want 3", r.MemberCount)
	}

	wantCode(t, "revoking a link of another room", f.s.RevokeLink(f.ctx, f.group(alice).ID, l1.ID), chat.NotFound)
	if err := f.s.RevokeLink(f.ctx, room.ID, l1.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "revoking twice", f.s.RevokeLink(f.ctx, room.ID, l1.ID), chat.NotFound)
	_, err = f.s.LinkByCode(f.ctx, l1.Code)
	wantCode(t, "a revoked code", err, chat.NotFound)

	// The cap counts live links: used-up and expired ones are cleared first.
	other := f.group(alice)
	mk := func(max int) error {
		_, err := f.s.CreateLink(f.ctx, chat.NewLink{ID: newID(), Room: other.ID, Code: newID(), CreatedBy: alice.ID,
			CreatedAt: f.tick(), MaxUses: 1}, max)
		return err
	}
	for range 2 {
		if err := mk(2); err != nil {
			t.Fatal(err)
		}
	}
	wantCode(t, "a third link under a cap of two", mk(2), chat.Forbidden)
	ls, _ = f.s.Links(f.ctx, other.ID)
	m := f.joinMsg(other.ID, bob.ID)
	if _, err := f.s.AddMembers(f.ctx, chat.Admission{Room: other.ID, Users: []chat.UserID{bob.ID}, Message: m, LinkCode: ls[0].Code}); err != nil {
		t.Fatal(err)
	}
	if err := mk(2); err != nil {
		t.Errorf("after a link was used up, a new one: %v", err)
	}
}

// Twenty people use a link of five uses at once: five get in, exactly.
func testLinkUsesUnderConcurrency(t *testing.T, f *fixture) {
	alice := f.user("alice")
	room := f.group(alice)
	l := f.link(room, alice, 5, nil)
	var users []chat.User
	for i := range 20 {
		users = append(users, f.user(fmt.Sprintf("joiner%d", i)))
	}
	msgs := make([]chat.NewMessage, len(users))
	for i, u := range users {
		msgs[i] = f.joinMsg(room.ID, u.ID)
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		joined  int
		refused []error
	)
	for i, u := range users {
		wg.Go(func() {
			_, err := f.s.AddMembers(f.ctx, chat.Admission{Room: room.ID, Users: []chat.UserID{u.ID}, Message: msgs[i], LinkCode: l.Code})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				joined++
			} else if chat.ErrorCode(err) != chat.NotFound {
				refused = append(refused, err)
			}
		})
	}
	wg.Wait()
	if len(refused) > 0 {
		t.Fatalf("joins failed other than NotFound: %v", refused)
	}
	got, _ := f.s.LinkByCode(f.ctx, l.Code)
	if joined != 5 || got.Uses != 5 || f.room(room.ID).MemberCount != 6 {
		t.Errorf("%d joined, link uses %d, members %d; want 5, 5, 6", joined, got.Uses, f.room(room.ID).MemberCount)
	}
}

// One user joins ten rooms at once with a quota of three; ten users join a
// room with space for four: the limits hold exactly.
func testLimitsUnderConcurrency(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	var rooms []chat.Room
	for range 10 {
		rooms = append(rooms, f.publicGroup(alice, "r"))
	}
	msgs := make([]chat.NewMessage, len(rooms))
	for i, r := range rooms {
		msgs[i] = f.joinMsg(r.ID, bob.ID)
	}
	run := func(n int, fn func(i int) error) (ok int, bad []error) {
		var (
			wg sync.WaitGroup
			mu sync.Mutex
		)
		for i := range n {
			wg.Go(func() {
				err := fn(i)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case chat.ErrorCode(err) != chat.Forbidden:
					bad = append(bad, err)
				}
			})
		}
		wg.Wait()
		return ok, bad
	}
	ok, bad := run(len(rooms), func(i int) error {
		_, err := f.s.AddMembers(f.ctx, chat.Admission{Room: rooms[i].ID, Users: []chat.UserID{bob.ID}, Message: msgs[i], MaxRooms: 3, PublicOnly: true})
		return err
	})
	if n, _ := f.s.CountRoomsForUser(f.ctx, bob.ID); ok != 3 || n != 3 || len(bad) > 0 {
		t.Errorf("bob joined %d (is in %d) of ten rooms under a quota of 3; other errors %v", ok, n, bad)
	}
	// The quota's refusal says which limit.
	fresh := f.group(alice)
	_, err := f.s.AddMembers(f.ctx, chat.Admission{Room: fresh.ID, Users: []chat.UserID{bob.ID}, Message: f.joinMsg(fresh.ID, bob.ID), MaxRooms: 3})
	if !errorIs(err, chat.ErrRoomQuota) {
		t.Errorf("over the quota: %v, want ErrRoomQuota", err)
	}
	nr := f.newGroup(alice, "more", bob)
	nr.MaxRoomsPerUser = 3
	_, _, err = f.s.CreateRoom(f.ctx, nr)
	if !errorIs(err, chat.ErrRoomQuota) {
		t.Errorf("CreateRoom with bob over the quota: %v, want ErrRoomQuota", err)
	}

	room := f.publicGroup(alice, "small") // alice: 1 member, space for 4 more
	var joiners []chat.User
	for i := range 10 {
		joiners = append(joiners, f.user(fmt.Sprintf("j%d", i)))
	}
	jm := make([]chat.NewMessage, len(joiners))
	for i, u := range joiners {
		jm[i] = f.joinMsg(room.ID, u.ID)
	}
	ok, bad = run(len(joiners), func(i int) error {
		_, err := f.s.AddMembers(f.ctx, chat.Admission{Room: room.ID, Users: []chat.UserID{joiners[i].ID}, Message: jm[i], MaxMembers: 5, PublicOnly: true})
		return err
	})
	if r := f.room(room.ID); ok != 4 || r.MemberCount != 5 || len(bad) > 0 {
		t.Errorf("%d of ten joined a room with space for 4, member count %d; other errors %v", ok, r.MemberCount, bad)
	}
	_, err = f.s.AddMembers(f.ctx, chat.Admission{Room: room.ID, Users: []chat.UserID{bob.ID}, Message: f.joinMsg(room.ID, bob.ID), MaxMembers: 5})
	if !errorIs(err, chat.ErrRoomFull) {
		t.Errorf("joining a full room: %v, want ErrRoomFull", err)
	}
}

func errorIs(err, target error) bool { return errors.Is(err, target) }
