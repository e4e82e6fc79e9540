// Package backendtest provides in-memory implementations of the backend
// interfaces for tests, benchmarks and end-to-end runs of the gateway
// without an agent, a config file or plugins.
//
//	f := backendtest.New()
//	srv := gateway.New(..., f.Services())
//	f.Chat.Reply = func(r backend.RunRequest) string { return "pong" }
package backendtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
)

// Fakes holds one fake per service.
type Fakes struct {
	Chat     *Chat
	Sessions *Sessions
	Agents   *Agents
	Config   *Config
	Channels *Channels
	Plugins  *Plugins
	Models   *Models
	Skills   *Skills
	Tools    *Tools
	Logs     *Logs
	Health   *Health
	Cron     *Cron
}

// New returns fakes with a small, consistent world: agents "main"
// (default) and "research", one telegram channel, two models, one skill,
// one tool ("echo"), a few log lines.
func New() *Fakes {
	sessions := NewSessions()
	f := &Fakes{
		Sessions: sessions,
		Agents: &Agents{Roster: backend.AgentList{DefaultID: "main", Agents: []backend.Agent{
			{ID: "main", Name: "Main", Default: true, Model: "openai/gpt-test"},
			{ID: "research", Name: "Research", Model: "anthropic/claude-test"},
		}}},
		Config:   NewConfig(`{"gateway":{"mode":"local","auth":{"mode":"token","token":"secret"}}}`),
		Channels: &Channels{Statuses: []backend.ChannelStatus{{ID: "telegram", Label: "Telegram", DefaultAccountID: "default", Accounts: []backend.AccountStatus{{AccountID: "default", Enabled: true, Configured: true, Running: true, Connected: true, Lifecycle: "running"}}}}},
		Plugins:  &Plugins{Installed: []backend.PluginInfo{{ID: "telegram", Name: "Telegram", Version: "1.0.0", Kind: []string{"channel"}, Origin: "bundled", Installed: true, Enabled: true, State: "enabled"}}},
		Models: &Models{Catalog: []backend.ModelInfo{
			{ID: "gpt-test", Name: "GPT Test", Provider: "openai", Available: true, ContextWindow: 128000, Input: []string{"text"}},
			{ID: "claude-test", Name: "Claude Test", Provider: "anthropic", Alias: "claude", Available: true, ContextWindow: 200000, Input: []string{"text", "image"}},
		}},
		Skills: &Skills{Report: backend.SkillsReport{AgentID: "main", Skills: []backend.SkillInfo{
			{Name: "weather", Description: "Look up the weather", Source: "bundled", Eligible: true},
			{Name: "deploy", Description: "Deploy the app", Source: "workspace", Eligible: false, Missing: []string{"bin:vercel"}},
		}}},
		Tools:  &Tools{},
		Logs:   &Logs{File: "/tmp/openclaw/openclaw-test.log"},
		Health: &Health{Readiness: backend.Readiness{Ready: true}},
		Cron:   &Cron{Jobs: []backend.CronJob{{ID: "daily", Name: "Daily summary", AgentID: "main", Enabled: true, Schedule: "cron 0 9 * * *"}}},
	}
	f.Chat = &Chat{Sessions: sessions}
	f.Logs.Append("gateway started", "listening on 127.0.0.1:18789")
	f.Health.Fakes = f
	return f
}

// Services returns the fakes as backend.Services.
func (f *Fakes) Services() backend.Services {
	return backend.Services{
		Chat: f.Chat, Sessions: f.Sessions, Agents: f.Agents, Config: f.Config,
		Channels: f.Channels, Plugins: f.Plugins, Models: f.Models, Skills: f.Skills,
		Tools: f.Tools, Logs: f.Logs, Health: f.Health, Cron: f.Cron,
	}
}

// Chat answers every message with Reply (default "echo: <message>"),
// streaming it word by word, and records it in Sessions when set.
type Chat struct {
	// Reply computes the answer. Nil echoes.
	Reply func(req backend.RunRequest) string
	// Err, when set, fails every run after streaming.
	Err error
	// ToolCalls are reported as tool events before the reply.
	ToolCalls []backend.ToolCall
	// ClientToolCalls end the run asking the caller to run tools.
	ClientToolCalls []backend.ClientToolCall
	// Gate, when non-nil, holds every run until it is closed or the run's
	// context ends (for abort and concurrency tests).
	Gate chan struct{}
	// Sessions, when set, receives the user message and the reply.
	Sessions *Sessions

	mu       sync.Mutex
	requests []backend.RunRequest
	aborts   []backend.AbortRequest
}

