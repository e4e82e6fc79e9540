package coretools

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/core/agent"
	"github.com/openclaw-go/openclaw/core/channels"
	"github.com/openclaw-go/openclaw/core/sessions"
	"github.com/openclaw-go/openclaw/core/tools"
)

// clock advances a second on every reading, so sessions get distinct,
// ordered timestamps.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

// seed is a session to create: key, metadata and messages.
type seed struct {
	key   string
	begin sessions.BeginOptions
	label string
	msgs  []sessions.Message
}

func openStore(t *testing.T, seeds ...seed) *sessions.Store {
	t.Helper()
	c := &clock{t: time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)}
	st, err := sessions.Open(sessions.Options{StateDir: t.TempDir(), NoSync: true, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	ctx := context.Background()
	for _, s := range seeds {
		if _, _, err := st.Begin(ctx, s.key, s.begin); err != nil {
			t.Fatal(err)
		}
		if len(s.msgs) > 0 {
			if _, err := st.Append(ctx, s.key, s.msgs...); err != nil {
				t.Fatal(err)
			}
		}
		if s.label != "" {
			if _, err := st.Update(ctx, s.key, func(e *sessions.Entry) error { e.Label = s.label; return nil }); err != nil {
				t.Fatal(err)
			}
		}
	}
	return st
}

func text(role, s string) sessions.Message { return sessions.TextMessage(role, s) }

// run invokes a core tool through a real registry, as the agent does.
func run(t *testing.T, opts Options, name string, inv tools.Invocation, args string) tools.Result {
	t.Helper()
	reg := tools.New(tools.Options{})
	if err := Register(reg, opts); err != nil {
		t.Fatal(err)
	}
	return reg.Invoke(t.Context(), tools.Call{ID: "call-1", Name: name, Arguments: args, Context: inv}, nil)
}

func details(t *testing.T, res tools.Result) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(res.Details, &m); err != nil {
		t.Fatalf("details of %+v: %v", res, err)
	}
	return m
}

// fakeChannels records deliveries.
type fakeChannels struct {
	setups map[string]channels.Setup
	mu     sync.Mutex
	sent   []channels.Delivery
	err    error
}

func (f *fakeChannels) Setups() map[string]channels.Setup { return f.setups }

func (f *fakeChannels) Deliver(_ context.Context, d channels.Delivery) (channels.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return channels.Result{}, f.err
	}
	f.sent = append(f.sent, d)
	return channels.Result{MessageIDs: []string{"m1"}, Chunks: 1}, nil
}

// fakeRunner answers turns by appending to the store, as the agent would.
type fakeRunner struct {
	store  *sessions.Store
	reply  func(req agent.TurnRequest) (string, error)
	block  chan struct{}
	mu     sync.Mutex
	reqs   []agent.TurnRequest
	active map[string]string
}

func (f *fakeRunner) RunTurn(ctx context.Context, req agent.TurnRequest, _ func(agent.Event)) (*agent.TurnResult, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	if f.block != nil {
		<-f.block
	}
	text, err := f.reply(req)
	if err != nil {
		return &agent.TurnResult{RunID: req.RunID, Text: "The turn failed."}, err
	}
	_, _ = f.store.Append(ctx, req.SessionKey, sessions.TextMessage("user", req.Text), sessions.TextMessage("assistant", text))
	return &agent.TurnResult{RunID: req.RunID, SessionKey: req.SessionKey, Text: text, Silent: text == ""}, nil
}

func (f *fakeRunner) ActiveRun(key string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, ok := f.active[key]
	return id, ok
}

func (f *fakeRunner) requests() []agent.TurnRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]agent.TurnRequest(nil), f.reqs...)
}
