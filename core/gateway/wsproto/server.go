package wsproto

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/hashicorp/go-hclog"

	"github.com/openclaw-go/openclaw/core/gateway/auth"
	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/gateway/runs"
)

// Policy is what hello-ok advertises and the server enforces.
type Policy struct {
	MaxPayload       int64         // largest inbound frame after the handshake
	MaxBufferedBytes int64         // outbound queue per connection
	TickInterval     time.Duration // tick events and keepalive pings
}

// DefaultPolicy matches OpenClaw: 25 MiB frames, 50 MiB buffered, 15 s ticks.
var DefaultPolicy = Policy{MaxPayload: 25 << 20, MaxBufferedBytes: 50 << 20, TickInterval: 15 * time.Second}

// Info describes the running gateway for status and hello-ok snapshots.
type Info struct {
	StateDir   string
	ConfigPath string
	Bind       string // bind mode
	Addresses  []string
	Port       int
	AuthMode   string
}

// Options configure a Server.
type Options struct {
	Services backend.Services
	// Runs tracks agent turns; shared with the HTTP APIs so aborts and
	// drains cover both. Nil builds one on Services.Chat.
	Runs *runs.Registry
	Auth *auth.Authenticator
	// Version is the gateway's version, shown in hello-ok.
	Version string
	Logger  hclog.Logger
	Policy  Policy
	// Info returns the current endpoint description; nil reports nothing.
	Info func() Info
	// AllowedOrigins lists browser origins (host patterns) allowed to
	// connect besides the gateway's own host.
	AllowedOrigins []string
	// HandshakeTimeout bounds the wait for the connect request (default 15s).
	HandshakeTimeout time.Duration
	// HealthTTL is how long a health snapshot is reused (default 60s).
	HealthTTL time.Duration
}

// Server is the WebSocket endpoint.
type Server struct {
	opts    Options
	policy  Policy
	log     hclog.Logger
	runs    *runs.Registry
	methods map[string]*method
	order   []string
	bootID  string
	started time.Time
	health  *healthCache

	mu      sync.Mutex
	conns   map[*conn]struct{}
	closing bool
	wg      sync.WaitGroup // connection goroutines

	stopTicker chan struct{}
	tickerDone chan struct{}
}

// New builds a Server and starts its heartbeat. Call Close to stop it.
func New(opts Options) (*Server, error) {
	if opts.Auth == nil {
		return nil, errors.New("wsproto: Options.Auth is required")
	}
	p := opts.Policy
	if p.MaxPayload <= 0 {
		p.MaxPayload = DefaultPolicy.MaxPayload
	}
	if p.MaxBufferedBytes <= 0 {
		p.MaxBufferedBytes = DefaultPolicy.MaxBufferedBytes
	}
	if p.TickInterval <= 0 {
		p.TickInterval = DefaultPolicy.TickInterval
	}
	if opts.HandshakeTimeout <= 0 {
		opts.HandshakeTimeout = 15 * time.Second
	}
	if opts.HealthTTL <= 0 {
		opts.HealthTTL = time.Minute
	}
	log := opts.Logger
	if log == nil {
		log = hclog.NewNullLogger()
	}
	rs := opts.Runs
	if rs == nil {
		rs = runs.New(opts.Services.Chat, runs.Options{})
	}
	s := &Server{
		opts: opts, policy: p, log: log.Named("ws"), runs: rs,
		bootID: randomID(), started: time.Now(),
		conns:      map[*conn]struct{}{},
		stopTicker: make(chan struct{}), tickerDone: make(chan struct{}),
	}
	s.health = &healthCache{svc: opts.Services.Health, ttl: opts.HealthTTL}
	s.registerMethods()
	go s.heartbeat()
	return s, nil
}

func randomID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("wsproto: crypto/rand failed: %v", err))
	}
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// Methods lists the methods this server answers, in discovery order.
func (s *Server) Methods() []string {
	var out []string
	for _, name := range s.order {
		if s.methods[name].available(s) {
			out = append(out, name)
		}
	}
	return out
}

