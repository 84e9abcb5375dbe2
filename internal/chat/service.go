package chat

import (
	"context"
	"log/slog"
	"runtime"
	"time"

	"github.com/google/uuid"

	"parley/internal/outage"
)

// Limits bound everything a client can make the server do. Zero values are
// replaced by the defaults in DefaultLimits.
type Limits struct {
	MaxMessageLen      int           // runes of message text
	MaxRoomNameLen     int           // runes
	MaxAnnouncementLen int           // runes
	MaxRoomMembers     int           // members of one room
	MaxRoomsPerUser    int           // rooms one user belongs to
	MaxInvite          int           // users named in one create or invite request
	MessagesPerSecond  float64       // sustained sends per user (all rooms, edits included)
	MessageBurst       int           // sends per user allowed in a burst
	SessionTTL         time.Duration // how long a login lasts at most
	ReceiptWindow      time.Duration // read updates of one room are coalesced over this window

	MaxMentions            int     // distinct @names one message resolves; later ones stay text
	MaxReactionEmojis      int     // different emojis on one message
	ReactionsPerSecond     float64 // sustained reaction changes per user
	ReactionBurst          int     // reaction changes per user allowed in a burst
	ReactionListsPerSecond float64 // sustained "who reacted" lookups per user
	ReactionListBurst      int     //
	// The people layer (presence_events.go, typing.go, search.go).
	PresenceRoomLimit  int           // rooms with more members get a coalesced online count instead of per-member presence
	RoomPresenceWindow time.Duration // a big room's online count is published at most once per window, cluster-wide
	TypingInterval     time.Duration // a continuing "typing" is relayed at most once per interval per user and room
	TypingTTL          time.Duration // clients drop a "typing" not refreshed within this time
	BigRoomTypingRate  float64       // typing events per second relayed into one big room, all members together
	SearchesPerSecond  float64       // user searches per user
	SearchBurst        int           //
	// Message search (message_search.go).
	MessageSearchesPerSecond float64       // message searches per user
	MessageSearchBurst       int           //
	SearchTimeout            time.Duration // a message search running longer ends with TimedOut
	// Attachments.
	MaxUploadBytes   int64         // largest file or avatar upload
	UploadsPerSecond float64       // sustained uploads per user (files and avatars)
	UploadBurst      int           // uploads per user allowed in a burst
	MaxAttachments   int           // attachments on one message
	MaxImagePixels   int           // width × height of an image decoded for a thumbnail or avatar
	AttachmentGrace  time.Duration // an upload nothing refers to is deleted this long after it was made
	StorageQuota     int64         // bytes one user's files and avatars take at most, uploads in progress included
	// Consent (consent.go, links.go): rates per user, shared by every node.
	RoomCreatesPerSecond float64 // group rooms created
	RoomCreateBurst      int     //
	InvitesPerSecond     float64 // people named in room creations and invites, and links made
	InviteBurst          int     //
	DirectsPerSecond     float64 // new 1:1 rooms opened (opening an existing one is free)
	DirectBurst          int     //
	JoinsPerSecond       float64 // rooms joined by the user's own act: accepting, public rooms, links
	JoinBurst            int     //
	MaxPendingInvites    int     // pending invites one user holds; the oldest beyond are dropped
	MaxLinksPerRoom      int     // invite links one room keeps
	// Pins (pins.go).
	MaxPinsPerRoom int     // pinned messages one room keeps
	PinsPerSecond  float64 // sustained pins and unpins per user
	PinBurst       int     //
	// Accounts and sessions (accounts.go, login_limits.go, sessions.go;
	// decision 0024).
	LoginFailures        int           // wrong passwords per username and address per LoginWindow
	LoginAddressFailures int           // wrong passwords per address, all usernames, per LoginWindow
	LoginUserFailures    int           // wrong passwords per username from devices it never logged in on, per LoginWindow
	LoginWindow          time.Duration // each login bucket refills completely over this window
	SignupsPerAddress    int           // signups per address per SignupWindow
	Signups              int           // signups on the whole service per SignupWindow
	SignupWindow         time.Duration //
	LoginHashSlots       int           // password checks of logins running at once
	HashSlots            int           // hashes of signups and password changes running at once
	HashQueue            int           // requests waiting for a hashing slot, per pool, beyond which 503
	HashWait             time.Duration // longest wait for a hashing slot before 503
	SessionIdleTimeout   time.Duration // a session unused this long ends
	MaxSessionsPerUser   int           // a login past this many sessions ends the user's least recently used one
	TicketTTL            time.Duration // a WebSocket ticket is good this long, once
	// Notifications (notify.go).
	FocusTTL time.Duration // a connection's focus report makes its user active this long
}

