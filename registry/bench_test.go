package registry

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openclaw-go/openclaw/pluginsdk/manifest"
)

// BenchmarkInstallFromLoopbackRegistry measures one full install: resolve,
// download over HTTP on loopback, verify signature and hashes, unpack,
// rename into place, write the lock file and enable in config. The plugin
// binary is 8 MiB, a typical Go plugin's size.
func BenchmarkInstallFromLoopbackRegistry(b *testing.B) {
	reg := newTestRegistry(b)
	reg.publishPlugin(plugin{id: "echo", version: "1.0.0", body: strings.Repeat("x", 8<<20)})
	url := reg.serve()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		state, err := os.MkdirTemp(b.TempDir(), "state")
		if err != nil {
			b.Fatal(err)
		}
		opts := Options{StateDir: state, GatewayVersion: "1.0.0", Registries: []string{url}, TrustedKeys: []string{reg.trustedKey()},
			Config: newMemConfig(), Prompter: &prompter{}}
		in, err := New(opts)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := in.Install(ctx, InstallRequest{Spec: "@test/echo"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListFiftyInstalled is what `plugins list` and the gateway's
// discovery pay to read the lock file and the manifest of 50 installed
// plugins. Goal: under 50 ms per listing.
func BenchmarkListFiftyInstalled(b *testing.B) {
	state := b.TempDir()
	lock := NewLock()
	for i := 0; i < 50; i++ {
		pkg := fmt.Sprintf("@bench/p%02d", i)
		id := fmt.Sprintf("p%02d", i)
		dir := filepath.Join(state, PluginsDir, "@bench", id, "1.0.0")
		os.MkdirAll(dir, 0o755)
		m := plugin{id: id, version: "1.0.0", pkg: pkg}.manifest()
		m.ConfigSchema = []byte(`{"type":"object","properties":{"token":{"type":"string"}}}`)
		data, _ := json.Marshal(m)
		os.WriteFile(filepath.Join(dir, manifest.FileName), data, 0o644)
		os.WriteFile(filepath.Join(dir, m.Executable), []byte("bin"), 0o755)
		hashes := map[string]Hashes{}
		for _, p := range allPlatforms {
			hashes[p.Key()] = Hashes{Artifact: strings.Repeat("a", 64), Executable: strings.Repeat("b", 64)}
		}
		lock.Plugins[pkg] = &LockEntry{Package: pkg, ID: id, Version: "1.0.0", Source: "https://r/", Dir: "plugins/@bench/" + id + "/1.0.0", Executable: m.Executable, Hashes: hashes}
	}
	path := filepath.Join(state, LockFileName)
	if err := lock.Save(path); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l, err := LoadLock(path)
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range l.Entries() {
			if _, err := manifest.Load(e.Path(state)); err != nil {
				b.Fatal(err)
			}
			if _, ok := e.ExecutableSHA256("linux", "amd64"); !ok {
				b.Fatal("no hash")
			}
		}
	}
}
