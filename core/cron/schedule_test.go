package cron

import (
	"strings"
	"testing"
	"time"
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone %s unavailable: %v", name, err)
	}
	return loc
}

func TestNextRun(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	vienna := mustZone(t, "Europe/Vienna")
	kolkata := mustZone(t, "Asia/Kolkata")
	exact := ptr(int64(0))
	anchor := ptr(time.Date(2026, 3, 2, 7, 50, 0, 0, time.UTC).UnixMilli())
	tests := []struct {
		name  string
		sched Schedule
		local *time.Location
		after time.Time
		want  time.Time
	}{
		{"cron daily 07:00 UTC, later today",
			Schedule{Kind: KindCron, Expr: "0 7 * * *", StaggerMs: exact}, time.UTC,
			time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)},
		{"cron strictly after: at the slot gives tomorrow",
			Schedule{Kind: KindCron, Expr: "0 7 * * *", StaggerMs: exact}, time.UTC,
			time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC), time.Date(2026, 3, 3, 7, 0, 0, 0, time.UTC)},
		{"cron with tz",
			Schedule{Kind: KindCron, Expr: "0 7 * * *", Tz: "America/New_York", StaggerMs: exact}, time.UTC,
			time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 10, 7, 0, 0, 0, ny)},
		{"cron without tz uses the host zone",
			Schedule{Kind: KindCron, Expr: "30 9 * * 1-5", StaggerMs: exact}, vienna,
			time.Date(2026, 3, 6, 12, 0, 0, 0, time.UTC), time.Date(2026, 3, 9, 9, 30, 0, 0, vienna)},
		{"half-hour offset zone",
			Schedule{Kind: KindCron, Expr: "15 8 * * *", Tz: "Asia/Kolkata", StaggerMs: exact}, time.UTC,
			time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 8, 15, 0, 0, kolkata)},
		{"six fields: seconds first",
			Schedule{Kind: KindCron, Expr: "30 0 12 * * *", StaggerMs: exact}, time.UTC,
			time.Date(2026, 3, 2, 11, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 12, 0, 30, 0, time.UTC)},
		{"descriptor",
			Schedule{Kind: KindCron, Expr: "@daily", StaggerMs: exact}, time.UTC,
			time.Date(2026, 3, 2, 11, 0, 0, 0, time.UTC), time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)},
		{"day-of-month OR day-of-week",
			// 9:00 on the 15th or on any Monday: Monday 2026-03-09 comes first.
			Schedule{Kind: KindCron, Expr: "0 9 15 * 1", StaggerMs: exact}, time.UTC,
			time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)},
		{"spring forward: a nonexistent 02:30 is skipped that day",
			Schedule{Kind: KindCron, Expr: "30 2 * * *", Tz: "America/New_York", StaggerMs: exact}, time.UTC,
			time.Date(2026, 3, 8, 5, 0, 0, 0, time.UTC), time.Date(2026, 3, 9, 2, 30, 0, 0, ny)},
		{"fall back: 01:30 fires in the first pass",
			Schedule{Kind: KindCron, Expr: "30 1 * * *", Tz: "America/New_York", StaggerMs: exact}, time.UTC,
			time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC)},
		{"fall back: and not again in the repeated hour",
			Schedule{Kind: KindCron, Expr: "30 1 * * *", Tz: "America/New_York", StaggerMs: exact}, time.UTC,
			time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC), time.Date(2026, 11, 2, 1, 30, 0, 0, ny)},
		{"fall back: wildcard hours run through the repeated hour",
			Schedule{Kind: KindCron, Expr: "30 * * * *", Tz: "America/New_York", StaggerMs: exact}, time.UTC,
			time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC), time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC)},
		{"every from the creation time",
			Schedule{Kind: KindEvery, EveryMs: (10 * time.Minute).Milliseconds()}, time.UTC,
			t0.Add(25 * time.Minute), t0.Add(30 * time.Minute)},
		{"every strictly after the slot",
			Schedule{Kind: KindEvery, EveryMs: (10 * time.Minute).Milliseconds()}, time.UTC,
			t0.Add(10 * time.Minute), t0.Add(20 * time.Minute)},
		{"every with an anchor",
			Schedule{Kind: KindEvery, EveryMs: (10 * time.Minute).Milliseconds(), AnchorMs: anchor}, time.UTC,
			t0, t0.Add(10 * time.Minute)},
		{"every before its anchor runs at the anchor",
			Schedule{Kind: KindEvery, EveryMs: (10 * time.Minute).Milliseconds(), AnchorMs: ptr(t0.Add(time.Hour).UnixMilli())}, time.UTC,
			t0, t0.Add(time.Hour)},
		{"at returns its time",
			Schedule{Kind: KindAt, At: "2026-03-05T16:00:00Z"}, time.UTC,
			t0, time.Date(2026, 3, 5, 16, 0, 0, 0, time.UTC)},
		{"at keeps a past time (it is due)",
			Schedule{Kind: KindAt, At: "2026-03-01T16:00:00Z"}, time.UTC,
			t0, time.Date(2026, 3, 1, 16, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newScheduleParser(tc.local)
			j := &Job{ID: "job-1", CreatedAtMs: t0.UnixMilli(), Schedule: tc.sched}
			if err := p.check(tc.sched); err != nil {
				t.Fatalf("check: %v", err)
			}
			got, err := p.next(j, tc.after)
			if err != nil {
				t.Fatalf("next: %v", err)
			}
			if !got.Equal(tc.want) {
				t.Fatalf("next after %s = %s, want %s", tc.after.UTC(), got.UTC(), tc.want.UTC())
			}
		})
	}
}