func DefaultLimits() Limits {
	return Limits{
		MaxMessageLen:      4000,
		MaxRoomNameLen:     100,
		MaxAnnouncementLen: 1000,
		MaxRoomMembers:     20000,
		MaxRoomsPerUser:    1000,
		MaxInvite:          100,
		MessagesPerSecond:  10,
		MessageBurst:       30,
		SessionTTL:         30 * 24 * time.Hour,
		ReceiptWindow:      250 * time.Millisecond,

		MaxMentions:              50,
		MaxReactionEmojis:        50,
		ReactionsPerSecond:       10,
		ReactionBurst:            30,
		ReactionListsPerSecond:   5,
		ReactionListBurst:        30,
		PresenceRoomLimit:        100,
		RoomPresenceWindow:       3 * time.Second,
		TypingInterval:           3 * time.Second,
		TypingTTL:                6 * time.Second,
		BigRoomTypingRate:        1,
		SearchesPerSecond:        2,
		SearchBurst:              10,
		MessageSearchesPerSecond: 2,
		MessageSearchBurst:       10,
		SearchTimeout:            3 * time.Second,
		MaxUploadBytes:           25 << 20,
		UploadsPerSecond:         1,
		UploadBurst:              20,
		MaxAttachments:           10,
		MaxImagePixels:           40_000_000,
		AttachmentGrace:          time.Hour,
		StorageQuota:             1 << 30,

		RoomCreatesPerSecond: 10.0 / 60,
		RoomCreateBurst:      20,
		InvitesPerSecond:     30.0 / 60,
		InviteBurst:          100,
		DirectsPerSecond:     10.0 / 60,
		DirectBurst:          30,
		JoinsPerSecond:       1,
		JoinBurst:            20,
		MaxPendingInvites:    100,
		MaxLinksPerRoom:      50,
		MaxPinsPerRoom:       50,
		PinsPerSecond:        1,
		PinBurst:             20,
		LoginFailures:        10,
		LoginAddressFailures: 100,
		LoginUserFailures:    25,
		LoginWindow:          15 * time.Minute,
		SignupsPerAddress:    10,
		Signups:              1000,
		SignupWindow:         time.Hour,
		LoginHashSlots:       runtime.GOMAXPROCS(0),
		HashSlots:            max(runtime.GOMAXPROCS(0)/2, 1),
		HashQueue:            64,
		HashWait:             5 * time.Second,
		SessionIdleTimeout:   14 * 24 * time.Hour,
		MaxSessionsPerUser:   100,
		TicketTTL:            30 * time.Second,
		FocusTTL:             time.Minute,
	}
}

