package httpapi

import (
	"strings"
	"testing"

	"github.com/openclaw-go/openclaw/core/gateway/auth"
	"github.com/openclaw-go/openclaw/core/gateway/backend"
)

func TestProbes(t *testing.T) {
	e := newEnv(t, nil)
	for _, p := range []string{"/health", "/healthz"} {
		r := e.do("GET", p, nil, "")
		if r.status != 200 || r.json(t)["status"] != "live" || r.json(t)["ok"] != true {
			t.Fatalf("%s: %d %s", p, r.status, r.body)
		}
		if h := e.do("HEAD", p, nil, ""); h.status != 200 {
			t.Fatalf("HEAD %s: %d", p, h.status)
		}
	}
	if r := e.do("GET", "/readyz", nil, ""); r.status != 200 || r.json(t)["status"] != "ready" {
		t.Fatalf("readyz: %d %s", r.status, r.body)
	}
	e.fakes.Health.SetReady(backend.Readiness{Ready: false, Failing: []string{"channel:telegram:default"}})
	r := e.do("GET", "/readyz", nil, "")
	if r.status != 503 || r.json(t)["failing"].([]any)[0] != "channel:telegram:default" {
		t.Fatalf("not ready: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/startupz", nil, ""); r.status != 200 {
		t.Fatalf("startupz %d", r.status)
	}
}

func TestReadinessWhileDraining(t *testing.T) {
	draining := false
	e := newEnv(t, func(o *Options) { o.Draining = func() bool { return draining } })
	draining = true
	if r := e.do("GET", "/readyz", nil, ""); r.status != 503 {
		t.Fatalf("readyz while draining: %d", r.status)
	}
	if r := e.do("GET", "/startupz", nil, ""); r.status != 503 || r.json(t)["status"] != "draining" {
		t.Fatalf("startupz while draining: %d %s", r.status, r.body)
	}
}

func TestOpenAIEndpointsOffByDefault(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Endpoints = Endpoints{} })
	for _, p := range []string{"/v1/chat/completions", "/v1/models", "/v1/responses"} {
		if r := e.authed("POST", p, map[string]any{}); r.status != 404 {
			t.Errorf("%s with endpoints off: %d", p, r.status)
		}
	}
	only := newEnv(t, func(o *Options) { o.Endpoints = Endpoints{ChatCompletions: true} })
	if r := only.authed("POST", "/v1/responses", map[string]any{"input": "x"}); r.status != 404 {
		t.Errorf("responses while only chat completions enabled: %d", r.status)
	}
	if r := only.authed("GET", "/v1/models", nil); r.status != 200 {
		t.Errorf("models with chat completions enabled: %d", r.status)
	}
}

func TestOpenAIAuth(t *testing.T) {
	e := newEnv(t, nil)
	body := map[string]any{"model": "openclaw", "messages": []any{map[string]any{"role": "user", "content": "hi"}}}
	for _, tok := range []string{"", "wrong"} {
		r := e.do("POST", "/v1/chat/completions", body, tok)
		if r.status != 401 || errObj(r.json(t))["type"] != "unauthorized" {
			t.Fatalf("token %q: %d %s", tok, r.status, r.body)
		}
	}
	if r := e.authed("GET", "/v1/chat/completions", nil); r.status != 405 || r.header.Get("Allow") != "POST" {
		t.Fatalf("GET chat completions: %d", r.status)
	}

	limited := newEnv(t, func(o *Options) {
		o.Auth, _ = auth.New(auth.Settings{Mode: auth.ModeToken, Token: token, Limit: auth.RateLimit{MaxAttempts: 2}}, nil, nil)
	})
	for range 2 {
		limited.do("GET", "/v1/models", nil, "bad")
	}
	r := limited.do("GET", "/v1/models", nil, token)
	if r.status != 429 || r.header.Get("Retry-After") == "" || errObj(r.json(t))["type"] != "rate_limit_error" {
		t.Fatalf("after failures: %d %v %s", r.status, r.header, r.body)
	}
}

