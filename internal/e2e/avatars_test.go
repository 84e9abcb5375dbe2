package e2e

import (
	"bytes"
	"testing"

	"parley/client"
	"parley/internal/testserver"
)

func isProfileOf(id client.UserID) func(client.Event) bool {
	return func(ev client.Event) bool { return ev.Type == "profile_updated" && ev.Profile.ID == id }
}

func testAvatar(t *testing.T, a, b *testserver.Server) {
	alice := a.NewUser(t, "alice")
	bobA := a.NewUser(t, "bob")
	carol := a.NewUser(t, "carol") // shares no room with alice
	bob := bobA.On(b)
	room := newRoom(t, alice, "friends", bobA)
	bc := bob.Connect(t)
	phone := alice.On(b).Connect(t)
	ctx := ctxT(t)

	u, err := alice.SetAvatar(ctx, "me.jpg", bytes.NewReader(jpegOf(t, gradient(800, 600))))
	if err != nil {
		t.Fatal(err)
	}
	if u.AvatarURL == "" || u.ID != alice.ID {
		t.Fatalf("SetAvatar = %+v", u)
	}
	// Live, to a room member and to alice's other device, on the other node.
	if ev := next(t, bc, isProfileOf(alice.ID)); ev.Profile.AvatarURL != u.AvatarURL {
		t.Fatalf("bob's profile_updated = %+v", ev.Profile)
	}
	if ev := next(t, phone, isProfileOf(alice.ID)); ev.Profile.AvatarURL != u.AvatarURL {
		t.Fatalf("alice's phone's profile_updated = %+v", ev.Profile)
	}
	// The user JSON everywhere carries it.
	if me, err := alice.Me(ctx); err != nil || me.AvatarURL != u.AvatarURL {
		t.Fatalf("me = %+v, %v", me, err)
	}
	if other, err := bob.Client.User(ctx, "alice"); err != nil || other.AvatarURL != u.AvatarURL {
		t.Fatalf("user = %+v, %v", other, err)
	}
	checkMemberAvatar(t, bob, room.ID, alice.ID, u.AvatarURL)
	// Any signed-in user may see an avatar: a 256 px square, re-encoded.
	data, h := download(t, carol, u.AvatarURL)
	img, format := decodeImage(t, data)
	if bb := img.Bounds(); format != "jpeg" || bb.Dx() != 256 || bb.Dy() != 256 {
		t.Fatalf("avatar is %s %v, want a 256×256 jpeg", format, bb)
	}
	wantHeader(t, h, "Content-Type", "image/jpeg")
	wantHeader(t, h, "X-Content-Type-Options", "nosniff")
	_, err = a.Client().Fetch(ctx, u.AvatarURL, nil)
	mustCode(t, err, "unauthorized")

	// A small image stays small; a transparent one stays transparent.
	u2, err := alice.SetAvatar(ctx, "dot.gif", bytes.NewReader(transparentGIF(t, 40, 60)))
	if err != nil {
		t.Fatal(err)
	}
	next(t, bc, isProfileOf(alice.ID))
	img, format = decodeImage(t, download2(t, carol, u2.AvatarURL))
	if bb := img.Bounds(); format != "png" || bb.Dx() != 40 || bb.Dy() != 40 {
		t.Fatalf("avatar is %s %v, want a 40×40 png", format, bb)
	}

	// Not an image: refused, and the avatar stays.
	_, err = alice.SetAvatar(ctx, "me.png", bytes.NewReader([]byte("<html>not an image</html>")))
	mustCode(t, err, "invalid")
	if me, _ := alice.Me(ctx); me.AvatarURL != u2.AvatarURL {
		t.Fatalf("avatar after a refused upload = %q, want %q", me.AvatarURL, u2.AvatarURL)
	}

	cleared, err := alice.DeleteAvatar(ctx)
	if err != nil || cleared.AvatarURL != "" {
		t.Fatalf("DeleteAvatar = %+v, %v", cleared, err)
	}
	if ev := next(t, bc, isProfileOf(alice.ID)); ev.Profile.AvatarURL != "" {
		t.Fatalf("profile_updated after delete = %+v", ev.Profile)
	}
	checkMemberAvatar(t, bob, room.ID, alice.ID, "")
}

func checkMemberAvatar(t testing.TB, viewer *testserver.User, room client.RoomID, who client.UserID, want string) {
	t.Helper()
	members, err := viewer.Members(ctxT(t), room)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		if m.UserID == who && m.AvatarURL != want {
			t.Errorf("member %s: avatar_url %q, want %q", m.Username, m.AvatarURL, want)
		}
	}
}

func download2(t testing.TB, u *testserver.User, path string) []byte {
	t.Helper()
	data, _ := download(t, u, path)
	return data
}

func TestAvatarOneNode(t *testing.T) {
	srv := testserver.Start(t)
	testAvatar(t, srv, srv)
}

func TestAvatarAcrossNodes(t *testing.T) {
	nodes := testserver.StartCluster(t, 2)
	testAvatar(t, nodes[0], nodes[1])
}
