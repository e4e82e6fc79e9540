package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/openclaw-go/openclaw/core/apitokens"
	"github.com/openclaw-go/openclaw/core/gateway/auth"
	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/gateway/httpapi"
	"github.com/openclaw-go/openclaw/core/gateway/runs"
	"github.com/openclaw-go/openclaw/core/gateway/webhooks"
	"github.com/openclaw-go/openclaw/core/gateway/wsproto"
)

// Options configure a Server. Resolve Port and Auth with ResolvePort and
// ResolveAuth so flags, environment and config apply in OpenClaw's order.
type Options struct {
	Config   Config
	Services Services
	Version  string
	Logger   hclog.Logger
	// StateDir holds API tokens, webhooks, generated TLS material.
	StateDir   string
	ConfigPath string
	Port       int           // 0: DefaultPort; tests may pass -1 for an ephemeral port
	Auth       auth.Settings // resolved secret and mode
	// APITokens verifies named API tokens; nil opens the default store in
	// StateDir (none when StateDir is empty).
	APITokens auth.TokenVerifier
	Listen    *ListenOptions // nil: DefaultListenOptions
	Bind      BindEnv
	// Policy overrides the WebSocket limits (zero fields: defaults).
	Policy wsproto.Policy
	// HandshakeTimeout overrides the WebSocket pre-auth budget.
	HandshakeTimeout time.Duration
	Now              func() time.Time
}

// Server is the gateway's listener and everything behind it.
type Server struct {
	opts     Options
	log      hclog.Logger
	auth     *auth.Authenticator
	runs     *runs.Registry
	ws       *wsproto.Server
	api      *httpapi.API
	hooks    *webhooks.Store
	dispatch *webhooks.Dispatcher
	tls      *tls.Config
	hosts    []string
	started  time.Time
	draining atomic.Bool

	mu        sync.Mutex
	http      *http.Server
	listeners []net.Listener
	serveErr  chan error
	shutdown  bool
}

// New builds a Server. It does not listen yet; call Listen (or Run).
func New(opts Options) (*Server, error) {
	log := opts.Logger
	if log == nil {
		log = hclog.NewNullLogger()
	}
	log = log.Named("gateway")
	if opts.Port == 0 {
		opts.Port = DefaultPort
	}
	hosts, err := ResolveBind(opts.Config.Bind, opts.Config.CustomBindHost, opts.Bind)
	if err != nil {
		return nil, err
	}
	if opts.Auth.Mode == auth.ModeNone && !allLoopback(hosts) {
		return nil, fmt.Errorf("refusing to bind gateway to %s without auth: set gateway.auth.mode to \"token\" or \"password\" (or bind loopback)", strings.Join(hosts, ", "))
	}
	tokens := opts.APITokens
	if tokens == nil && opts.StateDir != "" {
		tokens = apitokens.Open(apitokens.DefaultPath(opts.StateDir), apitokens.Options{Now: opts.Now})
	}
	authn, err := auth.New(opts.Auth, tokens, opts.Now)
	if err != nil {
		return nil, err
	}
	tc, err := LoadTLS(opts.Config.TLS, opts.StateDir, opts.Now)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, log: log, auth: authn, tls: tc, hosts: hosts, started: time.Now()}

	var hooks *webhooks.Store
	if opts.StateDir != "" {
		if hooks, err = webhooks.OpenStore(webhooks.DefaultPath(opts.StateDir), opts.Now); err != nil {
			return nil, err
		}
		s.hooks = hooks
		s.dispatch = webhooks.NewDispatcher(hooks, webhooks.DispatcherOptions{Logger: log, UserAgent: "openclaw-gateway/" + opts.Version, Now: opts.Now})
	}
	s.runs = runs.New(opts.Services.Chat, runs.Options{Now: opts.Now, OnFinish: s.runFinished})
	s.ws, err = wsproto.New(wsproto.Options{
		Services: opts.Services, Runs: s.runs, Auth: authn, Version: opts.Version, Logger: log,
		Policy: opts.Policy, Info: s.info, AllowedOrigins: opts.Config.ControlUI.AllowedOrigins,
		HandshakeTimeout: opts.HandshakeTimeout,
	})
	if err != nil {
		return nil, err
	}
	s.api, err = httpapi.New(httpapi.Options{
		Services: opts.Services, Runs: s.runs, Auth: authn, Version: opts.Version, Logger: log,
		Endpoints: httpapi.Endpoints{ChatCompletions: opts.Config.HTTP.Endpoints.ChatCompletions.Enabled, Responses: opts.Config.HTTP.Endpoints.Responses.Enabled},
		Tools:     httpapi.ToolPolicy{Allow: opts.Config.Tools.Allow, Deny: opts.Config.Tools.Deny},
		Webhooks:  hooks, Dispatch: s.dispatch, Draining: s.draining.Load, Started: s.started,
	})
	if err != nil {
		s.ws.Close(context.Background(), "startup failed", 0)
		return nil, err
	}
	return s, nil
}