func TestStagger(t *testing.T) {
	p := newScheduleParser(time.UTC)
	after := time.Date(2026, 3, 2, 8, 10, 0, 0, time.UTC)
	hour := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	offsets := map[time.Duration]bool{}
	for _, id := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		j := &Job{ID: id, Schedule: Schedule{Kind: KindCron, Expr: "0 * * * *"}}
		first, err := p.next(j, after)
		if err != nil {
			t.Fatal(err)
		}
		off := first.Sub(hour)
		if off < 0 || off >= defaultStagger {
			t.Fatalf("job %s: top-of-hour run at %s, want within 5 minutes after 09:00", id, first)
		}
		offsets[off] = true
		// The offset is stable from run to run.
		second, _ := p.next(j, first)
		if got := second.Sub(hour.Add(time.Hour)); got != off {
			t.Fatalf("job %s: offset moved from %s to %s", id, off, got)
		}
	}
	if len(offsets) < 2 {
		t.Fatalf("8 jobs share one offset; stagger does not spread them")
	}
	// Not top of hour: no automatic stagger.
	j := &Job{ID: "a", Schedule: Schedule{Kind: KindCron, Expr: "15 * * * *"}}
	got, _ := p.next(j, after)
	if want := time.Date(2026, 3, 2, 8, 15, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("15 * * * * = %s, want %s", got, want)
	}
	// An explicit window.
	j = &Job{ID: "a", Schedule: Schedule{Kind: KindCron, Expr: "15 * * * *", StaggerMs: ptr(int64(30_000))}}
	got, _ = p.next(j, after)
	if off := got.Sub(time.Date(2026, 3, 2, 8, 15, 0, 0, time.UTC)); off < 0 || off >= 30*time.Second {
		t.Fatalf("30s stagger put the run %s after the slot", off)
	}
}

