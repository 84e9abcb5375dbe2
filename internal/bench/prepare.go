package bench

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"parley/client"
	"parley/internal/chat"
	"parley/internal/password"
	"parley/internal/ratelimit"
	"parley/internal/server"
)

// plan is who exists and who is in which room, before anything is created.
type plan struct {
	names []string  // usernames; index = user = connection
	rooms [][]int   // member users of each room; the first owns it
	sends [][]int32 // rooms, ingest: the rooms each user sends to
}

// makePlan lays the scenario out. Broadcast picks its publishers among the
// connections that became ready, so it needs no send plan.
func makePlan(cfg Config) plan {
	n := cfg.Conns
	p := plan{names: make([]string, n), sends: make([][]int32, n)}
	for i := range p.names {
		p.names[i] = fmt.Sprintf("bench_%s_%d", cfg.RunID, i)
	}
	switch cfg.Scenario {
	case "broadcast":
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		p.rooms = [][]int{all}
	case "rooms", "connect":
		for lo := 0; cfg.RoomSize > 0 && lo < n; lo += cfg.RoomSize {
			room := make([]int, 0, cfg.RoomSize)
			for i := lo; i < min(lo+cfg.RoomSize, n); i++ {
				room = append(room, i)
				if cfg.Scenario == "rooms" {
					p.sends[i] = []int32{int32(len(p.rooms))}
				}
			}
			p.rooms = append(p.rooms, room)
		}
	case "ingest":
		// Rooms and senders are matched modulo m: with more rooms than
		// senders each sender owns several rooms alone; with more senders
		// than rooms each room has several senders. Either way every room
		// gets traffic and every sender is a member of what it sends to.
		m := min(n, cfg.Rooms)
		p.rooms = make([][]int, cfg.Rooms)
		for j := range p.rooms {
			for i := j % m; i < n; i += m {
				p.rooms[j] = append(p.rooms[j], i)
				p.sends[i] = append(p.sends[i], int32(j))
			}
		}
	}
	return p
}

// credentials are what preparation produced: a token per user, an id per room.
type credentials struct {
	tokens  []string
	roomIDs []string
}

func prepare(ctx context.Context, cfg Config, p plan) (credentials, error) {
	if cfg.DB != "" {
		return prepareStore(ctx, cfg, p)
	}
	return prepareAPI(ctx, cfg, p)
}

// prepareStore writes users, sessions and rooms straight into the server's
// database through the same domain code the server runs (chat.Accounts,
// chat.Service), so everything is valid server state. Only one password is
// hashed: every bench user shares that hash of a random password nobody
// keeps, so they can be used only through the issued tokens.
//
// The room_added events CreateGroup publishes go to this process's own bus
// and are lost; that is why everything is created before any connection
// opens: each connection then learns its rooms from its ready frame.
//
// Bench users are strangers to each other, so they are created accepting
// anyone's invitations ("who may add me": anyone): the rooms are filled the
// way a server holding 15,000 such accounts would fill them, one
// members_added message per hundred, and nothing waits as a pending invite.
func prepareStore(ctx context.Context, cfg Config, p plan) (credentials, error) {
	store, err := server.OpenStore(ctx, cfg.DB)
	if err != nil {
		return credentials{}, err
	}
	defer store.Close()
	big := 20000
	unlimited := math.Inf(1) // this process's own limiters: preparation is no abuse
	cc := chat.Config{
		Store: store, Bus: nopBus{}, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Limits: chat.Limits{MaxInvite: big, MaxRoomMembers: big, MaxRoomsPerUser: big,
			RoomCreatesPerSecond: unlimited, InvitesPerSecond: unlimited, InviteBurst: big},
		DefaultWhoMayAdd: chat.AddAnyone,
		RateLimiters:     ratelimit.Local(time.Now),
	}
	// The accounts' hash costs what a real one does: bench logins measure it.
	cc.Passwords = password.New(cc.Limits, password.DefaultParams())
	accounts := chat.NewAccounts(cc)
	svc := chat.NewService(cc)
	defer svc.Close()

	n := len(p.names)
	ids := make([]chat.UserID, n)
	first, err := accounts.Signup(ctx, chat.SignupRequest{Username: p.names[0], Password: randomPassword()})
	if err != nil {
		return credentials{}, fmt.Errorf("create user %s: %w", p.names[0], err)
	}
	ids[0] = first.ID
	_, hash, err := store.UserByUsername(ctx, p.names[0])
	if err != nil {
		return credentials{}, err
	}
	err = parallel(ctx, cfg.Status, "users", n-1, 16, func(k int) error {
		i := k + 1
		u, err := store.CreateUser(ctx, chat.NewUser{
			ID: chat.UserID(uuid.Must(uuid.NewV7()).String()), Username: p.names[i], DisplayName: p.names[i],
			PasswordHash: hash, CreatedAt: time.Now().UTC().Truncate(time.Millisecond), WhoMayAdd: chat.AddAnyone,
		})
		ids[i] = u.ID
		return err
	})
	if err != nil {
		return credentials{}, err
	}
	c := credentials{tokens: make([]string, n), roomIDs: make([]string, len(p.rooms))}
	err = parallel(ctx, cfg.Status, "tokens", n, 16, func(i int) (err error) {
		c.tokens[i], err = accounts.IssueToken(ctx, ids[i])
		return err
	})
	if err != nil {
		return credentials{}, err
	}
	err = parallel(ctx, cfg.Status, "rooms", len(p.rooms), 8, func(j int) error {
		members := make([]string, 0, len(p.rooms[j])-1)
		for _, u := range p.rooms[j][1:] {
			members = append(members, p.names[u])
		}
		// Batches of the API's invite limit, so the history (and the last
		// message in every room list) looks like one built through the API.
		owner := ids[p.rooms[j][0]]
		k := min(len(members), maxInvitePerRequest)
		sum, err := svc.CreateGroup(ctx, owner, roomName(cfg, j), members[:k], chat.Private)
		if err != nil {
			return err
		}
		c.roomIDs[j] = string(sum.ID)
		for ; k < len(members); k += maxInvitePerRequest {
			if _, err := svc.Invite(ctx, owner, sum.ID, members[k:min(k+maxInvitePerRequest, len(members))]); err != nil {
				return err
			}
		}
		return nil
	})
	return c, err
}

