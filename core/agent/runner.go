// Package agent runs the assistant's turns: it assembles the system prompt
// from the agent's identity, workspace files, skills and tools, loads the
// session's history, calls the model through the router, runs the tools the
// model asks for under the tool policy, and records every message in the
// session transcript as it happens.
//
// Around single turns it keeps one lane per session: turns of a session
// run one at a time, agents.defaults.maxConcurrent turns run at once across
// sessions, messages that arrive while a session is busy are handled by
// messages.queue's mode (collect, followup, steer, interrupt), rapid
// messages from one sender are merged (messages.inbound.debounceMs), and
// authorised senders' slash commands (/new, /reset, /model, /status, /stop)
// are answered without a model call.
package agent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/sessions"
	"github.com/openclaw-go/openclaw/core/toolpolicy"
	"github.com/openclaw-go/openclaw/core/tools"
)

// ModelRouter runs model requests with failover; *models.Router is one.
type ModelRouter interface {
	Stream(ctx context.Context, route models.Route, req models.Request, onEvent func(models.Event)) (*models.Response, error)
	Chain(route models.Route) ([]models.Ref, error)
	Model(ref string, agent *models.AgentModels) (models.ModelInfo, error)
	Catalog() []models.ModelInfo
}

// SessionStore keeps sessions and transcripts; *sessions.Store is one.
type SessionStore interface {
	Begin(ctx context.Context, key string, o sessions.BeginOptions) (sessions.Session, bool, error)
	Reset(ctx context.Context, key string) (sessions.Session, error)
	Get(ctx context.Context, key string) (sessions.Session, error)
	Update(ctx context.Context, key string, fn func(*sessions.Entry) error) (sessions.Session, error)
	AppendRecords(ctx context.Context, key string, recs ...sessions.Record) ([]string, error)
	LastTurns(ctx context.Context, key string, n int) ([]sessions.Message, error)
}

// ToolSet lists and runs tools; *tools.Registry is one.
type ToolSet interface {
	List(ctx context.Context) []tools.Tool
	Invoke(ctx context.Context, call tools.Call, progress func(tools.Progress)) tools.Result
}

// Options configure a Runner.
type Options struct {
	Router   ModelRouter
	Sessions SessionStore
	// Tools may be nil: no tools.
	Tools ToolSet
	// Skills may be nil: no skills.
	Skills SkillSource

	// Agents, Messages and ToolPolicy are the agents, messages and tools
	// subtrees of the config.
	Agents     AgentsConfig
	Messages   MessagesConfig
	ToolPolicy toolpolicy.Config
	// ResetTriggers is session.resetTriggers; /new and /reset when empty.
	ResetTriggers []string

	// StateDir is the state directory (~/.openclaw); required. HomeDir
	// expands "~/" in configured paths.
	StateDir string
	HomeDir  string
	// Location is the host's time zone for agents without userTimezone;
	// time.Local when nil.
	Location *time.Location
	// Now is the clock; time.Now when nil.
	Now    func() time.Time
	Logger hclog.Logger
	// MaxToolRounds bounds model calls in one turn; 40 when zero.
	MaxToolRounds int
}

const defaultMaxToolRounds = 40

// Errors a turn can end with; the TurnResult says the same to the user.
var (
	// ErrAborted: the turn was stopped (Abort, /stop, interrupt mode, or
	// the caller's context).
	ErrAborted = errors.New("turn aborted")
	// ErrTimeout: the turn ran past its timeoutSeconds.
	ErrTimeout = errors.New("turn timed out")
	// ErrQueueFull: messages.queue.drop is "new" and the queue is full.
	ErrQueueFull = errors.New("message queue is full")
	// ErrUnknownAgent: no configured agent has the requested id.
	ErrUnknownAgent = errors.New("unknown agent")
	// ErrClosed: the runner was closed.
	ErrClosed = errors.New("agent runner closed")
)

// errInterrupted is the cause of a turn cancelled by a newer message in
// interrupt mode.
var errInterrupted = fmt.Errorf("%w: interrupted by a newer message", ErrAborted)

// Runner runs agent turns. It is safe for concurrent use.
type Runner struct {
	opts     Options
	log      hclog.Logger
	now      func() time.Time
	after    func(time.Duration, func()) func() bool
	agents   map[string]*profile
	defAgent string
	slots    chan struct{}
	files    fileCache
	resetCfg sessions.Config

	base   context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	lanes  map[string]*lane
	seeded map[string]bool
	locs   map[string]*time.Location
	closed bool
}

