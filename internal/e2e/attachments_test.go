package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"parley/client"
	"parley/internal/server"
	"parley/internal/testserver"
)

func upload(t testing.TB, u *testserver.User, name string, data []byte) client.Attachment {
	t.Helper()
	a, err := u.Upload(ctxT(t), name, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("upload %s: %v", name, err)
	}
	return a
}

func download(t testing.TB, u *testserver.User, path string) ([]byte, http.Header) {
	t.Helper()
	data, h, err := u.Download(ctxT(t), path)
	if err != nil {
		t.Fatalf("download %s: %v", path, err)
	}
	return data, h
}

func wantHeader(t testing.TB, h http.Header, key, want string) {
	t.Helper()
	if got := h.Get(key); got != want {
		t.Errorf("%s = %q, want %q", key, got, want)
	}
}

func TestUploadSendDownload(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	room := newRoom(t, alice, "photos", bob)
	bc := bob.Connect(t)
	ac := alice.Connect(t)
	ctx := ctxT(t)

	photo := pngOf(t, gradient(640, 400))
	sum := sha256.Sum256(photo)
	a := upload(t, alice, `C:\Users\alice\cat.png`, photo)
	switch {
	case a.Name != "cat.png", a.ContentType != "image/png", a.Size != int64(len(photo)),
		a.SHA256 != hex.EncodeToString(sum[:]), a.Width != 640, a.Height != 400, a.UploaderID != alice.ID:
		t.Fatalf("metadata = %+v", a)
	case a.URL != "/api/v1/attachments/"+a.ID, a.ThumbnailURL != a.URL+"/thumbnail":
		t.Fatalf("urls = %q, %q", a.URL, a.ThumbnailURL)
	}
	doc := upload(t, alice, "notes.txt", []byte("plain notes\n"))
	// Uploads have their own limit, far above the 1 MiB of other bodies.
	if big := upload(t, alice, "big.bin", bytes.Repeat([]byte{1}, 3<<20)); big.Size != 3<<20 {
		t.Fatalf("3 MiB upload stored as %d bytes", big.Size)
	}

	// A message may be only attachments; the ack, the live event and
	// history all carry them, in the sender's order.
	ack, err := ac.SendWith(ctx, client.SendRequest{RoomID: room.ID, Attachments: []string{a.ID, doc.ID}})
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, m *client.Message) {
		t.Helper()
		if len(m.Attachments) != 2 || m.Attachments[0].ID != a.ID || m.Attachments[1].ID != doc.ID ||
			m.Attachments[0].ThumbnailURL != a.ThumbnailURL || m.Attachments[1].ThumbnailURL != "" ||
			m.Attachments[0].SHA256 != a.SHA256 {
			t.Fatalf("%s: attachments %+v", what, m.Attachments)
		}
	}
	check("ack", &ack)
	check("live event", next(t, bc, isMessage(room.ID, "")).Message)
	hist, err := bob.History(ctx, room.ID, client.Page{Limit: 1})
	if err != nil || len(hist) != 1 {
		t.Fatalf("history = %v, %v", hist, err)
	}
	check("history", &hist[0])
	rooms, err := bob.Rooms(ctx)
	if err != nil || len(rooms) != 1 || rooms[0].LastMessage == nil {
		t.Fatalf("rooms = %+v, %v", rooms, err)
	}
	check("room list", rooms[0].LastMessage)

	// Download: the same bytes, shown inline as the image it is.
	data, h := download(t, bob, a.URL)
	if !bytes.Equal(data, photo) {
		t.Fatal("downloaded bytes differ from the upload")
	}
	wantHeader(t, h, "Content-Type", "image/png")
	wantHeader(t, h, "Content-Disposition", `inline; filename=cat.png`)
	wantHeader(t, h, "X-Content-Type-Options", "nosniff")
	wantHeader(t, h, "Content-Security-Policy", "sandbox")
	wantHeader(t, h, "ETag", `"`+a.SHA256+`"`)
	wantHeader(t, h, "Accept-Ranges", "bytes")

	// A range request gets just that range.
	resp, err := bob.Fetch(ctx, a.URL, http.Header{"Range": {"bytes=100-199"}})
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(part, photo[100:200]) {
		t.Fatalf("range: status %d, %d bytes", resp.StatusCode, len(part))
	}
	wantHeader(t, resp.Header, "Content-Range", fmt.Sprintf("bytes 100-199/%d", len(photo)))
	// A client that has it revalidates cheaply.
	resp, err = bob.Fetch(ctx, a.URL, http.Header{"If-None-Match": {`"` + a.SHA256 + `"`}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match: status %d, want 304", resp.StatusCode)
	}
	// Past the end: 416.
	_, err = bob.Fetch(ctx, a.URL, http.Header{"Range": {fmt.Sprintf("bytes=%d-", len(photo)+10)}})
	if e, ok := err.(*client.Error); !ok || e.Status != http.StatusRequestedRangeNotSatisfiable {
		t.Fatalf("range past the end: %v", err)
	}

	// The thumbnail: re-encoded, 320 px on the long side.
	th, h := download(t, bob, a.ThumbnailURL)
	img, format := decodeImage(t, th)
	if b := img.Bounds(); format != "jpeg" || b.Dx() != 320 || b.Dy() != 200 {
		t.Fatalf("thumbnail is %s %v, want jpeg 320×200", format, b)
	}
	wantHeader(t, h, "Content-Type", "image/jpeg")
	wantHeader(t, h, "X-Content-Type-Options", "nosniff")

	// Plain text is served as such, as a download.
	_, h = download(t, bob, doc.URL)
	wantHeader(t, h, "Content-Type", "text/plain; charset=utf-8")
	wantHeader(t, h, "Content-Disposition", `attachment; filename=notes.txt`)
	_, err = bob.Fetch(ctx, doc.URL+"/thumbnail", nil)
	mustCode(t, err, "not_found")
}

