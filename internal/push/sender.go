package push

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"

	"parley/internal/chat"
)

// Stats are the sender's counters since start, for /metrics.
type Stats struct {
	Queued   atomic.Int64 // deliveries queued (a message folded into a pending one counts too)
	Sent     atomic.Int64 // notifications the push service accepted
	Failed   atomic.Int64 // deliveries given up: refused, or older than MaxAge
	Expired  atomic.Int64 // subscriptions deleted because their push service answered 404 or 410
	QueueAge atomic.Int64 // milliseconds: the oldest outbox entry or delivery the last pass found
}

// Payload is what a notification carries, JSON in the encrypted body.
type Payload struct {
	RoomID   chat.RoomID `json:"room_id"`
	RoomName string      `json:"room_name"`
	Sender   string      `json:"sender"` // display name
	Text     string      `json:"text"`   // a preview of the latest message
	Seq      int64       `json:"seq"`    // of the latest message
	Count    int         `json:"count"`  // messages this notification stands for
	Unread   int64       `json:"unread"` // the room's messages after the user's read position, through this one, system lines left out
	Mention  bool        `json:"mention,omitempty"`
	Badge    int64       `json:"badge"` // the user's unread messages over all rooms
}

// previewLen bounds the text preview, in runes: the body of a push
// message holds at most about 3,990 bytes.
const previewLen = 200

// Run sends notifications until ctx is done: each pass moves outbox entries
// into deliveries and sends the deliveries that are due. Every node runs
// it; the store's claims give each entry and delivery to one node at a time.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.pass(ctx)
	}
}

// claimBatch is how many outbox entries, or deliveries, one claim takes.
const claimBatch = 100

// pass expands and sends until a claim comes back short: a full one means
// more is waiting, and one claim per tick would cap a node at 400 messages
// a second, letting the outbox grow without end under a heavier load.
func (s *Service) pass(ctx context.Context) {
	for ctx.Err() == nil {
		expanded := s.expand(ctx)
		sent := s.deliver(ctx)
		if expanded < claimBatch && sent < claimBatch {
			return
		}
	}
}

// Stats returns the sender's counters.
func (s *Service) Stats() *Stats { return &s.stats }

func newClaim() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// expand works out who each claimed outbox entry notifies, and says how
// many it claimed.
func (s *Service) expand(ctx context.Context) int {
	claim, now := newClaim(), s.now()
	entries, err := s.store.ClaimPushOutbox(ctx, claim, now, now.Add(s.cfg.Lease), claimBatch)
	if s.outages.Observe("push: claim outbox", err); err != nil {
		return 0
	}
	oldest := time.Duration(0)
	for _, e := range entries {
		oldest = max(oldest, now.Sub(e.CreatedAt))
		var ds []chat.PushDelivery
		if now.Sub(e.CreatedAt) < s.cfg.MaxAge {
			ds, err = s.deliveriesFor(ctx, e)
			if s.outages.Observe("push: recipients", err, "room", e.RoomID, "seq", e.Seq); err != nil {
				continue // the lease runs out and the entry is tried again
			}
		} else {
			s.stats.Failed.Add(1)
		}
		held, err := s.store.QueuePushDeliveries(ctx, e, claim, ds)
		if s.outages.Observe("push: queue", err, "room", e.RoomID, "seq", e.Seq); err != nil {
			continue
		}
		if held {
			s.stats.Queued.Add(int64(len(ds)))
		}
	}
	s.stats.QueueAge.Store(oldest.Milliseconds())
	return len(entries)
}

