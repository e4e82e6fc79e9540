package config

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixtureEnv provides the variables the fixtures reference with ${VAR} and
// do not define in their own env blocks.
var fixtureEnv = map[string]string{
	"VERCEL_GATEWAY_API_KEY": "vk-test",
	"OPENCLAW_GATEWAY_TOKEN": "gw-test-token",
	"CUSTOM_API_BASE":        "https://api.example.com",
	"CUSTOM_API_KEY":         "ck-test",
	"MINIMAX_API_KEY":        "mm-test",
	"TELEGRAM_BOT_TOKEN":     "123:abc",
}

// fragments are fixtures that are pieces meant for $include, not configs.
var fragments = map[string]string{
	"002_04.json5": "an agents body pulled in with $include",
	"002_05.json5": "illustrates sibling keys over an included {a, b} object",
	"002_08.json5": "a broadcast map pulled in with $include",
}

func loadFixture(t *testing.T, name string, env map[string]string) (*Config, error) {
	t.Helper()
	return Load(context.Background(), LoadOptions{
		Path:       filepath.Join("testdata", "fixtures", name),
		Getenv:     func(k string) string { return env[k] },
		Home:       t.TempDir(),
		SkipDotEnv: true,
	})
}

func TestFixturesValidate(t *testing.T) {
	names, err := filepath.Glob(filepath.Join("testdata", "fixtures", "0*.json5"))
	if err != nil || len(names) < 90 {
		t.Fatalf("expected the fixture set in testdata/fixtures, found %d (%v)", len(names), err)
	}
	for _, path := range names {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			if why, ok := fragments[name]; ok {
				t.Skip(why)
			}
			cfg, err := loadFixture(t, name, fixtureEnv)
			if name == "000_01.json5" {
				if err == nil {
					t.Fatal("expected an error for channels.lark without a Lark plugin")
				}
				msg := err.Error()
				for _, want := range []string{"channels.lark", "@openclaw/lark", "openclaw plugins install"} {
					if !strings.Contains(msg, want) {
						t.Errorf("error does not mention %q:\n%s", want, msg)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("fixture rejected:\n%v", err)
			}
			if cfg.Raw["gateway"] == nil {
				t.Error("defaults were not applied (no gateway section)")
			}
		})
	}
}

// TestFixturesNeedTheirVariables checks that a fixture referencing ${VAR}
// fails, naming the key path, when the variable is missing.
func TestFixturesNeedTheirVariables(t *testing.T) {
	_, err := loadFixture(t, "003_16.json5", map[string]string{"OPENCLAW_GATEWAY_TOKEN": "x"})
	var envErr *EnvError
	if !errors.As(err, &envErr) {
		t.Fatalf("expected an EnvError, got %v", err)
	}
	if len(envErr.Missing) != 1 || envErr.Missing[0].Name != "TELEGRAM_BOT_TOKEN" || envErr.Missing[0].Path != "channels.telegram.botToken" {
		t.Fatalf("unexpected missing list %+v", envErr.Missing)
	}
}

func TestFixtureIncludesExpand(t *testing.T) {
	cfg, err := loadFixture(t, "002_07.json5", fixtureEnv)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range cfg.Get("agents.list.#.id").Array() {
		ids = append(ids, a.String())
	}
	if got := strings.Join(ids, ","); got != "mueller-transcribe,mueller-docs,schmidt-docs" {
		t.Fatalf("agents.list ids = %s", got)
	}
	if n := len(cfg.Files); n != 5 {
		t.Fatalf("expected the config and 4 included files, got %d: %v", n, cfg.Files)
	}
	if _, err := os.Stat(cfg.Files[0]); err != nil {
		t.Fatal(err)
	}
}
