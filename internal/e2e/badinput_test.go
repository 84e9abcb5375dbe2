package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"parley/api"
	"parley/client"
	"parley/internal/server"
	"parley/internal/testserver"
)

// raw sends body as-is and returns the status and error code.
func raw(t testing.TB, srv *testserver.Server, token, method, path, body string) (int, string) {
	t.Helper()
	status, e := rawVia(t, http.DefaultClient, srv, token, method, path, body)
	return status, e.Code
}

type apiError struct{ Code, Message string }

// rawVia sends body as-is with hc and returns the status and the error.
func rawVia(t testing.TB, hc *http.Client, srv *testserver.Server, token, method, path, body string) (int, apiError) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return doRawVia(t, hc, req)
}

// doRaw sends req and returns the status and the error.
func doRaw(t testing.TB, req *http.Request) (int, apiError) {
	t.Helper()
	return doRawVia(t, http.DefaultClient, req)
}

func doRawVia(t testing.TB, hc *http.Client, req *http.Request) (int, apiError) {
	t.Helper()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var e struct{ Error apiError }
	json.Unmarshal(data, &e)
	return resp.StatusCode, e.Error
}

// Text that is not valid Unicode — bytes that are not UTF-8, or a \u escape
// of half a surrogate pair — is refused wherever a client can put it, the
// way the WebSocket refuses it, and never stored as U+FFFD.
func TestTextMustBeValidUnicode(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	room := newRoom(t, alice, "unicode", bob)
	r := "/api/v1/rooms/" + string(room.ID)
	tok := alice.Token()
	cases := []struct {
		name, token, method, path, body string
		says                            string // in the error message
	}{
		{"signup username", "", "POST", "/api/v1/auth/signup", "{\"username\":\"zed\xff\",\"password\":\"12345678\"}", "UTF-8"},
		{"signup display name", "", "POST", "/api/v1/auth/signup", `{"username":"zed","password":"12345678","display_name":"Z\udc00"}`, "surrogate"},
		{"login username", "", "POST", "/api/v1/auth/login", "{\"username\":\"\xc0\xaf\",\"password\":\"12345678\"}", "UTF-8"},
		{"login password", "", "POST", "/api/v1/auth/login", `{"username":"alice","password":"\ud800password"}`, "surrogate"},
		{"send text", tok, "POST", r + "/messages", "{\"text\":\"caf\xe9\"}", "UTF-8"},
		{"send lone low surrogate", tok, "POST", r + "/messages", `{"text":"\udc00"}`, `\udc00`},
		{"send lone high surrogate", tok, "POST", r + "/messages", `{"text":"\ud83d!"}`, `\ud83d`},
		{"send reversed pair", tok, "POST", r + "/messages", `{"text":"\udc4d\ud83d"}`, "surrogate"},
		{"send client_id", tok, "POST", r + "/messages", `{"text":"x","client_id":"\udfff"}`, "surrogate"},
		{"send UTF-8-encoded surrogate", tok, "POST", r + "/messages", "{\"text\":\"\xed\xa0\x80\"}", "UTF-8"},
		{"edit text", tok, "PATCH", r + "/messages/1", `{"text":"\udc00"}`, "surrogate"},
		{"room name", tok, "POST", "/api/v1/rooms", `{"name":"\ud800"}`, "surrogate"},
		{"room member", tok, "POST", "/api/v1/rooms", "{\"name\":\"x\",\"members\":[\"b\xffb\"]}", "UTF-8"},
		{"rename", tok, "PATCH", r, "{\"name\":\"\xff\"}", "UTF-8"},
		{"announcement", tok, "PATCH", r, `{"announcement":"\udbff"}`, "surrogate"},
		{"invite", tok, "POST", r + "/members", `{"members":["\ud800"]}`, "surrogate"},
		{"direct", tok, "POST", "/api/v1/rooms/direct", "{\"username\":\"\xfe\"}", "UTF-8"},
		{"display name", tok, "PATCH", "/api/v1/me", `{"display_name":"A\udc00"}`, "surrogate"},
		{"status message", tok, "PATCH", "/api/v1/me", "{\"status_message\":\"\x80\"}", "UTF-8"},
		{"friend request", tok, "POST", "/api/v1/friends/requests", `{"username":"\udc00"}`, "surrogate"},
		{"block", tok, "POST", "/api/v1/blocks", "{\"username\":\"\xff\"}", "UTF-8"},
		{"a key", tok, "POST", r + "/read", "{\"s\xffq\":1}", "UTF-8"},
		{"user by name", tok, "GET", "/api/v1/users/b%FFb", "", "UTF-8"},
		{"room path", tok, "GET", "/api/v1/rooms/%C0%AF", "", "path parameter room"},
		{"user path", tok, "DELETE", "/api/v1/friends/%FE", "", "path parameter user"},
		{"attachment path", tok, "GET", "/api/v1/attachments/%FF", "", "path parameter id"},
		{"emoji path", tok, "PUT", r + "/messages/1/reactions/%F0%9F", "", "path parameter emoji"},
		{"search", tok, "GET", "/api/v1/users?q=b%FF", "", "query parameter q"},
		{"history query", tok, "GET", r + "/messages?order=%FF", "", "query parameter order"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, e := rawVia(t, srv.HTTPClient(), srv, c.token, c.method, c.path, c.body)
			if status != 400 || e.Code != "invalid" || !strings.Contains(e.Message, c.says) {
				t.Fatalf("got %d %q %q, want 400 invalid saying %q", status, e.Code, e.Message, c.says)
			}
		})
	}

	// Valid escapes, U+FFFD itself among them, are text like any other.
	for body, want := range map[string]string{
		`{"text":"\ud83d\udc4d"}`:    "👍",
		`{"text":"\ufffd"}`:          "\uFFFD",
		"{\"text\":\"\uFFFD?\"}":     "\uFFFD?",
		`{"text":"\\udc00"}`:         `\udc00`,
		`{"text":"\uD83D\uDE00 ok"}`: "😀 ok",
	} {
		status, e := rawVia(t, srv.HTTPClient(), srv, tok, "POST", r+"/messages", body)
		if status != 201 {
			t.Fatalf("%s: %d %+v", body, status, e)
		}
		hist, err := alice.History(ctxT(t), room.ID, client.Page{Limit: 1})
		if err != nil || len(hist) != 1 || hist[0].Text != want {
			t.Fatalf("%s: stored %+v (%v), want text %q", body, hist, err, want)
		}
	}
}

