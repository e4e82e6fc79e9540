package agent_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/openclaw-go/openclaw/core/agent"
	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/models/apis"
	"github.com/openclaw-go/openclaw/core/sessions"
	"github.com/openclaw-go/openclaw/core/tools"
	"github.com/openclaw-go/openclaw/e2e/fakemodel"
)

// env is a runner wired to a scripted model server, a real session store
// in a temporary state directory, and a tool registry.
type env struct {
	t      *testing.T
	srv    *fakemodel.Server
	state  string
	store  *sessions.Store
	router *models.Router
	tools  *tools.Registry
	runner *agent.Runner
	opts   agent.Options
}

type setup struct {
	models  models.Config
	agentMs models.AgentModels
	env     map[string]string
	opts    func(*agent.Options)
	plugins tools.PluginSource
}

// fakeModels configures provider "ant" (anthropic-messages, the strictest
// about conversation shape) and "oai" (openai-completions), both served by
// srv.
func fakeModels(srv *fakemodel.Server) models.Config {
	return models.Config{Providers: map[string]models.ProviderConfig{
		"ant": {BaseURL: srv.AnthropicBaseURL(), API: models.APIAnthropicMessages, APIKey: models.Secret{Value: "sk-ant"},
			Models: []models.ModelConfig{{ID: "claude", ContextWindow: 200000, Input: []string{"text", "image"}}, {ID: "backup"}}},
		"oai": {BaseURL: srv.OpenAIBaseURL(), API: models.APIOpenAICompletions, APIKey: models.Secret{Value: "sk-oai"},
			Models: []models.ModelConfig{{ID: "gpt", ContextWindow: 128000}}},
	}}
}

func newEnv(t *testing.T, s setup) *env {
	t.Helper()
	srv := fakemodel.New(t)
	state := t.TempDir()
	if s.models.Providers == nil {
		s.models = fakeModels(srv)
	}
	if s.agentMs.Model == nil {
		s.agentMs.Model = &models.Selection{Primary: "ant/claude"}
	}
	router, err := models.NewRouter(models.Options{
		Models: s.models, Agents: s.agentMs, Connect: apis.Connect,
		LookupEnv: func(k string) (string, bool) { v, ok := s.env[k]; return v, ok },
	})
	if err != nil {
		t.Fatal(err)
	}
	store, err := sessions.Open(sessions.Options{StateDir: state, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	logger := hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: testLog{t}})
	reg := tools.New(tools.Options{Plugins: s.plugins, Logger: logger})
	opts := agent.Options{
		Router: router, Sessions: store, Tools: reg, StateDir: state, HomeDir: t.TempDir(),
		Location: time.UTC, Logger: logger,
	}
	zero := 0
	opts.Messages.Queue.DebounceMs = &zero
	if s.opts != nil {
		s.opts(&opts)
	}
	r, err := agent.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return &env{t: t, srv: srv, state: state, store: store, router: router, tools: reg, runner: r, opts: opts}
}

type testLog struct{ t *testing.T }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func (e *env) run(req agent.TurnRequest) (*agent.TurnResult, error) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.t.Context(), 30*time.Second)
	defer cancel()
	return e.runner.RunTurn(ctx, req, nil)
}

// transcript reads a session's transcript file and checks that every line
// is a complete JSON object, as a crash or an abort must leave it.
func (e *env) transcript(key string) []sessions.Record {
	e.t.Helper()
	sess, err := e.store.Get(e.t.Context(), key)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.store.Flush(); err != nil {
		e.t.Fatal(err)
	}
	agentID := "main"
	if pk, ok := sessions.ParseKey(key); ok {
		agentID = pk.AgentID
	}
	path := filepath.Join(e.state, "agents", agentID, "sessions", sess.Entry.SessionID+".jsonl")
	f, err := os.Open(path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	var recs []sessions.Record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	line := 0
	for sc.Scan() {
		line++
		var rec sessions.Record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			e.t.Fatalf("%s line %d does not parse: %v\n%s", path, line, err, sc.Text())
		}
		if line > 1 {
			recs = append(recs, rec)
		}
	}
	if err := sc.Err(); err != nil {
		e.t.Fatal(err)
	}
	return recs
}

