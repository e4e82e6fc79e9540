package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/bwmarrin/discordgo"
)

// retryPolicy is channels.discord.retry: how often and how patiently one
// REST request is retried. Retrying is per request, never per multi-step
// flow, so a partly delivered reply is not repeated.
type retryPolicy struct {
	attempts int
	minDelay time.Duration
	maxDelay time.Duration
	jitter   float64
}

// errRateLimitTooLong is returned when Discord asks to wait longer than the
// policy's maxDelay: failing fast lets the gateway report it instead of a
// turn hanging silently.
var errRateLimitTooLong = errors.New("Discord rate limit outlasts retry.maxDelayMs")

// do runs f until it succeeds, fails for good, or attempts run out. Rate
// limits wait Discord's retry_after; other transient failures back off
// exponentially from minDelay to maxDelay, with jitter.
func (p retryPolicy) do(ctx context.Context, what string, f func(context.Context) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		if err = f(ctx); err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", what, ctx.Err())
		}
		wait, retry := p.classify(err, attempt)
		if !retry {
			return fmt.Errorf("%s: %w", what, err)
		}
		if attempt >= p.attempts {
			return fmt.Errorf("%s: giving up after %d attempts: %w", what, attempt, err)
		}
		if wait > p.maxDelay && isRateLimit(err) {
			return fmt.Errorf("%s: Discord asks to wait %s: %w (%w)", what, wait, errRateLimitTooLong, err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s: %w (last error: %v)", what, ctx.Err(), err)
		case <-t.C:
		}
	}
}

// classify says whether err is worth another attempt and after how long.
func (p retryPolicy) classify(err error, attempt int) (time.Duration, bool) {
	var rl *discordgo.RateLimitError
	if errors.As(err, &rl) {
		if rl.TooManyRequests != nil && rl.RetryAfter > 0 {
			// Never earlier than Discord said; jitter only adds.
			return rl.RetryAfter + time.Duration(float64(rl.RetryAfter)*p.jitter*rand.Float64()), true
		}
		return p.backoff(attempt), true
	}
	var rest *discordgo.RESTError
	if errors.As(err, &rest) {
		if rest.Response != nil && rest.Response.StatusCode >= 500 {
			return p.backoff(attempt), true
		}
		return 0, false
	}
	if badGateway(err) {
		return p.backoff(attempt), true
	}
	if errors.Is(err, discordgo.ErrJSONUnmarshal) || errors.Is(err, errPermanentSend) {
		return 0, false
	}
	if transient(err) {
		return p.backoff(attempt), true
	}
	return 0, false
}

// backoff is minDelay doubled per attempt, capped at maxDelay, spread by
// ±jitter.
func (p retryPolicy) backoff(attempt int) time.Duration {
	d := p.minDelay
	for i := 1; i < attempt && d < p.maxDelay; i++ {
		d *= 2
	}
	d = min(d, p.maxDelay)
	if p.jitter > 0 && d > 0 {
		spread := float64(d) * p.jitter
		d += time.Duration(spread * (2*rand.Float64() - 1))
	}
	return max(d, 0)
}

// badGateway recognises discordgo's report of a 502: with its own retries
// off it returns a plain error, not a RESTError, for that one status.
func badGateway(err error) bool {
	return strings.HasPrefix(err.Error(), "Exceeded Max retries HTTP 502")
}

func isRateLimit(err error) bool {
	var rl *discordgo.RateLimitError
	return errors.As(err, &rl)
}

// transient reports network failures a retry may cure: timeouts, resets,
// refused or dropped connections, DNS hiccups.
func transient(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, http.ErrHandlerTimeout)
}

// errPermanentSend marks an outbound request that must not be retried.
var errPermanentSend = errors.New("not retryable")

// statusOf is the HTTP status of a Discord REST error, or 0.
func statusOf(err error) int {
	var rest *discordgo.RESTError
	if errors.As(err, &rest) && rest.Response != nil {
		return rest.Response.StatusCode
	}
	return 0
}
