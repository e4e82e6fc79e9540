package coretools

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openclaw-go/openclaw/core/config"
	"github.com/openclaw-go/openclaw/core/tools"
)

type fixedConfig struct{ cfg *config.Config }

func (f fixedConfig) Current() *config.Config { return f.cfg }

func TestGatewayTool(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "openclaw.json")
	src := `{
  gateway: { port: 18790, auth: { mode: "token", token: "gw-secret-token-123" } },
  channels: { telegram: { botToken: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi", dmPolicy: "pairing" } },
}`
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(t.Context(), config.LoadOptions{Path: path, Home: dir, SkipDotEnv: true})
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Config: fixedConfig{cfg}}
	tests := []struct {
		name     string
		args     string
		contains []string
		absent   []string
		wantErr  string
	}{
		{name: "whole config, redacted", args: `{"action":"config.get"}`, contains: []string{`"port": 18790`, config.Redacted, `"hash": "` + cfg.Hash()}, absent: []string{"gw-secret-token-123", "ABCDEFGHIJ"}},
		{name: "one key", args: `{"action":"config.get","path":"gateway.port"}`, contains: []string{`"value": 18790`, `"set": true`}},
		{name: "a secret key stays hidden", args: `{"action":"config.get","path":"gateway.auth.token"}`, contains: []string{config.Redacted}, absent: []string{"gw-secret"}},
		{name: "unset known key", args: `{"action":"config.get","path":"cron.enabled"}`, contains: []string{`"set": false`}},
		{name: "unknown key", args: `{"action":"config.get","path":"gateway.nope"}`, wantErr: "config has no key gateway.nope"},
		{name: "schema of a section", args: `{"action":"config.schema.lookup","path":"gateway"}`, contains: []string{`"key": "port"`, `"key": "auth"`}},
		{name: "schema of a map value", args: `{"action":"config.schema.lookup","path":"mcp.servers.docs"}`, contains: []string{`"key": "command"`, `"key": "toolFilter"`}},
		{name: "schema of a leaf", args: `{"action":"config.schema.lookup","path":"mcp.servers.docs.transport"}`, contains: []string{`"streamable-http"`}},
		{name: "schema of an unknown key", args: `{"action":"config.schema.lookup","path":"gateway.prot"}`, wantErr: `no "prot" under gateway; its keys:`},
		{name: "update refused", args: `{"action":"update.run"}`, wantErr: "not available in this gateway"},
		{name: "writes do not exist", args: `{"action":"config.apply"}`, wantErr: `action "config.apply" is not one of`},
		{name: "action required", args: `{}`, wantErr: "action is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, opts, "gateway", tools.Invocation{}, tt.args)
			if tt.wantErr != "" {
				if !res.IsError || !strings.Contains(res.Content, tt.wantErr) {
					t.Fatalf("result = %+v, want error %q", res.Content, tt.wantErr)
				}
				return
			}
			if res.IsError {
				t.Fatalf("error: %s", res.Content)
			}
			for _, c := range tt.contains {
				if !strings.Contains(res.Content, c) {
					t.Errorf("content lacks %q:\n%.2000s", c, res.Content)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(res.Content, a) {
					t.Errorf("content leaks %q", a)
				}
			}
		})
	}
}

func TestToolsNeedTheirDependencies(t *testing.T) {
	st := openStore(t)
	tests := []struct {
		opts Options
		want string
	}{
		{Options{}, ""},
		{Options{Sessions: st}, "sessions_list,sessions_history,session_status"},
		{Options{Sessions: st, Runner: &fakeRunner{}}, "sessions_list,sessions_history,session_status,sessions_send"},
		{Options{Channels: &fakeChannels{}}, "message"},
		{Options{Config: fixedConfig{}}, "gateway"},
	}
	for _, tt := range tests {
		var names []string
		for _, tl := range Tools(tt.opts) {
			names = append(names, tl.Name)
			if !tools.ValidName(tl.Name) || len(tl.Parameters) == 0 || tl.Description == "" {
				t.Errorf("%s is incomplete", tl.Name)
			}
		}
		if got := strings.Join(names, ","); got != tt.want {
			t.Errorf("tools = %s, want %s", got, tt.want)
		}
	}
}