// New checks the configuration and returns a Runner. The error names every
// config key that is wrong.
func New(opts Options) (*Runner, error) {
	var errs []error
	if opts.Router == nil {
		errs = append(errs, errors.New("agent: Options.Router is required"))
	}
	if opts.Sessions == nil {
		errs = append(errs, errors.New("agent: Options.Sessions is required"))
	}
	if strings.TrimSpace(opts.StateDir) == "" {
		errs = append(errs, errors.New("agent: Options.StateDir is required"))
	}
	errs = append(errs, opts.Agents.Validate(), opts.Messages.Validate(), opts.ToolPolicy.Validate("tools"))
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	if opts.MaxToolRounds <= 0 {
		opts.MaxToolRounds = defaultMaxToolRounds
	}
	maxConc := opts.Agents.Defaults.MaxConcurrent
	if maxConc <= 0 {
		maxConc = 1
	}
	r := &Runner{
		opts:     opts,
		log:      opts.Logger,
		now:      opts.Now,
		after:    realAfter,
		slots:    make(chan struct{}, maxConc),
		resetCfg: sessions.Config{ResetTriggers: opts.ResetTriggers},
		lanes:    map[string]*lane{},
		seeded:   map[string]bool{},
		locs:     map[string]*time.Location{},
	}
	r.agents, r.defAgent = opts.Agents.roster(opts.StateDir, opts.HomeDir)
	r.base, r.cancel = context.WithCancel(context.Background())
	return r, nil
}

func realAfter(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }

// Close stops every turn and queued message and waits for them to end.
func (r *Runner) Close() error {
	r.mu.Lock()
	r.closed = true
	for _, ln := range r.lanes {
		r.abortLocked(ln, ErrClosed)
	}
	r.mu.Unlock()
	r.cancel()
	r.wg.Wait()
	return nil
}

// DefaultAgent returns the default agent's id.
func (r *Runner) DefaultAgent() string { return r.defAgent }

// Agents lists the configured agent ids, the default first.
func (r *Runner) Agents() []string {
	out := []string{r.defAgent}
	for _, id := range sortedKeys(r.agents) {
		if id != r.defAgent {
			out = append(out, id)
		}
	}
	return out
}

// Workspace returns an agent's workspace directory.
func (r *Runner) Workspace(agentID string) (string, error) {
	p, err := r.agent(agentID)
	if err != nil {
		return "", err
	}
	return p.workspace, nil
}

// AgentDir returns an agent's state directory (agentDir).
func (r *Runner) AgentDir(agentID string) (string, error) {
	p, err := r.agent(agentID)
	if err != nil {
		return "", err
	}
	return p.agentDir, nil
}

// EnsureWorkspace creates an agent's workspace and its bootstrap files
// (unless skipBootstrap). Turns call it on first use; the gateway may call
// it at start-up.
func (r *Runner) EnsureWorkspace(agentID string) error {
	p, err := r.agent(agentID)
	if err != nil {
		return err
	}
	return r.ensureWorkspace(p)
}

func (r *Runner) ensureWorkspace(p *profile) error {
	r.mu.Lock()
	done := r.seeded[p.id]
	r.mu.Unlock()
	if done {
		return nil
	}
	skip := p.settings.SkipBootstrap != nil && *p.settings.SkipBootstrap
	if err := ensureWorkspace(p.workspace, skip); err != nil {
		return fmt.Errorf("agent %s: %w", p.id, err)
	}
	r.mu.Lock()
	r.seeded[p.id] = true
	r.mu.Unlock()
	return nil
}

func (r *Runner) agent(id string) (*profile, error) {
	if strings.TrimSpace(id) == "" {
		return r.agents[r.defAgent], nil
	}
	p, ok := r.agents[sessions.NormalizeAgentID(id)]
	if !ok {
		return nil, fmt.Errorf("%w %q: configured agents are %s", ErrUnknownAgent, id, strings.Join(r.Agents(), ", "))
	}
	return p, nil
}

// resolve finds the agent and session key of a request: the agent named,
// else the agent the key names, else the default; the key given, else the
// agent's main session.
func (r *Runner) resolve(agentID, key string) (*profile, string, error) {
	key = strings.ToLower(strings.TrimSpace(key))
	if agentID == "" && key != "" {
		if pk, ok := sessions.ParseKey(key); ok {
			agentID = pk.AgentID
		}
	}
	p, err := r.agent(agentID)
	if err != nil {
		return nil, "", err
	}
	if key == "" {
		key = sessions.MainKey(p.id)
	}
	return p, key, nil
}

func (r *Runner) location(p *profile) *time.Location {
	tz := p.settings.UserTimezone
	if tz == "" {
		return r.opts.Location
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if loc, ok := r.locs[tz]; ok {
		return loc
	}
	loc, err := loadLocation(tz)
	if err != nil {
		loc = r.opts.Location
	}
	r.locs[tz] = loc
	return loc
}

func (r *Runner) newRunID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "run_" + hex.EncodeToString(b[:])
}

func (r *Runner) timeout(p *profile, req TurnRequest) time.Duration {
	if req.Timeout > 0 {
		return req.Timeout
	}
	if t := p.settings.TimeoutSeconds; t != nil {
		return time.Duration(*t) * time.Second
	}
	return DefaultTimeoutSeconds * time.Second
}
