package doctor

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/openclaw-go/openclaw/core/config"
)

type env map[string]string

func (e env) get(k string) string { return e[k] }

type catalog map[string]bool // installed plugin ids, each providing its own channel

func (c catalog) ChannelSchema(ch string) (string, json.RawMessage, bool) {
	return ch, nil, c[ch]
}

func (c catalog) PluginSchema(id string) (json.RawMessage, bool) { return nil, c[id] }

// setup returns options for a home with an optional config file.
func setup(t *testing.T, cfg string) (Options, string) {
	t.Helper()
	home := t.TempDir()
	state := filepath.Join(home, ".openclaw")
	if cfg != "" {
		if err := os.MkdirAll(state, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(state, "openclaw.json"), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return Options{
		Load:   config.LoadOptions{Home: home, Getenv: env{}.get, SkipDotEnv: true},
		Random: strings.NewReader(strings.Repeat("r", 64)),
	}, state
}

func find(r *Report, area string, sev Severity, substr string) *Finding {
	for i, f := range r.Findings {
		if f.Area == area && f.Severity == sev && strings.Contains(f.Message, substr) {
			return &r.Findings[i]
		}
	}
	return nil
}

func dump(r *Report) string {
	var b strings.Builder
	for _, f := range r.Findings {
		b.WriteString(string(f.Severity) + " [" + f.Area + "] " + f.Message + "\n")
	}
	return b.String()
}

func TestFreshInstall(t *testing.T) {
	opts, state := setup(t, "")
	r := Run(context.Background(), opts)
	if r.Errors() != 0 {
		t.Fatalf("a fresh install has no errors:\n%s", dump(r))
	}
	missing := find(r, AreaState, Warning, "does not exist")
	if missing == nil || !missing.Fixable() {
		t.Fatalf("missing state dir not reported as fixable:\n%s", dump(r))
	}
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Fatal("doctor without --fix created the state directory")
	}
	fixed, err := r.Fix(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(fixed) == 0 {
		t.Fatal("nothing fixed")
	}
	info, err := os.Stat(state)
	if err != nil || !info.IsDir() || (runtime.GOOS != "windows" && info.Mode().Perm() != 0o700) {
		t.Fatalf("state dir after fix: %v %v", info, err)
	}
	if tok, _ := config.ReadGatewayToken(state); tok == "" {
		t.Fatal("the token fix did not generate a token")
	}
	again := Run(context.Background(), opts)
	if again.Warnings() != 0 || again.Errors() != 0 {
		t.Fatalf("problems remain after --fix:\n%s", dump(again))
	}
}

func TestConfigProblems(t *testing.T) {
	opts, _ := setup(t, `{
		gateway: { bind: "everywhere" },
		channels: { lark: { appId: "x" }, telegram: { botToken: "${TELEGRAM_BOT_TOKEN}" } },
	}`)
	r := Run(context.Background(), opts)
	for _, want := range []struct {
		area, text string
	}{
		{AreaConfig, "gateway.bind: invalid value"},
		{AreaPlugins, "openclaw plugins install @openclaw/lark"},
		{AreaEnv, "${TELEGRAM_BOT_TOKEN}"},
	} {
		if find(r, want.area, Error, want.text) == nil {
			t.Errorf("missing %s error %q in:\n%s", want.area, want.text, dump(r))
		}
	}
	if find(r, AreaConfig, Info, "refuses to start") == nil {
		t.Error("doctor must say the gateway will not start")
	}
}

func TestPluginsReferencedButNotInstalled(t *testing.T) {
	cfg := `{ channels: { telegram: { botToken: "t" }, discord: { enabled: false } }, plugins: { allow: ["brave"], entries: { "voice-call": { enabled: true } } } }`
	opts, _ := setup(t, cfg)
	opts.Load.Plugins = catalog{}
	r := Run(context.Background(), opts)
	for _, want := range []string{`Channel "telegram"`, `plugin "brave"`, `plugin "voice-call"`} {
		if find(r, AreaPlugins, Warning, want) == nil {
			t.Errorf("missing warning %s:\n%s", want, dump(r))
		}
	}
	if find(r, AreaPlugins, Warning, `"discord"`) != nil {
		t.Error("a disabled channel needs no plugin")
	}
	opts.Load.Plugins = catalog{"telegram": true, "brave": true, "voice-call": true}
	if r := Run(context.Background(), opts); r.Warnings() != 0 {
		t.Errorf("installed plugins still reported:\n%s", dump(r))
	}
}

func TestPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX permissions")
	}
	opts, state := setup(t, `{ gateway: { auth: { token: "t" } } }`)
	cfgPath := filepath.Join(state, "openclaw.json")
	if err := os.Chmod(state, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(cfgPath, 0o644); err != nil {
		t.Fatal(err)
	}
	r := Run(context.Background(), opts)
	if find(r, AreaState, Warning, "accessible to other users") == nil || find(r, AreaState, Warning, "readable by other users") == nil {
		t.Fatalf("permissions not reported:\n%s", dump(r))
	}
	if _, err := r.Fix(context.Background()); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(state); info.Mode().Perm() != 0o700 {
		t.Errorf("state dir mode %v", info.Mode().Perm())
	}
	if info, _ := os.Stat(cfgPath); info.Mode().Perm() != 0o600 {
		t.Errorf("config mode %v", info.Mode().Perm())
	}
}

func TestMigrations(t *testing.T) {
	opts, state := setup(t, `{
		gateway: { auth: { token: "t" } },
		agent: { model: { primary: "a/b" }, timeoutSeconds: 30 },
		agents: { defaults: { timeoutSeconds: 60 } },
		messages: { tts: { enabled: true } },
		bridge: { enabled: false },
	}`)
	r := Run(context.Background(), opts)
	if n := len(migrations(mustTree(t, opts))); n != 3 {
		t.Fatalf("found %d migrations:\n%s", n, dump(r))
	}
	if _, err := r.Fix(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(context.Background(), opts.Load)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Warnings) != 0 {
		t.Fatalf("warnings remain: %v", cfg.Warnings)
	}
	checks := map[string]string{
		"agents.defaults.model.primary":  "a/b",
		"agents.defaults.timeoutSeconds": "60",
		"messages.tts.auto":              "always",
		"gateway.auth.token":             "t",
	}
	for p, want := range checks {
		if got := cfg.Get(p).String(); got != want {
			t.Errorf("%s = %q, want %q", p, got, want)
		}
	}
	if cfg.Get("agent").Exists() || cfg.Get("bridge").Exists() || cfg.Get("messages.tts.enabled").Exists() {
		t.Error("retired keys remain")
	}
	if _, err := os.Stat(filepath.Join(state, "openclaw.json.bak")); err != nil {
		t.Error("no backup kept")
	}
}

func TestIncludedSectionsAreNotMigrated(t *testing.T) {
	tree := map[string]any{
		"agent":  map[string]any{"timeoutSeconds": float64(1)},
		"agents": map[string]any{config.IncludeKey: "agents.json5"},
	}
	if m := migrations(tree); len(m) != 0 {
		t.Fatalf("migrated into an included section: %+v", m)
	}
}

func mustTree(t *testing.T, opts Options) map[string]any {
	t.Helper()
	f, err := config.ReadFile(opts.Load)
	if err != nil {
		t.Fatal(err)
	}
	return f.Tree
}
