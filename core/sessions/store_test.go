package sessions

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func openStore(t testing.TB, dir string, clock *fakeClock, mod func(*Options)) *Store {
	t.Helper()
	o := Options{StateDir: dir, Now: clock.Now, Workspace: func(a string) string { return "/ws/" + a }}
	if mod != nil {
		mod(&o)
	}
	s, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func assistant(text string, in, out int64) Message {
	m := TextMessage(RoleAssistant, text)
	m.Provider, m.Model, m.API, m.StopReason = "openai", "gpt-5", "openai-completions", "stop"
	m.Usage = &Usage{Input: in, Output: out, TotalTokens: in + out}
	return m
}

func texts(msgs []Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Role+":"+m.Text())
	}
	return out
}

func TestStoreLifecycle(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clock := newClock()
	s := openStore(t, dir, clock, nil)
	key := "agent:main:telegram:direct:42"

	sess, started, err := s.Begin(ctx, key, BeginOptions{ChatType: "direct", Channel: "telegram", DisplayName: "Ada"})
	if err != nil || !started {
		t.Fatalf("Begin = %v, %v", started, err)
	}
	if _, err := s.Append(ctx, key, TextMessage(RoleUser, "hello"), assistant("hi", 10, 3)); err != nil {
		t.Fatal(err)
	}
	again, started, err := s.Begin(ctx, key, BeginOptions{})
	if err != nil || started || again.Entry.SessionID != sess.Entry.SessionID {
		t.Fatalf("second Begin started=%v id=%s err=%v, want same session %s", started, again.Entry.SessionID, err, sess.Entry.SessionID)
	}
	call := assistant("", 20, 5)
	call.Content = []ContentBlock{{Type: BlockToolCall, ID: "call_1", Name: "read", Arguments: json.RawMessage(`{"path":"a.txt"}`)}}
	call.StopReason = "toolUse"
	result := Message{Role: RoleToolResult, ToolCallID: "call_1", ToolName: "read", Content: []ContentBlock{{Type: BlockText, Text: "contents"}}}
	if _, err := s.Append(ctx, key, TextMessage(RoleUser, "read a.txt"), call, result, assistant("done", 30, 2)); err != nil {
		t.Fatal(err)
	}

	got, err := s.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	e := got.Entry
	if e.InputTokens != 60 || e.OutputTokens != 10 || e.TotalTokens != 70 || e.ContextTokens != 30 || e.MessageCount != 6 {
		t.Errorf("counters = in %d out %d total %d ctx %d msgs %d", e.InputTokens, e.OutputTokens, e.TotalTokens, e.ContextTokens, e.MessageCount)
	}
	if e.Channel != "telegram" || e.DisplayName != "Ada" || e.ChatType != "direct" {
		t.Errorf("metadata = %+v", e)
	}

	hist, err := s.History(ctx, key, HistoryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 6 || hist[0].Message.Text() != "hello" || hist[5].Message.Text() != "done" {
		t.Fatalf("history = %d records", len(hist))
	}
	if hist[0].ParentID != nil {
		t.Errorf("first record has parent %q", *hist[0].ParentID)
	}
	for i := 1; i < len(hist); i++ {
		if hist[i].ParentID == nil || *hist[i].ParentID != hist[i-1].ID {
			t.Errorf("record %d parent = %v, want %s", i, hist[i].ParentID, hist[i-1].ID)
		}
	}
	if tc := hist[3].Message.ToolCalls(); len(tc) != 1 || tc[0].Name != "read" || string(tc[0].Arguments) != `{"path":"a.txt"}` {
		t.Errorf("tool call round trip = %+v", tc)
	}
	if hist[4].Message.ToolCallID != "call_1" || hist[4].Message.Role != RoleToolResult {
		t.Errorf("tool result round trip = %+v", hist[4].Message)
	}

	page, err := s.History(ctx, key, HistoryOptions{Limit: 2, Offset: 1, Descending: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 2 || page[0].Message.Role != RoleToolResult || page[1].Message.Role != RoleAssistant {
		t.Errorf("page = %v", recordRoles(page))
	}
	page, _ = s.History(ctx, key, HistoryOptions{Limit: 2})
	if len(page) != 2 || page[0].Message.Role != RoleToolResult || page[1].Message.Text() != "done" {
		t.Errorf("last two ascending = %v", recordRoles(page))
	}

	turns, err := s.LastTurns(ctx, key, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"user:read a.txt", "assistant:", "toolResult:contents", "assistant:done"}; strings.Join(texts(turns), "|") != strings.Join(want, "|") {
		t.Errorf("LastTurns(1) = %q, want %q", texts(turns), want)
	}
	all, _ := s.LastTurns(ctx, key, 0)
	if len(all) != 6 {
		t.Errorf("LastTurns(0) = %d messages, want 6", len(all))
	}

	// /model sets an override; it survives /new.
	if _, err := s.Update(ctx, key, func(e *Entry) error { e.ModelOverride = "anthropic/claude"; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, key, func(e *Entry) error { e.SessionID = "x"; return nil }); err == nil {
		t.Error("Update changing the session id succeeded")
	}
	fresh, err := s.Reset(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.Entry.SessionID == sess.Entry.SessionID || fresh.Entry.ModelOverride != "anthropic/claude" || fresh.Entry.MessageCount != 0 {
		t.Errorf("after reset: %+v", fresh.Entry)
	}
	if h, _ := s.History(ctx, key, HistoryOptions{}); len(h) != 0 {
		t.Errorf("history after reset has %d records", len(h))
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "agents", "main", "sessions", sess.Entry.SessionID+".jsonl.reset.*")); len(m) != 1 {
		t.Errorf("old transcript not archived: %v", m)
	}

	// Everything survives a restart.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openStore(t, dir, clock, nil)
	got2, err := s2.Get(ctx, key)
	if err != nil || got2.Entry.SessionID != fresh.Entry.SessionID || got2.Entry.ModelOverride != "anthropic/claude" {
		t.Fatalf("after reopen: %+v, %v", got2, err)
	}

	if err := s2.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Get(ctx, key); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after Delete = %v, want ErrNotFound", err)
	}
	if err := s2.Delete(ctx, key); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Delete = %v, want ErrNotFound", err)
	}
}

func recordRoles(rs []Record) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Message.Role)
	}
	return out
}

