package registry

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/pluginsdk/manifest"
	"github.com/openclaw-go/openclaw/registry/index"
	"github.com/openclaw-go/openclaw/registry/platform"
	"github.com/openclaw-go/openclaw/registry/publish"
	"github.com/openclaw-go/openclaw/registry/signing"
)

var allPlatforms = []platform.Platform{{OS: "linux", Arch: "amd64"}, {OS: "linux", Arch: "arm64"}, {OS: "darwin", Arch: "amd64"}, {OS: "darwin", Arch: "arm64"}}

// testRegistry is a registry folder with its publishing key.
type testRegistry struct {
	t   testing.TB
	dir string
	pub ed25519.PublicKey
	key ed25519.PrivateKey
	srv *httptest.Server
}

func newTestRegistry(t testing.TB) *testRegistry {
	t.Helper()
	pub, key, err := signing.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &testRegistry{t: t, dir: t.TempDir(), pub: pub, key: key}
}

func (r *testRegistry) trustedKey() string { return signing.FormatPublicKey(r.pub) }

// serve starts an HTTP server for the registry folder.
func (r *testRegistry) serve() string {
	if r.srv == nil {
		r.srv = httptest.NewServer(publish.Handler(r.dir))
		r.t.Cleanup(r.srv.Close)
	}
	return r.srv.URL
}

// plugin describes a throwaway plugin build.
type plugin struct {
	pkg, id, version string
	protocols        []int
	gateway          string
	caps             manifest.Capabilities
	required         []manifest.RequiredKey
	channels         []string
	platforms        []platform.Platform
	body             string
}

func (p plugin) manifest() manifest.Manifest {
	m := manifest.Manifest{ID: p.id, Package: p.pkg, Version: p.version, Kinds: []string{manifest.KindTool},
		ProtocolVersions: p.protocols, Gateway: p.gateway, Executable: "openclaw-" + p.id, Capabilities: p.caps, RequiredConfig: p.required}
	if len(p.channels) > 0 {
		m.Kinds, m.Channels = []string{manifest.KindChannel}, p.channels
	}
	if len(m.ProtocolVersions) == 0 {
		m.ProtocolVersions = []int{1}
	}
	return m
}

// pluginDir writes the plugin's folder (manifest + fake executable).
func pluginDir(t testing.TB, p plugin) string {
	t.Helper()
	dir := t.TempDir()
	m := p.manifest()
	data, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, manifest.FileName), data, 0o644); err != nil {
		t.Fatal(err)
	}
	body := p.body
	if body == "" {
		body = fmt.Sprintf("#!/bin/sh\necho %s %s\n", p.id, p.version)
	}
	if err := os.WriteFile(filepath.Join(dir, m.Executable), []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// publishPlugin packs the plugin for its platforms (default: all four) and
// publishes the bundles.
func (r *testRegistry) publishPlugin(p plugin) {
	r.t.Helper()
	if p.pkg == "" {
		p.pkg = "@test/" + p.id
	}
	plats := p.platforms
	if len(plats) == 0 {
		plats = allPlatforms
	}
	var bundles []string
	out := r.t.TempDir()
	for _, plat := range plats {
		pp := p
		pp.body = fmt.Sprintf("#!/bin/sh\necho %s %s %s\n%s", p.id, p.version, plat, p.body)
		b, err := publish.PackPlugin(pluginDir(r.t, pp), "", plat, out)
		if err != nil {
			r.t.Fatal(err)
		}
		bundles = append(bundles, b)
	}
	if _, err := publish.Publish(context.Background(), publish.Options{Dir: r.dir, Key: r.key, ReadSkill: readTestSkill}, bundles); err != nil {
		r.t.Fatal(err)
	}
}

// publishSkill publishes a skill folder with the given SKILL.md.
func (r *testRegistry) publishSkill(skillMD string) {
	r.t.Helper()
	dir := r.t.TempDir()
	os.WriteFile(filepath.Join(dir, "SKILL.md"), []byte(skillMD), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("supporting file"), 0o644)
	b, err := publish.PackSkill(dir, r.t.TempDir(), readTestSkill)
	if err != nil {
		r.t.Fatal(err)
	}
	if _, err := publish.Publish(context.Background(), publish.Options{Dir: r.dir, Key: r.key, ReadSkill: readTestSkill}, []string{b}); err != nil {
		r.t.Fatal(err)
	}
}

// readTestSkill is a minimal SKILL.md reader: "key: value" lines, with
// "requires" comma separated. The real parser lives with the skills code.
func readTestSkill(data []byte) (index.SkillInfo, error) {
	var info index.SkillInfo
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "name":
			info.Name = v
		case "version":
			info.Version = v
		case "description":
			info.Description = v
		case "requires":
			info.RequiresPlugins = strings.Split(v, ",")
		}
	}
	if info.Name == "" {
		return info, fmt.Errorf("no name")
	}
	return info, nil
}

