package cron

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// JobRef names a job; the protocol accepts "id" or "jobId".
type JobRef struct {
	ID    string `json:"id,omitempty"`
	JobID string `json:"jobId,omitempty"`
}

// Ref returns the job id given.
func (r JobRef) Ref() (string, error) {
	id := strings.TrimSpace(r.ID)
	if id == "" {
		id = strings.TrimSpace(r.JobID)
	}
	if id == "" {
		return "", errors.New("id: required")
	}
	return id, nil
}

// ListQuery selects jobs (cron.list params).
type ListQuery struct {
	// IncludeDisabled lists disabled jobs too; Enabled ("all", "enabled",
	// "disabled") overrides it when set.
	IncludeDisabled bool   `json:"includeDisabled,omitempty"`
	Enabled         string `json:"enabled,omitempty"`
	// Limit is the page size (all when zero, at most 200 otherwise).
	Limit         int    `json:"limit,omitempty"`
	Offset        int    `json:"offset,omitempty"`
	Query         string `json:"query,omitempty"`
	ScheduleKind  string `json:"scheduleKind,omitempty"`
	LastRunStatus string `json:"lastRunStatus,omitempty"`
	// SortBy is nextRunAtMs (default), updatedAtMs or name; SortDir asc
	// (default) or desc.
	SortBy  string `json:"sortBy,omitempty"`
	SortDir string `json:"sortDir,omitempty"`
	AgentID string `json:"agentId,omitempty"`
	// Compact and IncludeDeliveryPreviews are accepted for protocol
	// compatibility; full jobs are always returned.
	Compact                 bool `json:"compact,omitempty"`
	IncludeDeliveryPreviews bool `json:"includeDeliveryPreviews,omitempty"`
}

// Page is paging metadata.
type Page struct {
	Total      int  `json:"total"`
	Offset     int  `json:"offset"`
	Limit      int  `json:"limit"`
	HasMore    bool `json:"hasMore"`
	NextOffset *int `json:"nextOffset,omitempty"`
}

// ListResult is one page of jobs.
type ListResult struct {
	Jobs []JobView `json:"jobs"`
	Page
}

// StatusResult is the scheduler's state (cron.status).
type StatusResult struct {
	Enabled           bool   `json:"enabled"`
	Running           bool   `json:"running"`
	StorePath         string `json:"storePath"`
	Jobs              int    `json:"jobs"`
	EnabledJobs       int    `json:"enabledJobs"`
	ActiveRuns        int    `json:"activeRuns"`
	MaxConcurrentRuns int    `json:"maxConcurrentRuns"`
	NextWakeAtMs      int64  `json:"nextWakeAtMs,omitempty"`
	StoreError        string `json:"storeError,omitempty"`
}

// AddInput is a new job (cron.add params).
type AddInput struct {
	Name        string `json:"name"`
	DisplayName string `json:"displayName,omitempty"`
	Description string `json:"description,omitempty"`
	AgentID     string `json:"agentId,omitempty"`
	SessionKey  string `json:"sessionKey,omitempty"`
	// Enabled defaults to true; DeleteAfterRun defaults to true for
	// one-shot (at) jobs.
	Enabled        *bool     `json:"enabled,omitempty"`
	DeleteAfterRun *bool     `json:"deleteAfterRun,omitempty"`
	Schedule       Schedule  `json:"schedule"`
	SessionTarget  string    `json:"sessionTarget,omitempty"`
	WakeMode       string    `json:"wakeMode,omitempty"`
	Payload        Payload   `json:"payload"`
	Delivery       *Delivery `json:"delivery,omitempty"`
}

// RemoveResult is the answer to cron.remove.
type RemoveResult struct {
	OK      bool `json:"ok"`
	Removed bool `json:"removed"`
}

// Run modes of cron.run.
const (
	RunForce     = "force"
	RunDue       = "due"
	RunIfEnabled = "if-enabled"
)

// RunParams are cron.run params.
type RunParams struct {
	JobRef
	// Mode is force (default: run now even if disabled), due (run only if
	// the job is due now) or if-enabled.
	Mode string `json:"mode,omitempty"`
}