func TestTranscriptFormat(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openStore(t, dir, newClock(), nil)
	key := "agent:main:main"
	if _, err := s.Append(ctx, key, TextMessage(RoleUser, "hi"), assistant("hello", 1, 1)); err != nil {
		t.Fatal(err)
	}
	sess, _ := s.Get(ctx, key)
	data, err := os.ReadFile(filepath.Join(dir, "agents", "main", "sessions", sess.Entry.SessionID+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("transcript has %d lines:\n%s", len(lines), data)
	}
	var head map[string]any
	json.Unmarshal([]byte(lines[0]), &head)
	if head["type"] != "session" || head["version"] != float64(3) || head["id"] != sess.Entry.SessionID || head["cwd"] != "/ws/main" || head["timestamp"] != "2026-03-10T12:00:00.000Z" {
		t.Errorf("header = %s", lines[0])
	}
	var first map[string]any
	json.Unmarshal([]byte(lines[1]), &first)
	msg, _ := first["message"].(map[string]any)
	if first["type"] != "message" || first["parentId"] != nil || len(first["id"].(string)) != 8 || msg["role"] != "user" || msg["timestamp"] != float64(time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC).UnixMilli()) {
		t.Errorf("first message line = %s", lines[1])
	}
	if _, ok := first["parentId"]; !ok {
		t.Errorf("parentId must be present (null) on the first entry: %s", lines[1])
	}
	var second map[string]any
	json.Unmarshal([]byte(lines[2]), &second)
	if second["parentId"] != first["id"] {
		t.Errorf("second parentId = %v, want %v", second["parentId"], first["id"])
	}
	am := second["message"].(map[string]any)
	if am["model"] != "gpt-5" || am["usage"].(map[string]any)["totalTokens"] != float64(2) {
		t.Errorf("assistant line = %s", lines[2])
	}

	// sessions.json is an object keyed by session key.
	idx, _ := os.ReadFile(filepath.Join(dir, "agents", "main", "sessions", "sessions.json"))
	var rows map[string]map[string]any
	if err := json.Unmarshal(idx, &rows); err != nil {
		t.Fatalf("sessions.json: %v", err)
	}
	if rows[key]["sessionId"] != sess.Entry.SessionID {
		t.Errorf("sessions.json = %s", idx)
	}
}

