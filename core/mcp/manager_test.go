package mcp

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/openclaw-go/openclaw/core/toolpolicy"
	"github.com/openclaw-go/openclaw/core/tools"
)

// inMemory dials every server to its own in-process test server.
func inMemory(t testing.TB) func(ctx context.Context, name string, cfg ServerConfig) (sdk.Transport, error) {
	return func(ctx context.Context, name string, cfg ServerConfig) (sdk.Transport, error) {
		clientT, serverT := sdk.NewInMemoryTransports()
		srv := newTestServer(false)
		ss, err := srv.Connect(ctx, serverT, nil)
		if err != nil {
			return nil, err
		}
		t.Cleanup(func() { _ = ss.Close() })
		return clientT, nil
	}
}

func startManager(t testing.TB, opts Options) *Manager {
	t.Helper()
	m := New(opts)
	m.Start(t.Context())
	t.Cleanup(m.Stop)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := m.WaitReady(ctx); err != nil {
		t.Fatalf("WaitReady: %v (status %+v)", err, m.Status())
	}
	return m
}

// eventually polls cond until it holds or the deadline passes; it asserts
// an outcome, not how long it took.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func call(t *testing.T, r *tools.Registry, name, args string) tools.Result {
	t.Helper()
	return r.Invoke(t.Context(), tools.Call{ID: "c1", Name: name, Arguments: args}, nil)
}

func TestToolsThroughRegistry(t *testing.T) {
	m := startManager(t, Options{
		Config: Config{Servers: map[string]ServerConfig{
			"Test Server": {Command: "unused", ToolFilter: ToolFilter{Exclude: []string{"admin_*"}}},
		}},
		Dial: inMemory(t),
	})
	reg := tools.New(tools.Options{})
	reg.AddProvider(m)

	var names []string
	for _, tl := range reg.List(t.Context()) {
		names = append(names, tl.Name)
		if tl.Plugin != PluginID {
			t.Errorf("%s: plugin %q, want %q", tl.Name, tl.Plugin, PluginID)
		}
		if len(tl.Parameters) == 0 || !strings.Contains(string(tl.Parameters), `"type"`) {
			t.Errorf("%s: parameters %s", tl.Name, tl.Parameters)
		}
	}
	want := "test-server__echo,test-server__fail,test-server__grow,test-server__picture,test-server__weather"
	if got := strings.Join(names, ","); got != want {
		t.Fatalf("tools = %s, want %s", got, want)
	}

	tests := []struct {
		tool, args string
		content    string
		isError    bool
		media      string
		details    string
	}{
		{tool: "test-server__echo", args: `{"text":"hi"}`, content: "echo: hi"},
		{tool: "test-server__picture", args: `{}`, content: "here it is\n[image image/png attached]", media: "image/png"},
		{tool: "test-server__fail", args: ``, content: "disk on fire", isError: true},
		{tool: "test-server__weather", args: `{}`, content: `"Oslo"`, details: `{"city":"Oslo","temp":-3.5}`},
		{tool: "test-server__echo", args: `[1,2]`, content: "Arguments must be a JSON object", isError: true},
		{tool: "test-server__echo", args: `{"text":5}`, content: "", isError: true},
		{tool: "test-server__admin_reset", args: `{}`, content: "Unknown tool", isError: true},
	}
	for _, tt := range tests {
		t.Run(tt.tool+tt.args, func(t *testing.T) {
			res := call(t, reg, tt.tool, tt.args)
			if res.IsError != tt.isError || !strings.Contains(res.Content, tt.content) {
				t.Fatalf("result = %+v, want content %q error %v", res, tt.content, tt.isError)
			}
			if tt.media != "" {
				if len(res.Media) != 1 || res.Media[0].MimeType != tt.media || string(res.Media[0].Data) != string(tinyPNG) || res.Media[0].Kind != "image" {
					t.Fatalf("media = %+v", res.Media)
				}
			}
			if tt.details != "" && string(res.Details) != tt.details {
				t.Fatalf("details = %s, want %s", res.Details, tt.details)
			}
		})
	}

	// A server announcing new tools is listed again.
	if res := call(t, reg, "test-server__grow", `{}`); res.IsError {
		t.Fatalf("grow: %+v", res)
	}
	eventually(t, "the late tool is listed", func() bool {
		return call(t, reg, "test-server__late", `{}`).Content == "late tool ran"
	})
	st := m.Status()
	if len(st) != 1 || st[0].State != StateReady || st[0].Transport != TransportStdio || len(st[0].Tools) != 6 {
		t.Errorf("status = %+v", st)
	}
}

