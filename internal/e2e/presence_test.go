package e2e

import (
	"testing"
	"time"

	"parley/client"
	"parley/internal/testserver"
)

func onlineIn(t testing.TB, u *testserver.User, room client.RoomID, who client.UserID) (bool, *client.Time) {
	t.Helper()
	ms, err := u.Members(ctxT(t), room)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.UserID == who {
			return m.Online, m.LastSeen
		}
	}
	t.Fatalf("%s is not a member", who)
	return false, nil
}

// waitOnline polls the member list until who's presence is want.
func waitOnline(t testing.TB, u *testserver.User, room client.RoomID, who client.UserID, want bool) *client.Time {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		online, seen := onlineIn(t, u, room, who)
		if online == want {
			return seen
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s online = %v, want %v", who, online, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func testPresence(t *testing.T, a, b *testserver.Server) {
	alice := a.NewUser(t, "alice")
	bob := a.NewUser(t, "bob")
	room := newRoom(t, alice, "presence", bob)
	if online, _ := onlineIn(t, alice, room.ID, bob.ID); online {
		t.Fatal("bob is online before connecting")
	}
	bobB := bob.On(b)
	phone := bobB.Connect(t)
	laptop := bob.Connect(t) // a second device, on the other node
	waitOnline(t, alice, room.ID, bob.ID, true)
	phone.Close()
	if online, _ := onlineIn(t, alice, room.ID, bob.ID); !online {
		t.Fatal("bob went offline while his laptop is still connected")
	}
	before := time.Now().Add(-time.Second)
	laptop.Close()
	seen := waitOnline(t, alice, room.ID, bob.ID, false)
	if seen == nil || seen.Before(before) {
		t.Fatalf("bob's last seen = %v, want about now", seen)
	}
}

func TestPresenceOneNode(t *testing.T) {
	srv := testserver.Start(t)
	testPresence(t, srv, srv)
}

func TestPresenceAcrossNodes(t *testing.T) {
	nodes := testserver.StartCluster(t, 2)
	testPresence(t, nodes[0], nodes[1])
}
