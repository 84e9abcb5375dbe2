package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"parley/internal/chat"
)

// upload creates a stored attachment of kind, as the service does: pending,
// then completed with its metadata.
func (f *fixture) upload(owner chat.User, kind chat.AttachmentKind, name string) chat.Attachment {
	f.t.Helper()
	a := f.pending(owner, kind, name)
	a.ContentType, a.Size, a.SHA256 = "image/png", 1234, "ab12"
	a.Width, a.Height, a.ThumbType = 640, 480, "image/jpeg"
	if err := f.s.CompleteAttachment(f.ctx, a); err != nil {
		f.t.Fatalf("CompleteAttachment: %v", err)
	}
	a.State = chat.AttachmentStored
	a.FillURLs()
	return a
}

func (f *fixture) pending(owner chat.User, kind chat.AttachmentKind, name string) chat.Attachment {
	f.t.Helper()
	a := chat.Attachment{ID: newID(), UploaderID: owner.ID, Kind: kind, Name: name, CreatedAt: chat.TimeOf(f.tick()), State: chat.AttachmentPending}
	if err := f.s.CreateAttachment(f.ctx, a); err != nil {
		f.t.Fatalf("CreateAttachment: %v", err)
	}
	return a
}

func (f *fixture) sendWith(room chat.RoomID, sender chat.UserID, clientID string, atts ...chat.Attachment) (chat.Message, bool, error) {
	m := f.text(room, sender, clientID, "")
	m.Attachments = atts
	return f.s.AppendMessage(f.ctx, m)
}

func checkAttachments(t *testing.T, what string, got []chat.Attachment, want ...chat.Attachment) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d attachments, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if !sameTime(g.CreatedAt.Time, w.CreatedAt.Time) {
			t.Errorf("%s[%d]: CreatedAt %v, want %v", what, i, g.CreatedAt, w.CreatedAt)
		}
		g.CreatedAt, w.CreatedAt = chat.Time{}, chat.Time{}
		if g != w {
			t.Errorf("%s[%d]:\n got %+v\nwant %+v", what, i, g, w)
		}
	}
}

func (f *fixture) unreferenced(before time.Time) []string {
	f.t.Helper()
	list, err := f.s.UnreferencedAttachments(f.ctx, before, 100)
	if err != nil {
		f.t.Fatalf("UnreferencedAttachments: %v", err)
	}
	ids := make([]string, len(list))
	for i, a := range list {
		ids[i] = a.ID
	}
	return ids
}