func TestTransparentImageKeepsItsAlphaInTheThumbnail(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.NewUser(t, "alice")
	a := upload(t, alice, "dot.gif", transparentGIF(t, 50, 1000))
	if a.ContentType != "image/gif" || a.Width != 50 || a.Height != 1000 {
		t.Fatalf("metadata = %+v", a)
	}
	th, _ := download(t, alice, a.ThumbnailURL)
	img, format := decodeImage(t, th)
	if b := img.Bounds(); format != "png" || b.Dx() != 16 || b.Dy() != 320 {
		t.Fatalf("thumbnail is %s %v, want png 16×320", format, b)
	}
	if _, _, _, alpha := img.At(15, 10).RGBA(); alpha != 0 {
		t.Errorf("the transparent half is opaque in the thumbnail (alpha %d)", alpha)
	}
}

// A phone's portrait photo is stored landscape with an EXIF orientation;
// its metadata and thumbnail are upright, as browsers show the original.
func TestPhotoThumbnailIsUpright(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.NewUser(t, "alice")
	a := upload(t, alice, "portrait.jpg", rotatedJPEG(t, gradient(640, 480)))
	if a.Width != 480 || a.Height != 640 {
		t.Fatalf("metadata %d×%d, want the upright 480×640", a.Width, a.Height)
	}
	th, _ := download(t, alice, a.ThumbnailURL)
	if b, _ := decodeImage(t, th); b.Bounds().Dx() != 240 || b.Bounds().Dy() != 320 {
		t.Fatalf("thumbnail %v, want upright 240×320", b.Bounds())
	}
}

