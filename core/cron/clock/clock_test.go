package clock

import (
	"testing"
	"time"
)

func TestFakeStepsThroughTimers(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := NewFake(start)
	var seen []time.Duration
	var rearm func()
	rearm = func() {
		seen = append(seen, f.Now().Sub(start))
		if len(seen) < 5 {
			f.AfterFunc(10*time.Minute, rearm)
		}
	}
	f.AfterFunc(10*time.Minute, rearm)
	stopped := f.AfterFunc(15*time.Minute, func() { t.Error("a stopped timer fired") })
	if !stopped.Stop() || stopped.Stop() {
		t.Fatal("Stop should report true once, then false")
	}
	if f.Pending() != 1 {
		t.Fatalf("%d pending timers", f.Pending())
	}
	f.Advance(35 * time.Minute)
	want := []time.Duration{10 * time.Minute, 20 * time.Minute, 30 * time.Minute}
	if len(seen) != len(want) {
		t.Fatalf("fired at %v, want %v", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("fired at %v, want %v", seen, want)
		}
	}
	if got := f.Now().Sub(start); got != 35*time.Minute {
		t.Fatalf("now is %v after start", got)
	}
	if next, ok := f.Next(); !ok || next.Sub(start) != 40*time.Minute {
		t.Fatalf("next timer %v %v", next, ok)
	}
	// Nothing runs inside AfterFunc, even for a zero delay.
	ran := false
	f.AfterFunc(0, func() { ran = true })
	if ran {
		t.Fatal("AfterFunc(0) ran synchronously")
	}
	f.Advance(0)
	if !ran {
		t.Fatal("AfterFunc(0) did not run at the next Advance")
	}
}

func TestRealClock(t *testing.T) {
	c := Real()
	done := make(chan struct{})
	c.AfterFunc(time.Millisecond, func() { close(done) })
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("real timer never fired")
	}
	if c.Now().IsZero() {
		t.Fatal("zero time")
	}
}
