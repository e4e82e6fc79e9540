// Package slackfake is a local stand-in for Slack: the Web API methods a bot
// uses and Socket Mode, on loopback. It builds on slack-go's slacktest server
// (which answers the rest of the Web API) and adds what slacktest lacks:
// token checks, a Socket Mode WebSocket that delivers envelopes and records
// acknowledgements, redelivery of unacknowledged envelopes after a
// reconnect, and faults (dropped connections, refresh requests, rate limits,
// rejected tokens, server errors).
//
// It needs no *testing.T, so tests, benchmarks and end-to-end programs can all
// drive it:
//
//	f := slackfake.New(slackfake.Options{})
//	defer f.Close()
//	// point the plugin at f.APIURL() with f.BotToken() and f.AppToken()
//	f.InjectMessage(slackfake.Message{Channel: "C1", User: "U1", Text: "<@" + f.BotUserID() + "> hi"})
//	posted, _ := f.WaitPosted(ctx, 1)
package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack/slacktest"
)

// Options configure a fake workspace. Zero values get defaults.
type Options struct {
	BotToken  string // default "xoxb-fake-bot-token"
	AppToken  string // default "xapp-fake-app-token"
	BotUserID string // default "U0BOT00001"
	BotID     string // default "B0BOT00001"
	BotName   string // default "openclaw"
	TeamID    string // default "T0FAKE0001"
	TeamName  string // default "Fake Workspace"
	AppID     string // default "A0FAKE0001"
	// PingInterval is how often the Socket Mode WebSocket is pinged, as
	// Slack does; the client treats a silent connection as dead. Default 2s.
	PingInterval time.Duration
	// NoEcho stops the fake from delivering the bot's own posts back as
	// message events. Slack echoes them; keep the default to exercise the
	// client's own-message filter.
	NoEcho bool
}

func (o *Options) defaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&o.BotToken, "xoxb-fake-bot-token")
	def(&o.AppToken, "xapp-fake-app-token")
	def(&o.BotUserID, "U0BOT00001")
	def(&o.BotID, "B0BOT00001")
	def(&o.BotName, "openclaw")
	def(&o.TeamID, "T0FAKE0001")
	def(&o.TeamName, "Fake Workspace")
	def(&o.AppID, "A0FAKE0001")
	if o.PingInterval <= 0 {
		o.PingInterval = 2 * time.Second
	}
}

// Channel is a conversation the fake knows.
type Channel struct {
	ID   string
	Name string
	// Type is "channel" (public), "group" (private), "im" or "mpim", as in
	// the channel_type of message events.
	Type  string
	Topic string
	// User is the other member of an im.
	User string
}

// User is a workspace member.
type User struct {
	ID       string
	Name     string // handle, e.g. "alice"
	RealName string
	IsBot    bool
}

// Posted is a message the bot posted (chat.postMessage or
// chat.postEphemeral).
type Posted struct {
	Method   string // chat.postMessage or chat.postEphemeral
	Channel  string // as resolved: a user id becomes the DM channel
	Text     string
	ThreadTS string
	TS       string
	User     string // chat.postEphemeral: the user who sees it
	// ReplyBroadcast and the unfurl flags as sent.
	ReplyBroadcast bool
	UnfurlLinks    string
	UnfurlMedia    string
}

// Reaction is a reaction the bot added or removed.
type Reaction struct {
	Channel   string
	Timestamp string
	Name      string
	Removed   bool
}

// Upload is a file the bot shared through the external upload flow.
type Upload struct {
	FileID   string
	Filename string
	Data     []byte
	Channel  string
	ThreadTS string
	Comment  string
}

// Server is a running fake.
type Server struct {
	opts Options
	st   *slacktest.Server

	mu        sync.Mutex
	cond      *sync.Cond
	closed    bool
	rejectAll bool
	faults    map[string][]fault
	// limitedUntil is when each rate-limited method may be called again;
	// violations counts calls that came sooner.
	limitedUntil map[string]time.Time
	violations   int
	channels     map[string]*Channel
	users        map[string]*User
	posted       []Posted
	reactions    []Reaction
	uploads      map[string]*Upload
	uploadSeq    int
	calls        map[string]int
	conns        []*socketConn
	connected    int // Socket Mode connections that got hello
	nextConnID   int
	pending      []*envelope // not yet acknowledged, in delivery order
	acked        map[string]bool
	ackPayloads  map[string]json.RawMessage
	envelopes    map[string]*envelope
	envSeq       int
	tsSeq        int64
	tsBase       int64
}

type fault struct {
	status     int
	retryAfter time.Duration
	slackError string
}

// New starts a fake.
func New(opts Options) *Server {
	opts.defaults()
	s := &Server{
		opts:         opts,
		faults:       map[string][]fault{},
		limitedUntil: map[string]time.Time{},
		channels:     map[string]*Channel{},
		users:        map[string]*User{},
		uploads:      map[string]*Upload{},
		calls:        map[string]int{},
		acked:        map[string]bool{},
		ackPayloads:  map[string]json.RawMessage{},
		envelopes:    map[string]*envelope{},
		tsBase:       time.Now().Unix(),
	}
	s.cond = sync.NewCond(&s.mu)
	s.users[opts.BotUserID] = &User{ID: opts.BotUserID, Name: opts.BotName, RealName: opts.BotName, IsBot: true}
	s.st = slacktest.NewTestServer(s.bind)
	s.st.BotID = opts.BotUserID
	s.st.BotName = opts.BotName
	s.st.Start()
	return s
}