func TestUserContentAsString(t *testing.T) {
	var m Message
	if err := json.Unmarshal([]byte(`{"role":"user","content":"Hello","timestamp":1}`), &m); err != nil {
		t.Fatal(err)
	}
	if m.Text() != "Hello" || m.Timestamp != 1 {
		t.Errorf("decoded %+v", m)
	}
	if err := json.Unmarshal([]byte(`{"role":"user","content":5}`), &m); err == nil {
		t.Error("numeric content accepted")
	}
}

// TestTornTranscriptEveryOffset cuts a transcript at every byte offset, as a
// crash during an append could, and checks that reads return exactly the
// complete lines and that the next append repairs the file.
func TestTornTranscriptEveryOffset(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clock := newClock()
	key := "agent:main:main"

	s := openStore(t, dir, clock, func(o *Options) { o.NoSync = true })
	var want []string
	for i := range 4 {
		want = append(want, fmt.Sprintf("q%d", i), fmt.Sprintf("a%d ✓ \"quoted\"\n", i))
		if _, err := s.Append(ctx, key, TextMessage(RoleUser, want[len(want)-2]), TextMessage(RoleAssistant, want[len(want)-1])); err != nil {
			t.Fatal(err)
		}
	}
	sess, _ := s.Get(ctx, key)
	s.Close()
	path := filepath.Join(dir, "agents", "main", "sessions", sess.Entry.SessionID+".jsonl")
	full, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Line ends, to know how many messages each prefix holds.
	var ends []int
	for i, b := range full {
		if b == '\n' {
			ends = append(ends, i+1)
		}
	}

	for cut := 0; cut <= len(full); cut++ {
		complete := 0
		for _, e := range ends[1:] { // ends[0] is the header
			if e <= cut {
				complete++
			}
		}
		if err := os.WriteFile(path, full[:cut], 0o600); err != nil {
			t.Fatal(err)
		}
		s := openStore(t, dir, clock, func(o *Options) { o.NoSync = true })
		hist, err := s.History(ctx, key, HistoryOptions{})
		if err != nil {
			t.Fatalf("cut %d: History: %v", cut, err)
		}
		if len(hist) != complete {
			t.Fatalf("cut %d: %d messages, want %d", cut, len(hist), complete)
		}
		for i, r := range hist {
			if r.Message.Text() != want[i] {
				t.Fatalf("cut %d: message %d = %q, want %q", cut, i, r.Message.Text(), want[i])
			}
		}
		if _, err := s.Append(ctx, key, TextMessage(RoleUser, "after crash")); err != nil {
			t.Fatalf("cut %d: Append: %v", cut, err)
		}
		s.Close()
		checkTranscript(t, path, complete+1, fmt.Sprintf("cut %d", cut))
	}
}

