//go:build linux

package pluginhost

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	hclog "github.com/hashicorp/go-hclog"

	"github.com/openclaw-go/openclaw/core/plugincatalog"
	pluginv1 "github.com/openclaw-go/openclaw/proto/openclaw/plugin/v1"
)

// buildOnce compiles the example tool plugin into a plugin folder.
var (
	buildMu  sync.Mutex
	builtDir string
)

func examplePlugin(t *testing.T) string { return benchPlugin(t) }

func benchPlugin(t testing.TB) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if builtDir == "" {
		dir, err := os.MkdirTemp("", "openclaw-pluginhost-test-")
		if err != nil {
			t.Fatal(err)
		}
		src := filepath.Join("..", "..", "pluginsdk", "examples", "wordcount")
		out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "openclaw-plugin-wordcount"), "./"+src).CombinedOutput()
		if err != nil {
			t.Fatalf("build example plugin: %v\n%s", err, out)
		}
		raw, err := os.ReadFile(filepath.Join(src, "openclaw.plugin.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "openclaw.plugin.json"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
		builtDir = dir
	}
	// Each test gets its own copy, so tampering stays local.
	dir := t.TempDir()
	for _, name := range []string{"openclaw-plugin-wordcount", "openclaw.plugin.json"} {
		raw, err := os.ReadFile(filepath.Join(builtDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), raw, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builtDir != "" {
		os.RemoveAll(builtDir)
	}
	os.Exit(code)
}

func entryFor(t *testing.T, dir string) *plugincatalog.Entry { return benchEntry(t, dir) }

func benchEntry(t testing.TB, dir string) *plugincatalog.Entry {
	t.Helper()
	c := plugincatalog.Discover(plugincatalog.Options{LoadPaths: []string{dir}})
	if len(c.Problems()) > 0 {
		t.Fatalf("discover: %v", c.Problems())
	}
	e, ok := c.Get("wordcount")
	if !ok {
		t.Fatal("wordcount plugin not discovered")
	}
	return e
}

func fastPolicy() Policy {
	p := DefaultPolicy()
	p.MinBackoff = 10 * time.Millisecond
	p.MaxBackoff = 50 * time.Millisecond
	p.StopDeadline = 2 * time.Second
	p.ExitPoll = 20 * time.Millisecond
	return p
}

func newHost(t *testing.T, p Policy) *Host {
	h := New(Options{
		Logger:  hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: testWriter{t}}),
		DataDir: t.TempDir(), GatewayVersion: "0.1.0", Policy: p,
	})
	t.Cleanup(h.StopAll)
	return h
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func waitState(t *testing.T, h *Host, id string, want State) Status {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if st, ok := h.Status(id); ok && st.State == want {
			return st
		}
		time.Sleep(10 * time.Millisecond)
	}
	st, _ := h.Status(id)
	t.Fatalf("plugin %s: state %s (%s), want %s", id, st.State, st.LastError, want)
	return st
}

func TestStartInvokeStop(t *testing.T) {
	h := newHost(t, fastPolicy())
	e := entryFor(t, examplePlugin(t))
	if err := h.Start(t.Context(), e); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	r, err := h.Get(ctx, "wordcount")
	if err != nil {
		t.Fatal(err)
	}
	if r.Metadata.GetId() != "wordcount" || !r.HasKind("tool") {
		t.Fatalf("metadata = %v", r.Metadata)
	}
	stream, err := r.Tool.Invoke(ctx, &pluginv1.InvokeRequest{Tool: "word_count", ArgumentsJson: `{"text":"a b c"}`})
	if err != nil {
		t.Fatal(err)
	}
	var result string
	for {
		ev, err := stream.Recv()
		if err != nil {
			break
		}
		if res := ev.GetResult(); res != nil {
			result = res.GetContent()
		}
	}
	if result != "3 words, 1 lines" {
		t.Fatalf("result = %q", result)
	}
	pid := r.Pid
	h.Stop("wordcount")
	if processAlive(pid) {
		t.Fatalf("plugin process %d still alive after Stop", pid)
	}
}

