package cron

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/core/models"
)

func TestEveryJobRunsEachInterval(t *testing.T) {
	h := newHarness(t, nil)
	h.start()
	j := h.add(every(10*time.Minute, "inbox sweep"))
	if want := t0.Add(10 * time.Minute).UnixMilli(); j.State.NextRunAtMs != want {
		t.Fatalf("next run %d, want %d", j.State.NextRunAtMs, want)
	}
	h.clock.Advance(9 * time.Minute)
	h.settle()
	if n := h.runner.count(); n != 0 {
		t.Fatalf("%d runs before the first slot", n)
	}
	for i := 1; i <= 3; i++ {
		h.clock.Advance(time.Minute)
		h.settle()
		if n := h.runner.count(); n != i {
			t.Fatalf("after slot %d: %d runs", i, n)
		}
		if i < 3 {
			h.clock.Advance(9 * time.Minute)
		}
	}
	runs := h.runs(j.ID)
	if len(runs) != 3 {
		t.Fatalf("%d history entries, want 3", len(runs))
	}
	last := runs[2]
	if last.Status != StatusOK || last.CompletionStatus != CompletionSucceeded || last.DeliveryStatus != DeliveryDelivered {
		t.Fatalf("last run %+v", last)
	}
	if last.Summary != "report for inbox sweep" || last.RunID == "" || last.JobName != "inbox sweep" {
		t.Fatalf("last run %+v", last)
	}
	got := h.get(j.ID)
	if got.State.LastRunStatus != StatusOK || got.Status != "ok" || got.State.NextRunAtMs != t0.Add(40*time.Minute).UnixMilli() {
		t.Fatalf("state after 3 runs: %+v", got.State)
	}
	// Default delivery of an isolated agent turn: announce to the
	// conversation's last route, with an idempotency key per run.
	out := h.deliver.outbox()
	if len(out) != 3 || out[0].Text != "report for inbox sweep" || out[0].IdempotencyKey != "cron:"+runs[0].RunID {
		t.Fatalf("deliveries %+v", out)
	}
}

func TestOneShotRunsOnceThenIsDeleted(t *testing.T) {
	h := newHarness(t, nil)
	h.start()
	j := h.add(at(t0.Add(20*time.Minute), "reminder"))
	if !j.DeleteAfterRun {
		t.Fatalf("one-shots delete after run by default")
	}
	h.clock.Advance(20 * time.Minute)
	h.settle()
	h.clock.Advance(24 * time.Hour)
	h.settle()
	if n := h.runner.count(); n != 1 {
		t.Fatalf("%d runs, want 1", n)
	}
	if _, err := h.svc.Get(context.Background(), j.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("job still exists after a successful one-shot: %v", err)
	}
	if runs := h.runs(j.ID); len(runs) != 1 || runs[0].Status != StatusOK {
		t.Fatalf("history %+v", runs)
	}
}

func TestOneShotKeptAfterRunIsDisabled(t *testing.T) {
	h := newHarness(t, nil)
	h.start()
	in := at(t0.Add(time.Minute), "keep me")
	in.DeleteAfterRun = ptr(false)
	j := h.add(in)
	h.clock.Advance(time.Minute)
	h.settle()
	got := h.get(j.ID)
	if got.Enabled || got.State.NextRunAtMs != 0 || got.State.LastRunStatus != StatusOK {
		t.Fatalf("kept one-shot: enabled=%v state=%+v", got.Enabled, got.State)
	}
}

func TestOneShotFailedDeliveryIsKeptDisabled(t *testing.T) {
	h := newHarness(t, nil)
	h.deliver.err = errors.New("telegram: chat not found")
	h.start()
	j := h.add(at(t0.Add(time.Minute), "reminder"))
	h.clock.Advance(time.Minute)
	h.settle()
	got := h.get(j.ID)
	if got.Enabled || got.State.LastDeliveryStatus != DeliveryNotDelivered || !strings.Contains(got.State.LastDeliveryError, "chat not found") {
		t.Fatalf("one-shot with failed delivery: enabled=%v state=%+v", got.Enabled, got.State)
	}
	runs := h.runs(j.ID)
	if len(runs) != 1 || runs[0].Status != StatusOK || runs[0].CompletionStatus != CompletionFailed {
		t.Fatalf("history %+v", runs)
	}
	// Best effort: the same failure completes the run, so it is deleted.
	in := at(t0.Add(2*time.Minute), "best effort")
	in.Delivery = &Delivery{Mode: DeliverAnnounce, Channel: "telegram", To: "42", BestEffort: true}
	j2 := h.add(in)
	h.clock.Advance(time.Minute)
	h.settle()
	if _, err := h.svc.Get(context.Background(), j2.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("best-effort one-shot was kept: %v", err)
	}
}

func TestRestartKeepsJobsAndCatchesUpOnce(t *testing.T) {
	h := newHarness(t, nil)
	h.start()
	j := h.add(every(time.Hour, "hourly digest"))
	h.svc.Close(context.Background())

	// The gateway is down for three hours and a half: three slots missed.
	h.clock.Advance(3*time.Hour + 30*time.Minute)
	h.svc = h.open(nil)
	got := h.get(j.ID)
	if got.Name != "hourly digest" || got.State.NextRunAtMs != t0.Add(time.Hour).UnixMilli() {
		t.Fatalf("job after restart: %+v", got)
	}
	h.start()
	h.settle()
	if n := h.runner.count(); n != 0 {
		t.Fatalf("%d runs inside startup; missed jobs must wait for the catch-up delay", n)
	}
	h.clock.Advance(10 * time.Second)
	h.settle()
	if n := h.runner.count(); n != 1 {
		t.Fatalf("%d catch-up runs, want exactly 1 for 3 missed slots", n)
	}
	req := h.runner.calls[0]
	if !req.ScheduledAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("catch-up run fills slot %s, want the first missed one", req.ScheduledAt)
	}
	got = h.get(j.ID)
	if want := t0.Add(4 * time.Hour).UnixMilli(); got.State.NextRunAtMs != want {
		t.Fatalf("next run after catch-up %s, want %s", time.UnixMilli(got.State.NextRunAtMs).UTC(), time.UnixMilli(want).UTC())
	}
}

func TestSkipMissedJobs(t *testing.T) {
	h := newHarness(t, nil)
	h.start()
	rec := h.add(every(time.Hour, "hourly"))
	once := h.add(at(t0.Add(time.Hour), "one-shot"))
	h.svc.Close(context.Background())
	h.clock.Advance(3*time.Hour + 30*time.Minute)
	h.svc = h.open(func(o *Options) { o.Config.SkipMissedJobs = true })
	h.start()
	h.clock.Advance(time.Minute)
	h.settle()
	// The recurring job moved on; the one-shot still catches up.
	if n := h.runner.count(); n != 1 || h.runner.calls[0].Job.ID != once.ID {
		t.Fatalf("runs %+v, want only the one-shot", h.runner.calls)
	}
	if got := h.get(rec.ID); got.State.NextRunAtMs != t0.Add(4*time.Hour).UnixMilli() {
		t.Fatalf("skipped job's next run %s", time.UnixMilli(got.State.NextRunAtMs).UTC())
	}
}

func TestInterruptedRunIsRecorded(t *testing.T) {
	h := newHarness(t, nil)
	h.runner.gate = make(chan struct{})
	h.start()
	j := h.add(at(t0.Add(time.Minute), "long job"))
	h.clock.Advance(time.Minute)
	h.runner.waitStarted(t, 1)
	if st := h.get(j.ID); st.State.RunningAtMs == 0 || st.Status != "running" {
		t.Fatalf("running job state %+v", st.State)
	}
	// Simulate a crash: copy the file as it is mid-run, let this instance
	// finish, then put the mid-run file back.
	midRun, err := os.ReadFile(h.svc.StorePath())
	if err != nil {
		t.Fatal(err)
	}
	close(h.runner.gate)
	h.settle()
	h.svc.Close(context.Background())
	if err := os.WriteFile(h.svc.StorePath(), midRun, 0o600); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(h.dir, "cron", "runs", j.ID+".jsonl"))

	h.runner.gate = nil
	h.svc = h.open(nil)
	h.start()
	runs := h.runs(j.ID)
	if len(runs) != 1 || runs[0].Status != StatusError || !strings.Contains(runs[0].Error, "interrupted") {
		t.Fatalf("history after restart %+v", runs)
	}
	// The interrupted one-shot runs again through catch-up.
	h.clock.Advance(10 * time.Second)
	h.settle()
	if n := h.runner.count(); n != 2 {
		t.Fatalf("%d runs, want the interrupted one-shot to run again", n)
	}
}

func TestMaxConcurrentRuns(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.Config.MaxConcurrentRuns = 2 })
	h.runner.gate = make(chan struct{})
	h.start()
	for _, name := range []string{"a", "b", "c"} {
		h.add(every(time.Hour, name))
	}
	h.clock.Advance(time.Hour)
	h.runner.waitStarted(t, 2)
	st, _ := h.svc.Status(context.Background())
	if st.ActiveRuns != 3 {
		t.Fatalf("status counts %d active runs (2 running, 1 waiting), want 3", st.ActiveRuns)
	}
	select {
	case req := <-h.runner.started:
		t.Fatalf("third run %s started past maxConcurrentRuns=2", req.Job.Name)
	default:
	}
	// One finishes, the third starts.
	h.runner.gate <- struct{}{}
	h.runner.waitStarted(t, 1)
	close(h.runner.gate)
	h.settle()
	if h.runner.count() != 3 || h.runner.peak() != 2 {
		t.Fatalf("runs %d, peak concurrency %d; want 3 and 2", h.runner.count(), h.runner.peak())
	}
}

func TestOverlappingRunIsSkipped(t *testing.T) {
	h := newHarness(t, nil)
	h.runner.gate = make(chan struct{})
	h.start()
	j := h.add(every(time.Minute, "slow"))
	h.clock.Advance(time.Minute)
	h.runner.waitStarted(t, 1)
	h.clock.Advance(time.Minute) // due again while the first run is going
	h.clock.Advance(time.Minute)
	close(h.runner.gate)
	h.settle()
	if n := h.runner.count(); n != 1 {
		t.Fatalf("%d runs, want the overlapping slots skipped", n)
	}
	runs := h.runs(j.ID)
	var skipped int
	for _, r := range runs {
		if r.Status == StatusSkipped {
			skipped++
			if !strings.Contains(r.Error, "still in progress") {
				t.Fatalf("skip reason %q", r.Error)
			}
		}
	}
	if skipped != 2 || len(runs) != 3 {
		t.Fatalf("history %+v, want 2 skipped and 1 finished", runs)
	}
	got := h.get(j.ID)
	if got.State.ConsecutiveSkipped != 0 || got.State.LastRunStatus != StatusOK {
		t.Fatalf("state %+v: a success clears the skip streak", got.State)
	}
}

func TestErrorBackoffAndAutoDisable(t *testing.T) {
	h := newHarness(t, nil)
	h.runner.respond = func(RunRequest) (RunResult, error) { return RunResult{}, errBoom }
	h.start()
	j := h.add(every(time.Second, "flaky"))
	h.clock.Advance(time.Second)
	h.settle()
	got := h.get(j.ID)
	if got.State.ConsecutiveErrors != 1 || got.State.LastError != "boom" {
		t.Fatalf("after one failure: %+v", got.State)
	}
	if want := t0.Add(time.Second + 30*time.Second).UnixMilli(); got.State.NextRunAtMs != want {
		t.Fatalf("next run after a failure %s, want 30s backoff", time.UnixMilli(got.State.NextRunAtMs).UTC())
	}
	for i := 0; i < 20 && h.get(j.ID).Enabled; i++ {
		h.clock.Advance(time.Hour)
		h.settle()
	}
	got = h.get(j.ID)
	if got.Enabled || got.State.AutoDisabled == nil || got.State.AutoDisabled.Reason != "consecutive-failures" ||
		got.State.ConsecutiveErrors != autoDisableAfter {
		t.Fatalf("after repeated failures: enabled=%v state=%+v", got.Enabled, got.State)
	}
	// Re-enabling clears the streak.
	v, err := h.svc.Update(context.Background(), j.ID, []byte(`{"enabled":true}`))
	if err != nil {
		t.Fatal(err)
	}
	if v.State.AutoDisabled != nil || v.State.ConsecutiveErrors != 0 || v.State.NextRunAtMs == 0 {
		t.Fatalf("re-enabled state %+v", v.State)
	}
}

func TestOneShotRetriesTransientErrors(t *testing.T) {
	h := newHarness(t, nil)
	fails := 0
	h.runner.respond = func(RunRequest) (RunResult, error) {
		fails++
		if fails <= 2 {
			return RunResult{}, &models.Error{Reason: models.ReasonRateLimit, Err: errors.New("429")}
		}
		return RunResult{Output: "done"}, nil
	}
	h.start()
	j := h.add(at(t0.Add(time.Minute), "retry me"))
	h.clock.Advance(time.Minute)
	h.settle()
	got := h.get(j.ID)
	if !got.Enabled || got.State.LastErrorReason != "rate_limit" || got.State.NextRunAtMs != t0.Add(90*time.Second).UnixMilli() {
		t.Fatalf("after a rate limit: enabled=%v state=%+v", got.Enabled, got.State)
	}
	h.clock.Advance(30 * time.Second)
	h.settle()
	h.clock.Advance(time.Minute)
	h.settle()
	if _, err := h.svc.Get(context.Background(), j.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("one-shot not deleted after succeeding on retry: %v", err)
	}
	// A permanent error switches a one-shot off at once.
	h.runner.respond = func(RunRequest) (RunResult, error) {
		return RunResult{}, &models.Error{Reason: models.ReasonAuth, Err: errors.New("401")}
	}
	j2 := h.add(at(h.clock.Now().Add(time.Minute), "bad key"))
	h.clock.Advance(time.Minute)
	h.settle()
	if got := h.get(j2.ID); got.Enabled || got.State.LastErrorReason != "auth" {
		t.Fatalf("after an auth error: enabled=%v state=%+v", got.Enabled, got.State)
	}
}

func TestManualRun(t *testing.T) {
	h := newHarness(t, nil)
	in := every(time.Hour, "report")
	in.Enabled = ptr(false)
	j := h.add(in)
	if _, err := h.svc.Run(context.Background(), RunParams{JobRef: JobRef{ID: j.ID}}); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Run before Start: %v, want ErrNotRunning", err)
	}
	h.start()
	acc, err := h.svc.Run(context.Background(), RunParams{JobRef: JobRef{JobID: j.ID}, Mode: RunIfEnabled})
	if err != nil || acc.Enqueued || acc.Reason != "disabled" {
		t.Fatalf("if-enabled on a disabled job: %+v %v", acc, err)
	}
	acc, err = h.svc.Run(context.Background(), RunParams{JobRef: JobRef{ID: j.ID}})
	if err != nil || !acc.Enqueued || acc.RunID == "" {
		t.Fatalf("forced run: %+v %v", acc, err)
	}
	h.settle()
	runs := h.runs(j.ID)
	if len(runs) != 1 || runs[0].RunID != acc.RunID || runs[0].Status != StatusOK {
		t.Fatalf("history %+v", runs)
	}
	got := h.get(j.ID)
	if got.Enabled {
		t.Fatal("a forced run enabled the job")
	}
	if _, err := h.svc.Run(context.Background(), RunParams{JobRef: JobRef{ID: "nope"}}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown job: %v", err)
	}
	if _, err := h.svc.Run(context.Background(), RunParams{JobRef: JobRef{ID: j.ID}, Mode: "later"}); err == nil {
		t.Fatal("bad mode accepted")
	}

	// due mode runs only a due job, and then advances its schedule.
	e := h.add(every(time.Hour, "due check"))
	acc, _ = h.svc.Run(context.Background(), RunParams{JobRef: JobRef{ID: e.ID}, Mode: RunDue})
	if acc.Enqueued || acc.Reason != "not-due" {
		t.Fatalf("due mode before the slot: %+v", acc)
	}
	// A forced run leaves the pending slot alone.
	acc, _ = h.svc.Run(context.Background(), RunParams{JobRef: JobRef{ID: e.ID}})
	h.settle()
	if got := h.get(e.ID); got.State.NextRunAtMs != e.State.NextRunAtMs {
		t.Fatalf("forced run moved the schedule from %d to %d", e.State.NextRunAtMs, got.State.NextRunAtMs)
	}
}

func TestDisabledCronDoesNotRun(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.Getenv = func(k string) string { return map[string]string{EnvSkipCron: "1"}[k] } })
	h.start()
	j := h.add(every(time.Minute, "x"))
	h.clock.Advance(time.Hour)
	h.settle()
	if n := h.runner.count(); n != 0 {
		t.Fatalf("%d runs with OPENCLAW_SKIP_CRON=1", n)
	}
	if _, err := h.svc.Run(context.Background(), RunParams{JobRef: JobRef{ID: j.ID}}); !errors.Is(err, ErrDisabled) {
		t.Fatalf("Run: %v, want ErrDisabled", err)
	}
	st, _ := h.svc.Status(context.Background())
	if st.Enabled || st.Running || st.Jobs != 1 {
		t.Fatalf("status %+v", st)
	}
}

func TestExternalEditIsPickedUp(t *testing.T) {
	h := newHarness(t, nil)
	h.start()
	// A second service on the same state directory, as the CLI opens it.
	cli := h.open(func(o *Options) { o.Runner = nil })
	j, err := cli.Add(context.Background(), every(5*time.Minute, "from the cli"))
	if err != nil {
		t.Fatal(err)
	}
	// The watcher reloads the file; wait for it (bounded) rather than
	// sleeping a fixed time.
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, _ := h.svc.Status(context.Background())
		if st.NextWakeAtMs == j.State.NextRunAtMs {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the gateway did not schedule a job added by another process: %+v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.clock.Advance(5 * time.Minute)
	h.settle()
	if n := h.runner.count(); n != 1 {
		t.Fatalf("%d runs of the externally added job", n)
	}
	// Removal through the other process stops it.
	if _, err := cli.Remove(context.Background(), j.ID); err != nil {
		t.Fatal(err)
	}
	h.svc.refresh()
	h.clock.Advance(time.Hour)
	h.settle()
	if n := h.runner.count(); n != 1 {
		t.Fatalf("%d runs after the job was removed elsewhere", n)
	}
}

func TestDeliveryOutcomes(t *testing.T) {
	tests := []struct {
		name           string
		output         string
		sentTo         []Target
		delivery       *Delivery
		deliverErr     error
		wantStatus     string
		wantSuppressed string
		wantCompletion string
		wantSends      int
	}{
		{"announce", "hello", nil, &Delivery{Mode: DeliverAnnounce, Channel: "slack", To: "channel:C1"}, nil,
			DeliveryDelivered, "", CompletionSucceeded, 1},
		{"silent token", "  NO_REPLY ", nil, nil, nil, DeliveryNotDelivered, "silent", CompletionSucceeded, 0},
		{"empty output", "", nil, nil, nil, DeliveryNotDelivered, "empty", CompletionSucceeded, 0},
		{"heartbeat ack", "HEARTBEAT_OK", nil, nil, nil, DeliveryNotDelivered, "heartbeat", CompletionSucceeded, 0},
		{"agent already sent it", "hello", []Target{{Channel: "slack", To: "channel:C1"}},
			&Delivery{Mode: DeliverAnnounce, Channel: "slack", To: "channel:C1"}, nil, DeliveryDelivered, "", CompletionSucceeded, 0},
		{"agent sent elsewhere", "hello", []Target{{Channel: "slack", To: "channel:OTHER"}},
			&Delivery{Mode: DeliverAnnounce, Channel: "slack", To: "channel:C1"}, nil, DeliveryDelivered, "", CompletionSucceeded, 1},
		{"delivery fails", "hello", nil, nil, errors.New("no route"), DeliveryNotDelivered, "", CompletionFailed, 0},
		{"none", "hello", nil, &Delivery{Mode: DeliverNone}, nil, DeliveryNotRequested, "", CompletionSucceeded, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.deliver.err = tc.deliverErr
			h.runner.respond = func(RunRequest) (RunResult, error) {
				return RunResult{Output: tc.output, SentTo: tc.sentTo}, nil
			}
			h.start()
			in := every(time.Minute, "job")
			in.Delivery = tc.delivery
			j := h.add(in)
			h.clock.Advance(time.Minute)
			h.settle()
			runs := h.runs(j.ID)
			if len(runs) != 1 {
				t.Fatalf("history %+v", runs)
			}
			r := runs[0]
			if r.DeliveryStatus != tc.wantStatus || r.DeliverySuppressionReason != tc.wantSuppressed || r.CompletionStatus != tc.wantCompletion {
				t.Fatalf("delivery %q suppression %q completion %q; want %q %q %q",
					r.DeliveryStatus, r.DeliverySuppressionReason, r.CompletionStatus, tc.wantStatus, tc.wantSuppressed, tc.wantCompletion)
			}
			if got := len(h.deliver.outbox()); got != tc.wantSends {
				t.Fatalf("%d sends, want %d", got, tc.wantSends)
			}
			if tc.wantSends == 1 && tc.delivery != nil {
				o := h.deliver.outbox()[0]
				if o.Target.Channel != tc.delivery.Channel || o.Target.To != tc.delivery.To {
					t.Fatalf("sent to %+v", o.Target)
				}
			}
		})
	}
}

func TestSystemEventJobRunsInMainSession(t *testing.T) {
	h := newHarness(t, nil)
	h.runner.respond = func(RunRequest) (RunResult, error) { return RunResult{}, nil }
	h.start()
	j := h.add(AddInput{Name: "check calendar", Schedule: Schedule{Kind: KindCron, Expr: "*/15 * * * *"},
		Payload: Payload{Kind: PayloadSystemEvent, Text: "Check the calendar."}})
	if j.SessionTarget != TargetMain || j.Delivery != nil || j.WakeMode != "now" {
		t.Fatalf("system event defaults: target %q delivery %+v wake %q", j.SessionTarget, j.Delivery, j.WakeMode)
	}
	h.clock.Advance(15 * time.Minute)
	h.settle()
	if n := h.runner.count(); n != 1 || h.runner.calls[0].Job.Payload.Text != "Check the calendar." {
		t.Fatalf("runs %+v", h.runner.calls)
	}
	if r := h.runs(j.ID); len(r) != 1 || r[0].DeliveryStatus != DeliveryNotRequested || len(h.deliver.outbox()) != 0 {
		t.Fatalf("history %+v", r)
	}
}

func TestRunnerPanicIsAnError(t *testing.T) {
	h := newHarness(t, nil)
	h.runner.respond = func(RunRequest) (RunResult, error) { panic("kaboom") }
	h.start()
	j := h.add(every(time.Minute, "x"))
	h.clock.Advance(time.Minute)
	h.settle()
	if r := h.runs(j.ID); len(r) != 1 || r[0].Status != StatusError || !strings.Contains(r[0].Error, "kaboom") {
		t.Fatalf("history %+v", r)
	}
}

func TestRunTimeout(t *testing.T) {
	h := newHarness(t, nil)
	h.runner.gate = make(chan struct{}) // never opened: only the deadline ends the run
	h.start()
	in := every(time.Hour, "stuck")
	in.Payload.TimeoutSeconds = ptr(0.05)
	j := h.add(in)
	h.clock.Advance(time.Hour)
	h.settle()
	r := h.runs(j.ID)
	if len(r) != 1 || r[0].Status != StatusError || r[0].ErrorReason != "timeout" {
		t.Fatalf("history %+v", r)
	}
}

func TestEventsAreEmitted(t *testing.T) {
	h := newHarness(t, nil)
	h.start()
	j := h.add(every(time.Minute, "x"))
	h.clock.Advance(time.Minute)
	h.settle()
	h.svc.Remove(context.Background(), j.ID)
	var actions []string
	for len(h.events) > 0 {
		e := <-h.events
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, ","); got != "added,started,finished,removed" {
		t.Fatalf("events %s", got)
	}
}

func TestSingleTimerForManyJobs(t *testing.T) {
	h := newHarness(t, nil)
	h.start()
	for i := range 50 {
		h.add(every(time.Duration(i+1)*time.Hour, "job"))
	}
	if n := h.clock.Pending(); n != 2 {
		t.Fatalf("%d timers armed for 50 idle jobs, want 2 (scheduler and maintenance)", n)
	}
	next, _ := h.clock.Next()
	if want := t0.Add(time.Minute); !next.Equal(want) {
		// The soonest job is an hour away; the timer is capped at a minute.
		t.Fatalf("timer at %s, want %s", next, want)
	}
}

func TestRealClockRuns(t *testing.T) {
	dir := t.TempDir()
	runner := newFakeRunner()
	s, err := Open(Options{StateDir: dir, Runner: runner, Deliverer: &fakeDeliverer{}, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(context.Background(), every(time.Second, "tick")); err != nil {
		t.Fatal(err)
	}
	runner.waitStarted(t, 2)
}

func TestCloseCancelsRunsInFlight(t *testing.T) {
	h := newHarness(t, nil)
	h.runner.gate = make(chan struct{}) // only cancellation ends the run
	h.start()
	j := h.add(every(time.Minute, "long"))
	h.clock.Advance(time.Minute)
	h.runner.waitStarted(t, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // no grace period
	if err := h.svc.Close(ctx); err != nil {
		t.Fatal(err)
	}
	r := h.runs(j.ID)
	if len(r) != 1 || r[0].Status != StatusError {
		t.Fatalf("history after close %+v", r)
	}
	if got := h.get(j.ID); got.State.RunningAtMs != 0 {
		t.Fatalf("run still marked running after close: %+v", got.State)
	}
	if _, err := h.svc.Run(context.Background(), RunParams{JobRef: JobRef{ID: j.ID}}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Run after Close: %v", err)
	}
}
