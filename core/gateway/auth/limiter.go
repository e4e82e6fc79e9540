package auth

import (
	"sync"
	"time"
)

// RateLimit is gateway.auth.rateLimit.
type RateLimit struct {
	MaxAttempts    int           // failures allowed per Window
	Window         time.Duration // counting window
	Lockout        time.Duration // how long a client is refused once over
	ExemptLoopback bool          // never limit 127.0.0.1 / ::1
}

// DefaultRateLimit is OpenClaw's default: 10 failures per minute, then a
// five-minute lockout; loopback exempt.
var DefaultRateLimit = RateLimit{MaxAttempts: 10, Window: time.Minute, Lockout: 5 * time.Minute, ExemptLoopback: true}

// maxTracked bounds memory under a flood of distinct addresses; the oldest
// entries are pruned first.
const maxTracked = 10000

// Limiter counts failed attempts per client address.
type Limiter struct {
	limit RateLimit
	now   func() time.Time

	mu      sync.Mutex
	clients map[string]*attempts
}

type attempts struct {
	failures    []time.Time // within the window, oldest first
	lockedUntil time.Time
	lastSeen    time.Time
}

// NewLimiter returns a limiter; zero fields of limit take the defaults.
func NewLimiter(limit RateLimit, now func() time.Time) *Limiter {
	if limit.MaxAttempts <= 0 {
		limit.MaxAttempts = DefaultRateLimit.MaxAttempts
	}
	if limit.Window <= 0 {
		limit.Window = DefaultRateLimit.Window
	}
	if limit.Lockout <= 0 {
		limit.Lockout = DefaultRateLimit.Lockout
	}
	if now == nil {
		now = time.Now
	}
	return &Limiter{limit: limit, now: now, clients: map[string]*attempts{}}
}

func (l *Limiter) exempt(ip string) bool { return l.limit.ExemptLoopback && IsLoopback(ip) }

// Blocked returns how long ip must wait, or zero.
func (l *Limiter) Blocked(ip string) time.Duration {
	if l.exempt(ip) {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	a, ok := l.clients[ip]
	if !ok {
		return 0
	}
	if wait := a.lockedUntil.Sub(l.now()); wait > 0 {
		return wait
	}
	return 0
}

// Failed records a wrong credential from ip.
func (l *Limiter) Failed(ip string) {
	if l.exempt(ip) {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	a, ok := l.clients[ip]
	if !ok {
		if len(l.clients) >= maxTracked {
			l.prune(now)
		}
		a = &attempts{}
		l.clients[ip] = a
	}
	a.lastSeen = now
	cutoff := now.Add(-l.limit.Window)
	kept := a.failures[:0]
	for _, t := range a.failures {
		if t.After(cutoff) {
			kept = append(kept, t)
		}
	}
	a.failures = append(kept, now)
	if len(a.failures) >= l.limit.MaxAttempts {
		a.lockedUntil = now.Add(l.limit.Lockout)
		a.failures = a.failures[:0]
	}
}

// Succeeded clears ip's failures.
func (l *Limiter) Succeeded(ip string) {
	if l.exempt(ip) {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if a, ok := l.clients[ip]; ok && !a.lockedUntil.After(l.now()) {
		delete(l.clients, ip)
	}
}

// prune drops clients that are neither locked nor recently failing, and if
// that is not enough, the least recently seen half. Callers hold l.mu.
func (l *Limiter) prune(now time.Time) {
	for ip, a := range l.clients {
		if !a.lockedUntil.After(now) && now.Sub(a.lastSeen) > l.limit.Window {
			delete(l.clients, ip)
		}
	}
	if len(l.clients) < maxTracked {
		return
	}
	var oldest time.Time
	for _, a := range l.clients {
		if oldest.IsZero() || a.lastSeen.Before(oldest) {
			oldest = a.lastSeen
		}
	}
	mid := oldest.Add(now.Sub(oldest) / 2)
	for ip, a := range l.clients {
		if a.lastSeen.Before(mid) {
			delete(l.clients, ip)
		}
	}
}
