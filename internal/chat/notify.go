package chat

import (
	"context"
	"sync"
	"time"
	// Time zones of do-not-disturb windows are IANA names: the binary
	// carries the database, so they work on hosts without one.
	_ "time/tzdata"
)

// NotifyLevel is what in a room notifies a member (docs/protocol.md,
// "Notifications").
type NotifyLevel string

const (
	NotifyAll      NotifyLevel = "all"      // every message
	NotifyMentions NotifyLevel = "mentions" // messages that mention the member
	NotifyOff      NotifyLevel = "off"      // nothing
)

// Or is l, or the default of a room of kind when l is unset: a 1:1 is a
// conversation with one person, a group is mostly other people's talk.
func (l NotifyLevel) Or(kind RoomKind) NotifyLevel {
	if l != "" {
		return l
	}
	if kind == Direct {
		return NotifyAll
	}
	return NotifyMentions
}

func (l NotifyLevel) valid() bool {
	return l == NotifyAll || l == NotifyMentions || l == NotifyOff
}

// RoomNotifyLevel is the answer to a level change and the payload of
// EvNotifyLevel.
type RoomNotifyLevel struct {
	RoomID RoomID      `json:"room_id"`
	Level  NotifyLevel `json:"level"`
}

// NotifySettings are a user's notification settings, the whole object.
type NotifySettings struct {
	Previews bool         `json:"previews"`
	DND      DoNotDisturb `json:"dnd"`
}

// DoNotDisturb is a daily window without notifications, [Start, End) in
// TimeZone's local time; Start after End crosses midnight.
type DoNotDisturb struct {
	Enabled  bool   `json:"enabled"`
	Start    string `json:"start"` // "HH:MM"
	End      string `json:"end"`   // "HH:MM"
	TimeZone string `json:"time_zone"`
}

// DefaultNotifySettings are the settings of a user who never changed them.
func DefaultNotifySettings() NotifySettings {
	return NotifySettings{Previews: true, DND: DoNotDisturb{Start: "22:00", End: "07:00", TimeZone: "UTC"}}
}

// NotifySettingsPatch changes the fields it has; nil ones stay.
type NotifySettingsPatch struct {
	Previews *bool     `json:"previews"`
	DND      *DNDPatch `json:"dnd"`
}

type DNDPatch struct {
	Enabled  *bool   `json:"enabled"`
	Start    *string `json:"start"`
	End      *string `json:"end"`
	TimeZone *string `json:"time_zone"`
}

// maxTimeZoneLen bounds a time zone name; the longest IANA name has 32
// characters.
const maxTimeZoneLen = 64

// Apply returns s with p's fields, or Invalid if the result is not a valid
// setting.
func (p NotifySettingsPatch) Apply(s NotifySettings) (NotifySettings, error) {
	if p.Previews != nil {
		s.Previews = *p.Previews
	}
	if d := p.DND; d != nil {
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		if d.Enabled != nil {
			s.DND.Enabled = *d.Enabled
		}
		set(&s.DND.Start, d.Start)
		set(&s.DND.End, d.End)
		set(&s.DND.TimeZone, d.TimeZone)
	}
	return s, s.DND.validate()
}

func (d DoNotDisturb) validate() error {
	start, ok := parseHourMinute(d.Start)
	if !ok {
		return Errorf(Invalid, "dnd.start must be HH:MM, 24-hour")
	}
	end, ok := parseHourMinute(d.End)
	if !ok {
		return Errorf(Invalid, "dnd.end must be HH:MM, 24-hour")
	}
	if start == end {
		return Errorf(Invalid, "dnd.start and dnd.end must differ")
	}
	if _, err := loadZone(d.TimeZone); err != nil {
		return err
	}
	return nil
}

// loadZone loads an IANA zone. time.LoadLocation also accepts "Local" and
// file paths relative to ZONEINFO; neither is a user's time zone.
func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" || len(name) > maxTimeZoneLen || validateString("dnd.time_zone", name) != nil {
		return nil, Errorf(Invalid, "dnd.time_zone must be an IANA time zone name")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, Errorf(Invalid, "dnd.time_zone must be an IANA time zone name")
	}
	return loc, nil
}

