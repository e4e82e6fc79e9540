// Package discord is a faithful local stand-in for Discord's bot API: the
// REST routes a chat bot uses (API v9 and v10) and the gateway WebSocket
// (HELLO, IDENTIFY, READY, GUILD_CREATE, MESSAGE_CREATE, heartbeats, RESUME),
// with Discord's payload, error and rate-limit shapes.
//
// Tests drive it as the people in a guild would: inject messages (DMs, guild
// channels with or without a mention, threads, replies, other bots, the bot
// itself), read what the bot sent, and inject faults (429s with retry_after,
// 5xx, a revoked token, a dropped gateway connection). It needs no
// *testing.T, so benchmarks and e2e programs use it too.
package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Options configure a fake.
type Options struct {
	// Token is the bot token the fake accepts (without the "Bot " prefix).
	// Default "fake-discord-token".
	Token string
	// World is the starting guild, channels and people. Default DefaultWorld().
	World *World
	// HeartbeatInterval is sent in HELLO. Default 41.25 s, as Discord does.
	HeartbeatInterval time.Duration
	// BucketLimit is how many requests a route bucket allows per
	// BucketWindow before it answers 429. Default 50 per second: generous,
	// so tests are not slowed, yet reported in the X-RateLimit headers.
	BucketLimit  int
	BucketWindow time.Duration
	// DenyPrivilegedIntents makes IDENTIFY with a privileged intent
	// (message content, members, presences) fail with close code 4014, as
	// for an application whose portal switches are off.
	DenyPrivilegedIntents bool
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Server is a running fake.
type Server struct {
	srv   *httptest.Server
	now   func() time.Time
	ids   *snowflakes
	token string
	hbInt time.Duration

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every change, for waiters
	world    World
	users    map[string]User
	members  map[string]Member // guild members by user id
	channels map[string]*Channel
	messages map[string][]*Message // by channel id, oldest first
	files    map[string][]byte     // attachment path -> bytes
	dms      map[string]string     // user id -> DM channel id
	nonces   map[string]*Message   // author/channel/nonce -> message created

	tokenRejected bool
	denyPriv      bool
	faults        faults
	buckets       map[string]*bucket
	bucketLimit   int
	bucketWindow  time.Duration
	globalUntil   time.Time
	violations    int
	requests      []Request
	reactions     []Reaction

	// The gateway never drops a quiet client for missed heartbeats, so a
	// slow test machine does not see spurious reconnects.
	sessions     map[string]*gwSession
	conns        map[*gwConn]bool
	identifies   int
	resumes      int
	heartbeats   int
	lastIdentify Identify
	presence     []map[string]any
}

// New starts a fake on a loopback port. Close it when done.
func New(opts Options) *Server {
	if opts.Token == "" {
		opts.Token = "fake-discord-token"
	}
	if opts.World == nil {
		w := DefaultWorld()
		opts.World = &w
	}
	if opts.HeartbeatInterval <= 0 {
		opts.HeartbeatInterval = 41250 * time.Millisecond
	}
	if opts.BucketLimit <= 0 {
		opts.BucketLimit = 50
	}
	if opts.BucketWindow <= 0 {
		opts.BucketWindow = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		now:          opts.Now,
		ids:          &snowflakes{now: opts.Now},
		token:        opts.Token,
		hbInt:        opts.HeartbeatInterval,
		changed:      make(chan struct{}),
		world:        *opts.World,
		users:        map[string]User{},
		members:      map[string]Member{},
		channels:     map[string]*Channel{},
		messages:     map[string][]*Message{},
		files:        map[string][]byte{},
		dms:          map[string]string{},
		nonces:       map[string]*Message{},
		denyPriv:     opts.DenyPrivilegedIntents,
		buckets:      map[string]*bucket{},
		bucketLimit:  opts.BucketLimit,
		bucketWindow: opts.BucketWindow,
		sessions:     map[string]*gwSession{},
		conns:        map[*gwConn]bool{},
	}
	w := s.world
	for _, u := range []User{*w.Bot.User, w.Alice, w.Bob, w.OtherBot} {
		s.users[u.ID] = u
	}
	for id, m := range w.Members {
		s.members[id] = m
		if m.User != nil {
			s.users[id] = *m.User
		}
	}
	for _, c := range []Channel{w.General, w.Help, w.Thread} {
		c := c
		s.channels[c.ID] = &c
	}
	s.srv = httptest.NewServer(s.routes())
	return s
}

// Close stops the fake and drops every connection.
func (s *Server) Close() {
	s.DropConnections()
	s.srv.Close()
}

// URL is the fake's origin, e.g. http://127.0.0.1:40123.
func (s *Server) URL() string { return s.srv.URL }

// APIURL is the versioned REST base a client uses in place of
// https://discord.com/api/v10.
func (s *Server) APIURL() string { return s.srv.URL + "/api/v10" }

// GatewayURL is the WebSocket URL GET /gateway answers with.
func (s *Server) GatewayURL() string {
	return "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/gateway"
}

// Token is the bot token the fake accepts.
func (s *Server) Token() string { return s.token }

// World is the fake's starting world (ids of the bot, guild, channels, people).
func (s *Server) World() World { return s.world }

// BotID is the bot user's id.
func (s *Server) BotID() string { return s.world.Bot.User.ID }

// broadcast wakes everyone waiting for a change. Callers hold s.mu.
func (s *Server) broadcast() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitFor blocks until cond (called with s.mu held) is true or ctx ends.
func (s *Server) waitFor(ctx context.Context, what string, cond func() bool) error {
	for {
		s.mu.Lock()
		if cond() {
			s.mu.Unlock()
			return nil
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("discord fake: waiting for %s: %w", what, ctx.Err())
		}
	}
}

// RejectToken makes the fake treat the bot token as revoked: REST answers
// 401, IDENTIFY and RESUME fail with close code 4004, and open gateway
// connections are closed with 4004.
func (s *Server) RejectToken() {
	s.mu.Lock()
	s.tokenRejected = true
	conns := s.connList()
	s.mu.Unlock()
	for _, c := range conns {
		c.closeWith(4004, "Authentication failed.")
	}
}

// AcceptToken undoes RejectToken.
func (s *Server) AcceptToken() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenRejected = false
}

func (s *Server) validToken(header string) bool {
	tok := strings.TrimSpace(strings.TrimPrefix(header, "Bot "))
	return !s.tokenRejected && tok == s.token
}

// Requests lists the REST calls served so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// CountRequests counts served REST calls with method whose path (after the
// /api/vN prefix) starts with prefix.
func (s *Server) CountRequests(method, prefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if r.Method == method && strings.HasPrefix(r.Path, prefix) {
			n++
		}
	}
	return n
}

// RateLimitViolations counts requests that arrived while their bucket (or
// the global limit) said to wait: a client honouring Discord's headers and
// retry_after keeps this at zero.
func (s *Server) RateLimitViolations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.violations
}

// errNoSuch reports an unknown id in a helper call.
var errNoSuch = errors.New("no such object")