// checkTranscript asserts every line parses, the first is the header and
// the records form one parent chain of n messages.
func checkTranscript(t *testing.T, path string, n int, label string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) == 0 || data[len(data)-1] != '\n' {
		t.Fatalf("%s: transcript does not end with a newline", label)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	line := 0
	parent := ""
	msgs := 0
	for sc.Scan() {
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%s: line %d does not parse: %v: %q", label, line, err, sc.Text())
		}
		if line == 0 {
			if r.Type != RecordSession {
				t.Fatalf("%s: first line is %q, want the session header", label, r.Type)
			}
		} else {
			got := ""
			if r.ParentID != nil {
				got = *r.ParentID
			}
			if got != parent {
				t.Fatalf("%s: line %d parent %q, want %q", label, line, got, parent)
			}
			parent = r.ID
			msgs++
		}
		line++
	}
	if msgs != n {
		t.Fatalf("%s: %d records, want %d", label, msgs, n)
	}
}

func TestZeroFilledTailIsRepaired(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clock := newClock()
	key := "agent:main:main"
	s := openStore(t, dir, clock, nil)
	s.Append(ctx, key, TextMessage(RoleUser, "one"))
	sess, _ := s.Get(ctx, key)
	s.Close()
	path := filepath.Join(dir, "agents", "main", "sessions", sess.Entry.SessionID+".jsonl")
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.Write(make([]byte, 300)) // what a power loss can leave after a size update
	f.Close()

	s = openStore(t, dir, clock, nil)
	if h, _ := s.History(ctx, key, HistoryOptions{}); len(h) != 1 {
		t.Fatalf("history = %d, want 1", len(h))
	}
	s.Append(ctx, key, TextMessage(RoleUser, "two"))
	s.Close()
	checkTranscript(t, path, 2, "zero tail")
}

func TestDamagedMiddleLineIsSkipped(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clock := newClock()
	key := "agent:main:main"
	s := openStore(t, dir, clock, nil)
	s.Append(ctx, key, TextMessage(RoleUser, "one"))
	sess, _ := s.Get(ctx, key)
	path := filepath.Join(dir, "agents", "main", "sessions", sess.Entry.SessionID+".jsonl")
	s.Close()
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("{not json\n")
	f.Close()
	s = openStore(t, dir, clock, nil)
	if _, err := s.Append(ctx, key, TextMessage(RoleUser, "two")); err != nil {
		t.Fatal(err)
	}
	h, err := s.History(ctx, key, HistoryOptions{})
	if err != nil || len(h) != 2 || h[1].Message.Text() != "two" || *h[1].ParentID != h[0].ID {
		t.Fatalf("history = %+v, %v", h, err)
	}
}

func TestBeginRollsOverStaleSessions(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clock := newClock() // 12:00 UTC
	cfg := Config{
		Reset:       &ResetPolicy{Mode: ResetDaily, AtHour: intp(4)},
		ResetByType: map[string]ResetPolicy{"group": {Mode: ResetIdle, IdleMinutes: 30}},
	}
	s := openStore(t, dir, clock, func(o *Options) { o.Config = cfg })
	dm, group := "agent:main:main", "agent:main:telegram:group:-100"

	a, _, _ := s.Begin(ctx, dm, BeginOptions{})
	g, _, _ := s.Begin(ctx, group, BeginOptions{})
	s.Append(ctx, dm, TextMessage(RoleUser, "x"))

	clock.Advance(20 * time.Minute)
	if g2, started, _ := s.Begin(ctx, group, BeginOptions{}); started || g2.Entry.SessionID != g.Entry.SessionID {
		t.Fatal("group rolled over before its idle window")
	}
	// System events do not keep the group alive.
	clock.Advance(20 * time.Minute)
	s.Begin(ctx, group, BeginOptions{System: true})
	clock.Advance(11 * time.Minute)
	g3, started, _ := s.Begin(ctx, group, BeginOptions{})
	if !started || g3.Entry.SessionID == g.Entry.SessionID {
		t.Fatal("group did not roll over after 31 idle minutes")
	}

	// The DM crosses 04:00 the next day.
	clock.Advance(15 * time.Hour) // 03:51 next day
	if a2, started, _ := s.Begin(ctx, dm, BeginOptions{}); started || a2.Entry.SessionID != a.Entry.SessionID {
		t.Fatal("dm rolled over before 04:00")
	}
	clock.Advance(10 * time.Minute)
	a3, started, _ := s.Begin(ctx, dm, BeginOptions{})
	if !started || a3.Entry.SessionID == a.Entry.SessionID {
		t.Fatal("dm did not roll over after 04:00")
	}
	if h, _ := s.History(ctx, dm, HistoryOptions{}); len(h) != 0 {
		t.Errorf("fresh session has %d messages", len(h))
	}
}

