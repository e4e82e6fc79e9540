package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/openclaw-go/openclaw/core/tools"
)

// remoteTool is one tool as the server lists it, with its exposed name.
type remoteTool struct {
	exposed string
	remote  string
	desc    string
	schema  json.RawMessage
}

// server supervises one mcp.servers entry.
type server struct {
	m      *Manager
	name   string
	prefix string
	cfg    ServerConfig
	kind   string
	valid  error
	log    hclog.Logger

	// firstTry closes after the first connection attempt of the first
	// start, for WaitReady.
	firstTry     chan struct{}
	firstTryOnce sync.Once

	mu       sync.Mutex
	running  bool
	cancel   context.CancelFunc
	done     chan struct{}
	state    string
	err      error
	since    time.Time
	session  *sdk.ClientSession
	tools    []remoteTool
	restarts int
	pid      int
	dropped  []string
	relist   chan struct{}
}

func newServer(m *Manager, name, prefix string, cfg ServerConfig) *server {
	s := &server{
		m: m, name: name, prefix: prefix, cfg: cfg,
		log:      m.log.With("server", name),
		firstTry: make(chan struct{}),
		relist:   make(chan struct{}, 1),
		since:    time.Now(),
	}
	s.kind, _ = cfg.TransportKind()
	switch {
	case !cfg.IsEnabled():
		s.state = StateDisabled
		s.tried()
	case name == "__proto__":
		s.state, s.valid = StateInvalid, errors.New("the name __proto__ is reserved")
	default:
		s.valid = cfg.Validate("mcp.servers." + name)
		s.state = StateStarting
		if s.valid != nil {
			s.state = StateInvalid
		}
	}
	if s.state == StateInvalid {
		s.err = s.valid
		s.tried()
	}
	return s
}

func (s *server) tried() { s.firstTryOnce.Do(func() { close(s.firstTry) }) }

func (s *server) start(parent context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running || s.state == StateDisabled || s.state == StateInvalid {
		return
	}
	ctx, cancel := context.WithCancel(parent)
	s.running, s.cancel, s.done = true, cancel, make(chan struct{})
	s.state, s.since = StateStarting, time.Now()
	go s.run(ctx, s.done)
}

func (s *server) stop() {
	s.mu.Lock()
	if !s.running {
		s.mu.Unlock()
		return
	}
	cancel, done := s.cancel, s.done
	s.mu.Unlock()
	cancel()
	<-done
	s.mu.Lock()
	s.running = false
	s.state, s.since, s.session, s.tools, s.pid = StateStopped, time.Now(), nil, nil, 0
	s.mu.Unlock()
	s.tried()
}

// run connects, serves until the connection ends, and starts over after a
// backoff, until ctx ends.
func (s *server) run(ctx context.Context, done chan struct{}) {
	defer close(done)
	o := s.m.opts
	delay := o.MinBackoff
	for {
		began := time.Now()
		err := s.serve(ctx)
		s.tried()
		if ctx.Err() != nil {
			return
		}
		if time.Since(began) >= o.StableAfter {
			delay = o.MinBackoff
		}
		s.mu.Lock()
		s.state, s.err, s.since, s.session, s.tools, s.pid = StateRestarting, err, time.Now(), nil, nil, 0
		s.restarts++
		n := s.restarts
		s.mu.Unlock()
		// Jitter keeps several crashed servers from restarting in step.
		wait := delay/2 + rand.N(delay/2+1)
		s.log.Warn("MCP server is unavailable; retrying", "error", err, "attempt", n, "retry_in", wait.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		delay = min(delay*2, o.MaxBackoff)
	}
}

// serve makes one connection and holds it until it ends.
func (s *server) serve(ctx context.Context) error {
	o := s.m.opts
	var (
		transport sdk.Transport
		proc      *process
		err       error
	)
	switch {
	case o.Dial != nil:
		transport, err = o.Dial(ctx, s.name, s.cfg)
	case s.kind == TransportStdio:
		env, dropped := serverEnv(o.Environ, s.cfg.Env)
		if len(dropped) > 0 {
			s.log.Warn("refused env keys that could change how the server starts; set them on the gateway instead", "keys", strings.Join(dropped, ","))
		}
		s.mu.Lock()
		s.dropped = dropped
		s.mu.Unlock()
		proc, err = startProcess(s.cfg, env, o.Home, s.log.Named("stderr"), o.StopGrace)
		if err == nil {
			transport = proc.transport()
			s.mu.Lock()
			s.pid = proc.pid
			s.mu.Unlock()
		}
	default:
		transport, err = httpTransport(s.kind, s.cfg, o.Home)
	}
	if err != nil {
		return err
	}
	if proc != nil {
		defer proc.stop()
	}

	client := sdk.NewClient(&sdk.Implementation{Name: "openclaw", Version: o.Version}, &sdk.ClientOptions{
		// No roots, sampling or elicitation: the gateway serves none.
		Capabilities: &sdk.ClientCapabilities{},
		ToolListChangedHandler: func(context.Context, *sdk.ToolListChangedRequest) {
			select {
			case s.relist <- struct{}{}:
			default:
			}
		},
	})
	cctx, cancel := context.WithTimeout(ctx, s.cfg.connectionTimeout())
	defer cancel()
	connected := make(chan struct{})
	var session *sdk.ClientSession
	go func() {
		defer close(connected)
		session, err = client.Connect(cctx, transport, nil)
	}()
	if proc != nil {
		// A server that dies during the handshake would otherwise leave
		// Connect waiting for the timeout.
		select {
		case <-connected:
		case <-proc.exited:
			cancel()
			<-connected
			if err == nil {
				_ = session.Close()
			}
			return fmt.Errorf("connect: %w", proc.exitError())
		}
	} else {
		<-connected
	}
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer session.Close()

	listed, err := s.listTools(ctx, session)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.session, s.tools, s.state, s.err, s.since = session, listed, StateReady, nil, time.Now()
	s.mu.Unlock()
	s.tried()
	s.log.Info("MCP server ready", "transport", s.kind, "tools", len(listed))

	ended := make(chan error, 1)
	go func() { ended <- session.Wait() }()
	var exited <-chan struct{}
	if proc != nil {
		exited = proc.exited
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-ended:
			if err == nil {
				err = errors.New("the server closed the connection")
			}
			return fmt.Errorf("connection ended: %w", err)
		case <-exited:
			return proc.exitError()
		case <-s.relist:
			if fresh, err := s.listTools(ctx, session); err != nil {
				s.log.Warn("cannot list tools after a change notice; keeping the old list", "error", err)
			} else {
				s.mu.Lock()
				s.tools = fresh
				s.mu.Unlock()
				s.log.Info("MCP server tools changed", "tools", len(fresh))
			}
		}
	}
}

