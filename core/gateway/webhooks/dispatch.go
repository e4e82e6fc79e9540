package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Event is one delivery's body.
type Event struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	CreatedAt string `json:"createdAt"`
	Data      any    `json:"data"`
}

// Result reports one delivery.
type Result struct {
	Delivered  bool   `json:"delivered"`
	StatusCode int    `json:"statusCode,omitempty"`
	Attempts   int    `json:"attempts"`
	Error      string `json:"error,omitempty"`
}

// DispatcherOptions configure delivery.
type DispatcherOptions struct {
	Client      *http.Client // default: 10s timeout
	Logger      hclog.Logger
	UserAgent   string
	MaxAttempts int // default 5
	// Backoff is the wait before attempt n (n >= 2). Default: 1s, 2s, 4s,
	// ... capped at 60s, with ±20% jitter.
	Backoff func(attempt int) time.Duration
	// QueueSize bounds pending deliveries (default 1000); events beyond it
	// are dropped and logged.
	QueueSize int
	Workers   int // default 2
	Now       func() time.Time
}

// Dispatcher delivers events to subscribed webhooks in the background.
type Dispatcher struct {
	store *Store
	opts  DispatcherOptions
	log   hclog.Logger
	queue chan job

	mu     sync.Mutex
	closed bool
	stop   chan struct{} // closed by Close: workers finish the queue and exit
	ctx    context.Context
	cancel context.CancelFunc // aborts deliveries in flight
	wg     sync.WaitGroup
}

type job struct {
	hook  Webhook
	event Event
}

// NewDispatcher starts the delivery workers. Close stops them.
func NewDispatcher(store *Store, opts DispatcherOptions) *Dispatcher {
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 5
	}
	if opts.Backoff == nil {
		opts.Backoff = defaultBackoff
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = 1000
	}
	if opts.Workers <= 0 {
		opts.Workers = 2
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "openclaw-gateway"
	}
	log := opts.Logger
	if log == nil {
		log = hclog.NewNullLogger()
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &Dispatcher{store: store, opts: opts, log: log.Named("webhooks"), queue: make(chan job, opts.QueueSize), stop: make(chan struct{}), ctx: ctx, cancel: cancel}
	for range opts.Workers {
		d.wg.Add(1)
		go d.work()
	}
	return d
}

func defaultBackoff(attempt int) time.Duration {
	d := time.Second << min(attempt-2, 6)
	d = min(d, time.Minute)
	jitter := time.Duration(rand.Int64N(int64(d) / 5 * 2)) // ±20%
	return d - d/5 + jitter
}

// Emit queues eventType with data for every subscribed webhook. It never
// blocks: when the queue is full the delivery is dropped and logged.
func (d *Dispatcher) Emit(eventType string, data any) {
	d.mu.Lock()
	closed := d.closed
	d.mu.Unlock()
	if closed {
		return
	}
	ev := Event{ID: "evt_" + randomHex(10), Type: eventType, CreatedAt: d.opts.Now().UTC().Format(time.RFC3339Nano), Data: data}
	for _, h := range d.store.List() {
		if !h.Wants(eventType) || eventType == EventTest {
			continue
		}
		select {
		case d.queue <- job{hook: h, event: ev}:
		default:
			d.log.Warn("webhook queue full; dropping delivery", "webhook", h.ID, "event", eventType)
		}
	}
}

func (d *Dispatcher) work() {
	defer d.wg.Done()
	for {
		select {
		case j := <-d.queue:
			d.run(j)
		case <-d.stop:
			for {
				select {
				case j := <-d.queue:
					d.run(j)
				default:
					return
				}
			}
		}
	}
}

func (d *Dispatcher) run(j job) {
	res := d.Deliver(d.ctx, j.hook, j.event)
	if !res.Delivered {
		d.log.Warn("webhook delivery failed", "webhook", j.hook.ID, "event", j.event.Type, "attempts", res.Attempts, "status", res.StatusCode, "error", res.Error)
	}
}

// Test sends a webhook.test event to the webhook once, synchronously.
func (d *Dispatcher) Test(ctx context.Context, hook Webhook) Result {
	ev := Event{ID: "evt_" + randomHex(10), Type: EventTest, CreatedAt: d.opts.Now().UTC().Format(time.RFC3339Nano), Data: map[string]any{"webhookId": hook.ID}}
	return d.deliver(ctx, hook, ev, 1)
}

// Deliver sends ev to hook, retrying as documented, and reports the
// outcome. It returns early when ctx ends.
func (d *Dispatcher) Deliver(ctx context.Context, hook Webhook, ev Event) Result {
	return d.deliver(ctx, hook, ev, d.opts.MaxAttempts)
}

func (d *Dispatcher) deliver(ctx context.Context, hook Webhook, ev Event, maxAttempts int) Result {
	body, err := json.Marshal(ev)
	if err != nil {
		return Result{Error: fmt.Sprintf("encode event: %v", err)}
	}
	var res Result
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		res.Attempts = attempt
		status, retryAfter, err := d.post(ctx, hook, ev, body)
		res.StatusCode = status
		switch {
		case err == nil && status >= 200 && status < 300:
			res.Delivered, res.Error = true, ""
			return res
		case err != nil:
			res.Error = err.Error()
		default:
			res.Error = fmt.Sprintf("receiver answered HTTP %d", status)
			if status < 500 && status != http.StatusRequestTimeout && status != http.StatusTooManyRequests {
				return res // the receiver rejected it; retrying will not help
			}
		}
		if attempt == maxAttempts {
			break
		}
		wait := d.opts.Backoff(attempt + 1)
		if retryAfter > wait {
			wait = min(retryAfter, time.Minute)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			res.Error = "gave up: " + ctx.Err().Error()
			return res
		case <-t.C:
		}
	}
	return res
}

func (d *Dispatcher) post(ctx context.Context, hook Webhook, ev Event, body []byte) (int, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader(body))
	if err != nil {
		return 0, 0, fmt.Errorf("build request: %w", err)
	}
	ts := d.opts.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", d.opts.UserAgent)
	req.Header.Set("X-OpenClaw-Event", ev.Type)
	req.Header.Set("X-OpenClaw-Delivery", ev.ID)
	req.Header.Set("X-OpenClaw-Webhook-Id", hook.ID)
	req.Header.Set("X-OpenClaw-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-OpenClaw-Signature", Sign(hook.Secret, ts, body))
	resp, err := d.opts.Client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	var retryAfter time.Duration
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		retryAfter = time.Duration(s) * time.Second
	}
	return resp.StatusCode, retryAfter, nil
}

// Close stops taking events and waits for queued deliveries (with their
// retries) to finish, until ctx ends; then deliveries in flight are
// abandoned.
func (d *Dispatcher) Close(ctx context.Context) error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	d.mu.Unlock()
	close(d.stop)
	done := make(chan struct{})
	go func() { d.wg.Wait(); close(done) }()
	select {
	case <-done:
		d.cancel()
		return nil
	case <-ctx.Done():
		d.cancel()
		<-done
		return fmt.Errorf("close webhook dispatcher: %w", ctx.Err())
	}
}