// TestBadRESTInput is how the REST transport answers what it cannot decode,
// and one request per domain error code, to pin the code → status map. The
// domain's rules themselves are tables in internal/chat (decision 0025).
func TestBadRESTInput(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	room := newRoom(t, alice, "bad", bob)
	r := "/api/v1/rooms/" + string(room.ID)
	cases := []struct {
		name, token, method, path, body string
		status                          int
		code                            string
	}{
		{"signup malformed json", "", "POST", "/api/v1/auth/signup", `{"username":`, 400, "invalid"},
		{"signup not an object", "", "POST", "/api/v1/auth/signup", `["x"]`, 400, "invalid"},
		{"signup short username", "", "POST", "/api/v1/auth/signup", `{"username":"ab","password":"12345678"}`, 400, "invalid"},
		{"signup wrong type", "", "POST", "/api/v1/auth/signup", `{"username":5,"password":"12345678"}`, 400, "invalid"},
		{"signup trailing data", "", "POST", "/api/v1/auth/signup", `{"username":"zed","password":"12345678"} {}`, 400, "invalid"},
		{"signup huge body", "", "POST", "/api/v1/auth/signup", `{"username":"` + strings.Repeat("a", 2<<20) + `"}`, 413, "too_large"},
		{"login empty", "", "POST", "/api/v1/auth/login", ``, 400, "invalid"},
		{"no token", "", "GET", "/api/v1/rooms", ``, 401, "unauthorized"},
		{"bad token", "nope", "GET", "/api/v1/rooms", ``, 401, "unauthorized"},
		{"unknown route", alice.Token(), "GET", "/api/v1/nothing", ``, 404, "not_found"},
		{"wrong method", alice.Token(), "PUT", "/api/v1/rooms", ``, 405, "invalid"},
		{"create room members wrong type", alice.Token(), "POST", "/api/v1/rooms", `{"name":"x","members":"bob"}`, 400, "invalid"},
		{"unknown room", alice.Token(), "GET", "/api/v1/rooms/nope", ``, 404, "not_found"},
		{"invite existing", alice.Token(), "POST", r + "/members", `{"members":["bob"]}`, 409, "conflict"},
		{"send control char", alice.Token(), "POST", r + "/messages", `{"text":"a\u0000b"}`, 400, "invalid"},
		{"send reply_to negative", alice.Token(), "POST", r + "/messages", `{"text":"x","reply_to":-1}`, 400, "invalid"},
		{"history bad before", alice.Token(), "GET", r + "/messages?before=x", ``, 400, "invalid"},
		{"history negative after", alice.Token(), "GET", r + "/messages?after=-1", ``, 400, "invalid"},
		{"history limit 0", alice.Token(), "GET", r + "/messages?limit=0", ``, 400, "invalid"},
		{"history bad order", alice.Token(), "GET", r + "/messages?order=sideways", ``, 400, "invalid"},
		{"edit seq 0", alice.Token(), "PATCH", r + "/messages/0", `{"text":"x"}`, 400, "invalid"},
		{"edit seq junk", alice.Token(), "PATCH", r + "/messages/abc", `{"text":"x"}`, 400, "invalid"},
		{"read negative", alice.Token(), "POST", r + "/read", `{"seq":-5}`, 400, "invalid"},
		{"read wrong type", alice.Token(), "POST", r + "/read", `{"seq":"5"}`, 400, "invalid"},
		{"member renames", bob.Token(), "PATCH", r, `{"name":"mine"}`, 403, "forbidden"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, code := raw(t, srv, c.token, c.method, c.path, c.body)
			if status != c.status || code != c.code {
				t.Fatalf("got %d %q, want %d %q", status, code, c.status, c.code)
			}
		})
	}
}

