package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/openclaw-go/openclaw/pluginsdk"
	"github.com/openclaw-go/openclaw/pluginsdk/plugintest"
)

// env is a plugin served through the SDK harness, a workspace and a
// directory beside it that must never be touched.
type env struct {
	h       *plugintest.Harness
	ws      string
	outside string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	base := t.TempDir()
	e := &env{ws: filepath.Join(base, "workspace"), outside: filepath.Join(base, "outside")}
	for _, d := range []string{e.ws, e.outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	tl := newTools()
	e.h = plugintest.New(t, pluginsdk.Plugin{Manifest: manifest, Tools: tl, Configure: tl.configure})
	return e
}

// call invokes a tool in the env's workspace with access "rw".
func (e *env) call(t *testing.T, tool string, args any) pluginsdk.ToolResult {
	t.Helper()
	return e.callAccess(t, tool, args, "rw")
}

func (e *env) callAccess(t *testing.T, tool string, args any, access string) pluginsdk.ToolResult {
	t.Helper()
	raw, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	res, _, err := e.h.Invoke(t.Context(), pluginsdk.ToolCall{
		Tool: tool, CallID: "c1", Arguments: raw,
		Context: pluginsdk.CallContext{AgentID: "main", WorkspaceDir: e.ws, WorkspaceAccess: access},
	})
	if err != nil {
		t.Fatalf("%s: Invoke: %v", tool, err)
	}
	return res
}

func (e *env) put(t *testing.T, rel, content string) string {
	t.Helper()
	p := filepath.Join(e.ws, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func (e *env) get(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.ws, rel))
	if err != nil {
		t.Fatalf("read %s: %v", rel, err)
	}
	return string(b)
}

func mustOK(t *testing.T, what string, res pluginsdk.ToolResult) {
	t.Helper()
	if res.IsError {
		t.Fatalf("%s: unexpected error result: %s", what, res.Content)
	}
}

func mustFail(t *testing.T, what string, res pluginsdk.ToolResult) {
	t.Helper()
	if !res.IsError {
		t.Fatalf("%s: expected an error result, got: %s", what, res.Content)
	}
}
