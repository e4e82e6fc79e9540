package main

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// apiTransport carries the account's REST calls. It points them at an
// overridden API base when one is configured (instead of rewriting
// discordgo's package-level endpoint variables, which every account in the
// process shares), and it holds every request while Discord's global rate
// limit is in force.
type apiTransport struct {
	base http.RoundTripper
	// apiBase replaces discordgo's https://discord.com/api/vN prefix; nil
	// leaves requests alone.
	apiBase *url.URL
	now     func() time.Time

	mu          sync.Mutex
	globalUntil time.Time
}

func (t *apiTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.waitGlobal(req.Context()); err != nil {
		return nil, err
	}
	if t.apiBase != nil {
		if rest, ok := strings.CutPrefix(req.URL.String(), discordgo.EndpointAPI); ok {
			u, err := url.Parse(t.apiBase.String() + "/" + rest)
			if err != nil {
				return nil, err
			}
			req = req.Clone(req.Context())
			req.URL, req.Host = u, u.Host
		}
	}
	res, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode == http.StatusTooManyRequests && res.Header.Get("X-RateLimit-Global") != "" {
		t.holdGlobal(retryAfterHeader(res.Header))
	}
	return res, nil
}

// holdGlobal blocks all requests for d. discordgo tracks per-route buckets
// itself but not a global limit announced without bucket headers.
func (t *apiTransport) holdGlobal(d time.Duration) {
	if d <= 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if until := t.now().Add(d); until.After(t.globalUntil) {
		t.globalUntil = until
	}
}

func (t *apiTransport) waitGlobal(ctx context.Context) error {
	t.mu.Lock()
	wait := t.globalUntil.Sub(t.now())
	t.mu.Unlock()
	if wait <= 0 {
		return nil
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// retryAfterHeader reads Retry-After (seconds, possibly fractional).
func retryAfterHeader(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		v = h.Get("X-RateLimit-Reset-After")
	}
	secs, err := strconv.ParseFloat(v, 64)
	if err != nil || secs <= 0 {
		return 0
	}
	return time.Duration(secs * float64(time.Second))
}

// gatewayIdleTimeout bounds how long the gateway connection may stay
// silent. Discord acknowledges heartbeats every ~41 s, so two minutes of
// silence is a dead connection; without a bound discordgo would wait for
// HELLO or READY forever.
const gatewayIdleTimeout = 2 * time.Minute

// idleConn gives every read a fresh deadline.
type idleConn struct {
	net.Conn
	idle time.Duration
}

func (c idleConn) Read(p []byte) (int, error) {
	if err := c.Conn.SetReadDeadline(time.Now().Add(c.idle)); err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

func newDialer(proxy *url.URL, idle time.Duration) *websocket.Dialer {
	d := &websocket.Dialer{
		HandshakeTimeout: 30 * time.Second,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			var nd net.Dialer
			c, err := nd.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return idleConn{Conn: c, idle: idle}, nil
		},
	}
	if proxy != nil {
		d.Proxy = http.ProxyURL(proxy)
	}
	return d
}

func newHTTPClient(cfg accountConfig) *http.Client {
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.Proxy = nil
	if cfg.proxy != nil {
		base.Proxy = http.ProxyURL(cfg.proxy)
	}
	return &http.Client{
		Transport: &apiTransport{base: base, apiBase: cfg.apiBase, now: time.Now},
		Timeout:   60 * time.Second,
	}
}
