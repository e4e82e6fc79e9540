//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	mm "github.com/openclaw-go/openclaw/e2e/fakes/mattermost"
	"github.com/openclaw-go/openclaw/e2e/harness"
	"github.com/openclaw-go/openclaw/registry"
)

// mmRegistry is a publisher's registry folder holding builds of the
// Mattermost plugin for this machine, served over loopback by
// `openclaw registry serve`. It publishes the way `make registry` does
// (keygen, build, pack, publish with the CLI), for one platform only.
type mmRegistry struct {
	t       *testing.T
	pub     *user
	key     string // private key file
	trusted string // public key line, for plugins.registry.trustedKeys
	dir     string // registry folder
	url     string
}

const mmPackage = "@openclaw/mattermost"

func newMMRegistry(t *testing.T) *mmRegistry {
	t.Helper()
	harness.Build(t)
	pub := newUser(t, filepath.Join(harness.Bin(), "openclaw"))
	keys := filepath.Join(pub.home, "keys")
	pub.run(true, "registry", "keygen", "--out", keys, "--name", "dev")
	trusted, err := os.ReadFile(filepath.Join(keys, "dev.pub"))
	if err != nil {
		t.Fatal(err)
	}
	r := &mmRegistry{t: t, pub: pub, key: filepath.Join(keys, "dev.key"), trusted: strings.TrimSpace(string(trusted)),
		dir: filepath.Join(pub.home, "registry")}
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return r
}

// serve starts `openclaw registry serve` on the folder.
func (r *mmRegistry) serve() { r.url = serve(r.t, r.pub, r.dir) }