// U+0000, which PostgreSQL cannot keep in text, is refused with 400 invalid
// wherever a client can put it — the same on SQLite and on PostgreSQL, and
// never a 500 or an error in the server's log.
func TestNULIsInvalidOnEveryStore(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testNULIsInvalid(t, testserver.Start(t)) })
	t.Run("postgres", func(t *testing.T) { testNULIsInvalid(t, testserver.StartCluster(t, 1)[0]) })
}

func testNULIsInvalid(t *testing.T, srv *testserver.Server) {
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	room := newRoom(t, alice, "nul", bob)
	msg, err := alice.SendMessage(ctxT(t), room.ID, "", "hello", 0)
	if err != nil {
		t.Fatal(err)
	}
	r := "/api/v1/rooms/" + string(room.ID)
	m := fmt.Sprintf("%s/messages/%d", r, msg.Seq)
	tok := alice.Token()
	cases := []struct{ name, token, method, path, body string }{
		{"login username", "", "POST", "/api/v1/auth/login", `{"username":"al\u0000ice","password":"password-alice"}`},
		{"signup display name", "", "POST", "/api/v1/auth/signup", `{"username":"zed","password":"12345678","display_name":"Z\u0000"}`},
		{"user by name", tok, "GET", "/api/v1/users/b%00b", ""},
		{"user search", tok, "GET", "/api/v1/users?q=b%00", ""},
		{"send text", tok, "POST", r + "/messages", `{"text":"a\u0000b"}`},
		{"send client_id", tok, "POST", r + "/messages", `{"text":"a","client_id":"c\u0000"}`},
		{"send attachment id", tok, "POST", r + "/messages", `{"attachments":["\u0000"]}`},
		{"edit text", tok, "PATCH", m, `{"text":"\u0000"}`},
		{"react", tok, "PUT", m + "/reactions/%00", ""},
		{"room name", tok, "POST", "/api/v1/rooms", `{"name":"n\u0000"}`},
		{"room member", tok, "POST", "/api/v1/rooms", `{"name":"n","members":["b\u0000b"]}`},
		{"direct", tok, "POST", "/api/v1/rooms/direct", `{"username":"b\u0000b"}`},
		{"rename", tok, "PATCH", r, `{"name":"\u0000"}`},
		{"announcement", tok, "PATCH", r, `{"announcement":"a\u0000"}`},
		{"invite", tok, "POST", r + "/members", `{"members":["\u0000"]}`},
		{"room path", tok, "GET", "/api/v1/rooms/%00", ""},
		{"history of room path", tok, "GET", "/api/v1/rooms/r%00/messages", ""},
		{"read room path", tok, "POST", "/api/v1/rooms/%00/read", `{"seq":1}`},
		{"typing room path", tok, "POST", "/api/v1/rooms/%00/typing", `{"typing":true}`},
		{"remove member path", tok, "DELETE", r + "/members/%00", ""},
		{"role path", tok, "PUT", r + "/members/u%00/role", `{"role":"admin"}`},
		{"display name", tok, "PATCH", "/api/v1/me", `{"display_name":"\u0000"}`},
		{"status message", tok, "PATCH", "/api/v1/me", `{"status_message":"s\u0000"}`},
		{"friend request", tok, "POST", "/api/v1/friends/requests", `{"username":"b\u0000b"}`},
		{"accept path", tok, "POST", "/api/v1/friends/requests/%00/accept", ""},
		{"decline path", tok, "POST", "/api/v1/friends/requests/%00/decline", ""},
		{"cancel path", tok, "DELETE", "/api/v1/friends/requests/%00", ""},
		{"unfriend path", tok, "DELETE", "/api/v1/friends/%00", ""},
		{"block", tok, "POST", "/api/v1/blocks", `{"username":"\u0000"}`},
		{"unblock path", tok, "DELETE", "/api/v1/blocks/%00", ""},
		{"attachment path", tok, "GET", "/api/v1/attachments/%00", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, e := rawVia(t, srv.HTTPClient(), srv, c.token, c.method, c.path, c.body)
			if status != 400 || e.Code != "invalid" {
				t.Fatalf("got %d %+v, want 400 invalid", status, e)
			}
		})
	}
	for _, name := range []string{"a\x00b.txt", "a\xffb.txt"} {
		t.Run("upload named "+strconv.Quote(name), func(t *testing.T) {
			status, e := uploadNamed(t, srv, tok, url.PathEscape(name))
			if status != 400 || e.Code != "invalid" || !strings.Contains(e.Message, "filename") {
				t.Fatalf("got %d %+v, want 400 invalid about the filename", status, e)
			}
		})
	}

	// The same over the WebSocket: an error frame, and the connection lives.
	ac := alice.Connect(t)
	rid := string(room.ID)
	for _, f := range []struct{ typ, data string }{
		{"send", `{"room_id":"\u0000","text":"x"}`},
		{"send", `{"room_id":"` + rid + `","text":"\u0000"}`},
		{"read", `{"room_id":"r\u0000","seq":1}`},
		{"edit", `{"room_id":"` + rid + `","seq":2,"text":"\u0000"}`},
		{"delete", `{"room_id":"\u0000","seq":2}`},
		{"react", `{"room_id":"\u0000","seq":2,"emoji":"👍","on":true}`},
		{"react", `{"room_id":"` + rid + `","seq":2,"emoji":"\u0000","on":true}`},
		{"typing", `{"room_id":"\u0000","typing":true}`},
	} {
		_, err := ac.Request(ctxT(t), f.typ, json.RawMessage(f.data))
		if client.ErrorCode(err) != "invalid" {
			t.Errorf("%s %s: %v, want an invalid error frame", f.typ, f.data, err)
		}
	}
	if _, err := ac.Send(ctxT(t), room.ID, "", "still here"); err != nil || ac.Connects() != 1 {
		t.Fatalf("after the bad frames: %v, %d connects", err, ac.Connects())
	}
	if logs := srv.ErrorLogs(); len(logs) > 0 {
		t.Fatalf("the server logged errors: %q", logs)
	}
}