func TestPolicyAppliesToMCPTools(t *testing.T) {
	m := startManager(t, Options{Config: Config{Servers: map[string]ServerConfig{"docs": {URL: "http://unused/mcp"}}}, Dial: inMemory(t)})
	reg := tools.New(tools.Options{})
	reg.AddProvider(m)
	var echo tools.Tool
	for _, tl := range reg.List(t.Context()) {
		if tl.Name == "docs__echo" {
			echo = tl
		}
	}
	if echo.Name == "" {
		t.Fatal("docs__echo not listed")
	}
	tests := []struct {
		name  string
		rules toolpolicy.Rules
		allow bool
	}{
		{"no policy", toolpolicy.Rules{}, true},
		{"coding profile includes bundle-mcp", toolpolicy.Rules{Profile: "coding"}, true},
		{"messaging profile includes bundle-mcp", toolpolicy.Rules{Profile: "messaging"}, true},
		{"minimal profile hides MCP", toolpolicy.Rules{Profile: "minimal"}, false},
		{"deny bundle-mcp", toolpolicy.Rules{Deny: []string{"bundle-mcp"}}, false},
		{"deny server glob", toolpolicy.Rules{Deny: []string{"docs__*"}}, false},
		{"deny other server", toolpolicy.Rules{Deny: []string{"mail__*"}}, true},
		{"allow group:plugins", toolpolicy.Rules{Allow: []string{"group:plugins"}}, true},
		{"allow only core tools", toolpolicy.Rules{Allow: []string{"group:openclaw"}}, false},
		{"allow exact name", toolpolicy.Rules{Allow: []string{"docs__echo"}}, true},
	}
	for _, tt := range tests {
		p := toolpolicy.Resolve(toolpolicy.Config{Rules: tt.rules}, nil, "", "")
		if got := p.Allows(echo.PolicyTool()); got != tt.allow {
			t.Errorf("%s: Allows = %v, want %v", tt.name, got, tt.allow)
		}
	}
}

func TestBrokenServersAreReportedNotFatal(t *testing.T) {
	off := false
	m := startManager(t, Options{
		Config: Config{Servers: map[string]ServerConfig{
			"missing":  {Command: "openclaw-no-such-mcp-server-binary"},
			"badcwd":   {Command: "true", Cwd: "/nonexistent/openclaw/dir"},
			"invalid":  {URL: "ftp://example.com"},
			"parked":   {Enabled: &off, Command: "x"},
			"refusing": {URL: "http://127.0.0.1:1/mcp", Transport: "streamable-http", ConnectionTimeoutMs: 2000},
		}},
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
	})
	want := map[string]struct{ state, err string }{
		"badcwd":   {StateRestarting, "working directory /nonexistent/openclaw/dir does not exist"},
		"invalid":  {StateInvalid, "scheme \"ftp\""},
		"missing":  {StateRestarting, "openclaw-no-such-mcp-server-binary"},
		"parked":   {StateDisabled, ""},
		"refusing": {StateRestarting, "connect"},
	}
	for _, st := range m.Status() {
		w := want[st.Name]
		if st.State != w.state || !strings.Contains(st.Error, w.err) {
			t.Errorf("%s: state %s error %q; want %s with %q", st.Name, st.State, st.Error, w.state, w.err)
		}
	}
	if got := m.ProvidedTools(t.Context()); len(got) != 0 {
		t.Errorf("broken servers provided tools: %v", got)
	}
	eventually(t, "a failing server is retried", func() bool {
		for _, st := range m.Status() {
			if st.Name == "missing" && st.Restarts >= 2 {
				return true
			}
		}
		return false
	})
}

