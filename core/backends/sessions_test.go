package backends

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/sessions"
)

// multiAgentConfig has two agents answering with the echo model.
const multiAgentConfig = `{
  agents: {
    defaults: { model: { primary: "echo/echo" } },
    list: [ { id: "main", default: true, name: "Main" }, { id: "research", name: "Research" } ],
  },
}`

func TestSessionsCreate(t *testing.T) {
	w := newWorld(t, multiAgentConfig)
	svc := New(w.deps()).Sessions
	ctx := context.Background()
	if _, err := svc.Create(ctx, backend.SessionCreate{Key: "agent:main:api:taken"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		req   backend.SessionCreate
		want  error
		check func(t *testing.T, s backend.Session)
	}{
		{"generated key", backend.SessionCreate{AgentID: "research", Label: "Notes"}, nil, func(t *testing.T, s backend.Session) {
			if !strings.HasPrefix(s.Key, "agent:research:api:") || s.AgentID != "research" || s.Label != "Notes" || s.SessionID == "" {
				t.Fatalf("session = %+v", s)
			}
		}},
		{"explicit key and model", backend.SessionCreate{Key: "agent:main:api:x", Model: "echo/echo"}, nil, func(t *testing.T, s backend.Session) {
			if s.Key != "agent:main:api:x" || s.AgentID != "main" || s.Model != "echo/echo" || s.MessageCount != 0 || s.CreatedAt.IsZero() {
				t.Fatalf("session = %+v", s)
			}
		}},
		{"default agent", backend.SessionCreate{}, nil, func(t *testing.T, s backend.Session) {
			if s.AgentID != "main" {
				t.Fatalf("agent = %q", s.AgentID)
			}
		}},
		{"existing key", backend.SessionCreate{Key: "agent:main:api:taken"}, backend.ErrConflict, nil},
		{"malformed key", backend.SessionCreate{Key: "main"}, backend.ErrInvalid, nil},
		{"key of another agent", backend.SessionCreate{Key: "agent:main:api:y", AgentID: "research"}, backend.ErrInvalid, nil},
		{"unknown agent", backend.SessionCreate{AgentID: "ghost"}, backend.ErrNotFound, nil},
		{"unknown model", backend.SessionCreate{Model: "nowhere/model"}, backend.ErrInvalid, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := svc.Create(ctx, tt.req)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.check != nil {
				tt.check(t, s)
				got, err := svc.Get(ctx, s.Key)
				if err != nil || got.SessionID != s.SessionID {
					t.Fatalf("Get(%q) = %+v, %v", s.Key, got, err)
				}
			}
		})
	}
}

func TestSessionsGetAndList(t *testing.T) {
	w := newWorld(t, multiAgentConfig)
	svcs := New(w.deps())
	ctx := context.Background()
	for _, req := range []backend.RunRequest{
		{SessionKey: "agent:main:telegram:direct:42", Message: "a"},
		{SessionKey: "agent:main:api:one", Message: "b"},
		{SessionKey: "agent:research:api:two", Message: "c"},
	} {
		if _, err := svcs.Chat.Run(ctx, req, nil); err != nil {
			t.Fatal(err)
		}
	}
	byKey, err := svcs.Sessions.Get(ctx, "agent:main:api:one")
	if err != nil {
		t.Fatal(err)
	}
	if byKey.MessageCount != 2 || byKey.UpdatedAt.IsZero() || byKey.Active {
		t.Fatalf("session = %+v", byKey)
	}
	byID, err := svcs.Sessions.Get(ctx, byKey.SessionID)
	if err != nil || byID.Key != byKey.Key {
		t.Fatalf("Get by id = %+v, %v", byID, err)
	}
	for _, ref := range []string{"agent:main:api:none", "no-such-id"} {
		if _, err := svcs.Sessions.Get(ctx, ref); !errors.Is(err, backend.ErrNotFound) {
			t.Fatalf("Get(%q) err = %v, want ErrNotFound", ref, err)
		}
	}
	if _, err := svcs.Sessions.Get(ctx, ""); !errors.Is(err, backend.ErrInvalid) {
		t.Fatalf("Get(\"\") err = %v, want ErrInvalid", err)
	}

	tests := []struct {
		name  string
		q     backend.SessionQuery
		keys  []string
		total int
		err   error
	}{
		{"all, newest first", backend.SessionQuery{}, []string{"agent:research:api:two", "agent:main:api:one", "agent:main:telegram:direct:42"}, 3, nil},
		{"one agent", backend.SessionQuery{AgentID: "research"}, []string{"agent:research:api:two"}, 1, nil},
		{"search", backend.SessionQuery{Search: "TELEGRAM"}, []string{"agent:main:telegram:direct:42"}, 1, nil},
		{"page", backend.SessionQuery{Limit: 1, Offset: 1}, []string{"agent:main:api:one"}, 3, nil},
		{"past the end", backend.SessionQuery{Offset: 10}, nil, 3, nil},
		{"active recently", backend.SessionQuery{ActiveMinutes: 5}, []string{"agent:research:api:two", "agent:main:api:one", "agent:main:telegram:direct:42"}, 3, nil},
		{"negative", backend.SessionQuery{Limit: -1}, nil, 0, backend.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := svcs.Sessions.List(ctx, tt.q)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			var keys []string
			for _, s := range p.Sessions {
				keys = append(keys, s.Key)
			}
			if strings.Join(keys, " ") != strings.Join(tt.keys, " ") || p.Total != tt.total {
				t.Fatalf("List = %v (total %d), want %v (total %d)", keys, p.Total, tt.keys, tt.total)
			}
		})
	}
}

