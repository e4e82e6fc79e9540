package backends

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/plugincatalog"
	"github.com/openclaw-go/openclaw/core/pluginhost"
)

func TestPluginsList(t *testing.T) {
	dir := t.TempDir()
	writePlugin(t, dir, "chatty", `"kinds": ["channel"], "channels": ["chatty"], "description": "Chat"`)
	writePlugin(t, dir, "crashy", `"kinds": ["tool"]`)
	writePlugin(t, dir, "flaky", `"kinds": ["tool"]`)
	writePlugin(t, dir, "idle", `"kinds": ["skill"]`)
	writePlugin(t, dir, "off", `"kinds": ["tool"]`)
	broken := filepath.Join(dir, "broken")
	if err := os.MkdirAll(broken, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(broken, "openclaw.plugin.json"), []byte(`{"id": "broken"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	disabled := false
	cat := plugincatalog.Discover(plugincatalog.Options{LoadPaths: []string{dir}, Entries: map[string]plugincatalog.EntryConfig{"off": {Enabled: &disabled}}})
	host := &fakePlugins{statuses: []pluginhost.Status{
		{ID: "chatty", State: pluginhost.StateRunning, Pid: 42},
		{ID: "crashy", State: pluginhost.StateFailed, LastError: "exit status 2"},
		{ID: "flaky", State: pluginhost.StateRestarting, LastError: "health check failed"},
	}}
	svc := New(Deps{Catalog: func() *plugincatalog.Catalog { return cat }, Plugins: host}).Plugins
	got, err := svc.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []backend.PluginInfo{
		{ID: "chatty", Name: "Chatty", PackageName: "chatty", Description: "Chat", Version: "1.2.3", Kind: []string{"channel"}, Origin: "path", Installed: true, Enabled: true, State: "enabled"},
		{ID: "crashy", Name: "Crashy", PackageName: "crashy", Version: "1.2.3", Kind: []string{"tool"}, Origin: "path", Installed: true, Enabled: true, State: "error", Error: "exit status 2"},
		{ID: "flaky", Name: "Flaky", PackageName: "flaky", Version: "1.2.3", Kind: []string{"tool"}, Origin: "path", Installed: true, Enabled: true, State: "enabled", Error: "health check failed"},
		{ID: "idle", Name: "Idle", PackageName: "idle", Version: "1.2.3", Kind: []string{"skill"}, Origin: "path", Installed: true, Enabled: true, State: "enabled"},
		{ID: "off", Name: "Off", PackageName: "off", Version: "1.2.3", Kind: []string{"tool"}, Origin: "path", Installed: true, Enabled: false, State: "disabled"},
	}
	if len(got) != len(want)+1 {
		t.Fatalf("List = %+v", got)
	}
	for i, w := range want {
		g := got[i]
		if g.ID != w.ID || g.Name != w.Name || g.PackageName != w.PackageName || g.Description != w.Description || g.Version != w.Version ||
			len(g.Kind) != 1 || g.Kind[0] != w.Kind[0] || g.Origin != w.Origin || g.Installed != w.Installed || g.Enabled != w.Enabled ||
			g.State != w.State || g.Error != w.Error {
			t.Fatalf("plugin %d = %+v, want %+v", i, g, w)
		}
	}
	if last := got[len(got)-1]; last.ID != "broken" || last.State != "error" || last.Error == "" {
		t.Fatalf("unreadable plugin = %+v", last)
	}
}