func TestModelsList(t *testing.T) {
	e := newEnv(t, nil)
	r := e.authed("GET", "/v1/models", nil)
	var ids []string
	for _, m := range r.json(t)["data"].([]any) {
		ids = append(ids, m.(map[string]any)["id"].(string))
	}
	if strings.Join(ids, ",") != "openclaw,openclaw/default,openclaw/main,openclaw/research" {
		t.Fatalf("models %v", ids)
	}
	if r := e.authed("GET", "/v1/models/openclaw%2Fdefault", nil); r.status != 200 || r.json(t)["id"] != "openclaw/default" {
		t.Fatalf("get model: %d %s", r.status, r.body)
	}
	if r := e.authed("GET", "/v1/models/openclaw/research", nil); r.status != 200 {
		t.Fatalf("get model by path: %d", r.status)
	}
	if r := e.authed("GET", "/v1/models/gpt-9", nil); r.status != 404 || errObj(r.json(t))["code"] != "model_not_found" {
		t.Fatalf("unknown model: %d %s", r.status, r.body)
	}
}

func completionBody(model string, msgs ...map[string]any) map[string]any {
	m := make([]any, 0, len(msgs))
	for _, x := range msgs {
		m = append(m, x)
	}
	return map[string]any{"model": model, "messages": m}
}

func user(text string) map[string]any { return map[string]any{"role": "user", "content": text} }

func TestChatCompletionsNonStreaming(t *testing.T) {
	e := newEnv(t, nil)
	body := completionBody("openclaw/research",
		map[string]any{"role": "system", "content": "Be brief."},
		user("earlier"),
		map[string]any{"role": "assistant", "content": "ok"},
		map[string]any{"role": "user", "content": []any{map[string]any{"type": "text", "text": "hi"}, map[string]any{"type": "text", "text": "there"}}},
	)
	r := e.authed("POST", "/v1/chat/completions", body)
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	m := r.json(t)
	choice := m["choices"].([]any)[0].(map[string]any)
	if m["object"] != "chat.completion" || m["model"] != "openclaw/research" || !strings.HasPrefix(m["id"].(string), "chatcmpl-") {
		t.Fatalf("completion %v", m)
	}
	if choice["message"].(map[string]any)["content"] != "echo: hi\nthere" || choice["finish_reason"] != "stop" {
		t.Fatalf("choice %v", choice)
	}
	if u := m["usage"].(map[string]any); u["total_tokens"].(float64) != u["prompt_tokens"].(float64)+u["completion_tokens"].(float64) {
		t.Fatalf("usage %v", u)
	}
	req := e.fakes.Chat.Requests()[0]
	if req.AgentID != "research" || req.ExtraSystemPrompt != "Be brief." || len(req.History) != 2 || req.History[1].Role != "assistant" || req.Origin != "openai" {
		t.Fatalf("run request %+v", req)
	}
	if !strings.HasPrefix(req.SessionKey, "agent:research:openai:") {
		t.Fatalf("session key %q", req.SessionKey)
	}
}

