package configwatch

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/openclaw-go/openclaw/core/config"
)

func loadJSON5(t *testing.T, content string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "openclaw.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(context.Background(), config.LoadOptions{Path: path, Home: dir, SkipDotEnv: true})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestClassify(t *testing.T) {
	base := `{ gateway: { port: 18789 }, channels: { telegram: { botToken: "a" } }, agents: { defaults: { timeoutSeconds: 600 } } }`
	tests := []struct {
		name         string
		old, new     string
		action       Action
		hot, restart []string
		pending      []string
	}{
		{
			name: "no change", old: base, new: base, action: ActionNone,
		},
		{
			name:   "channel change applies live",
			old:    base,
			new:    `{ gateway: { port: 18789 }, channels: { telegram: { botToken: "b" } }, agents: { defaults: { timeoutSeconds: 600 } } }`,
			action: ActionHot, hot: []string{"channels.telegram.botToken"},
		},
		{
			name:   "gateway port needs a restart",
			old:    base,
			new:    `{ gateway: { port: 19000 }, channels: { telegram: { botToken: "a" } }, agents: { defaults: { timeoutSeconds: 600 } } }`,
			action: ActionRestart, restart: []string{"gateway.port"},
		},
		{
			name:   "mixed change restarts under hybrid",
			old:    base,
			new:    `{ gateway: { port: 19000 }, channels: { telegram: { botToken: "a" } }, agents: { defaults: { timeoutSeconds: 60 } }, plugins: { allow: ["x"] } }`,
			action: ActionRestart, hot: []string{"agents.defaults.timeoutSeconds"}, restart: []string{"gateway.port", "plugins"},
		},
		{
			name:   "reload settings themselves apply live",
			old:    base,
			new:    `{ gateway: { port: 18789, reload: { debounceMs: 50 } }, channels: { telegram: { botToken: "a" } }, agents: { defaults: { timeoutSeconds: 600 } } }`,
			action: ActionHot, hot: []string{"gateway.reload.debounceMs"},
		},
		{
			name:   "hot mode leaves restart-only changes pending",
			old:    `{ gateway: { reload: { mode: "hot" } } }`,
			new:    `{ gateway: { reload: { mode: "hot" }, bind: "lan", auth: { token: "t" } }, session: { dmScope: "per-peer" } }`,
			action: ActionHot, hot: []string{"session.dmScope"}, restart: []string{"gateway.auth.token", "gateway.bind"},
			pending: []string{"gateway.auth.token", "gateway.bind"},
		},
		{
			name:   "restart mode restarts for anything",
			old:    `{ gateway: { reload: { mode: "restart" } } }`,
			new:    `{ gateway: { reload: { mode: "restart" } }, session: { dmScope: "per-peer" } }`,
			action: ActionRestart, hot: []string{"session.dmScope"},
		},
		{
			name:   "off mode applies nothing",
			old:    `{ gateway: { reload: { mode: "off" } } }`,
			new:    `{ gateway: { reload: { mode: "off" } }, session: { dmScope: "per-peer" } }`,
			action: ActionNone, hot: []string{"session.dmScope"}, pending: []string{"session.dmScope"},
		},
		{
			name:   "metadata needs nothing",
			old:    `{ meta: { lastTouchedAt: "a" } }`,
			new:    `{ meta: { lastTouchedAt: "b" } }`,
			action: ActionNone,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := Classify(loadJSON5(t, tt.old), loadJSON5(t, tt.new))
			if plan.Action != tt.action {
				t.Errorf("action = %s, want %s (plan %+v)", plan.Action, tt.action, plan)
			}
			if !reflect.DeepEqual(plan.HotPaths, tt.hot) || !reflect.DeepEqual(plan.RestartPaths, tt.restart) || !reflect.DeepEqual(plan.Pending, tt.pending) {
				t.Errorf("hot %v restart %v pending %v, want %v %v %v", plan.HotPaths, plan.RestartPaths, plan.Pending, tt.hot, tt.restart, tt.pending)
			}
		})
	}
}
