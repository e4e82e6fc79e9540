// Package mattermostfake is a local stand-in for a Mattermost server: the
// REST v4 routes a bot uses and the /api/v4/websocket event stream, with
// authentication challenges, sequence numbers and resumable connections,
// on loopback. Faults: rejected tokens (401), rate limits (429 with
// X-Ratelimit-* and Retry-After), server errors, dropped WebSockets and a
// server that forgot its connections.
//
// It needs no *testing.T, so tests, benchmarks and end-to-end programs can all
// drive it:
//
//	f := mattermostfake.New(mattermostfake.Options{})
//	defer f.Close()
//	// point the plugin at f.URL() with f.BotToken()
//	f.Post(mattermostfake.Post{ChannelID: ch, UserID: alice, Message: "@openclaw hi"})
//	posts, _ := f.WaitBotPosts(ctx, 1)
package mattermostfake

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"time"
)

// Options configure the fake server. Zero values get defaults.
type Options struct {
	BotToken    string // default "mm-fake-bot-token"
	BotUsername string // default "openclaw"
	TeamName    string // default "acme"
	// ResumeBuffer is how many events a connection keeps for a client
	// that reconnects with its connection_id. Default 128.
	ResumeBuffer int
	// PendingPostTTL is how long a pending_post_id deduplicates resent
	// posts, as Mattermost does. Default 30s.
	PendingPostTTL time.Duration
}

// User is a Mattermost user.
type User struct {
	ID        string
	Username  string
	FirstName string
	LastName  string
	IsBot     bool
}

// Channel is a Mattermost channel. Type is "O" (public), "P" (private),
// "D" (direct) or "G" (group message).
type Channel struct {
	ID          string
	TeamID      string
	Type        string
	Name        string
	DisplayName string
}

// Post is a message.
type Post struct {
	ID            string
	CreateAt      int64
	UserID        string
	ChannelID     string
	RootID        string
	Message       string
	Type          string
	FileIDs       []string
	Props         map[string]any
	PendingPostID string
}

// File is an uploaded file.
type File struct {
	ID        string
	Name      string
	MimeType  string
	Size      int64
	ChannelID string
	Data      []byte
}

// Reaction is an emoji reaction on a post.
type Reaction struct {
	UserID    string
	PostID    string
	EmojiName string
	Removed   bool
}

// Server is a running fake.
type Server struct {
	opts Options
	http *httptest.Server

	mu        sync.Mutex
	cond      *sync.Cond
	closed    bool
	rejectAll bool
	faults    map[string][]fault
	// limitedUntil is when each rate-limited route may be called again;
	// violations counts calls that came sooner.
	limitedUntil map[string]time.Time
	violations   int
	calls        map[string]int
	tokens       map[string]string // token → user id
	users        map[string]*User
	teamID       string
	channels     map[string]*Channel
	posts        []*Post
	byID         map[string]*Post
	pending      map[string]pendingPost
	files        map[string]*File
	reactions    []Reaction
	conns        map[string]*wsSession // by connection id
	opened       int                   // WebSocket connections accepted
	live         int                   // authenticated connections open now
	botID        string
}

type pendingPost struct {
	postID string
	at     time.Time
}

type fault struct {
	status     int
	retryAfter time.Duration
	noRetryHdr bool
}

// New starts a fake server with a team, a bot user and a town-square
// channel.
func New(opts Options) *Server {
	if opts.BotToken == "" {
		opts.BotToken = "mm-fake-bot-token"
	}
	if opts.BotUsername == "" {
		opts.BotUsername = "openclaw"
	}
	if opts.TeamName == "" {
		opts.TeamName = "acme"
	}
	if opts.ResumeBuffer <= 0 {
		opts.ResumeBuffer = 128
	}
	if opts.PendingPostTTL <= 0 {
		opts.PendingPostTTL = 30 * time.Second
	}
	s := &Server{
		opts:         opts,
		faults:       map[string][]fault{},
		limitedUntil: map[string]time.Time{},
		calls:        map[string]int{},
		tokens:       map[string]string{},
		users:        map[string]*User{},
		channels:     map[string]*Channel{},
		byID:         map[string]*Post{},
		pending:      map[string]pendingPost{},
		files:        map[string]*File{},
		conns:        map[string]*wsSession{},
		teamID:       NewID(),
	}
	s.cond = sync.NewCond(&s.mu)
	s.botID = NewID()
	s.users[s.botID] = &User{ID: s.botID, Username: opts.BotUsername, FirstName: "OpenClaw", IsBot: true}
	s.tokens[opts.BotToken] = s.botID
	s.http = httptest.NewServer(s.routes())
	return s
}

// idEncoding is Mattermost's id alphabet: 26 characters of base32.
var idEncoding = base32.NewEncoding("ybndrfg8ejkmcpqxot1uwisza345h769").WithPadding(base32.NoPadding)

// NewID returns a fresh Mattermost-style id (26 lower-case characters).
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return idEncoding.EncodeToString(b[:])
}

// URL is the server's base URL (without /api/v4).
func (s *Server) URL() string { return s.http.URL }

// BotToken is the token the bot authenticates with.
func (s *Server) BotToken() string { return s.opts.BotToken }

// BotUserID is the bot's user id.
func (s *Server) BotUserID() string { return s.botID }

// BotUsername is the bot's username.
func (s *Server) BotUsername() string { return s.opts.BotUsername }

// TeamID is the id of the fake's only team.
func (s *Server) TeamID() string { return s.teamID }