// Requests returns the runs received so far.
func (c *Chat) Requests() []backend.RunRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]backend.RunRequest(nil), c.requests...)
}

// Aborts returns the abort requests received so far.
func (c *Chat) Aborts() []backend.AbortRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]backend.AbortRequest(nil), c.aborts...)
}

// Run implements backend.Chat.
func (c *Chat) Run(ctx context.Context, req backend.RunRequest, emit func(backend.RunEvent)) (backend.RunResult, error) {
	c.mu.Lock()
	c.requests = append(c.requests, req)
	reply, gate, err := c.Reply, c.Gate, c.Err
	tools := append([]backend.ToolCall(nil), c.ToolCalls...)
	clientCalls := append([]backend.ClientToolCall(nil), c.ClientToolCalls...)
	c.mu.Unlock()

	agent := req.AgentID
	if agent == "" {
		agent = "main"
	}
	key := req.SessionKey
	if key == "" {
		key = "agent:" + agent + ":main"
	}
	emit(backend.RunEvent{Kind: backend.EventStatus, Phase: "starting_model"})
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return backend.RunResult{}, fmt.Errorf("run %s: %w", req.RunID, ctx.Err())
		}
	}
	for _, tc := range tools {
		emit(backend.RunEvent{Kind: backend.EventTool, Tool: &backend.ToolEvent{CallID: tc.ID, Name: tc.Name, Phase: "start", Args: tc.Args}})
		emit(backend.RunEvent{Kind: backend.EventTool, Tool: &backend.ToolEvent{CallID: tc.ID, Name: tc.Name, Phase: "end", Result: tc.Result}})
	}
	text := "echo: " + req.Message
	if reply != nil {
		text = reply(req)
	}
	words := strings.SplitAfter(text, " ")
	for _, w := range words {
		if err := ctx.Err(); err != nil {
			return backend.RunResult{}, fmt.Errorf("run %s: %w", req.RunID, err)
		}
		if w != "" {
			emit(backend.RunEvent{Kind: backend.EventDelta, Text: w})
		}
	}
	if err != nil {
		return backend.RunResult{}, err
	}
	res := backend.RunResult{
		SessionKey: key, AgentID: agent, Model: "openai/gpt-test", Text: text, StopReason: "stop",
		Usage:     backend.Usage{InputTokens: int64(len(strings.Fields(req.Message))), OutputTokens: int64(len(strings.Fields(text)))},
		ToolCalls: tools,
	}
	res.Usage.TotalTokens = res.Usage.InputTokens + res.Usage.OutputTokens
	if len(clientCalls) > 0 {
		res.ClientToolCalls = clientCalls
		res.StopReason = "tool_calls"
	}
	if c.Sessions != nil {
		s := c.Sessions.ensure(key, agent)
		res.SessionID = s.SessionID
		c.Sessions.append(key, backend.Message{Role: "user", Text: req.Message})
		res.MessageID = c.Sessions.append(key, backend.Message{Role: "assistant", Text: text, Model: res.Model, ToolCalls: tools})
	}
	if req.Deliver != nil {
		res.Delivered = true
	}
	return res, nil
}

// Abort implements backend.Chat.
func (c *Chat) Abort(_ context.Context, req backend.AbortRequest) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.aborts = append(c.aborts, req)
	return nil, nil
}

// Sessions is an in-memory session store.
type Sessions struct {
	mu       sync.Mutex
	now      func() time.Time
	seq      int
	sessions map[string]*backend.Session
	messages map[string][]backend.Message
}

// NewSessions returns an empty store.
func NewSessions() *Sessions {
	return &Sessions{now: time.Now, sessions: map[string]*backend.Session{}, messages: map[string][]backend.Message{}}
}

func (s *Sessions) ensure(key, agent string) backend.Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sess, ok := s.sessions[key]; ok {
		return *sess
	}
	s.seq++
	now := s.now()
	sess := &backend.Session{Key: key, SessionID: fmt.Sprintf("sess-%d", s.seq), AgentID: agent, CreatedAt: now, UpdatedAt: now}
	s.sessions[key] = sess
	return *sess
}

