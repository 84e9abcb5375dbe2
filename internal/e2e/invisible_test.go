package e2e

import (
	"testing"

	"parley/internal/testserver"
)

// Bidi controls and other invisible format characters are removed from
// everything people read, wherever it is set; the zero-width joiner that
// emoji need survives.
func TestInvisibleFormatCharactersAreRemoved(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.NewUser(t, "alice")
	ctx := ctxT(t)
	const rlo, zwsp, lri, pdi = "\u202e", "\u200b", "\u2066", "\u2069"
	coder := "👩\u200d💻"

	room, err := alice.Client.CreateRoom(ctx, "gen"+rlo+"eral")
	if err != nil {
		t.Fatal(err)
	}
	if room.Name != "general" {
		t.Errorf("room name %+q", room.Name)
	}
	name, ann := lri+"team"+pdi, "read"+zwsp+" me "+coder
	room, err = alice.Client.UpdateRoom(ctx, room.ID, &name, &ann)
	if err != nil {
		t.Fatal(err)
	}
	if room.Name != "team" || room.Announcement != "read me "+coder {
		t.Errorf("room name %+q, announcement %+q", room.Name, room.Announcement)
	}
	m, err := alice.Client.SendMessage(ctx, room.ID, "", "invoice"+rlo+"gpj.exe "+coder, 0)
	if err != nil {
		t.Fatal(err)
	}
	if m.Text != "invoicegpj.exe "+coder {
		t.Errorf("message %+q", m.Text)
	}
	m, err = alice.Client.EditMessage(ctx, room.ID, m.Seq, "fixed"+zwsp)
	if err != nil {
		t.Fatal(err)
	}
	if m.Text != "fixed" {
		t.Errorf("edited message %+q", m.Text)
	}
	if _, err := alice.Client.SendMessage(ctx, room.ID, "", zwsp+rlo, 0); err == nil {
		t.Error("a message of invisible characters alone was sent")
	} else {
		mustCode(t, err, "invalid")
	}
	display, status := "Ali"+rlo+"ce", "busy"+"\ufeff"
	u, err := alice.Client.UpdateProfile(ctx, &display, &status)
	if err != nil {
		t.Fatal(err)
	}
	if u.DisplayName != "Alice" || u.StatusMessage != "busy" {
		t.Errorf("display name %+q, status %+q", u.DisplayName, u.StatusMessage)
	}
}