// Events lists the events this server may push.
func (s *Server) Events() []string {
	return []string{"connect.challenge", "tick", "shutdown", "chat", "agent", "config.changed"}
}

// Connections counts authenticated connections.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Broadcast pushes an event to every authenticated operator connection
// allowed to read.
func (s *Server) Broadcast(event string, payload any) {
	raw, err := json.Marshal(payload)
	if err != nil {
		s.log.Error("encode broadcast", "event", event, "error", err)
		return
	}
	for _, c := range s.snapshotConns() {
		if c.hasScope(ScopeRead) {
			c.sendEvent(event, raw)
		}
	}
}

func (s *Server) snapshotConns() []*conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	return out
}

// heartbeat sends tick events and keepalive pings to every connection.
// One goroutine serves all connections.
func (s *Server) heartbeat() {
	defer close(s.tickerDone)
	t := time.NewTicker(s.policy.TickInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stopTicker:
			return
		case now := <-t.C:
			raw, _ := json.Marshal(map[string]int64{"ts": now.UnixMilli()})
			stale := now.Add(-(2*s.policy.TickInterval + pongWindow)).UnixNano()
			for _, c := range s.snapshotConns() {
				if c.lastSeen.Load() < stale && !c.pinging.Load() {
					c.log.Debug("no traffic or pong; dropping connection")
					c.closeWith(websocket.StatusGoingAway, "keepalive timeout")
					continue
				}
				c.sendEvent("tick", raw)
				c.keepalive()
			}
		}
	}
}

// Close stops accepting connections, tells every client the gateway is
// shutting down, closes their connections and waits for their goroutines
// (or ctx). restartIn, when positive, is advertised as restartExpectedMs.
func (s *Server) Close(ctx context.Context, reason string, restartIn time.Duration) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return nil
	}
	s.closing = true
	s.mu.Unlock()
	close(s.stopTicker)
	<-s.tickerDone

	payload := map[string]any{"reason": reason}
	code := websocket.StatusGoingAway
	if restartIn > 0 {
		payload["restartExpectedMs"] = restartIn.Milliseconds()
		code = websocket.StatusServiceRestart
	}
	raw, _ := json.Marshal(payload)
	for _, c := range s.snapshotConns() {
		c.sendEvent("shutdown", raw)
		c.closeWith(code, "gateway "+reason)
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		for _, c := range s.snapshotConns() {
			c.cancel()
		}
		<-done
		return fmt.Errorf("close websocket connections: %w", ctx.Err())
	}
}

// ServeHTTP upgrades a request to a protocol connection.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	closing := s.closing
	if !closing {
		s.wg.Add(1)
	}
	s.mu.Unlock()
	if closing {
		http.Error(w, "gateway is shutting down", http.StatusServiceUnavailable)
		return
	}
	defer s.wg.Done()
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		OriginPatterns:  s.opts.AllowedOrigins,
		CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		s.log.Debug("websocket upgrade refused", "remote", r.RemoteAddr, "error", err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &conn{
		srv: s, ws: ws, id: randomID(), remote: r.RemoteAddr,
		ctx: ctx, cancel: cancel,
		notify: make(chan struct{}, 1), inflight: make(chan struct{}, maxInFlightPerCon), done: make(chan struct{}),
	}
	c.log = s.log.With("conn", c.id[:8], "remote", r.RemoteAddr)
	defer cancel()
	ws.SetReadLimit(MaxPreauthPayload)
	connectID, hello, ok := s.handshake(c, r)
	if !ok {
		return
	}
	ws.SetReadLimit(s.policy.MaxPayload)
	c.touch()
	// hello-ok is queued first and the connection registered in the same
	// step, so no event can precede hello-ok and a concurrent Close either
	// sees this connection or refuses it.
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		ws.Close(websocket.StatusGoingAway, "gateway shutting down")
		return
	}
	c.respond(connectID, hello)
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	go c.writeLoop()
	s.readLoop(c)
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	cancel()
	<-c.done
}