func TestRestartAfterKill(t *testing.T) {
	h := newHost(t, fastPolicy())
	if err := h.Start(t.Context(), entryFor(t, examplePlugin(t))); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	r, err := h.Get(ctx, "wordcount")
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(r.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if r2, err := h.Get(ctx, "wordcount"); err == nil && r2.Pid != r.Pid {
			st, _ := h.Status("wordcount")
			if st.Restarts < 1 {
				t.Errorf("restarts = %d, want ≥ 1", st.Restarts)
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("plugin was not restarted after SIGKILL")
}

func TestCrashLoopParks(t *testing.T) {
	p := fastPolicy()
	p.CrashLoopCount = 3
	h := newHost(t, p)
	dir := examplePlugin(t)
	e := entryFor(t, dir)
	// A binary that dies at once: the right hash, the wrong program.
	script := "#!/bin/sh\nexit 3\n"
	if err := os.WriteFile(e.Executable, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	e.SHA256, _ = plugincatalog.FileSHA256(e.Executable)
	if err := h.Start(t.Context(), e); err != nil {
		t.Fatal(err)
	}
	st := waitState(t, h, "wordcount", StateFailed)
	if !strings.Contains(st.LastError, "crash loop") {
		t.Fatalf("last error = %q, want a crash-loop report", st.LastError)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	var ue *UnavailableError
	if _, err := h.Get(ctx, "wordcount"); !errors.As(err, &ue) || ue.State != StateFailed {
		t.Fatalf("Get on a parked plugin = %v, want UnavailableError(failed)", err)
	}
}

func TestTamperedBinaryRefused(t *testing.T) {
	h := newHost(t, fastPolicy())
	e := entryFor(t, examplePlugin(t))
	f, err := os.OpenFile(e.Executable, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("tampered"))
	f.Close()
	if err := h.Start(t.Context(), e); err != nil {
		t.Fatal(err)
	}
	st := waitState(t, h, "wordcount", StateFailed)
	if !strings.Contains(st.LastError, "does not match its install record") || st.Restarts != 1 {
		t.Fatalf("status = %+v, want an integrity failure without retries", st)
	}
}

func TestManifestMismatchRefused(t *testing.T) {
	h := newHost(t, fastPolicy())
	dir := examplePlugin(t)
	mpath := filepath.Join(dir, "openclaw.plugin.json")
	raw, _ := os.ReadFile(mpath)
	os.WriteFile(mpath, []byte(strings.Replace(string(raw), `"0.1.0"`, `"9.9.9"`, 1)), 0o644)
	if err := h.Start(t.Context(), entryFor(t, dir)); err != nil {
		t.Fatal(err)
	}
	st := waitState(t, h, "wordcount", StateFailed)
	if !strings.Contains(st.LastError, `version "0.1.0", manifest says "9.9.9"`) {
		t.Fatalf("last error = %q", st.LastError)
	}
}

func TestScrubbedEnvironment(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "sk-secret")
	env := pluginEnv(map[string]string{"EXTRA": "1"}, "debug")
	joined := strings.Join(env, "\n")
	if strings.Contains(joined, "sk-secret") {
		t.Fatal("a secret from the host environment reached the plugin")
	}
	if !strings.Contains(joined, "EXTRA=1") || !strings.Contains(joined, "OPENCLAW_PLUGIN_LOG_LEVEL=debug") {
		t.Fatalf("env = %v", env)
	}
}

func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	if err != nil {
		return false
	}
	// A zombie still answers signal 0; read its state.
	raw, err := os.ReadFile(filepath.Join("/proc", itoa(pid), "stat"))
	if err != nil {
		return false
	}
	fields := strings.Fields(string(raw))
	return len(fields) > 2 && fields[2] != "Z"
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

func TestUpgradeKeepsOldWhenNewFails(t *testing.T) {
	h := newHost(t, fastPolicy())
	e := entryFor(t, examplePlugin(t))
	if err := h.Start(t.Context(), e); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	old, err := h.Get(ctx, "wordcount")
	if err != nil {
		t.Fatal(err)
	}
	// A "new version" whose binary is broken.
	dir := examplePlugin(t)
	bad := entryFor(t, dir)
	os.WriteFile(bad.Executable, []byte("#!/bin/sh\nexit 1\n"), 0o755)
	bad.SHA256, _ = plugincatalog.FileSHA256(bad.Executable)
	bad.Version = "0.2.0"
	if err := h.Upgrade(ctx, bad); err == nil || !strings.Contains(err.Error(), "keeping 0.1.0") {
		t.Fatalf("Upgrade to a broken version = %v, want an error keeping the old one", err)
	}
	cur, err := h.Get(ctx, "wordcount")
	if err != nil || cur.Pid != old.Pid {
		t.Fatalf("after a failed upgrade the running plugin changed: %v %v", cur, err)
	}
	// A good new build replaces it.
	good := entryFor(t, examplePlugin(t))
	if err := h.Upgrade(ctx, good); err != nil {
		t.Fatal(err)
	}
	cur, err = h.Get(ctx, "wordcount")
	if err != nil || cur.Pid == old.Pid {
		t.Fatalf("upgrade did not replace the process: %v", err)
	}
	if processAlive(old.Pid) {
		t.Fatal("old process still alive after upgrade")
	}
}

// TestLargeMessages crosses go-plugin's default 4 MiB gRPC limit in both
// directions' worth of payload: an 8 MiB argument to the plugin.
func TestLargeMessages(t *testing.T) {
	h := newHost(t, fastPolicy())
	if err := h.Start(t.Context(), entryFor(t, examplePlugin(t))); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	r, err := h.Get(ctx, "wordcount")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Repeat("word ", 8<<20/5)
	stream, err := r.Tool.Invoke(ctx, &pluginv1.InvokeRequest{Tool: "word_count", ArgumentsJson: `{"text":"` + text + `"}`})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := stream.Recv()
	for err == nil && ev.GetResult() == nil {
		ev, err = stream.Recv()
	}
	if err != nil {
		t.Fatalf("8 MiB request failed: %v", err)
	}
	if want := "1677721 words, 1 lines"; ev.GetResult().GetContent() != want {
		t.Fatalf("result = %q, want %q", ev.GetResult().GetContent(), want)
	}
}