func TestListSessions(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clock := newClock()
	s := openStore(t, dir, clock, nil)
	for _, k := range []string{"agent:main:main", "agent:work:slack:channel:c1", "agent:main:telegram:group:g"} {
		s.Begin(ctx, k, BeginOptions{Channel: KeyChannel(k)})
		clock.Advance(time.Minute)
	}
	s.Close()
	s = openStore(t, dir, clock, nil) // read from disk

	all, err := s.List(ctx, ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, x := range all {
		keys = append(keys, x.Key)
	}
	if strings.Join(keys, ",") != "agent:main:telegram:group:g,agent:work:slack:channel:c1,agent:main:main" {
		t.Errorf("List = %v", keys)
	}
	mainOnly, _ := s.List(ctx, ListOptions{AgentID: "main"})
	if len(mainOnly) != 2 {
		t.Errorf("List(main) = %d", len(mainOnly))
	}
	recent, _ := s.List(ctx, ListOptions{ActiveWithin: 150 * time.Second})
	if len(recent) != 2 {
		t.Errorf("List(active 2.5m) = %d, want 2", len(recent))
	}
	limited, _ := s.List(ctx, ListOptions{Limit: 1})
	if len(limited) != 1 || limited[0].Key != "agent:main:telegram:group:g" {
		t.Errorf("List(limit 1) = %+v", limited)
	}
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, t.TempDir(), newClock(), nil)
	for _, k := range []string{"", "main", "cron:1", "agent:../x:main", "agent:a b:main"} {
		if _, err := s.Append(ctx, k, TextMessage(RoleUser, "x")); err == nil {
			t.Errorf("Append(%q) succeeded", k)
		}
	}
	if _, err := s.Append(ctx, "agent:main:main", Message{}); err == nil || !strings.Contains(err.Error(), "no role") {
		t.Errorf("Append(no role) = %v", err)
	}
	if _, err := s.AppendRecords(ctx, "agent:main:main", Record{Type: RecordSession}); err == nil {
		t.Error("appending a session header succeeded")
	}
	if _, err := s.History(ctx, "agent:main:nope", HistoryOptions{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("History(unknown) = %v", err)
	}
	if _, err := s.History(ctx, "agent:main:main", HistoryOptions{Limit: -1}); err == nil {
		t.Error("negative limit accepted")
	}
	if _, err := Open(Options{}); err == nil {
		t.Error("Open without a state dir succeeded")
	}
	if _, err := Open(Options{StateDir: "x", Config: Config{DMScope: "bogus"}}); err == nil {
		t.Error("Open with a bad config succeeded")
	}
	s.Close()
	if _, err := s.Append(ctx, "agent:other:main", TextMessage(RoleUser, "x")); !errors.Is(err, ErrClosed) {
		t.Errorf("Append after Close = %v", err)
	}
}

func TestIndexPathEscapeIsRefused(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	idx := filepath.Join(dir, "agents", "main", "sessions")
	os.MkdirAll(idx, 0o700)
	os.WriteFile(filepath.Join(idx, "sessions.json"), []byte(`{"agent:main:main":{"sessionId":"../../evil","updatedAt":1},"agent:main:ok":{"sessionId":"good-1","updatedAt":2}}`), 0o600)
	s := openStore(t, dir, newClock(), nil)
	if _, err := s.Get(ctx, "agent:main:main"); !errors.Is(err, ErrNotFound) {
		t.Errorf("row with an escaping session id was kept: %v", err)
	}
	if _, err := s.Get(ctx, "agent:main:ok"); err != nil {
		t.Errorf("good row lost: %v", err)
	}
}

func TestCorruptIndexIsMovedAside(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	idx := filepath.Join(dir, "agents", "main", "sessions", "sessions.json")
	os.MkdirAll(filepath.Dir(idx), 0o700)
	os.WriteFile(idx, []byte("{broken"), 0o600)
	s := openStore(t, dir, newClock(), nil)
	if _, _, err := s.Begin(ctx, "agent:main:main", BeginOptions{}); err != nil {
		t.Fatal(err)
	}
	aside, _ := filepath.Glob(idx + ".corrupt-*")
	if len(aside) != 1 {
		t.Fatalf("corrupt index not kept aside: %v", aside)
	}
	if b, _ := os.ReadFile(aside[0]); string(b) != "{broken" {
		t.Errorf("aside copy = %q", b)
	}
}

func TestCustomStorePath(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	s := openStore(t, t.TempDir(), newClock(), func(o *Options) {
		o.HomeDir = home
		o.Config.Store = "~/data/{agentId}/sessions.json"
	})
	s.Append(ctx, "agent:ops:main", TextMessage(RoleUser, "hi"))
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(home, "data", "ops", "sessions.json")); err != nil {
		t.Fatal(err)
	}
	list, _ := s.List(ctx, ListOptions{})
	if len(list) != 1 {
		t.Errorf("List = %d", len(list))
	}
}

