// Package runs tracks the agent turns the gateway starts, whichever surface
// started them (WebSocket chat.send or agent, the OpenAI-compatible
// endpoints, the REST API). Tracking them in one place lets chat.abort stop
// a run an HTTP client started, lets a retried request with the same
// idempotency key join the run it already started, and lets shutdown wait
// for in-flight turns before the process exits.
package runs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
)

// ErrDraining is returned for runs started after Drain began.
var ErrDraining = errors.New("gateway is shutting down; not starting new runs")

// ErrNoChat is returned when no Chat service is wired.
var ErrNoChat = errors.New("no agent is available (chat service not configured)")

// dedupeWindow is how long an idempotency key keeps pointing at its run.
const dedupeWindow = 5 * time.Minute

// Registry starts and tracks runs.
type Registry struct {
	chat backend.Chat
	now  func() time.Time
	// OnFinish, when set, is called after every run ends (webhooks).
	onFinish func(req backend.RunRequest, res backend.RunResult, err error)

	mu       sync.Mutex
	active   map[string]*Run
	byKey    map[string]dedupeEntry
	draining bool
	wg       sync.WaitGroup
	base     context.Context
	cancel   context.CancelFunc
}

type dedupeEntry struct {
	run     *Run
	expires time.Time
}

// Options configure a Registry.
type Options struct {
	Now      func() time.Time
	OnFinish func(req backend.RunRequest, res backend.RunResult, err error)
}

// New returns a Registry running turns on chat (which may be nil: every
// start then fails with ErrNoChat).
func New(chat backend.Chat, opts Options) *Registry {
	ctx, cancel := context.WithCancel(context.Background())
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Registry{chat: chat, now: now, onFinish: opts.OnFinish, active: map[string]*Run{}, byKey: map[string]dedupeEntry{}, base: ctx, cancel: cancel}
}

// Available reports whether runs can be started at all.
func (r *Registry) Available() bool { return r.chat != nil }

// Run is one turn in progress or finished.
type Run struct {
	ID         string
	SessionKey string
	AgentID    string
	StartedAt  time.Time

	cancel context.CancelFunc
	done   chan struct{}
	// set before done closes
	result  backend.RunResult
	err     error
	endedAt time.Time
}

// Done is closed when the run has ended.
func (r *Run) Done() <-chan struct{} { return r.done }

// Result returns the outcome; valid after Done is closed.
func (r *Run) Result() (backend.RunResult, error) {
	<-r.done
	return r.result, r.err
}

// EndedAt is when the run ended; valid after Done is closed.
func (r *Run) EndedAt() time.Time {
	<-r.done
	return r.endedAt
}

// NewID returns a fresh run id.
func NewID() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("runs: crypto/rand failed: %v", err))
	}
	return "run_" + hex.EncodeToString(b[:])
}

// Start begins req in the background. emit receives the run's events; it
// must not block for long. When req.IdempotencyKey matches a run started
// in the last few minutes, that run is returned with joined set and no new
// run starts (emit is then never called).
func (r *Registry) Start(req backend.RunRequest, emit func(backend.RunEvent)) (run *Run, joined bool, err error) {
	return r.start(r.base, req, emit)
}

// RunSync runs req and waits for it. Cancelling ctx (an HTTP client
// disconnecting) aborts the run.
func (r *Registry) RunSync(ctx context.Context, req backend.RunRequest, emit func(backend.RunEvent)) (backend.RunResult, error) {
	run, _, err := r.start(ctx, req, emit)
	if err != nil {
		return backend.RunResult{}, err
	}
	return run.Result()
}

