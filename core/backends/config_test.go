package backends

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openclaw-go/openclaw/core/config"
	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/plugincatalog"
)

// secretConfig has a secret, a comment and a model.
const secretConfig = `{
  // who may connect
  gateway: { auth: { mode: "token", token: "s3cr3t-token-value" } },
  agents: { defaults: { model: { primary: "echo/echo" } } },
}
`

func readConfigFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestConfigGet(t *testing.T) {
	w := newWorld(t, secretConfig)
	snap, err := New(w.deps()).Config.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f, err := config.ReadFile(w.loadOptions())
	if err != nil {
		t.Fatal(err)
	}
	if snap.Path != f.Path || !snap.Exists || snap.Hash != f.Hash || snap.Hash == "" || !snap.Valid || len(snap.Issues) != 0 {
		t.Fatalf("snapshot = %+v", snap)
	}
	all, _ := json.Marshal(snap)
	if strings.Contains(string(all), "s3cr3t-token-value") {
		t.Fatalf("snapshot leaks the token: %s", all)
	}
	if !strings.Contains(snap.Raw, "// who may connect") || !strings.Contains(snap.Raw, `token: "`+backend.RedactedValue+`"`) {
		t.Fatalf("raw lost its comment or was not redacted in place:\n%s", snap.Raw)
	}
	if got := snap.Parsed["gateway"].(map[string]any)["auth"].(map[string]any)["token"]; got != backend.RedactedValue {
		t.Fatalf("parsed token = %v", got)
	}
	if _, ok := snap.Resolved["session"]; !ok {
		t.Fatalf("resolved config has no defaults: %v", snap.Resolved)
	}
}

func TestConfigGetStates(t *testing.T) {
	tests := []struct {
		name   string
		file   *string
		exists bool
		valid  bool
		raw    string
		issue  string
	}{
		{"missing file", nil, false, true, "", ""},
		{"schema problem", ptr(`{ gateway: { port: 99999999 } }`), true, false, "port", "gateway.port"},
		{"does not parse, text withheld", ptr(`{ gateway: { auth: { token: "leaky" } `), true, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, echoConfig)
			if tt.file == nil {
				if err := os.Remove(w.cfgPath); err != nil {
					t.Fatal(err)
				}
			} else {
				w.writeConfig(*tt.file)
			}
			snap, err := New(w.deps()).Config.Get(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if snap.Exists != tt.exists || snap.Valid != tt.valid {
				t.Fatalf("exists %v valid %v, want %v %v (issues %v)", snap.Exists, snap.Valid, tt.exists, tt.valid, snap.Issues)
			}
			if !strings.Contains(snap.Raw, tt.raw) || (tt.raw == "" && snap.Raw != "") {
				t.Fatalf("raw = %q, want it to hold %q", snap.Raw, tt.raw)
			}
			if !tt.valid && len(snap.Issues) == 0 {
				t.Fatal("invalid config without issues")
			}
			if tt.issue != "" && snap.Issues[0].Path != tt.issue {
				t.Fatalf("issues = %+v, want one at %s", snap.Issues, tt.issue)
			}
			if !tt.valid && snap.Resolved == nil {
				t.Fatal("the config in force is not reported for an invalid file")
			}
		})
	}
}

func ptr(s string) *string { return &s }

