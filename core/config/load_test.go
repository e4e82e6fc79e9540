package config

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func mapEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestResolvePaths(t *testing.T) {
	home := filepath.FromSlash("/home/u")
	tests := []struct {
		env        map[string]string
		state, cfg string
	}{
		{nil, "/home/u/.openclaw", "/home/u/.openclaw/openclaw.json"},
		{map[string]string{EnvStateDir: "/srv/oc"}, "/srv/oc", "/srv/oc/openclaw.json"},
		{map[string]string{EnvStateDir: "~/oc-a"}, "/home/u/oc-a", "/home/u/oc-a/openclaw.json"},
		{map[string]string{EnvConfigPath: "/etc/oc.json"}, "/home/u/.openclaw", "/etc/oc.json"},
		{map[string]string{EnvConfigPath: "~/a.json", EnvStateDir: "/s"}, "/s", "/home/u/a.json"},
	}
	for _, tt := range tests {
		got := ResolvePaths(mapEnv(tt.env), home)
		want := Paths{StateDir: filepath.FromSlash(tt.state), ConfigPath: filepath.FromSlash(tt.cfg)}
		if got != want {
			t.Errorf("env %v: got %+v, want %+v", tt.env, got, want)
		}
	}
}

func TestMissingFileGivesSafeDefaults(t *testing.T) {
	home := t.TempDir()
	cfg, err := Load(context.Background(), LoadOptions{Home: home})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Exists || cfg.Hash() != "" {
		t.Fatalf("Exists=%v Hash=%q for a missing file", cfg.Exists, cfg.Hash())
	}
	if cfg.Path != filepath.Join(home, ".openclaw", "openclaw.json") {
		t.Fatalf("Path = %s", cfg.Path)
	}
	for path, want := range map[string]any{
		"gateway.bind":              "loopback",
		"gateway.port":              float64(DefaultGatewayPort),
		"gateway.mode":              "local",
		"gateway.auth.mode":         "token",
		"gateway.reload.mode":       "hybrid",
		"gateway.reload.debounceMs": float64(300),
		"session.scope":             "per-sender",
		"agents.defaults.workspace": "~/.openclaw/workspace",
	} {
		if got := cfg.Get(path).Value(); got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	if cfg.Get("gateway.auth.token").Exists() {
		t.Error("the default config must not carry a token; it is generated into the state directory")
	}
	if cfg.Get("channels").Exists() {
		t.Error("no channel may be enabled by default")
	}
}

func TestLoadListsEveryProblem(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"openclaw.json": `{
		gateway: { port: "eighty", bind: "everywhere", prot: 1 },
		session: { dmScope: "per-person" },
		channels: { telegram: { dmPolicy: "sometimes" } },
	}`})
	_, err := Load(context.Background(), LoadOptions{Path: filepath.Join(dir, "openclaw.json"), Home: dir})
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("expected a ValidationError, got %v", err)
	}
	var paths []string
	for _, p := range verr.Problems {
		paths = append(paths, p.Path)
		if !strings.Contains(p.Message, "expected") || !strings.Contains(p.Message, "got") {
			t.Errorf("problem lacks expected/got: %s", p)
		}
	}
	want := []string{"gateway.bind", "gateway.port", "gateway.prot", "session.dmScope", "channels.telegram.dmPolicy"}
	if !reflect.DeepEqual(paths, want) {
		t.Fatalf("problem paths = %v, want %v", paths, want)
	}
}

func TestLoadRejectsNonObject(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"openclaw.json": `[1]`})
	_, err := Load(context.Background(), LoadOptions{Path: filepath.Join(dir, "openclaw.json")})
	var perr *ParseError
	if !errors.As(err, &perr) || !strings.Contains(err.Error(), "must be a JSON5 object") {
		t.Fatalf("got %v", err)
	}
}

func TestJSON5Syntax(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"openclaw.json": `// comment
	{
		/* block */ gateway: { port: 19001, bind: 'lan', },
		"agents": { defaults: { workspace: '~/w', }, },
	}`})
	cfg, err := Load(context.Background(), LoadOptions{Path: filepath.Join(dir, "openclaw.json")})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Get("gateway.port").Int() != 19001 || cfg.Get("gateway.bind").String() != "lan" {
		t.Fatalf("unexpected values: %s", cfg.JSON())
	}
}

func TestParseErrorPosition(t *testing.T) {
	_, err := parseJSON5([]byte("{\n  a: 1,\n  b: ]\n}"), "f.json5")
	var perr *ParseError
	if !errors.As(err, &perr) || perr.Line != 3 || perr.File != "f.json5" {
		t.Fatalf("got %#v", err)
	}
	if _, err := parseJSON5([]byte("{ a: NaN }"), "f"); err == nil || !strings.Contains(err.Error(), "a: Infinity and NaN") {
		t.Fatalf("NaN accepted: %v", err)
	}
	if _, err := parseJSON5([]byte("  \n"), "f"); err == nil {
		t.Fatal("empty file accepted")
	}
}

func TestSubstitution(t *testing.T) {
	env := mapEnv(map[string]string{"A": "1", "B_2": "two", "EMPTY": ""})
	tests := []struct {
		in, out string
		missing []string
	}{
		{"${A}", "1", nil},
		{"x-${A}-${B_2}/v1", "x-1-two/v1", nil},
		{"$${A}", "${A}", nil},
		{"$${A} and ${A}", "${A} and 1", nil},
		{"${lower}", "${lower}", nil},
		{"${A", "${A", nil},
		{"${1A}", "${1A}", nil},
		{"${NOPE}", "", []string{"NOPE"}},
		{"${EMPTY}x", "x", []string{"EMPTY"}},
	}
	for _, tt := range tests {
		var missing []MissingVar
		got := substituteString(tt.in, env, nil, &missing)
		var names []string
		for _, m := range missing {
			names = append(names, m.Name)
		}
		if got != tt.out || !reflect.DeepEqual(names, tt.missing) {
			t.Errorf("%q → %q missing %v, want %q missing %v", tt.in, got, names, tt.out, tt.missing)
		}
	}
}