// uploadNamed posts a one-file multipart body whose part names its file with
// filename*, an RFC 5987 percent-encoded UTF-8 name, and returns the status
// and error.
func uploadNamed(t *testing.T, srv *testserver.Server, token, encodedName string) (int, apiError) {
	t.Helper()
	const boundary = "b0undary"
	body := "--" + boundary + "\r\n" +
		"Content-Disposition: form-data; name=\"file\"; filename*=UTF-8''" + encodedName + "\r\n" +
		"Content-Type: text/plain\r\n\r\nhello\r\n--" + boundary + "--\r\n"
	req, err := http.NewRequest("POST", srv.URL+"/api/v1/attachments", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct{ Error apiError }
	json.NewDecoder(resp.Body).Decode(&e)
	return resp.StatusCode, e.Error
}

func TestBadFramesGetErrorsAndTheConnectionSurvives(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	room := newRoom(t, alice, "frames", bob)
	ac := alice.Connect(t)
	bc := bob.Connect(t)
	rid := string(room.ID)
	cases := []struct{ name, frame, code string }{
		{"not json", `hello`, "invalid"},
		{"array", `[1,2]`, "invalid"},
		{"no type", `{"id":"1"}`, "invalid"},
		{"unknown type", `{"id":"2","type":"dance"}`, "invalid"},
		{"send without data", `{"id":"3","type":"send"}`, "invalid"},
		{"send data wrong type", `{"id":"4","type":"send","data":"text"}`, "invalid"},
		{"send text wrong type", `{"id":"5","type":"send","data":{"room_id":"` + rid + `","text":5}}`, "invalid"},
		{"send empty text", `{"id":"6","type":"send","data":{"room_id":"` + rid + `","text":""}}`, "invalid"},
		{"send too long", `{"id":"7","type":"send","data":{"room_id":"` + rid + `","text":"` + strings.Repeat("y", 4001) + `"}}`, "invalid"},
		{"send unknown room", `{"id":"8","type":"send","data":{"room_id":"nope","text":"x"}}`, "not_found"},
		{"read negative", `{"id":"9","type":"read","data":{"room_id":"` + rid + `","seq":-1}}`, "invalid"},
		{"edit missing", `{"id":"10","type":"edit","data":{"room_id":"` + rid + `","seq":77,"text":"x"}}`, "not_found"},
		{"delete system", `{"id":"11","type":"delete","data":{"room_id":"` + rid + `","seq":1}}`, "forbidden"},
		{"id too long", `{"id":"` + strings.Repeat("i", 65) + `","type":"ping"}`, "invalid"},
		{"lone surrogate", `{"id":"12","type":"send","data":{"room_id":"` + rid + `","text":"\udc00"}}`, "invalid"},
		{"lone surrogate in the id", `{"id":"\ud800","type":"ping"}`, "invalid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := ac.WriteRaw([]byte(c.frame)); err != nil {
				t.Fatal(err)
			}
			ev := next(t, ac, isType("error"))
			if ev.Err.Code != c.code {
				t.Fatalf("error code %q (%s), want %q", ev.Err.Code, ev.Err.Message, c.code)
			}
		})
	}
	// The connection still works, for alice and for everyone else.
	if _, err := ac.Send(ctxT(t), room.ID, "", "still here"); err != nil {
		t.Fatal(err)
	}
	next(t, bc, isMessage(room.ID, "still here"))
	if ac.Connects() != 1 {
		t.Fatalf("alice reconnected %d times; bad frames must not drop the connection", ac.Connects()-1)
	}
}