// TestConcurrentAppends runs many writers over many sessions with a tiny
// handle cache and checks every transcript is one intact chain.
func TestConcurrentAppends(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clock := newClock()
	s := openStore(t, dir, clock, func(o *Options) { o.MaxOpenTranscripts = 3; o.NoSync = true })
	const keys, writers, perWriter = 8, 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, keys*writers)
	for k := range keys {
		key := fmt.Sprintf("agent:main:telegram:direct:%d", k)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range perWriter {
					if _, err := s.Append(ctx, key, TextMessage(RoleUser, fmt.Sprintf("%d-%d", w, i))); err != nil {
						errs <- err
						return
					}
					if i%3 == 0 {
						if _, err := s.LastTurns(ctx, key, 5); err != nil {
							errs <- err
							return
						}
						s.List(ctx, ListOptions{})
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := s.handles.open(); n > 3 {
		t.Errorf("%d transcripts left open, cap is 3", n)
	}
	for k := range keys {
		key := fmt.Sprintf("agent:main:telegram:direct:%d", k)
		sess, err := s.Get(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if sess.Entry.MessageCount != writers*perWriter {
			t.Errorf("%s: messageCount %d", key, sess.Entry.MessageCount)
		}
		checkTranscript(t, filepath.Join(dir, "agents", "main", "sessions", sess.Entry.SessionID+".jsonl"), writers*perWriter, key)
	}
}

func TestTrimTurns(t *testing.T) {
	u := func(s string) Message { return TextMessage(RoleUser, s) }
	a := func(s string) Message { return TextMessage(RoleAssistant, s) }
	msgs := []Message{a("greeting"), u("1"), a("1a"), a("1b"), u("2"), a("2a"), u("3")}
	tests := []struct {
		n    int
		want string
	}{
		{0, "greeting,1,1a,1b,2,2a,3"},
		{1, "3"},
		{2, "2,2a,3"},
		{3, "1,1a,1b,2,2a,3"},
		{9, "greeting,1,1a,1b,2,2a,3"},
	}
	for _, tt := range tests {
		var got []string
		for _, m := range TrimTurns(msgs, tt.n) {
			got = append(got, m.Text())
		}
		if strings.Join(got, ",") != tt.want {
			t.Errorf("TrimTurns(%d) = %v, want %s", tt.n, got, tt.want)
		}
	}
}