// memConfig is an in-memory Config.
type memConfig struct {
	mu   sync.Mutex
	root map[string]any
	fail error
}

func newMemConfig() *memConfig { return &memConfig{root: map[string]any{}} }

func (c *memConfig) Get(path []string) (any, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var cur any = c.root
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false, nil
		}
		if cur, ok = m[p]; !ok {
			return nil, false, nil
		}
	}
	return cur, true, nil
}

func (c *memConfig) Set(path []string, v any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		return c.fail
	}
	cur := c.root
	for _, p := range path[:len(path)-1] {
		next, ok := cur[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[p] = next
		}
		cur = next
	}
	cur[path[len(path)-1]] = v
	return nil
}

func (c *memConfig) Delete(path []string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	cur := c.root
	for _, p := range path[:len(path)-1] {
		next, ok := cur[p].(map[string]any)
		if !ok {
			return nil
		}
		cur = next
	}
	delete(cur, path[len(path)-1])
	return nil
}

// prompter answers prompts with a fixed answer and records the questions.
type prompter struct {
	interactive bool
	answer      bool
	mu          sync.Mutex
	asked       []string
}

func (p *prompter) Interactive() bool { return p.interactive }
func (p *prompter) Confirm(_ context.Context, q string) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asked = append(p.asked, q)
	return p.answer, nil
}

// env is one installer setup against a state directory.
type env struct {
	t      *testing.T
	state  string
	config *memConfig
	prompt *prompter
	opts   Options
}

func newEnv(t *testing.T, registries []string, trusted ...string) *env {
	t.Helper()
	e := &env{t: t, state: t.TempDir(), config: newMemConfig(), prompt: &prompter{}}
	e.opts = Options{
		StateDir: e.state, GatewayVersion: "1.4.0", ProtocolVersions: []int{1},
		Platform: platform.Platform{OS: "linux", Arch: "amd64"}, Registries: registries, TrustedKeys: trusted,
		Config: e.config, Prompter: e.prompt, ReadSkill: readTestSkill,
		Getenv: func(string) string { return "" },
		Now:    func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) },
	}
	return e
}

func (e *env) installer() *Installer {
	e.t.Helper()
	in, err := New(e.opts)
	if err != nil {
		e.t.Fatal(err)
	}
	return in
}

func (e *env) lock() *Lock {
	e.t.Helper()
	l, err := LoadLock(filepath.Join(e.state, LockFileName))
	if err != nil {
		e.t.Fatal(err)
	}
	return l
}

// snapshot captures the state directory (minus the install lock) to prove
// that a failed operation changed nothing.
func (e *env) snapshot() map[string]string {
	e.t.Helper()
	files := map[string]string{}
	filepath.WalkDir(e.state, func(p string, d os.DirEntry, err error) error {
		if err != nil || p == e.state {
			return err
		}
		rel, _ := filepath.Rel(e.state, p)
		if rel == installLock || rel == stagingDir {
			return nil
		}
		if d.IsDir() {
			files[rel+"/"] = ""
			return nil
		}
		data, _ := os.ReadFile(p)
		files[rel] = string(data)
		return nil
	})
	return files
}

func (e *env) assertUnchanged(before map[string]string) {
	e.t.Helper()
	after := e.snapshot()
	for k, v := range before {
		if after[k] != v {
			e.t.Errorf("%s changed", k)
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			e.t.Errorf("%s appeared", k)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(e.state, stagingDir)); len(entries) > 0 {
		e.t.Errorf("staging not cleaned: %v", entries)
	}
}

// setConstraint rewrites a plugin's recorded range, as if the user had
// installed it with that range.
func (e *env) setConstraint(pkg, rng string) {
	e.t.Helper()
	l := e.lock()
	l.Plugins[pkg].Constraint = rng
	if err := l.Save(filepath.Join(e.state, LockFileName)); err != nil {
		e.t.Fatal(err)
	}
}
