package backends

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/plugincatalog"
	"github.com/openclaw-go/openclaw/core/pluginhost"
	"github.com/openclaw-go/openclaw/pluginsdk"
)

const healthConfig = `{
  agents: {
    defaults: { model: { primary: "echo/echo" }, heartbeat: { every: "45m" } },
    list: [ { id: "main", name: "Main" }, { id: "ops", heartbeat: { every: "10m", target: "none" } } ],
  },
  gateway: { reload: { mode: "hybrid" } },
}`

func TestHealthSnapshot(t *testing.T) {
	w := newWorld(t, healthConfig)
	w.addChannel("telegram", "default")
	broken := filepath.Join(w.dir, "plugins", "broken")
	if err := os.MkdirAll(broken, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(broken, "openclaw.plugin.json"), []byte(`{`), 0o644); err != nil {
		t.Fatal(err)
	}
	cat := plugincatalog.Discover(plugincatalog.Options{LoadPaths: []string{filepath.Dir(broken)}})
	w.plugins.statuses = append(w.plugins.statuses, pluginhost.Status{ID: "crashy", State: pluginhost.StateFailed, LastError: "exit 1", Source: plugincatalog.SourceInstalled})
	d := w.deps()
	d.Catalog = func() *plugincatalog.Catalog { return cat }
	svcs := New(d)
	ctx := context.Background()
	for _, key := range []string{"agent:main:api:a", "agent:ops:api:b", "agent:ops:api:c"} {
		if _, err := svcs.Chat.Run(ctx, backend.RunRequest{SessionKey: key, Message: "hi"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	snap, err := svcs.Health.Snapshot(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	// Only agents with their own heartbeat block run one.
	if snap.DefaultAgentID != "main" || snap.HeartbeatSeconds != 0 || !snap.HotReload {
		t.Fatalf("snapshot = %+v", snap)
	}
	if snap.Sessions.Count != 3 || len(snap.Sessions.Recent) != 3 ||
		!strings.HasSuffix(snap.Sessions.Path, filepath.Join("agents", "main", "sessions", "sessions.json")) {
		t.Fatalf("sessions = %+v", snap.Sessions)
	}
	// Newest first; sessions updated in the same millisecond may come in
	// either order, so the last one written must share the top time.
	recent := snap.Sessions.Recent
	for i := 1; i < len(recent); i++ {
		if recent[i].UpdatedAt.After(recent[i-1].UpdatedAt) {
			t.Fatalf("recent sessions not newest first: %+v", recent)
		}
	}
	newest := false
	for _, r := range recent {
		newest = newest || (r.Key == "agent:ops:api:c" && r.UpdatedAt.Equal(recent[0].UpdatedAt))
	}
	if !newest {
		t.Fatalf("the last session written is not among the newest: %+v", recent)
	}
	if len(snap.Agents) != 2 {
		t.Fatalf("agents = %+v", snap.Agents)
	}
	main, ops := snap.Agents[0], snap.Agents[1]
	if main.AgentID != "main" || main.Name != "Main" || !main.IsDefault || main.Heartbeat.Enabled || main.Sessions.Count != 1 {
		t.Fatalf("main = %+v", main)
	}
	if ops.AgentID != "ops" || !ops.Heartbeat.Enabled || ops.Heartbeat.EveryMs != 600_000 || ops.Heartbeat.Target != "none" || ops.Sessions.Count != 2 {
		t.Fatalf("ops = %+v", ops)
	}
	if len(snap.Channels) != 1 || snap.Channels[0].Accounts[0].Probe == nil || !snap.Channels[0].Accounts[0].Probe.OK {
		t.Fatalf("channels = %+v", snap.Channels)
	}
	if strings.Join(snap.Plugins.Loaded, ",") != "telegram-plugin" || len(snap.Plugins.Errors) != 2 ||
		snap.Plugins.Errors[0].ID != "crashy" || snap.Plugins.Errors[0].Origin != "installed" || snap.Plugins.Errors[1].ID != "broken" {
		t.Fatalf("plugins = %+v", snap.Plugins)
	}
}

func TestHealthHeartbeatOfDefaultAgent(t *testing.T) {
	w := newWorld(t, `{ agents: { defaults: { model: { primary: "echo/echo" }, heartbeat: { every: "45m" } } }, gateway: { reload: { mode: "off" } } }`)
	snap, err := New(w.deps()).Health.Snapshot(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if snap.HeartbeatSeconds != 2700 || snap.HotReload || !snap.Agents[0].Heartbeat.Enabled || snap.Agents[0].Heartbeat.Every != "45m" {
		t.Fatalf("snapshot = %+v", snap)
	}
}

func TestHealthReady(t *testing.T) {
	w := newWorld(t, echoConfig)
	w.addChannel("telegram", "default")
	health := New(w.deps()).Health
	ctx := context.Background()
	tests := []struct {
		name    string
		change  func()
		failing []string
	}{
		{"all up", func() {}, nil},
		{"account reconnecting", func() {
			w.channels.AccountStatus("telegram-plugin", pluginsdk.AccountStatus{Channel: "telegram", AccountID: "default", State: pluginsdk.StateReconnecting})
		}, []string{"channel:telegram:default"}},
		{"plugin restarting", func() {
			w.plugins.mu.Lock()
			w.plugins.statuses[0].State = pluginhost.StateRestarting
			w.plugins.mu.Unlock()
		}, []string{"plugin:telegram-plugin", "channel:telegram:default"}},
	}
	for _, tt := range tests {
		tt.change()
		r := health.Ready(ctx)
		if r.Ready != (len(tt.failing) == 0) || strings.Join(r.Failing, " ") != strings.Join(tt.failing, " ") {
			t.Fatalf("%s: Ready = %+v, want failing %v", tt.name, r, tt.failing)
		}
	}
}

func TestHealthSnapshotStoreError(t *testing.T) {
	w := newWorld(t, echoConfig)
	if err := w.store.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := New(w.deps()).Health.Snapshot(context.Background(), false); err == nil || errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("a closed store went unreported: %v", err)
	}
}
