package proc

import (
	"sync"
	"time"
)

// Output collects a process's combined stdout and stderr. It keeps the tail
// of everything (for log and the final result) and, separately, the tail of
// what has not been drained yet (for poll), each within its own cap, and
// counts what each had to drop.
type Output struct {
	mu             sync.Mutex
	max            int
	pendingMax     int
	all            []byte
	dropped        int64
	pending        []byte
	pendingDropped int64
	total          int64
	lastWrite      time.Time
	changed        chan struct{}
	now            func() time.Time
}

// NewOutput returns an Output keeping at most max bytes in all and
// pendingMax bytes undrained.
func NewOutput(max, pendingMax int, now func() time.Time) *Output {
	return &Output{max: max, pendingMax: min(pendingMax, max), changed: make(chan struct{}), now: now}
}

// Write appends p.
func (o *Output) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.total += int64(len(p))
	o.lastWrite = o.now()
	var d int
	o.all, d = appendTail(o.all, p, o.max)
	o.dropped += int64(d)
	o.pending, d = appendTail(o.pending, p, o.pendingMax)
	o.pendingDropped += int64(d)
	close(o.changed)
	o.changed = make(chan struct{})
	return len(p), nil
}

// appendTail appends p to buf and keeps the last max bytes, starting on a
// UTF-8 boundary; it returns how many bytes were dropped.
func appendTail(buf, p []byte, max int) ([]byte, int) {
	buf = append(buf, p...)
	if len(buf) <= max {
		return buf, 0
	}
	cut := len(buf) - max
	for i := 0; i < 3 && cut < len(buf) && buf[cut]&0xC0 == 0x80; i++ {
		cut++
	}
	n := copy(buf, buf[cut:])
	return buf[:n], cut
}

// Changed is closed at the next write.
func (o *Output) Changed() <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.changed
}

// Tail returns the retained output and how many earlier bytes were dropped.
func (o *Output) Tail() (string, int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return string(o.all), o.dropped
}

// Drain returns the output not drained before, and how much of it was
// dropped for the pending cap, and empties it.
func (o *Output) Drain() (string, int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s, d := string(o.pending), o.pendingDropped
	o.pending, o.pendingDropped = o.pending[:0], 0
	return s, d
}

// Pending reports whether undrained output exists.
func (o *Output) Pending() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.pending) > 0 || o.pendingDropped > 0
}

// Stats returns the total bytes written and when the last write was.
func (o *Output) Stats() (total int64, last time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.total, o.lastWrite
}