func TestScheduleCheck(t *testing.T) {
	tests := []struct {
		name  string
		sched Schedule
		want  string // substring of the error; "" for valid
	}{
		{"valid cron", Schedule{Kind: KindCron, Expr: "*/5 * * * *"}, ""},
		{"valid every", Schedule{Kind: KindEvery, EveryMs: 60_000}, ""},
		{"bad expression", Schedule{Kind: KindCron, Expr: "61 * * * *"}, "schedule.expr"},
		{"too few fields", Schedule{Kind: KindCron, Expr: "* * *"}, "schedule.expr"},
		{"croner plus modifier", Schedule{Kind: KindCron, Expr: "0 9 15 * +1"}, "schedule.expr"},
		{"never fires", Schedule{Kind: KindCron, Expr: "0 0 30 2 *"}, "never fires"},
		{"@every belongs to every", Schedule{Kind: KindCron, Expr: "@every 5m"}, "every schedule"},
		{"tz inside the expression", Schedule{Kind: KindCron, Expr: "CRON_TZ=UTC 0 7 * * *"}, "schedule.tz"},
		{"unknown zone", Schedule{Kind: KindCron, Expr: "0 7 * * *", Tz: "Mars/Olympus"}, "IANA"},
		{"every too short", Schedule{Kind: KindEvery, EveryMs: 10}, "minimum"},
		{"every with tz", Schedule{Kind: KindEvery, EveryMs: 60_000, Tz: "UTC"}, "time zone"},
		{"at without zone", Schedule{Kind: KindAt, At: "2026-03-05T16:00:00"}, "schedule.at"},
		{"empty kind", Schedule{}, "required"},
		{"on-exit unsupported", Schedule{Kind: "on-exit"}, "not supported"},
		{"unknown kind", Schedule{Kind: "hourly"}, "not at, every or cron"},
	}
	p := newScheduleParser(time.UTC)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := p.check(tc.sched)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"10m", 10 * time.Minute, false},
		{"1h", time.Hour, false},
		{"1d", 24 * time.Hour, false},
		{"2w", 14 * 24 * time.Hour, false},
		{"90s", 90 * time.Second, false},
		{"1h30m", 90 * time.Minute, false},
		{"1.5h", 90 * time.Minute, false},
		{"500ms", 500 * time.Millisecond, false},
		{" 5M ", 5 * time.Minute, false},
		{"0m", 0, false},
		{"30", 0, true},
		{"", 0, true},
		{"h", 0, true},
		{"5 minutes", 0, true},
		{"10y", 0, true},
		{"-5m", 0, true},
		{"99999999999999d", 0, true},
	}
	for _, tc := range tests {
		got, err := ParseDuration(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestParseAt(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	now := t0
	tests := []struct {
		in   string
		loc  *time.Location
		want time.Time
		err  bool
	}{
		{"20m", nil, now.Add(20 * time.Minute), false},
		{"+1h30m", nil, now.Add(90 * time.Minute), false},
		{"2027-02-01T16:00:00Z", nil, time.Date(2027, 2, 1, 16, 0, 0, 0, time.UTC), false},
		{"2027-02-01T16:00:00+01:00", nil, time.Date(2027, 2, 1, 15, 0, 0, 0, time.UTC), false},
		{"2027-02-01T16:00", nil, time.Date(2027, 2, 1, 16, 0, 0, 0, time.UTC), false},
		{"2027-02-01 16:00", ny, time.Date(2027, 2, 1, 16, 0, 0, 0, ny), false},
		{"2027-02-01", nil, time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC), false},
		{"0m", nil, time.Time{}, true},
		{"tomorrow", nil, time.Time{}, true},
		{"", nil, time.Time{}, true},
	}
	for _, tc := range tests {
		got, err := ParseAt(tc.in, now, tc.loc)
		if (err != nil) != tc.err || !got.Equal(tc.want) {
			t.Errorf("ParseAt(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestParseSchedule(t *testing.T) {
	tests := []struct {
		in, tz string
		want   Schedule
		err    bool
	}{
		{"0 9 * * 1", "", Schedule{Kind: KindCron, Expr: "0 9 * * 1"}, false},
		{"0 9 * * 1", "Europe/Vienna", Schedule{Kind: KindCron, Expr: "0 9 * * 1", Tz: "Europe/Vienna"}, false},
		{"@daily", "", Schedule{Kind: KindCron, Expr: "@daily"}, false},
		{"every 1h", "", Schedule{Kind: KindEvery, EveryMs: 3_600_000}, false},
		{"Every 90s", "", Schedule{Kind: KindEvery, EveryMs: 90_000}, false},
		{"20m", "", Schedule{Kind: KindAt, At: "2026-03-02T08:20:00.000Z"}, false},
		{"2027-02-01T16:00:00Z", "", Schedule{Kind: KindAt, At: "2027-02-01T16:00:00.000Z"}, false},
		{"2027-02-01T16:00", "Europe/Vienna", Schedule{Kind: KindAt, At: "2027-02-01T15:00:00.000Z"}, false},
		{"every 1h", "UTC", Schedule{}, true},
		{"every soon", "", Schedule{}, true},
		{"whenever", "", Schedule{}, true},
	}
	for _, tc := range tests {
		got, err := ParseSchedule(tc.in, t0, tc.tz)
		if (err != nil) != tc.err {
			t.Errorf("ParseSchedule(%q, %q) error %v, want error %v", tc.in, tc.tz, err, tc.err)
			continue
		}
		if !tc.err && DescribeSchedule(got) != DescribeSchedule(tc.want) {
			t.Errorf("ParseSchedule(%q, %q) = %s, want %s", tc.in, tc.tz, DescribeSchedule(got), DescribeSchedule(tc.want))
		}
	}
}

func TestDescribeSchedule(t *testing.T) {
	tests := []struct {
		s    Schedule
		want string
	}{
		{Schedule{Kind: KindEvery, EveryMs: 90_000}, "every 1m 30s"},
		{Schedule{Kind: KindEvery, EveryMs: 3_600_000}, "every 1h"},
		{Schedule{Kind: KindCron, Expr: "0 7 * * *", Tz: "Europe/Vienna"}, "cron 0 7 * * * @ Europe/Vienna"},
		{Schedule{Kind: KindCron, Expr: "0 * * * *", StaggerMs: ptr(int64(1001))}, "cron 0 * * * * (stagger 1s 1ms)"},
		{Schedule{Kind: KindAt, At: "2027-02-01T16:00:00.000Z"}, "at 2027-02-01T16:00:00.000Z"},
	}
	for _, tc := range tests {
		if got := DescribeSchedule(tc.s); got != tc.want {
			t.Errorf("DescribeSchedule = %q, want %q", got, tc.want)
		}
	}
}

// FuzzSchedule checks that no input makes the parser panic, and that every
// schedule it accepts yields a next run strictly after the reference time
// with no earlier run in between.
func FuzzSchedule(f *testing.F) {
	for _, s := range []string{"0 9 * * 1", "*/5 * * * *", "every 1h", "20m", "@hourly", "30 0 12 * * *",
		"0 0 29 2 *", "2027-02-01T16:00:00Z", "1-5/2 3,4 * JAN-MAR MON", "59 23 31 12 *", "every 1.5s"} {
		f.Add(s, "")
		f.Add(s, "Europe/Vienna")
	}
	p := newScheduleParser(time.UTC)
	now := t0
	f.Fuzz(func(t *testing.T, in, tz string) {
		s, err := ParseSchedule(in, now, tz)
		if err != nil {
			return
		}
		if s.Kind == KindCron {
			s.StaggerMs = ptr(int64(0))
		}
		if p.check(s) != nil {
			return
		}
		j := &Job{ID: "fuzz", CreatedAtMs: now.UnixMilli(), Schedule: s}
		n, err := p.next(j, now)
		if err != nil {
			if s.Kind == KindCron {
				return // no run within five years: reported, not a crash
			}
			t.Fatalf("next(%q): %v", in, err)
		}
		if s.Kind == KindAt {
			return
		}
		if !n.After(now) {
			t.Fatalf("next(%q) = %s, not after %s", in, n, now)
		}
		if s.Kind == KindCron && wildcardHour(s.Expr) || s.Kind == KindEvery {
			// Nothing fires between now and n: searching from just before n
			// finds n again.
			again, err := p.next(j, n.Add(-time.Millisecond))
			if err != nil || !again.Equal(n) {
				t.Fatalf("next(%q) from just before %s = %s, %v", in, n, again, err)
			}
		}
	})
}
