package cron

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/core/models"
)

// execute waits for a run slot, runs the job, delivers its output and
// records the outcome.
func (s *Service) execute(f *flight) {
	defer s.wg.Done()
	if !f.slot {
		select {
		case s.sem <- struct{}{}:
		case <-s.baseCtx.Done():
			s.abandon(f)
			return
		}
		f.startedAt = s.clock.Now()
	}
	defer func() { <-s.sem }()

	var job Job
	var missing bool
	startedAt := f.startedAt
	snapshot := func() error {
		j := s.jobs[f.jobID]
		if j == nil {
			missing = true
			return nil
		}
		if !f.slot {
			j.State.RunningAtMs = startedAt.UnixMilli()
		}
		job = *clone(j)
		return nil
	}
	if f.slot {
		// The start was recorded when the run was queued.
		s.mu.Lock()
		snapshot()
		s.mu.Unlock()
	} else if err := s.update(snapshot); err != nil {
		s.log.Error("cron: cannot record run start; running anyway", "job", f.jobID, "error", err)
		s.mu.Lock()
		missing = false
		if j := s.jobs[f.jobID]; j != nil {
			job = *clone(j)
		} else {
			missing = true
		}
		s.mu.Unlock()
	}
	if missing {
		// Removed while it waited for a slot.
		s.mu.Lock()
		delete(s.flights, f.jobID)
		s.mu.Unlock()
		return
	}
	s.emit(Event{JobID: job.ID, Action: "started", RunID: f.runID, RunAtMs: startedAt.UnixMilli()})

	ctx := s.baseCtx
	var cancel context.CancelFunc
	switch t := job.Payload.TimeoutSeconds; {
	case t == nil:
		ctx, cancel = context.WithTimeout(ctx, s.opts.DefaultRunTimeout)
	case *t > 0:
		ctx, cancel = context.WithTimeout(ctx, time.Duration(*t*float64(time.Second)))
	default:
		ctx, cancel = context.WithCancel(ctx)
	}
	defer cancel()

	req := RunRequest{Job: job, RunID: f.runID, Manual: f.manual}
	if !f.manual {
		req.ScheduledAt = f.scheduled
	}
	res, runErr := s.runSafely(ctx, req)
	entry := RunEntry{
		JobID: job.ID, Action: "finished", RunID: f.runID, JobName: job.Name,
		RunAtMs: startedAt.UnixMilli(), SessionID: res.SessionID, SessionKey: res.SessionKey,
		Model: res.Model, Provider: res.Provider, Usage: res.Usage, Summary: truncate(res.Output, summaryMax),
	}
	transient := false
	if runErr != nil {
		entry.Status, entry.CompletionStatus = StatusError, CompletionFailed
		entry.Error = runErr.Error()
		entry.ErrorReason, transient = classify(ctx, runErr)
	} else {
		entry.Status = StatusOK
	}
	s.deliver(ctx, &job, f.runID, res, runErr, &entry)
	end := s.clock.Now()
	entry.Ts = end.UnixMilli()
	entry.DurationMs = end.Sub(startedAt).Milliseconds()

	removed := false
	err := s.update(func() error {
		delete(s.flights, f.jobID)
		j := s.jobs[f.jobID]
		if j == nil {
			return nil
		}
		removed = s.settleLocked(j, f, &entry, transient, end)
		return nil
	})
	if err != nil {
		s.log.Error("cron: cannot record run end", "job", job.ID, "error", err)
		s.mu.Lock()
		delete(s.flights, f.jobID)
		s.mu.Unlock()
	}
	s.record(entry)
	ev := Event{JobID: job.ID, Action: "finished", RunID: f.runID, RunAtMs: entry.RunAtMs, DurationMs: entry.DurationMs,
		Status: entry.Status, Error: entry.Error, Summary: entry.Summary, NextRunAtMs: entry.NextRunAtMs}
	s.emit(ev)
	if removed {
		s.emit(Event{JobID: job.ID, Action: "removed"})
	}
	s.log.Debug("cron run finished", "job", job.ID, "run", f.runID, "status", entry.Status,
		"completion", entry.CompletionStatus, "duration_ms", entry.DurationMs)
}

