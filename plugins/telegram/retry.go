package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// retryPolicy is OpenClaw's per-request retry envelope for channel sends.
type retryPolicy struct {
	attempts int
	minDelay time.Duration
	maxDelay time.Duration
	jitter   float64
	// random returns a number in [0, 1); nil means math/rand.
	random func() float64
}

// defaultRetry is Telegram's envelope: 3 attempts, 400 ms doubling up to
// 30 s, 10% jitter.
var defaultRetry = retryPolicy{attempts: 3, minDelay: 400 * time.Millisecond, maxDelay: 30 * time.Second, jitter: 0.1}

// backoff is the wait before retry number attempt (0 for the first retry):
// minDelay doubled per attempt, capped at maxDelay, spread by ±jitter.
func (p retryPolicy) backoff(attempt int) time.Duration {
	d := p.minDelay
	for i := 0; i < attempt && d < p.maxDelay; i++ {
		d *= 2
	}
	d = min(d, p.maxDelay)
	if p.jitter > 0 {
		r := rand.Float64
		if p.random != nil {
			r = p.random
		}
		d = time.Duration(float64(d) * (1 + p.jitter*(2*r()-1)))
	}
	return max(d, 0)
}

// do runs op until it succeeds, fails for good, or the attempts are used
// up. A rate-limit answer waits exactly as long as Telegram asks; if that
// is longer than maxDelay the send fails now rather than hold the reply.
func (p retryPolicy) do(ctx context.Context, op func(context.Context) error) error {
	attempts := max(p.attempts, 1)
	for attempt := 0; ; attempt++ {
		err := op(ctx)
		if err == nil {
			return nil
		}
		if attempt+1 >= attempts || !retryable(err) || ctx.Err() != nil {
			return err
		}
		wait := p.backoff(attempt)
		if ra, ok := retryAfter(err); ok {
			if ra > p.maxDelay {
				return &waitTooLong{wait: ra, max: p.maxDelay, err: err}
			}
			wait = ra
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
	}
}

// waitTooLong is a rate limit that asks for a longer wait than the policy
// allows.
type waitTooLong struct {
	wait, max time.Duration
	err       error
}

func (e *waitTooLong) Error() string {
	return fmt.Sprintf("rate limited for %s, longer than retry.maxDelayMs (%s): %s", e.wait, e.max, describe(e.err))
}

func (e *waitTooLong) Unwrap() error { return e.err }
