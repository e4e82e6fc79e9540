package mcp

import (
	"context"
	"encoding/json"
	"reflect"
	"sort"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/openclaw-go/openclaw/core/tools"
)

// Server states, as status and doctor report them.
const (
	StateDisabled   = "disabled"   // enabled: false
	StateInvalid    = "invalid"    // the entry cannot work as written
	StateStarting   = "starting"   // first connection in progress
	StateReady      = "ready"      // connected, tools listed
	StateRestarting = "restarting" // the connection ended or failed; retrying with backoff
	StateStopped    = "stopped"
)

// Options configure a Manager.
type Options struct {
	Config Config
	Logger hclog.Logger
	// Environ is the environment stdio servers start from; the gateway
	// passes its own (os.Environ()). Each server's env block is added on
	// top, less variables that could hijack how the server starts.
	Environ []string
	// Home expands "~" in cwd and TLS file paths.
	Home string
	// Version is the client version servers are told.
	Version string
	// MinBackoff and MaxBackoff bound the wait before a server whose
	// connection ended is started again; 1 s and 1 min when zero. The wait
	// doubles after each failure and resets once a server stayed up for
	// StableAfter (1 min when zero).
	MinBackoff  time.Duration
	MaxBackoff  time.Duration
	StableAfter time.Duration
	// StopGrace is how long a stdio server gets to exit after its stdin
	// closes, and again after SIGTERM; 2 s when zero.
	StopGrace time.Duration
	// Dial, when set, supplies the transport instead of the configured
	// command or URL: in-process servers for tests and embedders.
	Dial func(ctx context.Context, name string, cfg ServerConfig) (sdk.Transport, error)
}

// ServerStatus is one configured server as status and doctor show it.
type ServerStatus struct {
	Name      string `json:"name"`
	Transport string `json:"transport,omitempty"`
	// Target is the command or the URL with credentials removed.
	Target string `json:"target,omitempty"`
	State  string `json:"state"`
	// Error is why the server is not ready (or why it last failed).
	Error string `json:"error,omitempty"`
	// Tools are the exposed tool names.
	Tools    []string  `json:"tools,omitempty"`
	Restarts int       `json:"restarts"`
	Pid      int       `json:"pid,omitempty"`
	Since    time.Time `json:"since"`
	// DroppedEnv lists env keys refused for safety.
	DroppedEnv []string `json:"droppedEnv,omitempty"`
}

// Manager runs the configured MCP servers and serves their tools to the
// tool registry (it is a tools.Provider). It is safe for concurrent use.
type Manager struct {
	opts Options
	log  hclog.Logger

	mu      sync.Mutex
	parent  context.Context
	servers map[string]*server
	started bool
}

// New returns a Manager for opts.Config; nothing runs until Start.
func New(opts Options) *Manager {
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = time.Minute
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = opts.MinBackoff
	}
	if opts.StableAfter <= 0 {
		opts.StableAfter = time.Minute
	}
	if opts.StopGrace <= 0 {
		opts.StopGrace = 2 * time.Second
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	m := &Manager{opts: opts, log: opts.Logger.Named("mcp"), servers: map[string]*server{}}
	m.servers = m.build(opts.Config)
	return m
}

// build makes the server records of cfg, with prefixes assigned over all
// enabled servers.
func (m *Manager) build(cfg Config) map[string]*server {
	var enabled []string
	for name, sc := range cfg.Servers {
		if sc.IsEnabled() {
			enabled = append(enabled, name)
		}
	}
	pre := prefixes(enabled)
	out := make(map[string]*server, len(cfg.Servers))
	for name, sc := range cfg.Servers {
		out[name] = newServer(m, name, pre[name], sc)
	}
	return out
}

// Start connects every enabled, valid server in the background and returns
// at once: a server that fails is retried with backoff and reported by
// Status, never fatal. Servers run until Stop or until ctx ends.
func (m *Manager) Start(ctx context.Context) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.started {
		return
	}
	m.started, m.parent = true, ctx
	for _, s := range m.servers {
		s.start(ctx)
	}
}

// Stop disconnects every server and ends every stdio server's process
// group, then returns.
func (m *Manager) Stop() {
	m.mu.Lock()
	servers := make([]*server, 0, len(m.servers))
	for _, s := range m.servers {
		servers = append(servers, s)
	}
	m.started = false
	m.mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.stop()
		}()
	}
	wg.Wait()
}

// Apply switches to cfg after a config reload: removed and changed servers
// are stopped, new and changed ones started; unchanged servers keep their
// connection and tools.
func (m *Manager) Apply(cfg Config) {
	m.mu.Lock()
	next := m.build(cfg)
	var retire []*server
	for name, old := range m.servers {
		n, ok := next[name]
		if ok && reflect.DeepEqual(old.cfg, n.cfg) && old.prefix == n.prefix {
			next[name] = old
			continue
		}
		retire = append(retire, old)
	}
	m.servers = next
	m.opts.Config = cfg
	started, parent := m.started, m.parent
	m.mu.Unlock()

	for _, s := range retire {
		s.stop()
	}
	if started {
		for _, s := range next {
			s.start(parent)
		}
	}
}

// WaitReady waits until every started server has finished its first
// connection attempt, successful or not, or ctx ends.
func (m *Manager) WaitReady(ctx context.Context) error {
	for _, s := range m.snapshot() {
		select {
		case <-s.firstTry:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (m *Manager) snapshot() []*server {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*server, 0, len(m.servers))
	for _, s := range m.servers {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// Status reports every configured server, sorted by name.
func (m *Manager) Status() []ServerStatus {
	servers := m.snapshot()
	out := make([]ServerStatus, 0, len(servers))
	for _, s := range servers {
		out = append(out, s.status())
	}
	return out
}

// ProvidedTools lists the tools of every ready server, sorted by name, as
// core tools owned by PluginID. It implements tools.Provider.
func (m *Manager) ProvidedTools(context.Context) []tools.CoreTool {
	var out []tools.CoreTool
	for _, s := range m.snapshot() {
		out = append(out, s.coreTools()...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// objectSchema returns a tool's input schema as JSON, an empty object
// schema when the server sent none.
func objectSchema(schema any) json.RawMessage {
	if schema == nil {
		return json.RawMessage(`{"type":"object","properties":{}}`)
	}
	data, err := json.Marshal(schema)
	if err != nil || string(data) == "null" || !json.Valid(data) {
		return json.RawMessage(`{"type":"object","properties":{}}`)
	}
	return data
}