// deliveriesFor applies the rules of who is notified of a message: the
// members whose level in the room is all, and those it mentions whose
// level is not off (NotifyCandidates); never the sender, nobody who
// blocked the sender, nobody active right now (a focused client), and
// nobody inside their do-not-disturb window when the message was stored.
func (s *Service) deliveriesFor(ctx context.Context, e chat.PushOutboxEntry) ([]chat.PushDelivery, error) {
	m, err := s.store.Message(ctx, e.RoomID, e.Seq)
	if chat.ErrorCode(err) == chat.NotFound {
		return nil, nil
	}
	if err != nil || m.Deleted || m.Kind != chat.Text {
		return nil, err
	}
	room, err := s.store.Room(ctx, e.RoomID)
	if err != nil {
		return nil, err
	}
	candidates, err := s.store.NotifyCandidates(ctx, room.ID, chat.NotifyLevel("").Or(room.Kind), m.Mentions)
	if err != nil {
		return nil, err
	}
	candidates = without(candidates, m.SenderID)
	if len(candidates) == 0 {
		return nil, nil
	}
	blocked, err := s.store.BlockedBy(ctx, m.SenderID, candidates)
	if err != nil {
		return nil, err
	}
	active, err := s.presence.Active(ctx, candidates)
	if err != nil {
		return nil, err
	}
	sender, err := s.store.UserByID(ctx, m.SenderID)
	if err != nil {
		return nil, err
	}
	name := room.Name
	if room.Kind == chat.Direct {
		name = sender.DisplayName
	}
	due := e.CreatedAt.Add(s.cfg.CoalesceWindow)
	var out []chat.PushDelivery
	for _, u := range candidates {
		if active[u] || contains(blocked, u) {
			continue
		}
		subs, err := s.store.PushSubscriptions(ctx, u)
		if err != nil {
			return nil, err
		}
		if len(subs) == 0 {
			continue
		}
		settings, err := s.store.NotifySettings(ctx, u)
		if err != nil {
			return nil, err
		}
		if settings.DND.Quiet(m.CreatedAt.Time) {
			continue
		}
		member, err := s.store.Member(ctx, room.ID, u)
		if chat.ErrorCode(err) == chat.NotFound {
			continue // left since
		}
		if err != nil {
			return nil, err
		}
		badge, err := s.store.UnreadTotal(ctx, u)
		if err != nil {
			return nil, err
		}
		unread, err := s.store.Unread(ctx, room.ID, member.LastReadSeq, m.Seq)
		if err != nil {
			return nil, err
		}
		text := preview(m.Text)
		if !settings.Previews {
			text = ""
		}
		p, err := json.Marshal(Payload{
			RoomID: room.ID, RoomName: name, Sender: sender.DisplayName, Text: text, Seq: m.Seq,
			Unread: unread, Mention: contains(m.Mentions, u), Badge: badge,
		})
		if err != nil {
			return nil, err
		}
		for _, sub := range subs {
			out = append(out, chat.PushDelivery{TokenHash: sub.TokenHash, RoomID: room.ID, Seq: m.Seq, Count: 1,
				Payload: string(p), Urgency: "high", DueAt: due, CreatedAt: e.CreatedAt})
		}
	}
	return out, nil
}

func without(ids []chat.UserID, id chat.UserID) []chat.UserID {
	var out []chat.UserID
	for _, u := range ids {
		if u != id {
			out = append(out, u)
		}
	}
	return out
}

func contains(ids []chat.UserID, id chat.UserID) bool {
	for _, u := range ids {
		if u == id {
			return true
		}
	}
	return false
}

func preview(text string) string {
	r := []rune(text)
	if len(r) <= previewLen {
		return text
	}
	return string(r[:previewLen-1]) + "…"
}

// deliver sends the claimed deliveries that are due, a few at once, and
// says how many it claimed.
func (s *Service) deliver(ctx context.Context) int {
	claim, now := newClaim(), s.now()
	ds, err := s.store.ClaimPushDeliveries(ctx, claim, now, now.Add(s.cfg.Lease), claimBatch)
	if s.outages.Observe("push: claim deliveries", err); err != nil {
		return 0
	}
	sem := make(chan struct{}, s.cfg.Concurrency)
	var wg sync.WaitGroup
	for _, d := range ds {
		if age := now.Sub(d.CreatedAt).Milliseconds(); age > s.stats.QueueAge.Load() {
			s.stats.QueueAge.Store(age)
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			s.send(ctx, d, claim)
		})
	}
	wg.Wait()
	return len(ds)
}

// topic names a room's notifications so a newer one replaces an older one
// still waiting at the push service: at most 32 base64url characters (RFC
// 8030 §5.4), which a room id is not.
func topic(room chat.RoomID) string {
	h := sha256.Sum256([]byte(room))
	return base64.RawURLEncoding.EncodeToString(h[:24])
}

