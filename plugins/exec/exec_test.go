package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/pluginsdk"
	pluginmanifest "github.com/openclaw-go/openclaw/pluginsdk/manifest"
	"github.com/openclaw-go/openclaw/pluginsdk/plugintest"
)

func TestManifestAgreesWithTools(t *testing.T) {
	m, err := pluginmanifest.Parse(manifest)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Capabilities.Exec {
		t.Error("the exec plugin must declare the exec capability")
	}
	newEnv(t).h.CheckTools(t, manifest, "group:runtime")
}

func TestExecForeground(t *testing.T) {
	e := newEnv(t)
	if err := os.Mkdir(filepath.Join(e.ws, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    map[string]any
		want    string
		wantErr bool
	}{
		{"stdout and stderr", map[string]any{"command": "echo out; echo err >&2"}, "out\nerr\n", false},
		{"no output", map[string]any{"command": "true"}, "(no output)", false},
		{"runs in the workspace", map[string]any{"command": "pwd"}, e.ws + "\n", false},
		{"relative workdir", map[string]any{"command": "pwd", "workdir": "sub"}, filepath.Join(e.ws, "sub") + "\n", false},
		{"exit code", map[string]any{"command": "echo bad; exit 3"}, "bad\n\nCommand exited with code 3.", true},
		{"env added", map[string]any{"command": "echo $GREETING $OPENCLAW_SHELL", "env": map[string]string{"GREETING": "hi"}}, "hi exec\n", false},
		{"pager normalised", map[string]any{"command": "echo \"[$PAGER]\"", "env": map[string]string{"PAGER": "cat"}}, "[]\n", false},
		{"numeric strings", map[string]any{"command": "echo ok", "timeoutSeconds": "30", "yieldMs": "5000"}, "ok\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.call(t, "exec", tt.args, opts{})
			if res.IsError != tt.wantErr {
				t.Fatalf("IsError = %v: %s", res.IsError, res.Content)
			}
			if res.Content != tt.want {
				t.Errorf("content = %q, want %q", res.Content, tt.want)
			}
		})
	}
	d := details(t, e.exec(t, "exit 7", opts{}))
	if d["status"] != statusFailed || d["exitCode"] != float64(7) {
		t.Errorf("details = %v", d)
	}
}

func TestExecBadInput(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name string
		args map[string]any
		o    opts
		want string
	}{
		{"no command", map[string]any{}, opts{}, "command is required"},
		{"env PATH", map[string]any{"command": "true", "env": map[string]string{"PATH": "/tmp"}}, opts{}, "env.PATH cannot be overridden"},
		{"loader var", map[string]any{"command": "true", "env": map[string]string{"LD_PRELOAD": "x.so"}}, opts{}, "dynamic loader"},
		{"pager program", map[string]any{"command": "true", "env": map[string]string{"GIT_PAGER": "less"}}, opts{}, "GIT_PAGER"},
		{"sandbox host", map[string]any{"command": "true", "host": "sandbox"}, opts{}, "sandbox runtime"},
		{"node host", map[string]any{"command": "true", "host": "node"}, opts{}, "not available"},
		{"hostname as host", map[string]any{"command": "true", "host": "example.com"}, opts{}, "not a hostname"},
		{"configured sandbox host", map[string]any{"command": "true"}, opts{config: `{"host":"sandbox"}`}, "sandbox runtime"},
		{"bad ask", map[string]any{"command": "true", "ask": "sometimes"}, opts{}, "ask must be"},
		{"bad mode", map[string]any{"command": "true"}, opts{config: `{"mode":"yolo"}`}, `tools.exec.mode: unknown mode "yolo"`},
		{"bad config type", map[string]any{"command": "true"}, opts{config: `{"backgroundMs":"soon"}`}, "tools.exec config"},
		{"negative timeout", map[string]any{"command": "true", "timeoutSeconds": -1}, opts{}, "must not be negative"},
		{"missing workdir", map[string]any{"command": "true", "workdir": "nope"}, opts{}, "no such file"},
		{"workdir is a file", map[string]any{"command": "true", "workdir": "f"}, opts{}, "not a directory"},
		{"no workspace", map[string]any{"command": "true"}, opts{workspace: new(string)}, "no workspace"},
		{"bad json", nil, opts{}, "invalid arguments"},
	}
	if err := os.WriteFile(filepath.Join(e.ws, "f"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var args any = tt.args
			if tt.name == "bad json" {
				args = "not an object"
			}
			mustFail(t, tt.name, e.call(t, "exec", args, tt.o), tt.want)
		})
	}
}

