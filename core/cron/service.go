package cron

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/hashicorp/go-hclog"

	"github.com/openclaw-go/openclaw/core/cron/clock"
)

// Runner executes a job's payload: for an agentTurn it runs one agent turn
// for the job's agent and session target and returns the final text; for
// a systemEvent it enqueues the text into the agent's main session (and
// wakes the heartbeat when WakeMode is "now"). Delivery of the output is
// the scheduler's business, through Deliverer.
type Runner interface {
	RunJob(ctx context.Context, req RunRequest) (RunResult, error)
}

// RunRequest is one run of a job.
type RunRequest struct {
	Job   Job
	RunID string
	// ScheduledAt is the slot the run fills; zero for a manual run.
	ScheduledAt time.Time
	Manual      bool
}

// RunResult is what a run produced.
type RunResult struct {
	// Output is the final reply text.
	Output     string
	SessionID  string
	SessionKey string
	Model      string
	Provider   string
	Usage      *Usage
	// SentTo lists the targets the agent already messaged itself (message
	// tool); announce delivery skips a target the agent covered.
	SentTo []Target
}

// Deliverer sends a run's output to a chat target. It resolves an empty or
// "last" channel from the job's session (or agent) and returns the target
// it used.
type Deliverer interface {
	Deliver(ctx context.Context, out Outbound) (Target, error)
}

// Outbound is output on its way to a chat.
type Outbound struct {
	JobID      string
	RunID      string
	AgentID    string
	SessionKey string
	Target     Target
	Text       string
	// IdempotencyKey is stable for the run, so a retried send is not
	// delivered twice.
	IdempotencyKey string
}

// Event reports a change for clients watching the scheduler (the
// gateway's "cron" event).
type Event struct {
	JobID string `json:"jobId"`
	// Action is added, updated, removed, started, skipped or finished.
	Action      string `json:"action"`
	RunID       string `json:"runId,omitempty"`
	RunAtMs     int64  `json:"runAtMs,omitempty"`
	DurationMs  int64  `json:"durationMs,omitempty"`
	Status      string `json:"status,omitempty"`
	Error       string `json:"error,omitempty"`
	Summary     string `json:"summary,omitempty"`
	NextRunAtMs int64  `json:"nextRunAtMs,omitempty"`
}

// Options configure a Service.
type Options struct {
	// StateDir holds cron/jobs.json and cron/runs/; Home expands "~" in
	// cron.store.
	StateDir string
	Home     string
	Config   Config
	// Getenv reads OPENCLAW_SKIP_CRON; nil means an empty environment.
	Getenv func(string) string
	// Runner and Deliverer execute jobs; a Service without a Runner can
	// edit the store but not run jobs (the CLI without a gateway).
	Runner    Runner
	Deliverer Deliverer
	// Clock is the time source; the system clock when nil.
	Clock clock.Clock
	// Location is the zone of cron expressions without tz; the host's
	// zone when nil.
	Location *time.Location
	Logger   hclog.Logger
	// HTTPClient posts webhook deliveries; nil builds one that enforces
	// cron.webhookSsrfPolicy.
	HTTPClient *http.Client
	// CatchupDelay is how long after Start jobs missed while the gateway
	// was down run (10s when zero), and CatchupSpacing separates them
	// (2s when zero), so a restart does not start every missed job inside
	// startup.
	CatchupDelay   time.Duration
	CatchupSpacing time.Duration
	// DefaultRunTimeout bounds a run whose payload sets no timeoutSeconds;
	// 60 minutes when zero.
	DefaultRunTimeout time.Duration
	// HistoryMaxAge and HistoryMaxRows bound each job's run history
	// (7 days and 2000 rows when zero).
	HistoryMaxAge  time.Duration
	HistoryMaxRows int
	// PruneSessions, when set, is called hourly with the cut-off of
	// cron.sessionRetention to drop finished isolated run sessions.
	PruneSessions func(ctx context.Context, olderThan time.Time) error
	// OnEvent receives scheduler events; it must not block.
	OnEvent func(Event)
	// Random feeds job and run ids; crypto/rand when nil.
	Random io.Reader
}

// Errors callers can test for.
var (
	ErrNotFound   = errors.New("cron job not found")
	ErrNotRunning = errors.New("the scheduler is not running in this process; use the gateway's cron.run")
	ErrDisabled   = errors.New("cron is disabled (cron.enabled is false or OPENCLAW_SKIP_CRON is set)")
	ErrClosed     = errors.New("the scheduler has stopped")
)

