package daemon

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/openclaw-go/openclaw/core/config"
	"github.com/openclaw-go/openclaw/core/plugincatalog"
)

// TestConfigValidatesAgainstPluginsInstalledSince: the config watcher's
// validation must see a channel plugin installed after the gateway started.
func TestConfigValidatesAgainstPluginsInstalledSince(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "irc2")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	manifest := `{"id": "irc2", "version": "1.0.0", "kinds": ["channel"], "channels": ["irc2"],
		"protocolVersions": [1], "executable": "openclaw-plugin-irc2",
		"configSchema": {"type": "object", "properties": {"server": {"type": "string"}}, "additionalProperties": false}}`
	for name, body := range map[string]string{"openclaw.plugin.json": manifest, "openclaw-plugin-irc2": "#!/bin/sh\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	g := &Gateway{}
	g.catalog.Store(plugincatalog.Discover(plugincatalog.Options{}))
	// Taken once, as the watcher does when the gateway starts.
	load := g.watchLoadOptions()

	tests := []struct {
		name     string
		catalog  *plugincatalog.Catalog
		section  map[string]any
		problems int
	}{
		{"before the install", plugincatalog.Discover(plugincatalog.Options{}), map[string]any{"server": "irc.example.com"}, 1},
		{"after the install", plugincatalog.Discover(plugincatalog.Options{LoadPaths: []string{dir}}), map[string]any{"server": "irc.example.com"}, 0},
		{"plugin schema applies", plugincatalog.Discover(plugincatalog.Options{LoadPaths: []string{dir}}), map[string]any{"port": 6667}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g.catalog.Store(tt.catalog)
			var errs []config.Problem
			for _, p := range config.Validate(map[string]any{"channels": map[string]any{"irc2": tt.section}}, load.Plugins) {
				if !p.Warning {
					errs = append(errs, p)
				}
			}
			if len(errs) != tt.problems {
				t.Fatalf("problems = %v, want %d", errs, tt.problems)
			}
		})
	}
}