func TestWorkdirConfinement(t *testing.T) {
	e := newEnv(t)
	if err := os.Symlink(e.outside, filepath.Join(e.ws, "escape")); err != nil {
		t.Fatal(err)
	}
	for _, wd := range []string{"..", "../outside", e.outside, "/", "escape", "escape/."} {
		res := e.call(t, "exec", map[string]any{"command": "touch pwned", "workdir": wd}, opts{})
		mustFail(t, "workdir "+wd, res, "outside the agent workspace")
	}
	if _, err := os.Stat(filepath.Join(e.outside, "pwned")); !os.IsNotExist(err) {
		t.Fatal("a refused command ran")
	}
	// Elevated mode, granted by the core for this sender, lifts the
	// confinement for a call that asks for it.
	res := e.call(t, "exec", map[string]any{"command": "pwd", "workdir": e.outside, "elevated": true}, opts{elevated: true})
	mustOK(t, "elevated workdir", res)
	if res.Content != e.outside+"\n" {
		t.Errorf("elevated pwd = %q", res.Content)
	}
	// Permission alone does not leave the workspace; the call must ask.
	mustFail(t, "permitted but not requested", e.call(t, "exec", map[string]any{"command": "pwd", "workdir": e.outside}, opts{elevated: true}), "outside the agent workspace")
}

func TestElevatedRefusedForSenderNotOnList(t *testing.T) {
	e := newEnv(t)
	res := e.call(t, "exec", map[string]any{"command": "touch marker", "elevated": true}, opts{elevated: false})
	mustFail(t, "elevated without permission", res, "tools.elevated.allowFrom")
	if _, err := os.Stat(filepath.Join(e.ws, "marker")); !os.IsNotExist(err) {
		t.Fatal("the command ran")
	}
	if d := details(t, res); d["reason"] != "elevated-unavailable" {
		t.Errorf("details = %v", d)
	}
}

func TestWorkspaceAccess(t *testing.T) {
	e := newEnv(t)
	for _, access := range []string{"ro", "none"} {
		res := e.call(t, "exec", map[string]any{"command": "touch marker"}, opts{access: access})
		mustFail(t, "access "+access, res, fmt.Sprintf("workspace access is %q", access))
		if _, err := os.Stat(filepath.Join(e.ws, "marker")); !os.IsNotExist(err) {
			t.Fatalf("command ran under %q access", access)
		}
		mustOK(t, "elevated under "+access, e.call(t, "exec", map[string]any{"command": "echo ok", "elevated": true}, opts{access: access, elevated: true}))
	}
	mustFail(t, "unknown access", e.exec(t, "true", opts{access: "rwx"}), "unknown workspaceAccess")
}