// Run timing policy from OpenClaw's documentation.
var (
	// errorBackoff delays a recurring job after consecutive failures.
	errorBackoff = []time.Duration{30 * time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour}
	// oneShotRetry is how a one-shot retries transient failures.
	oneShotRetry = []time.Duration{30 * time.Second, time.Minute, 5 * time.Minute}
)

const (
	// autoDisableAfter consecutive failures switches a recurring job off.
	autoDisableAfter = 10
	// maxSleep caps the timer so a suspended machine or a changed wall
	// clock is noticed within a minute; one wake a minute is the whole idle
	// cost.
	maxSleep = time.Minute
	// maintenanceEvery is the period of run-history and session pruning.
	maintenanceEvery = time.Hour
	// summaryMax bounds the output kept in run history.
	summaryMax = 2000
)

// Service is the scheduler and its store. Its methods mirror the cron.*
// gateway methods. It is safe for concurrent use.
type Service struct {
	opts   Options
	log    hclog.Logger
	clock  clock.Clock
	parse  *scheduleParser
	store  store
	runs   *runLog
	active bool
	http   *http.Client

	// writeMu serialises this process's store writers before they queue
	// on the file lock.
	writeMu sync.Mutex

	mu      sync.Mutex
	jobs    map[string]*Job
	order   []string
	bad     map[string]error
	sig     fileSig
	loaded  bool
	loadErr error
	queue   *dueQueue
	catchup map[string]time.Time
	flights map[string]*flight
	timer   clock.Timer
	timerAt time.Time
	maint   clock.Timer
	started bool
	closed  bool

	sem     chan struct{}
	wg      sync.WaitGroup
	baseCtx context.Context
	cancel  context.CancelFunc
	watcher *fsnotify.Watcher
	watchWG sync.WaitGroup
}

// flight is a run queued for a slot or running.
type flight struct {
	jobID     string
	runID     string
	manual    bool
	scheduled time.Time
	// catchup marks a run for a slot missed while the gateway was down.
	catchup bool
	// slot is set when the run got its place under maxConcurrentRuns (and
	// its start was recorded) in the same store write that queued it.
	slot bool
	// startedAt is when the run took its slot.
	startedAt time.Time
}

// claimSlotLocked gives a queued run its place under maxConcurrentRuns
// right away when one is free, and records the start in the write that
// queues it, saving a store write per run. s.mu is held.
func (s *Service) claimSlotLocked(f *flight, j *Job, now time.Time) {
	select {
	case s.sem <- struct{}{}:
		f.slot, f.startedAt = true, now
		j.State.RunningAtMs = now.UnixMilli()
	default:
	}
}

// Open loads the store. The returned Service serves list/add/update/
// remove/runs at once; Start begins scheduling.
func Open(opts Options) (*Service, error) {
	if err := opts.Config.Validate(); err != nil {
		return nil, err
	}
	if opts.StateDir == "" {
		return nil, errors.New("cron: no state directory")
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real()
	}
	if opts.Random == nil {
		opts.Random = rand.Reader
	}
	if opts.CatchupDelay <= 0 {
		opts.CatchupDelay = 10 * time.Second
	}
	if opts.CatchupSpacing <= 0 {
		opts.CatchupSpacing = 2 * time.Second
	}
	if opts.DefaultRunTimeout <= 0 {
		opts.DefaultRunTimeout = 60 * time.Minute
	}
	if opts.HistoryMaxAge <= 0 {
		opts.HistoryMaxAge = DefaultHistoryMaxAge
	}
	if opts.HistoryMaxRows <= 0 {
		opts.HistoryMaxRows = DefaultHistoryMaxRows
	}
	path := opts.Config.StorePath(opts.StateDir, opts.Home)
	s := &Service{
		opts:    opts,
		log:     opts.Logger.Named("cron"),
		clock:   opts.Clock,
		parse:   newScheduleParser(opts.Location),
		store:   store{path: path},
		active:  opts.Config.Active(opts.Getenv),
		jobs:    map[string]*Job{},
		bad:     map[string]error{},
		queue:   newDueQueue(),
		catchup: map[string]time.Time{},
		flights: map[string]*flight{},
		sem:     make(chan struct{}, opts.Config.maxConcurrent()),
	}
	s.runs = &runLog{dir: filepath.Join(filepath.Dir(path), "runs"), maxAge: opts.HistoryMaxAge,
		maxRows: opts.HistoryMaxRows, now: s.clock.Now, appends: map[string]int{}}
	s.http = opts.HTTPClient
	if s.http == nil {
		s.http = webhookClient(opts.Config.WebhookSsrfPolicy)
	}
	s.baseCtx, s.cancel = context.WithCancel(context.Background())
	s.mu.Lock()
	err := s.reloadLocked()
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return s, nil
}

