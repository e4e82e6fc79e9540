package backends

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/models/apis"
	"github.com/openclaw-go/openclaw/core/sessions"
	"github.com/openclaw-go/openclaw/pluginsdk"
)

// scriptConfig routes the agent to the "script" provider, which tests
// replace with a scripted one.
const scriptConfig = `{
  models: { providers: { script: { baseUrl: "http://127.0.0.1:9", api: "openai-completions", models: [{ id: "m" }] } } },
  agents: { defaults: { model: { primary: "script/m" } } },
}`

// scripted answers like echo, after waiting on gate, or fails with err.
type scripted struct {
	gate    chan struct{}
	started chan struct{}
	err     error
	reply   string // "done" when empty
}

func (s *scripted) Stream(ctx context.Context, req models.Request, onEvent func(models.Event)) (*models.Response, error) {
	if s.started != nil {
		s.started <- struct{}{}
	}
	if s.gate != nil {
		select {
		case <-s.gate:
		case <-ctx.Done():
			return nil, &models.Error{Provider: "script", Reason: models.ReasonAborted, Err: ctx.Err()}
		}
	}
	if s.err != nil {
		return nil, s.err
	}
	reply := s.reply
	if reply == "" {
		reply = "done"
	}
	onEvent(models.Event{Type: models.EventText, Text: reply})
	return &models.Response{Message: models.AssistantMessage(reply), FinishReason: models.FinishStop}, nil
}

func scriptWorld(t *testing.T, s *scripted) *world {
	t.Helper()
	w := newWorld(t, scriptConfig)
	w.connect = func(ep models.Endpoint) (models.Provider, error) {
		if ep.Provider == "script" {
			return s, nil
		}
		return apis.Connect(ep)
	}
	w.build()
	return w
}

func collect(events *[]backend.RunEvent) func(backend.RunEvent) {
	return func(ev backend.RunEvent) { *events = append(*events, ev) }
}

func TestChatRunEcho(t *testing.T) {
	w := newWorld(t, echoConfig)
	chat := New(w.deps()).Chat
	var events []backend.RunEvent
	res, err := chat.Run(context.Background(), backend.RunRequest{RunID: "run_1", Message: "hello there", Origin: "ws"}, collect(&events))
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Text != "echo: hello there" || res.Model != "echo/echo" || res.StopReason != "stop" {
		t.Fatalf("result = %+v", res)
	}
	if res.SessionKey != "agent:main:main" || res.AgentID != "main" || res.SessionID == "" {
		t.Fatalf("session of result = %q %q %q", res.SessionKey, res.AgentID, res.SessionID)
	}
	if res.Usage.OutputTokens != 3 || res.Usage.InputTokens == 0 || res.Usage.TotalTokens != res.Usage.InputTokens+res.Usage.OutputTokens {
		t.Fatalf("usage = %+v", res.Usage)
	}
	var streamed strings.Builder
	phases := map[string]bool{}
	for _, ev := range events {
		switch ev.Kind {
		case backend.EventDelta:
			streamed.WriteString(ev.Text)
		case backend.EventStatus:
			phases[ev.Phase] = true
		}
	}
	if streamed.String() != res.Text {
		t.Fatalf("streamed %q, result %q", streamed.String(), res.Text)
	}
	if !phases["preparing_context"] || !phases["starting_model"] {
		t.Fatalf("phases = %v", phases)
	}
	recs, err := w.store.History(context.Background(), res.SessionKey, sessions.HistoryOptions{})
	if err != nil || len(recs) != 2 {
		t.Fatalf("transcript = %d records, %v", len(recs), err)
	}
	if res.MessageID == "" || res.MessageID != recs[1].ID {
		t.Fatalf("MessageID = %q, stored reply id %q", res.MessageID, recs[1].ID)
	}
}

func TestChatRunHistory(t *testing.T) {
	w := newWorld(t, echoConfig)
	chat := New(w.deps()).Chat
	ctx := context.Background()
	run := func(req backend.RunRequest) backend.RunResult {
		t.Helper()
		res, err := chat.Run(ctx, req, nil)
		if err != nil {
			t.Fatalf("Run %+v: %v", req, err)
		}
		return res
	}
	key := "agent:main:openai-user:abc"
	// Three turns in the session make its history long.
	for range 3 {
		run(backend.RunRequest{RunID: "r", SessionKey: key, Message: "one two three four five", Origin: "rest"})
	}
	withSession := run(backend.RunRequest{RunID: "r", SessionKey: key, Message: "hi", Origin: "rest"})
	stateless := run(backend.RunRequest{RunID: "r", SessionKey: key, Message: "hi", Origin: "openai"})
	given := run(backend.RunRequest{RunID: "r", SessionKey: key, Message: "hi", Origin: "openai", History: []backend.HistoryMessage{
		{Role: "user", Text: "what is up"}, {Role: "assistant", Text: "echo: what is up"},
	}})
	if stateless.Usage.InputTokens >= withSession.Usage.InputTokens {
		t.Fatalf("an openai request without history saw the session's: %d >= %d tokens", stateless.Usage.InputTokens, withSession.Usage.InputTokens)
	}
	if given.Usage.InputTokens <= stateless.Usage.InputTokens || given.Usage.InputTokens >= withSession.Usage.InputTokens {
		t.Fatalf("the caller's history was not used instead of the session's: %d tokens (none %d, session %d)",
			given.Usage.InputTokens, stateless.Usage.InputTokens, withSession.Usage.InputTokens)
	}
}

