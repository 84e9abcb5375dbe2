package chat

import (
	"strings"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

// Every field of a settings change is checked against the whole result:
// a window whose start the change moves onto its end is refused like one
// given with both.
func TestNotifySettingsPatch(t *testing.T) {
	def := DefaultNotifySettings()
	for _, c := range []struct {
		name  string
		patch NotifySettingsPatch
		want  func(*NotifySettings)
		err   string
	}{
		{"nothing", NotifySettingsPatch{}, func(*NotifySettings) {}, ""},
		{"previews off", NotifySettingsPatch{Previews: ptr(false)}, func(s *NotifySettings) { s.Previews = false }, ""},
		{"enable alone", NotifySettingsPatch{DND: &DNDPatch{Enabled: ptr(true)}}, func(s *NotifySettings) { s.DND.Enabled = true }, ""},
		{"whole window", NotifySettingsPatch{DND: &DNDPatch{Start: ptr("09:30"), End: ptr("17:00"), TimeZone: ptr("Europe/Berlin")}},
			func(s *NotifySettings) { s.DND.Start, s.DND.End, s.DND.TimeZone = "09:30", "17:00", "Europe/Berlin" }, ""},
		{"midnight and last minute", NotifySettingsPatch{DND: &DNDPatch{Start: ptr("00:00"), End: ptr("23:59")}},
			func(s *NotifySettings) { s.DND.Start, s.DND.End = "00:00", "23:59" }, ""},
		{"start onto end", NotifySettingsPatch{DND: &DNDPatch{Start: ptr("07:00")}}, nil, "must differ"},
		{"both equal", NotifySettingsPatch{DND: &DNDPatch{Start: ptr("12:00"), End: ptr("12:00")}}, nil, "must differ"},
		{"hour 24", NotifySettingsPatch{DND: &DNDPatch{Start: ptr("24:00")}}, nil, "dnd.start must be HH:MM"},
		{"minute 60", NotifySettingsPatch{DND: &DNDPatch{End: ptr("07:60")}}, nil, "dnd.end must be HH:MM"},
		{"one digit hour", NotifySettingsPatch{DND: &DNDPatch{Start: ptr("7:00")}}, nil, "dnd.start must be HH:MM"},
		{"seconds", NotifySettingsPatch{DND: &DNDPatch{Start: ptr("07:00:00")}}, nil, "dnd.start must be HH:MM"},
		{"am/pm", NotifySettingsPatch{DND: &DNDPatch{End: ptr("7pm")}}, nil, "dnd.end must be HH:MM"},
		{"sign", NotifySettingsPatch{DND: &DNDPatch{End: ptr("-1:00")}}, nil, "dnd.end must be HH:MM"},
		{"unicode digits", NotifySettingsPatch{DND: &DNDPatch{End: ptr("٠٧:٠٠")}}, nil, "dnd.end must be HH:MM"},
		{"empty", NotifySettingsPatch{DND: &DNDPatch{Start: ptr("")}}, nil, "dnd.start must be HH:MM"},
		{"unknown zone", NotifySettingsPatch{DND: &DNDPatch{TimeZone: ptr("Mars/Olympus")}}, nil, "IANA"},
		{"empty zone", NotifySettingsPatch{DND: &DNDPatch{TimeZone: ptr("")}}, nil, "IANA"},
		{"Local", NotifySettingsPatch{DND: &DNDPatch{TimeZone: ptr("Local")}}, nil, "IANA"},
		{"a path", NotifySettingsPatch{DND: &DNDPatch{TimeZone: ptr("../../etc/passwd")}}, nil, "IANA"},
		{"too long", NotifySettingsPatch{DND: &DNDPatch{TimeZone: ptr(strings.Repeat("A", 65))}}, nil, "IANA"},
		{"NUL", NotifySettingsPatch{DND: &DNDPatch{TimeZone: ptr("UTC\x00")}}, nil, "IANA"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.patch.Apply(def)
			if c.err != "" {
				if err == nil || ErrorCode(err) != Invalid || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("Apply = %+v, %v; want invalid %q", got, err, c.err)
				}
				return
			}
			want := def
			c.want(&want)
			if err != nil || got != want {
				t.Fatalf("Apply = %+v, %v; want %+v", got, err, want)
			}
		})
	}
}