// StorePath is the jobs file in use.
func (s *Service) StorePath() string { return s.store.path }

// Start begins scheduling: it records runs interrupted by the last
// shutdown, schedules catch-up runs for slots missed while the gateway was
// down (or skips them with cron.skipMissedJobs), arms the timer and
// watches the store for edits made by the CLI.
func (s *Service) Start(ctx context.Context) error {
	if s.opts.Runner == nil {
		return errors.New("cron: start: no runner")
	}
	s.mu.Lock()
	if s.started || s.closed {
		s.mu.Unlock()
		return errors.New("cron: start: already started or closed")
	}
	s.started = true
	s.mu.Unlock()
	if !s.active {
		s.log.Warn("cron is disabled; stored jobs will not run", "store", s.store.path)
		return nil
	}

	var interrupted []RunEntry
	err := s.update(func() error {
		now := s.clock.Now()
		var missed []*Job
		for _, id := range s.order {
			j := s.jobs[id]
			if j.State.RunningAtMs > 0 {
				interrupted = append(interrupted, RunEntry{
					Ts: now.UnixMilli(), JobID: j.ID, Action: "finished", Status: StatusError,
					CompletionStatus: CompletionFailed, JobName: j.Name, RunAtMs: j.State.RunningAtMs,
					Error: "interrupted: the gateway stopped before the run finished",
				})
				j.State.RunningAtMs = 0
			}
			if !j.Enabled || s.invalid(j) != nil {
				continue
			}
			if j.State.NextRunAtMs == 0 {
				s.planNext(j, now)
				continue
			}
			if j.State.NextRunAtMs > now.UnixMilli() {
				continue
			}
			if s.opts.Config.SkipMissedJobs && !j.oneShot() {
				s.planNext(j, now)
				continue
			}
			missed = append(missed, j)
		}
		sortByNext(missed)
		for i, j := range missed {
			s.catchup[j.ID] = now.Add(s.opts.CatchupDelay + time.Duration(i)*s.opts.CatchupSpacing)
		}
		if len(missed) > 0 {
			s.log.Info("jobs missed while the gateway was down will run once", "count", len(missed), "after", s.opts.CatchupDelay)
		}
		return nil
	})
	for _, e := range interrupted {
		s.record(e)
	}
	if err != nil {
		return fmt.Errorf("cron: start: %w", err)
	}
	if err := s.watch(); err != nil {
		// Without a watcher, CLI edits still land on the next write or
		// restart; scheduling itself is unaffected.
		s.log.Warn("cannot watch the cron store; CLI edits apply at the next scheduler write", "error", err)
	}
	s.mu.Lock()
	s.rebuildQueueLocked()
	s.armLocked()
	s.maint = s.clock.AfterFunc(maintenanceEvery, s.maintain)
	s.mu.Unlock()
	return nil
}

// Close stops scheduling, waits for runs in flight until ctx ends, then
// cancels them and waits for them to record their end.
func (s *Service) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	if s.timer != nil {
		s.timer.Stop()
	}
	if s.maint != nil {
		s.maint.Stop()
	}
	w := s.watcher
	s.mu.Unlock()
	if w != nil {
		w.Close()
		s.watchWG.Wait()
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		s.cancel()
		<-done
	}
	s.cancel()
	return nil
}

// watch reloads the store when another process (the CLI) replaces it.
func (s *Service) watch() error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	dir := filepath.Dir(s.store.path)
	if err := w.Add(dir); err != nil {
		w.Close()
		return err
	}
	s.mu.Lock()
	s.watcher = w
	s.mu.Unlock()
	s.watchWG.Add(1)
	go func() {
		defer s.watchWG.Done()
		for {
			select {
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if filepath.Clean(ev.Name) == s.store.path {
					s.refresh()
				}
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				s.log.Warn("cron store watch error", "error", err)
			}
		}
	}()
	return nil
}

// refresh picks up external edits; it reads the file only when its
// signature changed.
func (s *Service) refresh() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.reloadLocked(); err != nil {
		s.log.Error("cron store is unreadable; keeping the jobs loaded before", "store", s.store.path, "error", err)
	}
}