// parseHourMinute reads "HH:MM" (00:00–23:59) as minutes after midnight.
func parseHourMinute(v string) (int, bool) {
	if len(v) != 5 || v[2] != ':' {
		return 0, false
	}
	digit := func(c byte) (int, bool) { return int(c - '0'), c >= '0' && c <= '9' }
	h1, a := digit(v[0])
	h2, b := digit(v[1])
	m1, c := digit(v[3])
	m2, d := digit(v[4])
	h, m := h1*10+h2, m1*10+m2
	return h*60 + m, a && b && c && d && h < 24 && m < 60
}

// Quiet reports whether t falls inside the enabled window. A stored
// setting was validated; one that no longer loads (a zone removed from the
// database) is treated as no window rather than silence.
func (d DoNotDisturb) Quiet(t time.Time) bool {
	if !d.Enabled {
		return false
	}
	start, ok1 := parseHourMinute(d.Start)
	end, ok2 := parseHourMinute(d.End)
	loc, err := loadZone(d.TimeZone)
	if !ok1 || !ok2 || err != nil {
		return false
	}
	local := t.In(loc)
	now := local.Hour()*60 + local.Minute()
	if start < end {
		return now >= start && now < end
	}
	return now >= start || now < end
}

// NotifyStore keeps notification levels and settings.
type NotifyStore interface {
	// SetNotifyLevel sets the member's level in room. NotFound if user is
	// not a member.
	SetNotifyLevel(ctx context.Context, room RoomID, user UserID, level NotifyLevel) error
	// NotifySettings returns the user's settings, DefaultNotifySettings if
	// they never changed them.
	NotifySettings(ctx context.Context, user UserID) (NotifySettings, error)
	// SetNotifySettings stores the user's whole settings.
	SetNotifySettings(ctx context.Context, user UserID, s NotifySettings) error
	// NotifyCandidates lists the members of room a message could notify:
	// those whose level (def when they chose none) is NotifyAll, and those
	// of mentioned whose level is not NotifyOff.
	NotifyCandidates(ctx context.Context, room RoomID, def NotifyLevel, mentioned []UserID) ([]UserID, error)
	// UnreadTotal is the user's unread messages over all their rooms (the
	// sum of RoomSummary.Unread).
	UnreadTotal(ctx context.Context, user UserID) (int64, error)
}

// notifyState is what notify.go keeps per node.
type notifyState struct {
	changes RateLimiter // level and settings changes per user
	focuses RateLimiter // REST focus reports per user (frames have the frame rate)
	focus   focusCoalescer
}

const (
	notifyChangesPerSecond = 1
	notifyChangeBurst      = 10
	focusPerSecond         = 2
	focusBurst             = 10
	// focusRefreshes is how many times per FocusTTL a connection that stays
	// focused is written again: its active spell may end FocusTTL/12 early,
	// and a client reporting a thousand times a second costs no more.
	focusRefreshes = 12
)

func newNotifyState(c Config) *notifyState {
	return &notifyState{
		changes: c.RateLimiters("notify-settings", notifyChangesPerSecond, notifyChangeBurst),
		focuses: c.RateLimiters("focus", focusPerSecond, focusBurst),
		focus:   focusCoalescer{last: make(map[string]focusReport)},
	}
}

// SetNotifyLevel sets the caller's level in a room they are a member of.
func (s *Service) SetNotifyLevel(ctx context.Context, caller UserID, room RoomID, level NotifyLevel) (RoomNotifyLevel, error) {
	if !level.valid() {
		return RoomNotifyLevel{}, Errorf(Invalid, "level must be all, mentions or off")
	}
	if _, err := s.member(ctx, room, caller); err != nil {
		return RoomNotifyLevel{}, err
	}
	if !s.notify.changes.Allow(string(caller)) {
		return RoomNotifyLevel{}, Errorf(RateLimited, "changing notification settings too often, slow down")
	}
	if err := s.store.SetNotifyLevel(ctx, room, caller, level); err != nil {
		if ErrorCode(err) == NotFound {
			return RoomNotifyLevel{}, Errorf(NotFound, "room not found")
		}
		return RoomNotifyLevel{}, err
	}
	out := RoomNotifyLevel{RoomID: room, Level: level}
	s.publish(ctx, UserTopic(caller), Event{Type: EvNotifyLevel, Data: raw(out)})
	return out, nil
}