// RunAccepted is the answer to cron.run: the run was queued (Enqueued,
// with its RunID) or not (Reason: not-due, disabled, already-running).
type RunAccepted struct {
	OK       bool   `json:"ok"`
	Enqueued bool   `json:"enqueued"`
	RunID    string `json:"runId,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// RunsQuery selects run history (cron.runs params).
type RunsQuery struct {
	JobRef
	// Scope is job (default) or all.
	Scope            string   `json:"scope,omitempty"`
	AgentID          string   `json:"agentId,omitempty"`
	RunID            string   `json:"runId,omitempty"`
	Limit            int      `json:"limit,omitempty"`
	Offset           int      `json:"offset,omitempty"`
	Status           string   `json:"status,omitempty"`
	Statuses         []string `json:"statuses,omitempty"`
	DeliveryStatus   string   `json:"deliveryStatus,omitempty"`
	DeliveryStatuses []string `json:"deliveryStatuses,omitempty"`
	Query            string   `json:"query,omitempty"`
	// SortDir is desc (default, newest first) or asc.
	SortDir string `json:"sortDir,omitempty"`
}

// RunsResult is one page of run history.
type RunsResult struct {
	Entries []RunEntry `json:"entries"`
	Page
}

// Decode reads protocol params strictly: unknown fields are errors that
// name the field.
func Decode(raw json.RawMessage, v any) error {
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		raw = json.RawMessage("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid params: %w", err)
	}
	if dec.More() {
		return errors.New("invalid params: trailing data")
	}
	return nil
}

// List returns jobs matching q.
func (s *Service) List(_ context.Context, q ListQuery) (ListResult, error) {
	if q.Limit < 0 || q.Limit > 200 {
		return ListResult{}, fmt.Errorf("limit: %d is outside 1-200", q.Limit)
	}
	if q.Offset < 0 {
		return ListResult{}, fmt.Errorf("offset: %d is negative", q.Offset)
	}
	views, err := s.snapshot()
	if err != nil && len(views) == 0 {
		return ListResult{}, err
	}
	enabled := q.Enabled
	if enabled == "" {
		enabled = "enabled"
		if q.IncludeDisabled {
			enabled = "all"
		}
	}
	needle := strings.ToLower(strings.TrimSpace(q.Query))
	var out []JobView
	for _, v := range views {
		switch {
		case enabled == "enabled" && !v.Enabled, enabled == "disabled" && v.Enabled:
			continue
		case q.ScheduleKind != "" && q.ScheduleKind != "all" && v.Schedule.Kind != q.ScheduleKind:
			continue
		case q.LastRunStatus != "" && q.LastRunStatus != "all" && lastStatus(v) != q.LastRunStatus:
			continue
		case q.AgentID != "" && !strings.EqualFold(v.AgentID, q.AgentID):
			continue
		case needle != "" && !matches(needle, v.ID, v.Name, v.DisplayName, v.Description, v.Payload.Message, v.Payload.Text):
			continue
		}
		out = append(out, v)
	}
	sortJobs(out, q.SortBy, q.SortDir == "desc")
	page, lo, hi := paginate(len(out), q.Offset, q.Limit)
	return ListResult{Jobs: append([]JobView{}, out[lo:hi]...), Page: page}, nil
}

func lastStatus(v JobView) string {
	if v.State.LastRunStatus == "" {
		return "unknown"
	}
	return v.State.LastRunStatus
}

func matches(needle string, fields ...string) bool {
	for _, f := range fields {
		if strings.Contains(strings.ToLower(f), needle) {
			return true
		}
	}
	return false
}

func sortJobs(v []JobView, by string, desc bool) {
	less := func(a, b JobView) bool {
		switch by {
		case "name":
			return strings.ToLower(a.Name) < strings.ToLower(b.Name)
		case "updatedAtMs":
			return a.UpdatedAtMs < b.UpdatedAtMs
		default:
			// Jobs with no next run go last.
			an, bn := a.State.NextRunAtMs, b.State.NextRunAtMs
			if an == 0 || bn == 0 {
				return an != 0 && bn == 0
			}
			return an < bn
		}
	}
	sort.SliceStable(v, func(i, j int) bool {
		if desc {
			return less(v[j], v[i])
		}
		return less(v[i], v[j])
	})
}

func sortByNext(jobs []*Job) {
	sort.SliceStable(jobs, func(i, j int) bool { return jobs[i].State.NextRunAtMs < jobs[j].State.NextRunAtMs })
}

func paginate(total, offset, limit int) (Page, int, int) {
	lo := min(offset, total)
	hi := total
	if limit > 0 && lo+limit < total {
		hi = lo + limit
	}
	p := Page{Total: total, Offset: lo, Limit: limit, HasMore: hi < total}
	if p.HasMore {
		next := hi
		p.NextOffset = &next
	}
	return p, lo, hi
}

// snapshot returns every job as the API shows it, in store order, after
// picking up external edits.
func (s *Service) snapshot() ([]JobView, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.reloadLocked()
	out := make([]JobView, 0, len(s.order))
	for _, id := range s.order {
		j := s.jobs[id]
		_, running := s.flights[id]
		out = append(out, viewOf(clone(j), running))
	}
	return out, err
}

// Get returns one job.
func (s *Service) Get(_ context.Context, id string) (JobView, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.reloadLocked()
	j, ok := s.jobs[id]
	if !ok {
		if err != nil {
			return JobView{}, err
		}
		return JobView{}, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	_, running := s.flights[id]
	return viewOf(clone(j), running), nil
}

// Status reports the scheduler's state.
func (s *Service) Status(context.Context) (StatusResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.reloadLocked()
	st := StatusResult{
		Enabled: s.active, Running: s.started && !s.closed && s.active, StorePath: s.store.path,
		Jobs: len(s.jobs), ActiveRuns: len(s.flights), MaxConcurrentRuns: cap(s.sem),
	}
	for _, j := range s.jobs {
		if j.Enabled {
			st.EnabledJobs++
		}
	}
	if head, ok := s.queue.peek(); ok && st.Running {
		st.NextWakeAtMs = head.at.UnixMilli()
	}
	if err != nil {
		st.StoreError = err.Error()
	}
	return st, nil
}

// Add creates a job.
func (s *Service) Add(_ context.Context, in AddInput) (JobView, error) {
	now := s.clock.Now()
	j, err := s.newJob(in, now)
	if err != nil {
		return JobView{}, err
	}
	var view JobView
	err = s.update(func() error {
		if _, dup := s.jobs[j.ID]; dup {
			return fmt.Errorf("id %q already exists", j.ID)
		}
		if j.Enabled {
			s.planNext(j, now)
		}
		s.jobs[j.ID] = j
		s.order = append(s.order, j.ID)
		// The scheduler owns j from here on; the caller gets a copy.
		view = viewOf(clone(j), false)
		return nil
	})
	if err != nil {
		return JobView{}, fmt.Errorf("add cron job: %w", err)
	}
	s.emit(Event{JobID: view.ID, Action: "added", NextRunAtMs: view.State.NextRunAtMs})
	return view, nil
}

// newJob turns input into a validated job with defaults filled in.
func (s *Service) newJob(in AddInput, now time.Time) (*Job, error) {
	j := &Job{
		ID: s.newID(), Name: strings.TrimSpace(in.Name), DisplayName: strings.TrimSpace(in.DisplayName),
		Description: in.Description, AgentID: strings.TrimSpace(in.AgentID), SessionKey: strings.TrimSpace(in.SessionKey),
		Enabled: true, CreatedAtMs: now.UnixMilli(), UpdatedAtMs: now.UnixMilli(),
		Schedule: in.Schedule, SessionTarget: strings.TrimSpace(in.SessionTarget), WakeMode: strings.TrimSpace(in.WakeMode),
		Payload: in.Payload, Delivery: in.Delivery,
	}
	if in.Enabled != nil {
		j.Enabled = *in.Enabled
	}
	if err := normalize(j, now); err != nil {
		return nil, err
	}
	if in.DeleteAfterRun != nil {
		j.DeleteAfterRun = *in.DeleteAfterRun
	} else {
		j.DeleteAfterRun = j.oneShot()
	}
	if err := j.validate(s.parse); err != nil {
		return nil, err
	}
	return j, nil
}

// normalize fills defaults the protocol leaves optional and rewrites
// one-shot times to UTC.
func normalize(j *Job, now time.Time) error {
	if j.SessionTarget == "" {
		if j.Payload.Kind == PayloadSystemEvent {
			j.SessionTarget = TargetMain
		} else {
			j.SessionTarget = TargetIsolated
		}
	}
	if j.WakeMode == "" {
		j.WakeMode = "now"
	}
	if j.Delivery == nil && j.Payload.Kind == PayloadAgentTurn && j.SessionTarget != TargetMain {
		// Isolated agent turns announce their result unless told not to.
		j.Delivery = &Delivery{Mode: DeliverAnnounce}
	}
	if j.Delivery != nil {
		j.Delivery.Mode = strings.TrimSpace(j.Delivery.Mode)
		j.Delivery.Channel = strings.TrimSpace(j.Delivery.Channel)
		j.Delivery.To = strings.TrimSpace(j.Delivery.To)
	}
	j.Schedule.Expr = strings.TrimSpace(j.Schedule.Expr)
	j.Schedule.Tz = strings.TrimSpace(j.Schedule.Tz)
	return normalizeAt(j, now)
}

// Update applies a cron.update patch: scalar fields are replaced, null
// clears an optional field, payload and delivery objects are merged field
// by field (a payload of another kind replaces the old one), a schedule is
// replaced whole.
func (s *Service) Update(_ context.Context, id string, patch json.RawMessage) (JobView, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(patch, &fields); err != nil || fields == nil {
		return JobView{}, errors.New("patch: want a JSON object")
	}
	var view JobView
	err := s.update(func() error {
		cur, ok := s.jobs[id]
		if !ok {
			return fmt.Errorf("%w: %q", ErrNotFound, id)
		}
		now := s.clock.Now()
		next, err := applyPatch(cur, fields)
		if err != nil {
			return err
		}
		if _, ok := fields["schedule"]; ok {
			if err := normalizeAt(next, now); err != nil {
				return err
			}
		}
		if err := next.validate(s.parse); err != nil {
			return err
		}
		next.UpdatedAtMs = now.UnixMilli()
		reschedule := next.Enabled && (!cur.Enabled || next.State.NextRunAtMs == 0 ||
			scheduleChanged(cur.Schedule, next.Schedule))
		if next.Enabled && !cur.Enabled {
			// Re-enabling clears the failure streak and the reason the
			// scheduler switched the job off.
			next.State.AutoDisabled = nil
			next.State.ConsecutiveErrors = 0
			next.State.ConsecutiveSkipped = 0
		}
		if reschedule {
			delete(s.catchup, id)
			s.planNext(next, now)
		}
		s.jobs[id] = next
		delete(s.bad, id)
		_, running := s.flights[id]
		view = viewOf(clone(next), running)
		return nil
	})
	if err != nil {
		return JobView{}, fmt.Errorf("update cron job %s: %w", id, err)
	}
	s.emit(Event{JobID: id, Action: "updated", NextRunAtMs: view.State.NextRunAtMs})
	return view, nil
}

// normalizeAt stores a one-shot time in UTC, resolving a relative one
// ("20m"); a time already past is refused, since it would run at once.
func normalizeAt(j *Job, now time.Time) error {
	if j.Schedule.Kind != KindAt || j.Schedule.At == "" {
		return nil
	}
	t, err := ParseAt(j.Schedule.At, now, time.UTC)
	if err != nil {
		return fmt.Errorf("schedule.at: %w", err)
	}
	if t.Before(now.Add(-time.Minute)) {
		return fmt.Errorf("schedule.at: %s is in the past", formatAt(t))
	}
	j.Schedule.At = formatAt(t)
	return nil
}

func scheduleChanged(a, b Schedule) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return !bytes.Equal(ja, jb)
}

// Remove deletes a job. Its run history stays until it expires.
func (s *Service) Remove(_ context.Context, id string) (RemoveResult, error) {
	removed := false
	err := s.update(func() error {
		if _, ok := s.jobs[id]; !ok {
			return nil
		}
		s.deleteLocked(id)
		removed = true
		return nil
	})
	if err != nil {
		return RemoveResult{}, fmt.Errorf("remove cron job %s: %w", id, err)
	}
	if !removed {
		return RemoveResult{OK: true}, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	s.emit(Event{JobID: id, Action: "removed"})
	return RemoveResult{OK: true, Removed: true}, nil
}

// Run queues a run now. It returns once the run is queued; follow it with
// Runs and the returned run id.
func (s *Service) Run(_ context.Context, p RunParams) (RunAccepted, error) {
	id, err := p.Ref()
	if err != nil {
		return RunAccepted{}, err
	}
	mode := p.Mode
	if mode == "" {
		mode = RunForce
	}
	if mode != RunForce && mode != RunDue && mode != RunIfEnabled {
		return RunAccepted{}, fmt.Errorf("mode: %q is not force, due or if-enabled", mode)
	}
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		return RunAccepted{}, ErrClosed
	case !s.active:
		s.mu.Unlock()
		return RunAccepted{}, ErrDisabled
	case !s.started:
		s.mu.Unlock()
		return RunAccepted{}, ErrNotRunning
	}
	s.mu.Unlock()

	var acc RunAccepted
	var f *flight
	err = s.update(func() error {
		j, ok := s.jobs[id]
		if !ok {
			return fmt.Errorf("%w: %q", ErrNotFound, id)
		}
		if bad := s.invalid(j); bad != nil {
			return fmt.Errorf("job %s is invalid: %w", id, bad)
		}
		acc.OK = true
		if _, busy := s.flights[id]; busy {
			acc.Reason = "already-running"
			return nil
		}
		now := s.clock.Now()
		switch mode {
		case RunIfEnabled:
			if !j.Enabled {
				acc.Reason = "disabled"
				return nil
			}
		case RunDue:
			if !j.Enabled || j.State.NextRunAtMs == 0 || j.State.NextRunAtMs > now.UnixMilli() {
				acc.Reason = "not-due"
				return nil
			}
			// A due run fills the pending slot, as the timer would.
			s.queue.remove(id)
			f, _ = s.dispatchLocked(j, now)
			acc.Enqueued, acc.RunID = true, f.runID
			return nil
		}
		f = &flight{jobID: id, runID: s.newID(), manual: true}
		s.flights[id] = f
		s.claimSlotLocked(f, j, now)
		acc.Enqueued, acc.RunID = true, f.runID
		return nil
	})
	if err != nil {
		if f != nil {
			s.drop([]*flight{f})
		}
		return RunAccepted{}, fmt.Errorf("run cron job %s: %w", id, err)
	}
	if f != nil {
		s.launch(f)
	}
	return acc, nil
}

// Runs returns run history, newest first unless SortDir is asc.
func (s *Service) Runs(_ context.Context, q RunsQuery) (RunsResult, error) {
	if q.Limit < 0 || q.Limit > 200 {
		return RunsResult{}, fmt.Errorf("limit: %d is outside 1-200", q.Limit)
	}
	if q.Offset < 0 {
		return RunsResult{}, fmt.Errorf("offset: %d is negative", q.Offset)
	}
	limit := q.Limit
	if limit == 0 {
		limit = 50
	}
	var entries []RunEntry
	var err error
	if q.Scope == "all" {
		entries, err = s.runs.readAll()
	} else {
		id, rerr := q.Ref()
		if rerr != nil {
			return RunsResult{}, fmt.Errorf("%w (or scope: all)", rerr)
		}
		if !validID.MatchString(id) {
			return RunsResult{}, fmt.Errorf("id: %q is not a job id", id)
		}
		entries, err = s.runs.read(id)
	}
	if err != nil {
		return RunsResult{}, err
	}
	statuses := setOf(q.Statuses, q.Status)
	deliveries := setOf(q.DeliveryStatuses, q.DeliveryStatus)
	var agentJobs map[string]bool
	if q.AgentID != "" {
		agentJobs = map[string]bool{}
		views, _ := s.snapshot()
		for _, v := range views {
			if strings.EqualFold(v.AgentID, q.AgentID) {
				agentJobs[v.ID] = true
			}
		}
	}
	needle := strings.ToLower(strings.TrimSpace(q.Query))
	var out []RunEntry
	for _, e := range entries {
		switch {
		case q.RunID != "" && e.RunID != q.RunID:
			continue
		case statuses != nil && !statuses[e.Status]:
			continue
		case deliveries != nil && !deliveries[e.DeliveryStatus]:
			continue
		case agentJobs != nil && !agentJobs[e.JobID]:
			continue
		case needle != "" && !matches(needle, e.Summary, e.Error, e.DeliveryError):
			continue
		}
		out = append(out, e)
	}
	if q.SortDir != "asc" {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	page, lo, hi := paginate(len(out), q.Offset, limit)
	return RunsResult{Entries: append([]RunEntry{}, out[lo:hi]...), Page: page}, nil
}

func setOf(list []string, one string) map[string]bool {
	if one == "all" {
		one = ""
	}
	if len(list) == 0 && one == "" {
		return nil
	}
	m := map[string]bool{}
	for _, v := range list {
		m[v] = true
	}
	if one != "" {
		m[one] = true
	}
	return m
}
