package tools_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/core/pluginhost"
	"github.com/openclaw-go/openclaw/core/tools"
	"github.com/openclaw-go/openclaw/core/tools/toolstest"
	pluginv1 "github.com/openclaw-go/openclaw/proto/openclaw/plugin/v1"
)

func names(ts []tools.Tool) string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name+"@"+t.Plugin)
	}
	return strings.Join(out, ",")
}

func coreTool(name string, run func(context.Context, tools.Call, func(tools.Progress)) (tools.Result, error)) tools.CoreTool {
	return tools.CoreTool{Tool: tools.Tool{Name: name, Description: "core " + name}, Run: run}
}

func TestListMergesCoreAndPlugins(t *testing.T) {
	a := toolstest.New(t, "alpha", toolstest.Tool{Name: "zeta"}, toolstest.Tool{Name: "shared"}, toolstest.Tool{Name: "bad name!"})
	b := toolstest.New(t, "beta", toolstest.Tool{Name: "shared"}, toolstest.Tool{Name: "beta_tool", Groups: []string{"group:web"}})
	r := tools.New(tools.Options{Plugins: toolstest.Source{a, b}})
	if err := r.Register(coreTool("sessions_list", nil)); err == nil {
		t.Fatal("Register accepted a tool without Run")
	}
	ok := func(context.Context, tools.Call, func(tools.Progress)) (tools.Result, error) {
		return tools.Result{}, nil
	}
	if err := r.Register(coreTool("zeta", ok)); err != nil {
		t.Fatal(err)
	}
	if err := r.Register(coreTool("zeta", ok)); err == nil {
		t.Fatal("Register accepted a duplicate")
	}
	if err := r.Register(coreTool("no spaces", ok)); err == nil {
		t.Fatal("Register accepted an invalid name")
	}
	got := names(r.List(t.Context()))
	// The core zeta shadows alpha's; alpha (first by id) wins "shared";
	// the invalid name is dropped.
	if want := "beta_tool@beta,shared@alpha,zeta@"; got != want {
		t.Fatalf("List = %s, want %s", got, want)
	}
	for _, tl := range r.List(t.Context()) {
		if tl.Name == "beta_tool" && (len(tl.Groups) != 1 || tl.Groups[0] != "group:web") {
			t.Errorf("declared groups lost: %v", tl.Groups)
		}
	}
	if a.Lists() != 1 || b.Lists() != 1 {
		t.Errorf("ListTools called %d/%d times; want once per plugin start", a.Lists(), b.Lists())
	}
	a.Kill()
	if got := names(r.List(t.Context())); got != "beta_tool@beta,shared@beta,zeta@" {
		t.Errorf("after alpha stopped, List = %s", got)
	}
}

func TestInvokeCarriesContext(t *testing.T) {
	p := toolstest.New(t, "wc", toolstest.Tool{Name: "echo", Run: func(ctx context.Context, req *pluginv1.InvokeRequest, progress func(string)) (*pluginv1.ToolResult, error) {
		progress("halfway")
		return &pluginv1.ToolResult{Content: "got " + req.GetArgumentsJson(), DetailsJson: `{"n":1}`}, nil
	}})
	r := tools.New(tools.Options{
		Plugins: toolstest.Source{p},
		ToolConfig: func(tl tools.Tool, inv tools.Invocation) string {
			return `{"tool":"` + tl.Name + `","agent":"` + inv.AgentID + `"}`
		},
	})
	var progress []string
	res := r.Invoke(t.Context(), tools.Call{
		ID: "call_1", Name: "echo", Arguments: `{"x":1}`, Timeout: time.Minute,
		Context: tools.Invocation{AgentID: "work", SessionKey: "agent:work:main", WorkspaceDir: "/ws", Channel: "telegram", SenderID: "42", Elevated: true},
	}, func(pr tools.Progress) { progress = append(progress, pr.Message) })
	if res.IsError || res.Content != `got {"x":1}` || string(res.Details) != `{"n":1}` {
		t.Fatalf("result = %+v", res)
	}
	if len(progress) != 1 || progress[0] != "halfway" {
		t.Errorf("progress = %v", progress)
	}
	calls := p.Calls()
	if len(calls) != 1 {
		t.Fatalf("calls = %d", len(calls))
	}
	c := calls[0]
	ctx := c.GetContext()
	if c.GetCallId() != "call_1" || ctx.GetAgentId() != "work" || ctx.GetSessionKey() != "agent:work:main" ||
		ctx.GetWorkspaceDir() != "/ws" || ctx.GetChannel() != "telegram" || ctx.GetSenderId() != "42" ||
		!ctx.GetElevated() || ctx.GetWorkspaceAccess() != "rw" || ctx.GetToolConfigJson() != `{"tool":"echo","agent":"work"}` {
		t.Errorf("invocation = %v", c)
	}
	if c.GetTimeoutMs() <= 0 || c.GetTimeoutMs() > 60_000 {
		t.Errorf("timeout_ms = %d", c.GetTimeoutMs())
	}
}

