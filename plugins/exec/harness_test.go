package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/pluginsdk"
	"github.com/openclaw-go/openclaw/pluginsdk/plugintest"
)

type env struct {
	h       *plugintest.Harness
	t       *execTools
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
	// The test's own environment, minus what would make runs differ
	// between machines.
	getenv := func(k string) string {
		if strings.HasPrefix(k, "OPENCLAW_") {
			return ""
		}
		if k == "SHELL" {
			return "/bin/sh"
		}
		return os.Getenv(k)
	}
	e.t = newExecTools(getenv, os.Environ, time.Now)
	t.Cleanup(e.t.shutdown)
	e.h = plugintest.New(t, pluginsdk.Plugin{Manifest: manifest, Tools: e.t, Configure: e.t.configure})
	return e
}

// opts adjusts a call's context.
type opts struct {
	agent     string
	elevated  bool
	access    string
	config    string
	channel   string
	timeout   time.Duration
	workspace *string
}

func (e *env) call(t *testing.T, tool string, args any, o opts) pluginsdk.ToolResult {
	t.Helper()
	res, err := e.callCtx(t.Context(), t, tool, args, o)
	if err != nil {
		t.Fatalf("%s: Invoke: %v", tool, err)
	}
	return res
}

func (e *env) callCtx(ctx context.Context, t *testing.T, tool string, args any, o opts) (pluginsdk.ToolResult, error) {
	t.Helper()
	raw, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	agent := o.agent
	if agent == "" {
		agent = "main"
	}
	ws := e.ws
	if o.workspace != nil {
		ws = *o.workspace
	}
	res, _, err := e.h.Invoke(ctx, pluginsdk.ToolCall{
		Tool: tool, CallID: "c", Arguments: raw, Timeout: o.timeout,
		Context: pluginsdk.CallContext{
			AgentID: agent, WorkspaceDir: ws, Elevated: o.elevated, WorkspaceAccess: o.access,
			Channel: o.channel, SenderID: "u1", ToolConfig: json.RawMessage(o.config),
		},
	})
	return res, err
}

func (e *env) exec(t *testing.T, command string, o opts) pluginsdk.ToolResult {
	t.Helper()
	return e.call(t, "exec", map[string]any{"command": command}, o)
}

func mustOK(t *testing.T, what string, res pluginsdk.ToolResult) {
	t.Helper()
	if res.IsError {
		t.Fatalf("%s: unexpected error result: %s", what, res.Content)
	}
}

func mustFail(t *testing.T, what string, res pluginsdk.ToolResult, wantInMsg string) {
	t.Helper()
	if !res.IsError {
		t.Fatalf("%s: expected an error result, got: %s", what, res.Content)
	}
	if !strings.Contains(res.Content, wantInMsg) {
		t.Fatalf("%s: message %q lacks %q", what, res.Content, wantInMsg)
	}
}

func details(t *testing.T, res pluginsdk.ToolResult) map[string]any {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal(res.Details, &d); err != nil {
		t.Fatalf("details %q: %v", res.Details, err)
	}
	return d
}

// alive reports whether pid is a running (not zombie) process.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return !os.IsNotExist(err)
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || (s[i+2] != 'Z' && s[i+2] != 'X')
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d survived", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// readPid waits for a command to write a pid into the workspace file.
func (e *env) readPid(t *testing.T, name string) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(filepath.Join(e.ws, name))
		if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && perr == nil {
			return pid
		}
		if time.Now().After(deadline) {
			t.Fatalf("no pid in %s", name)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pollUntil polls a session until its output contains want or it ends.
func (e *env) pollUntil(t *testing.T, id, want string, o opts) (string, map[string]any) {
	t.Helper()
	var all strings.Builder
	deadline := time.Now().Add(30 * time.Second)
	for {
		res := e.call(t, "process", map[string]any{"action": "poll", "sessionId": id, "timeout": 2000}, o)
		mustOK(t, "poll", res)
		d := details(t, res)
		all.WriteString(d["output"].(string))
		if strings.Contains(all.String(), want) || d["status"] != statusRunning {
			return all.String(), d
		}
		if time.Now().After(deadline) {
			t.Fatalf("poll: %q never appeared; got %q", want, all.String())
		}
	}
}
