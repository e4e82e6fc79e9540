// Package clock is the time source of the schedulers. Both schedulers arm
// one callback timer for their soonest deadline, so the interface is Now
// plus AfterFunc: an idle scheduler holds a single runtime timer and no
// goroutine. Fake drives the same code in tests without sleeping.
package clock

import (
	"sync"
	"time"
)

// Clock tells the time and calls functions later.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine once d has elapsed.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending AfterFunc call.
type Timer interface {
	// Stop prevents the call; it reports whether the call was pending.
	Stop() bool
}

// Real returns the system clock.
func Real() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// Fake is a manual clock. Time moves only when Advance or Set is called,
// and due callbacks run synchronously inside that call, in deadline order,
// so a test knows every timer that should have fired has fired when
// Advance returns.
type Fake struct {
	mu     sync.Mutex
	now    time.Time
	seq    int
	timers map[*fakeTimer]struct{}
}

// NewFake returns a fake clock reading now.
func NewFake(now time.Time) *Fake {
	return &Fake{now: now, timers: map[*fakeTimer]struct{}{}}
}

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// AfterFunc registers f to run when the fake time reaches now+d. Even a
// non-positive d waits for the next Advance or Set: nothing runs inside
// AfterFunc itself.
func (f *Fake) AfterFunc(d time.Duration, fn func()) Timer {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	t := &fakeTimer{clock: f, at: f.now.Add(d), seq: f.seq, fn: fn}
	f.timers[t] = struct{}{}
	return t
}

// Pending reports how many timers are armed.
func (f *Fake) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.timers)
}

// Next returns the deadline of the soonest armed timer.
func (f *Fake) Next() (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var best *fakeTimer
	for t := range f.timers {
		if best == nil || t.before(best) {
			best = t
		}
	}
	if best == nil {
		return time.Time{}, false
	}
	return best.at, true
}

// Advance moves the time forward by d, stepping through every timer that
// falls due on the way: each callback runs with Now() reading its own
// deadline, as it would on a real clock.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	target := f.now.Add(d)
	f.mu.Unlock()
	f.Set(target)
}

// maxSteps stops a callback that keeps re-arming itself for "now" from
// hanging a test.
const maxSteps = 1_000_000

// Set moves the time to t (never backwards), stepping through due timers
// as Advance does.
func (f *Fake) Set(t time.Time) {
	for range maxSteps {
		f.mu.Lock()
		var next *fakeTimer
		for tm := range f.timers {
			if !tm.at.After(t) && (next == nil || tm.before(next)) {
				next = tm
			}
		}
		if next == nil {
			if t.After(f.now) {
				f.now = t
			}
			f.mu.Unlock()
			return
		}
		delete(f.timers, next)
		if next.at.After(f.now) {
			f.now = next.at
		}
		f.mu.Unlock()
		next.fn()
	}
	panic("clock.Fake: a timer keeps re-arming itself without advancing")
}

type fakeTimer struct {
	clock *Fake
	at    time.Time
	seq   int
	fn    func()
}

func (t *fakeTimer) before(o *fakeTimer) bool {
	if !t.at.Equal(o.at) {
		return t.at.Before(o.at)
	}
	return t.seq < o.seq
}

func (t *fakeTimer) Stop() bool {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	_, ok := t.clock.timers[t]
	delete(t.clock.timers, t)
	return ok
}