// TestSecurityModes runs `touch marker` under each policy and checks both
// the verdict and whether the command actually ran.
func TestSecurityModes(t *testing.T) {
	approvals := func(doc string) string { return `{"approvals":` + doc + `}` }
	tests := []struct {
		name      string
		config    string // tools.exec
		plugin    string // plugins.entries.exec.config
		args      map[string]any
		channel   string
		runs      bool
		wantInMsg string
	}{
		{name: "default is full", runs: true},
		{name: "mode full", config: `{"mode":"full"}`, runs: true},
		{name: "mode deny", config: `{"mode":"deny"}`, wantInMsg: "running commands is disabled"},
		{name: "legacy security deny", config: `{"security":"deny"}`, wantInMsg: "running commands is disabled"},
		{name: "allowlist miss", config: `{"mode":"allowlist"}`, wantInMsg: "command not allowed"},
		{name: "allowlist hit", config: `{"mode":"allowlist"}`, plugin: approvals(`{"agents":{"main":{"allowlist":[{"pattern":"touch"}]}}}`), runs: true},
		{name: "allowlist is per agent", config: `{"mode":"allowlist"}`, plugin: approvals(`{"agents":{"other":{"allowlist":[{"pattern":"touch"}]}}}`), wantInMsg: "command not allowed"},
		{name: "allowlist wildcard agent", config: `{"mode":"allowlist"}`, plugin: approvals(`{"agents":{"*":{"allowlist":[{"pattern":"/**/touch"}]}}}`), runs: true},
		{name: "ask without approver", config: `{"mode":"ask"}`, wantInMsg: "no approver can be reached"},
		{name: "auto without reviewer", config: `{"mode":"auto"}`, wantInMsg: "needs approval"},
		{name: "ask, listed", config: `{"mode":"ask"}`, plugin: approvals(`{"agents":{"main":{"allowlist":[{"pattern":"touch"}]}}}`), runs: true},
		{name: "approvals tighten full to deny", config: `{"mode":"full"}`, plugin: approvals(`{"defaults":{"security":"deny"}}`), wantInMsg: "disabled"},
		{name: "approvals cannot loosen", config: `{"mode":"deny"}`, plugin: approvals(`{"defaults":{"security":"full"}}`), wantInMsg: "disabled"},
		{name: "approvals ask always", plugin: approvals(`{"agents":{"main":{"ask":"always"}}}`), wantInMsg: "needs approval"},
		{name: "askFallback full", plugin: approvals(`{"defaults":{"ask":"always","askFallback":"full"}}`), runs: true},
		{name: "call hardens ask", args: map[string]any{"ask": "always"}, wantInMsg: "needs approval"},
		{name: "channel call cannot switch prompts on", args: map[string]any{"ask": "always"}, channel: "telegram", runs: true},
		{name: "strict inline eval", config: `{"strictInlineEval":true}`, args: map[string]any{"command": "sh -c 'touch marker'"}, wantInMsg: "inline interpreter"},
		{name: "redirection misses the allowlist", config: `{"mode":"allowlist"}`, plugin: approvals(`{"agents":{"main":{"allowlist":[{"pattern":"echo"}]}}}`),
			args: map[string]any{"command": "echo x > marker"}, wantInMsg: "redirection"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if err := e.h.Configure(t.Context(), tt.plugin); err != nil {
				t.Fatal(err)
			}
			args := map[string]any{"command": "touch marker"}
			for k, v := range tt.args {
				args[k] = v
			}
			res := e.call(t, "exec", args, opts{config: tt.config, channel: tt.channel})
			_, statErr := os.Stat(filepath.Join(e.ws, "marker"))
			ran := statErr == nil
			if ran != tt.runs {
				t.Fatalf("ran = %v, want %v: %s", ran, tt.runs, res.Content)
			}
			if tt.runs {
				mustOK(t, tt.name, res)
				return
			}
			mustFail(t, tt.name, res, tt.wantInMsg)
		})
	}
}

func TestPluginConfigErrors(t *testing.T) {
	e := newEnv(t)
	for _, cfg := range []string{
		`{"shel":"/bin/sh"}`,
		`{"maxOutputChars":-1}`,
		`{"approvals":{"defaults":{"security":"sometimes"}}}`,
		`{"approvals":{"agents":{"main":{"allowlist":[{"pattern":""}]}}}}`,
		`{"approvals":{"agents":{"main":{"ask":"never"}}}}`,
	} {
		if err := e.h.Configure(t.Context(), cfg); err == nil {
			t.Errorf("Configure(%s) accepted", cfg)
		}
	}
}

// TestTimeoutKillsProcessTree gives a command a grandchild and a timeout,
// and checks nothing of it survives.
func TestTimeoutKillsProcessTree(t *testing.T) {
	e := newEnv(t)
	res := e.call(t, "exec", map[string]any{"command": "sh -c 'sleep 300 & echo $! > gc.pid; wait' & echo $! > child.pid; wait", "timeoutSeconds": 2}, opts{})
	mustFail(t, "timeout", res, "timed out after 2s")
	if d := details(t, res); d["status"] != statusTimeout {
		t.Errorf("status = %v", d["status"])
	}
	waitGone(t, e.readPid(t, "child.pid"))
	waitGone(t, e.readPid(t, "gc.pid"))
}