// WithDefaults returns l with every zero or negative setting replaced by
// its default.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	orDefault(&l.MaxMessageLen, d.MaxMessageLen)
	orDefault(&l.MaxRoomNameLen, d.MaxRoomNameLen)
	orDefault(&l.MaxAnnouncementLen, d.MaxAnnouncementLen)
	orDefault(&l.MaxRoomMembers, d.MaxRoomMembers)
	orDefault(&l.MaxRoomsPerUser, d.MaxRoomsPerUser)
	orDefault(&l.MaxInvite, d.MaxInvite)
	orDefault(&l.MessageBurst, d.MessageBurst)
	orDefault(&l.LoginFailures, d.LoginFailures)
	orDefault(&l.MaxMentions, d.MaxMentions)
	orDefault(&l.MaxReactionEmojis, d.MaxReactionEmojis)
	orDefault(&l.ReactionBurst, d.ReactionBurst)
	orDefault(&l.ReactionListsPerSecond, d.ReactionListsPerSecond)
	orDefault(&l.ReactionListBurst, d.ReactionListBurst)
	orDefault(&l.PresenceRoomLimit, d.PresenceRoomLimit)
	orDefault(&l.SearchBurst, d.SearchBurst)
	orDefault(&l.MessageSearchesPerSecond, d.MessageSearchesPerSecond)
	orDefault(&l.MessageSearchBurst, d.MessageSearchBurst)
	orDefault(&l.SearchTimeout, d.SearchTimeout)
	orDefault(&l.MessagesPerSecond, d.MessagesPerSecond)
	orDefault(&l.LoginWindow, d.LoginWindow)
	orDefault(&l.SessionTTL, d.SessionTTL)
	orDefault(&l.ReceiptWindow, d.ReceiptWindow)
	orDefault(&l.ReactionsPerSecond, d.ReactionsPerSecond)
	orDefault(&l.BigRoomTypingRate, d.BigRoomTypingRate)
	orDefault(&l.SearchesPerSecond, d.SearchesPerSecond)
	orDefault(&l.RoomPresenceWindow, d.RoomPresenceWindow)
	orDefault(&l.TypingInterval, d.TypingInterval)
	orDefault(&l.TypingTTL, d.TypingTTL)
	orDefault(&l.MaxUploadBytes, d.MaxUploadBytes)
	orDefault(&l.UploadsPerSecond, d.UploadsPerSecond)
	orDefault(&l.UploadBurst, d.UploadBurst)
	orDefault(&l.MaxAttachments, d.MaxAttachments)
	orDefault(&l.MaxImagePixels, d.MaxImagePixels)
	orDefault(&l.AttachmentGrace, d.AttachmentGrace)
	orDefault(&l.StorageQuota, d.StorageQuota)
	orDefault(&l.RoomCreatesPerSecond, d.RoomCreatesPerSecond)
	orDefault(&l.RoomCreateBurst, d.RoomCreateBurst)
	orDefault(&l.InvitesPerSecond, d.InvitesPerSecond)
	orDefault(&l.InviteBurst, d.InviteBurst)
	orDefault(&l.DirectsPerSecond, d.DirectsPerSecond)
	orDefault(&l.DirectBurst, d.DirectBurst)
	orDefault(&l.JoinsPerSecond, d.JoinsPerSecond)
	orDefault(&l.JoinBurst, d.JoinBurst)
	orDefault(&l.MaxPendingInvites, d.MaxPendingInvites)
	orDefault(&l.MaxLinksPerRoom, d.MaxLinksPerRoom)
	orDefault(&l.MaxPinsPerRoom, d.MaxPinsPerRoom)
	orDefault(&l.PinsPerSecond, d.PinsPerSecond)
	orDefault(&l.PinBurst, d.PinBurst)
	orDefault(&l.LoginAddressFailures, d.LoginAddressFailures)
	orDefault(&l.LoginUserFailures, d.LoginUserFailures)
	orDefault(&l.SignupsPerAddress, d.SignupsPerAddress)
	orDefault(&l.Signups, d.Signups)
	orDefault(&l.SignupWindow, d.SignupWindow)
	orDefault(&l.LoginHashSlots, d.LoginHashSlots)
	orDefault(&l.HashSlots, d.HashSlots)
	orDefault(&l.HashQueue, d.HashQueue)
	orDefault(&l.HashWait, d.HashWait)
	orDefault(&l.SessionIdleTimeout, d.SessionIdleTimeout)
	orDefault(&l.MaxSessionsPerUser, d.MaxSessionsPerUser)
	orDefault(&l.TicketTTL, d.TicketTTL)
	orDefault(&l.FocusTTL, d.FocusTTL)
	return l
}

