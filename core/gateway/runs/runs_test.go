package runs

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/gateway/backend/backendtest"
)

func TestStartAndResult(t *testing.T) {
	chat := &backendtest.Chat{}
	var finished atomic.Int32
	r := New(chat, Options{OnFinish: func(backend.RunRequest, backend.RunResult, error) { finished.Add(1) }})
	var deltas []string
	run, joined, err := r.Start(backend.RunRequest{SessionKey: "s", Message: "hi"}, func(ev backend.RunEvent) {
		if ev.Kind == backend.EventDelta {
			deltas = append(deltas, ev.Text)
		}
	})
	if err != nil || joined || run.ID == "" {
		t.Fatalf("Start = %v, %v, %v", run, joined, err)
	}
	res, err := run.Result()
	if err != nil || res.Text != "echo: hi" || len(deltas) != 2 {
		t.Fatalf("result %+v %v deltas %q", res, err, deltas)
	}
	if r.Drain(context.Background()); finished.Load() != 1 {
		t.Fatal("OnFinish not called")
	}
}

func TestIdempotencyKeyJoins(t *testing.T) {
	chat := &backendtest.Chat{Gate: make(chan struct{})}
	r := New(chat, Options{})
	a, _, _ := r.Start(backend.RunRequest{Message: "x", IdempotencyKey: "k"}, nil)
	b, joined, err := r.Start(backend.RunRequest{Message: "x", IdempotencyKey: "k"}, nil)
	if err != nil || !joined || b != a {
		t.Fatalf("second start: %v %v %v", b, joined, err)
	}
	close(chat.Gate)
	a.Result()
	if c, joined, _ := r.Start(backend.RunRequest{Message: "x", IdempotencyKey: "k"}, nil); !joined || c != a {
		t.Fatal("finished run not joined within the window")
	}
	if len(chat.Requests()) != 1 {
		t.Fatalf("%d runs", len(chat.Requests()))
	}
	if got, ok := r.Lookup(a.ID); !ok || got != a {
		t.Fatal("Lookup lost a finished run")
	}
}

func TestAbortBySessionAndRun(t *testing.T) {
	chat := &backendtest.Chat{Gate: make(chan struct{})}
	r := New(chat, Options{})
	a, _, _ := r.Start(backend.RunRequest{SessionKey: "s1", Message: "a"}, nil)
	b, _, _ := r.Start(backend.RunRequest{SessionKey: "s2", Message: "b"}, nil)
	c, _, _ := r.Start(backend.RunRequest{SessionKey: "s2", Message: "c"}, nil)
	ids, err := r.Abort(context.Background(), backend.AbortRequest{SessionKey: "s2", RunID: c.ID})
	if err != nil || len(ids) != 1 || ids[0] != c.ID {
		t.Fatalf("abort by run: %v %v", ids, err)
	}
	if _, err := c.Result(); !errors.Is(err, context.Canceled) {
		t.Fatalf("aborted run ended with %v", err)
	}
	ids, _ = r.Abort(context.Background(), backend.AbortRequest{SessionKey: "s2"})
	if len(ids) != 1 || ids[0] != b.ID {
		t.Fatalf("abort by session: %v", ids)
	}
	select {
	case <-a.Done():
		t.Fatal("run of another session was aborted")
	default:
	}
	close(chat.Gate)
	if _, err := a.Result(); err != nil {
		t.Fatal(err)
	}
	if len(chat.Aborts()) != 2 {
		t.Fatal("Abort not forwarded to the chat service")
	}
}

func TestRunSyncCancelledWithCaller(t *testing.T) {
	chat := &backendtest.Chat{Gate: make(chan struct{})}
	r := New(chat, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for r.Active() == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	if _, err := r.RunSync(ctx, backend.RunRequest{Message: "x"}, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("RunSync = %v", err)
	}
}

func TestTimeoutIsARunError(t *testing.T) {
	chat := &backendtest.Chat{Gate: make(chan struct{})}
	r := New(chat, Options{})
	_, err := r.RunSync(context.Background(), backend.RunRequest{Message: "x", Timeout: 10 * time.Millisecond}, nil)
	var re *backend.RunError
	if !errors.As(err, &re) || re.Kind != "timeout" {
		t.Fatalf("timeout ended with %v", err)
	}
}

func TestDrainWaitsThenRefuses(t *testing.T) {
	chat := &backendtest.Chat{Gate: make(chan struct{})}
	r := New(chat, Options{})
	run, _, _ := r.Start(backend.RunRequest{Message: "x"}, nil)
	drained := make(chan error, 1)
	go func() { drained <- r.Drain(context.Background()) }()
	for {
		if _, _, err := r.Start(backend.RunRequest{Message: "y"}, nil); errors.Is(err, ErrDraining) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	select {
	case <-drained:
		t.Fatal("Drain returned with a run in flight")
	default:
	}
	close(chat.Gate)
	if err := <-drained; err != nil {
		t.Fatal(err)
	}
	if _, err := run.Result(); err != nil {
		t.Fatalf("drained run failed: %v", err)
	}
}

func TestDrainDeadlineCancelsRuns(t *testing.T) {
	chat := &backendtest.Chat{Gate: make(chan struct{})}
	r := New(chat, Options{})
	run, _, _ := r.Start(backend.RunRequest{Message: "x"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := r.Drain(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Drain = %v", err)
	}
	if _, err := run.Result(); !errors.Is(err, context.Canceled) {
		t.Fatalf("run after forced drain: %v", err)
	}
}

func TestNoChat(t *testing.T) {
	r := New(nil, Options{})
	if r.Available() {
		t.Fatal("available without chat")
	}
	if _, _, err := r.Start(backend.RunRequest{}, nil); !errors.Is(err, ErrNoChat) {
		t.Fatalf("Start = %v", err)
	}
}
