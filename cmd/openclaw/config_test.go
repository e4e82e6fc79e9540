package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/openclaw-go/openclaw/core/config"
)

// runConfigCLI runs the app with separate stdout and stderr and returns the
// exit code an ExitCoder asked for (0 on success).
func runConfigCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	app := newApp()
	var out, errOut bytes.Buffer
	app.Writer, app.ErrWriter = &out, &errOut
	app.ExitErrHandler = func(*cli.Context, error) {}
	err := app.RunContext(context.Background(), append([]string{"openclaw"}, args...))
	var exit cli.ExitCoder
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
		errOut.WriteString(err.Error())
	default:
		code = 1
		errOut.WriteString(err.Error())
	}
	return out.String(), errOut.String(), code
}

// isolate points the CLI at an empty home and state directory.
func isolate(t *testing.T) (home, state string) {
	t.Helper()
	home = t.TempDir()
	state = filepath.Join(home, "state")
	t.Setenv("HOME", home)
	t.Setenv("USERPROFILE", home)
	t.Setenv("OPENCLAW_STATE_DIR", state)
	t.Setenv("OPENCLAW_CONFIG_PATH", "")
	t.Setenv("OPENCLAW_BUNDLED_PLUGINS_DIR", filepath.Join(home, "no-bundled-plugins"))
	return home, state
}

func TestConfigValidateFixtures(t *testing.T) {
	isolate(t)
	for k, v := range map[string]string{
		"VERCEL_GATEWAY_API_KEY": "v", "OPENCLAW_GATEWAY_TOKEN": "g", "CUSTOM_API_BASE": "https://x",
		"CUSTOM_API_KEY": "c", "MINIMAX_API_KEY": "m", "TELEGRAM_BOT_TOKEN": "1:t",
	} {
		t.Setenv(k, v)
	}
	fixtures, err := filepath.Glob(filepath.Join("..", "..", "core", "config", "testdata", "fixtures", "0*.json5"))
	if err != nil || len(fixtures) < 90 {
		t.Fatalf("fixtures not found: %d %v", len(fixtures), err)
	}
	fragments := map[string]bool{"002_04.json5": true, "002_05.json5": true, "002_08.json5": true}
	for _, f := range fixtures {
		name := filepath.Base(f)
		if fragments[name] {
			continue
		}
		out, errOut, code := runConfigCLI(t, "config", "validate", "--file", f)
		if name == "000_01.json5" {
			if code != 1 || !strings.Contains(out, "openclaw plugins install @openclaw/lark") {
				t.Errorf("%s: want exit 1 naming the lark plugin, got %d:\n%s%s", name, code, out, errOut)
			}
			continue
		}
		if code != 0 || !strings.Contains(out, "Config valid") {
			t.Errorf("%s: exit %d:\n%s%s", name, code, out, errOut)
		}
	}
}

