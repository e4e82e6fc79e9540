package cron

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestStoreRoundTrip(t *testing.T) {
	h := newHarness(t, nil)
	in := AddInput{
		Name: "Morning brief", Description: "summary of the night", AgentID: "ops",
		Schedule:      Schedule{Kind: KindCron, Expr: "0 7 * * *", Tz: "Europe/Vienna", StaggerMs: ptr(int64(0))},
		SessionTarget: "session:daily-brief",
		Payload: Payload{Kind: PayloadAgentTurn, Message: "Summarize overnight updates.", Model: "openai/gpt-5",
			Fallbacks: []string{}, TimeoutSeconds: ptr(120.0), ToolsAllow: []string{"exec", "read"}},
		Delivery: &Delivery{Mode: DeliverAnnounce, Channel: "telegram", To: "-100123", ThreadID: "42", BestEffort: true},
	}
	a := h.add(in)
	b := h.add(at(t0.Add(time.Hour), "reminder"))

	// A fresh process sees exactly what was stored.
	again := h.open(func(o *Options) { o.Runner = nil })
	list, err := again.List(context.Background(), ListQuery{IncludeDisabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Jobs) != 2 {
		t.Fatalf("%d jobs after reopening", len(list.Jobs))
	}
	byID := map[string]JobView{}
	for _, j := range list.Jobs {
		byID[j.ID] = j
	}
	for _, want := range []JobView{a, b} {
		got := byID[want.ID]
		gj, _ := json.Marshal(got.Job)
		wj, _ := json.Marshal(want.Job)
		if string(gj) != string(wj) {
			t.Fatalf("job changed across reopen:\n got %s\nwant %s", gj, wj)
		}
	}
	// An empty fallback list (strict run) survives, distinct from none.
	if f := byID[a.ID].Payload.Fallbacks; f == nil || len(f) != 0 {
		t.Fatalf("fallbacks %#v, want an empty list", f)
	}
	data, _ := os.ReadFile(h.svc.StorePath())
	if !strings.Contains(string(data), `"fallbacks":[]`) || !strings.Contains(string(data), `"version": 1`) {
		t.Fatalf("store file:\n%s", data)
	}
	if fi, _ := os.Stat(h.svc.StorePath()); fi.Mode().Perm() != 0o600 {
		t.Fatalf("store mode %v, want 0600", fi.Mode().Perm())
	}
	if want := filepath.Join(h.dir, "cron", "jobs.json"); h.svc.StorePath() != want {
		t.Fatalf("store path %s, want %s", h.svc.StorePath(), want)
	}
}

func TestStoreLeavesNoTempFiles(t *testing.T) {
	h := newHarness(t, nil)
	for i := range 5 {
		h.add(every(time.Hour, fmt.Sprint("job ", i)))
	}
	entries, _ := os.ReadDir(filepath.Dir(h.svc.StorePath()))
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Fatalf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestCorruptStoreIsReportedAndNotOverwritten(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cron", "jobs.json")
	os.MkdirAll(filepath.Dir(path), 0o700)
	bad := "{\n  \"version\": 1,\n  \"jobs\": [\n    {\"id\": \"a\",}\n  ]\n}\n"
	os.WriteFile(path, []byte(bad), 0o600)
	_, err := Open(Options{StateDir: dir})
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "line 4") {
		t.Fatalf("Open on a corrupt store: %v; want the path and line", err)
	}

	// A gateway that loaded a good file keeps it when a later edit breaks
	// it, and refuses to write over the broken file.
	h := newHarness(t, nil)
	j := h.add(every(time.Hour, "keep"))
	if err := os.WriteFile(h.svc.StorePath(), []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Add(context.Background(), every(time.Hour, "new")); err == nil || !strings.Contains(err.Error(), "left untouched") {
		t.Fatalf("Add over a corrupt store: %v", err)
	}
	if data, _ := os.ReadFile(h.svc.StorePath()); string(data) != bad {
		t.Fatalf("the corrupt store was overwritten")
	}
	list, _ := h.svc.List(context.Background(), ListQuery{})
	if len(list.Jobs) != 1 || list.Jobs[0].ID != j.ID {
		t.Fatalf("jobs while the store is corrupt: %+v", list.Jobs)
	}
	st, _ := h.svc.Status(context.Background())
	if !strings.Contains(st.StoreError, "line 4") {
		t.Fatalf("status does not report the broken store: %+v", st)
	}
}

func TestStoreRejectsDuplicateIDsAndNewerVersions(t *testing.T) {
	for name, body := range map[string]string{
		"duplicate": `{"version":1,"jobs":[{"id":"a","name":"x"},{"id":"a","name":"y"}]}`,
		"newer":     `{"version":7,"jobs":[]}`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "cron", "jobs.json")
			os.MkdirAll(filepath.Dir(path), 0o700)
			os.WriteFile(path, []byte(body), 0o600)
			if _, err := Open(Options{StateDir: dir}); err == nil {
				t.Fatal("Open accepted the store")
			}
		})
	}
}

