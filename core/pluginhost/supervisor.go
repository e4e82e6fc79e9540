package pluginhost

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	hclog "github.com/hashicorp/go-hclog"

	"github.com/openclaw-go/openclaw/core/plugincatalog"
	pluginv1 "github.com/openclaw-go/openclaw/proto/openclaw/plugin/v1"
)

// State is a plugin's lifecycle state.
type State string

// Plugin states shown by `plugins list` and `status`.
const (
	StateStarting   State = "starting"
	StateRunning    State = "running"
	StateRestarting State = "restarting"
	// StateFailed is a parked plugin: it crashed too often, or can never
	// start (integrity or manifest mismatch). It stays down until the
	// config or the install changes.
	StateFailed   State = "failed"
	StateStopped  State = "stopped"
	StateDisabled State = "disabled"
)

// Status is a plugin's state as the host sees it.
type Status struct {
	ID        string
	State     State
	Pid       int
	Restarts  int
	LastError string
	Since     time.Time
	Version   string
	Source    plugincatalog.Source
}

// Policy tunes supervision.
type Policy struct {
	StartTimeout   time.Duration
	StopDeadline   time.Duration
	HealthInterval time.Duration
	// HealthFailures is how many failed health checks in a row count as
	// a crash.
	HealthFailures int
	MinBackoff     time.Duration
	MaxBackoff     time.Duration
	// CrashLoopCount crashes within CrashLoopWindow park the plugin.
	CrashLoopCount  int
	CrashLoopWindow time.Duration
	// ExitPoll is how often the process is checked for an exit.
	ExitPoll time.Duration
}

// DefaultPolicy is the supervision used unless config says otherwise.
func DefaultPolicy() Policy {
	return Policy{
		StartTimeout:    15 * time.Second,
		StopDeadline:    10 * time.Second,
		HealthInterval:  15 * time.Second,
		HealthFailures:  3,
		MinBackoff:      time.Second,
		MaxBackoff:      2 * time.Minute,
		CrashLoopCount:  5,
		CrashLoopWindow: 10 * time.Minute,
		ExitPoll:        100 * time.Millisecond,
	}
}

// supervisor keeps one plugin running.
type supervisor struct {
	spec   launchSpec
	policy Policy
	logger hclog.Logger
	// onReady runs after every successful (re)start, e.g. to start
	// channel accounts. An error counts as a failed start.
	onReady func(ctx context.Context, r *Running) error

	mu      sync.Mutex
	running *Running
	status  Status
	crashes []time.Time
	ready   chan struct{} // closed and replaced on every start

	cancel context.CancelFunc
	done   chan struct{}
	// after, when set, is closed once the supervisor this one replaces
	// has stopped: two processes of one plugin must not run at once.
	after <-chan struct{}
}

func newSupervisor(spec launchSpec, policy Policy, onReady func(context.Context, *Running) error) *supervisor {
	return &supervisor{
		spec: spec, policy: policy, logger: spec.logger, onReady: onReady,
		status: Status{ID: spec.entry.ID, State: StateStarting, Since: time.Now(), Version: spec.entry.Version, Source: spec.entry.Source},
		ready:  make(chan struct{}),
		done:   make(chan struct{}),
	}
}

func (s *supervisor) start(ctx context.Context) {
	ctx, s.cancel = context.WithCancel(ctx)
	go s.loop(ctx)
}