func testAttachmentLifecycle(t *testing.T, f *fixture) {
	alice := f.user("alice")
	p := f.pending(alice, chat.KindFile, "notes.txt")
	got, err := f.s.Attachment(f.ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	p.FillURLs()
	checkAttachments(t, "pending", []chat.Attachment{got}, p)

	a := p
	a.ContentType, a.Size, a.SHA256, a.Width, a.Height, a.ThumbType = "image/webp", 99, "cafe", 3, 2, "image/png"
	if err := f.s.CompleteAttachment(f.ctx, a); err != nil {
		t.Fatal(err)
	}
	a.State = chat.AttachmentStored
	a.FillURLs()
	if a.ThumbnailURL == "" {
		t.Fatal("FillURLs left no thumbnail URL for an attachment with a thumbnail")
	}
	got, err = f.s.Attachment(f.ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkAttachments(t, "stored", []chat.Attachment{got}, a)
	wantCode(t, "complete twice", f.s.CompleteAttachment(f.ctx, a), chat.NotFound)

	_, err = f.s.Attachment(f.ctx, newID())
	wantCode(t, "unknown attachment", err, chat.NotFound)

	b := f.upload(alice, chat.KindFile, "b.png")
	list, err := f.s.Attachments(f.ctx, []string{b.ID, newID(), a.ID})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(list, func(x, y chat.Attachment) int { return compare(x.ID, y.ID) })
	want := []chat.Attachment{a, b}
	slices.SortFunc(want, func(x, y chat.Attachment) int { return compare(x.ID, y.ID) })
	checkAttachments(t, "Attachments", list, want...)
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func testAppendLinksAttachments(t *testing.T, f *fixture) {
	alice, bob, carol := f.user("alice"), f.user("bob"), f.user("carol")
	room := f.group(alice, bob)
	a, b := f.upload(alice, chat.KindFile, "a.png"), f.upload(alice, chat.KindFile, "b.pdf")
	f.send(room.ID, alice.ID, "before")
	msg, dup, err := f.sendWith(room.ID, alice.ID, "c1", b, a)
	if err != nil || dup {
		t.Fatalf("AppendMessage = dup %v, %v", dup, err)
	}
	checkAttachments(t, "appended", msg.Attachments, b, a)
	f.send(room.ID, bob.ID, "after")

	page, err := f.s.Messages(f.ctx, room.ID, chat.Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range page {
		if m.Seq == msg.Seq {
			checkAttachments(t, "history", m.Attachments, b, a)
		} else if m.Attachments != nil {
			t.Errorf("message %d has attachments %v", m.Seq, m.Attachments)
		}
	}
	one := f.message(room.ID, msg.Seq)
	checkAttachments(t, "Message", one.Attachments, b, a)
	edited, err := f.s.EditMessage(f.ctx, room.ID, msg.Seq, "with a caption", f.tick(), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkAttachments(t, "edited", edited.Attachments, b, a)

	// The room list shows the last message with its attachments.
	f.sendWith(room.ID, alice.ID, "c2", a)
	rooms, err := f.s.RoomsForUser(f.ctx, bob.ID)
	if err != nil || len(rooms) != 1 || rooms[0].LastMessage == nil {
		t.Fatalf("RoomsForUser = %+v, %v", rooms, err)
	}
	checkAttachments(t, "last message", rooms[0].LastMessage.Attachments, a)

	for _, c := range []struct {
		user chat.User
		want bool
	}{{alice, true}, {bob, true}, {carol, false}} {
		ok, err := f.s.AttachmentSharedWith(f.ctx, a.ID, c.user.ID)
		if err != nil || ok != c.want {
			t.Errorf("AttachmentSharedWith(%s) = %v, %v; want %v", c.user.Username, ok, err, c.want)
		}
	}
	// Linked attachments are never swept.
	if ids := f.unreferenced(f.tick()); len(ids) != 0 {
		t.Errorf("unreferenced = %v, want none", ids)
	}
	if ok, err := f.s.ClaimAttachment(f.ctx, a.ID, f.tick()); ok || err != nil {
		t.Errorf("ClaimAttachment(linked) = %v, %v", ok, err)
	}
	// A removed member no longer shares the room.
	if _, err := f.s.RemoveMember(f.ctx, room.ID, bob.ID, f.systemIn(room.ID, chat.SystemEvent{Type: chat.MemberRemoved, Actor: alice.ID, Users: []chat.UserID{bob.ID}})); err != nil {
		t.Fatal(err)
	}
	if ok, _ := f.s.AttachmentSharedWith(f.ctx, a.ID, bob.ID); ok {
		t.Error("a removed member still shares the attachment")
	}
}

func testAppendRefusesAttachments(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	room := f.group(alice, bob)
	bobs := f.upload(bob, chat.KindFile, "bob.png")
	pending := f.pending(alice, chat.KindFile, "half.png")
	avatar := f.upload(alice, chat.KindAvatar, "avatar.jpg")
	mine := f.upload(alice, chat.KindFile, "mine.png")
	for name, att := range map[string]chat.Attachment{"someone else's": bobs, "pending": pending, "avatar": avatar} {
		_, _, err := f.sendWith(room.ID, alice.ID, newID(), mine, att)
		wantCode(t, name, err, chat.Invalid)
	}
	if got := f.room(room.ID).LastSeq; got != 1 {
		t.Errorf("refused sends appended: last_seq %d, want 1", got)
	}
	// Nothing of a refused send stays: mine is still unreferenced.
	if ids := f.unreferenced(f.tick()); !slices.Contains(ids, mine.ID) {
		t.Errorf("unreferenced = %v, want it to hold %s", ids, mine.ID)
	}
}

func testResendWithAttachments(t *testing.T, f *fixture) {
	alice := f.user("alice")
	room := f.group(alice)
	a := f.upload(alice, chat.KindFile, "a.png")
	first, _, err := f.sendWith(room.ID, alice.ID, "same", a)
	if err != nil {
		t.Fatal(err)
	}
	again, dup, err := f.sendWith(room.ID, alice.ID, "same", a)
	if err != nil || !dup {
		t.Fatalf("resend = dup %v, %v", dup, err)
	}
	checkMessage(t, "resend", again, first)
	// A resend without the attachments still returns the original as it was.
	again, dup, err = f.sendWith(room.ID, alice.ID, "same")
	if err != nil || !dup {
		t.Fatalf("resend = dup %v, %v", dup, err)
	}
	checkAttachments(t, "bare resend", again.Attachments, a)
	if n := f.room(room.ID).LastSeq; n != 2 {
		t.Errorf("last_seq %d, want 2", n)
	}
}

func testDeleteMessageReleasesAttachments(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	room := f.group(alice, bob)
	a := f.upload(alice, chat.KindFile, "a.png")
	msg, _, err := f.sendWith(room.ID, alice.ID, "c", a)
	if err != nil {
		t.Fatal(err)
	}
	del, err := f.s.DeleteMessage(f.ctx, room.ID, msg.Seq, f.tick())
	if err != nil {
		t.Fatal(err)
	}
	if del.Attachments != nil || f.message(room.ID, msg.Seq).Attachments != nil {
		t.Error("a deleted message keeps its attachments")
	}
	if ok, _ := f.s.AttachmentSharedWith(f.ctx, a.ID, bob.ID); ok {
		t.Error("the attachment of a deleted message is still shared")
	}
	if ids := f.unreferenced(f.tick()); !slices.Equal(ids, []string{a.ID}) {
		t.Errorf("unreferenced = %v, want [%s]", ids, a.ID)
	}
}

func testAvatars(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	f.create(newDirect(alice, bob, f.tick()))
	room := f.group(alice, bob)
	first := f.upload(alice, chat.KindAvatar, "avatar.jpg")
	u, err := f.s.SetAvatar(f.ctx, alice.ID, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := first.URL
	if u.AvatarURL != want {
		t.Fatalf("SetAvatar: avatar_url %q, want %q", u.AvatarURL, want)
	}
	check := func(want string) {
		t.Helper()
		if u, err := f.s.UserByID(f.ctx, alice.ID); err != nil || u.AvatarURL != want {
			t.Errorf("UserByID: avatar %q, %v; want %q", u.AvatarURL, err, want)
		}
		if u, _, err := f.s.UserByUsername(f.ctx, "alice"); err != nil || u.AvatarURL != want {
			t.Errorf("UserByUsername: avatar %q, %v; want %q", u.AvatarURL, err, want)
		}
		if m := f.member(room.ID, alice.ID); m.AvatarURL != want {
			t.Errorf("Member: avatar %q, want %q", m.AvatarURL, want)
		}
		rooms, err := f.s.RoomsForUser(f.ctx, bob.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rooms {
			if r.Peer != nil && r.Peer.AvatarURL != want {
				t.Errorf("peer: avatar %q, want %q", r.Peer.AvatarURL, want)
			}
		}
	}
	check(want)
	if ids := f.unreferenced(f.tick()); len(ids) != 0 {
		t.Errorf("unreferenced = %v, want none", ids)
	}

	second := f.upload(alice, chat.KindAvatar, "avatar.png")
	if _, err := f.s.SetAvatar(f.ctx, alice.ID, second.ID); err != nil {
		t.Fatal(err)
	}
	check(second.URL)
	if ids := f.unreferenced(f.tick()); !slices.Equal(ids, []string{first.ID}) {
		t.Errorf("after replacing: unreferenced = %v, want the old avatar", ids)
	}
	// Setting the same avatar again changes nothing.
	if _, err := f.s.SetAvatar(f.ctx, alice.ID, second.ID); err != nil {
		t.Fatal(err)
	}

	file := f.upload(alice, chat.KindFile, "file.png")
	bobs := f.upload(bob, chat.KindAvatar, "avatar.jpg")
	_, err = f.s.SetAvatar(f.ctx, alice.ID, file.ID)
	wantCode(t, "a file as avatar", err, chat.Invalid)
	_, err = f.s.SetAvatar(f.ctx, alice.ID, bobs.ID)
	wantCode(t, "someone else's avatar", err, chat.Invalid)
	_, err = f.s.SetAvatar(f.ctx, chat.UserID(newID()), "")
	wantCode(t, "unknown user", err, chat.NotFound)
	check(second.URL)

	u, err = f.s.SetAvatar(f.ctx, alice.ID, "")
	if err != nil || u.AvatarURL != "" {
		t.Fatalf("clear avatar = %q, %v", u.AvatarURL, err)
	}
	check("")
	ids := f.unreferenced(f.tick())
	for _, a := range []chat.Attachment{first, second} {
		if !slices.Contains(ids, a.ID) {
			t.Errorf("unreferenced = %v, want it to hold %s", ids, a.ID)
		}
	}
}

func testClaimAndDeleteAttachments(t *testing.T, f *fixture) {
	alice := f.user("alice")
	old := f.upload(alice, chat.KindFile, "old.png")
	oldPending := f.pending(alice, chat.KindFile, "stuck.png")
	cutoff := f.tick()
	young := f.upload(alice, chat.KindFile, "young.png")

	ids := f.unreferenced(cutoff)
	if !slices.Equal(ids, []string{old.ID, oldPending.ID}) {
		t.Fatalf("unreferenced before cutoff = %v, want [%s %s] oldest first", ids, old.ID, oldPending.ID)
	}
	if ok, err := f.s.ClaimAttachment(f.ctx, young.ID, cutoff); ok || err != nil {
		t.Errorf("claim of a young attachment = %v, %v", ok, err)
	}
	// A stored attachment is not deleted before it is claimed.
	if err := f.s.DeleteAttachment(f.ctx, old.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Attachment(f.ctx, old.ID); err != nil {
		t.Errorf("an unclaimed stored attachment was deleted: %v", err)
	}
	for _, a := range []chat.Attachment{old, oldPending} {
		for range 2 { // a second sweeper claims again, harmlessly
			if ok, err := f.s.ClaimAttachment(f.ctx, a.ID, cutoff); !ok || err != nil {
				t.Fatalf("claim = %v, %v", ok, err)
			}
		}
		got, err := f.s.Attachment(f.ctx, a.ID)
		if err != nil || got.State != chat.AttachmentDeleting {
			t.Fatalf("claimed: state %q, %v", got.State, err)
		}
		for range 2 {
			if err := f.s.DeleteAttachment(f.ctx, a.ID); err != nil {
				t.Fatal(err)
			}
		}
		_, err = f.s.Attachment(f.ctx, a.ID)
		wantCode(t, "deleted attachment", err, chat.NotFound)
	}
	// A claimed attachment can no longer be attached.
	room := f.group(alice)
	if ok, err := f.s.ClaimAttachment(f.ctx, young.ID, f.tick()); !ok || err != nil {
		t.Fatalf("claim = %v, %v", ok, err)
	}
	_, _, err := f.sendWith(room.ID, alice.ID, "late", young)
	wantCode(t, "attach a claimed attachment", err, chat.Invalid)
}

// Sends attaching a file race a sweeper claiming it: each time exactly one
// of them wins, and a message never carries a claimed attachment.
func testAttachRacesClaim(t *testing.T, f *fixture) {
	alice := f.user("alice")
	room := f.group(alice)
	const rounds = 20
	atts := make([]chat.Attachment, rounds)
	for i := range atts {
		atts[i] = f.upload(alice, chat.KindFile, "race.png")
	}
	cutoff := f.tick()
	for i, a := range atts {
		var (
			wg      sync.WaitGroup
			sendErr error
			claimed bool
			err     error
		)
		wg.Add(2)
		go func() {
			defer wg.Done()
			m := chat.NewMessage{ID: newID(), RoomID: room.ID, SenderID: alice.ID, ClientID: newID(),
				Kind: chat.Text, CreatedAt: cutoff, Attachments: []chat.Attachment{a}}
			_, _, sendErr = f.s.AppendMessage(f.ctx, m)
		}()
		go func() {
			defer wg.Done()
			claimed, err = f.s.ClaimAttachment(f.ctx, a.ID, cutoff)
		}()
		wg.Wait()
		if err != nil {
			t.Fatalf("round %d: claim: %v", i, err)
		}
		switch {
		case sendErr == nil && claimed:
			t.Fatalf("round %d: the send attached a file the sweeper claimed", i)
		case sendErr != nil && !claimed:
			t.Fatalf("round %d: the send failed (%v) though nothing claimed the file", i, sendErr)
		case sendErr != nil:
			wantCode(t, "send after claim", sendErr, chat.Invalid)
		}
	}
}