func (s *Sessions) append(key string, m backend.Message) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	m.ID = fmt.Sprintf("msg-%d", s.seq)
	m.CreatedAt = s.now()
	s.messages[key] = append(s.messages[key], m)
	if sess, ok := s.sessions[key]; ok {
		sess.MessageCount++
		sess.UpdatedAt = m.CreatedAt
	}
	return m.ID
}

// resolve finds a session by key or id. Callers hold s.mu.
func (s *Sessions) resolve(ref string) (*backend.Session, error) {
	if sess, ok := s.sessions[ref]; ok {
		return sess, nil
	}
	for _, sess := range s.sessions {
		if sess.SessionID == ref {
			return sess, nil
		}
	}
	return nil, fmt.Errorf("session %q: %w", ref, backend.ErrNotFound)
}

// List implements backend.Sessions.
func (s *Sessions) List(_ context.Context, q backend.SessionQuery) (backend.SessionPage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []backend.Session
	for _, sess := range s.sessions {
		if q.AgentID != "" && sess.AgentID != q.AgentID {
			continue
		}
		if q.Search != "" && !strings.Contains(sess.Key, q.Search) && !strings.Contains(sess.Label, q.Search) {
			continue
		}
		all = append(all, *sess)
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].UpdatedAt.Equal(all[j].UpdatedAt) {
			return all[i].UpdatedAt.After(all[j].UpdatedAt)
		}
		return all[i].Key < all[j].Key
	})
	total := len(all)
	all = page(all, q.Offset, q.Limit)
	return backend.SessionPage{Sessions: all, Total: total}, nil
}

func page[T any](items []T, offset, limit int) []T {
	if offset > len(items) {
		offset = len(items)
	}
	items = items[offset:]
	if limit > 0 && limit < len(items) {
		items = items[:limit]
	}
	return items
}

// Get implements backend.Sessions.
func (s *Sessions) Get(_ context.Context, ref string) (backend.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, err := s.resolve(ref)
	if err != nil {
		return backend.Session{}, err
	}
	return *sess, nil
}

// Create implements backend.Sessions.
func (s *Sessions) Create(_ context.Context, req backend.SessionCreate) (backend.Session, error) {
	agent := req.AgentID
	if agent == "" {
		agent = "main"
	}
	s.mu.Lock()
	s.seq++
	key := req.Key
	if key == "" {
		key = fmt.Sprintf("agent:%s:api:%d", agent, s.seq)
	}
	if _, exists := s.sessions[key]; exists {
		s.mu.Unlock()
		return backend.Session{}, fmt.Errorf("session %q already exists: %w", key, backend.ErrConflict)
	}
	now := s.now()
	sess := &backend.Session{Key: key, SessionID: fmt.Sprintf("sess-%d", s.seq), AgentID: agent, Label: req.Label, Model: req.Model, CreatedAt: now, UpdatedAt: now}
	s.sessions[key] = sess
	s.mu.Unlock()
	return *sess, nil
}

// History implements backend.Sessions.
func (s *Sessions) History(_ context.Context, q backend.HistoryQuery) (backend.HistoryPage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, err := s.resolve(q.Ref)
	if err != nil {
		return backend.HistoryPage{}, err
	}
	msgs := append([]backend.Message(nil), s.messages[sess.Key]...)
	if q.Newest {
		for i, j := 0, len(msgs)-1; i < j; i, j = i+1, j-1 {
			msgs[i], msgs[j] = msgs[j], msgs[i]
		}
	}
	total := len(msgs)
	return backend.HistoryPage{SessionKey: sess.Key, SessionID: sess.SessionID, Messages: page(msgs, q.Offset, q.Limit), Total: total}, nil
}

// Reset implements backend.Sessions.
func (s *Sessions) Reset(_ context.Context, ref, _ string) (backend.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, err := s.resolve(ref)
	if err != nil {
		return backend.Session{}, err
	}
	s.seq++
	sess.SessionID = fmt.Sprintf("sess-%d", s.seq)
	sess.MessageCount = 0
	sess.UpdatedAt = s.now()
	delete(s.messages, sess.Key)
	return *sess, nil
}

