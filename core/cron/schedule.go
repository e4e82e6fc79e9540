package cron

import (
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	robfig "github.com/robfig/cron/v3"
)

// defaultStagger is the automatic window for top-of-hour expressions, which
// many users pick at once and which would otherwise all fire together.
const defaultStagger = 5 * time.Minute

// minEvery keeps an interval job from turning into a busy loop.
const minEvery = time.Second

// cronSyntax accepts five fields, or six with seconds first, plus the
// @hourly-style descriptors.
var cronSyntax = robfig.NewParser(robfig.SecondOptional | robfig.Minute | robfig.Hour |
	robfig.Dom | robfig.Month | robfig.Dow | robfig.Descriptor)

// scheduleParser computes run times. It caches parsed cron expressions
// because computing a next run is on the scheduler's hot path.
type scheduleParser struct {
	// local is the zone of cron expressions without tz (the gateway
	// host's zone).
	local *time.Location

	mu    sync.Mutex
	cache map[string]*robfig.SpecSchedule
	zones map[string]*time.Location
}

// maxCached bounds the caches; past it they start over.
const maxCached = 8192

func newScheduleParser(local *time.Location) *scheduleParser {
	if local == nil {
		local = time.Local
	}
	return &scheduleParser{local: local, cache: map[string]*robfig.SpecSchedule{}, zones: map[string]*time.Location{}}
}

// check reports what is wrong with a schedule, naming the field.
func (p *scheduleParser) check(s Schedule) error {
	switch s.Kind {
	case KindAt:
		if _, err := parseStoredAt(s.At); err != nil {
			return fmt.Errorf("schedule.at: %w", err)
		}
		if s.Tz != "" || s.Expr != "" || s.EveryMs != 0 {
			return errors.New("schedule: an at schedule takes only at")
		}
	case KindEvery:
		if s.EveryMs < minEvery.Milliseconds() {
			return fmt.Errorf("schedule.everyMs: %d is below the minimum of %d (1s)", s.EveryMs, minEvery.Milliseconds())
		}
		if s.AnchorMs != nil && *s.AnchorMs < 0 {
			return fmt.Errorf("schedule.anchorMs: %d is negative", *s.AnchorMs)
		}
		if s.Tz != "" {
			return errors.New("schedule.tz: only cron schedules take a time zone")
		}
	case KindCron:
		spec, err := p.spec(s.Expr, s.Tz)
		if err != nil {
			return err
		}
		if spec.Next(time.Now()).IsZero() {
			return fmt.Errorf("schedule.expr: %q never fires", s.Expr)
		}
		if s.StaggerMs != nil && *s.StaggerMs < 0 {
			return fmt.Errorf("schedule.staggerMs: %d is negative", *s.StaggerMs)
		}
	case "on-exit", "stream":
		return fmt.Errorf("schedule.kind: %q schedules are not supported; use at, every or cron", s.Kind)
	case "":
		return errors.New("schedule.kind: required (at, every or cron)")
	default:
		return fmt.Errorf("schedule.kind: %q is not at, every or cron", s.Kind)
	}
	return nil
}

// spec parses a cron expression in its zone.
func (p *scheduleParser) spec(expr, tz string) (*robfig.SpecSchedule, error) {
	key := expr + "\x00" + tz
	p.mu.Lock()
	if s, ok := p.cache[key]; ok {
		p.mu.Unlock()
		return s, nil
	}
	p.mu.Unlock()

	loc := p.local
	if tz != "" {
		var err error
		if loc, err = p.zone(tz); err != nil {
			return nil, err
		}
	}
	trimmed := strings.TrimSpace(expr)
	switch {
	case trimmed == "":
		return nil, errors.New("schedule.expr: required")
	case strings.HasPrefix(trimmed, "@every"):
		return nil, fmt.Errorf("schedule.expr: %q: use an every schedule for fixed intervals", expr)
	case strings.HasPrefix(trimmed, "TZ=") || strings.HasPrefix(trimmed, "CRON_TZ="):
		return nil, fmt.Errorf("schedule.expr: %q: put the time zone in schedule.tz", expr)
	case strings.Contains(trimmed, "+"):
		// The parser would read "+1" as 1 and silently turn "the 15th if
		// it is a Monday" into "the 15th or any Monday".
		return nil, fmt.Errorf("schedule.expr: %q: the + day-of-week modifier is not supported; schedule on one field and check the other in the prompt", expr)
	}
	parsed, err := cronSyntax.Parse(trimmed)
	if err != nil {
		return nil, fmt.Errorf("schedule.expr: %q: %w", expr, err)
	}
	spec, ok := parsed.(*robfig.SpecSchedule)
	if !ok {
		return nil, fmt.Errorf("schedule.expr: %q is not a calendar expression", expr)
	}
	s := *spec
	s.Location = loc
	p.mu.Lock()
	if len(p.cache) >= maxCached {
		p.cache = map[string]*robfig.SpecSchedule{}
	}
	p.cache[key] = &s
	p.mu.Unlock()
	return &s, nil
}

