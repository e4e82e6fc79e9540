package config

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary JSON5 to the loader as a config file and as a
// file it may $include (by name, or itself to form a cycle), with
// ${VAR} references resolvable from a fuzzed variable. The loader must never
// panic, and whatever it accepts must survive a rewrite unchanged.
func FuzzLoad(f *testing.F) {
	fixtures, _ := filepath.Glob(filepath.Join("testdata", "fixtures", "*.json5"))
	for _, name := range fixtures {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, []byte(`{ a: 1 }`), "value")
	}
	f.Add([]byte(`{ agents: { "$include": "inc.json5" }, gateway: { auth: { token: "${V}" } } }`), []byte(`{ list: [{ id: "main" }] }`), "tok")
	f.Add([]byte(`{ "$include": ["inc.json5", "inc.json5"], x: "$${V}" }`), []byte(`{ "$include": "root.json5" }`), "")
	f.Add([]byte(`{ a: { "$include": "inc.json5" } }`), []byte(`[1, { "$include": "inc.json5" }]`), "x")

	f.Fuzz(func(t *testing.T, root, inc []byte, val string) {
		if len(root) > 64<<10 || len(inc) > 64<<10 {
			t.Skip()
		}
		dir := filepath.FromSlash("/cfg")
		files := map[string][]byte{
			filepath.Join(dir, "root.json5"): root,
			filepath.Join(dir, "inc.json5"):  inc,
		}
		read := func(p string) ([]byte, error) {
			if data, ok := files[p]; ok {
				return data, nil
			}
			return nil, fs.ErrNotExist
		}
		env := func(k string) string {
			if strings.HasPrefix(k, "V") {
				return val
			}
			return ""
		}
		cfg, err := Load(context.Background(), LoadOptions{
			Path: filepath.Join(dir, "root.json5"), Getenv: env, Home: dir, ReadFile: read, SkipDotEnv: true,
		})
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if _, err := json.Marshal(cfg.Raw); err != nil {
			t.Fatalf("accepted config does not encode: %v", err)
		}
		_ = Redact(cfg.Raw, []string{"*.token"})
		if cfg.Hash() == "" {
			t.Fatal("an existing config has no hash")
		}

		// A rewrite (what config set does) must keep every value.
		v, err := parseJSON5(root, "root")
		if err != nil {
			t.Fatalf("loaded but does not parse: %v", err)
		}
		rewritten := encodeOrdered(v, keyOrder(root))
		back, err := parseJSON5(rewritten, "rewritten")
		if err != nil {
			t.Fatalf("rewrite does not parse: %v\n%s", err, rewritten)
		}
		a, _ := json.Marshal(v)
		b, _ := json.Marshal(back)
		if !bytes.Equal(a, b) {
			t.Fatalf("rewrite changed the content:\n%s\n%s", a, b)
		}
	})
}

// BenchmarkLoad10kAgents measures loading a config with 10,000 agents and
// 10,000 bindings (the goal: well under a second).
func BenchmarkLoad10kAgents(b *testing.B) {
	dir := b.TempDir()
	path := filepath.Join(dir, "openclaw.json")
	var buf bytes.Buffer
	buf.WriteString("{\n  agents: { defaults: { workspace: \"~/w\" }, list: [\n")
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&buf, "    { id: \"agent-%d\", workspace: \"~/w/%d\", model: \"anthropic/claude-sonnet-4-5\", groupChat: { mentionPatterns: [\"@a%d\"] } },\n", i, i, i)
	}
	buf.WriteString("  ] },\n  bindings: [\n")
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&buf, "    { agentId: \"agent-%d\", match: { channel: \"telegram\", peer: { kind: \"dm\", id: \"%d\" } } },\n", i, i)
	}
	buf.WriteString("  ],\n  channels: { telegram: { botToken: \"${TG}\" } },\n}\n")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	opts := LoadOptions{Path: path, Home: dir, Getenv: mapEnv(map[string]string{"TG": "1:a"}), SkipDotEnv: true}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cfg, err := Load(context.Background(), opts)
		if err != nil {
			b.Fatal(err)
		}
		if cfg.Get("agents.list.#").Int() != 10000 {
			b.Fatal("agents missing")
		}
	}
}