func TestInvalidStoredJobIsNotRunButKept(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cron", "jobs.json")
	os.MkdirAll(filepath.Dir(path), 0o700)
	body := `{"version":1,"jobs":[{"id":"bad","name":"bad","enabled":true,"createdAtMs":1,"updatedAtMs":1,
	  "schedule":{"kind":"cron","expr":"not cron"},"sessionTarget":"isolated","wakeMode":"now",
	  "payload":{"kind":"agentTurn","message":"x"},"state":{"nextRunAtMs":1}}]}`
	os.WriteFile(path, []byte(body), 0o600)
	h := newHarnessAt(t, dir, nil)
	h.start()
	h.clock.Advance(time.Hour)
	h.settle()
	if n := h.runner.count(); n != 0 {
		t.Fatalf("an invalid job ran %d times", n)
	}
	if _, err := h.svc.Get(context.Background(), "bad"); err != nil {
		t.Fatalf("the invalid job was dropped: %v", err)
	}
	if _, err := h.svc.Run(context.Background(), RunParams{JobRef: JobRef{ID: "bad"}}); err == nil || !strings.Contains(err.Error(), "schedule.expr") {
		t.Fatalf("running an invalid job: %v", err)
	}
}

// Two processes editing the store at once lose nothing: every change is a
// locked read-modify-write.
func TestConcurrentWritersKeepEveryJob(t *testing.T) {
	h := newHarness(t, nil)
	other := h.open(func(o *Options) { o.Runner = nil })
	var wg sync.WaitGroup
	for _, s := range []*Service{h.svc, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 15 {
				if _, err := s.Add(context.Background(), every(time.Hour, fmt.Sprint("job ", i))); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	fresh := h.open(func(o *Options) { o.Runner = nil })
	list, _ := fresh.List(context.Background(), ListQuery{})
	if len(list.Jobs) != 30 {
		t.Fatalf("%d jobs after two concurrent writers added 15 each", len(list.Jobs))
	}
}

func TestStorePathFromConfig(t *testing.T) {
	tests := []struct {
		store, want string
	}{
		{"", "/state/cron/jobs.json"},
		{"/srv/jobs.json", "/srv/jobs.json"},
		{"~/jobs.json", "/home/me/jobs.json"},
		{"custom/jobs.json", "/state/custom/jobs.json"},
	}
	for _, tc := range tests {
		if got := (Config{Store: tc.store}).StorePath("/state", "/home/me"); got != filepath.FromSlash(tc.want) {
			t.Errorf("StorePath(%q) = %s, want %s", tc.store, got, tc.want)
		}
	}
}

func TestConfigRetentionAndActive(t *testing.T) {
	tests := []struct {
		raw  string
		want time.Duration
		err  bool
	}{
		{``, DefaultSessionRetention, false},
		{`"48h"`, 48 * time.Hour, false},
		{`"0h"`, 0, false},
		{`false`, 0, false},
		{`true`, DefaultSessionRetention, false},
		{`"soon"`, 0, true},
		{`12`, 0, true},
	}
	for _, tc := range tests {
		got, err := Config{SessionRetention: json.RawMessage(tc.raw)}.Retention()
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("Retention(%s) = %v, %v", tc.raw, got, err)
		}
	}
	off := false
	if (Config{Enabled: &off}).Active(nil) {
		t.Error("cron.enabled=false is active")
	}
	if !(Config{}).Active(func(string) string { return "" }) {
		t.Error("default config is not active")
	}
	if (Config{}).Active(func(k string) string { return map[string]string{EnvSkipCron: "1"}[k] }) {
		t.Error("OPENCLAW_SKIP_CRON=1 is active")
	}
	if err := (Config{MaxConcurrentRuns: -1}).Validate(); err == nil || !strings.Contains(err.Error(), "cron.maxConcurrentRuns") {
		t.Errorf("Validate: %v", err)
	}
}