// Each client frame requires the fields api/frames.schema.json lists as
// required in its data — those its REST twin requires, with room_id and seq
// standing for the path's {room} and {seq}. A frame without one, or with it
// null, is an invalid error frame naming the field, never a default of 0,
// "" or false; a frame without an optional field is never refused so.
func TestFramesRequireTheirFields(t *testing.T) {
	required := clientFrameRequired(t)
	srv := testserver.Start(t)
	alice := srv.NewUser(t, "alice")
	room := newRoom(t, alice, "fields")
	msg, err := alice.SendMessage(ctxT(t), room.ID, "", "hello", 0)
	if err != nil {
		t.Fatal(err)
	}
	ac := alice.Connect(t)
	rid, seq := string(room.ID), msg.Seq
	// A valid data object of every frame type that has one, in an order
	// where each still applies (delete last).
	frames := []struct {
		typ  string
		data map[string]any
	}{
		{"send", map[string]any{"room_id": rid, "text": "x", "client_id": "c1", "reply_to": seq}},
		{"read", map[string]any{"room_id": rid, "seq": seq}},
		{"edit", map[string]any{"room_id": rid, "seq": seq, "text": "edited"}},
		{"react", map[string]any{"room_id": rid, "seq": seq, "emoji": "👍", "on": true}},
		{"typing", map[string]any{"room_id": rid, "typing": false}},
		{"focus", map[string]any{"focused": false}},
		{"delete", map[string]any{"room_id": rid, "seq": seq}},
	}
	if len(frames) != len(required) {
		t.Errorf("the schema has data for frame types %v; this test covers %d", slices.Sorted(maps.Keys(required)), len(frames))
	}
	for _, f := range frames {
		req, ok := required[f.typ]
		if !ok {
			t.Errorf("%s: not a client frame with data in api/frames.schema.json", f.typ)
		}
		for field := range f.data {
			isRequired := slices.Contains(req, field)
			for _, absent := range []bool{true, false} {
				data := maps.Clone(f.data)
				if absent {
					delete(data, field)
				} else if isRequired {
					data[field] = nil
				} else {
					continue
				}
				_, err := ac.Request(ctxT(t), f.typ, data)
				want := f.typ + " data: " + field + " is required"
				var e *client.Error
				refused := errors.As(err, &e) && e.Code == "invalid" && e.Message == want
				if isRequired != refused {
					t.Errorf("%s %v: %v; required by the schema: %v", f.typ, data, err, isRequired)
				}
			}
		}
		for _, field := range req {
			if _, ok := f.data[field]; !ok {
				t.Errorf("%s: the schema requires %s, which this test does not send", f.typ, field)
			}
		}
		// And the whole frame is accepted.
		if _, err := ac.Request(ctxT(t), f.typ, f.data); err != nil {
			t.Errorf("%s %v: %v", f.typ, f.data, err)
		}
	}
}

