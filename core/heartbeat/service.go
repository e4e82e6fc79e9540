package heartbeat

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/openclaw-go/openclaw/core/cron/clock"
)

// Runner runs one heartbeat turn and returns the agent's final reply.
type Runner interface {
	RunHeartbeat(ctx context.Context, turn Turn) (string, error)
}

// Turn is one heartbeat agent turn.
type Turn struct {
	AgentID string
	// SessionKey is heartbeat.session; empty means the agent's main
	// session.
	SessionKey       string
	Prompt           string
	Model            string
	IsolatedSession  bool
	LightContext     bool
	IncludeReasoning bool
	Timeout          time.Duration
	// Reason is "interval" for the cadence, or the reason given to Wake.
	Reason string
}

// Deliverer resolves heartbeat targets and sends alerts.
type Deliverer interface {
	// Resolve turns a target (owner, last or a channel id, with the
	// optional recipient and account) into a concrete route, or returns
	// ErrNoRoute when there is none.
	Resolve(ctx context.Context, agentID string, t Target) (Route, error)
	Deliver(ctx context.Context, agentID string, r Route, text string) error
}

// Target is where heartbeat alerts should go, as configured.
type Target struct {
	Channel   string
	To        string
	AccountID string
}

// Route is a resolved destination.
type Route struct {
	Channel   string
	To        string
	AccountID string
	// Direct marks a direct-message chat (directPolicy: block refuses it).
	Direct bool
}

// Errors the gateway's adapters return.
var (
	// ErrNoRoute: the target resolves to nothing; the heartbeat is skipped
	// before the agent runs.
	ErrNoRoute = errors.New("no delivery route for the heartbeat")
	// ErrBusy: the agent or its session is busy; the heartbeat is skipped
	// and the next tick tries again.
	ErrBusy = errors.New("the agent is busy")
)

// Event statuses.
const (
	StatusSent    = "sent"
	StatusOKEmpty = ReplyEmpty
	StatusOKToken = ReplyAck
	StatusSkipped = "skipped"
	StatusFailed  = "failed"
)

// Event reports one heartbeat.
type Event struct {
	AgentID string `json:"agentId"`
	Ts      int64  `json:"ts"`
	// Status is sent, ok-empty, ok-token, skipped or failed.
	Status     string `json:"status"`
	Reason     string `json:"reason,omitempty"`
	Preview    string `json:"preview,omitempty"`
	Channel    string `json:"channel,omitempty"`
	To         string `json:"to,omitempty"`
	DurationMs int64  `json:"durationMs,omitempty"`
}

// Options configure a Service.
type Options struct {
	Plans     []Plan
	Runner    Runner
	Deliverer Deliverer
	// Clock is the time source; the system clock when nil.
	Clock  clock.Clock
	Logger hclog.Logger
	// OnEvent receives every heartbeat outcome; it must not block.
	OnEvent func(Event)
}

// maxSleep caps the timer so a suspended machine or a changed wall clock
// is noticed within a minute.
const maxSleep = time.Minute

// Service schedules heartbeats.
type Service struct {
	opts  Options
	log   hclog.Logger
	clock clock.Clock

	mu      sync.Mutex
	plans   map[string]Plan
	next    map[string]time.Time
	running map[string]bool
	last    map[string]Event
	timer   clock.Timer
	started bool
	closed  bool
	wg      sync.WaitGroup
	ctx     context.Context
	cancel  context.CancelFunc
}

// New returns a stopped Service.
func New(opts Options) (*Service, error) {
	if opts.Runner == nil {
		return nil, errors.New("heartbeat: no runner")
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real()
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	s := &Service{opts: opts, log: opts.Logger.Named("heartbeat"), clock: opts.Clock,
		plans: map[string]Plan{}, next: map[string]time.Time{}, running: map[string]bool{}, last: map[string]Event{}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.setPlans(opts.Plans)
	return s, nil
}

// Start schedules each agent's first heartbeat one cadence from now.
func (s *Service) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.closed {
		return
	}
	s.started = true
	now := s.clock.Now()
	for id, p := range s.plans {
		if p.Every > 0 {
			s.next[id] = now.Add(p.Every)
		}
	}
	s.armLocked()
}

// Reconfigure applies new plans (after a config reload). An agent whose
// cadence did not change keeps its next tick.
func (s *Service) Reconfigure(plans []Plan) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.plans
	s.setPlans(plans)
	if !s.started || s.closed {
		return
	}
	now := s.clock.Now()
	for id := range s.next {
		if p, ok := s.plans[id]; !ok || p.Every <= 0 {
			delete(s.next, id)
		}
	}
	for id, p := range s.plans {
		if p.Every <= 0 {
			continue
		}
		if o, ok := old[id]; !ok || o.Every != p.Every || s.next[id].IsZero() {
			s.next[id] = now.Add(p.Every)
		}
	}
	s.armLocked()
}

func (s *Service) setPlans(plans []Plan) {
	s.plans = make(map[string]Plan, len(plans))
	for _, p := range plans {
		s.plans[p.AgentID] = p
	}
}