// reloadLocked reads the store if it changed since this process last saw
// it and reschedules. s.mu is held.
func (s *Service) reloadLocked() error {
	sig, err := s.store.stat()
	if err != nil {
		s.loadErr = err
		return err
	}
	if s.loaded && sig == s.sig {
		return s.loadErr
	}
	f, sig, err := s.store.read()
	if err != nil {
		s.loadErr = err
		return err
	}
	s.loadErr = nil
	s.loaded = true
	s.sig = sig
	old := s.jobs
	s.jobs = make(map[string]*Job, len(f.Jobs))
	s.order = s.order[:0]
	now := s.clock.Now()
	clear(s.bad)
	for _, j := range f.Jobs {
		s.jobs[j.ID] = j
		s.order = append(s.order, j.ID)
		if err := j.validate(s.parse); err != nil {
			s.bad[j.ID] = err
			s.log.Warn("cron job is invalid and will not run", "job", j.ID, "error", err)
			continue
		}
		if j.Enabled && j.State.NextRunAtMs == 0 {
			s.planNext(j, now)
		}
	}
	for id := range s.catchup {
		if nj, ok := s.jobs[id]; !ok || !nj.Enabled || (old[id] != nil && old[id].State.NextRunAtMs != nj.State.NextRunAtMs) {
			delete(s.catchup, id)
		}
	}
	if s.started && !s.closed && s.active {
		s.rebuildQueueLocked()
		s.armLocked()
	}
	return nil
}

// invalid reports why a stored job cannot run (a hand edit gone wrong).
// Jobs are validated when loaded and before every change, so this is a
// lookup.
func (s *Service) invalid(j *Job) error { return s.bad[j.ID] }

// update runs fn on the freshest jobs under the store lock and saves the
// result. fn must validate before it mutates: a returned error leaves the
// store as it was.
func (s *Service) update(fn func() error) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	unlock, err := s.store.lock()
	if err != nil {
		return err
	}
	defer unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.reloadLocked(); err != nil {
		return fmt.Errorf("cron store %s cannot be read, so it is left untouched: %w", s.store.path, err)
	}
	if err := fn(); err != nil {
		return err
	}
	return s.saveLocked()
}

func (s *Service) saveLocked() error {
	f := &jobsFile{Version: storeVersion, Jobs: make([]*Job, 0, len(s.order))}
	for _, id := range s.order {
		f.Jobs = append(f.Jobs, s.jobs[id])
	}
	sig, err := s.store.write(f)
	if err != nil {
		// The file still holds the previous state; make memory match it.
		s.sig = fileSig{}
		s.loaded = false
		if rerr := s.reloadLocked(); rerr != nil {
			s.log.Error("cron store reload after a failed write failed", "error", rerr)
		}
		return err
	}
	s.sig = sig
	if s.started && !s.closed && s.active {
		s.rebuildQueueLocked()
		s.armLocked()
	}
	return nil
}

// planNext sets the job's next run after now. A schedule that cannot
// produce one switches the job off with the reason recorded.
func (s *Service) planNext(j *Job, now time.Time) {
	t, err := s.parse.next(j, now)
	if err != nil {
		j.State.NextRunAtMs = 0
		j.State.LastError = "schedule: " + err.Error()
		j.Enabled = false
		j.State.AutoDisabled = &AutoDisabled{Reason: "schedule-errors", AtMs: now.UnixMilli(), ConsecutiveErrors: 1}
		s.log.Warn("cron job disabled: its schedule has no next run", "job", j.ID, "error", err)
		return
	}
	j.State.NextRunAtMs = t.UnixMilli()
}

// dueAt is when the scheduler should next act on a job.
func (s *Service) dueAt(j *Job) (time.Time, bool) {
	if !j.Enabled || j.State.NextRunAtMs == 0 || s.invalid(j) != nil {
		return time.Time{}, false
	}
	if _, busy := s.flights[j.ID]; busy && j.oneShot() {
		return time.Time{}, false
	}
	t := time.UnixMilli(j.State.NextRunAtMs)
	if c, ok := s.catchup[j.ID]; ok && c.After(t) {
		t = c
	}
	return t, true
}

func (s *Service) rebuildQueueLocked() {
	s.queue.reset()
	for _, id := range s.order {
		if t, ok := s.dueAt(s.jobs[id]); ok {
			s.queue.set(id, t)
		}
	}
}

// armLocked points the one timer at the soonest due job.
func (s *Service) armLocked() {
	head, ok := s.queue.peek()
	if !ok {
		if s.timer != nil {
			s.timer.Stop()
			s.timer = nil
		}
		return
	}
	now := s.clock.Now()
	at := head.at
	if at.Sub(now) > maxSleep {
		at = now.Add(maxSleep)
	}
	if s.timer != nil && s.timerAt.Equal(at) {
		return
	}
	if s.timer != nil {
		s.timer.Stop()
	}
	s.timerAt = at
	s.timer = s.clock.AfterFunc(at.Sub(now), s.fire)
}

