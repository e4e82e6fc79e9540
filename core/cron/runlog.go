package cron

import (
	"github.com/openclaw-go/openclaw/pluginsdk/atomicfile"

	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// RunEntry is one line of a job's run history (OpenClaw's CronRunLogEntry).
type RunEntry struct {
	Ts     int64  `json:"ts"`
	JobID  string `json:"jobId"`
	Action string `json:"action"`
	// Status is what the payload did: ok, error or skipped.
	Status string `json:"status,omitempty"`
	// CompletionStatus is whether the whole run, delivery included,
	// succeeded: succeeded, failed or unknown.
	CompletionStatus          string       `json:"completionStatus,omitempty"`
	Error                     string       `json:"error,omitempty"`
	ErrorReason               string       `json:"errorReason,omitempty"`
	Summary                   string       `json:"summary,omitempty"`
	Delivered                 *bool        `json:"delivered,omitempty"`
	DeliveryStatus            string       `json:"deliveryStatus,omitempty"`
	DeliveryError             string       `json:"deliveryError,omitempty"`
	DeliverySuppressionReason string       `json:"deliverySuppressionReason,omitempty"`
	Delivery                  *RunDelivery `json:"delivery,omitempty"`
	SessionID                 string       `json:"sessionId,omitempty"`
	SessionKey                string       `json:"sessionKey,omitempty"`
	RunID                     string       `json:"runId,omitempty"`
	RunAtMs                   int64        `json:"runAtMs,omitempty"`
	DurationMs                int64        `json:"durationMs,omitempty"`
	NextRunAtMs               int64        `json:"nextRunAtMs,omitempty"`
	Model                     string       `json:"model,omitempty"`
	Provider                  string       `json:"provider,omitempty"`
	Usage                     *Usage       `json:"usage,omitempty"`
	JobName                   string       `json:"jobName,omitempty"`
}

// RunDelivery is the delivery diagnosis of a run: where output was meant
// to go, where it went, and whether the agent sent it itself.
type RunDelivery struct {
	Intended          *Target  `json:"intended,omitempty"`
	Resolved          *Target  `json:"resolved,omitempty"`
	MessageToolSentTo []Target `json:"messageToolSentTo,omitempty"`
	FallbackUsed      bool     `json:"fallbackUsed,omitempty"`
	Delivered         bool     `json:"delivered,omitempty"`
}

// Target is a chat destination.
type Target struct {
	// Channel is a channel id, or "last" before resolution.
	Channel   string `json:"channel,omitempty"`
	To        string `json:"to,omitempty"`
	AccountID string `json:"accountId,omitempty"`
	ThreadID  string `json:"threadId,omitempty"`
}

// Usage is the token usage of a run.
type Usage struct {
	InputTokens      int64 `json:"input_tokens,omitempty"`
	OutputTokens     int64 `json:"output_tokens,omitempty"`
	TotalTokens      int64 `json:"total_tokens,omitempty"`
	CacheReadTokens  int64 `json:"cache_read_tokens,omitempty"`
	CacheWriteTokens int64 `json:"cache_write_tokens,omitempty"`
}

// pruneEvery is how many appends to one job's history pass between
// prunes; pruning rewrites the file, so it is amortised.
const pruneEvery = 100

// runLog keeps run history as one JSON Lines file per job under dir. Only
// the gateway appends; the CLI reads.
type runLog struct {
	dir     string
	maxAge  time.Duration
	maxRows int
	now     func() time.Time

	mu      sync.Mutex
	appends map[string]int
}

func (l *runLog) file(jobID string) string { return filepath.Join(l.dir, jobID+".jsonl") }

// append adds e to its job's history, flushed to disk.
func (l *runLog) append(e RunEntry) error {
	if !validID.MatchString(e.JobID) {
		return fmt.Errorf("run history: invalid job id %q", e.JobID)
	}
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode run entry: %w", err)
	}
	line = append(line, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := os.MkdirAll(l.dir, 0o700); err != nil {
		return fmt.Errorf("create run history directory: %w", err)
	}
	path := l.file(e.JobID)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("open run history %s: %w", path, err)
	}
	_, werr := f.Write(line)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return fmt.Errorf("append run history %s: %w", path, err)
	}
	n := l.appends[e.JobID]
	l.appends[e.JobID] = n + 1
	if n%pruneEvery == 0 {
		if err := l.pruneLocked(e.JobID); err != nil {
			return err
		}
	}
	return nil
}