// Only the uploader and current members of a room it was shared in may
// download an attachment; everyone else gets not_found, as for a file that
// does not exist.
func TestAttachmentAccess(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob, carol := srv.NewUser(t, "alice"), srv.NewUser(t, "bob"), srv.NewUser(t, "carol")
	room := newRoom(t, alice, "secret", bob)
	newRoom(t, carol, "elsewhere", alice)
	ctx := ctxT(t)
	a := upload(t, alice, "plan.png", pngOf(t, gradient(40, 40)))

	fetch := func(u *testserver.User, path string) error {
		t.Helper()
		resp, err := u.Fetch(ctx, path, nil)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	// Not sent yet: only alice.
	if err := fetch(alice, a.URL); err != nil {
		t.Fatalf("uploader: %v", err)
	}
	mustCode(t, fetch(bob, a.URL), "not_found")

	if _, err := alice.Send(ctx, client.SendRequest{RoomID: room.ID, Text: "the plan", Attachments: []string{a.ID}}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{a.URL, a.ThumbnailURL} {
		if err := fetch(bob, path); err != nil {
			t.Fatalf("member %s: %v", path, err)
		}
		// carol shares a room with alice, not the one the file was sent to.
		mustCode(t, fetch(carol, path), "not_found")
	}
	if err := alice.RemoveMember(ctx, room.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	mustCode(t, fetch(bob, a.URL), "not_found")
	mustCode(t, fetch(bob, a.ThumbnailURL), "not_found")
	mustCode(t, fetch(carol, "/api/v1/attachments/no-such-id"), "not_found")

	// Without a token: 401, and nothing about the file.
	_, err := srv.Client().Fetch(ctx, a.URL, nil)
	mustCode(t, err, "unauthorized")
}

// The type is sniffed from the content: an HTML page named .png (declared
// image/png) is recorded as HTML and only ever served as a download of
// application/octet-stream.
func TestUploadSniffsTheContentType(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.NewUser(t, "alice")
	cases := []struct {
		name, data, sniffed string
	}{
		{"cat.png", "<!DOCTYPE html><html><script>alert(document.cookie)</script></html>", "text/html; charset=utf-8"},
		{"logo.svg", `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`, "image/svg+xml"},
		{"app.js", "#!/usr/bin/env node\nconsole.log(document.cookie)\n", "text/javascript"}, // RFC 9239 (mimetype ≥ 1.4.12)
		{"photo.jpg", "\x00\x01\x02 binary junk \xff\xfe", "application/octet-stream"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := upload(t, alice, c.name, []byte(c.data))
			if a.ContentType != c.sniffed || a.ThumbnailURL != "" || a.Width != 0 {
				t.Fatalf("metadata = %+v, want content type %q and no thumbnail", a, c.sniffed)
			}
			data, h := download(t, alice, a.URL)
			if string(data) != c.data {
				t.Fatal("content changed")
			}
			wantHeader(t, h, "Content-Type", "application/octet-stream")
			wantHeader(t, h, "Content-Disposition", "attachment; filename="+c.name)
			wantHeader(t, h, "X-Content-Type-Options", "nosniff")
			wantHeader(t, h, "Content-Security-Policy", "sandbox")
		})
	}
}

func TestBadUploads(t *testing.T) {
	const limit = 64 << 10
	srv := testserver.Start(t, func(c *server.Config) { c.Limits.MaxUploadBytes = limit })
	alice := srv.NewUser(t, "alice")
	ctx := ctxT(t)
	cases := []struct {
		name   string
		file   string
		data   []byte
		status int
		code   string
	}{
		{"over the limit", "big.bin", bytes.Repeat([]byte("x"), limit+1), 413, "too_large"},
		{"far over the limit", "huge.bin", bytes.Repeat([]byte("x"), 4*limit), 413, "too_large"},
		{"corrupt image", "broken.png", append(pngOf(t, gradient(20, 20))[:40], bytes.Repeat([]byte{7}, 200)...), 400, "invalid"},
		{"decompression bomb", "bomb.png", pngClaiming(t, 100000, 100000), 413, "too_large"},
		{"empty file", "empty.txt", nil, 400, "invalid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := alice.Upload(ctx, c.file, bytes.NewReader(c.data))
			e, ok := err.(*client.Error)
			if !ok || e.Status != c.status || e.Code != c.code {
				t.Fatalf("upload = %v, want %d %s", err, c.status, c.code)
			}
		})
	}
	// Exactly at the limit is fine.
	upload(t, alice, "full.bin", bytes.Repeat([]byte("y"), limit))
	// Nothing of the refused uploads was kept.
	if files := storedFiles(t, srv.BlobDir()); len(files) != 1 {
		t.Errorf("blob folder holds %v, want only the accepted upload", files)
	}

	// Requests that are not a file upload at all.
	raw := []struct {
		name, contentType, body string
		status                  int
		code                    string
	}{
		{"JSON body", "application/json", `{"file":"x"}`, 400, "invalid"},
		{"no file field", "multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nhi\r\n--XX--\r\n", 400, "invalid"},
		{"truncated multipart", "multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhello", 400, "invalid"},
		{"garbage multipart", "multipart/form-data; boundary=XX", "not multipart at all", 400, "invalid"},
		// Refused from its Content-Length, before any of it is read.
		{"declared length over the limit", "multipart/form-data; boundary=XX", strings.Repeat("x", 2*limit+(64<<10)), 413, "too_large"},
	}
	for _, c := range raw {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(ctx, "POST", srv.URL+"/api/v1/attachments", strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", c.contentType)
			req.Header.Set("Authorization", "Bearer "+alice.Token())
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.status || !strings.Contains(string(body), `"code":"`+c.code+`"`) {
				t.Fatalf("%d %s, want %d %s", resp.StatusCode, body, c.status, c.code)
			}
		})
	}
}