func (p *scheduleParser) zone(tz string) (*time.Location, error) {
	p.mu.Lock()
	loc, ok := p.zones[tz]
	p.mu.Unlock()
	if ok {
		return loc, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "Local" {
		return nil, fmt.Errorf("schedule.tz: %q is not an IANA time zone", tz)
	}
	p.mu.Lock()
	if len(p.zones) >= maxCached {
		p.zones = map[string]*time.Location{}
	}
	p.zones[tz] = loc
	p.mu.Unlock()
	return loc, nil
}

// next returns the first run of job strictly after after. A one-shot
// returns its time even when that is already past: it is then due.
func (p *scheduleParser) next(j *Job, after time.Time) (t time.Time, err error) {
	s := j.Schedule
	switch s.Kind {
	case KindAt:
		return parseStoredAt(s.At)
	case KindEvery:
		anchor := j.CreatedAtMs
		if s.AnchorMs != nil {
			anchor = *s.AnchorMs
		}
		return nextEvery(anchor, s.EveryMs, after), nil
	case KindCron:
		spec, err := p.spec(s.Expr, s.Tz)
		if err != nil {
			return time.Time{}, err
		}
		offset := staggerOffset(j.ID, s)
		n := spec.Next(after.Add(-offset))
		// A fixed-time job whose time falls in the hour repeated when clocks
		// go back fires in the first pass only, as Vixie cron does.
		if !n.IsZero() && !wildcardHour(s.Expr) && repeatedWallClock(n, spec.Location) {
			n = spec.Next(n)
		}
		if n.IsZero() {
			return time.Time{}, fmt.Errorf("schedule.expr: %q has no run in the next five years", s.Expr)
		}
		return n.Add(offset), nil
	}
	return time.Time{}, fmt.Errorf("schedule.kind: %q is not at, every or cron", s.Kind)
}

// repeatedWallClock reports whether t's wall-clock time already occurred
// earlier the same night, before the zone's offset went back.
func repeatedWallClock(t time.Time, loc *time.Location) bool {
	t = t.In(loc)
	_, now := t.Zone()
	_, before := t.Add(-3 * time.Hour).Zone()
	if before <= now {
		return false
	}
	earlier := t.Add(-time.Duration(before-now) * time.Second)
	return earlier.Format(time.DateTime) == t.Format(time.DateTime)
}

// wildcardHour reports expressions whose hour field is a wildcard; they
// run through a repeated hour normally.
func wildcardHour(expr string) bool {
	f := strings.Fields(expr)
	if len(f) == 6 {
		f = f[1:]
	}
	return len(f) == 5 && strings.Contains(f[1], "*") || len(f) == 1 && f[0] == "@hourly"
}

// nextEvery returns the first anchor + k*every strictly after after.
func nextEvery(anchorMs, everyMs int64, after time.Time) time.Time {
	a := after.UnixMilli()
	if a < anchorMs {
		return time.UnixMilli(anchorMs)
	}
	k := (a-anchorMs)/everyMs + 1
	return time.UnixMilli(anchorMs + k*everyMs)
}

// staggerOffset is the job's fixed place in its stagger window, so each
// job keeps the same offset from run to run.
func staggerOffset(id string, s Schedule) time.Duration {
	window := time.Duration(0)
	switch {
	case s.StaggerMs != nil:
		window = time.Duration(*s.StaggerMs) * time.Millisecond
	case topOfHour(s.Expr):
		window = defaultStagger
	}
	if window <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(id))
	return time.Duration(h.Sum64()%uint64(window.Milliseconds())) * time.Millisecond
}

