package config

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func setupFile(t *testing.T, content string) (string, LoadOptions) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "openclaw.json")
	if content != "" {
		writeTree(t, dir, map[string]string{"openclaw.json": content})
	}
	return path, LoadOptions{Path: path, Home: dir, Getenv: mapEnv(map[string]string{"TOKEN": "t0ken"}), SkipDotEnv: true}
}

func readString(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

const original = `// my config
{
  gateway: { port: 18789, auth: { token: "${TOKEN}" } },
  agents: { list: [{ id: "main", workspace: "~/w" }] },
  channels: { telegram: { botToken: "123:abc", dmPolicy: "pairing" } },
}
`

func TestSetPreservesEverythingElse(t *testing.T) {
	path, opts := setupFile(t, original)
	res, err := Set(context.Background(), path, "gateway.port", ParseValue("19001"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Changed || res.Backup != path+BackupSuffix {
		t.Fatalf("result = %+v", res)
	}
	got := readString(t, path)
	for _, want := range []string{`"port": 19001`, `"token": "${TOKEN}"`, `"botToken": "123:abc"`, `"workspace": "~/w"`} {
		if !strings.Contains(got, want) {
			t.Errorf("rewritten file lacks %s:\n%s", want, got)
		}
	}
	// Keys keep the order they were written in.
	if !(strings.Index(got, `"gateway"`) < strings.Index(got, `"agents"`) && strings.Index(got, `"agents"`) < strings.Index(got, `"channels"`)) {
		t.Errorf("key order changed:\n%s", got)
	}
	if !(strings.Index(got, `"botToken"`) < strings.Index(got, `"dmPolicy"`)) {
		t.Errorf("nested key order changed:\n%s", got)
	}
	if readString(t, path+BackupSuffix) != original {
		t.Error("backup does not hold the previous file")
	}
	if res.Config.Get("gateway.auth.token").String() != "t0ken" {
		t.Error("returned config is not the loaded new config")
	}
}

func TestSetRefusesInvalidConfig(t *testing.T) {
	path, opts := setupFile(t, original)
	_, err := Set(context.Background(), path, "gateway.bind", "everywhere", opts)
	if err == nil || !strings.Contains(err.Error(), "gateway.bind: invalid value") {
		t.Fatalf("got %v", err)
	}
	if readString(t, path) != original {
		t.Fatal("an invalid edit changed the file")
	}
	if _, err := os.Stat(path + BackupSuffix); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("an invalid edit wrote a backup")
	}
}

func TestSetNoChangeLeavesFileAlone(t *testing.T) {
	path, opts := setupFile(t, original)
	res, err := Set(context.Background(), path, "gateway.port", float64(18789), opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed || readString(t, path) != original {
		t.Fatal("a no-op set rewrote the file")
	}
}

func TestUnset(t *testing.T) {
	path, opts := setupFile(t, original)
	if _, err := Unset(context.Background(), path, "channels.telegram.dmPolicy", opts); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(readString(t, path), "dmPolicy") {
		t.Fatal("dmPolicy still present")
	}
	if _, err := Unset(context.Background(), path, "channels.telegram.dmPolicy", opts); !errors.Is(err, ErrNotSet) {
		t.Fatalf("second unset: got %v, want ErrNotSet", err)
	}
}

func TestSetCreatesFile(t *testing.T) {
	path, opts := setupFile(t, "")
	if _, err := Set(context.Background(), path, "channels.telegram.dms.:123.historyLimit", float64(5), opts); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("new config mode = %v, want 0600", info.Mode().Perm())
	}
	if !strings.Contains(readString(t, path), `"123": {`) {
		t.Errorf("numeric key not written as an object key:\n%s", readString(t, path))
	}
}

func TestApplyHashChecks(t *testing.T) {
	path, opts := setupFile(t, original)
	ctx := context.Background()
	cur, err := Load(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	next := []byte(`{ gateway: { port: 19002 } }`)

	if _, err := Apply(ctx, path, next, "", opts); !errors.Is(err, ErrBaseHashRequired) {
		t.Fatalf("empty baseHash: got %v", err)
	}
	_, err = Apply(ctx, path, next, "deadbeef", opts)
	var stale *StaleHashError
	if !errors.Is(err, ErrStaleHash) || !errors.As(err, &stale) || stale.CurrentHash != cur.Hash() {
		t.Fatalf("stale baseHash: got %v", err)
	}
	if readString(t, path) != original {
		t.Fatal("a refused apply changed the file")
	}
	res, err := Apply(ctx, path, next, cur.Hash(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Config.Get("gateway.port").Int() != 19002 || res.Config.Get("channels").Exists() {
		t.Fatal("apply must replace the whole config")
	}
	again, err := Load(ctx, opts)
	if err != nil || again.Hash() != res.Config.Hash() {
		t.Fatalf("hash after apply differs from a fresh load: %v", err)
	}
	// The old hash is stale now.
	if _, err := Apply(ctx, path, next, cur.Hash(), opts); !errors.Is(err, ErrStaleHash) {
		t.Fatalf("reusing an old hash: got %v", err)
	}
}

func TestApplyFirstWriteNeedsNoHash(t *testing.T) {
	path, opts := setupFile(t, "")
	if _, err := Apply(context.Background(), path, []byte(`{ gateway: { port: 1 } }`), "", opts); err != nil {
		t.Fatal(err)
	}
}

func TestApplyRestoresRedactedSecrets(t *testing.T) {
	path, opts := setupFile(t, original)
	ctx := context.Background()
	cur, _ := Load(ctx, opts)
	redacted := Redact(cur.Authored, nil)
	redacted["gateway"].(map[string]any)["port"] = float64(20000)
	if _, err := Apply(ctx, path, marshalValue(redacted), cur.Hash(), opts); err != nil {
		t.Fatal(err)
	}
	got := readString(t, path)
	if strings.Contains(got, Redacted) || !strings.Contains(got, `"botToken": "123:abc"`) {
		t.Fatalf("secrets were not restored:\n%s", got)
	}
}

func TestApplyRefusesInvalid(t *testing.T) {
	path, opts := setupFile(t, original)
	cur, _ := Load(context.Background(), opts)
	_, err := Apply(context.Background(), path, []byte(`{ gateway: { port: "x" } }`), cur.Hash(), opts)
	if err == nil || len(Problems(err)) != 1 {
		t.Fatalf("got %v", err)
	}
	if readString(t, path) != original {
		t.Fatal("file changed")
	}
}

func TestPatchMergeSemantics(t *testing.T) {
	path, opts := setupFile(t, original)
	ctx := context.Background()
	cur, _ := Load(ctx, opts)
	patch := []byte(`{
		gateway: { bind: "lan", auth: { mode: "token" } },
		agents: { list: [{ id: "work" }] },
		channels: { telegram: { dmPolicy: null } },
		session: { dmScope: "per-peer", nothing: null },
	}`)
	res, err := Patch(ctx, path, patch, cur.Hash(), opts)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Config
	checks := map[string]string{
		"gateway.port":               "18789",
		"gateway.bind":               "lan",
		"gateway.auth.token":         "t0ken",
		"agents.list.#":              "1",
		"agents.list.0.id":           "work",
		"channels.telegram.botToken": "123:abc",
		"session.dmScope":            "per-peer",
	}
	for p, want := range checks {
		if got := c.Get(p).String(); got != want {
			t.Errorf("%s = %q, want %q", p, got, want)
		}
	}
	if c.Get("channels.telegram.dmPolicy").Exists() || c.Get("session.nothing").Exists() {
		t.Error("null must delete")
	}
	got := readString(t, path)
	if strings.Index(got, `"gateway"`) > strings.Index(got, `"channels"`) {
		t.Errorf("patch reordered untouched keys:\n%s", got)
	}
}

func TestPatchEscapesKeys(t *testing.T) {
	path, opts := setupFile(t, `{ agents: { defaults: { models: { "openai/gpt-5.2": { alias: "gpt" } } } } }`)
	cur, _ := Load(context.Background(), opts)
	res, err := Patch(context.Background(), path, []byte(`{ agents: { defaults: { models: { "openai/gpt-5.2": { alias: "g" }, "zai/glm-4.7": {} } } } }`), cur.Hash(), opts)
	if err != nil {
		t.Fatal(err)
	}
	models := res.Config.Raw["agents"].(map[string]any)["defaults"].(map[string]any)["models"].(map[string]any)
	if len(models) != 2 || models["openai/gpt-5.2"].(map[string]any)["alias"] != "g" {
		t.Fatalf("models = %v", models)
	}
}

func TestWritesRefusedWhenReadOnly(t *testing.T) {
	path, opts := setupFile(t, original)
	opts.Getenv = mapEnv(map[string]string{EnvReadOnly: "1", "TOKEN": "x"})
	if _, err := Set(context.Background(), path, "gateway.port", float64(1), opts); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("got %v", err)
	}
}

func TestEditOfUnparsableFile(t *testing.T) {
	path, opts := setupFile(t, "{ broken: ")
	if _, err := Set(context.Background(), path, "gateway.port", float64(1), opts); err == nil || !strings.Contains(err.Error(), "until it parses") {
		t.Fatalf("got %v", err)
	}
	if readString(t, path) != "{ broken: " {
		t.Fatal("file changed")
	}
	st, _ := readState(path, opts)
	if _, err := Apply(context.Background(), path, []byte(`{}`), st.hash, opts); err != nil {
		t.Fatalf("apply must be able to replace a broken file: %v", err)
	}
}

func TestKeyOrderRoundTrip(t *testing.T) {
	src := []byte(`{ z: 1, a: { y: [ { q: 1, b: 2 } ], "x.y": 'v' }, m: [] }`)
	v, err := parseJSON5(src, "t")
	if err != nil {
		t.Fatal(err)
	}
	got := string(encodeOrdered(v, keyOrder(src)))
	want := "{\n  \"z\": 1,\n  \"a\": {\n    \"y\": [\n      {\n        \"q\": 1,\n        \"b\": 2\n      }\n    ],\n    \"x.y\": \"v\"\n  },\n  \"m\": []\n}\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if keyOrder([]byte(`{a: 1, a: 2}`)) != nil {
		t.Fatal("duplicate keys must disable ordering")
	}
	if !HasComments([]byte("{ a: 1 // c\n}")) || HasComments([]byte(`{ "url": "http://x" }`)) {
		t.Fatal("HasComments is wrong")
	}
}

func TestParseValue(t *testing.T) {
	tests := map[string]any{
		"19001":      float64(19001),
		"true":       true,
		`"quoted"`:   "quoted",
		"plain":      "plain",
		"2h":         "2h",
		"{a: 1}":     map[string]any{"a": float64(1)},
		`["x", 'y']`: []any{"x", "y"},
	}
	for in, want := range tests {
		if got := ParseValue(in); string(marshalValue(got)) != string(marshalValue(want)) {
			t.Errorf("ParseValue(%q) = %#v, want %#v", in, got, want)
		}
	}
}

func TestWriteFileAtomicKeepsMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.json")
	if err := os.WriteFile(path, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	backup, err := WriteFileAtomic(path, []byte("new"))
	if err != nil {
		t.Fatal(err)
	}
	if readString(t, path) != "new" || readString(t, backup) != "old" {
		t.Fatal("content or backup wrong")
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o640 {
		t.Errorf("mode = %v, want 0640", info.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestEnsureGatewayToken(t *testing.T) {
	state := t.TempDir()
	tok, created, err := EnsureGatewayToken(state, strings.NewReader(strings.Repeat("k", 32)))
	if err != nil || !created || len(tok) != 64 {
		t.Fatalf("got %q %v %v", tok, created, err)
	}
	info, err := os.Stat(filepath.Join(state, GatewayTokenFile))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", info, err)
	}
	again, created, err := EnsureGatewayToken(state, strings.NewReader(""))
	if err != nil || created || again != tok {
		t.Fatalf("second call: %q %v %v", again, created, err)
	}
	if _, _, err := EnsureGatewayToken(t.TempDir(), strings.NewReader("short")); err == nil {
		t.Fatal("a failing random source must be an error")
	}
}

func TestConcurrentWriterIsNotOverwritten(t *testing.T) {
	path, opts := setupFile(t, original)
	reads := 0
	opts.ReadFile = func(p string) ([]byte, error) {
		data, err := os.ReadFile(p)
		if p == path {
			reads++
			if reads > 1 {
				// Someone else saved the file between our read and our write.
				return append(data, []byte("\n// edited elsewhere\n")...), err
			}
		}
		return data, err
	}
	_, err := Set(context.Background(), path, "gateway.port", float64(1), opts)
	if !errors.Is(err, ErrStaleHash) {
		t.Fatalf("got %v, want ErrStaleHash", err)
	}
	if readString(t, path) != original {
		t.Fatal("the file was overwritten")
	}
}