func TestConfigWrites(t *testing.T) {
	type call func(svc backend.ConfigService, ctx context.Context, w backend.ConfigWrite) (backend.ConfigWriteResult, error)
	set := backend.ConfigService.Set
	apply := backend.ConfigService.Apply
	patch := backend.ConfigService.Patch
	tests := []struct {
		name     string
		do       call
		raw      string
		stale    bool
		noBase   bool
		want     error
		issueAt  string
		restart  bool
		fileHas  []string
		fileLack []string
	}{
		{name: "set drops the gateway's auth", do: set, raw: `{ agents: { defaults: { model: { primary: "echo/echo" }, timeoutSeconds: 30 } } }`,
			restart: true, fileHas: []string{"timeoutSeconds"}, fileLack: []string{"s3cr3t"}},
		{name: "apply keeps redacted secrets", do: apply, raw: `{ gateway: { auth: { mode: "token", token: "` + backend.RedactedValue + `" } }, agents: { defaults: { model: { primary: "echo/echo" } } } }`,
			fileHas: []string{"s3cr3t-token-value"}},
		{name: "patch merges", do: patch, raw: `{ agents: { defaults: { timeoutSeconds: 45 } } }`,
			fileHas: []string{"s3cr3t-token-value", "timeoutSeconds", "45"}},
		{name: "patch without base hash", do: patch, noBase: true, raw: `{ agents: { defaults: { timeoutSeconds: 46 } } }`, fileHas: []string{"46"}},
		{name: "restart-bound key", do: patch, raw: `{ gateway: { port: 18999 } }`, restart: true, fileHas: []string{"18999"}},
		{name: "stale hash", do: apply, stale: true, raw: `{}`, want: backend.ErrConflict},
		{name: "schema problem", do: patch, raw: `{ gateway: { port: "eighty" } }`, want: backend.ErrInvalid, issueAt: "gateway.port"},
		{name: "unknown key", do: set, raw: `{ gatewya: {} }`, want: backend.ErrInvalid, issueAt: "gatewya"},
		{name: "does not parse", do: apply, raw: `{ gateway: `, want: backend.ErrInvalid},
		{name: "not an object", do: apply, raw: `[1, 2]`, want: backend.ErrInvalid},
		{name: "placeholder without a secret", do: patch, raw: `{ gateway: { auth: { password: "` + backend.RedactedValue + `" } } }`, want: backend.ErrInvalid},
		{name: "empty", do: set, raw: ` `, want: backend.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, secretConfig)
			svc := New(w.deps()).Config
			ctx := context.Background()
			snap, err := svc.Get(ctx)
			if err != nil {
				t.Fatal(err)
			}
			before := readConfigFile(t, w.cfgPath)
			base := snap.Hash
			if tt.stale {
				w.writeConfig(secretConfig + "\n// edited elsewhere\n")
			}
			if tt.noBase {
				base = ""
			}
			res, err := tt.do(svc, ctx, backend.ConfigWrite{Raw: tt.raw, BaseHash: base})
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			after := readConfigFile(t, w.cfgPath)
			if err != nil {
				if !tt.stale && after != before {
					t.Fatalf("a refused write changed the file:\n%s", after)
				}
				var ve *backend.ValidationError
				if tt.issueAt != "" && (!errors.As(err, &ve) || len(ve.Issues) == 0 || ve.Issues[0].Path != tt.issueAt) {
					t.Fatalf("err = %#v, want a validation issue at %s", err, tt.issueAt)
				}
				return
			}
			for _, s := range tt.fileHas {
				if !strings.Contains(after, s) {
					t.Fatalf("file lacks %q:\n%s", s, after)
				}
			}
			for _, s := range tt.fileLack {
				if strings.Contains(after, s) {
					t.Fatalf("file still has %q:\n%s", s, after)
				}
			}
			f, _ := config.ReadFile(w.loadOptions())
			if res.Hash != f.Hash || res.Path != f.Path || res.RestartRequired != tt.restart {
				t.Fatalf("result = %+v; file hash %s", res, f.Hash)
			}
			out, _ := json.Marshal(res.Config)
			if strings.Contains(string(out), "s3cr3t") {
				t.Fatalf("result leaks the secret: %s", out)
			}
		})
	}
}

