package cron

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/core/cron/clock"
)

// t0 is a Monday morning, UTC.
var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// fakeRunner records runs and answers with respond, or blocks while
// gate is set.
type fakeRunner struct {
	mu      sync.Mutex
	calls   []RunRequest
	inFlt   int
	maxFlt  int
	respond func(RunRequest) (RunResult, error)
	gate    chan struct{}
	started chan RunRequest
}

func newFakeRunner() *fakeRunner {
	return &fakeRunner{started: make(chan RunRequest, 100)}
}

func (r *fakeRunner) RunJob(ctx context.Context, req RunRequest) (RunResult, error) {
	r.mu.Lock()
	r.calls = append(r.calls, req)
	r.inFlt++
	r.maxFlt = max(r.maxFlt, r.inFlt)
	gate, respond := r.gate, r.respond
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.inFlt--
		r.mu.Unlock()
	}()
	r.started <- req
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return RunResult{}, ctx.Err()
		}
	}
	if respond != nil {
		return respond(req)
	}
	return RunResult{Output: "report for " + req.Job.Name, SessionKey: "agent:main:cron:" + req.Job.ID}, nil
}

func (r *fakeRunner) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

func (r *fakeRunner) peak() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.maxFlt
}

// waitStarted waits for n more runs to start; it fails the test rather
// than hang.
func (r *fakeRunner) waitStarted(t *testing.T, n int) []RunRequest {
	t.Helper()
	var out []RunRequest
	for range n {
		select {
		case req := <-r.started:
			out = append(out, req)
		case <-time.After(10 * time.Second):
			t.Fatalf("waited for %d runs to start, got %d", n, len(out))
		}
	}
	return out
}

type fakeDeliverer struct {
	mu   sync.Mutex
	sent []Outbound
	err  error
}

func (d *fakeDeliverer) Deliver(_ context.Context, out Outbound) (Target, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err != nil {
		return Target{}, d.err
	}
	d.sent = append(d.sent, out)
	t := out.Target
	if t.Channel == "" || t.Channel == "last" {
		t.Channel, t.To = "telegram", "42"
	}
	return t, nil
}

func (d *fakeDeliverer) outbox() []Outbound {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Outbound{}, d.sent...)
}

type harness struct {
	t       *testing.T
	dir     string
	clock   *clock.Fake
	runner  *fakeRunner
	deliver *fakeDeliverer
	svc     *Service
	events  chan Event
}

// newHarness opens (not starts) a service on a fresh state directory.
func newHarness(t *testing.T, mutate func(*Options)) *harness {
	t.Helper()
	return newHarnessAt(t, t.TempDir(), mutate)
}

// newHarnessAt opens a service on an existing state directory.
func newHarnessAt(t *testing.T, dir string, mutate func(*Options)) *harness {
	t.Helper()
	h := &harness{t: t, dir: dir, clock: clock.NewFake(t0), runner: newFakeRunner(),
		deliver: &fakeDeliverer{}, events: make(chan Event, 1000)}
	h.svc = h.open(mutate)
	return h
}

func (h *harness) options(mutate func(*Options)) Options {
	o := Options{
		StateDir: h.dir, Runner: h.runner, Deliverer: h.deliver, Clock: h.clock, Location: time.UTC,
		CatchupDelay: 10 * time.Second, CatchupSpacing: 2 * time.Second,
		OnEvent: func(e Event) {
			select {
			case h.events <- e:
			default:
			}
		},
	}
	if mutate != nil {
		mutate(&o)
	}
	return o
}

func (h *harness) open(mutate func(*Options)) *Service {
	h.t.Helper()
	s, err := Open(h.options(mutate))
	if err != nil {
		h.t.Fatalf("Open: %v", err)
	}
	h.t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

func (h *harness) start() {
	h.t.Helper()
	if err := h.svc.Start(context.Background()); err != nil {
		h.t.Fatalf("Start: %v", err)
	}
}

// settle waits for every launched run to finish.
func (h *harness) settle() { h.svc.wg.Wait() }

func (h *harness) add(in AddInput) JobView {
	h.t.Helper()
	v, err := h.svc.Add(context.Background(), in)
	if err != nil {
		h.t.Fatalf("Add: %v", err)
	}
	return v
}

func (h *harness) get(id string) JobView {
	h.t.Helper()
	v, err := h.svc.Get(context.Background(), id)
	if err != nil {
		h.t.Fatalf("Get %s: %v", id, err)
	}
	return v
}

func (h *harness) runs(id string) []RunEntry {
	h.t.Helper()
	res, err := h.svc.Runs(context.Background(), RunsQuery{JobRef: JobRef{ID: id}, SortDir: "asc", Limit: 200})
	if err != nil {
		h.t.Fatalf("Runs %s: %v", id, err)
	}
	return res.Entries
}

func every(d time.Duration, msg string) AddInput {
	return AddInput{Name: msg, Schedule: Schedule{Kind: KindEvery, EveryMs: d.Milliseconds()},
		Payload: Payload{Kind: PayloadAgentTurn, Message: msg}}
}

func at(t time.Time, msg string) AddInput {
	return AddInput{Name: msg, Schedule: Schedule{Kind: KindAt, At: t.Format(time.RFC3339)},
		Payload: Payload{Kind: PayloadAgentTurn, Message: msg}}
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var errBoom = errors.New("boom")