func TestConfigValidateJSON(t *testing.T) {
	_, state := isolate(t)
	if err := os.MkdirAll(state, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(state, "openclaw.json"), []byte(`{ gateway: { port: 0, mode: "far" } }`), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, code := runConfigCLI(t, "config", "validate", "--json")
	var res validateOutput
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if code != 1 || res.OK || len(res.Problems) != 2 || res.Problems[0].Path != "gateway.mode" {
		t.Fatalf("exit %d, %+v", code, res)
	}
}

func TestConfigEditing(t *testing.T) {
	_, state := isolate(t)
	path := filepath.Join(state, "openclaw.json")

	out, _, code := runConfigCLI(t, "config", "file")
	if code != 0 || strings.TrimSpace(out) != path {
		t.Fatalf("config file = %q (exit %d)", out, code)
	}

	steps := [][]string{
		{"config", "set", "gateway.port", "19001"},
		{"config", "set", "channels.telegram.botToken", "123:secret"},
		{"config", "set", "channels.telegram.allowFrom", `["111", 222]`},
	}
	for _, s := range steps {
		if out, errOut, code := runConfigCLI(t, s...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", s, code, out, errOut)
		}
	}

	out, _, _ = runConfigCLI(t, "config", "get", "gateway.port")
	if strings.TrimSpace(out) != "19001" {
		t.Errorf("get gateway.port = %q", out)
	}
	out, _, _ = runConfigCLI(t, "config", "get", "channels.telegram", "--json")
	if strings.Contains(out, "123:secret") || !strings.Contains(out, config.Redacted) {
		t.Errorf("secret not redacted:\n%s", out)
	}
	out, _, _ = runConfigCLI(t, "config", "get", "channels.telegram.botToken", "--show-secrets")
	if strings.TrimSpace(out) != "123:secret" {
		t.Errorf("--show-secrets = %q", out)
	}

	// An invalid value is refused and the file stays as it was.
	before, _ := os.ReadFile(path)
	_, errOut, code := runConfigCLI(t, "config", "set", "gateway.bind", "everywhere")
	if code != 1 || !strings.Contains(errOut, "gateway.bind: invalid value") {
		t.Fatalf("invalid set: exit %d\n%s", code, errOut)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatal("a refused set changed the file")
	}

	patch := filepath.Join(t.TempDir(), "p.json5")
	os.WriteFile(patch, []byte(`{ channels: { telegram: { allowFrom: null, dmPolicy: "disabled" } } }`), 0o600)
	if out, errOut, code := runConfigCLI(t, "config", "patch", "--file", patch); code != 0 {
		t.Fatalf("patch: exit %d\n%s%s", code, out, errOut)
	}
	if _, _, code := runConfigCLI(t, "config", "get", "channels.telegram.allowFrom"); code != 1 {
		t.Error("patch null did not delete")
	}
	if _, _, code := runConfigCLI(t, "config", "unset", "gateway.port"); code != 0 {
		t.Error("unset failed")
	}
	if _, _, code := runConfigCLI(t, "config", "unset", "gateway.port"); code == 0 {
		t.Error("unset of an absent path must fail")
	}
	if _, err := os.Stat(path + ".bak"); err != nil {
		t.Error("no backup kept")
	}

	out, _, code = runConfigCLI(t, "config", "get", "no.such.key")
	_ = out
	if code != 1 {
		t.Error("unknown path must fail")
	}
}

func TestConfigSchemaCommand(t *testing.T) {
	isolate(t)
	out, _, code := runConfigCLI(t, "config", "schema")
	var doc map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || doc["$schema"] == nil {
		t.Fatalf("schema output is not a JSON Schema (exit %d)", code)
	}
}

func TestDoctorCommand(t *testing.T) {
	_, state := isolate(t)
	out, errOut, code := runConfigCLI(t, "doctor")
	if code != 0 || !strings.Contains(out, "does not exist yet") || !strings.Contains(out, "openclaw doctor --fix") {
		t.Fatalf("doctor: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Fatal("doctor without --fix wrote to disk")
	}
	out, _, code = runConfigCLI(t, "doctor", "--fix", "--json")
	var res struct {
		Errors int `json:"errors"`
		Fixed  []struct {
			Fix string `json:"fix"`
		} `json:"fixed"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || len(res.Fixed) < 2 {
		t.Fatalf("doctor --fix: exit %d\n%s", code, out)
	}
	if tok, err := config.ReadGatewayToken(state); err != nil || tok == "" {
		t.Fatal("doctor --fix did not generate the gateway token")
	}

	os.WriteFile(filepath.Join(state, "openclaw.json"), []byte(`{ channels: { lark: {} } }`), 0o600)
	out, _, code = runConfigCLI(t, "doctor")
	if code != 1 || !strings.Contains(out, "@openclaw/lark") {
		t.Fatalf("doctor must fail on an invalid config: exit %d\n%s", code, out)
	}
}