func TestUploadRateLimit(t *testing.T) {
	srv := testserver.Start(t, func(c *server.Config) {
		c.Limits.UploadsPerSecond, c.Limits.UploadBurst = 0.01, 3
	})
	alice := srv.NewUser(t, "alice")
	for i := range 3 {
		upload(t, alice, fmt.Sprintf("f%d.txt", i), []byte("data"))
	}
	_, err := alice.Upload(ctxT(t), "one-too-many.txt", strings.NewReader("data"))
	mustCode(t, err, "rate_limited")
	// The limit is per user.
	upload(t, srv.NewUser(t, "bob"), "bobs.txt", []byte("data"))
}

// A send may only carry the sender's own stored uploads, at most 10, each once.
func TestSendAttachmentRules(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	room := newRoom(t, alice, "rules", bob)
	ctx := ctxT(t)
	mine := upload(t, alice, "mine.txt", []byte("mine"))
	bobs := upload(t, bob, "bobs.txt", []byte("bob's"))
	avatar, err := alice.SetAvatar(ctx, "me.png", bytes.NewReader(pngOf(t, gradient(30, 30))))
	if err != nil {
		t.Fatal(err)
	}
	avatarID := strings.TrimPrefix(avatar.AvatarURL, "/api/v1/attachments/")
	var eleven []string
	for i := range 11 {
		eleven = append(eleven, upload(t, alice, fmt.Sprintf("%d.txt", i), []byte("n")).ID)
	}
	cases := []struct {
		name string
		req  client.SendRequest
	}{
		{"someone else's upload", client.SendRequest{Attachments: []string{mine.ID, bobs.ID}}},
		{"too many", client.SendRequest{Attachments: eleven}},
		{"the same twice", client.SendRequest{Attachments: []string{mine.ID, mine.ID}}},
		{"unknown id", client.SendRequest{Attachments: []string{"0194f0b1-aaaa-7bbb-8ccc-dddd0000eeee"}}},
		{"malformed id", client.SendRequest{Attachments: []string{"bad id"}}},
		{"an avatar", client.SendRequest{Attachments: []string{avatarID}}},
		{"no text and no attachments", client.SendRequest{}},
		{"control characters in the caption", client.SendRequest{Text: "a\x00b", Attachments: []string{mine.ID}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.req.RoomID = room.ID
			_, err := alice.Send(ctx, c.req)
			mustCode(t, err, "invalid")
		})
	}
	if r, err := alice.Room(ctx, room.ID); err != nil || r.LastSeq != 1 {
		t.Fatalf("refused sends were stored: last_seq %d, %v", r.LastSeq, err)
	}

	// Ten is fine, and a resend with the same client_id is the original.
	req := client.SendRequest{RoomID: room.ID, ClientID: "ten", Attachments: eleven[:10]}
	first, err := alice.Send(ctx, req)
	if err != nil || len(first.Attachments) != 10 {
		t.Fatalf("send of 10 = %d attachments, %v", len(first.Attachments), err)
	}
	again, err := alice.Send(ctx, req)
	if err != nil || again.Seq != first.Seq || len(again.Attachments) != 10 {
		t.Fatalf("resend = seq %d with %d attachments, %v; want the original", again.Seq, len(again.Attachments), err)
	}
	// Bob cannot send alice's upload, even to a room where it was shared.
	_, err = bob.Send(ctx, client.SendRequest{RoomID: room.ID, Attachments: []string{eleven[0]}})
	mustCode(t, err, "invalid")
}

