// Package harness builds the real binaries once and runs them as a user
// would: a gateway process with its own state directory, plugin processes
// it spawns, and the CLI.
package harness

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Root is the repository root, found from this file's location.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Bin is the folder `make build` fills.
func Bin() string { return filepath.Join(Root(), "bin") }

var buildOnce sync.Once
var buildErr error

// Build runs `make build` once per test binary, so every e2e test runs the
// binaries as shipped.
func Build(t testing.TB) {
	t.Helper()
	buildOnce.Do(func() {
		cmd := exec.Command("make", "build")
		cmd.Dir = Root()
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("make build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
}

// FreePort returns a loopback port nobody listens on now.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Gateway is a running `openclaw gateway run` process.
type Gateway struct {
	t        testing.TB
	StateDir string
	Port     int
	Cmd      *exec.Cmd
	Env      []string

	mu   sync.Mutex
	logs bytes.Buffer
	wait chan struct{}
	err  error
}

// Options for a gateway process.
type Options struct {
	// Config is written as the state directory's openclaw.json (JSON).
	Config map[string]any
	// Env adds variables to the process environment.
	Env map[string]string
	// StateDir reuses a state directory (to restart a gateway on it).
	StateDir string
	// ExtraArgs are appended to `gateway run`.
	ExtraArgs []string
}

// StartGateway starts a gateway and waits until it logs that it is ready.
func StartGateway(t testing.TB, opts Options) *Gateway {
	t.Helper()
	Build(t)
	state := opts.StateDir
	if state == "" {
		state = t.TempDir()
	}
	if opts.Config != nil {
		raw, err := json.MarshalIndent(opts.Config, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(state, "openclaw.json"), raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	port := FreePort(t)
	g := &Gateway{t: t, StateDir: state, Port: port, wait: make(chan struct{})}
	g.Env = []string{
		"HOME=" + state,
		"PATH=" + os.Getenv("PATH"),
		"OPENCLAW_STATE_DIR=" + state,
		"OPENCLAW_LOG_DIR=" + filepath.Join(state, "logs"),
		"OPENCLAW_GATEWAY_TOKEN=e2e-token",
	}
	for k, v := range opts.Env {
		g.Env = append(g.Env, k+"="+v)
	}
	args := append([]string{"gateway", "run", "--port", strconv.Itoa(port), "--log-level", "debug"}, opts.ExtraArgs...)
	g.Cmd = exec.Command(filepath.Join(Bin(), "openclaw"), args...)
	g.Cmd.Env = g.Env
	g.Cmd.Dir = state
	g.Cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	g.Cmd.Stdout = pw
	g.Cmd.Stderr = pw
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		once := sync.Once{}
		for sc.Scan() {
			line := sc.Text()
			g.mu.Lock()
			g.logs.WriteString(line + "\n")
			g.mu.Unlock()
			if strings.Contains(line, "gateway ready") {
				once.Do(func() { close(ready) })
			}
		}
	}()
	if err := g.Cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		g.err = g.Cmd.Wait()
		pw.Close()
		close(g.wait)
	}()
	t.Cleanup(func() {
		g.Kill()
		if t.Failed() {
			t.Logf("gateway log:\n%s", g.Logs())
		}
	})
	select {
	case <-ready:
	case <-g.wait:
		t.Fatalf("gateway exited before it was ready: %v\n%s", g.err, g.Logs())
	case <-time.After(60 * time.Second):
		t.Fatalf("gateway not ready within 60s\n%s", g.Logs())
	}
	return g
}

// Logs returns everything the gateway printed so far.
func (g *Gateway) Logs() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.logs.String()
}

// WaitLog waits until the log contains s.
func (g *Gateway) WaitLog(s string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if strings.Contains(g.Logs(), s) {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// Signal sends sig to the gateway process.
func (g *Gateway) Signal(sig syscall.Signal) { _ = g.Cmd.Process.Signal(sig) }

// Wait waits for the gateway to exit.
func (g *Gateway) Wait(timeout time.Duration) error {
	select {
	case <-g.wait:
		return g.err
	case <-time.After(timeout):
		return fmt.Errorf("gateway still running after %s", timeout)
	}
}

// Kill ends the gateway and anything left in its process group.
func (g *Gateway) Kill() {
	select {
	case <-g.wait:
	default:
		_ = syscall.Kill(-g.Cmd.Process.Pid, syscall.SIGKILL)
		<-g.wait
	}
}

// URL is the gateway's base URL.
func (g *Gateway) URL() string { return fmt.Sprintf("http://127.0.0.1:%d", g.Port) }

// CLI runs `openclaw args...` against this gateway's state directory.
func (g *Gateway) CLI(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(Bin(), "openclaw"), args...)
	cmd.Env = append(append([]string{}, g.Env...), "OPENCLAW_GATEWAY_PORT="+strconv.Itoa(g.Port))
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// PluginPIDs lists the gateway's child processes whose binary name starts
// with openclaw-plugin-.
func (g *Gateway) PluginPIDs() map[string]int {
	return ChildPlugins(g.Cmd.Process.Pid)
}

// ChildPlugins lists processes whose parent is ppid and whose command is a
// plugin binary, by plugin binary name.
func ChildPlugins(ppid int) map[string]int {
	out := map[string]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// comm is in parentheses and may hold spaces; fields follow it.
		s := string(stat)
		open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || close < 0 {
			continue
		}
		comm := s[open+1 : close]
		fields := strings.Fields(s[close+1:])
		if len(fields) < 2 || fields[0] == "Z" {
			continue
		}
		parent, _ := strconv.Atoi(fields[1])
		if (ppid != 0 && parent != ppid) || !strings.HasPrefix(comm, "openclaw-plugin") {
			continue
		}
		// comm is cut at 15 bytes; the executable names the plugin.
		if exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe")); err == nil {
			out[filepath.Base(exe)] = pid
		}
	}
	return out
}

// PluginsByExe lists live processes running a binary under dir.
func PluginsByExe(dir string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil || !strings.HasPrefix(exe, dir) {
			continue
		}
		stat, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		s := string(stat)
		if c := strings.LastIndexByte(s, ')'); c > 0 {
			if f := strings.Fields(s[c+1:]); len(f) > 0 && f[0] == "Z" {
				continue
			}
		}
		pids = append(pids, pid)
	}
	return pids
}

// RSSKiB is a process's resident set size.
func RSSKiB(pid int) int { return statusKiB(pid, "VmRSS:") }

// AnonKiB is the anonymous part of a process's resident set: its heap and
// stacks, without the pages of its binary that the page cache shares.
func AnonKiB(pid int) int { return statusKiB(pid, "RssAnon:") }

func statusKiB(pid int, field string) int {
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, field) {
			f := strings.Fields(line)
			if len(f) >= 2 {
				n, _ := strconv.Atoi(f[1])
				return n
			}
		}
	}
	return 0
}