// topOfHour reports expressions such as "0 * * * *" or "0 */2 * * *":
// minute 0 with a wildcard hour.
func topOfHour(expr string) bool {
	f := strings.Fields(expr)
	if len(f) == 6 {
		if f[0] != "0" {
			return false
		}
		f = f[1:]
	}
	if len(f) == 1 {
		return f[0] == "@hourly"
	}
	return len(f) == 5 && f[0] == "0" && strings.Contains(f[1], "*")
}

// parseStoredAt reads a stored one-shot time: RFC 3339 with a zone.
func parseStoredAt(s string) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, errors.New("required")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 timestamp with a zone", s)
	}
	return t, nil
}

// offsetLess are the accepted timestamp forms without a zone.
var offsetLess = []string{
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
}

// ParseAt reads a one-shot time as users write it: an ISO 8601 timestamp
// (offset-less ones are in loc, UTC when loc is nil) or a duration from now
// such as "20m" or "+1h30m".
func ParseAt(s string, now time.Time, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("empty time")
	}
	if d, err := ParseDuration(strings.TrimPrefix(s, "+")); err == nil {
		if d <= 0 {
			return time.Time{}, fmt.Errorf("%q is not in the future", s)
		}
		return now.Add(d), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if loc == nil {
		loc = time.UTC
	}
	for _, layout := range offsetLess {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is neither an ISO 8601 time (2027-02-01T16:00:00Z) nor a duration (20m)", s)
}

// ParseDuration reads durations as OpenClaw writes them: Go syntax
// ("1h30m", "90s", "500ms") plus days and weeks ("1d", "2w"). A bare number
// has no unit and is an error.
func ParseDuration(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, errors.New("empty duration")
	}
	var total time.Duration
	rest := strings.ToLower(in)
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("%q is not a duration such as 30m, 1h or 1d", in)
		}
		j := i
		for j < len(rest) && unicode.IsLetter(rune(rest[j])) {
			j++
		}
		num, unit := rest[:i], rest[i:j]
		n, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration such as 30m, 1h or 1d", in)
		}
		var scale time.Duration
		switch unit {
		case "ms":
			scale = time.Millisecond
		case "s":
			scale = time.Second
		case "m":
			scale = time.Minute
		case "h":
			scale = time.Hour
		case "d":
			scale = 24 * time.Hour
		case "w":
			scale = 7 * 24 * time.Hour
		case "":
			return 0, fmt.Errorf("%q has no unit (ms, s, m, h, d or w)", in)
		default:
			return 0, fmt.Errorf("%q: unknown unit %q (use ms, s, m, h, d or w)", in, unit)
		}
		part := n * float64(scale)
		if part > float64(1<<62) {
			return 0, fmt.Errorf("%q is too long", in)
		}
		total += time.Duration(part)
		if total < 0 || total > 1<<62 {
			return 0, fmt.Errorf("%q is too long", in)
		}
		rest = rest[j:]
	}
	return total, nil
}

// ParseSchedule reads the positional schedule of `cron add`: a cron
// expression ("0 9 * * 1", "@daily"), "every <duration>", or a one-shot
// time (a duration from now or an ISO timestamp). tz applies to cron
// expressions and offset-less timestamps.
func ParseSchedule(s string, now time.Time, tz string) (Schedule, error) {
	s = strings.TrimSpace(s)
	lower := strings.ToLower(s)
	switch {
	case s == "":
		return Schedule{}, errors.New("empty schedule")
	case strings.HasPrefix(lower, "every "):
		if tz != "" {
			return Schedule{}, errors.New("--tz is not valid with an every schedule")
		}
		d, err := ParseDuration(s[len("every "):])
		if err != nil {
			return Schedule{}, fmt.Errorf("every: %w", err)
		}
		return Schedule{Kind: KindEvery, EveryMs: d.Milliseconds()}, nil
	case strings.HasPrefix(s, "@") || len(strings.Fields(s)) >= 5:
		return Schedule{Kind: KindCron, Expr: s, Tz: tz}, nil
	}
	loc, err := zoneOrUTC(tz)
	if err != nil {
		return Schedule{}, err
	}
	t, err := ParseAt(s, now, loc)
	if err != nil {
		return Schedule{}, err
	}
	return Schedule{Kind: KindAt, At: formatAt(t)}, nil
}

func zoneOrUTC(tz string) (*time.Location, error) {
	if tz == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("--tz %q is not an IANA time zone", tz)
	}
	return loc, nil
}

// formatAt is the stored form of a one-shot time.
func formatAt(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }
