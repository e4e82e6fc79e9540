package main

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	hclog "github.com/hashicorp/go-hclog"

	"github.com/openclaw-go/openclaw/plugins/exec/internal/proc"
)

// maxFinished bounds the finished sessions kept for poll and log.
const maxFinished = 50

// Job states, as process list and poll report them.
const (
	statusRunning   = "running"
	statusCompleted = "completed"
	statusFailed    = "failed"
	statusKilled    = "killed"
	statusTimeout   = "timeout"
)

// job is one command started by exec.
type job struct {
	id      string
	agent   string
	command string
	cwd     string
	proc    *proc.Proc
	timeout time.Duration
	ttl     time.Duration
	// notify and notifyEmpty are tools.exec.notifyOnExit and
	// notifyOnExitEmptySuccess as they were when the job started.
	notify      bool
	notifyEmpty bool

	mu           sync.Mutex
	backgrounded bool
	killed       bool
	timedOut     bool
	timer        *time.Timer
}

func (j *job) setBackgrounded() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.backgrounded = true
}

func (j *job) isBackgrounded() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.backgrounded
}

// kill ends the job at the caller's request.
func (j *job) kill(grace time.Duration) {
	j.mu.Lock()
	j.killed = true
	j.mu.Unlock()
	j.proc.Terminate(grace)
}

// status says how the job stands.
func (j *job) status() string {
	e, done := j.proc.Exit()
	if !done {
		return statusRunning
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	switch {
	case j.timedOut:
		return statusTimeout
	case j.killed:
		return statusKilled
	case e.Code == 0 && e.Err == nil:
		return statusCompleted
	}
	return statusFailed
}

// outcome describes how a finished job ended, in a sentence.
func (j *job) outcome() string {
	e, done := j.proc.Exit()
	if !done {
		return ""
	}
	switch j.status() {
	case statusTimeout:
		return fmt.Sprintf("Command timed out after %s and was killed with its whole process group.", j.timeout)
	case statusKilled:
		return "Command was stopped by request."
	case statusCompleted:
		return "Command completed (exit code 0)."
	}
	switch {
	case e.Err != nil:
		return fmt.Sprintf("Command failed: %v.", e.Err)
	case e.Signal != "":
		return fmt.Sprintf("Command was killed by %s.", e.Signal)
	}
	return fmt.Sprintf("Command exited with code %d.", e.Code)
}

// name is the command's verb and first argument, for list.
func (j *job) name() string {
	f := strings.Fields(j.command)
	if len(f) > 2 {
		f = f[:2]
	}
	n := strings.Join(f, " ")
	if len(n) > 60 {
		n = n[:57] + "..."
	}
	return n
}

// registry holds an exec plugin's jobs, per agent.
type registry struct {
	now    func() time.Time
	logger func() hclog.Logger

	mu      sync.Mutex
	jobs    map[string]*job
	notices map[string][]notice
}

// notice is a background job's exit, waiting for the agent's next call:
// the host has no way yet to push it to the agent.
type notice struct {
	jobID string
	text  string
}

func newRegistry(now func() time.Time, logger func() hclog.Logger) *registry {
	return &registry{now: now, logger: logger, jobs: map[string]*job{}, notices: map[string][]notice{}}
}

// newID returns a short random session id.
func newID() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// add registers a started job and watches for its end.
func (r *registry) add(j *job) {
	r.mu.Lock()
	r.jobs[j.id] = j
	r.mu.Unlock()
	if j.timeout > 0 {
		j.mu.Lock()
		j.timer = time.AfterFunc(j.timeout, func() {
			j.mu.Lock()
			j.timedOut = true
			j.mu.Unlock()
			j.proc.Kill()
		})
		j.mu.Unlock()
	}
	go func() {
		<-j.proc.Done()
		j.mu.Lock()
		if j.timer != nil {
			j.timer.Stop()
		}
		j.mu.Unlock()
		r.exited(j)
	}()
}

// exited queues a notice for a background job that ended on its own.
func (r *registry) exited(j *job) {
	if !j.isBackgrounded() {
		return
	}
	st := j.status()
	e, _ := j.proc.Exit()
	r.logger().Info("background exec session ended", "session", j.id, "agent", j.agent, "status", st, "exitCode", e.Code)
	if !j.notify || st == statusKilled {
		return
	}
	total, _ := j.proc.Out.Stats()
	if st == statusCompleted && total == 0 && !j.notifyEmpty {
		return
	}
	text := fmt.Sprintf("Background session %s (%s) has ended: %s Use process poll or log with sessionId %q to read its output.", j.id, j.name(), j.outcome(), j.id)
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.jobs[j.id]; ok {
		r.notices[j.agent] = append(r.notices[j.agent], notice{jobID: j.id, text: text})
	}
}

// get finds an agent's job.
func (r *registry) get(agent, id string) (*job, error) {
	r.sweep()
	r.mu.Lock()
	defer r.mu.Unlock()
	j, ok := r.jobs[id]
	if !ok || j.agent != agent || !j.isBackgrounded() {
		return nil, fmt.Errorf("no session %q for this agent (it may have finished and expired; use process list)", id)
	}
	return j, nil
}

// list returns an agent's background jobs, oldest first.
func (r *registry) list(agent string) []*job {
	r.sweep()
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*job
	for _, j := range r.jobs {
		if j.agent == agent && j.isBackgrounded() {
			out = append(out, j)
		}
	}
	slices.SortFunc(out, func(a, b *job) int { return a.proc.Started().Compare(b.proc.Started()) })
	return out
}

// remove forgets a job and its pending notice.
func (r *registry) remove(j *job) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.jobs, j.id)
	r.dropNoticeLocked(j.agent, j.id)
}