func TestApplyKeepsUnchangedServers(t *testing.T) {
	var mu sync.Mutex
	var dials []string
	dial := inMemory(t)
	opts := Options{
		Config: Config{Servers: map[string]ServerConfig{"a": {Command: "a"}, "b": {Command: "b"}}},
		Dial: func(ctx context.Context, name string, cfg ServerConfig) (sdk.Transport, error) {
			mu.Lock()
			dials = append(dials, name)
			mu.Unlock()
			return dial(ctx, name, cfg)
		},
	}
	m := startManager(t, opts)
	m.Apply(Config{Servers: map[string]ServerConfig{"a": {Command: "a"}, "b": {Command: "b", Args: []string{"--new"}}, "c": {Command: "c"}}})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := m.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	m.Stop()
	mu.Lock()
	got := strings.Join(dials, ",")
	mu.Unlock()
	if strings.Count(got, "a") != 1 || strings.Count(got, "b") != 2 || strings.Count(got, "c") != 1 {
		t.Errorf("dials = %s; want a once, b twice (changed), c once (new)", got)
	}
	m.Apply(Config{})
	if len(m.Status()) != 0 {
		t.Errorf("status after removing all = %+v", m.Status())
	}
}

func stdioConfig(t *testing.T) ServerConfig {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return ServerConfig{Command: exe, Args: []string{"-test.run=^$"}, Env: map[string]string{
		serverEnvVar: "1", "MCP_TEST_VALUE": "from-config", "NODE_OPTIONS": "--require evil.js",
	}}
}

func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func TestStdioServerCrashRestartAndGroupKill(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("process groups are checked on Linux")
	}
	m := startManager(t, Options{
		Config:     Config{Servers: map[string]ServerConfig{"local": stdioConfig(t)}},
		Environ:    []string{"PATH=" + os.Getenv("PATH")},
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, StopGrace: 500 * time.Millisecond,
	})
	reg := tools.New(tools.Options{})
	reg.AddProvider(m)

	res := call(t, reg, "local__pid", `{}`)
	pidText, env, _ := strings.Cut(res.Content, " ")
	firstPid, err := strconv.Atoi(pidText)
	if err != nil || res.IsError {
		t.Fatalf("pid: %+v", res)
	}
	if env != "from-config|" {
		t.Errorf("server env = %q; want the configured value and no NODE_OPTIONS", env)
	}
	if st := m.Status()[0]; st.Pid != firstPid || len(st.DroppedEnv) != 1 || st.DroppedEnv[0] != "NODE_OPTIONS" {
		t.Errorf("status = %+v", st)
	}

	// A crash mid-call is an error result, and the server comes back.
	if res := call(t, reg, "local__crash", `{}`); !res.IsError {
		t.Fatalf("crash call = %+v, want an error result", res)
	}
	eventually(t, "the crashed server is restarted", func() bool {
		st := m.Status()[0]
		return st.State == StateReady && st.Restarts >= 1 && st.Pid != firstPid
	})
	if res := call(t, reg, "local__echo", `{"text":"again"}`); res.Content != "echo: again" {
		t.Fatalf("echo after restart = %+v", res)
	}

	// Stopping kills the whole process group, children included.
	res = call(t, reg, "local__spawn", `{}`)
	child, err := strconv.Atoi(res.Content)
	if err != nil || !alive(child) {
		t.Fatalf("spawn = %+v", res)
	}
	server := m.Status()[0].Pid
	m.Stop()
	eventually(t, "the server and its child are gone", func() bool { return !alive(server) && !alive(child) })
	if st := m.Status()[0]; st.State != StateStopped || len(m.ProvidedTools(t.Context())) != 0 {
		t.Errorf("after Stop: %+v", st)
	}
}

// BenchmarkToolCall measures one MCP tool call through the registry, with
// the server in-process, so it is the gateway's own overhead.
func BenchmarkToolCall(b *testing.B) {
	m := startManager(b, Options{Config: Config{Servers: map[string]ServerConfig{"bench": {Command: "unused"}}}, Dial: inMemory(b)})
	reg := tools.New(tools.Options{})
	reg.AddProvider(m)
	call := tools.Call{ID: "c", Name: "bench__echo", Arguments: `{"text":"x"}`}
	ctx := b.Context()
	for b.Loop() {
		if res := reg.Invoke(ctx, call, nil); res.Content != "echo: x" {
			b.Fatalf("result = %+v", res)
		}
	}
}