// Close stops the server and drops every connection.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	sessions := make([]*wsSession, 0, len(s.conns))
	for _, c := range s.conns {
		sessions = append(sessions, c)
	}
	s.cond.Broadcast()
	s.mu.Unlock()
	for _, c := range sessions {
		c.drop()
	}
	s.http.CloseClientConnections()
	s.http.Close()
}

// AddUser adds a user; an empty ID gets a fresh one, which is returned.
func (s *Server) AddUser(u User) string {
	if u.ID == "" {
		u.ID = NewID()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = &u
	return u.ID
}

// AddChannel adds a channel; an empty ID gets a fresh one, and open or
// private channels without a team join the fake's team.
func (s *Server) AddChannel(c Channel) string {
	if c.ID == "" {
		c.ID = NewID()
	}
	if c.Type == "" {
		c.Type = "O"
	}
	if c.TeamID == "" && (c.Type == "O" || c.Type == "P") {
		c.TeamID = s.teamID
	}
	if c.DisplayName == "" {
		c.DisplayName = c.Name
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[c.ID] = &c
	return c.ID
}

// DirectChannel returns (creating it) the direct channel of two users.
func (s *Server) DirectChannel(a, b string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.directLocked(a, b).ID
}

func (s *Server) directLocked(a, b string) *Channel {
	ids := []string{a, b}
	sort.Strings(ids)
	name := ids[0] + "__" + ids[1]
	for _, c := range s.channels {
		if c.Type == "D" && c.Name == name {
			return c
		}
	}
	c := &Channel{ID: NewID(), Type: "D", Name: name, DisplayName: name}
	s.channels[c.ID] = c
	return c
}

// RejectTokens makes every request fail with 401 (true) or accepts the
// bot token again (false).
func (s *Server) RejectTokens(reject bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectAll = reject
}

// RateLimit answers the next n requests of a route ("POST /api/v4/posts")
// with 429, X-Ratelimit-Reset and Retry-After (whole seconds, rounded up).
func (s *Server) RateLimit(route string, n int, wait time.Duration) {
	s.addFaults(route, n, fault{status: http.StatusTooManyRequests, retryAfter: wait})
}

// RateLimitResetOnly is RateLimit without a Retry-After header: only
// X-Ratelimit-Reset says when to come back.
func (s *Server) RateLimitResetOnly(route string, n int, wait time.Duration) {
	s.addFaults(route, n, fault{status: http.StatusTooManyRequests, retryAfter: wait, noRetryHdr: true})
}

// RateLimitViolations counts requests to a rate-limited route made before
// the reset it was given: a client honouring Retry-After and
// X-Ratelimit-Reset keeps this at zero. Such requests are answered 429.
func (s *Server) RateLimitViolations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.violations
}

// FailNext answers the next n requests of a route with status.
func (s *Server) FailNext(route string, n, status int) {
	s.addFaults(route, n, fault{status: status})
}

func (s *Server) addFaults(route string, n int, f fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[route] = append(s.faults[route], f)
	}
}

// Calls reports how often a route ("POST /api/v4/posts") was requested.
func (s *Server) Calls(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[route]
}

// BotPosts returns the posts the bot created, oldest first.
func (s *Server) BotPosts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.botPostsLocked()
}

func (s *Server) botPostsLocked() []Post {
	var out []Post
	for _, p := range s.posts {
		if p.UserID == s.botID {
			out = append(out, *p)
		}
	}
	return out
}

// WaitBotPosts waits until the bot has created at least n posts.
func (s *Server) WaitBotPosts(ctx context.Context, n int) ([]Post, error) {
	err := s.waitFor(ctx, func() bool { return len(s.botPostsLocked()) >= n })
	posts := s.BotPosts()
	if err != nil {
		return posts, fmt.Errorf("wait for %d bot posts (have %d): %w", n, len(posts), err)
	}
	return posts, nil
}

// Reactions returns the reactions added and removed, in order.
func (s *Server) Reactions() []Reaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Reaction(nil), s.reactions...)
}

// File returns an uploaded file.
func (s *Server) File(id string) (File, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[id]
	if !ok {
		return File{}, false
	}
	return *f, true
}

var errClosed = errors.New("mattermost fake closed")

// waitFor blocks until cond (called with s.mu held) holds, ctx ends or the
// server closes.
func (s *Server) waitFor(ctx context.Context, cond func() bool) error {
	stop := context.AfterFunc(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.cond.Broadcast()
	})
	defer stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for !cond() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if s.closed {
			return errClosed
		}
		s.cond.Wait()
	}
	return nil
}

// mentionsOf lists the users a post notifies: @username mentions, and the
// other member of a direct channel.
func (s *Server) mentionsOf(p *Post, c *Channel) []string {
	var ids []string
	for _, u := range s.users {
		if u.ID != p.UserID && containsWord(p.Message, "@"+u.Username) {
			ids = append(ids, u.ID)
		}
	}
	if c.Type == "D" {
		a, b, _ := strings.Cut(c.Name, "__")
		other := a
		if other == p.UserID {
			other = b
		}
		if other != p.UserID && !contains(ids, other) {
			ids = append(ids, other)
		}
	}
	sort.Strings(ids)
	return ids
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// containsWord reports whether word occurs in text not followed by a
// character that would make it a longer name.
func containsWord(text, word string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], word)
		if j < 0 {
			return false
		}
		end := i + j + len(word)
		if end == len(text) || !isNameChar(text[end]) {
			return true
		}
		i = end
	}
}

func isNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}