func (r *Registry) start(parent context.Context, req backend.RunRequest, emit func(backend.RunEvent)) (*Run, bool, error) {
	if r.chat == nil {
		return nil, false, ErrNoChat
	}
	if emit == nil {
		emit = func(backend.RunEvent) {}
	}
	if req.RunID == "" {
		req.RunID = NewID()
	}
	r.mu.Lock()
	if r.draining {
		r.mu.Unlock()
		return nil, false, ErrDraining
	}
	now := r.now()
	if req.IdempotencyKey != "" {
		r.pruneLocked(now)
		if e, ok := r.byKey[req.IdempotencyKey]; ok {
			r.mu.Unlock()
			return e.run, true, nil
		}
	}
	// The run outlives neither the registry's hard stop nor its parent.
	ctx, cancel := context.WithCancel(parent)
	stop := context.AfterFunc(r.base, cancel)
	if req.Timeout > 0 {
		var tcancel context.CancelFunc
		ctx, tcancel = context.WithTimeout(ctx, req.Timeout)
		prev := cancel
		cancel = func() { tcancel(); prev() }
	}
	run := &Run{ID: req.RunID, SessionKey: req.SessionKey, AgentID: req.AgentID, StartedAt: now, cancel: cancel, done: make(chan struct{})}
	r.active[run.ID] = run
	if req.IdempotencyKey != "" {
		r.byKey[req.IdempotencyKey] = dedupeEntry{run: run, expires: now.Add(dedupeWindow)}
	}
	r.wg.Add(1)
	r.mu.Unlock()

	go func() {
		defer r.wg.Done()
		defer stop()
		res, err := r.chat.Run(ctx, req, emit)
		if err == nil && ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = &backend.RunError{Kind: "timeout", Message: "run timed out"}
		} else if err != nil && errors.Is(err, context.DeadlineExceeded) {
			err = &backend.RunError{Kind: "timeout", Message: fmt.Sprintf("run timed out after %s", req.Timeout)}
		}
		cancel()
		if res.SessionKey != "" {
			run.SessionKey = res.SessionKey
		}
		r.mu.Lock()
		run.result, run.err, run.endedAt = res, err, r.now()
		delete(r.active, run.ID)
		r.mu.Unlock()
		close(run.done)
		if r.onFinish != nil {
			r.onFinish(req, res, err)
		}
	}()
	return run, false, nil
}

func (r *Registry) pruneLocked(now time.Time) {
	for k, e := range r.byKey {
		if now.After(e.expires) {
			delete(r.byKey, k)
		}
	}
}

// Lookup finds a run by id: active ones, and finished ones still held by
// the idempotency window.
func (r *Registry) Lookup(id string) (*Run, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if run, ok := r.active[id]; ok {
		return run, true
	}
	for _, e := range r.byKey {
		if e.run.ID == id {
			return e.run, true
		}
	}
	return nil, false
}

// Active counts runs in progress.
func (r *Registry) Active() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.active)
}

// ActiveSessions returns the session keys with a run in progress.
func (r *Registry) ActiveSessions() map[string]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]bool, len(r.active))
	for _, run := range r.active {
		out[run.SessionKey] = true
	}
	return out
}

// Abort cancels this gateway's runs matching sessionKey (and runID, when
// set), then asks Chat to stop others it knows of. It returns every run id
// stopped.
func (r *Registry) Abort(ctx context.Context, req backend.AbortRequest) ([]string, error) {
	r.mu.Lock()
	var stopped []string
	for _, run := range r.active {
		if req.RunID != "" && run.ID != req.RunID {
			continue
		}
		if req.SessionKey != "" && run.SessionKey != req.SessionKey && req.RunID == "" {
			continue
		}
		run.cancel()
		stopped = append(stopped, run.ID)
	}
	r.mu.Unlock()
	if r.chat == nil {
		return stopped, nil
	}
	more, err := r.chat.Abort(ctx, req)
	if err != nil {
		return stopped, fmt.Errorf("abort runs of %q: %w", req.SessionKey, err)
	}
	return append(stopped, more...), nil
}

// Drain stops new runs and waits for active ones to end. When ctx ends
// first, the remaining runs are cancelled and Drain waits for them to
// return, then reports ctx's error.
func (r *Registry) Drain(ctx context.Context) error {
	r.mu.Lock()
	r.draining = true
	r.mu.Unlock()
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		r.cancel()
		<-done
		return fmt.Errorf("drain runs: %w", ctx.Err())
	}
}
