package e2e

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/e2e/harness"
	"github.com/openclaw-go/openclaw/registry"
	"github.com/openclaw-go/openclaw/registry/publish"
)

// cliBinary builds cmd/openclaw once for this test, unless OPENCLAW_E2E_BIN
// names a binary already built.
func cliBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("OPENCLAW_E2E_BIN"); bin != "" {
		return bin
	}
	bin := filepath.Join(t.TempDir(), "openclaw")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/openclaw")
	cmd.Dir = harness.Root()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build openclaw: %v\n%s", err, out)
	}
	return bin
}

// user runs the CLI as someone with their own home and state directory.
type user struct {
	t     *testing.T
	bin   string
	home  string
	state string
	env   []string
}

func newUser(t *testing.T, bin string) *user {
	home := t.TempDir()
	u := &user{t: t, bin: bin, home: home, state: filepath.Join(home, ".openclaw")}
	u.env = append(os.Environ(), "HOME="+home, "OPENCLAW_STATE_DIR="+u.state, "OPENCLAW_CONFIG_PATH=", "OPENCLAW_REGISTRY=", "OPENCLAW_REGISTRY_TRUSTED_KEYS=")
	return u
}

func (u *user) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, u.bin, args...)
	cmd.Env = u.env
	cmd.Dir = u.home
	cmd.Stdin = nil // not a terminal: consent must come from flags
	return cmd
}

// run runs the CLI and returns its combined output; wantOK says whether it
// must succeed.
func (u *user) run(wantOK bool, args ...string) string {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := u.command(ctx, args...).CombinedOutput()
	if (err == nil) != wantOK {
		u.t.Fatalf("openclaw %s: err=%v, want success=%v\n%s", strings.Join(args, " "), err, wantOK, out)
	}
	return string(out)
}

func (u *user) lock() *registry.Lock {
	u.t.Helper()
	l, err := registry.LoadLock(filepath.Join(u.state, registry.LockFileName))
	if err != nil {
		u.t.Fatal(err)
	}
	return l
}

// writePlugin makes a throwaway plugin folder: the example tool plugin
// built as "hello" at version, since installing tries the build first.
func writePlugin(t *testing.T, dir, version string) {
	t.Helper()
	os.MkdirAll(dir, 0o755)
	m := map[string]any{
		"id": "hello", "package": "@e2e/hello", "version": version, "description": "says hello",
		"kinds": []string{"tool"}, "tools": []string{"word_count"}, "protocolVersions": []int{1}, "executable": "hello",
		"capabilities": map[string]any{"network": []string{"example.com"}},
	}
	data, _ := json.Marshal(m)
	manifestPath := filepath.Join(dir, "openclaw.plugin.json")
	os.WriteFile(manifestPath, data, 0o644)
	// The binary embeds its manifest; an overlay swaps in this one.
	src := filepath.Join(harness.Root(), "pluginsdk", "examples", "wordcount")
	overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{filepath.Join(src, "openclaw.plugin.json"): manifestPath}})
	os.WriteFile(filepath.Join(dir, "overlay.json"), overlay, 0o644)
	cmd := exec.Command("go", "build", "-overlay", filepath.Join(dir, "overlay.json"), "-o", filepath.Join(dir, "hello"), "./pluginsdk/examples/wordcount")
	cmd.Dir = harness.Root()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build hello %s: %v\n%s", version, err, out)
	}
}

// publishVersion packs the plugin for this machine and one other platform
// and publishes both bundles with the publisher's key. The other
// platform's build is never run here: a stand-in script takes its place.
func publishVersion(t *testing.T, pub *user, keys, reg, version string) {
	t.Helper()
	src := filepath.Join(pub.home, "src-"+version)
	writePlugin(t, src, version)
	standIn := filepath.Join(pub.home, "stand-in-"+version)
	os.WriteFile(standIn, []byte("#!/bin/sh\necho hello "+version+"\n"), 0o755)
	bundles := filepath.Join(pub.home, "bundles")
	here := runtime.GOOS + "/" + runtime.GOARCH
	other := "darwin/arm64"
	if here == other {
		other = "linux/amd64"
	}
	var files []string
	for _, p := range []string{here, other} {
		args := []string{"registry", "pack", "--platform", p, "--out", bundles}
		if p == other {
			args = append(args, "--binary", standIn)
		}
		out := pub.run(true, append(args, src)...)
		files = append(files, strings.TrimSpace(out))
	}
	pub.run(true, append([]string{"registry", "publish", "--key", filepath.Join(keys, "dev.key"), "--dir", reg}, files...)...)
}

// serve starts `openclaw registry serve` on a free loopback port.
func serve(t *testing.T, u *user, dir string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := u.command(ctx, "registry", "serve", "--addr", "127.0.0.1:0", dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cancel()
		}
		cancel()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("registry serve: %v", err)
	}
	i := strings.Index(line, "http://")
	if i < 0 {
		t.Fatalf("registry serve printed %q", line)
	}
	go io.Copy(io.Discard, stdout)
	return strings.TrimSpace(line[i:])
}