// read returns a job's retained history, oldest first. Lines that do not
// parse (a crash in the middle of an append) are skipped.
func (l *runLog) read(jobID string) ([]RunEntry, error) {
	if !validID.MatchString(jobID) {
		return nil, fmt.Errorf("invalid job id %q", jobID)
	}
	data, err := os.ReadFile(l.file(jobID))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read run history: %w", err)
	}
	entries := parseRunLines(data)
	return l.retain(entries), nil
}

// readAll returns the retained history of every job, oldest first.
func (l *runLog) readAll() ([]RunEntry, error) {
	names, err := os.ReadDir(l.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read run history directory: %w", err)
	}
	var all []RunEntry
	for _, d := range names {
		id, ok := strings.CutSuffix(d.Name(), ".jsonl")
		if !ok || d.IsDir() || !validID.MatchString(id) {
			continue
		}
		entries, err := l.read(id)
		if err != nil {
			return nil, err
		}
		all = append(all, entries...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Ts < all[j].Ts })
	return all, nil
}

func parseRunLines(data []byte) []RunEntry {
	var out []RunEntry
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	for sc.Scan() {
		var e RunEntry
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.JobID != "" {
			out = append(out, e)
		}
	}
	return out
}

// retain drops entries past the age limit and keeps the newest maxRows.
func (l *runLog) retain(entries []RunEntry) []RunEntry {
	if l.maxAge > 0 {
		cutoff := l.now().Add(-l.maxAge).UnixMilli()
		i := 0
		for i < len(entries) && entries[i].Ts < cutoff {
			i++
		}
		entries = entries[i:]
	}
	if l.maxRows > 0 && len(entries) > l.maxRows {
		entries = entries[len(entries)-l.maxRows:]
	}
	return entries
}

// pruneLocked rewrites a job's history without the entries retention
// drops. l.mu is held.
func (l *runLog) pruneLocked(jobID string) error {
	path := l.file(jobID)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read run history %s: %w", path, err)
	}
	all := parseRunLines(data)
	kept := l.retain(all)
	if len(kept) == len(all) && bytes.Count(data, []byte("\n")) == len(all) {
		return nil
	}
	var buf bytes.Buffer
	for _, e := range kept {
		line, _ := json.Marshal(e)
		buf.Write(line)
		buf.WriteByte('\n')
	}
	if err := atomicfile.Write(path, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("prune run history %s: %w", path, err)
	}
	return nil
}

// sweep deletes history files untouched for longer than the age limit:
// the history of jobs removed long ago. Live files are pruned as they grow
// (append), and reads never return expired entries.
func (l *runLog) sweep() error {
	if l.maxAge <= 0 {
		return nil
	}
	names, err := os.ReadDir(l.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read run history directory: %w", err)
	}
	cutoff := l.now().Add(-l.maxAge)
	l.mu.Lock()
	defer l.mu.Unlock()
	var errs []error
	for _, d := range names {
		id, ok := strings.CutSuffix(d.Name(), ".jsonl")
		if !ok || d.IsDir() {
			continue
		}
		fi, err := d.Info()
		if err != nil {
			continue
		}
		if fi.ModTime().Before(cutoff) {
			if err := os.Remove(filepath.Join(l.dir, d.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
			delete(l.appends, id)
		}
	}
	return errors.Join(errs...)
}
