package e2e

import (
	"fmt"
	"slices"
	"sync/atomic"
	"testing"

	"parley/client"
	"parley/internal/testserver"
)

// Public rooms: listed (by name, any case, in pages), joined by anyone at a
// seq, live for the room; private rooms answer as rooms that do not exist;
// only owner and admins change it, each change a system message.
func TestPublicRoomDirectory(t *testing.T) {
	srv := testserver.Start(t, testserver.Strict)
	alice, bob, carol := srv.NewUser(t, "alice"), srv.NewUser(t, "bob"), srv.NewUser(t, "carol")
	ctx := ctxT(t)
	var want []string
	for _, name := range []string{"Go Players", "go nuts", "Gophers", "Rust"} {
		if _, err := alice.CreateRoomWith(ctx, name, "public"); err != nil {
			t.Fatal(err)
		}
		if name != "Rust" {
			want = append(want, name)
		}
	}
	secret := newRoom(t, alice, "go secret")
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		p, err := bob.Directory(ctx, "GO", cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Rooms {
			got = append(got, r.Name)
			if r.Member || r.MemberCount != 1 {
				t.Errorf("entry %+v", r)
			}
		}
		if p.Next == "" {
			break
		}
		cursor = p.Next
		if pages > 3 {
			t.Fatal("paging does not end")
		}
	}
	slices.Sort(want)
	if !slices.Equal(got, []string{"go nuts", "Go Players", "Gophers"}) {
		t.Errorf("directory for GO = %v", got)
	}

	ac := alice.Connect(t)
	bc := bob.Connect(t)
	p, _ := bob.Directory(ctx, "gophers", "", 0)
	room := p.Rooms[0]
	sum, err := bob.JoinRoom(ctx, room.ID)
	if err != nil || sum.ID != room.ID || sum.MemberCount != 2 || sum.Visibility != "public" {
		t.Fatalf("join = %+v, %v", sum, err)
	}
	next(t, bc, isRoomAdded(room.ID))
	msg := next(t, ac, func(ev client.Event) bool { return ev.Type == "message" && ev.Message.RoomID == room.ID }).Message
	if msg.System == nil || msg.System.Type != "members_added" || msg.System.Actor != bob.ID || !slices.Equal(msg.System.Users, []client.UserID{bob.ID}) {
		t.Errorf("join message = %+v", msg.System)
	}
	if again, err := bob.JoinRoom(ctx, room.ID); err != nil || again.ID != room.ID {
		t.Errorf("joining again = %v, %v", again.ID, err)
	}
	if p, _ := bob.Directory(ctx, "gophers", "", 0); !p.Rooms[0].Member {
		t.Errorf("after joining, member = false")
	}
	_, err = carol.JoinRoom(ctx, secret.ID)
	mustCode(t, err, "not_found")

	// Visibility: a member may not change it; an admin makes it private.
	_, err = bob.SetVisibility(ctx, room.ID, "private")
	mustCode(t, err, "forbidden")
	r, err := alice.SetVisibility(ctx, room.ID, "private")
	if err != nil || r.Visibility != "private" {
		t.Fatalf("making it private = %+v, %v", r, err)
	}
	ev := next(t, bc, func(ev client.Event) bool {
		return ev.Type == "message" && ev.Message.System != nil && ev.Message.System.Type == "visibility_changed"
	})
	if ev.Message.System.Visibility != "private" {
		t.Errorf("visibility_changed = %+v", ev.Message.System)
	}
	if ev := next(t, bc, isType("room_updated")); ev.RoomInfo.Visibility != "private" {
		t.Errorf("room_updated = %+v", ev.RoomInfo)
	}
	if p, _ := carol.Directory(ctx, "gophers", "", 0); len(p.Rooms) != 0 {
		t.Errorf("a private room is still listed")
	}
	_, err = carol.JoinRoom(ctx, room.ID)
	mustCode(t, err, "not_found")
	runREST(t, []restCase{
		{"bad visibility", alice, "PATCH", "/api/v1/rooms/" + string(room.ID), `{"visibility":"secret"}`, 400, "invalid"},
		{"bad visibility at creation", alice, "POST", "/api/v1/rooms", `{"name":"x","visibility":"open"}`, 400, "invalid"},
		{"bad limit", bob, "GET", "/api/v1/rooms/directory?limit=51", ``, 400, "invalid"},
		{"bad cursor", bob, "GET", "/api/v1/rooms/directory?cursor=!!", ``, 400, "invalid"},
		{"join a direct room", carol, "POST", "/api/v1/rooms/" + string(mustDirect(t, alice, "carol")) + "/join", ``, 404, "not_found"},
	})
}

func mustDirect(t testing.TB, u *testserver.User, peer string) client.RoomID {
	t.Helper()
	r, err := u.OpenDirect(ctxT(t), peer)
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}