func TestInvokeFailuresBecomeResults(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T) (*tools.Registry, context.Context, tools.Call, func())
		want    string
		errored bool
	}{
		{
			name: "unknown tool",
			setup: func(t *testing.T) (*tools.Registry, context.Context, tools.Call, func()) {
				return tools.New(tools.Options{}), t.Context(), tools.Call{Name: "nope"}, nil
			},
			want: `Unknown tool "nope"`,
		},
		{
			name: "core tool error",
			setup: func(t *testing.T) (*tools.Registry, context.Context, tools.Call, func()) {
				r := tools.New(tools.Options{})
				r.Register(coreTool("fails", func(context.Context, tools.Call, func(tools.Progress)) (tools.Result, error) {
					return tools.Result{}, errors.New("disk full")
				}))
				return r, t.Context(), tools.Call{Name: "fails"}, nil
			},
			want: "Tool fails failed: disk full",
		},
		{
			name: "core tool panic",
			setup: func(t *testing.T) (*tools.Registry, context.Context, tools.Call, func()) {
				r := tools.New(tools.Options{})
				r.Register(coreTool("panics", func(context.Context, tools.Call, func(tools.Progress)) (tools.Result, error) {
					panic("boom")
				}))
				return r, t.Context(), tools.Call{Name: "panics"}, nil
			},
			want: "internal error",
		},
		{
			name: "timeout",
			setup: func(t *testing.T) (*tools.Registry, context.Context, tools.Call, func()) {
				p := toolstest.New(t, "slow", toolstest.Tool{Name: "wait", Run: toolstest.Block})
				return tools.New(tools.Options{Plugins: toolstest.Source{p}}), t.Context(), tools.Call{Name: "wait", Timeout: 50 * time.Millisecond}, nil
			},
			want: "timed out after 50ms",
		},
		{
			name: "plugin killed mid-call",
			setup: func(t *testing.T) (*tools.Registry, context.Context, tools.Call, func()) {
				p := toolstest.New(t, "fragile", toolstest.Tool{Name: "wait", Run: toolstest.Block})
				kill := func() { <-p.Started(); p.Kill() }
				return tools.New(tools.Options{Plugins: toolstest.Source{p}}), t.Context(), tools.Call{Name: "wait"}, kill
			},
			want: "plugin fragile stopped while running it",
		},
		{
			name: "turn cancelled",
			setup: func(t *testing.T) (*tools.Registry, context.Context, tools.Call, func()) {
				p := toolstest.New(t, "slow", toolstest.Tool{Name: "wait", Run: toolstest.Block})
				ctx, cancel := context.WithCancel(t.Context())
				return tools.New(tools.Options{Plugins: toolstest.Source{p}}), ctx, tools.Call{Name: "wait"}, func() { <-p.Started(); cancel() }
			},
			want: "was cancelled",
		},
		{
			name: "plugin error status",
			setup: func(t *testing.T) (*tools.Registry, context.Context, tools.Call, func()) {
				p := toolstest.New(t, "p", toolstest.Tool{Name: "bad", Run: func(context.Context, *pluginv1.InvokeRequest, func(string)) (*pluginv1.ToolResult, error) {
					return nil, errors.New("bad arguments: want text")
				}})
				return tools.New(tools.Options{Plugins: toolstest.Source{p}}), t.Context(), tools.Call{Name: "bad"}, nil
			},
			want: "bad arguments: want text",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ctx, call, during := tt.setup(t)
			r.List(ctx)
			if during != nil {
				go during()
			}
			res := r.Invoke(ctx, call, nil)
			if !res.IsError || !strings.Contains(res.Content, tt.want) {
				t.Fatalf("result = %+v, want an error result containing %q", res, tt.want)
			}
		})
	}
}

func TestRestartedPluginIsListedAgain(t *testing.T) {
	p1 := toolstest.New(t, "wc", toolstest.Tool{Name: "old_tool"})
	src := &swappable{cur: toolstest.Source{p1}}
	r := tools.New(tools.Options{Plugins: src})
	if got := names(r.List(t.Context())); got != "old_tool@wc" {
		t.Fatalf("List = %s", got)
	}
	p1.Kill()
	p2 := toolstest.New(t, "wc", toolstest.Tool{Name: "new_tool"})
	src.cur = toolstest.Source{p2}
	if got := names(r.List(t.Context())); got != "new_tool@wc" {
		t.Fatalf("after restart List = %s", got)
	}
	if res := r.Invoke(t.Context(), tools.Call{Name: "new_tool", Arguments: "{}"}, nil); res.IsError {
		t.Fatalf("invoke after restart: %+v", res)
	}
}

type swappable struct{ cur toolstest.Source }

func (s *swappable) Running() []*pluginhost.Running { return s.cur.Running() }
