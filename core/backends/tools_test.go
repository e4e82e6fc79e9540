package backends

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/tools"
)

const toolsConfig = `{
  tools: { deny: ["secret"], byProvider: { echo: { deny: ["provider_blocked"] } } },
  agents: {
    defaults: { model: { primary: "echo/echo" }, sandbox: { workspaceAccess: "ro" } },
    list: [ { id: "main" }, { id: "locked", tools: { deny: ["echo_args"] } } ],
  },
}`

// toolWorld registers core tools that record their calls.
func toolWorld(t *testing.T) (*world, *[]tools.Call) {
	t.Helper()
	var mu sync.Mutex
	var calls []tools.Call
	reg := tools.New(tools.Options{})
	record := func(c tools.Call) {
		mu.Lock()
		calls = append(calls, c)
		mu.Unlock()
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(reg.Register(tools.CoreTool{
		Tool: tools.Tool{Name: "echo_args", Parameters: json.RawMessage(`{"type":"object","properties":{"x":{"type":"integer"}},"required":["x"]}`)},
		Run: func(_ context.Context, c tools.Call, _ func(tools.Progress)) (tools.Result, error) {
			record(c)
			return tools.Result{Content: c.Arguments, Details: json.RawMessage(`{"seen":true}`)}, nil
		},
	}))
	for _, name := range []string{"secret", "provider_blocked"} {
		must(reg.Register(tools.CoreTool{Tool: tools.Tool{Name: name}, Run: func(context.Context, tools.Call, func(tools.Progress)) (tools.Result, error) {
			t.Errorf("blocked tool %s ran", name)
			return tools.Result{}, nil
		}}))
	}
	must(reg.Register(tools.CoreTool{Tool: tools.Tool{Name: "fails"}, Run: func(context.Context, tools.Call, func(tools.Progress)) (tools.Result, error) {
		return tools.Result{Content: "disk full", IsError: true}, nil
	}}))
	w := newWorld(t, toolsConfig)
	w.tools = reg
	w.build()
	return w, &calls
}

func TestToolsInvoke(t *testing.T) {
	w, calls := toolWorld(t)
	svc := New(w.deps()).Tools
	ctx := context.Background()
	tests := []struct {
		name   string
		call   backend.ToolInvocation
		want   error
		output string
	}{
		{"runs", backend.ToolInvocation{Name: "echo_args", Args: map[string]any{"x": 3}, SessionKey: "agent:main:main", IdempotencyKey: "k"},
			nil, `{"content":[{"text":"{\"x\":3}","type":"text"}],"details":{"seen":true}}`},
		{"tool error is a result", backend.ToolInvocation{Name: "fails"}, nil, `{"content":[{"text":"disk full","type":"text"}],"isError":true}`},
		{"unknown tool", backend.ToolInvocation{Name: "nope"}, backend.ErrNotFound, ""},
		{"denied by tools.deny", backend.ToolInvocation{Name: "secret"}, backend.ErrNotFound, ""},
		{"denied for the model's provider", backend.ToolInvocation{Name: "provider_blocked"}, backend.ErrNotFound, ""},
		{"denied for the agent", backend.ToolInvocation{Name: "echo_args", AgentID: "locked", Args: map[string]any{"x": 1}}, backend.ErrNotFound, ""},
		{"agent from the session key", backend.ToolInvocation{Name: "echo_args", SessionKey: "agent:locked:main", Args: map[string]any{"x": 1}}, backend.ErrNotFound, ""},
		{"missing argument", backend.ToolInvocation{Name: "echo_args", Args: map[string]any{}}, backend.ErrInvalid, ""},
		{"wrong argument type", backend.ToolInvocation{Name: "echo_args", Args: map[string]any{"x": "three"}}, backend.ErrInvalid, ""},
		{"no name", backend.ToolInvocation{}, backend.ErrInvalid, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := svc.Invoke(ctx, tt.call)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err != nil {
				return
			}
			if string(res.Output) != tt.output || res.Source != "core" {
				t.Fatalf("result = %s (%s), want %s", res.Output, res.Source, tt.output)
			}
		})
	}
	if len(*calls) != 1 {
		t.Fatalf("echo_args ran %d times, want once", len(*calls))
	}
	c := (*calls)[0]
	ws, _ := w.runner.Workspace("main")
	if c.ID != callID("k") || c.Context.AgentID != "main" || c.Context.SessionKey != "agent:main:main" || c.Context.WorkspaceDir != ws || c.Context.WorkspaceAccess != "ro" {
		t.Fatalf("call = %+v", c)
	}
	if callID("k") == callID("other") || callID("") == callID("") {
		t.Fatal("call ids are not derived from idempotency keys")
	}
}