// NotifySettings returns the caller's notification settings.
func (s *Service) NotifySettings(ctx context.Context, caller UserID) (NotifySettings, error) {
	return s.store.NotifySettings(ctx, caller)
}

// UpdateNotifySettings applies p to the caller's settings. Two devices of
// one user changing different fields at the same instant may lose one of
// the changes (the last write wins); both see the outcome as an event.
func (s *Service) UpdateNotifySettings(ctx context.Context, caller UserID, p NotifySettingsPatch) (NotifySettings, error) {
	cur, err := s.store.NotifySettings(ctx, caller)
	if err != nil {
		return NotifySettings{}, err
	}
	next, err := p.Apply(cur)
	if err != nil {
		return NotifySettings{}, err
	}
	if !s.notify.changes.Allow(string(caller)) {
		return NotifySettings{}, Errorf(RateLimited, "changing notification settings too often, slow down")
	}
	if err := s.store.SetNotifySettings(ctx, caller, next); err != nil {
		return NotifySettings{}, err
	}
	s.publish(ctx, UserTopic(caller), Event{Type: EvNotifySettings, Data: raw(next)})
	return next, nil
}

// Focus records a focus report of one of the caller's connections (conn
// names it, cluster-wide). rest marks the REST form, which has a rate of
// its own; frames are bounded by the frame rate.
func (s *Service) Focus(ctx context.Context, caller UserID, conn string, focused, rest bool) error {
	if rest && !s.notify.focuses.Allow(string(caller)) {
		return Errorf(RateLimited, "too many focus reports, slow down")
	}
	if s.presence == nil {
		return nil
	}
	now := s.now()
	if !s.notify.focus.due(conn, focused, now, s.limits.FocusTTL) {
		return nil
	}
	var until time.Time
	if focused {
		until = now.Add(s.limits.FocusTTL)
	}
	if err := s.presence.Focus(ctx, caller, conn, until); err != nil {
		s.notify.focus.forget(conn)
		return err
	}
	return nil
}

// Unfocus ends the focus of a connection that closed.
func (s *Service) Unfocus(ctx context.Context, caller UserID, conn string) {
	if s.presence == nil || !s.notify.focus.forget(conn) {
		return
	}
	s.outages.Observe("presence unfocus", s.presence.Focus(ctx, caller, conn, time.Time{}), "user", caller)
}

// focusCoalescer remembers the last focus report each connection of this
// node had written, so that repeating it costs no write.
type focusCoalescer struct {
	mu    sync.Mutex
	last  map[string]focusReport
	swept int // entries after the last sweep
}

type focusReport struct {
	focused bool
	at      time.Time
}

// due reports whether a report must be written, and if so records it as
// written: a change always is, a repeated focus once every ttl/focusRefreshes.
func (f *focusCoalescer) due(conn string, focused bool, now time.Time, ttl time.Duration) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r, ok := f.last[conn]; ok && r.focused == focused && (!focused || now.Sub(r.at) < ttl/focusRefreshes) {
		return false
	}
	f.last[conn] = focusReport{focused: focused, at: now}
	// Connections that closed are forgotten by Unfocus; REST reports and
	// connections that went away unseen are swept once lapsed, whenever
	// the map has doubled.
	if len(f.last) > 2*f.swept+64 {
		for k, r := range f.last {
			if now.Sub(r.at) > ttl {
				delete(f.last, k)
			}
		}
		f.swept = len(f.last)
	}
	return true
}

// forget drops conn's record and reports whether it was focused.
func (f *focusCoalescer) forget(conn string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.last[conn]
	delete(f.last, conn)
	return ok && r.focused
}