func (s *Service) send(ctx context.Context, d chat.PushDelivery, claim string) {
	var p Payload
	if err := json.Unmarshal([]byte(d.Payload), &p); err != nil {
		s.log.Error("push: stored payload", "err", err)
		s.finish(ctx, d, claim, false)
		return
	}
	p.Count = d.Count
	body, err := json.Marshal(p)
	if err != nil {
		s.log.Error("push: payload", "err", err)
		s.finish(ctx, d, claim, false)
		return
	}
	ttl := max(int((s.cfg.MaxAge - s.now().Sub(d.CreatedAt)).Seconds()), 0)
	rctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	resp, err := webpush.SendNotificationWithContext(rctx, body, &webpush.Subscription{
		Endpoint: d.Sub.Endpoint, Keys: webpush.Keys{P256dh: d.Sub.P256dh, Auth: d.Sub.Auth},
	}, &webpush.Options{
		HTTPClient: s.client, Subscriber: s.subscriber(), TTL: ttl, Topic: topic(d.RoomID),
		Urgency: webpush.Urgency(d.Urgency), VAPIDPublicKey: s.keys.Public, VAPIDPrivateKey: s.keys.Private,
	})
	if err != nil {
		if ctx.Err() != nil {
			return // shutting down: the lease runs out and another pass sends it
		}
		s.log.Info("push: send", "err", err)
		s.retry(ctx, d, claim)
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		s.finish(ctx, d, claim, true)
	case code == http.StatusNotFound || code == http.StatusGone:
		// The browser unsubscribed or the subscription expired: its
		// pending deliveries go with it.
		if err := s.store.DeletePushEndpoint(ctx, d.Sub.Endpoint); err != nil {
			s.outages.Observe("push: delete subscription", err)
			return
		}
		s.outages.Observe("push: delete subscription", nil)
		s.stats.Expired.Add(1)
	case code == http.StatusTooManyRequests || code >= 500:
		s.retry(ctx, d, claim)
	default:
		s.log.Warn("push: refused", "status", code, "endpoint_host", hostOf(d.Sub.Endpoint))
		s.finish(ctx, d, claim, false)
	}
}

// subscriber is the VAPID sub claim as webpush-go takes it: it prefixes
// anything but an https: URL with mailto:.
func (s *Service) subscriber() string {
	return strings.TrimPrefix(s.cfg.Subject, "mailto:")
}

func hostOf(endpoint string) string {
	if _, rest, ok := strings.Cut(endpoint, "://"); ok {
		host, _, _ := strings.Cut(rest, "/")
		return host
	}
	return ""
}

func (s *Service) finish(ctx context.Context, d chat.PushDelivery, claim string, sent bool) {
	if sent {
		s.stats.Sent.Add(1)
	} else {
		s.stats.Failed.Add(1)
	}
	s.outages.Observe("push: finish delivery", s.store.FinishPushDelivery(ctx, d, claim, s.now().Add(s.cfg.CoalesceWindow)))
}

// retry tries d again after a backoff that doubles from RetryBase up to
// five minutes, unless that would take it past MaxAge.
func (s *Service) retry(ctx context.Context, d chat.PushDelivery, claim string) {
	wait := min(s.cfg.RetryBase<<min(d.Attempts, 16), 5*time.Minute)
	at := s.now().Add(wait)
	if at.Sub(d.CreatedAt) > s.cfg.MaxAge {
		s.finish(ctx, d, claim, false)
		return
	}
	s.outages.Observe("push: retry delivery", s.store.RetryPushDelivery(ctx, d, claim, at))
}

var errPrivateAddress = errors.New("push endpoint resolves to a non-public address")

// newClient is the HTTP client for push services. Its dialer refuses
// addresses that are not public (loopback ones too unless allowLoopback),
// so a subscription cannot aim the server at its own network whatever
// its host name resolves to.
func newClient(timeout time.Duration, allowLoopback bool) *http.Client {
	d := &net.Dialer{Timeout: timeout, Control: func(_, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		ip := net.ParseIP(host)
		switch {
		case ip == nil:
			return errPrivateAddress
		case allowLoopback && ip.IsLoopback():
			return nil
		case !ip.IsGlobalUnicast() || ip.IsPrivate():
			return errPrivateAddress
		}
		return nil
	}}
	return &http.Client{Timeout: timeout, Transport: &http.Transport{
		DialContext: d.DialContext, ForceAttemptHTTP2: true, MaxIdleConnsPerHost: 8,
		TLSHandshakeTimeout: timeout, IdleConnTimeout: 90 * time.Second,
	}}
}
