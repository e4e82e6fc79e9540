package tools_test

import (
	"context"
	"strings"
	"testing"

	"github.com/openclaw-go/openclaw/core/tools"
	"github.com/openclaw-go/openclaw/core/tools/toolstest"
)

// staticProvider serves a fixed set of tools owned by a pseudo-plugin.
type staticProvider []tools.CoreTool

func (p staticProvider) ProvidedTools(context.Context) []tools.CoreTool { return p }

func provided(name, answer string) tools.CoreTool {
	return tools.CoreTool{
		Tool: tools.Tool{Name: name, Description: "provided " + name, Plugin: "bundle-mcp"},
		Run: func(context.Context, tools.Call, func(tools.Progress)) (tools.Result, error) {
			return tools.Result{Content: answer}, nil
		},
	}
}

func TestProviderTools(t *testing.T) {
	plug := toolstest.New(t, "alpha", toolstest.Tool{Name: "docs__search"}, toolstest.Tool{Name: "alpha_only"})
	r := tools.New(tools.Options{Plugins: toolstest.Source{plug}})
	ok := func(context.Context, tools.Call, func(tools.Progress)) (tools.Result, error) {
		return tools.Result{Content: "core"}, nil
	}
	if err := r.Register(coreTool("docs__read", ok)); err != nil {
		t.Fatal(err)
	}
	bad := provided("bad name!", "x")
	noRun := provided("no_run", "x")
	noRun.Run = nil
	r.AddProvider(staticProvider{provided("docs__read", "provider"), provided("docs__search", "provider"), provided("docs__list", "provider"), bad, noRun})

	if got, want := names(r.List(t.Context())), "alpha_only@alpha,docs__list@bundle-mcp,docs__read@,docs__search@bundle-mcp"; got != want {
		t.Fatalf("List = %s, want %s", got, want)
	}
	tests := []struct{ tool, want string }{
		{"docs__read", "core"},       // a core tool wins
		{"docs__search", "provider"}, // a provided tool wins over a plugin's
		{"docs__list", "provider"},
	}
	for _, tt := range tests {
		if res := r.Invoke(t.Context(), tools.Call{Name: tt.tool, Arguments: "{}"}, nil); res.Content != tt.want {
			t.Errorf("%s = %+v, want %q", tt.tool, res, tt.want)
		}
	}
	if res := r.Invoke(t.Context(), tools.Call{Name: "no_run"}, nil); !res.IsError || !strings.Contains(res.Content, "Unknown tool") {
		t.Errorf("a provided tool without Run was callable: %+v", res)
	}
}
