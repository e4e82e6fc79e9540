package cron

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRunHistoryRetention(t *testing.T) {
	now := t0
	dir := t.TempDir()
	l := &runLog{dir: dir, maxAge: 7 * 24 * time.Hour, maxRows: 5, now: func() time.Time { return now }, appends: map[string]int{}}
	// Eight days of entries, one a day, then a burst.
	for d := 8; d >= 1; d-- {
		if err := l.append(RunEntry{Ts: now.Add(-time.Duration(d) * 24 * time.Hour).UnixMilli(), JobID: "j", Action: "finished", Status: StatusOK}); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := l.read("j")
	if len(got) != 5 {
		t.Fatalf("%d entries, want the newest 5 within 7 days", len(got))
	}
	for _, e := range got {
		if e.Ts < now.Add(-7*24*time.Hour).UnixMilli() {
			t.Fatalf("entry older than 7 days returned: %s", time.UnixMilli(e.Ts))
		}
	}
	// Prune rewrites the file to what retention keeps.
	l.mu.Lock()
	err := l.pruneLocked("j")
	l.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "j.jsonl"))
	if n := strings.Count(string(data), "\n"); n != 5 {
		t.Fatalf("file holds %d lines after pruning, want 5", n)
	}

	// A torn last line (a crash mid-append) is skipped, not fatal.
	f, _ := os.OpenFile(filepath.Join(dir, "j.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"ts":1,"jobId":"j","act`)
	f.Close()
	got, err = l.read("j")
	if err != nil || len(got) != 5 {
		t.Fatalf("read with a torn line: %d entries, %v", len(got), err)
	}

	// Files of jobs untouched for longer than the age limit are swept.
	old := filepath.Join(dir, "gone.jsonl")
	os.WriteFile(old, []byte(`{"ts":1,"jobId":"gone","action":"finished"}`+"\n"), 0o600)
	past := now.Add(-8 * 24 * time.Hour)
	os.Chtimes(old, past, past)
	os.Chtimes(filepath.Join(dir, "j.jsonl"), now, now)
	if err := l.sweep(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Fatalf("stale history survived the sweep: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "j.jsonl")); err != nil {
		t.Fatalf("live history swept: %v", err)
	}
	if err := l.append(RunEntry{JobID: "../escape"}); err == nil {
		t.Fatal("a job id with a path was accepted")
	}
}

func TestRunsQuery(t *testing.T) {
	h := newHarness(t, nil)
	n := 0
	h.runner.respond = func(RunRequest) (RunResult, error) {
		n++
		if n%3 == 0 {
			return RunResult{}, fmt.Errorf("provider timeout on run %d", n)
		}
		return RunResult{Output: fmt.Sprint("output ", n)}, nil
	}
	h.start()
	a := h.add(every(time.Minute, "a"))
	b := h.add(every(time.Hour, "b"))
	for range 9 {
		h.clock.Advance(time.Minute)
		h.settle()
	}
	ctx := context.Background()
	res, err := h.svc.Runs(ctx, RunsQuery{JobRef: JobRef{JobID: a.ID}, Limit: 4})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 9 || len(res.Entries) != 4 || !res.HasMore || res.NextOffset == nil || *res.NextOffset != 4 {
		t.Fatalf("page %+v", res.Page)
	}
	if res.Entries[0].Ts < res.Entries[3].Ts {
		t.Fatalf("runs are not newest first")
	}
	errs, _ := h.svc.Runs(ctx, RunsQuery{JobRef: JobRef{ID: a.ID}, Status: StatusError})
	if errs.Total != 3 {
		t.Fatalf("%d error runs, want 3", errs.Total)
	}
	q, _ := h.svc.Runs(ctx, RunsQuery{JobRef: JobRef{ID: a.ID}, Query: "TIMEOUT ON RUN 6"})
	if q.Total != 1 {
		t.Fatalf("query matched %d runs", q.Total)
	}
	one, _ := h.svc.Runs(ctx, RunsQuery{JobRef: JobRef{ID: a.ID}, RunID: res.Entries[1].RunID})
	if one.Total != 1 || one.Entries[0].RunID != res.Entries[1].RunID {
		t.Fatalf("runId filter: %+v", one)
	}
	all, _ := h.svc.Runs(ctx, RunsQuery{Scope: "all", Limit: 200, SortDir: "asc"})
	if all.Total != 9 {
		t.Fatalf("scope all: %d", all.Total)
	}
	if _, err := h.svc.Runs(ctx, RunsQuery{}); err == nil {
		t.Fatal("runs without a job id or scope all")
	}
	if _, err := h.svc.Runs(ctx, RunsQuery{JobRef: JobRef{ID: "../x"}}); err == nil {
		t.Fatal("path-like job id accepted")
	}
	if none, _ := h.svc.Runs(ctx, RunsQuery{JobRef: JobRef{ID: b.ID}}); none.Total != 0 || none.Entries == nil {
		t.Fatalf("job without runs: %+v", none)
	}
}
