// Package client is the Go client of Parley: the REST API and a WebSocket
// connection that reconnects by itself and resumes without losing or
// repeating a message. Parley's own tests, its load generator and bots use it.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"parley/internal/chat"
)

// The API's types, under the client's name.
type (
	User         = chat.User
	UserID       = chat.UserID
	RoomID       = chat.RoomID
	Room         = chat.Room
	RoomSummary  = chat.RoomSummary
	Member       = chat.Member
	Message      = chat.Message
	SystemEvent  = chat.SystemEvent
	ReadCount    = chat.ReadCount
	ReadPosition = chat.ReadPosition
	Role         = chat.Role
	Page         = chat.Page
	Attachment   = chat.Attachment
	SendRequest  = chat.SendRequest
	// Time is every time the API sends: a time.Time in UTC, to the
	// millisecond (its Time field holds it).
	Time = chat.Time
)

// Error is an API error: the HTTP status (0 on WebSocket) and the stable code.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("parley: %d %s: %s", e.Status, e.Code, e.Message)
	}
	return fmt.Sprintf("parley: %s: %s", e.Code, e.Message)
}

// ErrorCode returns the API error code of err, or "".
func ErrorCode(err error) string {
	if e, ok := err.(*Error); ok {
		return e.Code
	}
	return ""
}

// Client talks to one Parley server. It is safe for concurrent use; the token
// is set by Login or WithToken.
type Client struct {
	base      string
	token     string
	device    string // device token from the last login, sent with the next (sessions.go)
	agent     string // User-Agent, shown in the sessions list
	http      *http.Client
	frameHook func(frame []byte, poll bool)
}

// New returns a client for the server at baseURL ("http://localhost:8080").
func New(baseURL string) *Client {
	return &Client{base: strings.TrimRight(baseURL, "/"), http: &http.Client{}}
}

// WithToken returns a copy of c that authenticates with token.
func (c *Client) WithToken(token string) *Client {
	cp := *c
	cp.token = token
	return &cp
}

// WithHTTPClient returns a copy of c that uses hc for REST calls.
func (c *Client) WithHTTPClient(hc *http.Client) *Client {
	cp := *c
	cp.http = hc
	return &cp
}

// WithFrameHook returns a copy of c whose connections pass every server frame
// they receive to hook before handling it: one line of a WebSocket message,
// or one event of a long-poll answer (poll true). hook runs on the
// connection's reader and must not keep frame. Tests use it to check every
// frame against api/frames.schema.json.
func (c *Client) WithFrameHook(hook func(frame []byte, poll bool)) *Client {
	cp := *c
	cp.frameHook = hook
	return &cp
}

func (c *Client) Token() string   { return c.token }
func (c *Client) BaseURL() string { return c.base }

// Do sends a request with a JSON body (nil for none) and decodes a JSON
// answer into out (nil to discard). Exported for tests and tools that need a
// route the typed methods do not cover.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.send(req, out)
}