// Delete implements backend.Sessions.
func (s *Sessions) Delete(_ context.Context, ref string, _ bool) (backend.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, err := s.resolve(ref)
	if err != nil {
		return backend.Session{}, err
	}
	delete(s.sessions, sess.Key)
	delete(s.messages, sess.Key)
	return *sess, nil
}

// DeleteMessage implements backend.Sessions.
func (s *Sessions) DeleteMessage(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for key, msgs := range s.messages {
		for i, m := range msgs {
			if m.ID == id {
				s.messages[key] = append(msgs[:i:i], msgs[i+1:]...)
				if sess, ok := s.sessions[key]; ok {
					sess.MessageCount--
				}
				return nil
			}
		}
	}
	return fmt.Errorf("message %q: %w", id, backend.ErrNotFound)
}

// Agents returns a fixed roster.
type Agents struct{ Roster backend.AgentList }

// List implements backend.Agents.
func (a *Agents) List(context.Context) (backend.AgentList, error) { return a.Roster, nil }

// Config keeps a config document in memory. Keys named token, password,
// apiKey or secret are redacted on the way out.
type Config struct {
	mu  sync.Mutex
	doc map[string]any
	// Writes counts successful writes by method ("set", "apply", "patch").
	Writes map[string]int
}

// NewConfig starts from a JSON document.
func NewConfig(doc string) *Config {
	c := &Config{Writes: map[string]int{}}
	if err := json.Unmarshal([]byte(doc), &c.doc); err != nil {
		panic(fmt.Sprintf("backendtest: bad initial config: %v", err))
	}
	return c
}

func (c *Config) hash() string {
	b, _ := json.Marshal(c.doc)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Get implements backend.ConfigService.
func (c *Config) Get(context.Context) (backend.ConfigSnapshot, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	red := redact(c.doc).(map[string]any)
	raw, _ := json.MarshalIndent(red, "", "  ")
	return backend.ConfigSnapshot{Path: "/state/openclaw.json", Exists: true, Raw: string(raw), Parsed: red, Resolved: red, Hash: c.hash(), Valid: true}, nil
}

func (c *Config) write(method string, w backend.ConfigWrite, merge bool) (backend.ConfigWriteResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if w.BaseHash != "" && w.BaseHash != c.hash() {
		return backend.ConfigWriteResult{}, fmt.Errorf("config changed since it was read; re-run config.get: %w", backend.ErrConflict)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(w.Raw), &doc); err != nil {
		return backend.ConfigWriteResult{}, &backend.ValidationError{Issues: []backend.Issue{{Message: "parse: " + err.Error()}}}
	}
	if gw, ok := doc["gateway"].(map[string]any); ok {
		if port, ok := gw["port"].(float64); ok && (port < 1 || port > 65535) {
			return backend.ConfigWriteResult{}, &backend.ValidationError{Issues: []backend.Issue{{Path: "gateway.port", Message: "must be between 1 and 65535"}}}
		}
	}
	if merge {
		doc = mergePatch(c.doc, doc).(map[string]any)
	}
	c.doc = doc
	c.Writes[method]++
	return backend.ConfigWriteResult{Path: "/state/openclaw.json", Hash: c.hash(), Config: redact(c.doc).(map[string]any)}, nil
}

// Set implements backend.ConfigService.
func (c *Config) Set(_ context.Context, w backend.ConfigWrite) (backend.ConfigWriteResult, error) {
	return c.write("set", w, false)
}

// Apply implements backend.ConfigService.
func (c *Config) Apply(_ context.Context, w backend.ConfigWrite) (backend.ConfigWriteResult, error) {
	return c.write("apply", w, false)
}

// Patch implements backend.ConfigService.
func (c *Config) Patch(_ context.Context, w backend.ConfigWrite) (backend.ConfigWriteResult, error) {
	return c.write("patch", w, true)
}

// Schema implements backend.ConfigService.
func (c *Config) Schema(context.Context) (backend.ConfigSchema, error) {
	return backend.ConfigSchema{Schema: json.RawMessage(`{"type":"object"}`), UIHints: map[string]any{}, Version: "test", GeneratedAt: "2026-01-01T00:00:00Z"}, nil
}

// Doc returns a copy of the unredacted document.
func (c *Config) Doc() map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, _ := json.Marshal(c.doc)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

func redact(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			switch k {
			case "token", "password", "apiKey", "secret":
				if _, isString := val.(string); isString {
					out[k] = backend.RedactedValue
					continue
				}
			}
			out[k] = redact(val)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, val := range t {
			out[i] = redact(val)
		}
		return out
	default:
		return v
	}
}