// runFinished raises webhook events for every finished turn.
func (s *Server) runFinished(req backend.RunRequest, res backend.RunResult, err error) {
	if s.dispatch == nil {
		return
	}
	key := res.SessionKey
	if key == "" {
		key = req.SessionKey
	}
	agent := res.AgentID
	if agent == "" {
		agent = req.AgentID
	}
	switch {
	case err == nil:
		s.dispatch.Emit(webhooks.EventMessageCreated, map[string]any{
			"runId": req.RunID, "sessionKey": key, "sessionId": res.SessionID, "agentId": agent,
			"messageId": res.MessageID, "role": "assistant", "text": res.Text, "origin": req.Origin, "usage": res.Usage,
		})
	case !errors.Is(err, context.Canceled):
		s.dispatch.Emit(webhooks.EventRunFailed, map[string]any{"runId": req.RunID, "sessionKey": key, "agentId": agent, "error": err.Error(), "origin": req.Origin})
	}
}

// Emit raises a webhook event (for example message.created for a reply
// sent on a channel). It is a no-op without a state directory.
func (s *Server) Emit(eventType string, data any) {
	if s.dispatch != nil {
		s.dispatch.Emit(eventType, data)
	}
}

// Broadcast pushes an event to every WebSocket client allowed to read.
func (s *Server) Broadcast(event string, payload any) { s.ws.Broadcast(event, payload) }

// Handler routes a request: WebSocket upgrades on / (and /ws) go to the
// protocol server, everything else to the HTTP APIs.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if isUpgrade(r) && (r.URL.Path == "/" || r.URL.Path == "/ws") {
		s.ws.ServeHTTP(w, r)
		return
	}
	s.api.ServeHTTP(w, r)
}

func isUpgrade(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket") && strings.Contains(strings.ToLower(r.Header.Get("Connection")), "upgrade")
}

// Listen binds the port on every host of the bind mode.
func (s *Server) Listen(ctx context.Context) error {
	lo := DefaultListenOptions
	if s.opts.Listen != nil {
		lo = *s.opts.Listen
	}
	port := s.opts.Port
	if port < 0 {
		port = 0
	}
	ls, err := listenAll(ctx, s.hosts, port, lo)
	if err != nil {
		return err
	}
	if port == 0 && len(ls) > 1 {
		// An ephemeral port must be the same on every host: rebind the rest
		// on the port the first one got.
		p := ls[0].Addr().(*net.TCPAddr).Port
		for _, l := range ls[1:] {
			l.Close()
		}
		rest, err := listenAll(ctx, s.hosts[1:], p, lo)
		if err != nil {
			ls[0].Close()
			return err
		}
		ls = append(ls[:1], rest...)
	}
	if s.tls != nil {
		for i, l := range ls {
			ls[i] = tls.NewListener(l, s.tls)
		}
	}
	s.mu.Lock()
	s.listeners = ls
	s.mu.Unlock()
	return nil
}

