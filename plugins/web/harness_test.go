package main

import (
	"context"
	"encoding/json"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/pluginsdk"
	"github.com/openclaw-go/openclaw/pluginsdk/plugintest"
)

type env struct {
	h   *plugintest.Harness
	t   *webTools
	env map[string]string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{env: map[string]string{}}
	e.t = newWebTools(func(k string) string { return e.env[k] }, time.Now, testResolver{})
	e.h = plugintest.New(t, pluginsdk.Plugin{Manifest: manifest, Tools: e.t, Configure: e.t.configure})
	return e
}

func (e *env) call(t *testing.T, tool string, args any, config string) (pluginsdk.ToolResult, []pluginsdk.ToolProgress) {
	t.Helper()
	raw, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	res, progress, err := e.h.Invoke(t.Context(), pluginsdk.ToolCall{
		Tool: tool, Arguments: raw, Context: pluginsdk.CallContext{AgentID: "main", ToolConfig: json.RawMessage(config)},
	})
	if err != nil {
		t.Fatalf("%s: Invoke: %v", tool, err)
	}
	return res, progress
}

// fetchOut decodes a web_fetch answer.
func fetchOut(t *testing.T, res pluginsdk.ToolResult) fetchOutput {
	t.Helper()
	var out fetchOutput
	if err := json.Unmarshal([]byte(res.Content), &out); err != nil {
		t.Fatalf("web_fetch answer is not its JSON: %v\n%s", err, res.Content)
	}
	return out
}

func searchOut(t *testing.T, res pluginsdk.ToolResult) searchOutput {
	t.Helper()
	var out searchOutput
	if err := json.Unmarshal([]byte(res.Content), &out); err != nil {
		t.Fatalf("web_search answer is not its JSON: %v\n%s", err, res.Content)
	}
	return out
}

// testResolver resolves loopback.test to this machine, so a test server
// can be reached under a second origin; other names go to the system.
type testResolver struct{}

func (testResolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if host == "loopback.test" {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	}
	return net.DefaultResolver.LookupNetIP(ctx, network, host)
}