// loop starts the plugin, watches it, and restarts it after a crash with
// exponential backoff and jitter, until the crash-loop limit parks it.
func (s *supervisor) loop(ctx context.Context) {
	defer close(s.done)
	if s.after != nil {
		// Even when stopped meanwhile, this supervisor is done only after
		// the one it replaces: a later replacement waits for both.
		<-s.after
		if ctx.Err() != nil {
			s.setState(StateStopped, "", 0)
			return
		}
	}
	backoff := s.policy.MinBackoff
	for {
		r, err := s.startOnce(ctx)
		if ctx.Err() != nil {
			if r != nil {
				r.stop(s.policy.StopDeadline)
			}
			s.setState(StateStopped, "", 0)
			return
		}
		if err == nil {
			s.logger.Info("plugin running", "pid", r.Pid, "version", r.Metadata.GetVersion())
			up := time.Now()
			err = s.watch(ctx, r)
			if ctx.Err() != nil {
				s.stopRunning(r)
				s.setState(StateStopped, "", 0)
				return
			}
			s.stopRunning(r)
			if time.Since(up) > s.policy.CrashLoopWindow {
				backoff = s.policy.MinBackoff
			}
		}
		if errors.Is(err, ErrIntegrity) || errors.Is(err, errMismatch) {
			s.logger.Error("plugin refused", "error", err)
			s.setState(StateFailed, err.Error(), 0)
			return
		}
		if s.crashLooping() {
			s.logger.Error("plugin keeps crashing; parked until its config or install changes", "error", err, "crashes", len(s.crashes))
			s.setState(StateFailed, "crash loop: "+err.Error(), 0)
			return
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		s.logger.Warn("plugin stopped unexpectedly; restarting", "error", err, "in", wait)
		s.setState(StateRestarting, err.Error(), 0)
		select {
		case <-ctx.Done():
			s.setState(StateStopped, "", 0)
			return
		case <-time.After(wait):
		}
		backoff = min(backoff*2, s.policy.MaxBackoff)
	}
}

// errMismatch marks a plugin whose running self disagrees with its manifest.
var errMismatch = errors.New("does not match its manifest")

func (s *supervisor) startOnce(ctx context.Context) (*Running, error) {
	s.setState(StateStarting, "", 0)
	r, err := launch(ctx, s.spec)
	if err != nil {
		s.recordCrash()
		return nil, err
	}
	if s.onReady != nil {
		if err := s.onReady(ctx, r); err != nil {
			r.stop(s.policy.StopDeadline)
			s.recordCrash()
			return nil, err
		}
	}
	s.mu.Lock()
	s.running = r
	s.status.Pid = r.Pid
	s.status.State = StateRunning
	s.status.Since = time.Now()
	s.status.LastError = ""
	close(s.ready)
	s.mu.Unlock()
	return r, nil
}

// watch returns when the plugin exits or stops answering health checks.
func (s *supervisor) watch(ctx context.Context, r *Running) error {
	exitTick := time.NewTicker(s.policy.ExitPoll)
	defer exitTick.Stop()
	healthTick := time.NewTicker(s.policy.HealthInterval)
	defer healthTick.Stop()
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-exitTick.C:
			if r.exited() {
				s.recordCrash()
				return errors.New("plugin process exited")
			}
		case <-healthTick.C:
			hctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			res, err := r.Plugin.Health(hctx, &pluginv1.HealthRequest{})
			cancel()
			switch {
			case err != nil:
				failures++
			case res.GetStatus() == pluginv1.HealthResponse_STATUS_NOT_SERVING:
				s.logger.Warn("plugin reports it cannot work", "message", res.GetMessage())
				failures = 0
			default:
				failures = 0
			}
			if failures >= s.policy.HealthFailures {
				s.recordCrash()
				return errors.New("plugin stopped answering health checks")
			}
		}
	}
}

func (s *supervisor) stopRunning(r *Running) {
	s.mu.Lock()
	if s.running == r {
		s.running = nil
		s.ready = make(chan struct{})
	}
	s.mu.Unlock()
	r.stop(s.policy.StopDeadline)
}

func (s *supervisor) recordCrash() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	keep := s.crashes[:0]
	for _, t := range s.crashes {
		if now.Sub(t) < s.policy.CrashLoopWindow {
			keep = append(keep, t)
		}
	}
	s.crashes = append(keep, now)
	s.status.Restarts++
}

func (s *supervisor) crashLooping() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.crashes) >= s.policy.CrashLoopCount
}

func (s *supervisor) setState(st State, msg string, pid int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.status.State != st {
		s.status.Since = time.Now()
	}
	s.status.State = st
	s.status.Pid = pid
	if msg != "" {
		s.status.LastError = msg
	}
}

func (s *supervisor) snapshot() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// current returns the running plugin, waiting for a (re)start in progress
// up to ctx's deadline.
func (s *supervisor) current(ctx context.Context) (*Running, error) {
	for {
		s.mu.Lock()
		r, ready, st := s.running, s.ready, s.status
		s.mu.Unlock()
		if r != nil {
			return r, nil
		}
		if st.State == StateFailed || st.State == StateStopped {
			return nil, &UnavailableError{ID: st.ID, State: st.State, Reason: st.LastError}
		}
		select {
		case <-ready:
		case <-s.done:
		case <-ctx.Done():
			return nil, &UnavailableError{ID: st.ID, State: st.State, Reason: st.LastError}
		}
	}
}

func (s *supervisor) stop() {
	s.cancel()
	<-s.done
}

// UnavailableError says a plugin cannot take calls now.
type UnavailableError struct {
	ID     string
	State  State
	Reason string
}

func (e *UnavailableError) Error() string {
	msg := "plugin " + e.ID + " is " + string(e.State)
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}