// Uploads nothing refers to are deleted after the grace period, blob and
// all; attachments of messages stay until their message is deleted.
func TestSweeperDeletesUnreferencedAttachments(t *testing.T) {
	const grace = 300 * time.Millisecond
	srv := testserver.Start(t, func(c *server.Config) { c.Limits.AttachmentGrace = grace })
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	room := newRoom(t, alice, "sweep", bob)
	ctx := ctxT(t)
	orphan := upload(t, alice, "orphan.png", pngOf(t, gradient(20, 20)))
	kept := upload(t, alice, "kept.png", pngOf(t, gradient(20, 20)))
	msg, err := alice.Send(ctx, client.SendRequest{RoomID: room.ID, Attachments: []string{kept.ID}})
	if err != nil {
		t.Fatal(err)
	}
	gone := func(a client.Attachment) bool {
		resp, err := alice.Fetch(ctx, a.URL, nil)
		if err == nil {
			resp.Body.Close()
			return false
		}
		mustCode(t, err, "not_found")
		return true
	}
	waitFor(t, "the orphan to be swept", func() bool { return gone(orphan) })
	// Several grace periods later the sent one is still there, with its thumbnail.
	time.Sleep(3 * grace)
	if gone(kept) {
		t.Fatal("an attachment of a message was swept")
	}
	if files := storedFiles(t, srv.BlobDir()); len(files) != 2 {
		t.Fatalf("blob folder holds %v, want the kept upload and its thumbnail", files)
	}
	// Deleting the message releases it.
	if _, err := alice.DeleteMessage(ctx, room.ID, msg.Seq); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the deleted message's attachment to be swept", func() bool { return gone(kept) })
	waitFor(t, "the blob folder to empty", func() bool { return len(storedFiles(t, srv.BlobDir())) == 0 })

	// A replaced avatar goes; the current one stays.
	setAvatar := func() client.Attachment {
		u, err := alice.SetAvatar(ctx, "me.png", bytes.NewReader(pngOf(t, gradient(30, 30))))
		if err != nil {
			t.Fatal(err)
		}
		return client.Attachment{URL: u.AvatarURL}
	}
	old := setAvatar()
	current := setAvatar()
	waitFor(t, "the old avatar to be swept", func() bool { return gone(old) })
	time.Sleep(3 * grace)
	if gone(current) {
		t.Fatal("the current avatar was swept")
	}
}

// waitFor polls cond until it holds, failing after a minute: for a state no
// event announces (a swept file, a client's count of sessions).
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// In production mode every node serves every attachment: they share the
// bucket, and the rules are the same on each.
func TestAttachmentsAcrossNodes(t *testing.T) {
	nodes := testserver.StartCluster(t, 2)
	alice := nodes[0].NewUser(t, "alice")
	bobA := nodes[0].NewUser(t, "bob")
	carol := nodes[1].NewUser(t, "carol")
	bob := bobA.On(nodes[1])
	room := newRoom(t, alice, "across", bobA)
	bc := bob.Connect(t)
	photo := pngOf(t, gradient(100, 50))
	a := upload(t, alice, "x.png", photo)
	if _, err := alice.Send(ctxT(t), client.SendRequest{RoomID: room.ID, Attachments: []string{a.ID}}); err != nil {
		t.Fatal(err)
	}
	ev := next(t, bc, isMessage(room.ID, ""))
	if len(ev.Message.Attachments) != 1 {
		t.Fatalf("live event on node B: attachments %+v", ev.Message.Attachments)
	}
	data, _ := download(t, bob, ev.Message.Attachments[0].URL)
	if !bytes.Equal(data, photo) {
		t.Fatal("node B served other bytes")
	}
	_, err := carol.Fetch(ctxT(t), a.URL, nil)
	mustCode(t, err, "not_found")
}