func TestSessionsHistory(t *testing.T) {
	w := newWorld(t, echoConfig)
	svcs := New(w.deps())
	ctx := context.Background()
	key := "agent:main:api:h"
	for _, msg := range []string{"first", "second"} {
		if _, err := svcs.Chat.Run(ctx, backend.RunRequest{SessionKey: key, Message: msg}, nil); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		q     backend.HistoryQuery
		texts []string
		err   error
	}{
		{"oldest first", backend.HistoryQuery{Ref: key}, []string{"first", "echo: first", "second", "echo: second"}, nil},
		{"newest first", backend.HistoryQuery{Ref: key, Newest: true}, []string{"echo: second", "second", "echo: first", "first"}, nil},
		{"page", backend.HistoryQuery{Ref: key, Offset: 1, Limit: 2}, []string{"echo: first", "second"}, nil},
		{"newest page", backend.HistoryQuery{Ref: key, Newest: true, Limit: 1}, []string{"echo: second"}, nil},
		{"unknown", backend.HistoryQuery{Ref: "agent:main:api:nope"}, nil, backend.ErrNotFound},
		{"negative", backend.HistoryQuery{Ref: key, Offset: -2}, nil, backend.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := svcs.Sessions.History(ctx, tt.q)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			var texts []string
			for _, m := range h.Messages {
				texts = append(texts, m.Text)
				if m.ID == "" || m.CreatedAt.IsZero() {
					t.Fatalf("message without id or time: %+v", m)
				}
				if m.Role == "assistant" && m.Model != "echo/echo" {
					t.Fatalf("assistant message model = %q", m.Model)
				}
			}
			if strings.Join(texts, "|") != strings.Join(tt.texts, "|") || h.Total != 4 || h.SessionKey != key || h.SessionID == "" {
				t.Fatalf("History = %q total %d key %q id %q", texts, h.Total, h.SessionKey, h.SessionID)
			}
		})
	}
}

func TestSessionsResetAndDelete(t *testing.T) {
	w := newWorld(t, echoConfig)
	svcs := New(w.deps())
	ctx := context.Background()
	run := func(key string) backend.RunResult {
		res, err := svcs.Chat.Run(ctx, backend.RunRequest{SessionKey: key, Message: "hi"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	dir := filepath.Join(w.state, "agents", "main", "sessions")
	archived := func(id string) int {
		m, _ := filepath.Glob(filepath.Join(dir, id+".jsonl.*"))
		return len(m)
	}

	first := run("agent:main:api:r")
	if _, err := svcs.Sessions.Reset(ctx, first.SessionKey, "sideways"); !errors.Is(err, backend.ErrInvalid) {
		t.Fatalf("bad reason: err = %v", err)
	}
	reset, err := svcs.Sessions.Reset(ctx, first.SessionID, "new")
	if err != nil {
		t.Fatal(err)
	}
	if reset.Key != first.SessionKey || reset.SessionID == first.SessionID || reset.MessageCount != 0 {
		t.Fatalf("reset session = %+v (was %s)", reset, first.SessionID)
	}
	if h, _ := svcs.Sessions.History(ctx, backend.HistoryQuery{Ref: reset.Key}); h.Total != 0 {
		t.Fatalf("history after reset has %d messages", h.Total)
	}
	if _, err := svcs.Sessions.Reset(ctx, "agent:main:api:none", "reset"); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("reset unknown: err = %v", err)
	}

	keep := run("agent:main:api:keep")
	drop := run("agent:main:api:drop")
	tests := []struct {
		name       string
		ref        string
		transcript bool
		id         string
		archives   int
	}{
		{"keep transcript", keep.SessionKey, false, keep.SessionID, 1},
		{"delete transcript", drop.SessionID, true, drop.SessionID, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := svcs.Sessions.Delete(ctx, tt.ref, tt.transcript)
			if err != nil || got.SessionID != tt.id {
				t.Fatalf("Delete = %+v, %v", got, err)
			}
			if _, err := svcs.Sessions.Get(ctx, got.Key); !errors.Is(err, backend.ErrNotFound) {
				t.Fatalf("deleted session still there: %v", err)
			}
			if n := archived(tt.id); n != tt.archives {
				t.Fatalf("%d archived transcripts, want %d", n, tt.archives)
			}
			if _, err := os.Stat(filepath.Join(dir, tt.id+".jsonl")); !os.IsNotExist(err) {
				t.Fatalf("live transcript left behind: %v", err)
			}
		})
	}
	if _, err := svcs.Sessions.Delete(ctx, keep.SessionKey, false); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("second delete: err = %v", err)
	}
}

func TestSessionsDeleteMessageUnsupported(t *testing.T) {
	w := newWorld(t, echoConfig)
	err := New(w.deps()).Sessions.DeleteMessage(context.Background(), "abc")
	if !errors.Is(err, backend.ErrUnsupported) || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("err = %v", err)
	}
}

func BenchmarkSessionsHistory(b *testing.B) {
	w := newWorld(b, echoConfig)
	ctx := context.Background()
	key := "agent:main:api:bench"
	var msgs []sessions.Message
	for i := range 500 {
		msgs = append(msgs, sessions.TextMessage(sessions.RoleUser, strings.Repeat("word ", i%20)), sessions.TextMessage(sessions.RoleAssistant, "ok"))
	}
	if _, err := w.store.Append(ctx, key, msgs...); err != nil {
		b.Fatal(err)
	}
	svc := New(w.deps()).Sessions
	b.ResetTimer()
	for b.Loop() {
		if h, err := svc.History(ctx, backend.HistoryQuery{Ref: key, Limit: 50, Newest: true}); err != nil || h.Total != 1000 {
			b.Fatalf("History = %d, %v", h.Total, err)
		}
	}
}
