package storetest

import (
	"crypto/rand"
	"encoding/base64"
	"testing"

	"parley/internal/chat"
)

// Text a store may be unable to keep: U+0000 and invalid UTF-8 (PostgreSQL
// refuses both in text, and \u0000 in jsonb), and values too big for an
// index. The domain never hands a store such text (chat refuses it first, so
// both stores answer alike); this is the store's own promise behind that: it
// keeps text exactly or refuses it as Invalid — never an internal error,
// never a silent change — and stays usable afterwards.

var awkward = []struct{ name, s string }{
	{"U+0000", "nul\x00here"},
	{"invalid UTF-8", "bad\xffbyte"},
	{"UTF-8-encoded surrogate", "half\xed\xa0\x80"},
}

// huge is longer than an index entry may be (PostgreSQL: 2704 bytes) even
// compressed: random, so it does not compress.
func huge(t *testing.T) string {
	b := make([]byte, 15000)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// keptOrInvalid fails the test unless err is nil and got is want, or err is
// Invalid.
func keptOrInvalid(t *testing.T, what string, err error, got, want string) {
	t.Helper()
	switch {
	case chat.ErrorCode(err) == chat.Invalid:
	case err != nil:
		t.Errorf("%s: %v, want it kept or refused as invalid", what, err)
	case got != want:
		t.Errorf("%s: kept %q, want %q", what, got, want)
	}
}

// notFoundOrInvalid fails the test unless err is NotFound or Invalid: a
// lookup by a key no row can have.
func notFoundOrInvalid(t *testing.T, what string, err error) {
	t.Helper()
	if c := chat.ErrorCode(err); c != chat.NotFound && c != chat.Invalid {
		t.Errorf("%s: %v, want not found or invalid", what, err)
	}
}

func testAwkwardLookups(t *testing.T, f *fixture) {
	alice := f.user("alice")
	room := f.group(alice)
	for _, a := range append(awkward, struct{ name, s string }{"huge", huge(t)}) {
		_, _, err := f.s.UserByUsername(f.ctx, a.s)
		notFoundOrInvalid(t, "UserByUsername "+a.name, err)
		_, err = f.s.UserByID(f.ctx, chat.UserID(a.s))
		notFoundOrInvalid(t, "UserByID "+a.name, err)
		_, err = f.s.Room(f.ctx, chat.RoomID(a.s))
		notFoundOrInvalid(t, "Room "+a.name, err)
		_, err = f.s.Member(f.ctx, room.ID, chat.UserID(a.s))
		notFoundOrInvalid(t, "Member "+a.name, err)
		_, _, err = f.s.MarkRead(f.ctx, chat.RoomID(a.s), alice.ID, 1)
		notFoundOrInvalid(t, "MarkRead "+a.name, err)
		_, err = f.s.Attachment(f.ctx, a.s)
		notFoundOrInvalid(t, "Attachment "+a.name, err)
		hits, err := f.s.SearchUsers(f.ctx, alice.ID, a.s, 10)
		if err != nil {
			wantCode(t, "SearchUsers "+a.name, err, chat.Invalid)
		} else if len(hits) != 0 {
			t.Errorf("SearchUsers %s found %+v", a.name, hits)
		}
	}
	f.send(room.ID, alice.ID, "still working")
}

func testAwkwardTextIsKeptExactlyOrInvalid(t *testing.T, f *fixture) {
	alice := f.user("alice")
	room := f.group(alice)
	for _, a := range awkward {
		u, err := f.s.CreateUser(f.ctx, chat.NewUser{
			ID: chat.UserID(newID()), Username: "u" + newID()[24:], DisplayName: a.s,
			PasswordHash: "x", CreatedAt: f.tick(),
		})
		if err == nil {
			u, err = f.s.UserByID(f.ctx, u.ID)
		}
		keptOrInvalid(t, "CreateUser display name "+a.name, err, u.DisplayName, a.s)

		u, err = f.s.UpdateProfile(f.ctx, alice.ID, chat.ProfileUpdate{StatusMessage: &a.s})
		keptOrInvalid(t, "UpdateProfile status "+a.name, err, u.StatusMessage, a.s)

		m, _, err := f.s.AppendMessage(f.ctx, f.text(room.ID, alice.ID, newID(), a.s))
		if err == nil {
			m, err = f.s.Message(f.ctx, room.ID, m.Seq)
		}
		keptOrInvalid(t, "AppendMessage text "+a.name, err, m.Text, a.s)

		nr := f.newGroup(alice, a.s)
		r, _, err := f.s.CreateRoom(f.ctx, nr)
		if err == nil {
			r, err = f.s.Room(f.ctx, r.ID)
		}
		keptOrInvalid(t, "CreateRoom name "+a.name, err, r.Name, a.s)

		// The system message is kept as JSON (jsonb on PostgreSQL, where
		// \u0000 is refused even though the text column would be fine).
		ok := "fine"
		msg := f.system(chat.SystemEvent{Type: chat.AnnouncementChanged, Actor: alice.ID, Text: a.s})
		_, sm, err := f.s.UpdateRoom(f.ctx, room.ID, chat.RoomUpdate{Announcement: &ok}, msg)
		var got string
		if err == nil {
			sm, err = f.s.Message(f.ctx, room.ID, sm.Seq)
			got = sm.System.Text
		}
		keptOrInvalid(t, "system message text "+a.name, err, got, a.s)
	}

	long := huge(t)
	u, err := f.s.CreateUser(f.ctx, chat.NewUser{
		ID: chat.UserID(newID()), Username: long, DisplayName: "x", PasswordHash: "x", CreatedAt: f.tick(),
	})
	if err == nil {
		u, _, err = f.s.UserByUsername(f.ctx, long)
	}
	keptOrInvalid(t, "CreateUser huge username", err, u.Username, long)

	m, _, err := f.s.AppendMessage(f.ctx, f.text(room.ID, alice.ID, long, "x"))
	keptOrInvalid(t, "AppendMessage huge client_id", err, m.ClientID, long)

	// Every refusal left the store as it was, and usable.
	f.user("bob")
	f.send(room.ID, alice.ID, "still working")
}