// Serve answers requests on the bound listeners until Shutdown.
func (s *Server) Serve() error {
	s.mu.Lock()
	if len(s.listeners) == 0 {
		s.mu.Unlock()
		return errors.New("gateway: Serve before Listen")
	}
	s.http = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 15 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          s.log.StandardLogger(&hclog.StandardLoggerOptions{InferLevels: true}),
	}
	s.serveErr = make(chan error, len(s.listeners))
	ls := s.listeners
	srv := s.http
	s.mu.Unlock()
	for _, l := range ls {
		s.log.Info("listening", "url", s.scheme()+"://"+l.Addr().String(), "auth", string(s.auth.Mode()))
		go func(l net.Listener) { s.serveErr <- srv.Serve(l) }(l)
	}
	var first error
	for range ls {
		if err := <-s.serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) && first == nil {
			first = fmt.Errorf("serve gateway: %w", err)
		}
	}
	return first
}

// Run listens, serves until ctx ends, then shuts down gracefully within
// drain.
func (s *Server) Run(ctx context.Context, drain time.Duration) error {
	if err := s.Listen(ctx); err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- s.Serve() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	err := s.Shutdown(sctx, "stopping")
	if serr := <-errc; serr != nil && err == nil {
		err = serr
	}
	return err
}

// Shutdown stops accepting connections and drains: WebSocket clients get a
// shutdown event and a close, in-flight HTTP requests and agent runs are
// allowed to finish until ctx ends (then they are cancelled), and queued
// webhook deliveries are sent.
func (s *Server) Shutdown(ctx context.Context, reason string) error {
	s.mu.Lock()
	if s.shutdown {
		s.mu.Unlock()
		return nil
	}
	s.shutdown = true
	srv := s.http
	ls := s.listeners
	s.mu.Unlock()
	s.draining.Store(true)
	s.log.Info("shutting down", "reason", reason)

	var errs []error
	if err := s.ws.Close(ctx, reason, 0); err != nil {
		errs = append(errs, err)
	}
	if srv != nil {
		// Stops the listeners and waits for in-flight requests.
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("drain HTTP requests: %w", err))
		}
	} else {
		for _, l := range ls {
			l.Close()
		}
	}
	if err := s.runs.Drain(ctx); err != nil {
		errs = append(errs, err)
	}
	if srv != nil && ctx.Err() != nil {
		srv.Close()
	}
	if s.dispatch != nil {
		if err := s.dispatch.Close(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Addrs returns the bound addresses.
func (s *Server) Addrs() []net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]net.Addr, 0, len(s.listeners))
	for _, l := range s.listeners {
		out = append(out, l.Addr())
	}
	return out
}

func (s *Server) scheme() string {
	if s.tls != nil {
		return "wss"
	}
	return "ws"
}

// Port returns the bound port (useful with an ephemeral port).
func (s *Server) Port() int {
	for _, a := range s.Addrs() {
		if t, ok := a.(*net.TCPAddr); ok {
			return t.Port
		}
	}
	return s.opts.Port
}

// URL is the WebSocket URL local clients should use.
func (s *Server) URL() string {
	return s.scheme() + "://127.0.0.1:" + strconv.Itoa(s.Port())
}

// TLSFingerprint is the served certificate's SHA-256, or "".
func (s *Server) TLSFingerprint() string {
	if s.tls == nil || len(s.tls.Certificates) == 0 {
		return ""
	}
	return Fingerprint(&s.tls.Certificates[0])
}

func (s *Server) info() wsproto.Info {
	var addrs []string
	for _, a := range s.Addrs() {
		addrs = append(addrs, s.scheme()+"://"+a.String())
	}
	bind := s.opts.Config.Bind
	if bind == "" {
		bind = BindLoopback
	}
	return wsproto.Info{StateDir: s.opts.StateDir, ConfigPath: s.opts.ConfigPath, Bind: bind, Addresses: addrs, Port: s.Port(), AuthMode: string(s.auth.Mode())}
}