// The window is [start, end) in the zone's local time, across midnight
// when start is later than end.
func TestDoNotDisturbQuiet(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := func(h, m int) time.Time { return time.Date(2026, 12, 5, h, m, 0, 0, berlin) }
	night := DoNotDisturb{Enabled: true, Start: "22:00", End: "07:00", TimeZone: "Europe/Berlin"}
	day := DoNotDisturb{Enabled: true, Start: "09:00", End: "17:30", TimeZone: "Europe/Berlin"}
	for _, c := range []struct {
		name string
		d    DoNotDisturb
		t    time.Time
		want bool
	}{
		{"night: at start", night, at(22, 0), true},
		{"night: before start", night, at(21, 59), false},
		{"night: after midnight", night, at(3, 0), true},
		{"night: last minute", night, at(6, 59), true},
		{"night: at end", night, at(7, 0), false},
		{"night: in UTC terms", night, time.Date(2026, 12, 5, 21, 30, 0, 0, time.UTC), true}, // 22:30 in Berlin
		{"day: inside", day, at(12, 0), true},
		{"day: at end", day, at(17, 30), false},
		{"day: before", day, at(8, 59), false},
		{"disabled", DoNotDisturb{Start: "00:00", End: "23:59", TimeZone: "UTC"}, at(12, 0), false},
		{"zone no longer known", DoNotDisturb{Enabled: true, Start: "00:00", End: "23:59", TimeZone: "Mars/Olympus"}, at(12, 0), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.d.Quiet(c.t); got != c.want {
				t.Fatalf("Quiet(%v) = %v, want %v", c.t, got, c.want)
			}
		})
	}
}

func TestNotifyLevelDefaults(t *testing.T) {
	for _, c := range []struct {
		l    NotifyLevel
		kind RoomKind
		want NotifyLevel
	}{
		{"", Direct, NotifyAll}, {"", Group, NotifyMentions},
		{NotifyOff, Direct, NotifyOff}, {NotifyAll, Group, NotifyAll}, {NotifyMentions, Direct, NotifyMentions},
	} {
		if got := c.l.Or(c.kind); got != c.want {
			t.Errorf("%q.Or(%s) = %q, want %q", c.l, c.kind, got, c.want)
		}
	}
}

// Repeated focus reports of one connection are written once per
// FocusTTL/focusRefreshes; every change is written at once.
func TestFocusCoalescer(t *testing.T) {
	f := focusCoalescer{last: make(map[string]focusReport)}
	ttl := time.Minute
	t0 := time.Unix(1_700_000_000, 0)
	writes := 0
	for i := range 1000 { // a thousand reports within one second
		if f.due("c", true, t0.Add(time.Duration(i)*time.Millisecond), ttl) {
			writes++
		}
	}
	if writes != 1 {
		t.Fatalf("%d writes for 1,000 reports in a second, want 1", writes)
	}
	if !f.due("c", true, t0.Add(ttl/focusRefreshes), ttl) {
		t.Fatal("a report after the refresh interval was not written")
	}
	if !f.due("c", false, t0.Add(ttl/focusRefreshes+time.Millisecond), ttl) || f.due("c", false, t0.Add(ttl/focusRefreshes+2*time.Millisecond), ttl) {
		t.Fatal("a focus lost must be written once")
	}
	if !f.due("c", true, t0.Add(ttl/focusRefreshes+3*time.Millisecond), ttl) {
		t.Fatal("focus regained was not written")
	}
	if !f.forget("c") || f.forget("c") {
		t.Fatal("forget must report the focused connection once")
	}
	// Reports of connections never forgotten are swept once they lapse.
	for i := range 200 {
		f.due(string(rune('a'+i)), true, t0, ttl)
	}
	f.due("late", true, t0.Add(2*ttl), ttl)
	for i := range 200 {
		f.due(string(rune('A'+i)), true, t0.Add(2*ttl), ttl)
	}
	if n := len(f.last); n > 250 {
		t.Fatalf("%d reports kept, want the lapsed ones swept", n)
	}
}

// BenchmarkFocusRepeated is the cost of a focus frame that repeats the
// connection's standing report: it writes nothing to presence.
func BenchmarkFocusRepeated(b *testing.B) {
	f := focusCoalescer{last: make(map[string]focusReport)}
	now := time.Unix(1_700_000_000, 0)
	f.due("c", true, now, time.Minute)
	b.ReportAllocs()
	writes := 0
	for b.Loop() {
		if f.due("c", true, now, time.Minute) {
			writes++
		}
	}
	if writes != 0 {
		b.Fatalf("%d writes", writes)
	}
}
