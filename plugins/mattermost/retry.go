package main

import (
	"context"
	"math/rand/v2"
	"time"
)

// retryPolicy is channels.mattermost.retry: how often a REST call is tried
// and how long to wait in between.
type retryPolicy struct {
	Attempts   int     `json:"attempts"`
	MinDelayMs int     `json:"minDelayMs"`
	MaxDelayMs int     `json:"maxDelayMs"`
	Jitter     float64 `json:"jitter"`
}

// OpenClaw's defaults for channel sends.
const (
	defaultAttempts   = 3
	defaultMinDelayMs = 400
	defaultMaxDelayMs = 30000
	defaultJitter     = 0.1
)

func (p retryPolicy) withDefaults() retryPolicy {
	if p.Attempts <= 0 {
		p.Attempts = defaultAttempts
	}
	if p.MinDelayMs <= 0 {
		p.MinDelayMs = defaultMinDelayMs
	}
	if p.MaxDelayMs <= 0 {
		p.MaxDelayMs = defaultMaxDelayMs
	}
	if p.MaxDelayMs < p.MinDelayMs {
		p.MaxDelayMs = p.MinDelayMs
	}
	if p.Jitter < 0 || p.Jitter > 1 {
		p.Jitter = defaultJitter
	}
	return p
}

// backoff is the wait before retry number n (1-based): exponential from
// MinDelayMs, capped at MaxDelayMs, spread by ±Jitter.
func (p retryPolicy) backoff(n int) time.Duration {
	d := time.Duration(p.MinDelayMs) * time.Millisecond
	limit := time.Duration(p.MaxDelayMs) * time.Millisecond
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	if p.Jitter > 0 {
		spread := float64(d) * p.Jitter
		d += time.Duration((rand.Float64()*2 - 1) * spread)
	}
	return max(d, 0)
}

// verdict says whether a failed attempt may be tried again and the least
// time the platform asked to wait (Retry-After).
type verdict struct {
	retry bool
	after time.Duration
}

// run calls op until it succeeds, fails for good, or the attempts are used
// up; it returns the last error.
func (p retryPolicy) run(ctx context.Context, classify func(error) verdict, op func(ctx context.Context) error) error {
	p = p.withDefaults()
	var err error
	for attempt := 1; ; attempt++ {
		if err = op(ctx); err == nil {
			return nil
		}
		v := classify(err)
		if !v.retry || attempt >= p.Attempts {
			return err
		}
		wait := max(p.backoff(attempt), v.after)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			// Waiting would outlive the caller: give the real error back now.
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}