func TestMissingVariableNamesKeyPath(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"openclaw.json": `{
		models: { providers: { custom: { apiKey: "${CUSTOM_KEY}", baseUrl: "${BASE}/v1" } } },
	}`})
	_, err := Load(context.Background(), LoadOptions{Path: filepath.Join(dir, "openclaw.json")})
	var envErr *EnvError
	if !errors.As(err, &envErr) {
		t.Fatalf("got %v", err)
	}
	want := []MissingVar{
		{Path: "models.providers.custom.apiKey", Name: "CUSTOM_KEY"},
		{Path: "models.providers.custom.baseUrl", Name: "BASE"},
	}
	if !reflect.DeepEqual(envErr.Missing, want) {
		t.Fatalf("missing = %+v", envErr.Missing)
	}
}

func TestEnvironmentLayers(t *testing.T) {
	home := t.TempDir()
	state := filepath.Join(home, "state")
	work := filepath.Join(home, "work")
	writeTree(t, home, map[string]string{
		"work/.env":  "FROM_PROCESS=cwd\nCWD_ONLY=cwd\nSHARED=cwd\n",
		"state/.env": "# global fallback\nexport SHARED=state\nSTATE_ONLY='state value'\nBLOCK_VAR=state\n",
		"state/openclaw.json": `{
			env: { FLAT: "flat", BLOCK_VAR: "block", vars: { VARS_ONLY: "vars", FROM_PROCESS: "block" } },
			gateway: { auth: { token: "${FROM_PROCESS}|${CWD_ONLY}|${SHARED}|${STATE_ONLY}|${BLOCK_VAR}|${FLAT}|${VARS_ONLY}" } },
		}`,
	})
	cfg, err := Load(context.Background(), LoadOptions{
		Getenv:  mapEnv(map[string]string{EnvStateDir: state, "FROM_PROCESS": "process"}),
		Home:    home,
		WorkDir: work,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "process|cwd|cwd|state value|state|flat|vars"
	if got := cfg.Get("gateway.auth.token").String(); got != want {
		t.Fatalf("token = %q, want %q", got, want)
	}
	if _, ok := cfg.Env["FROM_PROCESS"]; ok {
		t.Error("a variable present in the process must not be overridden")
	}
	if cfg.Env["STATE_ONLY"] != "state value" || cfg.Env["VARS_ONLY"] != "vars" {
		t.Errorf("Env = %v", cfg.Env)
	}
}

func TestDotEnvErrors(t *testing.T) {
	if _, err := parseDotEnv([]byte("OK=1\nnot a line\n"), ".env"); err == nil || !strings.Contains(err.Error(), ".env:2") {
		t.Fatalf("got %v", err)
	}
	vals, err := parseDotEnv([]byte("A=\"x\\ny\"\nB=plain # comment\nC='$LITERAL'\n"), ".env")
	if err != nil {
		t.Fatal(err)
	}
	if vals["A"] != "x\ny" || vals["B"] != "plain" || vals["C"] != "$LITERAL" {
		t.Fatalf("got %v", vals)
	}
}

func TestSection(t *testing.T) {
	cfg, err := Load(context.Background(), LoadOptions{Home: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var gw struct {
		Port int    `json:"port"`
		Bind string `json:"bind"`
	}
	if err := cfg.Section("gateway", &gw); err != nil || gw.Port != DefaultGatewayPort || gw.Bind != "loopback" {
		t.Fatalf("Section = %+v, %v", gw, err)
	}
	keep := struct{ X int }{X: 7}
	if err := cfg.Section("channels.telegram", &keep); err != nil || keep.X != 7 {
		t.Fatalf("a missing section must leave v untouched: %+v, %v", keep, err)
	}
	var wrong int
	if err := cfg.Section("gateway", &wrong); err == nil || !strings.Contains(err.Error(), "config section gateway") {
		t.Fatalf("decode error not wrapped: %v", err)
	}
}

func TestHashIsStable(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"openclaw.json": `{ gateway: { port: 1234 } }`})
	opts := LoadOptions{Path: filepath.Join(dir, "openclaw.json")}
	a, err := Load(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Load(context.Background(), opts)
	if a.Hash() == "" || a.Hash() != b.Hash() || a.Hash() != HashBytes(a.Source) {
		t.Fatalf("hashes differ: %s %s", a.Hash(), b.Hash())
	}
}

func TestAllowMissingEnv(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"openclaw.json": `{ channels: { telegram: { botToken: "${TG}" } } }`})
	opts := LoadOptions{Path: filepath.Join(dir, "openclaw.json"), AllowMissingEnv: true}
	cfg, err := Load(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Get("channels.telegram.botToken").String(); got != "${TG}" {
		t.Fatalf("unresolved reference = %q, want it kept visible", got)
	}
	if len(cfg.Warnings) != 1 || cfg.Warnings[0].Path != "channels.telegram.botToken" {
		t.Fatalf("warnings = %v", cfg.Warnings)
	}
	// Writers honour it too: an unrelated edit is not refused.
	res, err := Set(context.Background(), opts.Path, "gateway.port", float64(1234), opts)
	if err != nil || !res.Changed {
		t.Fatalf("set with an unresolved variable: %v", err)
	}
	opts.AllowMissingEnv = false
	if _, err := Set(context.Background(), opts.Path, "gateway.port", float64(4321), opts); err == nil {
		t.Fatal("strict writers must refuse a config with an unresolved variable")
	}
}