// mergePatch applies an RFC 7396 JSON merge patch.
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	out := make(map[string]any, len(t))
	for k, v := range t {
		out[k] = v
	}
	for k, v := range p {
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = mergePatch(out[k], v)
	}
	return out
}

// Channels reports a fixed status and records sends.
type Channels struct {
	Statuses []backend.ChannelStatus
	mu       sync.Mutex
	sent     []backend.OutboundMessage
	probes   int
}

// Status implements backend.Channels.
func (c *Channels) Status(_ context.Context, q backend.ChannelQuery) ([]backend.ChannelStatus, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []backend.ChannelStatus
	for _, ch := range c.Statuses {
		if q.Channel != "" && ch.ID != q.Channel {
			continue
		}
		ch.Accounts = append([]backend.AccountStatus(nil), ch.Accounts...)
		if q.Probe {
			c.probes++
			for i := range ch.Accounts {
				ch.Accounts[i].Probe = &backend.ProbeResult{OK: ch.Accounts[i].Connected, ElapsedMs: 3}
			}
		}
		out = append(out, ch)
	}
	if q.Channel != "" && len(out) == 0 {
		return nil, fmt.Errorf("channel %q: %w", q.Channel, backend.ErrNotFound)
	}
	return out, nil
}

// Send implements backend.Channels.
func (c *Channels) Send(_ context.Context, msg backend.OutboundMessage) (backend.SendResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if msg.Channel == "" && len(c.Statuses) == 1 {
		msg.Channel = c.Statuses[0].ID
	}
	known := false
	for _, ch := range c.Statuses {
		known = known || ch.ID == msg.Channel
	}
	if !known {
		return backend.SendResult{}, fmt.Errorf("channel %q is not configured: %w", msg.Channel, backend.ErrInvalid)
	}
	c.sent = append(c.sent, msg)
	return backend.SendResult{Channel: msg.Channel, To: msg.To, MessageID: fmt.Sprintf("out-%d", len(c.sent))}, nil
}

// Sent returns delivered messages.
func (c *Channels) Sent() []backend.OutboundMessage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]backend.OutboundMessage(nil), c.sent...)
}

// Probes counts live probes run.
func (c *Channels) Probes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.probes
}

// Plugins returns a fixed list.
type Plugins struct{ Installed []backend.PluginInfo }

// List implements backend.Plugins.
func (p *Plugins) List(context.Context) ([]backend.PluginInfo, error) { return p.Installed, nil }

// Models returns a fixed catalog.
type Models struct{ Catalog []backend.ModelInfo }

// List implements backend.Models.
func (m *Models) List(context.Context, backend.ModelQuery) ([]backend.ModelInfo, error) {
	return m.Catalog, nil
}

// Skills returns a fixed report.
type Skills struct{ Report backend.SkillsReport }

// Status implements backend.Skills.
func (s *Skills) Status(_ context.Context, q backend.SkillQuery) (backend.SkillsReport, error) {
	r := s.Report
	if q.AgentID != "" {
		r.AgentID = q.AgentID
	}
	return r, nil
}

// Tools knows one tool, "echo", which returns its arguments, and "boom",
// which policy blocks.
type Tools struct {
	mu    sync.Mutex
	calls []backend.ToolInvocation
}

// Invoke implements backend.Tools.
func (t *Tools) Invoke(_ context.Context, call backend.ToolInvocation) (backend.ToolResult, error) {
	t.mu.Lock()
	t.calls = append(t.calls, call)
	t.mu.Unlock()
	switch call.Name {
	case "echo":
		out, err := json.Marshal(call.Args)
		if err != nil {
			return backend.ToolResult{}, fmt.Errorf("echo: %w", err)
		}
		return backend.ToolResult{Output: out, Source: "core"}, nil
	case "boom":
		return backend.ToolResult{}, fmt.Errorf("tool boom: blocked by tools.deny: %w", backend.ErrForbidden)
	case "needs_arg":
		if _, ok := call.Args["x"]; !ok {
			return backend.ToolResult{}, fmt.Errorf("needs_arg: missing argument x: %w", backend.ErrInvalid)
		}
		return backend.ToolResult{Output: json.RawMessage(`"ok"`), Source: "core"}, nil
	}
	return backend.ToolResult{}, fmt.Errorf("tool %q: %w", call.Name, backend.ErrNotFound)
}