// Wake runs one heartbeat for agentID now, outside its cadence and its
// active hours (an event wants the agent's attention). It returns once the
// run has started.
func (s *Service) Wake(agentID, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.plans[agentID]
	switch {
	case s.closed:
		return errors.New("heartbeat: stopped")
	case !ok:
		return fmt.Errorf("heartbeat: agent %q has no heartbeat", agentID)
	case s.running[agentID]:
		return fmt.Errorf("heartbeat: agent %q is already running one", agentID)
	}
	if reason == "" {
		reason = "wake"
	}
	s.launchLocked(p, reason)
	return nil
}

// Last returns the most recent heartbeat outcome of an agent.
func (s *Service) Last(agentID string) (Event, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.last[agentID]
	return e, ok
}

// NextAt returns when the agent's next scheduled heartbeat is due.
func (s *Service) NextAt(agentID string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.next[agentID]
	return t, ok
}

// Close stops scheduling and cancels heartbeats in flight, waiting for
// them to end or ctx to expire.
func (s *Service) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	if s.timer != nil {
		s.timer.Stop()
	}
	s.mu.Unlock()
	s.cancel()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Service) armLocked() {
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	var soonest time.Time
	for _, t := range s.next {
		if soonest.IsZero() || t.Before(soonest) {
			soonest = t
		}
	}
	if soonest.IsZero() {
		return
	}
	d := soonest.Sub(s.clock.Now())
	d = min(max(d, 0), maxSleep)
	s.timer = s.clock.AfterFunc(d, s.tick)
}

// tick starts every due heartbeat and plans its next one. The cadence is
// anchored: the next tick is one interval after the one due, not after
// the run, unless the gateway fell behind by a whole interval.
func (s *Service) tick() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.timer = nil
	now := s.clock.Now()
	for id, due := range s.next {
		if due.After(now) {
			continue
		}
		p := s.plans[id]
		next := due.Add(p.Every)
		if !next.After(now) {
			next = now.Add(p.Every)
		}
		s.next[id] = next
		switch {
		case !p.Window.Contains(now):
			s.recordLocked(Event{AgentID: id, Ts: now.UnixMilli(), Status: StatusSkipped, Reason: "quiet-hours"})
		case s.running[id]:
			s.recordLocked(Event{AgentID: id, Ts: now.UnixMilli(), Status: StatusSkipped, Reason: "already-running"})
		default:
			s.launchLocked(p, "interval")
		}
	}
	s.armLocked()
}

func (s *Service) launchLocked(p Plan, reason string) {
	s.running[p.AgentID] = true
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		e := s.run(p, reason)
		s.mu.Lock()
		delete(s.running, p.AgentID)
		s.recordLocked(e)
		s.mu.Unlock()
	}()
}

func (s *Service) recordLocked(e Event) {
	s.last[e.AgentID] = e
	if e.Status == StatusFailed {
		s.log.Warn("heartbeat failed", "agent", e.AgentID, "reason", e.Reason)
	} else {
		s.log.Debug("heartbeat", "agent", e.AgentID, "status", e.Status, "reason", e.Reason)
	}
	if s.opts.OnEvent != nil {
		s.opts.OnEvent(e)
	}
}

// run is one heartbeat: resolve the route, run the turn, deliver an alert.
func (s *Service) run(p Plan, reason string) Event {
	start := s.clock.Now()
	ev := Event{AgentID: p.AgentID, Ts: start.UnixMilli()}
	finish := func(status, why string) Event {
		ev.Status, ev.Reason = status, why
		ev.DurationMs = s.clock.Now().Sub(start).Milliseconds()
		return ev
	}
	ctx := s.ctx
	var route *Route
	if p.Target != "none" {
		if s.opts.Deliverer == nil {
			return finish(StatusSkipped, "no-route")
		}
		r, err := s.opts.Deliverer.Resolve(ctx, p.AgentID, Target{Channel: p.Target, To: p.To, AccountID: p.AccountID})
		switch {
		case errors.Is(err, ErrNoRoute):
			return finish(StatusSkipped, "no-route")
		case err != nil:
			return finish(StatusFailed, "resolve target: "+err.Error())
		}
		route = &r
		ev.Channel, ev.To = r.Channel, r.To
	}
	tctx, cancel := context.WithTimeout(ctx, p.Timeout)
	reply, err := s.opts.Runner.RunHeartbeat(tctx, Turn{
		AgentID: p.AgentID, SessionKey: p.Session, Prompt: p.Prompt, Model: p.Model,
		IsolatedSession: p.IsolatedSession, LightContext: p.LightContext, IncludeReasoning: p.IncludeReasoning,
		Timeout: p.Timeout, Reason: reason,
	})
	cancel()
	switch {
	case errors.Is(err, ErrBusy):
		return finish(StatusSkipped, "busy")
	case err != nil:
		return finish(StatusFailed, err.Error())
	}
	kind, text := Classify(reply, p.AckMaxChars)
	if kind != ReplyAlert {
		return finish(kind, "")
	}
	ev.Preview = preview(text)
	switch {
	case route == nil:
		return finish(StatusSkipped, "target-none")
	case route.Direct && p.DirectPolicy == "block":
		return finish(StatusSkipped, "dm-blocked")
	}
	if err := s.opts.Deliverer.Deliver(ctx, p.AgentID, *route, text); err != nil {
		return finish(StatusFailed, "deliver: "+err.Error())
	}
	return finish(StatusSent, "")
}

func preview(s string) string {
	const n = 200
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