func (s *Server) readLoop(c *conn) {
	for {
		_, data, err := c.ws.Read(c.ctx)
		if err != nil {
			if status := websocket.CloseStatus(err); status == websocket.StatusMessageTooBig {
				c.log.Warn("frame exceeds maxPayload; connection closed", "limit", s.policy.MaxPayload)
			} else if status == -1 && c.ctx.Err() == nil {
				c.log.Debug("read ended", "error", err)
			}
			return
		}
		c.touch()
		frame, err := parseRequest(data)
		if err != nil {
			var fe *frameError
			if errors.As(err, &fe) && fe.id != "" {
				c.respondError(fe.id, ErrorShape{Code: CodeInvalidRequest, Message: fe.msg})
				continue
			}
			// Without an id there is nothing to answer; the frame is dropped
			// and the connection stays usable.
			c.log.Debug("dropping unreadable frame", "error", err, "bytes", len(data))
			continue
		}
		s.dispatch(c, frame)
	}
}

// dispatch answers one request, running the method in its own goroutine.
func (s *Server) dispatch(c *conn, f RequestFrame) {
	if f.Method == "connect" {
		c.respondError(f.ID, ErrorShape{Code: CodeInvalidRequest, Message: "connect already completed on this connection"})
		return
	}
	m, ok := s.methods[f.Method]
	if !ok {
		c.respondError(f.ID, ErrorShape{Code: CodeInvalidRequest, Message: "unknown method: " + f.Method, Details: map[string]any{"method": f.Method}})
		return
	}
	if !m.available(s) {
		c.respondError(f.ID, unavailable(m.service).Shape)
		return
	}
	if !c.hasScope(m.scope) {
		c.respondError(f.ID, ErrorShape{
			Code: CodeForbidden, Message: "missing scope: " + m.scope,
			Details: map[string]any{"code": "MISSING_SCOPE", "missingScope": m.scope, "requiredScopes": []string{m.scope}},
		})
		return
	}
	select {
	case c.inflight <- struct{}{}:
	default:
		c.respondError(f.ID, ErrorShape{Code: CodeUnavailable, Message: "too many requests in flight on this connection", Retryable: true, RetryAfterMs: 100})
		return
	}
	go func() {
		defer func() { <-c.inflight }()
		call := &call{conn: c, id: f.ID, method: f.Method, params: f.Params}
		payload, err := s.invoke(m, call)
		switch {
		case err != nil:
			c.respondError(f.ID, errorShape(err))
		case payload == answered:
		default:
			c.respond(f.ID, payload)
		}
	}()
}

// invoke runs a method, turning a panic into an error so one bad request
// never takes the gateway down.
func (s *Server) invoke(m *method, c *call) (payload any, err error) {
	defer func() {
		if r := recover(); r != nil {
			c.conn.log.Error("method panicked", "method", c.method, "panic", r)
			err = &Error{Shape: ErrorShape{Code: CodeUnavailable, Message: "internal error in " + c.method}}
		}
	}()
	return m.fn(c.conn.ctx, c)
}

// call is one request being served.
type call struct {
	conn   *conn
	id     string
	method string
	params json.RawMessage
}

// answered is returned by handlers that already sent their response.
var answered = &struct{ answered bool }{true}

// ack sends an intermediate response with the request's id (the agent
// method's "accepted" stage); the final response follows.
func (c *call) ack(payload any) { c.conn.respond(c.id, payload) }

// method is one RPC method.
type method struct {
	scope   string
	service string // what must be wired for the method to work
	needs   func(backend.Services) bool
	fn      func(ctx context.Context, c *call) (any, error)
}

func (m *method) available(s *Server) bool { return m.needs == nil || m.needs(s.opts.Services) }

func (s *Server) handle(name, scope, service string, needs func(backend.Services) bool, fn func(ctx context.Context, c *call) (any, error)) {
	if s.methods == nil {
		s.methods = map[string]*method{}
	}
	s.methods[name] = &method{scope: scope, service: service, needs: needs, fn: fn}
	s.order = append(s.order, name)
}