func TestChatCompletionsRouting(t *testing.T) {
	e := newEnv(t, nil)
	post := func(body map[string]any, headers ...string) (response, backend.RunRequest) {
		r := e.authed("POST", "/v1/chat/completions", body, headers...)
		reqs := e.fakes.Chat.Requests()
		if r.status != 200 {
			return r, backend.RunRequest{}
		}
		return r, reqs[len(reqs)-1]
	}
	_, a := post(completionBody("openclaw", user("x")))
	_, b := post(completionBody("openclaw/default", user("x")))
	if a.AgentID != "main" || b.AgentID != "main" || a.SessionKey == b.SessionKey {
		t.Fatalf("default agent / stateless sessions: %+v %+v", a, b)
	}
	withUser := completionBody("openclaw", user("x"))
	withUser["user"] = "conv:42"
	_, u1 := post(withUser)
	_, u2 := post(withUser)
	if u1.SessionKey != u2.SessionKey || !strings.Contains(u1.SessionKey, "openai-user:") {
		t.Fatalf("user-derived sessions differ: %q %q", u1.SessionKey, u2.SessionKey)
	}
	for _, model := range []string{"openclaw:research", "agent:research"} {
		if _, r := post(completionBody(model, user("x"))); r.AgentID != "research" {
			t.Errorf("%s routed to %q", model, r.AgentID)
		}
	}
	if _, r := post(completionBody("openclaw", user("x")), "x-openclaw-agent-id", "research", "x-openclaw-model", "openai/gpt-x", "x-openclaw-session-key", "agent:research:mine"); r.AgentID != "research" || r.Model != "openai/gpt-x" || r.SessionKey != "agent:research:mine" {
		t.Fatalf("header overrides: %+v", r)
	}
	if _, r := post(completionBody("anthropic/claude-test", user("x"))); r.AgentID != "main" || r.Model != "anthropic/claude-test" {
		t.Fatalf("catalog model: %+v", r)
	}
	if _, r := post(completionBody("claude", user("x"))); r.Model != "anthropic/claude-test" {
		t.Fatalf("alias: %+v", r)
	}
	r, _ := post(completionBody("openclaw/nobody", user("x")))
	if r.status != 404 || errObj(r.json(t))["code"] != "model_not_found" {
		t.Fatalf("unknown agent: %d %s", r.status, r.body)
	}
	r, _ = post(completionBody("gpt-17", user("x")))
	if r.status != 404 {
		t.Fatalf("unknown model: %d", r.status)
	}
	for _, key := range []string{"cron:daily", "subagent:x", "agent:main:acp:y"} {
		r, _ = post(completionBody("openclaw", user("x")), "x-openclaw-session-key", key)
		if r.status != 400 || errObj(r.json(t))["type"] != "invalid_request_error" {
			t.Errorf("reserved key %s: %d", key, r.status)
		}
	}
}

func TestChatCompletionsValidation(t *testing.T) {
	e := newEnv(t, nil)
	base := func(k string, v any) map[string]any {
		b := completionBody("openclaw", user("x"))
		b[k] = v
		return b
	}
	tests := []struct {
		name  string
		body  any
		param string
	}{
		{"temperature", base("temperature", 2.5), "temperature"},
		{"top_p", base("top_p", -0.1), "top_p"},
		{"frequency_penalty", base("frequency_penalty", 3), "frequency_penalty"},
		{"presence_penalty", base("presence_penalty", -3), "presence_penalty"},
		{"seed", base("seed", 1.5), "seed"},
		{"max_tokens", base("max_tokens", 0), "max_tokens"},
		{"max_completion_tokens", base("max_completion_tokens", 2.5), "max_completion_tokens"},
		{"stop too many", base("stop", []string{"a", "b", "c", "d", "e"}), "stop"},
		{"stop empty", base("stop", []string{""}), "stop"},
		{"tools not array", base("tools", map[string]any{}), "tools"},
		{"tool not function", base("tools", []any{map[string]any{"type": "code"}}), "tools[0].type"},
		{"tool without name", base("tools", []any{map[string]any{"type": "function", "function": map[string]any{}}}), "tools[0].function.name"},
		{"tool_choice allowed_tools", base("tool_choice", map[string]any{"type": "allowed_tools"}), "tool_choice"},
		{"tool_choice custom", base("tool_choice", "custom"), "tool_choice"},
		{"tool_choice unknown fn", base("tool_choice", map[string]any{"type": "function", "function": map[string]any{"name": "nope"}}), "tool_choice"},
		{"no messages", map[string]any{"model": "openclaw", "messages": []any{}}, "messages"},
		{"last from assistant", completionBody("openclaw", user("x"), map[string]any{"role": "assistant", "content": "y"}), "messages"},
		{"bad role", completionBody("openclaw", map[string]any{"role": "robot", "content": "y"}), "messages[0].role"},
		{"url image", completionBody("openclaw", map[string]any{"role": "user", "content": []any{map[string]any{"type": "image_url", "image_url": map[string]any{"url": "https://x/y.png"}}}}), "messages[-1].content"},
	}
	for _, tt := range tests {
		r := e.authed("POST", "/v1/chat/completions", tt.body)
		if r.status != 400 || errObj(r.json(t))["type"] != "invalid_request_error" || errObj(r.json(t))["param"] != tt.param {
			t.Errorf("%s: %d %s", tt.name, r.status, r.body)
		}
	}
	if r := e.authed("POST", "/v1/chat/completions", "{nope"); r.status != 400 {
		t.Errorf("bad JSON: %d", r.status)
	}
	if r := e.authed("POST", "/v1/chat/completions", `{"model":"openclaw","messages":[],"pad":"`+strings.Repeat("x", maxOpenAIBody)+`"}`); r.status != 413 {
		t.Errorf("oversize body: %d", r.status)
	}
	if len(e.fakes.Chat.Requests()) != 0 {
		t.Fatal("an invalid request started a run")
	}
	ok := base("stop", "END")
	ok["max_completion_tokens"], ok["max_tokens"], ok["temperature"] = 50, 10, 0.5
	if r := e.authed("POST", "/v1/chat/completions", ok); r.status != 200 {
		t.Fatalf("valid sampling rejected: %d %s", r.status, r.body)
	}
	s := e.fakes.Chat.Requests()[0].Sampling
	if s.MaxTokens != 50 || *s.Temperature != 0.5 || s.Stop[0] != "END" {
		t.Fatalf("sampling %+v", s)
	}
}