func TestRedactRaw(t *testing.T) {
	tests := []struct {
		name string
		file string
		has  []string
		lack []string
	}{
		{"double quotes", `{gateway: {auth: {token: "abc123"}}, x: "abc123x"}`, []string{`token: "` + config.Redacted + `"`, `"abc123x"`}, []string{`"abc123"`}},
		{"single quotes", `{gateway: {auth: {token: 'abc123'}}}`, []string{config.Redacted}, []string{"abc123"}},
		{"same text as a key stays a key", `{gateway: {auth: {token: "mode"}}, agents: {"mode": 1}}`, []string{`"mode": 1`, config.Redacted}, nil},
		{"escaped form falls back to JSON", `{gateway: {auth: {token: "a\u0062c"}}}`, []string{`"token": "` + config.Redacted + `"`}, []string{"abc", `\u0062`}},
		{"variable reference kept", `{gateway: {auth: {token: "${GW_TOKEN}"}}}`, []string{"${GW_TOKEN}"}, []string{config.Redacted}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "openclaw.json")
			if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := config.ReadFile(config.LoadOptions{Path: path})
			if err != nil || f.ParseError != nil {
				t.Fatalf("read: %v %v", err, f.ParseError)
			}
			got := redactRaw(f.Data, f.Tree, config.Redact(f.Tree, nil))
			for _, s := range tt.has {
				if !strings.Contains(got, s) {
					t.Fatalf("redacted text lacks %q:\n%s", s, got)
				}
			}
			for _, s := range tt.lack {
				if strings.Contains(got, s) {
					t.Fatalf("redacted text still has %q:\n%s", s, got)
				}
			}
		})
	}
}

func TestConfigSchema(t *testing.T) {
	w := newWorld(t, echoConfig)
	pluginsDir := filepath.Join(w.dir, "plugins")
	writePlugin(t, pluginsDir, "chatty", `"kinds": ["channel"], "channels": ["chatty"],
		"configSchema": {"type": "object", "properties": {"apiToken": {"type": "string"}}},
		"uiHints": {"apiToken": {"label": "API token", "sensitive": true}}`)
	writePlugin(t, pluginsDir, "weather", `"kinds": ["tool"], "configSchema": {"type": "object", "properties": {"units": {"enum": ["metric", "imperial"]}}}`)
	cat := plugincatalog.Discover(plugincatalog.Options{LoadPaths: []string{pluginsDir}})
	d := w.deps()
	d.Catalog = func() *plugincatalog.Catalog { return cat }
	sch, err := New(d).Config.Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(sch.Schema, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["$schema"] == nil && doc["type"] != "object" {
		t.Fatalf("not a JSON schema: %v", doc)
	}
	if got := objectAt(doc, "properties", "channels", "properties", "chatty", "properties", "apiToken"); got == nil {
		t.Fatal("the channel plugin's schema is not under channels.chatty")
	}
	if got := objectAt(doc, "properties", "plugins", "properties", "entries", "properties", "weather", "properties", "config", "properties", "units"); got == nil {
		t.Fatal("the tool plugin's schema is not under plugins.entries.weather.config")
	}
	if _, ok := sch.UIHints["channels.chatty.apiToken"]; !ok {
		t.Fatal("the plugin's UI hints are missing")
	}
	if _, ok := sch.UIHints["gateway.port"]; !ok {
		t.Fatal("the core UI hints are missing")
	}
	if sch.Version != "test" || sch.GeneratedAt == "" {
		t.Fatalf("version %q generated %q", sch.Version, sch.GeneratedAt)
	}

	// The manifest's sensitive hint redacts the plugin's secret.
	w.writeConfig(`{ agents: { defaults: { model: { primary: "echo/echo" } } }, channels: { chatty: { apiToken: "plugin-secret" } } }`)
	snap, err := New(d).Config.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if out, _ := json.Marshal(snap); strings.Contains(string(out), "plugin-secret") {
		t.Fatalf("snapshot leaks a plugin secret: %s", out)
	}
}

// writePlugin writes a plugin folder the catalog accepts: a manifest with
// the given extra fields and an executable.
func writePlugin(t *testing.T, parent, id, extra string) string {
	t.Helper()
	dir := filepath.Join(parent, id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	manifest := `{"id": "` + id + `", "name": "` + strings.ToUpper(id[:1]) + id[1:] + `", "version": "1.2.3", "protocolVersions": [1], "executable": "bin", ` + extra + `}`
	if err := os.WriteFile(filepath.Join(dir, "openclaw.plugin.json"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bin"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