// TestTimeoutKillsBackgroundTree: the timeout keeps running after exec has
// returned a session.
func TestTimeoutKillsBackgroundTree(t *testing.T) {
	e := newEnv(t)
	res := e.call(t, "exec", map[string]any{"command": "sleep 300 & echo $! > gc.pid; wait", "background": true, "timeoutSeconds": 2}, opts{})
	mustOK(t, "start", res)
	id := details(t, res)["sessionId"].(string)
	gc := e.readPid(t, "gc.pid")
	_, d := e.pollUntil(t, id, "\x00never", opts{})
	if d["status"] != statusTimeout {
		t.Errorf("status = %v", d["status"])
	}
	waitGone(t, gc)
}

func TestCancelledCallKillsForeground(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := e.callCtx(ctx, t, "exec", map[string]any{"command": "echo $$ > sh.pid; sleep 300 & echo $! > gc.pid; wait", "yieldMs": 120000}, opts{})
		errc <- err
	}()
	sh, gc := e.readPid(t, "sh.pid"), e.readPid(t, "gc.pid")
	cancel()
	<-errc
	waitGone(t, sh)
	waitGone(t, gc)
}

// TestHostDeadlineBackgrounds: a command that would outlast the host's
// deadline for the call is handed back as a session instead of being lost.
func TestHostDeadlineBackgrounds(t *testing.T) {
	e := newEnv(t)
	res := e.call(t, "exec", map[string]any{"command": "sleep 300", "yieldMs": 120000}, opts{timeout: 2 * time.Second})
	mustOK(t, "deadline", res)
	d := details(t, res)
	if d["status"] != statusRunning {
		t.Fatalf("status = %v: %s", d["status"], res.Content)
	}
	mustOK(t, "kill", e.call(t, "process", map[string]any{"action": "kill", "sessionId": d["sessionId"]}, opts{}))
}

func TestOutputCap(t *testing.T) {
	e := newEnv(t)
	if err := e.h.Configure(t.Context(), `{"maxOutputChars":1000}`); err != nil {
		t.Fatal(err)
	}
	res := e.exec(t, "i=0; while [ $i -lt 5000 ]; do echo line$i; i=$((i+1)); done", opts{})
	mustOK(t, "big output", res)
	if !strings.HasPrefix(res.Content, "[") || !strings.Contains(res.Content, "earlier bytes of output were dropped") {
		t.Errorf("no truncation note: %.200q", res.Content)
	}
	if !strings.HasSuffix(res.Content, "line4999\n") || len(res.Content) > 1200 {
		t.Errorf("tail not kept within the cap (%d bytes): …%q", len(res.Content), res.Content[max(0, len(res.Content)-50):])
	}
	if d := details(t, res); d["truncated"] != true {
		t.Errorf("details = %v", d)
	}
}

func TestPtyNote(t *testing.T) {
	e := newEnv(t)
	res := e.call(t, "exec", map[string]any{"command": "echo hi", "pty": true}, opts{})
	mustOK(t, "pty", res)
	if !strings.Contains(res.Content, "pty is not available") {
		t.Errorf("content = %q", res.Content)
	}
}

// BenchmarkToolCall measures a trivial call (process list with nothing to
// list) through the real gRPC harness: host → plugin → result.
func BenchmarkToolCall(b *testing.B) {
	tl := newExecTools(os.Getenv, os.Environ, time.Now)
	h := plugintest.New(b, pluginsdk.Plugin{Manifest: manifest, Tools: tl, Configure: tl.configure})
	call := pluginsdk.ToolCall{Tool: "process", Arguments: json.RawMessage(`{"action":"list"}`), Context: pluginsdk.CallContext{AgentID: "main"}}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		res, _, err := h.Invoke(b.Context(), call)
		lat = append(lat, time.Since(start))
		if err != nil || res.IsError {
			b.Fatalf("%v %+v", err, res)
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