func TestChatCompletionsStreaming(t *testing.T) {
	e := newEnv(t, nil)
	body := completionBody("openclaw", user("hello world"))
	body["stream"] = true
	body["stream_options"] = map[string]any{"include_usage": true}
	r := e.authed("POST", "/v1/chat/completions", body)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("%d %v", r.status, r.header)
	}
	events := parseSSE(t, r.body)
	if events[len(events)-1].data != "[DONE]" {
		t.Fatalf("stream does not end with [DONE]: %v", events)
	}
	first := decode(t, events[0].data)["choices"].([]any)[0].(map[string]any)["delta"].(map[string]any)
	if first["role"] != "assistant" {
		t.Fatalf("first chunk %v", first)
	}
	var text strings.Builder
	var finish any
	var usage map[string]any
	for _, ev := range events[:len(events)-1] {
		c := decode(t, ev.data)
		if c["object"] != "chat.completion.chunk" {
			t.Fatalf("chunk %v", c)
		}
		if u, ok := c["usage"].(map[string]any); ok {
			usage = u
			continue
		}
		ch := c["choices"].([]any)[0].(map[string]any)
		if s, ok := ch["delta"].(map[string]any)["content"].(string); ok {
			text.WriteString(s)
		}
		if ch["finish_reason"] != nil {
			finish = ch["finish_reason"]
		}
	}
	if text.String() != "echo: hello world" || finish != "stop" || usage["total_tokens"] == nil {
		t.Fatalf("text %q finish %v usage %v", text.String(), finish, usage)
	}
}

func TestChatCompletionsStreamingError(t *testing.T) {
	e := newEnv(t, nil)
	e.fakes.Chat.Err = &backend.RunError{Kind: "timeout", Message: "agent timed out"}
	body := completionBody("openclaw", user("x"))
	body["stream"] = true
	r := e.authed("POST", "/v1/chat/completions", body)
	events := parseSSE(t, r.body)
	if events[len(events)-1].data != "[DONE]" {
		t.Fatal("no [DONE] after an error")
	}
	last := decode(t, events[len(events)-2].data)
	if errObj(last)["message"] != "run failed (timeout): agent timed out" {
		t.Fatalf("error chunk %v", last)
	}
	// Non-streaming failures are HTTP errors.
	body["stream"] = false
	if r := e.authed("POST", "/v1/chat/completions", body); r.status != 504 {
		t.Fatalf("non-streaming timeout: %d %s", r.status, r.body)
	}
}