// Calls returns invocations received.
func (t *Tools) Calls() []backend.ToolInvocation {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]backend.ToolInvocation(nil), t.calls...)
}

// Logs is an in-memory log file; the cursor is a line index.
type Logs struct {
	File  string
	mu    sync.Mutex
	lines []string
}

// Append adds lines to the log.
func (l *Logs) Append(lines ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, lines...)
}

// Tail implements backend.Logs.
func (l *Logs) Tail(_ context.Context, q backend.LogQuery) (backend.LogChunk, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := int64(len(l.lines))
	start := q.Cursor
	reset := false
	if start > n {
		start, reset = 0, true
	}
	if q.Cursor == 0 && q.Limit > 0 && int(n) > q.Limit {
		start = n - int64(q.Limit)
	}
	lines := append([]string(nil), l.lines[start:]...)
	truncated := false
	if q.Limit > 0 && len(lines) > q.Limit {
		lines, truncated = lines[:q.Limit], true
	}
	return backend.LogChunk{File: l.File, Cursor: start + int64(len(lines)), Size: n, Lines: lines, Truncated: truncated, Reset: reset}, nil
}

// Health reports the fakes' state and a settable readiness.
type Health struct {
	Fakes     *Fakes
	mu        sync.Mutex
	Readiness backend.Readiness
	probes    int
}

// Snapshot implements backend.Health.
func (h *Health) Snapshot(ctx context.Context, probe bool) (backend.HealthSnapshot, error) {
	h.mu.Lock()
	if probe {
		h.probes++
	}
	h.mu.Unlock()
	snap := backend.HealthSnapshot{DefaultAgentID: "main", HeartbeatSeconds: 1800, HotReload: true}
	if h.Fakes == nil {
		return snap, nil
	}
	chans, err := h.Fakes.Channels.Status(ctx, backend.ChannelQuery{Probe: probe})
	if err != nil {
		return snap, err
	}
	snap.Channels = chans
	for _, p := range h.Fakes.Plugins.Installed {
		snap.Plugins.Loaded = append(snap.Plugins.Loaded, p.ID)
	}
	page, _ := h.Fakes.Sessions.List(ctx, backend.SessionQuery{Limit: 5})
	snap.Sessions = backend.SessionSummary{Path: "/state/agents/main/sessions", Count: page.Total}
	for _, s := range page.Sessions {
		snap.Sessions.Recent = append(snap.Sessions.Recent, backend.RecentSession{Key: s.Key, UpdatedAt: s.UpdatedAt})
	}
	for _, a := range h.Fakes.Agents.Roster.Agents {
		snap.Agents = append(snap.Agents, backend.AgentHealth{AgentID: a.ID, Name: a.Name, IsDefault: a.Default,
			Heartbeat: backend.HeartbeatInfo{Enabled: true, Every: "30m", EveryMs: 1800000, Prompt: "heartbeat", Target: "last", AckMaxChars: 300},
			Sessions:  snap.Sessions})
	}
	return snap, nil
}

// Ready implements backend.Health.
func (h *Health) Ready(context.Context) backend.Readiness {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.Readiness
}

// SetReady changes readiness.
func (h *Health) SetReady(r backend.Readiness) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.Readiness = r
}

// Probes counts live health probes.
func (h *Health) Probes() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.probes
}

// Cron returns fixed jobs.
type Cron struct{ Jobs []backend.CronJob }

// List implements backend.Cron.
func (c *Cron) List(_ context.Context, q backend.CronQuery) (backend.CronPage, error) {
	var jobs []backend.CronJob
	for _, j := range c.Jobs {
		if !j.Enabled && !q.IncludeDisabled {
			continue
		}
		jobs = append(jobs, j)
	}
	return backend.CronPage{Jobs: page(jobs, q.Offset, q.Limit), Total: len(jobs)}, nil
}

// ErrBoom is a convenient failure for tests.
var ErrBoom = errors.New("boom")
