package httpapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/gateway/webhooks"
)

func restCode(t *testing.T, r response) string {
	t.Helper()
	e := errObj(r.json(t))
	if e == nil {
		t.Fatalf("no error envelope: %d %s", r.status, r.body)
	}
	if _, ok := e["details"].(map[string]any); !ok {
		t.Fatalf("envelope without details object: %s", r.body)
	}
	return e["code"].(string)
}

func TestRESTAuthAndRouting(t *testing.T) {
	e := newEnv(t, nil)
	if r := e.do("GET", "/api/v1/status", nil, ""); r.status != 401 || restCode(t, r) != "INVALID_API_KEY" {
		t.Fatalf("no token: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/api/v1/status", nil, "nope"); r.status != 401 || restCode(t, r) != "INVALID_API_KEY" || r.header.Get("WWW-Authenticate") == "" {
		t.Fatalf("wrong token: %d %s", r.status, r.body)
	}
	if r := e.authed("GET", "/api/v1/nothing", nil); r.status != 404 || restCode(t, r) != "NOT_FOUND" {
		t.Fatalf("unknown route: %d %s", r.status, r.body)
	}
	r := e.authed("PUT", "/api/v1/messages", nil)
	if r.status != 405 || restCode(t, r) != "METHOD_NOT_ALLOWED" || !strings.Contains(r.header.Get("Allow"), "POST") {
		t.Fatalf("wrong method: %d %v %s", r.status, r.header, r.body)
	}
	if r := e.do("GET", "/api/v1/openapi.json", nil, ""); r.status != 200 || r.json(t)["openapi"] != "3.1.0" {
		t.Fatalf("openapi without auth: %d", r.status)
	}
}

func TestRESTStatusAndChannels(t *testing.T) {
	e := newEnv(t, nil)
	st := e.authed("GET", "/api/v1/status", nil).json(t)
	if st["status"] != "ok" || st["version"] != "9.9.9-test" || st["defaultAgentId"] != "main" || st["ready"] != true {
		t.Fatalf("status %v", st)
	}
	e.fakes.Health.SetReady(backend.Readiness{Failing: []string{"plugin:discord"}})
	if st := e.authed("GET", "/api/v1/status", nil).json(t); st["status"] != "degraded" || st["failing"].([]any)[0] != "plugin:discord" {
		t.Fatalf("degraded status %v", st)
	}
	ch := e.authed("GET", "/api/v1/channels?probe=true", nil).json(t)["channels"].([]any)[0].(map[string]any)
	if ch["id"] != "telegram" || ch["status"] != "connected" || ch["accounts"].([]any)[0].(map[string]any)["probe"] == nil {
		t.Fatalf("channels %v", ch)
	}
}

func TestRESTMessagesAndInvoke(t *testing.T) {
	e := newEnv(t, nil)
	e.fakes.Chat.ToolCalls = []backend.ToolCall{{ID: "t1", Name: "weather", Result: "sunny"}}
	r := e.authed("POST", "/api/v1/messages", map[string]any{"content": "deploy it", "agentId": "research", "sessionId": "cron-job-20260306"})
	m := r.json(t)
	if r.status != 200 || m["status"] != "completed" || m["finalReply"] != "echo: deploy it" || m["agentId"] != "research" {
		t.Fatalf("messages: %d %s", r.status, r.body)
	}
	if calls := m["toolCalls"].([]any); len(calls) != 1 || calls[0].(map[string]any)["name"] != "weather" {
		t.Fatalf("toolCalls %v", m["toolCalls"])
	}
	if _, ok := m["durationMs"].(float64); !ok {
		t.Fatal("durationMs missing")
	}
	if key := e.fakes.Chat.Requests()[0].SessionKey; key != "agent:research:api:cron-job-20260306" {
		t.Fatalf("session key %q", key)
	}
	// The same tracking id continues the same session.
	e.authed("POST", "/api/v1/messages", map[string]any{"content": "again", "agentId": "research", "sessionId": "cron-job-20260306"})
	if key := e.fakes.Chat.Requests()[1].SessionKey; key != "agent:research:api:cron-job-20260306" {
		t.Fatalf("second session key %q", key)
	}
	if r := e.authed("POST", "/api/v1/messages", map[string]any{"agentId": "main"}); r.status != 400 || restCode(t, r) != "INVALID_REQUEST" {
		t.Fatalf("empty content: %d %s", r.status, r.body)
	}
	if r := e.authed("POST", "/api/v1/agents/research/invoke", map[string]any{"message": "go"}); r.status != 200 || r.json(t)["agentId"] != "research" {
		t.Fatalf("invoke: %d %s", r.status, r.body)
	}
	if r := e.authed("POST", "/api/v1/agents/ghost/invoke", map[string]any{"message": "go"}); r.status != 404 || restCode(t, r) != "NOT_FOUND" {
		t.Fatalf("invoke unknown agent: %d %s", r.status, r.body)
	}
	e.fakes.Chat.Err = &backend.RunError{Kind: "rate_limit", Message: "slow down"}
	if r := e.authed("POST", "/api/v1/messages", map[string]any{"content": "x"}); r.status != 429 || restCode(t, r) != "RATE_LIMIT" {
		t.Fatalf("rate-limited run: %d %s", r.status, r.body)
	}
	e.fakes.Chat.Err = backendtestErr("disk on fire")
	if r := e.authed("POST", "/api/v1/messages", map[string]any{"content": "x"}); r.status != 500 || restCode(t, r) != "INTERNAL_ERROR" {
		t.Fatalf("failed run: %d %s", r.status, r.body)
	}
}

type backendtestErr string

func (e backendtestErr) Error() string { return string(e) }

func TestRESTChat(t *testing.T) {
	e := newEnv(t, nil)
	r := e.authed("POST", "/api/v1/chat", map[string]any{"message": "你好"})
	m := r.json(t)
	sid, _ := m["session_id"].(string)
	if r.status != 200 || m["response"] != "echo: 你好" || sid == "" || m["tokens"].(map[string]any)["output"] == nil {
		t.Fatalf("chat: %d %s", r.status, r.body)
	}
	r = e.authed("POST", "/api/v1/chat", map[string]any{"message": "again", "session_id": sid})
	if r.status != 200 || r.json(t)["session_id"] != sid {
		t.Fatalf("continue: %d %s", r.status, r.body)
	}
	if h := e.authed("GET", "/api/v1/sessions/"+sid+"/messages", nil).json(t); h["total"] != float64(4) {
		t.Fatalf("history after two turns: %v", h)
	}
	if r := e.authed("POST", "/api/v1/chat", map[string]any{"message": "x", "session_id": "sess-404"}); r.status != 404 || restCode(t, r) != "SESSION_NOT_FOUND" {
		t.Fatalf("unknown session: %d %s", r.status, r.body)
	}
	if r := e.authed("POST", "/api/v1/chat", map[string]any{"message": "x", "model": "deepseek-chat"}); r.status != 404 || restCode(t, r) != "MODEL_NOT_FOUND" {
		t.Fatalf("unknown model: %d %s", r.status, r.body)
	}
	if r := e.authed("POST", "/api/v1/chat", map[string]any{"message": "x", "model": "claude"}); r.status != 200 {
		t.Fatalf("alias model: %d %s", r.status, r.body)
	}
	if r := e.authed("POST", "/api/v1/chat", map[string]any{}); r.status != 400 {
		t.Fatalf("empty chat: %d", r.status)
	}
}

func TestRESTChatStream(t *testing.T) {
	e := newEnv(t, nil)
	r := e.authed("POST", "/api/v1/chat/stream", map[string]any{"message": "写一首诗"})
	if !strings.HasPrefix(r.header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("content type %q", r.header.Get("Content-Type"))
	}
	events := parseSSE(t, r.body)
	var text strings.Builder
	for _, ev := range events[:len(events)-1] {
		text.WriteString(decode(t, ev.data)["text"].(string))
	}
	if events[len(events)-1].data != "[DONE]" || text.String() != "echo: 写一首诗" {
		t.Fatalf("stream %v", events)
	}
	if r := e.authed("POST", "/api/v1/chat/stream", map[string]any{"message": "x", "session_id": "missing"}); r.status != 404 || restCode(t, r) != "SESSION_NOT_FOUND" {
		t.Fatalf("stream unknown session: %d %s", r.status, r.body)
	}
}

func TestRESTSessionsCRUD(t *testing.T) {
	e := newEnv(t, nil)
	r := e.authed("POST", "/api/v1/sessions", map[string]any{"name": "我的会话", "model": "anthropic/claude-test"})
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	s := r.json(t)
	id := s["id"].(string)
	if s["name"] != "我的会话" || s["model"] != "anthropic/claude-test" || s["agentId"] != "main" {
		t.Fatalf("created %v", s)
	}
	if r := e.authed("POST", "/api/v1/sessions", map[string]any{"model": "deepseek-chat"}); r.status != 404 || restCode(t, r) != "MODEL_NOT_FOUND" {
		t.Fatalf("bad model: %d %s", r.status, r.body)
	}
	if r := e.authed("POST", "/api/v1/sessions", map[string]any{"key": "cron:x"}); r.status != 400 {
		t.Fatalf("reserved key: %d", r.status)
	}
	if got := e.authed("GET", "/api/v1/sessions/"+id, nil).json(t); got["id"] != id {
		t.Fatalf("get by id %v", got)
	}
	if got := e.authed("GET", "/api/v1/sessions/"+s["key"].(string), nil); got.status != 200 {
		t.Fatalf("get by key: %d", got.status)
	}
	if r := e.authed("GET", "/api/v1/sessions/nope", nil); r.status != 404 || restCode(t, r) != "SESSION_NOT_FOUND" {
		t.Fatalf("get unknown: %d %s", r.status, r.body)
	}
	for i := range 3 {
		e.authed("POST", "/api/v1/chat", map[string]any{"message": "m" + strconv.Itoa(i), "session_id": id})
	}
	list := e.authed("GET", "/api/v1/sessions?limit=1", nil).json(t)
	if list["total"].(float64) < 1 || len(list["sessions"].([]any)) != 1 || list["limit"] != float64(1) {
		t.Fatalf("list %v", list)
	}
	asc := e.authed("GET", "/api/v1/sessions/"+id+"/messages?limit=2&offset=1", nil).json(t)
	desc := e.authed("GET", "/api/v1/sessions/"+id+"/messages?order=desc&limit=1", nil).json(t)
	ascMsgs := asc["messages"].([]any)
	if asc["total"] != float64(6) || len(ascMsgs) != 2 || ascMsgs[0].(map[string]any)["role"] != "assistant" {
		t.Fatalf("asc page %v", asc)
	}
	newest := desc["messages"].([]any)[0].(map[string]any)
	if newest["content"] != "echo: m2" {
		t.Fatalf("desc order %v", desc)
	}
	for _, q := range []string{"limit=0", "limit=5000", "offset=-1", "order=sideways", "limit=x"} {
		if r := e.authed("GET", "/api/v1/sessions/"+id+"/messages?"+q, nil); r.status != 400 {
			t.Errorf("%s: %d", q, r.status)
		}
	}
	if r := e.authed("DELETE", "/api/v1/messages/"+newest["id"].(string), nil); r.status != 200 {
		t.Fatalf("delete message: %d %s", r.status, r.body)
	}
	if r := e.authed("DELETE", "/api/v1/messages/"+newest["id"].(string), nil); r.status != 404 || restCode(t, r) != "NOT_FOUND" {
		t.Fatalf("delete message twice: %d", r.status)
	}
	if r := e.authed("DELETE", "/api/v1/sessions/"+id, nil); r.status != 200 || r.json(t)["deleted"] != true {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if r := e.authed("DELETE", "/api/v1/sessions/"+id, nil); r.status != 404 || restCode(t, r) != "SESSION_NOT_FOUND" {
		t.Fatalf("delete twice: %d", r.status)
	}
}

func TestRESTSkills(t *testing.T) {
	e := newEnv(t, nil)
	skills := e.authed("GET", "/api/v1/skills", nil).json(t)["skills"].([]any)
	if len(skills) != 2 {
		t.Fatalf("skills %v", skills)
	}
	r := e.authed("POST", "/api/v1/skills/weather/run", map[string]any{"params": map[string]any{"input": "Oslo"}})
	if r.status != 200 || r.json(t)["output"] != "echo: /weather Oslo" {
		t.Fatalf("run: %d %s", r.status, r.body)
	}
	r = e.authed("POST", "/api/v1/skills/weather/run", map[string]any{"params": map[string]any{"city": "Oslo", "days": 2}})
	if msg := e.fakes.Chat.Requests()[1].Message; msg != `/weather {"city":"Oslo","days":2}` {
		t.Fatalf("structured params message %q", msg)
	}
	if r := e.authed("POST", "/api/v1/skills/deploy/run", map[string]any{}); r.status != 400 || restCode(t, r) != "INVALID_REQUEST" {
		t.Fatalf("ineligible skill: %d %s", r.status, r.body)
	}
	if r := e.authed("POST", "/api/v1/skills/nope/run", map[string]any{}); r.status != 404 {
		t.Fatalf("unknown skill: %d", r.status)
	}
}

func TestRESTConfig(t *testing.T) {
	e := newEnv(t, nil)
	r := e.authed("GET", "/api/v1/config", nil)
	m := r.json(t)
	token := m["config"].(map[string]any)["gateway"].(map[string]any)["auth"].(map[string]any)["token"]
	if token != backend.RedactedValue || r.header.Get("ETag") != `"`+m["hash"].(string)+`"` {
		t.Fatalf("config %s %v", r.body, r.header)
	}
	if r := e.authed("PATCH", "/api/v1/config", map[string]any{"gateway": map[string]any{"port": 19999}}, "If-Match", `"stale"`); r.status != 409 || restCode(t, r) != "CONFLICT" {
		t.Fatalf("stale patch: %d %s", r.status, r.body)
	}
	r = e.authed("PATCH", "/api/v1/config", map[string]any{"gateway": map[string]any{"port": 19999}}, "If-Match", r.header.Get("ETag"))
	if r.status != 200 || r.json(t)["hash"] == m["hash"] {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	if got := e.fakes.Config.Doc()["gateway"].(map[string]any)["port"]; got != float64(19999) {
		t.Fatalf("port %v", got)
	}
	r = e.authed("PATCH", "/api/v1/config", map[string]any{"gateway": map[string]any{"port": 0}})
	details, _ := errObj(r.json(t))["details"].(map[string]any)
	if r.status != 400 || details["issues"] == nil {
		t.Fatalf("invalid patch: %d %s", r.status, r.body)
	}
	if r := e.authed("PATCH", "/api/v1/config", "[1,2]"); r.status != 400 {
		t.Fatalf("array patch: %d", r.status)
	}
}

type hookReceiver struct {
	mu   sync.Mutex
	reqs []*http.Request
	body [][]byte
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.reqs = append(h.reqs, r)
	h.body = append(h.body, b)
	h.mu.Unlock()
}

func (h *hookReceiver) wait(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		h.mu.Lock()
		got := len(h.reqs)
		h.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhook received %d deliveries, want %d", got, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRESTWebhooks(t *testing.T) {
	e := newEnv(t, nil)
	rc := &hookReceiver{}
	hs := httptest.NewServer(rc)
	defer hs.Close()
	r := e.authed("POST", "/api/v1/webhooks", map[string]any{"url": hs.URL + "/hook", "events": []string{"session.created"}})
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	wh := r.json(t)
	id, secret := wh["id"].(string), wh["secret"].(string)
	if secret == "" {
		t.Fatal("secret not returned on create")
	}
	if got := e.authed("GET", "/api/v1/webhooks/"+id, nil).json(t); got["secret"] != nil {
		t.Fatal("secret shown after creation")
	}
	if list := e.authed("GET", "/api/v1/webhooks", nil).json(t)["webhooks"].([]any); len(list) != 1 {
		t.Fatalf("list %v", list)
	}
	for _, bad := range []map[string]any{{"url": "nope", "events": []string{"*"}}, {"url": hs.URL, "events": []string{"bogus"}}, {"url": hs.URL}} {
		if r := e.authed("POST", "/api/v1/webhooks", bad); r.status != 400 {
			t.Errorf("%v: %d", bad, r.status)
		}
	}
	// A session created through the API is delivered, signed.
	e.authed("POST", "/api/v1/sessions", map[string]any{"name": "x"})
	rc.wait(t, 1)
	req, body := rc.reqs[0], rc.body[0]
	ts, _ := strconv.ParseInt(req.Header.Get("X-OpenClaw-Timestamp"), 10, 64)
	if req.Header.Get("X-OpenClaw-Event") != "session.created" || !webhooks.Verify(secret, ts, body, req.Header.Get("X-OpenClaw-Signature"), time.Now(), time.Minute) {
		t.Fatalf("delivery %v %s", req.Header, body)
	}
	test := e.authed("POST", "/api/v1/webhooks/"+id+"/test", nil).json(t)
	if test["delivered"] != true || test["attempts"] != float64(1) {
		t.Fatalf("test delivery %v", test)
	}
	rc.wait(t, 2)
	if r := e.authed("DELETE", "/api/v1/webhooks/"+id, nil); r.status != 200 {
		t.Fatalf("delete: %d", r.status)
	}
	if r := e.authed("POST", "/api/v1/webhooks/"+id+"/test", nil); r.status != 404 {
		t.Fatalf("test deleted: %d", r.status)
	}
}

func TestRESTRateLimitEnvelope(t *testing.T) {
	e := newEnv(t, nil)
	limited := newEnv(t, func(o *Options) { o.Auth = mustLimitedAuth(t) })
	_ = e
	for range 2 {
		limited.do("GET", "/api/v1/status", nil, "bad")
	}
	r := limited.do("GET", "/api/v1/status", nil, token)
	if r.status != 429 || restCode(t, r) != "RATE_LIMIT" || r.header.Get("Retry-After") == "" {
		t.Fatalf("%d %v %s", r.status, r.header, r.body)
	}
}