// runSafely keeps a panicking runner from taking the gateway down.
func (s *Service) runSafely(ctx context.Context, req RunRequest) (res RunResult, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("run panicked: %v", p)
		}
	}()
	return s.opts.Runner.RunJob(ctx, req)
}

// abandon forgets a run that never got a slot before shutdown; a one-shot
// keeps its time and catches up at the next start.
func (s *Service) abandon(f *flight) {
	s.mu.Lock()
	delete(s.flights, f.jobID)
	s.mu.Unlock()
}

// settleLocked applies a finished run to the job: counters, retry backoff,
// auto-disable, and the end of a one-shot. It reports whether the job was
// deleted. s.mu is held.
func (s *Service) settleLocked(j *Job, f *flight, e *RunEntry, transient bool, end time.Time) (removed bool) {
	st := &j.State
	st.RunningAtMs = 0
	st.LastRunAtMs = e.RunAtMs
	st.LastRunStatus = e.Status
	st.LastError = e.Error
	st.LastErrorReason = e.ErrorReason
	st.LastDurationMs = e.DurationMs
	st.LastDelivered = e.Delivered
	st.LastDeliveryStatus = e.DeliveryStatus
	st.LastDeliveryError = e.DeliveryError
	st.DeliverySuppressionReason = e.DeliverySuppressionReason
	defer func() { e.NextRunAtMs = st.NextRunAtMs }()
	if f.manual {
		// A forced run is out of band: the schedule, the counters and a
		// pending one-shot stay as they were.
		return false
	}
	if e.Status == StatusError {
		st.ConsecutiveErrors++
	} else {
		st.ConsecutiveErrors = 0
		st.ConsecutiveSkipped = 0
	}
	now := end
	if j.oneShot() {
		n := st.ConsecutiveErrors
		if e.Status == StatusError && transient && n <= len(oneShotRetry) {
			st.NextRunAtMs = now.Add(oneShotRetry[n-1]).UnixMilli()
			return false
		}
		if e.Status == StatusOK && e.CompletionStatus == CompletionSucceeded && j.DeleteAfterRun {
			s.deleteLocked(j.ID)
			st.NextRunAtMs = 0
			return true
		}
		// Spent, failed or not confirmed as delivered: keep it, switched
		// off, for inspection; a restart must not replay it.
		j.Enabled = false
		st.NextRunAtMs = 0
		return false
	}
	if e.Status != StatusError {
		return false
	}
	n := st.ConsecutiveErrors
	if n >= autoDisableAfter {
		j.Enabled = false
		st.AutoDisabled = &AutoDisabled{Reason: "consecutive-failures", AtMs: now.UnixMilli(), ConsecutiveErrors: n}
		s.log.Warn("cron job disabled after consecutive failures", "job", j.ID, "failures", n)
		return false
	}
	backoff := errorBackoff[min(n, len(errorBackoff))-1]
	if retry := now.Add(backoff).UnixMilli(); retry > st.NextRunAtMs {
		st.NextRunAtMs = retry
	}
	return false
}

func (s *Service) deleteLocked(id string) {
	delete(s.jobs, id)
	delete(s.bad, id)
	delete(s.catchup, id)
	for i, o := range s.order {
		if o == id {
			s.order = append(s.order[:i], s.order[i+1:]...)
			break
		}
	}
}

// classify names a failure the way run history does and reports whether
// a retry may succeed.
func classify(ctx context.Context, err error) (reason string, transient bool) {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "timeout", true
	}
	switch r := models.ReasonOf(err); r {
	case models.ReasonRateLimit, models.ReasonOverloaded, models.ReasonTimeout, models.ReasonServerError:
		return string(r), true
	case models.ReasonAuth, models.ReasonBilling, models.ReasonModelNotFound, models.ReasonContextOverflow, models.ReasonFormat:
		return string(r), false
	case models.ReasonUnknown:
		return "unknown", false
	default:
		return "unclassified", false
	}
}

func truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