// send authenticates req, sends it and decodes a JSON answer into out.
func (c *Client) send(req *http.Request, out any) error {
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.agent != "" {
		req.Header.Set("User-Agent", c.agent)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 400 {
		return apiError(resp.StatusCode, data)
	}
	if out != nil && len(data) > 0 {
		return json.Unmarshal(data, out)
	}
	return nil
}

func apiError(status int, body []byte) *Error {
	var e struct {
		Error struct{ Code, Message string }
	}
	if json.Unmarshal(body, &e) != nil || e.Error.Code == "" {
		return &Error{Status: status, Code: "http", Message: strings.TrimSpace(string(body))}
	}
	return &Error{Status: status, Code: e.Error.Code, Message: e.Error.Message}
}

func (c *Client) Signup(ctx context.Context, username, password, displayName string) (User, error) {
	var u User
	err := c.Do(ctx, "POST", "/api/v1/auth/signup", chat.SignupRequest{Username: username, Password: password, DisplayName: displayName}, &u)
	return u, err
}

// Login returns a client authenticated as the user. It sends the device
// token of an earlier login through c (WithDevice), which exempts it from the
// per-username limit on failed logins, and the returned client keeps the
// device token the server answered with (DeviceToken).
func (c *Client) Login(ctx context.Context, username, password string) (*Client, User, error) {
	var r struct {
		Token       string `json:"token"`
		User        User   `json:"user"`
		DeviceToken string `json:"device_token"`
	}
	req := map[string]string{"username": username, "password": password}
	if c.device != "" {
		req["device_token"] = c.device
	}
	err := c.Do(ctx, "POST", "/api/v1/auth/login", req, &r)
	if err != nil {
		return nil, User{}, err
	}
	lc := c.WithToken(r.Token)
	lc.device = r.DeviceToken
	return lc, r.User, nil
}

func (c *Client) Logout(ctx context.Context) error {
	return c.Do(ctx, "POST", "/api/v1/auth/logout", nil, nil)
}

func (c *Client) Me(ctx context.Context) (User, error) {
	var u User
	return u, c.Do(ctx, "GET", "/api/v1/me", nil, &u)
}

func (c *Client) User(ctx context.Context, username string) (User, error) {
	var u User
	return u, c.Do(ctx, "GET", "/api/v1/users/"+url.PathEscape(username), nil, &u)
}

func (c *Client) Rooms(ctx context.Context) ([]RoomSummary, error) {
	var r struct{ Rooms []RoomSummary }
	return r.Rooms, c.Do(ctx, "GET", "/api/v1/rooms", nil, &r)
}

// CreateRoom creates a group room with the named members (usernames).
func (c *Client) CreateRoom(ctx context.Context, name string, members ...string) (RoomSummary, error) {
	var r RoomSummary
	return r, c.Do(ctx, "POST", "/api/v1/rooms", map[string]any{"name": name, "members": members}, &r)
}

// OpenDirect returns the 1:1 room with username, creating it the first time.
func (c *Client) OpenDirect(ctx context.Context, username string) (RoomSummary, error) {
	var r RoomSummary
	return r, c.Do(ctx, "POST", "/api/v1/rooms/direct", map[string]string{"username": username}, &r)
}

func roomPath(id RoomID, rest ...string) string {
	return "/api/v1/rooms/" + url.PathEscape(string(id)) + strings.Join(rest, "")
}

func (c *Client) Room(ctx context.Context, id RoomID) (RoomSummary, error) {
	var r RoomSummary
	return r, c.Do(ctx, "GET", roomPath(id), nil, &r)
}

// UpdateRoom changes the name and/or announcement; nil leaves a field alone.
func (c *Client) UpdateRoom(ctx context.Context, id RoomID, name, announcement *string) (RoomSummary, error) {
	var r RoomSummary
	return r, c.Do(ctx, "PATCH", roomPath(id), map[string]*string{"name": name, "announcement": announcement}, &r)
}

func (c *Client) Leave(ctx context.Context, id RoomID) error {
	return c.Do(ctx, "POST", roomPath(id, "/leave"), nil, nil)
}

func (c *Client) Members(ctx context.Context, id RoomID) ([]Member, error) {
	var r struct{ Members []Member }
	return r.Members, c.Do(ctx, "GET", roomPath(id, "/members"), nil, &r)
}

// Invite adds the named users who consent to the room and asks the others
// (client/consent.go): Added are in, Invited were asked or went nowhere.
func (c *Client) Invite(ctx context.Context, id RoomID, usernames ...string) (InviteResult, error) {
	var r InviteResult
	return r, c.Do(ctx, "POST", roomPath(id, "/members"), map[string]any{"members": usernames}, &r)
}

func (c *Client) RemoveMember(ctx context.Context, id RoomID, user UserID) error {
	return c.Do(ctx, "DELETE", roomPath(id, "/members/", url.PathEscape(string(user))), nil, nil)
}

func (c *Client) SetRole(ctx context.Context, id RoomID, user UserID, role Role) (Message, error) {
	var m Message
	return m, c.Do(ctx, "PUT", roomPath(id, "/members/", url.PathEscape(string(user)), "/role"), map[string]Role{"role": role}, &m)
}

// History returns a page of messages (newest first unless p.Asc); with
// p.Around, the page centred on that seq.
func (c *Client) History(ctx context.Context, id RoomID, p Page) ([]Message, error) {
	q := url.Values{}
	if p.Before > 0 {
		q.Set("before", strconv.FormatInt(p.Before, 10))
	}
	if p.After > 0 {
		q.Set("after", strconv.FormatInt(p.After, 10))
	}
	if p.Around > 0 {
		q.Set("around", strconv.FormatInt(p.Around, 10))
	}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.Asc {
		q.Set("order", "asc")
	}
	var r struct{ Messages []Message }
	return r.Messages, c.Do(ctx, "GET", roomPath(id, "/messages?", q.Encode()), nil, &r)
}

// SendMessage sends over REST. Reusing clientID returns the original message.
func (c *Client) SendMessage(ctx context.Context, id RoomID, clientID, text string, replyTo int64) (Message, error) {
	var m Message
	return m, c.Do(ctx, "POST", roomPath(id, "/messages"), map[string]any{"client_id": clientID, "text": text, "reply_to": replyTo}, &m)
}

func (c *Client) EditMessage(ctx context.Context, id RoomID, seq int64, text string) (Message, error) {
	var m Message
	return m, c.Do(ctx, "PATCH", roomPath(id, "/messages/", strconv.FormatInt(seq, 10)), map[string]string{"text": text}, &m)
}

func (c *Client) DeleteMessage(ctx context.Context, id RoomID, seq int64) (Message, error) {
	var m Message
	return m, c.Do(ctx, "DELETE", roomPath(id, "/messages/", strconv.FormatInt(seq, 10)), nil, &m)
}

func (c *Client) MarkRead(ctx context.Context, id RoomID, seq int64) (ReadPosition, error) {
	var p ReadPosition
	return p, c.Do(ctx, "POST", roomPath(id, "/read"), map[string]int64{"seq": seq}, &p)
}

// Receipts returns the room's read-position histogram.
func (c *Client) Receipts(ctx context.Context, id RoomID) ([]ReadCount, error) {
	var r struct{ Counts []ReadCount }
	return r.Counts, c.Do(ctx, "GET", roomPath(id, "/receipts"), nil, &r)
}

// UnreadBy computes "unread by N" for seq from a receipts histogram.
func UnreadBy(hist []ReadCount, seq int64) int {
	n := 0
	for _, h := range hist {
		if h.Seq < seq {
			n += h.Count
		}
	}
	return n
}