// TestRegistryLifecycle publishes, serves and installs with the real CLI:
// keygen → pack → publish → serve over loopback HTTP → install (consent by
// flag) → update (lock wins, then --upgrade) → uninstall, then an update
// killed half-way through its download.
func TestRegistryLifecycle(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the throwaway plugin is a shell script")
	}
	bin := cliBinary(t)
	pub := newUser(t, bin)
	keys := filepath.Join(pub.home, "keys")
	reg := filepath.Join(pub.home, "registry")
	out := pub.run(true, "registry", "keygen", "--out", keys, "--name", "dev")
	if !strings.Contains(out, "key id:") {
		t.Fatalf("keygen: %s", out)
	}
	trusted, _ := os.ReadFile(filepath.Join(keys, "dev.pub"))
	publishVersion(t, pub, keys, reg, "1.0.0")
	url := serve(t, pub, reg)

	u := newUser(t, bin)
	u.env = append(u.env, "OPENCLAW_REGISTRY="+url, "OPENCLAW_REGISTRY_TRUSTED_KEYS="+strings.TrimSpace(string(trusted)))

	// Unknown key: refused, nothing written.
	stranger := newUser(t, bin)
	stranger.env = append(stranger.env, "OPENCLAW_REGISTRY="+url)
	if out := stranger.run(false, "plugins", "install", "@e2e/hello"); !strings.Contains(out, "untrusted key") {
		t.Fatalf("untrusted install: %s", out)
	}
	// Capabilities need consent when no terminal can ask.
	if out := u.run(false, "plugins", "install", "@e2e/hello@^1"); !strings.Contains(out, "--accept-capabilities") {
		t.Fatalf("install without consent: %s", out)
	}
	if _, err := os.Stat(filepath.Join(u.state, registry.LockFileName)); err == nil {
		t.Fatal("a refused install wrote the lock file")
	}
	out = u.run(true, "plugins", "install", "--accept-capabilities", "@e2e/hello@^1")
	if !strings.Contains(out, "installed @e2e/hello 1.0.0 (hello)") {
		t.Fatalf("install: %s", out)
	}
	e, ok := u.lock().Plugin("hello")
	if !ok || e.Version != "1.0.0" || e.Constraint != "^1" || len(e.Hashes) != 2 {
		t.Fatalf("lock entry: %+v", e)
	}
	exe := filepath.Join(e.Path(u.state), "hello")
	if want, ok := e.ExecutableSHA256(runtime.GOOS, runtime.GOARCH); !ok || want != fileSum(t, exe) {
		t.Fatalf("installed binary %s does not match the lock's hash %q", exe, want)
	}
	cfg, _ := os.ReadFile(filepath.Join(u.state, "openclaw.json"))
	if !strings.Contains(string(cfg), `"enabled": true`) {
		t.Errorf("config after install: %s", cfg)
	}
	u.run(true, "plugins", "doctor")

	// A newer version: plain update keeps the lock's version and says so.
	publishVersion(t, pub, keys, reg, "1.1.0")
	if out := u.run(true, "plugins", "update", "hello"); !strings.Contains(out, "1.1.0 is available") {
		t.Fatalf("update: %s", out)
	}
	if out := u.run(true, "plugins", "list", "--json"); !strings.Contains(out, `"updateAvailable": "1.1.0"`) {
		t.Fatalf("plugins list does not show the available update:\n%s", out)
	}
	out = u.run(true, "plugins", "update", "--upgrade", "hello")
	if !strings.Contains(out, "1.0.0 → 1.1.0") || u.lock().Plugins["@e2e/hello"].Version != "1.1.0" {
		t.Fatalf("upgrade: %s", out)
	}

	// An update killed while downloading leaves the installed version and
	// the lock file alone; the next command clears the leftovers.
	publishVersion(t, pub, keys, reg, "1.2.0")
	killMidDownload(t, u, reg)
	if v := u.lock().Plugins["@e2e/hello"].Version; v != "1.1.0" {
		t.Fatalf("lock after kill: %s", v)
	}
	u.run(true, "plugins", "doctor")
	if entries, _ := os.ReadDir(filepath.Join(u.state, ".staging")); len(entries) != 0 {
		t.Errorf("staging not cleaned: %v", entries)
	}

	out = u.run(true, "plugins", "uninstall", "hello")
	if !strings.Contains(out, "uninstalled @e2e/hello 1.1.0") || len(u.lock().Plugins) != 0 {
		t.Fatalf("uninstall: %s", out)
	}
	if _, err := os.Stat(filepath.Join(u.state, "plugins", "@e2e")); !os.IsNotExist(err) {
		t.Errorf("plugin files kept: %v", err)
	}
}

// killMidDownload runs `plugins update --upgrade` against a registry that
// stalls half-way through the artifact, and SIGKILLs the CLI there.
func killMidDownload(t *testing.T, u *user, reg string) {
	t.Helper()
	stall := make(chan struct{})
	files := publish.Handler(reg)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, ".tar.gz") {
			files.ServeHTTP(w, r)
			return
		}
		data, err := os.ReadFile(filepath.Join(reg, filepath.FromSlash(r.URL.Path)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(data)))
		w.Write(data[:len(data)/2])
		w.(http.Flusher).Flush()
		<-stall
	}))
	defer srv.Close()
	defer close(stall)

	env := append(append([]string(nil), u.env...), "OPENCLAW_REGISTRY="+srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, u.bin, "plugins", "update", "--upgrade", "hello")
	cmd.Env = env
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	partial := ""
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && partial == ""; time.Sleep(20 * time.Millisecond) {
		matches, _ := filepath.Glob(filepath.Join(u.state, ".staging", "op-*", "artifact.tar.gz"))
		for _, m := range matches {
			if fi, err := os.Stat(m); err == nil && fi.Size() > 0 {
				partial = m
			}
		}
	}
	if partial == "" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("the update never started downloading")
	}
	cmd.Process.Kill()
	cmd.Wait()
	if _, err := os.Stat(partial); err != nil {
		t.Fatalf("expected the killed update's download to be left behind: %v", err)
	}
}

func fileSum(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(data))
}