func TestChatRunRequestErrors(t *testing.T) {
	w := newWorld(t, echoConfig)
	chat := New(w.deps()).Chat
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		req  backend.RunRequest
		want error
	}{
		{"bad session key", context.Background(), backend.RunRequest{SessionKey: "global", Message: "x"}, backend.ErrInvalid},
		{"unknown agent", context.Background(), backend.RunRequest{AgentID: "nobody", Message: "x"}, backend.ErrNotFound},
		{"history role", context.Background(), backend.RunRequest{Message: "x", History: []backend.HistoryMessage{{Role: "system", Text: "be nice"}}}, backend.ErrInvalid},
		{"tool message without call id", context.Background(), backend.RunRequest{Message: "x", History: []backend.HistoryMessage{{Role: "tool", Text: "42"}}}, backend.ErrInvalid},
		{"attachment not base64", context.Background(), backend.RunRequest{Message: "x", Attachments: []backend.Attachment{{Type: "image", Content: "%%%"}}}, backend.ErrInvalid},
		{"attachment type", context.Background(), backend.RunRequest{Message: "x", Attachments: []backend.Attachment{{Type: "hologram", Content: "aGk="}}}, backend.ErrInvalid},
		{"deliver to unknown channel", context.Background(), backend.RunRequest{Message: "x", Deliver: &backend.Delivery{Channel: "telegram", To: "1"}}, backend.ErrInvalid},
		{"cancelled", cancelled, backend.RunRequest{Message: "x"}, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := chat.Run(tt.ctx, tt.req, nil)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	// Requests refused before the turn leave no session behind.
	if list, _ := w.store.List(context.Background(), sessions.ListOptions{}); len(list) != 0 {
		t.Fatalf("refused requests created sessions: %+v", list)
	}
}

func TestChatRunUnknownModel(t *testing.T) {
	// Without a configured model to fall back on, the requested one is
	// the only candidate.
	w := newWorld(t, `{}`)
	_, err := New(w.deps()).Chat.Run(context.Background(), backend.RunRequest{Message: "x", Model: "nowhere/model"}, nil)
	var re *backend.RunError
	if !errors.As(err, &re) || re.Kind != "model_not_found" {
		t.Fatalf("err = %v, want a model_not_found RunError", err)
	}
}

func TestChatRunErrorKinds(t *testing.T) {
	tests := []struct {
		reason    models.Reason
		kind      string
		retryable bool
	}{
		{models.ReasonRefusal, "refusal", false},
		{models.ReasonRateLimit, "rate_limit", true},
		{models.ReasonOverloaded, "rate_limit", true},
		{models.ReasonTimeout, "timeout", true},
		{models.ReasonContextOverflow, "context_length", false},
		{models.ReasonModelNotFound, "model_not_found", false},
		{models.ReasonAuth, "unknown", false},
		{models.ReasonServerError, "unknown", true},
	}
	for _, tt := range tests {
		t.Run(string(tt.reason), func(t *testing.T) {
			s := &scripted{err: &models.Error{Provider: "script", Model: "m", Reason: tt.reason, Status: 400, Message: "sk-secret-detail"}}
			w := scriptWorld(t, s)
			_, err := New(w.deps()).Chat.Run(context.Background(), backend.RunRequest{RunID: "r1", Message: "x"}, nil)
			var re *backend.RunError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want *backend.RunError", err)
			}
			if re.Kind != tt.kind || re.Retryable != tt.retryable {
				t.Fatalf("RunError = %+v, want kind %s retryable %v", re, tt.kind, tt.retryable)
			}
			if strings.Contains(re.Message, "sk-secret-detail") || re.Message == "" {
				t.Fatalf("message %q leaks provider detail or is empty", re.Message)
			}
		})
	}
}

func TestChatRunTimeout(t *testing.T) {
	w := scriptWorld(t, &scripted{gate: make(chan struct{})})
	_, err := New(w.deps()).Chat.Run(context.Background(), backend.RunRequest{Message: "x", Timeout: 20 * time.Millisecond}, nil)
	var re *backend.RunError
	if !errors.As(err, &re) || re.Kind != "timeout" || !re.Retryable {
		t.Fatalf("err = %v, want a retryable timeout RunError", err)
	}
}