// bind registers the fake's handlers before slacktest's defaults, which
// therefore only answer methods the fake does not implement itself.
func (s *Server) bind(c slacktest.Customize) {
	for method, h := range map[string]http.HandlerFunc{
		"auth.test":                    s.authTest,
		"apps.connections.open":        s.appsConnectionsOpen,
		"chat.postMessage":             s.chatPostMessage,
		"chat.postEphemeral":           s.chatPostEphemeral,
		"conversations.list":           s.conversationsList,
		"conversations.info":           s.conversationsInfo,
		"conversations.open":           s.conversationsOpen,
		"users.info":                   s.usersInfo,
		"reactions.add":                s.reactionsAdd,
		"reactions.remove":             s.reactionsRemove,
		"files.getUploadURLExternal":   s.filesGetUploadURL,
		"files.completeUploadExternal": s.filesCompleteUpload,
	} {
		c.Handle("/"+method, s.webMethod(method, h))
	}
	c.Handle("/upload/", s.uploadContent)
	c.Handle("/socket", s.socket)
}

// APIURL is the Web API base URL, with its trailing slash, as slack-go's
// OptionAPIURL expects.
func (s *Server) APIURL() string { return s.st.GetAPIURL() }

// BotToken and AppToken are the tokens the fake accepts.
func (s *Server) BotToken() string { return s.opts.BotToken }
func (s *Server) AppToken() string { return s.opts.AppToken }

// BotUserID is the bot's user id (what <@…> mentions name).
func (s *Server) BotUserID() string { return s.opts.BotUserID }

// BotID is the bot's bot id (the bot_id of its own messages).
func (s *Server) BotID() string { return s.opts.BotID }

// TeamID is the workspace id.
func (s *Server) TeamID() string { return s.opts.TeamID }

// Close stops the server and drops every connection.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	conns := append([]*socketConn(nil), s.conns...)
	s.cond.Broadcast()
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.ws.CloseNow()
	}
	s.st.Stop()
}

// AddChannel makes a conversation known to conversations.list/info.
func (s *Server) AddChannel(c Channel) {
	if c.Type == "" {
		c.Type = "channel"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[c.ID] = &c
}

// AddUser makes a member known to users.info.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = &u
}

// RejectTokens makes every call fail with invalid_auth (true) or accepts
// the configured tokens again (false).
func (s *Server) RejectTokens(reject bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectAll = reject
}

// RateLimit answers the next n calls of a Web API method (e.g.
// "chat.postMessage") with HTTP 429 and a Retry-After header. Slack sends
// whole seconds; retryAfter is rounded up to them.
func (s *Server) RateLimit(method string, n int, retryAfter time.Duration) {
	s.addFaults(method, n, fault{status: http.StatusTooManyRequests, retryAfter: retryAfter, slackError: "ratelimited"})
}

// RateLimitViolations counts calls of a rate-limited method made before
// its Retry-After ran out: a client honouring Slack's header keeps this at
// zero. Such calls are answered 429 again.
func (s *Server) RateLimitViolations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.violations
}

// FailNext answers the next n calls of a method with HTTP status (e.g. 500).
func (s *Server) FailNext(method string, n, status int) {
	s.addFaults(method, n, fault{status: status, slackError: "internal_error"})
}

// ErrorNext answers the next n calls of a method with HTTP 200 and
// {"ok":false,"error":slackError}, e.g. "channel_not_found".
func (s *Server) ErrorNext(method string, n int, slackError string) {
	s.addFaults(method, n, fault{status: http.StatusOK, slackError: slackError})
}

func (s *Server) addFaults(method string, n int, f fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[method] = append(s.faults[method], f)
	}
}

// Calls reports how many times a Web API method was called.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// Posted returns what the bot posted, oldest first.
func (s *Server) Posted() []Posted {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Posted(nil), s.posted...)
}

// WaitPosted waits until the bot has posted at least n messages.
func (s *Server) WaitPosted(ctx context.Context, n int) ([]Posted, error) {
	err := s.waitFor(ctx, func() bool { return len(s.posted) >= n })
	if err != nil {
		return s.Posted(), fmt.Errorf("wait for %d posted messages (have %d): %w", n, len(s.Posted()), err)
	}
	return s.Posted(), nil
}

// Reactions returns the reactions the bot added or removed.
func (s *Server) Reactions() []Reaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Reaction(nil), s.reactions...)
}

// Uploads returns the files the bot shared, in upload order.
func (s *Server) Uploads() []Upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Upload
	for _, u := range s.uploads {
		if u.Channel != "" {
			out = append(out, *u)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].FileID < out[j].FileID })
	return out
}

// waitFor blocks until cond (called with s.mu held) is true, ctx ends or the
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

var errClosed = errors.New("slack fake closed")

// nextTS returns a unique, increasing Slack timestamp. Call with s.mu held.
func (s *Server) nextTS() string {
	s.tsSeq++
	return fmt.Sprintf("%d.%06d", s.tsBase+s.tsSeq/1000000, s.tsSeq%1000000)
}

// dmChannelFor returns (creating it) the im channel between the bot and a
// user. Call with s.mu held.
func (s *Server) dmChannelFor(user string) *Channel {
	for _, c := range s.channels {
		if c.Type == "im" && c.User == user {
			return c
		}
	}
	c := &Channel{ID: "D" + strings.TrimLeft(user, "UW"), Type: "im", User: user}
	s.channels[c.ID] = c
	return c
}

// DMChannel returns the id of the bot's DM channel with a user, creating it.
func (s *Server) DMChannel(user string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dmChannelFor(user).ID
}
