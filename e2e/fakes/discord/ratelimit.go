package discord

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// bucket is one route's rate limit window, as Discord reports it in the
// X-RateLimit-* headers.
type bucket struct {
	hash      string
	limit     int
	remaining int
	resetAt   time.Time
}

// fault is an injected failure for the next count matching requests.
type fault struct {
	method, prefix string
	sendsOnly      bool
	count          int
	status         int           // 429 for a rate limit, else an error status
	retryAfter     time.Duration // for 429
	global         bool
}

type faults struct{ queue []*fault }

func (f *faults) take(method, path string, isSend bool) *fault {
	for i, ft := range f.queue {
		if ft.method != "" && ft.method != method {
			continue
		}
		if ft.sendsOnly && !isSend || !ft.sendsOnly && !strings.HasPrefix(path, ft.prefix) {
			continue
		}
		ft.count--
		if ft.count <= 0 {
			f.queue = append(f.queue[:i], f.queue[i+1:]...)
		}
		return ft
	}
	return nil
}

// RateLimitSends makes the next n message creations (POST
// /channels/{id}/messages) answer 429 with retry_after, as Discord does for
// a bucket (global false) or the global limit (global true).
func (s *Server) RateLimitSends(n int, retryAfter time.Duration, global bool) {
	s.addFault(&fault{method: http.MethodPost, sendsOnly: true, count: n, status: http.StatusTooManyRequests, retryAfter: retryAfter, global: global})
}

// RateLimitRoute makes the next n requests with method (or any method when
// empty) whose path after /api/vN starts with prefix answer 429.
func (s *Server) RateLimitRoute(method, prefix string, n int, retryAfter time.Duration, global bool) {
	s.addFault(&fault{method: method, prefix: prefix, count: n, status: http.StatusTooManyRequests, retryAfter: retryAfter, global: global})
}

// FailSends makes the next n message creations answer status (500, 502,
// 503 …) with Discord's error body.
func (s *Server) FailSends(n, status int) {
	s.addFault(&fault{method: http.MethodPost, sendsOnly: true, count: n, status: status})
}

// FailRoute makes the next n requests matching method and path prefix
// answer status.
func (s *Server) FailRoute(method, prefix string, n, status int) {
	s.addFault(&fault{method: method, prefix: prefix, count: n, status: status})
}

func (s *Server) addFault(f *fault) {
	if f.count <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.queue = append(s.faults.queue, f)
}

// admit applies the global limit, injected faults and the route's bucket to
// one request, writing the rate-limit headers. It returns false when it has
// answered the request itself. Callers hold s.mu.
func (s *Server) admit(w http.ResponseWriter, method, path, bucketKey string, isSend bool) bool {
	now := s.now()
	if now.Before(s.globalUntil) {
		s.violations++
		writeRateLimited(w, now, s.globalUntil.Sub(now), true, "global", nil)
		return false
	}
	b := s.buckets[bucketKey]
	if b == nil {
		sum := sha256.Sum256([]byte(bucketKey))
		b = &bucket{hash: hex.EncodeToString(sum[:8]), limit: s.bucketLimit}
		s.buckets[bucketKey] = b
	}
	if !now.Before(b.resetAt) {
		b.remaining, b.resetAt = b.limit, now.Add(s.bucketWindow)
	}
	if b.remaining <= 0 {
		s.violations++
		writeRateLimited(w, now, b.resetAt.Sub(now), false, "user", b)
		return false
	}
	if ft := s.faults.take(method, path, isSend); ft != nil {
		if ft.status == http.StatusTooManyRequests {
			until := now.Add(ft.retryAfter)
			if ft.global {
				s.globalUntil = until
				writeRateLimited(w, now, ft.retryAfter, true, "global", nil)
			} else {
				b.remaining, b.resetAt = 0, until
				writeRateLimited(w, now, ft.retryAfter, false, "user", b)
			}
			return false
		}
		writeError(w, ft.status, 0, fmt.Sprintf("%d: %s", ft.status, http.StatusText(ft.status)))
		return false
	}
	b.remaining--
	writeBucketHeaders(w.Header(), b, now)
	return true
}

func writeBucketHeaders(h http.Header, b *bucket, now time.Time) {
	resetAfter := b.resetAt.Sub(now)
	h.Set("X-RateLimit-Limit", strconv.Itoa(b.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(b.remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(b.resetAt.UnixMilli())/1000, 'f', 3, 64))
	h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(resetAfter.Seconds(), 'f', 3, 64))
	h.Set("X-RateLimit-Bucket", b.hash)
}

// writeRateLimited answers 429 the way Discord does: retry_after in seconds
// (a float) in the body, Retry-After (whole seconds, rounded up) and the
// X-RateLimit-* headers; global limits add X-RateLimit-Global.
func writeRateLimited(w http.ResponseWriter, now time.Time, wait time.Duration, global bool, scope string, b *bucket) {
	h := w.Header()
	if b != nil {
		writeBucketHeaders(h, b, now)
	}
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	h.Set("X-RateLimit-Scope", scope)
	if global {
		h.Set("X-RateLimit-Global", "true")
	}
	writeJSON(w, http.StatusTooManyRequests, map[string]any{
		"message":     "You are being rate limited.",
		"retry_after": math.Round(wait.Seconds()*1000) / 1000,
		"global":      global,
	})
}