func TestChatAbort(t *testing.T) {
	s := &scripted{gate: make(chan struct{}), started: make(chan struct{}, 1)}
	w := scriptWorld(t, s)
	chat := New(w.deps()).Chat
	ctx := context.Background()
	done := make(chan error, 1)
	go func() {
		_, err := chat.Run(ctx, backend.RunRequest{RunID: "run_x", SessionKey: "agent:main:api:1", Message: "x"}, nil)
		done <- err
	}()
	<-s.started
	tests := []struct {
		name string
		req  backend.AbortRequest
		want []string
	}{
		{"other session", backend.AbortRequest{SessionKey: "agent:main:api:2"}, nil},
		{"other run", backend.AbortRequest{SessionKey: "agent:main:api:1", RunID: "run_y"}, nil},
		{"run id alone", backend.AbortRequest{RunID: "run_x"}, nil},
		{"the run", backend.AbortRequest{SessionKey: "agent:main:api:1", RunID: "run_x"}, []string{"run_x"}},
	}
	for _, tt := range tests {
		got, err := chat.Abort(ctx, tt.req)
		if err != nil || strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Fatalf("%s: Abort = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("aborted run returned %v, want context.Canceled", err)
	}
}

func TestChatRunDeliver(t *testing.T) {
	w := newWorld(t, echoConfig)
	fc := w.addChannel("discord", "default")
	res, err := New(w.deps()).Chat.Run(context.Background(), backend.RunRequest{
		RunID: "run_d", Message: "ping", Deliver: &backend.Delivery{Channel: "discord", To: "channel:123", ThreadID: "9"},
	}, nil)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !res.Delivered {
		t.Fatal("Delivered = false")
	}
	sent := fc.requests()
	if len(sent) != 1 {
		t.Fatalf("sent %d messages", len(sent))
	}
	got := sent[0]
	if got.GetText() != "echo: ping" || got.GetTarget().GetId() != "channel:123" || got.GetTarget().GetKind() != pluginsdk.PeerKindToWire(pluginsdk.PeerChannel) ||
		got.GetAccountId() != "default" || got.GetThreadId() != "9" || !strings.HasPrefix(got.GetIdempotencyKey(), "deliver:run_d") {
		t.Fatalf("sent %+v", got)
	}

	fc.sendErr = errors.New("platform down")
	res, err = New(w.deps()).Chat.Run(context.Background(), backend.RunRequest{
		RunID: "run_e", Message: "ping", Deliver: &backend.Delivery{Channel: "discord", To: "channel:123"},
	}, nil)
	if err != nil || res.Delivered || res.Text != "echo: ping" {
		t.Fatalf("failed delivery: res %+v, err %v; want the reply, undelivered", res, err)
	}
}

func TestTurnMedia(t *testing.T) {
	tests := []struct {
		name string
		in   backend.Attachment
		kind string
		url  string
		data string
		mime string
	}{
		{"url image", backend.Attachment{Type: "image", Content: "https://example.com/a.png"}, "image", "https://example.com/a.png", "", ""},
		{"base64 file", backend.Attachment{Type: "file", MimeType: "text/plain", Content: "aGVsbG8="}, "document", "", "hello", "text/plain"},
		{"unpadded base64", backend.Attachment{Content: "aGVsbG8", MimeType: "image/png"}, "", "", "hello", "image/png"},
		{"data url", backend.Attachment{Type: "image", Content: "data:image/png;base64,aGk="}, "image", "", "hi", "image/png"},
		{"plain data url", backend.Attachment{Type: "file", Content: "data:text/plain,a%20b"}, "document", "", "a b", "text/plain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := turnMedia([]backend.Attachment{tt.in})
			if err != nil {
				t.Fatal(err)
			}
			m := got[0]
			if m.Kind != tt.kind || m.URL != tt.url || string(m.Data) != tt.data || m.MimeType != tt.mime {
				t.Fatalf("media = %+v", m)
			}
		})
	}
}

func TestModelHistoryMergesToolCalls(t *testing.T) {
	got, err := modelHistory([]backend.HistoryMessage{
		{Role: "user", Text: "weather?"},
		{Role: "assistant", Text: "let me check"},
		{Role: "assistant", ToolCalls: []backend.ClientToolCall{{ID: "c1", Name: "weather", Arguments: `{"city":"Oslo"}`}}},
		{Role: "assistant", ToolCalls: []backend.ClientToolCall{{ID: "c2", Name: "time", Arguments: `{}`}}},
		{Role: "tool", ToolCallID: "c1", Text: "rain"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[1].Text() != "let me check" || len(got[1].ToolCalls) != 2 || got[2].Role != models.RoleTool || got[2].ToolCallID != "c1" {
		t.Fatalf("history = %+v", got)
	}
}

func TestChatRunSilentReply(t *testing.T) {
	w := scriptWorld(t, &scripted{reply: "NO_REPLY"})
	fc := w.addChannel("telegram", "default")
	var events []backend.RunEvent
	res, err := New(w.deps()).Chat.Run(context.Background(), backend.RunRequest{
		Message: "x", Deliver: &backend.Delivery{Channel: "telegram", To: "42"},
	}, collect(&events))
	if err != nil {
		t.Fatal(err)
	}
	var text string
	for _, ev := range events {
		if ev.Kind != backend.EventDelta {
			continue
		}
		if ev.Replace {
			text = ""
		}
		text += ev.Text
	}
	if res.Text != "" || text != "" || res.Delivered || len(fc.requests()) != 0 {
		t.Fatalf("silent reply: result %q, streamed %q, delivered %v (%d sends)", res.Text, text, res.Delivered, len(fc.requests()))
	}
}