// publish builds plugins/mattermost with its manifest's version set to
// version, packs it for this machine and publishes it. A non-empty script
// replaces the binary (a build that cannot start), still properly signed.
func (r *mmRegistry) publish(version, script string) {
	t := r.t
	t.Helper()
	root := harness.Root()
	raw, err := os.ReadFile(filepath.Join(root, "plugins", "mattermost", "openclaw.plugin.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	m["version"] = version
	raw, _ = json.MarshalIndent(m, "", "  ")
	src := filepath.Join(r.pub.home, "src", version)
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	manifestPath := filepath.Join(src, "openclaw.plugin.json")
	if err := os.WriteFile(manifestPath, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(src, "openclaw-plugin-mattermost")
	if script != "" {
		if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	} else {
		// The binary embeds its manifest: an overlay swaps in the bumped
		// one, so the build says the version it is published as.
		overlay := filepath.Join(src, "overlay.json")
		ov, _ := json.Marshal(map[string]any{"Replace": map[string]string{
			filepath.Join(root, "plugins", "mattermost", "openclaw.plugin.json"): manifestPath,
		}})
		if err := os.WriteFile(overlay, ov, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("go", "build", "-trimpath", "-overlay", overlay, "-ldflags", "-s -w", "-o", bin, "./plugins/mattermost")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build mattermost %s: %v\n%s", version, err, out)
		}
	}
	here := runtime.GOOS + "/" + runtime.GOARCH
	bundle := strings.TrimSpace(r.pub.run(true, "registry", "pack", "--binary", bin, "--platform", here,
		"--out", filepath.Join(r.pub.home, "bundles"), src))
	r.pub.run(true, "registry", "publish", "--key", r.key, "--dir", r.dir, bundle)
}

// mmGatewayConfig trusts the registry and points the Mattermost channel at
// the fake with open DMs and the echo model, which answers each message on
// its own.
func mmGatewayConfig(f *mm.Server, r *mmRegistry) map[string]any {
	return map[string]any{
		"agents": map[string]any{"defaults": map[string]any{
			"model":         map[string]any{"primary": "echo/echo"},
			"skipBootstrap": true,
		}},
		// One turn, and so one reply, per message, however fast they come.
		"messages": map[string]any{"queue": map[string]any{"mode": "followup", "debounceMs": 0, "cap": 1000}},
		"channels": map[string]any{"mattermost": map[string]any{
			"botToken": f.BotToken(), "baseUrl": f.URL(),
			"dmPolicy": "open", "allowFrom": []any{"*"},
		}},
		"plugins": map[string]any{
			"registries": []any{r.url},
			"registry":   map[string]any{"trustedKeys": []any{r.trusted}},
		},
	}
}

// cli runs the CLI against the gateway's state directory.
func gwCLI(t *testing.T, g *harness.Gateway, wantOK bool, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	out, err := g.CLI(ctx, args...)
	if (err == nil) != wantOK {
		t.Fatalf("openclaw %s: err=%v, want success=%v\n%s", strings.Join(args, " "), err, wantOK, out)
	}
	return out
}

// versionDir is where the installer puts a version of the plugin.
func versionDir(g *harness.Gateway, version string) string {
	return filepath.Join(g.StateDir, registry.PluginsDir, "@openclaw", "mattermost", version)
}

// mmPID returns the gateway's Mattermost plugin process and the binary it
// runs.
func mmPID(g *harness.Gateway) (int, string) {
	pid, ok := g.PluginPIDs()["openclaw-plugin-mattermost"]
	if !ok {
		return 0, ""
	}
	exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	return pid, exe
}

// waitMM waits until the gateway runs the Mattermost plugin from dir.
func waitMM(t *testing.T, g *harness.Gateway, dir string) int {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if pid, exe := mmPID(g); pid != 0 && strings.HasPrefix(exe, dir+string(filepath.Separator)) {
			return pid
		}
		time.Sleep(20 * time.Millisecond)
	}
	pid, exe := mmPID(g)
	t.Fatalf("no Mattermost plugin process running from %s (now: pid %d %s)", dir, pid, exe)
	return 0
}

func waitGone(t *testing.T, pid int, what string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if !alive(pid) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s (pid %d) still running", what, pid)
}

// waitWebSockets waits until the fake has accepted n event stream
// connections in all and one is open.
func waitWebSockets(t *testing.T, f *mm.Server, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	if err := f.WaitWebSockets(ctx, n); err != nil {
		opened, open := f.WebSockets()
		t.Fatalf("waiting for Mattermost connection %d (opened %d, open %d): %v", n, opened, open, err)
	}
}

// dm is a user's direct channel with the bot on the fake server.
type dm struct {
	t       *testing.T
	f       *mm.Server
	user    string
	channel string

	mu   sync.Mutex
	sent []string
}

func newDM(t *testing.T, f *mm.Server) *dm {
	alice := f.AddUser(mm.User{Username: "alice", FirstName: "Alice"})
	return &dm{t: t, f: f, user: alice, channel: f.DirectChannel(alice, f.BotUserID())}
}

func (d *dm) send(text string) {
	if _, err := d.f.Post(mm.Post{ChannelID: d.channel, UserID: d.user, Message: text}); err != nil {
		d.t.Error(err)
		return
	}
	d.mu.Lock()
	d.sent = append(d.sent, text)
	d.mu.Unlock()
}

// replies counts the bot's answers in the DM by the text they echo.
func (d *dm) replies() map[string]int {
	out := map[string]int{}
	for _, p := range d.f.BotPosts() {
		if p.ChannelID == d.channel {
			out[strings.TrimPrefix(p.Message, "echo: ")]++
		}
	}
	return out
}

// waitAnswered waits until every message sent so far has an answer.
func (d *dm) waitAnswered() {
	d.t.Helper()
	d.mu.Lock()
	sent := append([]string(nil), d.sent...)
	d.mu.Unlock()
	deadline := time.Now().Add(90 * time.Second)
	for {
		got := d.replies()
		var missing []string
		for _, s := range sent {
			if got[s] == 0 {
				missing = append(missing, s)
			}
		}
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("%d of %d messages never answered: %v", len(missing), len(sent), missing)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkOnce fails unless every message sent was answered exactly once. A
// last message answered after all others bounds late duplicates.
func (d *dm) checkOnce() {
	d.t.Helper()
	d.send(fmt.Sprintf("sentinel %d", time.Now().UnixNano()))
	d.waitAnswered()
	got := d.replies()
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, s := range d.sent {
		if got[s] != 1 {
			d.t.Errorf("%q answered %d times", s, got[s])
		}
	}
}

// TestRegistryGatewayFollows installs, upgrades, disables, enables and
// uninstalls the Mattermost plugin from a loopback registry while a gateway
// runs, and checks the gateway follows each change without a restart and
// without losing a message.
func TestRegistryGatewayFollows(t *testing.T) {
	reg := newMMRegistry(t)
	reg.publish("1.0.0", "")
	reg.serve()
	f := mm.New(mm.Options{})
	defer f.Close()
	g := harness.StartGateway(t, harness.Options{Config: mmGatewayConfig(f, reg)})
	gatewayPID := g.Cmd.Process.Pid
	if pid, _ := mmPID(g); pid != 0 {
		t.Fatalf("a Mattermost plugin runs before it is installed (pid %d)", pid)
	}

	// Install while the gateway runs: the plugin starts and answers.
	out := gwCLI(t, g, true, "plugins", "install", "--accept-capabilities", mmPackage)
	if !strings.Contains(out, "installed "+mmPackage+" 1.0.0") {
		t.Fatalf("install: %s", out)
	}
	oldPID := waitMM(t, g, versionDir(g, "1.0.0"))
	// Mattermost only sends events to connected clients: post once the
	// plugin's event stream is up.
	waitWebSockets(t, f, 1)
	d := newDM(t, f)
	d.send("hello after install")
	d.waitAnswered()

	// Upgrade while messages flow: before, during and after the switch.
	reg.publish("1.1.0", "")
	for i := range 3 {
		d.send(fmt.Sprintf("before %d", i))
	}
	stop := make(chan struct{})
	flowing := make(chan struct{})
	unheard := 0 // posted while no event stream was connected
	go func() {
		defer close(flowing)
		for i := 0; ; i++ {
			if _, open := f.WebSockets(); open == 0 {
				unheard++
			}
			d.send(fmt.Sprintf("during %d", i))
			select {
			case <-stop:
				return
			case <-time.After(25 * time.Millisecond):
			}
		}
	}()
	out = gwCLI(t, g, true, "plugins", "update", "--upgrade", "mattermost")
	if !strings.Contains(out, "1.0.0 → 1.1.0") {
		t.Errorf("update: %s", out)
	}
	// The gateway tries 1.1.0 once before the switch; the process that
	// stays is the one that connects to Mattermost, and it starts only
	// after the old one is gone.
	waitWebSockets(t, f, 2)
	newPID := waitMM(t, g, versionDir(g, "1.1.0"))
	if alive(oldPID) {
		t.Errorf("the 1.0.0 process (pid %d) still runs beside 1.1.0", oldPID)
	}
	time.Sleep(500 * time.Millisecond) // a few more while the new process settles
	close(stop)
	<-flowing
	for i := range 3 {
		d.send(fmt.Sprintf("after %d", i))
	}
	t.Logf("%d messages sent, %d of them while the plugin was switching", len(d.sent), unheard)
	d.waitAnswered()
	d.checkOnce()
	if newPID == oldPID {
		t.Fatalf("the plugin process was not replaced (pid %d)", newPID)
	}
	if g.Cmd.Process.Pid != gatewayPID || !alive(gatewayPID) {
		t.Fatal("the gateway restarted")
	}

	// A new version that cannot start: update says so, the lock keeps
	// 1.1.0 and the running process keeps answering.
	reg.publish("1.2.0", "#!/bin/sh\nexit 3\n")
	out = gwCLI(t, g, false, "plugins", "update", "--upgrade", "mattermost")
	if !strings.Contains(out, mmPackage+" 1.2.0 does not start") {
		t.Errorf("failed update: %s", out)
	}
	if e, ok := lockOf(t, g).Plugin("mattermost"); !ok || e.Version != "1.1.0" {
		t.Errorf("lock after a failed update: %+v", e)
	}
	if _, err := os.Stat(versionDir(g, "1.2.0")); !os.IsNotExist(err) {
		t.Errorf("the refused build was installed: %v", err)
	}
	d.send("after a failed update")
	d.waitAnswered()
	if pid, exe := mmPID(g); pid != newPID {
		t.Errorf("the 1.1.0 process (pid %d) was replaced by pid %d (%s)", newPID, pid, exe)
	}
	d.checkOnce()

	// Disable and enable: the process stops, then a new one answers,
	// including what was posted while the plugin was off.
	gwCLI(t, g, true, "plugins", "disable", "mattermost")
	waitGone(t, newPID, "the disabled plugin process")
	d.send("while disabled")
	gwCLI(t, g, true, "plugins", "enable", "mattermost")
	waitWebSockets(t, f, 3)
	newPID = waitMM(t, g, versionDir(g, "1.1.0"))
	d.send("after enable")
	d.checkOnce()
	if g.Cmd.Process.Pid != gatewayPID || !alive(gatewayPID) {
		t.Fatal("the gateway restarted")
	}

	// Uninstall: the process stops and the files go.
	out = gwCLI(t, g, true, "plugins", "uninstall", "mattermost")
	if !strings.Contains(out, "uninstalled "+mmPackage+" 1.1.0") {
		t.Fatalf("uninstall: %s", out)
	}
	waitGone(t, newPID, "the uninstalled plugin process")
	if pids := harness.PluginsByExe(filepath.Join(g.StateDir, registry.PluginsDir)); len(pids) != 0 {
		t.Errorf("plugin processes left after uninstall: %v", pids)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		opened, open := f.WebSockets()
		if open == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("%d of %d Mattermost connections still open after uninstall", open, opened)
			break
		}
	}
	if _, err := os.Stat(filepath.Join(g.StateDir, registry.PluginsDir, "@openclaw")); !os.IsNotExist(err) {
		t.Errorf("plugin files left after uninstall: %v", err)
	}
	if _, ok := lockOf(t, g).Plugin("mattermost"); ok {
		t.Error("the lock file still lists mattermost")
	}
}

func lockOf(t *testing.T, g *harness.Gateway) *registry.Lock {
	t.Helper()
	l, err := registry.LoadLock(filepath.Join(g.StateDir, registry.LockFileName))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestBenchRegistryInstall measures `openclaw plugins install` of the
// Mattermost plugin from a loopback registry: resolve, download, verify,
// unpack, trial start, rename into place, lock file and config, as the CLI
// process a user runs.
func TestBenchRegistryInstall(t *testing.T) {
	path := benchResults(t)
	reg := newMMRegistry(t)
	reg.publish("1.0.0", "")
	reg.serve()
	var size int64
	matches, _ := filepath.Glob(filepath.Join(reg.dir, "packages", "@openclaw", "mattermost", "1.0.0", "*.tar.gz"))
	if len(matches) == 1 {
		if fi, err := os.Stat(matches[0]); err == nil {
			size = fi.Size()
		}
	}
	const runs = 10
	samples := make([]time.Duration, 0, runs)
	for range runs {
		u := newUser(t, filepath.Join(harness.Bin(), "openclaw"))
		u.env = append(u.env, "OPENCLAW_REGISTRY="+reg.url, "OPENCLAW_REGISTRY_TRUSTED_KEYS="+reg.trusted)
		start := time.Now()
		u.run(true, "plugins", "install", "--accept-capabilities", mmPackage)
		samples = append(samples, time.Since(start))
	}
	record(t, path, "registryInstall", map[string]any{
		"package":       mmPackage,
		"artifactBytes": size,
		"runs":          runs,
		"p50Ms":         pct(samples, 0.50),
		"minMs":         pct(samples, 0),
		"maxMs":         pct(samples, 1),
		"note":          "wall time of `openclaw plugins install` (process start included): resolve, download over loopback HTTP, verify signature and hashes, unpack, one trial start of the plugin, rename into place, lock file, enable in config",
	})
}