// clientFrameRequired reads, for every client frame type with a data
// object, the data's required properties from api/frames.schema.json.
func clientFrameRequired(t *testing.T) map[string][]string {
	t.Helper()
	var schema struct {
		Defs map[string]struct {
			OneOf []struct {
				Ref string `json:"$ref"`
			}
			Properties struct {
				Type struct{ Const string }
				Data struct{ Required []string }
			}
		} `json:"$defs"`
	}
	if err := json.Unmarshal(api.Frames, &schema); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, ref := range schema.Defs["ClientFrame"].OneOf {
		def, ok := schema.Defs[strings.TrimPrefix(ref.Ref, "#/$defs/")]
		if !ok {
			t.Fatalf("ClientFrame refers to %s, which the schema does not define", ref.Ref)
		}
		if def.Properties.Data.Required != nil {
			out[def.Properties.Type.Const] = def.Properties.Data.Required
		}
	}
	if len(out) == 0 {
		t.Fatal("no client frame with required data in api/frames.schema.json: is the walk broken?")
	}
	return out
}

func TestOversizedFrameClosesOnlyThatConnection(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	room := newRoom(t, alice, "big", bob)
	ac, bc := alice.Connect(t), bob.Connect(t)
	ac.WriteRaw([]byte(`{"type":"ping","pad":"` + strings.Repeat("p", 70<<10) + `"}`))
	deadline := time.Now().Add(time.Minute)
	for ac.Connects() < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if ac.Connects() < 2 {
		t.Fatal("oversized frame did not close the connection")
	}
	if _, err := ac.Send(ctxT(t), room.ID, "", "after reconnect"); err != nil {
		t.Fatal(err)
	}
	next(t, bc, isMessage(room.ID, "after reconnect"))
}

func TestSendRateLimit(t *testing.T) {
	srv := testserver.Start(t, func(c *server.Config) {
		c.Limits.MessagesPerSecond = 1
		c.Limits.MessageBurst = 3
	})
	alice := srv.NewUser(t, "alice")
	room := newRoom(t, alice, "limited")
	var err error
	for range 5 {
		if _, err = alice.SendMessage(ctxT(t), room.ID, "", "x", 0); err != nil {
			break
		}
	}
	mustCode(t, err, "rate_limited")
}
