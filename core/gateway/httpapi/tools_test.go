package httpapi

import (
	"strings"
	"testing"
)

func TestToolsInvoke(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Tools = ToolPolicy{Allow: []string{"gateway"}, Deny: []string{"browser"}} })
	r := e.authed("POST", "/tools/invoke", map[string]any{"tool": "echo", "action": "json", "args": map[string]any{"x": 1}},
		"x-openclaw-message-channel", "telegram", "x-openclaw-message-to", "42")
	m := r.json(t)
	if r.status != 200 || m["ok"] != true || m["result"].(map[string]any)["action"] != "json" || m["result"].(map[string]any)["x"] != float64(1) {
		t.Fatalf("echo: %d %s", r.status, r.body)
	}
	call := e.fakes.Tools.Calls()[0]
	if call.SessionKey != "agent:main:main" || call.AgentID != "main" || call.Channel != "telegram" || call.To != "42" {
		t.Fatalf("invocation %+v", call)
	}
	// "name" wins over "tool"; an explicit action in args is kept.
	e.authed("POST", "/tools/invoke", map[string]any{"tool": "nope", "name": "echo", "action": "a", "args": map[string]any{"action": "b"}, "agentId": "research"})
	call = e.fakes.Tools.Calls()[1]
	if call.Name != "echo" || call.Args["action"] != "b" || call.SessionKey != "agent:research:main" {
		t.Fatalf("second invocation %+v", call)
	}

	tests := []struct {
		name   string
		body   any
		status int
		typ    string
	}{
		{"missing tool", map[string]any{"args": map[string]any{}}, 400, "invalid_request"},
		{"default deny", map[string]any{"tool": "exec"}, 404, "not_found"},
		{"configured deny", map[string]any{"tool": "browser"}, 404, "not_found"},
		{"blocked by policy", map[string]any{"tool": "boom"}, 403, "forbidden"},
		{"bad args", map[string]any{"tool": "needs_arg"}, 400, "invalid_request"},
		{"unknown", map[string]any{"tool": "ghost"}, 404, "not_found"},
		{"unknown agent", map[string]any{"tool": "echo", "agentId": "ghost"}, 400, "invalid_request"},
		{"key of other agent", map[string]any{"tool": "echo", "agentId": "main", "sessionKey": "agent:research:x"}, 400, "invalid_request"},
		{"not json", "nope", 400, "invalid_request"},
		{"too big", `{"tool":"echo","args":{"p":"` + strings.Repeat("x", maxToolsBody) + `"}}`, 413, "invalid_request"},
	}
	for _, tt := range tests {
		r := e.authed("POST", "/tools/invoke", tt.body)
		m := r.json(t)
		if r.status != tt.status || m["ok"] != false || errObj(m)["type"] != tt.typ {
			t.Errorf("%s: %d %s", tt.name, r.status, r.body)
		}
	}
	// gateway.tools.allow lifts a default deny: the call reaches the tool layer.
	before := len(e.fakes.Tools.Calls())
	e.authed("POST", "/tools/invoke", map[string]any{"tool": "gateway"})
	if len(e.fakes.Tools.Calls()) != before+1 {
		t.Fatal("allowed tool did not reach the tool service")
	}
	if r := e.authed("GET", "/tools/invoke", nil); r.status != 405 || r.header.Get("Allow") != "POST" {
		t.Fatalf("GET: %d", r.status)
	}
	if r := e.do("POST", "/tools/invoke", map[string]any{"tool": "echo"}, ""); r.status != 401 {
		t.Fatalf("no auth: %d", r.status)
	}
}