// orDefault replaces a zero or negative setting with its default.
func orDefault[T int | int64 | float64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Service enforces Parley's rules: every room operation checks membership and
// role here, so no transport can bypass them. It publishes an event for every
// change after the change is durable.
type Service struct {
	store Store
	bus   Bus
	log   *slog.Logger
	// outages logs the background operations that fail by the thousand
	// while PostgreSQL or Redis is down: once when one starts failing, once
	// with the count when it recovers.
	outages  *outage.Set
	limits   Limits
	now      func() time.Time
	sends    RateLimiter
	receipts *receiptCoalescer
	counts   readCountBatch // the receipts' counts, shared by concurrent flushes
	presence Presence

	reactions     RateLimiter
	reactionLists RateLimiter  // who reacted (Reactors)
	people        *peopleState // presence_events.go, typing.go, search.go
	blobs         Blobs
	images        Images
	uploads       RateLimiter
	decodes       chan struct{} // a slot per image being decoded
	consent       *consentState // consent.go, links.go

	messageSearches RateLimiter  // message_search.go
	notify          *notifyState // notify.go
	pins            RateLimiter  // pins.go
}

type Config struct {
	Store  Store
	Bus    Bus
	Log    *slog.Logger
	Limits Limits
	Now    func() time.Time // for tests; time.Now by default
	// RateLimiters makes the token buckets of each named limit: in this
	// process (internal/ratelimit) or shared by every node (internal/redis).
	// Required.
	RateLimiters func(name string, perSecond float64, burst int) RateLimiter
	// Passwords hashes and checks passwords (internal/password). Required
	// by NewAccounts.
	Passwords Passwords
	// Images is the image pipeline of uploads and avatars (internal/media).
	// Required with Blobs.
	Images Images
	// Presence tracks who is online (in-process or Redis); nil = nobody is
	// ever reported online.
	Presence Presence
	// Blobs holds uploaded files; nil turns uploads off.
	Blobs Blobs
	// DefaultWhoMayAdd is the "who may add me" setting of new accounts;
	// "" is AddFriends.
	DefaultWhoMayAdd AddPolicy
}

// RateLimiter is a token bucket per key. Allow takes a token if one is left,
// in one atomic step (a reservation: concurrent callers cannot all pass a
// check and then all act); Refund gives a taken token back; Exhausted reports
// whether none is left without taking one. A limiter whose backend is
// unreachable allows: a rate limit is not worth an outage (the hashing pools
// still bound the work a login can cause).
type RateLimiter interface {
	Allow(key string) bool
	Refund(key string)
	Exhausted(key string) bool
}

// Passwords hashes and checks passwords with bounded work: past its capacity
// a call fails with Unavailable (503 and Retry-After) instead of queueing
// without end. Logins check in a pool of their own (VerifyLogin), so a
// signup flood never queues a login (decision 0024).
type Passwords interface {
	Hash(ctx context.Context, password string) (string, error)
	Verify(ctx context.Context, password, encoded string) (bool, error)
	VerifyLogin(ctx context.Context, password, encoded string) (bool, error)
}

// mustHave panics on a Config missing a part the constructor needs: a node
// wired without its rate limits must not start.
func (c Config) mustHave(what string, ok bool) {
	if !ok {
		panic("chat: Config." + what + " is required")
	}
}

func NewService(c Config) *Service {
	c.mustHave("RateLimiters", c.RateLimiters != nil)
	c.mustHave("Images", c.Blobs == nil || c.Images != nil)
	s := &Service{store: c.Store, bus: c.Bus, log: c.Log, limits: c.Limits.WithDefaults(), now: c.Now, presence: c.Presence}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.outages = outage.NewSet(s.log)
	if s.now == nil {
		s.now = time.Now
	}
	s.sends = c.RateLimiters("sends", s.limits.MessagesPerSecond, s.limits.MessageBurst)
	s.receipts = newReceiptCoalescer(s.limits.ReceiptWindow, s.flushReceipts)
	s.reactions = c.RateLimiters("reactions", s.limits.ReactionsPerSecond, s.limits.ReactionBurst)
	s.reactionLists = c.RateLimiters("reaction-lists", s.limits.ReactionListsPerSecond, s.limits.ReactionListBurst)
	s.people = newPeopleState(s, c)
	s.blobs, s.images = c.Blobs, c.Images
	s.uploads = c.RateLimiters("uploads", s.limits.UploadsPerSecond, s.limits.UploadBurst)
	s.decodes = make(chan struct{}, runtime.GOMAXPROCS(0))
	s.consent = newConsentState(s, c)
	s.messageSearches = c.RateLimiters("message-search", s.limits.MessageSearchesPerSecond, s.limits.MessageSearchBurst)
	s.notify = newNotifyState(c)
	s.pins = c.RateLimiters("pins", s.limits.PinsPerSecond, s.limits.PinBurst)
	return s
}

// Limits returns the limits in force, defaults filled in.
func (s *Service) Limits() Limits { return s.limits }

// Close stops pending receipt flushes.
func (s *Service) Close() {
	s.receipts.stop()
	s.people.stop()
	s.consent.stop()
}

func (s *Service) publish(ctx context.Context, topic string, ev Event) {
	// The change is already durable: a lost event is repaired by resume (clients)
	// and by seq backfill (hubs), so a bus error is logged, not returned.
	err := s.bus.Publish(context.WithoutCancel(ctx), topic, ev)
	s.outages.Observe("publish", err, "topic", topic, "type", ev.Type)
}

func (s *Service) nowUTC() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

func newID() string { return uuid.Must(uuid.NewV7()).String() }