// maxInvitePerRequest is the server's default limit on users named in one
// create or invite request.
const maxInvitePerRequest = 100

// prepareAPI signs up, logs in and builds rooms over REST, as any client
// would. Every signup and login costs the server an argon2 hash, so this is
// for a few hundred users; use --db beyond that.
//
// Strangers cannot add each other to rooms (docs/decisions/0020-consent.md),
// so rooms are filled the way people fill big rooms: each owner makes an
// invite link and the members join with it, in parallel. That spends no
// invitation rate, and one join each is within every user's join rate.
func prepareAPI(ctx context.Context, cfg Config, p plan) (credentials, error) {
	hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	api := client.New(cfg.URLs[0]).WithHTTPClient(hc)
	pw := randomPassword()
	n := len(p.names)
	c := credentials{tokens: make([]string, n), roomIDs: make([]string, len(p.rooms))}
	err := parallel(ctx, cfg.Status, "users (signup+login over REST)", n, 8, func(i int) error {
		if err := whenNotBusy(ctx, func() error { _, err := api.Signup(ctx, p.names[i], pw, p.names[i]); return err }); err != nil {
			return fmt.Errorf("signup %s: %w", p.names[i], err)
		}
		var lc *client.Client
		err := whenNotBusy(ctx, func() (err error) { lc, _, err = api.Login(ctx, p.names[i], pw); return err })
		if err != nil {
			return fmt.Errorf("login %s: %w", p.names[i], err)
		}
		c.tokens[i] = lc.Token()
		return nil
	})
	if err != nil {
		return credentials{}, err
	}
	codes := make([]string, len(p.rooms))
	err = parallel(ctx, cfg.Status, "rooms", len(p.rooms), 8, func(j int) error {
		owner := api.WithToken(c.tokens[p.rooms[j][0]])
		var sum client.RoomSummary
		err := whenNotBusy(ctx, func() (err error) { sum, err = owner.CreateRoom(ctx, roomName(cfg, j)); return err })
		if err != nil {
			return fmt.Errorf("create room: %w", err)
		}
		c.roomIDs[j] = string(sum.ID)
		if len(p.rooms[j]) > 1 {
			var link client.Link
			err := whenNotBusy(ctx, func() (err error) { link, err = owner.CreateLink(ctx, sum.ID, 0, 0); return err })
			if err != nil {
				return fmt.Errorf("invite link: %w", err)
			}
			codes[j] = link.Code
		}
		return nil
	})
	if err != nil {
		return credentials{}, err
	}
	// Who joins what, flattened, so the joins of one big room run in parallel.
	type join struct{ user, room int }
	var joins []join
	for j, members := range p.rooms {
		for _, u := range members[1:] {
			joins = append(joins, join{u, j})
		}
	}
	err = parallel(ctx, cfg.Status, "joins (invite links over REST)", len(joins), 8, func(k int) error {
		jn := joins[k]
		member := api.WithToken(c.tokens[jn.user])
		if err := whenNotBusy(ctx, func() error { _, err := member.JoinLink(ctx, codes[jn.room]); return err }); err != nil {
			return fmt.Errorf("join room %d: %w", jn.room, err)
		}
		return nil
	})
	return c, err
}

// whenNotBusy calls f until the server answers something other than 503
// unavailable: a busy server (its password-hashing queue full, say) asks to
// be tried again, and a run should not fail for it. A 503 did nothing, so
// the same request is safe to repeat. Gives up after busyPatience.
func whenNotBusy(ctx context.Context, f func() error) error {
	deadline := time.Now().Add(busyPatience)
	wait := 250 * time.Millisecond
	for {
		err := f()
		if client.ErrorCode(err) != "unavailable" || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait/2 + mrand.N(wait/2+1)):
		}
		wait = min(2*wait, 4*time.Second)
	}
}

const busyPatience = 2 * time.Minute

// prepMethod says which preparation path cfg takes.
func prepMethod(cfg Config) string {
	if cfg.DB != "" {
		return "direct to the store"
	}
	return "REST API"
}

func roomName(cfg Config, j int) string {
	return fmt.Sprintf("bench %s %s %d", cfg.RunID, cfg.Scenario, j)
}

func randomPassword() string {
	b := make([]byte, 18)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// parallel runs fn(0..n-1) on workers goroutines, stops at the first error,
// and reports progress on status every two seconds for long jobs.
func parallel(ctx context.Context, status io.Writer, what string, n, workers int, fn func(i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next, done atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					cancel(err)
					return
				}
				done.Add(1)
			}
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-finished:
			return context.Cause(ctx)
		case <-tick.C:
			if status != nil {
				fmt.Fprintf(status, "  %s: %d/%d\n", what, done.Load(), n)
			}
		}
	}
}

// nopBus drops the events of preparation: the server learns about the new
// rooms from the store when the connections open (see prepareStore).
type nopBus struct{}

func (nopBus) Publish(context.Context, string, chat.Event) error  { return nil }
func (nopBus) Subscribe(string, func(chat.Event)) (cancel func()) { return func() {} }