func TestChatCompletionsClientTools(t *testing.T) {
	e := newEnv(t, nil)
	tools := []any{map[string]any{"type": "function", "function": map[string]any{"name": "get_weather", "parameters": map[string]any{"type": "object"}}}}
	body := completionBody("openclaw", user("weather?"))
	body["tools"] = tools
	body["tool_choice"] = "required"
	// The agent ignores the required tool: that is an error.
	if r := e.authed("POST", "/v1/chat/completions", body); r.status != 502 {
		t.Fatalf("missing required tool call: %d %s", r.status, r.body)
	}
	e.fakes.Chat.ClientToolCalls = []backend.ClientToolCall{{ID: "call_1", Name: "get_weather", Arguments: `{"city":"Oslo"}`}}
	r := e.authed("POST", "/v1/chat/completions", body)
	choice := r.json(t)["choices"].([]any)[0].(map[string]any)
	calls := choice["message"].(map[string]any)["tool_calls"].([]any)
	fn := calls[0].(map[string]any)["function"].(map[string]any)
	if choice["finish_reason"] != "tool_calls" || fn["name"] != "get_weather" || fn["arguments"] != `{"city":"Oslo"}` {
		t.Fatalf("tool call response %v", choice)
	}
	req := e.fakes.Chat.Requests()[1]
	if len(req.ClientTools) != 1 || req.ToolChoice != "required" {
		t.Fatalf("tools not passed: %+v", req)
	}
	// The follow-up with the tool result continues the turn.
	follow := completionBody("openclaw", user("weather?"),
		map[string]any{"role": "assistant", "content": nil, "tool_calls": []any{map[string]any{"id": "call_1", "type": "function", "function": map[string]any{"name": "get_weather", "arguments": "{}"}}}},
		map[string]any{"role": "tool", "tool_call_id": "call_1", "content": "sunny"})
	e.fakes.Chat.ClientToolCalls = nil
	if r := e.authed("POST", "/v1/chat/completions", follow); r.status != 200 {
		t.Fatalf("tool follow-up: %d %s", r.status, r.body)
	}
	last := e.fakes.Chat.Requests()[2]
	if h := last.History[len(last.History)-1]; h.Role != "tool" || h.ToolCallID != "call_1" || h.Text != "sunny" {
		t.Fatalf("tool result not in history: %+v", last.History)
	}
	body["stream"] = true
	e.fakes.Chat.ClientToolCalls = []backend.ClientToolCall{{ID: "call_2", Name: "get_weather", Arguments: "{}"}}
	events := parseSSE(t, e.authed("POST", "/v1/chat/completions", body).body)
	var sawCalls bool
	for _, ev := range events[:len(events)-1] {
		ch := decode(t, ev.data)["choices"].([]any)[0].(map[string]any)
		if _, ok := ch["delta"].(map[string]any)["tool_calls"]; ok {
			sawCalls = true
		}
		if ch["finish_reason"] == "tool_calls" && !sawCalls {
			t.Fatal("finish_reason tool_calls before the tool_calls chunk")
		}
	}
	if !sawCalls {
		t.Fatal("streamed tool calls missing")
	}
}

func TestResponsesNonStreaming(t *testing.T) {
	e := newEnv(t, nil)
	r := e.authed("POST", "/v1/responses", map[string]any{"model": "openclaw", "input": "hi", "instructions": "Be kind.", "user": "u1"})
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	m := r.json(t)
	out := m["output"].([]any)[0].(map[string]any)
	text := out["content"].([]any)[0].(map[string]any)
	if m["object"] != "response" || m["status"] != "completed" || out["type"] != "message" || text["type"] != "output_text" || text["text"] != "echo: hi" {
		t.Fatalf("response %v", m)
	}
	first := e.fakes.Chat.Requests()[0]
	if first.ExtraSystemPrompt != "Be kind." || first.Origin != "responses" {
		t.Fatalf("run %+v", first)
	}
	// previous_response_id continues the same session.
	r2 := e.authed("POST", "/v1/responses", map[string]any{"model": "openclaw", "input": []any{map[string]any{"type": "message", "role": "user", "content": "again"}}, "previous_response_id": m["id"]})
	if r2.status != 200 {
		t.Fatalf("%d %s", r2.status, r2.body)
	}
	second := e.fakes.Chat.Requests()[1]
	if second.SessionKey != first.SessionKey {
		t.Fatalf("previous_response_id did not continue: %q vs %q", second.SessionKey, first.SessionKey)
	}
	for _, bad := range []map[string]any{
		{"model": "openclaw"},
		{"model": "openclaw", "input": 5},
		{"model": "openclaw", "input": []any{map[string]any{"type": "message", "role": "assistant", "content": "only me"}}},
		{"model": "openclaw", "input": "x", "tools": []any{map[string]any{"type": "web_search"}}},
		{"model": "openclaw", "input": []any{map[string]any{"type": "message", "role": "user", "content": []any{map[string]any{"type": "input_image", "source": map[string]any{"type": "url", "url": "https://x"}}}}}},
	} {
		if r := e.authed("POST", "/v1/responses", bad); r.status != 400 {
			t.Errorf("%v: %d %s", bad, r.status, r.body)
		}
	}
}