// dropNotice discards the exit notice of a job whose end the agent has
// already seen.
func (r *registry) dropNotice(agent, id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dropNoticeLocked(agent, id)
}

func (r *registry) dropNoticeLocked(agent, id string) {
	ns := r.notices[agent]
	ns = slices.DeleteFunc(ns, func(n notice) bool { return n.jobID == id })
	if len(ns) == 0 {
		delete(r.notices, agent)
	} else {
		r.notices[agent] = ns
	}
}

// takeNotices returns and clears an agent's pending exit notices.
func (r *registry) takeNotices(agent string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, n := range r.notices[agent] {
		out = append(out, n.text)
	}
	delete(r.notices, agent)
	return out
}

// sweep drops finished jobs past their time to live, and the oldest
// finished ones beyond maxFinished.
func (r *registry) sweep() {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	var finished []*job
	for _, j := range r.jobs {
		e, done := j.proc.Exit()
		if !done {
			continue
		}
		if now.Sub(e.At) > j.ttl {
			delete(r.jobs, j.id)
			r.dropNoticeLocked(j.agent, j.id)
			continue
		}
		finished = append(finished, j)
	}
	if len(finished) <= maxFinished {
		return
	}
	slices.SortFunc(finished, func(a, b *job) int {
		ea, _ := a.proc.Exit()
		eb, _ := b.proc.Exit()
		return ea.At.Compare(eb.At)
	})
	for _, j := range finished[:len(finished)-maxFinished] {
		delete(r.jobs, j.id)
		r.dropNoticeLocked(j.agent, j.id)
	}
}

// shutdown ends every running job: the plugin is stopping.
func (r *registry) shutdown() {
	r.mu.Lock()
	jobs := make([]*job, 0, len(r.jobs))
	for _, j := range r.jobs {
		jobs = append(jobs, j)
	}
	r.mu.Unlock()
	for _, j := range jobs {
		j.proc.DropLifeline()
		j.proc.Kill()
	}
	for _, j := range jobs {
		select {
		case <-j.proc.Done():
		case <-time.After(5 * time.Second):
		}
	}
}
