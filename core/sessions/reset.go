package sessions

import "time"

// Stale reports whether a session must roll over to a fresh session id before
// the next message, under policy p at time now.
//
// Daily freshness is measured from when the current session id started;
// idle freshness from the last real user or channel interaction (system
// events do not keep a session alive). When a daily policy also sets
// idleMinutes, whichever expires first wins. The daily boundary is the most
// recent atHour in now's location, so pass a clock in the gateway host's
// local zone.
func (p ResetPolicy) Stale(e Entry, now time.Time) bool {
	switch p.Mode {
	case ResetDaily:
		if dailyExpired(e, p, now) {
			return true
		}
		return p.IdleMinutes > 0 && idleExpired(e, p, now)
	case ResetIdle:
		return p.IdleMinutes > 0 && idleExpired(e, p, now)
	}
	return false
}

func dailyExpired(e Entry, p ResetPolicy, now time.Time) bool {
	started := e.SessionStartedAt
	if started == 0 {
		started = e.UpdatedAt
	}
	if started == 0 {
		return false
	}
	hour := DefaultResetHour
	if p.AtHour != nil {
		hour = *p.AtHour
	}
	return time.UnixMilli(started).Before(lastBoundary(now, hour))
}

// lastBoundary is the latest instant <= now whose local wall clock reads
// hour:00.
func lastBoundary(now time.Time, hour int) time.Time {
	y, m, d := now.Date()
	b := time.Date(y, m, d, hour, 0, 0, 0, now.Location())
	if b.After(now) {
		b = time.Date(y, m, d-1, hour, 0, 0, 0, now.Location())
	}
	return b
}

func idleExpired(e Entry, p ResetPolicy, now time.Time) bool {
	last := e.LastInteractionAt
	if last == 0 {
		last = e.SessionStartedAt
	}
	if last == 0 {
		return false
	}
	return now.Sub(time.UnixMilli(last)) > time.Duration(p.IdleMinutes)*time.Minute
}