// fire dispatches every due job.
func (s *Service) fire() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.timer = nil
	head, ok := s.queue.peek()
	due := ok && !head.at.After(s.clock.Now())
	if !due {
		s.armLocked()
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()

	var skipped []RunEntry
	var start []*flight
	err := s.update(func() error {
		now := s.clock.Now()
		for _, id := range s.queue.popDue(now) {
			j := s.jobs[id]
			if j == nil {
				continue
			}
			f, skip := s.dispatchLocked(j, now)
			if skip != nil {
				skipped = append(skipped, *skip)
			}
			if f != nil {
				start = append(start, f)
			}
		}
		return nil
	})
	if err != nil {
		s.log.Error("cron: cannot record due runs; retrying shortly", "error", err)
		s.drop(start)
		s.mu.Lock()
		if !s.closed && s.timer == nil {
			s.timerAt = s.clock.Now().Add(errorBackoff[0])
			s.timer = s.clock.AfterFunc(errorBackoff[0], s.fire)
		}
		s.mu.Unlock()
		return
	}
	for _, e := range skipped {
		s.record(e)
		s.emit(Event{JobID: e.JobID, Action: "skipped", Status: StatusSkipped, Error: e.Error, NextRunAtMs: e.NextRunAtMs})
	}
	for _, f := range start {
		s.launch(f)
	}
}

// dispatchLocked turns a due slot into a queued run, or into a skipped run
// when the job's previous run is still going, and plans the next slot.
func (s *Service) dispatchLocked(j *Job, now time.Time) (*flight, *RunEntry) {
	slot := time.UnixMilli(j.State.NextRunAtMs)
	_, catchup := s.catchup[j.ID]
	delete(s.catchup, j.ID)
	if !j.oneShot() {
		s.planNext(j, now)
	}
	if _, busy := s.flights[j.ID]; busy {
		j.State.ConsecutiveSkipped++
		return nil, &RunEntry{
			Ts: now.UnixMilli(), JobID: j.ID, Action: "finished", Status: StatusSkipped,
			CompletionStatus: CompletionUnknown, JobName: j.Name, RunAtMs: slot.UnixMilli(),
			Error: "skipped: the previous run is still in progress", NextRunAtMs: j.State.NextRunAtMs,
		}
	}
	f := &flight{jobID: j.ID, runID: s.newID(), scheduled: slot, catchup: catchup}
	s.flights[j.ID] = f
	s.claimSlotLocked(f, j, now)
	return f, nil
}

// launch starts a run's goroutine; it waits for a slot under
// maxConcurrentRuns.
func (s *Service) launch(f *flight) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		// Close is waiting for runs: none may start now. A one-shot keeps
		// its time and catches up at the next start.
		delete(s.flights, f.jobID)
		if f.slot {
			<-s.sem
		}
		return
	}
	s.wg.Add(1)
	go s.execute(f)
}

// drop forgets queued runs whose queueing could not be saved.
func (s *Service) drop(flights []*flight) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range flights {
		if s.flights[f.jobID] == f {
			delete(s.flights, f.jobID)
		}
		if f.slot {
			<-s.sem
		}
	}
}

func (s *Service) emit(e Event) {
	if s.opts.OnEvent != nil {
		s.opts.OnEvent(e)
	}
}

// record appends to run history, logging failures: history is a
// diagnosis aid and must not stop the scheduler.
func (s *Service) record(e RunEntry) {
	if err := s.runs.append(e); err != nil {
		s.log.Error("cannot record cron run", "job", e.JobID, "error", err)
	}
}

// maintain prunes old run history and isolated run sessions.
func (s *Service) maintain() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.maint = s.clock.AfterFunc(maintenanceEvery, s.maintain)
	s.mu.Unlock()
	if err := s.runs.sweep(); err != nil {
		s.log.Warn("cannot prune cron run history", "error", err)
	}
	if s.opts.PruneSessions == nil {
		return
	}
	keep, err := s.opts.Config.Retention()
	if err != nil || keep <= 0 {
		return
	}
	ctx, cancel := context.WithTimeout(s.baseCtx, time.Minute)
	defer cancel()
	if err := s.opts.PruneSessions(ctx, s.clock.Now().Add(-keep)); err != nil {
		s.log.Warn("cannot prune isolated cron sessions", "error", err)
	}
}

// newID returns a random UUID (version 4).
func (s *Service) newID() string {
	var b [16]byte
	if _, err := io.ReadFull(s.opts.Random, b[:]); err != nil {
		// crypto/rand does not fail on supported systems; a broken test
		// reader gets a time-based id rather than a crash.
		t := s.clock.Now().UnixNano()
		for i := range b {
			b[i] = byte(t >> (8 * (i % 8)))
		}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