// roles lists a transcript's message roles, with tool calls marked.
func roles(recs []sessions.Record) string {
	var out []string
	for _, r := range recs {
		if r.Type != sessions.RecordMessage {
			out = append(out, r.Type)
			continue
		}
		role := r.Message.Role
		if len(r.Message.ToolCalls()) > 0 {
			role += "+calls"
		}
		if r.Message.StopReason == "aborted" || r.Message.StopReason == "error" {
			role += "(" + r.Message.StopReason + ")"
		}
		out = append(out, role)
	}
	return strings.Join(out, ",")
}

// inbox collects delivered replies.
type inbox struct {
	mu      sync.Mutex
	replies []agent.Reply
	ch      chan agent.Reply
}

func newInbox() *inbox { return &inbox{ch: make(chan agent.Reply, 64)} }

func (b *inbox) deliver(_ context.Context, r agent.Reply) error {
	b.mu.Lock()
	b.replies = append(b.replies, r)
	b.mu.Unlock()
	b.ch <- r
	return nil
}

func (b *inbox) next(t *testing.T) agent.Reply {
	t.Helper()
	select {
	case r := <-b.ch:
		return r
	case <-time.After(30 * time.Second):
		t.Fatal("no reply delivered")
	}
	return agent.Reply{}
}

// blocker is a core tool that waits until released, to hold a turn open.
type blocker struct {
	started chan string
	release chan struct{}
}

func newBlocker(t *testing.T, reg *tools.Registry) *blocker {
	b := &blocker{started: make(chan string, 16), release: make(chan struct{})}
	err := reg.Register(tools.CoreTool{
		Tool: tools.Tool{Name: "hold", Description: "Wait for a while.", Parameters: json.RawMessage(`{"type":"object"}`)},
		Run: func(ctx context.Context, c tools.Call, _ func(tools.Progress)) (tools.Result, error) {
			b.started <- c.Context.SessionKey
			select {
			case <-b.release:
				return tools.Result{Content: "held"}, nil
			case <-ctx.Done():
				return tools.Result{}, ctx.Err()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *blocker) waitStarted(t *testing.T) {
	t.Helper()
	select {
	case <-b.started:
	case <-time.After(30 * time.Second):
		t.Fatal("blocking tool never started")
	}
}

// manualTimers stands in for the runner's timers; fire runs the ones
// pending.
type manualTimers struct {
	mu     sync.Mutex
	next   int
	timers map[int]func()
	added  chan struct{}
}

func newManualTimers() *manualTimers {
	return &manualTimers{timers: map[int]func(){}, added: make(chan struct{}, 64)}
}

func (m *manualTimers) after(_ time.Duration, f func()) func() bool {
	m.mu.Lock()
	id := m.next
	m.next++
	m.timers[id] = f
	m.mu.Unlock()
	m.added <- struct{}{}
	return func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		_, ok := m.timers[id]
		delete(m.timers, id)
		return ok
	}
}

func (m *manualTimers) pending() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.timers)
}

func (m *manualTimers) fire() {
	m.mu.Lock()
	fs := make([]func(), 0, len(m.timers))
	for id, f := range m.timers {
		fs = append(fs, f)
		delete(m.timers, id)
	}
	m.mu.Unlock()
	for _, f := range fs {
		f()
	}
}

// waitIdle waits until no session has work in progress or waiting.
func (e *env) waitIdle() {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for e.runner.Lanes() > 0 {
		if time.Now().After(deadline) {
			e.t.Fatalf("%d sessions still busy", e.runner.Lanes())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func lastUser(req fakemodel.Request) string { return req.LastUserText() }

func noopTool() tools.CoreTool {
	return tools.CoreTool{Tool: tools.Tool{Name: "noop", Description: "Does nothing."}, Run: func(context.Context, tools.Call, func(tools.Progress)) (tools.Result, error) {
		return tools.Result{Content: "done"}, nil
	}}
}