// Invite links: made, listed and revoked by owner and admins; a code
// previews the room's name and size only; its uses are counted; dead codes
// answer like unknown ones.
func TestInviteLinks(t *testing.T) {
	srv := testserver.Start(t, testserver.Strict)
	alice, bob, carol, dave := srv.NewUser(t, "alice"), srv.NewUser(t, "bob"), srv.NewUser(t, "carol"), srv.NewUser(t, "dave")
	ctx := ctxT(t)
	room := newRoom(t, alice, "book club")
	_, err := bob.CreateLink(ctx, room.ID, 0, 0)
	mustCode(t, err, "not_found") // not a member
	link, err := alice.CreateLink(ctx, room.ID, 0, 2)
	if err != nil || len(link.Code) != 22 || link.MaxUses != 2 || link.Uses != 0 {
		t.Fatalf("CreateLink = %+v, %v", link, err)
	}
	p, err := bob.PreviewLink(ctx, link.Code)
	if err != nil || p.Name != "book club" || p.MemberCount != 1 || p.Member || p.RoomID != "" {
		t.Fatalf("preview = %+v, %v", p, err)
	}
	ac := alice.Connect(t)
	if r, err := bob.JoinLink(ctx, link.Code); err != nil || r.ID != room.ID {
		t.Fatalf("bob's join = %+v, %v", r, err)
	}
	next(t, ac, isMembers(room.ID))
	if p, _ := bob.PreviewLink(ctx, link.Code); !p.Member || p.RoomID != room.ID {
		t.Errorf("a member's preview = %+v", p)
	}
	if _, err := bob.JoinLink(ctx, link.Code); err != nil { // a member: no use spent
		t.Fatal(err)
	}
	if _, err := carol.JoinLink(ctx, link.Code); err != nil {
		t.Fatal(err)
	}
	_, err = dave.JoinLink(ctx, link.Code)
	mustCode(t, err, "not_found")
	_, err = dave.PreviewLink(ctx, link.Code)
	mustCode(t, err, "not_found")
	ls, err := alice.Links(ctx, room.ID)
	if err != nil || len(ls) != 1 || ls[0].Uses != 2 {
		t.Fatalf("links = %+v, %v", ls, err)
	}
	_, err = bob.Links(ctx, room.ID)
	mustCode(t, err, "forbidden")

	open, err := alice.CreateLink(ctx, room.ID, time3600, 0)
	if err != nil || open.ExpiresAt == nil {
		t.Fatalf("a link with expiry = %+v, %v", open, err)
	}
	mustCode(t, bob.RevokeLink(ctx, room.ID, open.ID), "forbidden")
	if err := alice.RevokeLink(ctx, room.ID, open.ID); err != nil {
		t.Fatal(err)
	}
	_, err = dave.JoinLink(ctx, open.Code)
	mustCode(t, err, "not_found")
	runREST(t, []restCase{
		{"malformed code", dave, "GET", "/api/v1/links/nope", ``, 404, "not_found"},
		{"unknown code", dave, "POST", "/api/v1/links/AAAAAAAAAAAAAAAAAAAAAA/join", ``, 404, "not_found"},
		{"expiry too short", alice, "POST", "/api/v1/rooms/" + string(room.ID) + "/links", `{"expires_in":5}`, 400, "invalid"},
		{"expiry too long", alice, "POST", "/api/v1/rooms/" + string(room.ID) + "/links", `{"expires_in":99999999999999}`, 400, "invalid"},
		{"negative uses", alice, "POST", "/api/v1/rooms/" + string(room.ID) + "/links", `{"max_uses":-1}`, 400, "invalid"},
		{"wrong type", alice, "POST", "/api/v1/rooms/" + string(room.ID) + "/links", `{"max_uses":"ten"}`, 400, "invalid"},
		{"a direct room", alice, "POST", "/api/v1/rooms/" + string(mustDirect(t, alice, "bob")) + "/links", `{}`, 403, "forbidden"},
		{"revoke unknown", alice, "DELETE", "/api/v1/rooms/" + string(room.ID) + "/links/nope", ``, 404, "not_found"},
		{"accept unknown invite", dave, "POST", "/api/v1/invites/nope/accept", ``, 404, "not_found"},
		{"decline unknown invite", dave, "POST", "/api/v1/invites/nope/decline", ``, 404, "not_found"},
	})
}

const time3600 = 3600_000_000_000 // an hour, as a time.Duration

// A link of three uses, used by nine people on three nodes at once: three
// get in, exactly.
func TestLinkUsesHoldAcrossNodes(t *testing.T) {
	nodes := threeNodes(t, testserver.Strict)
	alice := nodes[0].NewUser(t, "alice")
	ctx := ctxT(t)
	room := newRoom(t, alice, "limited")
	link, err := alice.CreateLink(ctx, room.ID, 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	var users []*testserver.User
	for i := range 9 {
		users = append(users, nodes[i%3].NewUser(t, fmt.Sprintf("joiner%d", i)))
	}
	var joined, refused atomic.Int32
	done := make(chan error, len(users))
	for _, u := range users {
		go func() {
			_, err := u.JoinLink(ctx, link.Code)
			switch client.ErrorCode(err) {
			case "":
				joined.Add(1)
			case "not_found":
				refused.Add(1)
			default:
				done <- err
				return
			}
			done <- nil
		}()
	}
	for range users {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	r, _ := alice.Room(ctx, room.ID)
	if joined.Load() != 3 || refused.Load() != 6 || r.MemberCount != 4 {
		t.Errorf("%d joined, %d refused, %d members; want 3, 6, 4", joined.Load(), refused.Load(), r.MemberCount)
	}
}