func TestResponsesStreaming(t *testing.T) {
	e := newEnv(t, nil)
	r := e.authed("POST", "/v1/responses", map[string]any{"model": "openclaw", "input": "stream me", "stream": true})
	events := parseSSE(t, r.body)
	var names []string
	var deltas strings.Builder
	for i, ev := range events {
		if ev.data == "[DONE]" {
			if i != len(events)-1 {
				t.Fatal("[DONE] is not last")
			}
			continue
		}
		d := decode(t, ev.data)
		if d["type"] != ev.name || d["sequence_number"] != float64(len(names)) {
			t.Fatalf("event %s data %v", ev.name, d)
		}
		names = append(names, ev.name)
		if ev.name == "response.output_text.delta" {
			deltas.WriteString(d["delta"].(string))
		}
	}
	want := []string{"response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"}
	if strings.Join(names[:4], ",") != strings.Join(want, ",") {
		t.Fatalf("opening events %v", names)
	}
	tail := names[len(names)-4:]
	if strings.Join(tail, ",") != "response.output_text.done,response.content_part.done,response.output_item.done,response.completed" {
		t.Fatalf("closing events %v", tail)
	}
	if deltas.String() != "echo: stream me" {
		t.Fatalf("deltas %q", deltas.String())
	}
}

func TestResponsesFunctionCalls(t *testing.T) {
	e := newEnv(t, nil)
	e.fakes.Chat.ClientToolCalls = []backend.ClientToolCall{{ID: "c1", Name: "lookup", Arguments: "{}"}}
	r := e.authed("POST", "/v1/responses", map[string]any{"model": "openclaw", "input": "x",
		"tools": []any{map[string]any{"type": "function", "name": "lookup"}}, "tool_choice": map[string]any{"type": "function", "name": "lookup"}})
	var found bool
	for _, it := range r.json(t)["output"].([]any) {
		item := it.(map[string]any)
		if item["type"] == "function_call" && item["call_id"] == "c1" && item["name"] == "lookup" {
			found = true
		}
	}
	if !found {
		t.Fatalf("no function_call item: %s", r.body)
	}
	cont := e.authed("POST", "/v1/responses", map[string]any{"model": "openclaw", "input": []any{
		map[string]any{"type": "function_call_output", "call_id": "c1", "output": "42"},
	}})
	if cont.status != 200 {
		t.Fatalf("function_call_output continuation: %d %s", cont.status, cont.body)
	}
	h := e.fakes.Chat.Requests()[1].History
	if h[len(h)-1].Role != "tool" || h[len(h)-1].Text != "42" {
		t.Fatalf("history %+v", h)
	}
}

func TestNonOpenAIUnknownRoute(t *testing.T) {
	e := newEnv(t, nil)
	r := e.do("GET", "/nope", nil, "")
	if r.status != 404 || errObj(r.json(t))["type"] != "not_found" {
		t.Fatalf("%d %s", r.status, r.body)
	}
}

// TestResponsesTargetHeaders: /v1/responses honours the same routing
// headers as chat completions.
func TestResponsesTargetHeaders(t *testing.T) {
	e := newEnv(t, nil)
	r := e.authed("POST", "/v1/responses", map[string]any{"model": "openclaw", "input": "hi"},
		"x-openclaw-agent-id", "research", "x-openclaw-model", "openai/gpt-x", "x-openclaw-session-key", "agent:research:mine")
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	reqs := e.fakes.Chat.Requests()
	if got := reqs[len(reqs)-1]; got.AgentID != "research" || got.Model != "openai/gpt-x" || got.SessionKey != "agent:research:mine" {
		t.Fatalf("header overrides: %+v", got)
	}
	r = e.authed("POST", "/v1/responses", map[string]any{"model": "openclaw", "input": "hi"}, "x-openclaw-session-key", "cron:daily")
	if r.status != 400 {
		t.Fatalf("a reserved session key was accepted: %d %s", r.status, r.body)
	}
}