// listTools reads the whole (paginated) tool list and applies the filter.
func (s *server) listTools(ctx context.Context, session *sdk.ClientSession) ([]remoteTool, error) {
	lctx, cancel := context.WithTimeout(ctx, s.cfg.requestTimeout())
	defer cancel()
	var found []*sdk.Tool
	for t, err := range session.Tools(lctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("list tools: %w", err)
		}
		if t != nil && s.cfg.ToolFilter.keep(t.Name) {
			found = append(found, t)
		}
	}
	names := make([]string, len(found))
	for i, t := range found {
		names[i] = t.Name
	}
	exposed := toolNames(s.prefix, names)
	out := make([]remoteTool, 0, len(found))
	for _, t := range found {
		desc := t.Description
		if desc == "" {
			desc = t.Title
		}
		if desc == "" {
			desc = fmt.Sprintf("Tool %s of the MCP server %s.", t.Name, s.name)
		}
		out = append(out, remoteTool{exposed: exposed[t.Name], remote: t.Name, desc: desc, schema: objectSchema(t.InputSchema)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].exposed < out[j].exposed })
	return out, nil
}

func (s *server) coreTools() []tools.CoreTool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != StateReady {
		return nil
	}
	out := make([]tools.CoreTool, 0, len(s.tools))
	for _, t := range s.tools {
		remote := t.remote
		out = append(out, tools.CoreTool{
			Tool: tools.Tool{Name: t.exposed, Description: t.desc, Parameters: t.schema, Plugin: PluginID},
			Run: func(ctx context.Context, call tools.Call, _ func(tools.Progress)) (tools.Result, error) {
				return s.call(ctx, remote, call.Arguments), nil
			},
		})
	}
	return out
}

// call runs one tool on the server. Every failure is a result the model
// reads; a call is never replayed, since the tool may have acted already.
func (s *server) call(ctx context.Context, remote, arguments string) tools.Result {
	s.mu.Lock()
	session, state, lastErr := s.session, s.state, s.err
	s.mu.Unlock()
	if session == nil {
		msg := fmt.Sprintf("MCP server %s is not connected (%s)", s.name, state)
		if lastErr != nil {
			msg += ": " + lastErr.Error()
		}
		return tools.Result{Content: msg + ".", IsError: true}
	}
	args := map[string]any{}
	if strings.TrimSpace(arguments) != "" {
		if err := json.Unmarshal([]byte(arguments), &args); err != nil {
			return tools.Result{Content: "Arguments must be a JSON object: " + err.Error(), IsError: true}
		}
	}
	cctx, cancel := context.WithTimeout(ctx, s.cfg.requestTimeout())
	defer cancel()
	res, err := session.CallTool(cctx, &sdk.CallToolParams{Name: remote, Arguments: args})
	if err != nil {
		if ctx.Err() == nil && cctx.Err() == context.DeadlineExceeded {
			return tools.Result{Content: fmt.Sprintf("MCP server %s did not answer %s within %s (requestTimeoutMs).", s.name, remote, s.cfg.requestTimeout()), IsError: true}
		}
		return tools.Result{Content: fmt.Sprintf("MCP server %s failed to run %s: %v", s.name, remote, err), IsError: true}
	}
	return toResult(res)
}

func (s *server) status() ServerStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := ServerStatus{
		Name: s.name, Transport: s.kind, State: s.state, Restarts: s.restarts,
		Pid: s.pid, Since: s.since, DroppedEnv: s.dropped,
	}
	switch s.kind {
	case TransportStdio:
		st.Target = s.cfg.Command
	case TransportStreamable, TransportSSE:
		st.Target = redactURL(s.cfg.URL)
	}
	if s.err != nil {
		st.Error = s.err.Error()
	}
	for _, t := range s.tools {
		st.Tools = append(st.Tools, t.exposed)
	}
	return st
}
