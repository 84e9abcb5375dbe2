package chat_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"parley/internal/chat"
)

// Every size and count limit: at the limit is allowed, one past it is
// refused with the code clients see.
func TestLimits(t *testing.T) {
	cases := []struct {
		name   string
		limits chat.Limits
		check  func(t *testing.T, d *domain)
	}{
		{"message length, in characters", chat.Limits{MaxMessageLen: 10}, func(t *testing.T, d *domain) {
			a := d.user("alice")
			r, err := d.svc.CreateGroup(t.Context(), a, "r", nil, chat.Private)
			d.must(err)
			m, err := d.svc.Send(t.Context(), a, chat.SendRequest{RoomID: r.ID, Text: strings.Repeat("é", 10)})
			wantCode(t, "10 characters", err, "")
			_, err = d.svc.Send(t.Context(), a, chat.SendRequest{RoomID: r.ID, Text: strings.Repeat("é", 11)})
			wantCode(t, "11 characters", err, chat.Invalid)
			_, err = d.svc.Edit(t.Context(), a, r.ID, m.Seq, strings.Repeat("é", 11))
			wantCode(t, "edit to 11 characters", err, chat.Invalid)
		}},
		{"room name", chat.Limits{MaxRoomNameLen: 8}, func(t *testing.T, d *domain) {
			a := d.user("alice")
			r, err := d.svc.CreateGroup(t.Context(), a, strings.Repeat("n", 8), nil, chat.Private)
			wantCode(t, "8 characters", err, "")
			_, err = d.svc.CreateGroup(t.Context(), a, strings.Repeat("n", 9), nil, chat.Private)
			wantCode(t, "9 characters", err, chat.Invalid)
			long := strings.Repeat("n", 9)
			_, err = d.svc.UpdateRoom(t.Context(), a, r.ID, chat.RoomUpdate{Name: &long})
			wantCode(t, "rename to 9 characters", err, chat.Invalid)
			blank := "   "
			_, err = d.svc.UpdateRoom(t.Context(), a, r.ID, chat.RoomUpdate{Name: &blank})
			wantCode(t, "rename to blank", err, chat.Invalid)
		}},
		{"announcement", chat.Limits{MaxAnnouncementLen: 5}, func(t *testing.T, d *domain) {
			a := d.user("alice")
			r, err := d.svc.CreateGroup(t.Context(), a, "r", nil, chat.Private)
			d.must(err)
			ok, long := "12345", "123456"
			_, err = d.svc.UpdateRoom(t.Context(), a, r.ID, chat.RoomUpdate{Announcement: &ok})
			wantCode(t, "5 characters", err, "")
			_, err = d.svc.UpdateRoom(t.Context(), a, r.ID, chat.RoomUpdate{Announcement: &long})
			wantCode(t, "6 characters", err, chat.Invalid)
		}},
		{"members of a room", chat.Limits{MaxRoomMembers: 3}, func(t *testing.T, d *domain) {
			a := d.user("alice")
			d.user("bob")
			d.user("carol")
			d.user("dave")
			r, err := d.svc.CreateGroup(t.Context(), a, "three", []string{"bob", "carol"}, chat.Private)
			wantCode(t, "create with 3 members", err, "")
			_, err = d.svc.CreateGroup(t.Context(), a, "four", []string{"bob", "carol", "dave"}, chat.Private)
			wantCode(t, "create with 4 members", err, chat.Invalid)
			_, err = d.svc.Invite(t.Context(), a, r.ID, []string{"dave"})
			wantCode(t, "invite a 4th", err, chat.Forbidden)
		}},
		{"rooms per user", chat.Limits{MaxRoomsPerUser: 2}, func(t *testing.T, d *domain) {
			a, b := d.user("alice"), d.user("bob")
			for i := range 2 {
				_, err := d.svc.CreateGroup(t.Context(), a, fmt.Sprint("r", i), nil, chat.Private)
				wantCode(t, fmt.Sprint("room ", i+1), err, "")
			}
			_, err := d.svc.CreateGroup(t.Context(), a, "third", nil, chat.Private)
			wantCode(t, "a 3rd room", err, chat.Forbidden)
			r, err := d.svc.CreateGroup(t.Context(), b, "bobs", nil, chat.Private)
			d.must(err)
			_, err = d.svc.Invite(t.Context(), b, r.ID, []string{"alice"})
			wantCode(t, "invited into a 3rd room", err, chat.Forbidden)
		}},
		{"users named in one request", chat.Limits{MaxInvite: 2}, func(t *testing.T, d *domain) {
			a := d.user("alice")
			for _, n := range []string{"bob", "carol", "dave"} {
				d.user(n)
			}
			r, err := d.svc.CreateGroup(t.Context(), a, "two", []string{"bob", "carol"}, chat.Private)
			wantCode(t, "create naming 2", err, "")
			_, err = d.svc.CreateGroup(t.Context(), a, "three", []string{"bob", "carol", "dave"}, chat.Private)
			wantCode(t, "create naming 3", err, chat.Invalid)
			_, err = d.svc.Invite(t.Context(), a, r.ID, []string{"dave", "erin", "frank"})
			wantCode(t, "invite naming 3", err, chat.Invalid)
		}},
		{"invite links per room", chat.Limits{MaxLinksPerRoom: 2}, func(t *testing.T, d *domain) {
			a := d.user("alice")
			r, err := d.svc.CreateGroup(t.Context(), a, "r", nil, chat.Private)
			d.must(err)
			for i := range 2 {
				_, err := d.svc.CreateLink(t.Context(), a, r.ID, chat.LinkRequest{})
				wantCode(t, fmt.Sprint("link ", i+1), err, "")
			}
			_, err = d.svc.CreateLink(t.Context(), a, r.ID, chat.LinkRequest{})
			wantCode(t, "a 3rd link", err, chat.Forbidden)
		}},
		{"pins per room", chat.Limits{MaxPinsPerRoom: 2}, func(t *testing.T, d *domain) {
			a := d.user("alice")
			r, err := d.svc.CreateGroup(t.Context(), a, "r", nil, chat.Private)
			d.must(err)
			seqs := []int64{d.send(a, r.ID, "one").Seq, d.send(a, r.ID, "two").Seq, d.send(a, r.ID, "three").Seq}
			for _, seq := range seqs[:2] {
				_, err := d.svc.Pin(t.Context(), a, r.ID, seq)
				wantCode(t, fmt.Sprint("pin ", seq), err, "")
			}
			_, err = d.svc.Pin(t.Context(), a, r.ID, seqs[0])
			wantCode(t, "the 1st again", err, "")
			_, err = d.svc.Pin(t.Context(), a, r.ID, seqs[2])
			wantCode(t, "a 3rd pin", err, chat.Conflict)
			_, err = d.svc.Delete(t.Context(), a, r.ID, seqs[0])
			d.must(err)
			_, err = d.svc.Pin(t.Context(), a, r.ID, seqs[2])
			wantCode(t, "a 3rd pin after a pinned message was deleted", err, "")
		}},
		{"different emojis on a message", chat.Limits{MaxReactionEmojis: 2}, func(t *testing.T, d *domain) {
			a := d.user("alice")
			r, err := d.svc.CreateGroup(t.Context(), a, "r", nil, chat.Private)
			d.must(err)
			m := d.send(a, r.ID, "react to me")
			for _, e := range []string{"👍", "🎉"} {
				_, err := d.svc.React(t.Context(), a, chat.ReactRequest{RoomID: r.ID, Seq: m.Seq, Emoji: e, On: true})
				wantCode(t, e, err, "")
			}
			_, err = d.svc.React(t.Context(), a, chat.ReactRequest{RoomID: r.ID, Seq: m.Seq, Emoji: "❤️", On: true})
			wantCode(t, "a 3rd emoji", err, chat.Conflict)
		}},
		{"mentions resolved in one message", chat.Limits{MaxMentions: 2}, func(t *testing.T, d *domain) {
			a := d.user("alice")
			for _, n := range []string{"bob", "carol", "dave"} {
				d.user(n)
			}
			r, err := d.svc.CreateGroup(t.Context(), a, "r", []string{"bob", "carol", "dave"}, chat.Private)
			d.must(err)
			m := d.send(a, r.ID, "@bob @carol @dave look")
			if len(m.Mentions) != 2 {
				t.Errorf("mentions = %v, want the first 2 (the rest stay text)", m.Mentions)
			}
		}},
		{"pending invites one user holds", chat.Limits{MaxPendingInvites: 2}, func(t *testing.T, d *domain) {
			shy, err := d.store.CreateUser(t.Context(), chat.NewUser{ID: "shy-id", Username: "shy", DisplayName: "shy",
				PasswordHash: "x", CreatedAt: d.clock.Now(), WhoMayAdd: chat.AddFriends})
			d.must(err)
			for i := range 3 {
				_, err := d.svc.CreateGroup(t.Context(), d.user(fmt.Sprint("inviter", i)), fmt.Sprint("r", i), []string{"shy"}, chat.Private)
				wantCode(t, fmt.Sprint("invite ", i+1), err, "")
				d.clock.Advance(time.Second)
			}
			invs, err := d.svc.Invites(t.Context(), shy.ID)
			d.must(err)
			var names []string
			for _, in := range invs {
				names = append(names, in.Room.Name)
			}
			if len(names) != 2 || strings.Contains(strings.Join(names, ","), "r0") {
				t.Errorf("pending invites = %v, want the newest 2", names)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.check(t, newDomain(t, c.limits))
		})
	}
}

// Every rate limit: a burst passes, the next is refused with rate_limited,
// and once the fake clock has moved on by one token's refill, one more
// passes. No sleeps: the limiter reads the domain's clock.
func TestRateLimits(t *testing.T) {
	cases := []struct {
		name   string
		limits chat.Limits
		burst  int
		refill time.Duration
		// setup returns the act, called burst+2 times with 0, 1, 2, ...
		setup func(t *testing.T, d *domain) func(i int) error
	}{
		{"sends", chat.Limits{MessagesPerSecond: 1, MessageBurst: 3}, 3, time.Second, func(t *testing.T, d *domain) func(int) error {
			a := d.user("alice")
			r, err := d.svc.CreateGroup(t.Context(), a, "r", nil, chat.Private)
			d.must(err)
			return func(int) error {
				_, err := d.svc.Send(t.Context(), a, chat.SendRequest{RoomID: r.ID, Text: "x"})
				return err
			}
		}},
		{"edits share the sends' bucket", chat.Limits{MessagesPerSecond: 1, MessageBurst: 3}, 2, time.Second, func(t *testing.T, d *domain) func(int) error {
			a := d.user("alice")
			r, err := d.svc.CreateGroup(t.Context(), a, "r", nil, chat.Private)
			d.must(err)
			m := d.send(a, r.ID, "x")
			return func(i int) error {
				_, err := d.svc.Edit(t.Context(), a, r.ID, m.Seq, fmt.Sprint("edit ", i))
				return err
			}
		}},
		{"reactions", chat.Limits{ReactionsPerSecond: 1, ReactionBurst: 3}, 3, time.Second, func(t *testing.T, d *domain) func(int) error {
			a := d.user("alice")
			r, err := d.svc.CreateGroup(t.Context(), a, "r", nil, chat.Private)
			d.must(err)
			m := d.send(a, r.ID, "x")
			return func(i int) error {
				_, err := d.svc.React(t.Context(), a, chat.ReactRequest{RoomID: r.ID, Seq: m.Seq, Emoji: "👍", On: i%2 == 0})
				return err
			}
		}},
		{"pins and unpins", chat.Limits{PinsPerSecond: 1, PinBurst: 3}, 3, time.Second, func(t *testing.T, d *domain) func(int) error {
			a := d.user("alice")
			r, err := d.svc.CreateGroup(t.Context(), a, "r", nil, chat.Private)
			d.must(err)
			m := d.send(a, r.ID, "x")
			return func(i int) error {
				if i%2 == 0 {
					_, err := d.svc.Pin(t.Context(), a, r.ID, m.Seq)
					return err
				}
				return d.svc.Unpin(t.Context(), a, r.ID, m.Seq)
			}
		}},
		{"group rooms created", chat.Limits{RoomCreatesPerSecond: 1, RoomCreateBurst: 2}, 2, time.Second, func(t *testing.T, d *domain) func(int) error {
			a := d.user("alice")
			return func(i int) error {
				_, err := d.svc.CreateGroup(t.Context(), a, fmt.Sprint("r", i), nil, chat.Private)
				return err
			}
		}},
		{"people invited", chat.Limits{InvitesPerSecond: 1, InviteBurst: 2}, 2, time.Second, func(t *testing.T, d *domain) func(int) error {
			a := d.user("alice")
			r, err := d.svc.CreateGroup(t.Context(), a, "r", nil, chat.Private)
			d.must(err)
			return func(i int) error {
				d.user(fmt.Sprint("guest", i))
				_, err := d.svc.Invite(t.Context(), a, r.ID, []string{fmt.Sprint("guest", i)})
				return err
			}
		}},
		{"new 1:1 rooms", chat.Limits{DirectsPerSecond: 1, DirectBurst: 2}, 2, time.Second, func(t *testing.T, d *domain) func(int) error {
			a := d.user("alice")
			return func(i int) error {
				d.user(fmt.Sprint("peer", i))
				_, _, err := d.svc.OpenDirect(t.Context(), a, fmt.Sprint("peer", i))
				return err
			}
		}},
		{"public rooms joined", chat.Limits{JoinsPerSecond: 1, JoinBurst: 2}, 2, time.Second, func(t *testing.T, d *domain) func(int) error {
			a := d.user("alice")
			return func(i int) error {
				owner := d.user(fmt.Sprint("owner", i))
				r, err := d.svc.CreateGroup(t.Context(), owner, fmt.Sprint("public", i), nil, chat.Public)
				d.must(err)
				_, _, err = d.svc.JoinPublic(t.Context(), a, r.ID)
				return err
			}
		}},
		{"user searches", chat.Limits{SearchesPerSecond: 1, SearchBurst: 2}, 2, time.Second, func(t *testing.T, d *domain) func(int) error {
			a := d.user("alice")
			return func(int) error {
				_, err := d.svc.SearchUsers(t.Context(), a, "bob", 10)
				return err
			}
		}},
		{"room directory pages", chat.Limits{SearchesPerSecond: 1, SearchBurst: 2}, 2, time.Second, func(t *testing.T, d *domain) func(int) error {
			a := d.user("alice")
			return func(int) error {
				_, err := d.svc.Directory(t.Context(), a, "", "", 10)
				return err
			}
		}},
		{"friend requests (fixed: 20, then 1 a second)", chat.Limits{}, 20, time.Second, func(t *testing.T, d *domain) func(int) error {
			a := d.user("alice")
			return func(i int) error {
				d.user(fmt.Sprint("friend", i))
				_, err := d.svc.RequestFriend(t.Context(), a, fmt.Sprint("friend", i))
				return err
			}
		}},
		{"profile changes (fixed: 10, then 1 a second)", chat.Limits{}, 10, time.Second, func(t *testing.T, d *domain) func(int) error {
			a := d.user("alice")
			return func(i int) error {
				status := fmt.Sprint("status ", i)
				_, err := d.svc.UpdateProfile(t.Context(), a, chat.ProfileUpdate{StatusMessage: &status})
				return err
			}
		}},
		{"invite link previews", chat.Limits{SearchesPerSecond: 1, SearchBurst: 2}, 2, time.Second, func(t *testing.T, d *domain) func(int) error {
			owner := d.user("owner")
			r, err := d.svc.CreateGroup(t.Context(), owner, "linked", nil, chat.Private)
			d.must(err)
			l, err := d.svc.CreateLink(t.Context(), owner, r.ID, chat.LinkRequest{})
			d.must(err)
			a := d.user("alice")
			return func(int) error {
				_, err := d.svc.PreviewLink(t.Context(), a, l.Code)
				return err
			}
		}},
		{"signups per address", chat.Limits{SignupsPerAddress: 2, SignupWindow: time.Hour}, 2, 30 * time.Minute, func(t *testing.T, d *domain) func(int) error {
			return func(i int) error {
				_, err := d.accounts().Signup(t.Context(), chat.SignupRequest{Username: fmt.Sprint("new", i), Password: "correct horse", Addr: "192.0.2.1"})
				return err
			}
		}},
		{"wrong passwords per username and address", chat.Limits{LoginFailures: 2, LoginWindow: time.Minute}, 2, 30 * time.Second, func(t *testing.T, d *domain) func(int) error {
			_, err := d.accounts().Signup(t.Context(), chat.SignupRequest{Username: "alice", Password: "correct horse"})
			d.must(err)
			return func(int) error {
				_, err := d.accounts().Login(t.Context(), chat.LoginRequest{Username: "alice", Password: "wrong horse", Addr: "192.0.2.1"})
				if chat.ErrorCode(err) == chat.Unauthorized {
					return nil // a wrong guess that was checked
				}
				return err
			}
		}},
		{"WebSocket tickets per session", chat.Limits{}, 30, time.Second, func(t *testing.T, d *domain) func(int) error {
			token, err := d.accounts().IssueToken(t.Context(), d.user("alice"))
			d.must(err)
			s, err := d.accounts().Authenticate(t.Context(), token)
			d.must(err)
			return func(int) error {
				_, _, err := d.accounts().IssueTicket(t.Context(), s)
				return err
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			d := newDomain(t, c.limits)
			act := c.setup(t, d)
			for i := range c.burst {
				wantCode(t, fmt.Sprintf("%d of a burst of %d", i+1, c.burst), act(i), "")
			}
			wantCode(t, "past the burst", act(c.burst), chat.RateLimited)
			d.clock.Advance(c.refill)
			wantCode(t, "after one refill", act(c.burst+1), "")
		})
	}
}

// Reactions and sends are limited separately: a user out of reactions still
// sends.
func TestReactionsAndSendsHaveTheirOwnBuckets(t *testing.T) {
	d := newDomain(t, chat.Limits{ReactionsPerSecond: 0.001, ReactionBurst: 1})
	a := d.user("alice")
	r, err := d.svc.CreateGroup(t.Context(), a, "r", nil, chat.Private)
	d.must(err)
	m := d.send(a, r.ID, "x")
	react := func() error {
		_, err := d.svc.React(t.Context(), a, chat.ReactRequest{RoomID: r.ID, Seq: m.Seq, Emoji: "👍", On: true})
		return err
	}
	wantCode(t, "a reaction", react(), "")
	wantCode(t, "a second reaction", react(), chat.RateLimited)
	_, err = d.svc.Send(t.Context(), a, chat.SendRequest{RoomID: r.ID, Text: "still sending"})
	wantCode(t, "a send", err, "")
}
