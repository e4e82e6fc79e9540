package config

import (
	"encoding/json"
	"strings"
	"testing"
)

// fakePlugins is an in-memory plugin catalog.
type fakePlugins struct {
	channels map[string]string // channel → plugin id
	schemas  map[string]string // plugin id → config schema
}

func (f fakePlugins) ChannelSchema(channel string) (string, json.RawMessage, bool) {
	id, ok := f.channels[channel]
	if !ok {
		return "", nil, false
	}
	return id, json.RawMessage(f.schemas[id]), true
}

func (f fakePlugins) PluginSchema(id string) (json.RawMessage, bool) {
	s, ok := f.schemas[id]
	return json.RawMessage(s), ok
}

var larkPlugin = fakePlugins{
	channels: map[string]string{"lark": "lark", "telegram": "telegram"},
	schemas: map[string]string{
		"lark": `{
			"type": "object",
			"properties": {
				"enabled": {"type": "boolean"},
				"appId": {"type": "string"},
				"appSecret": {"type": "string"},
				"dmPolicy": {"enum": ["pairing", "open"]},
				"groupPolicy": {"type": "string"},
				"streamMode": {"type": "string"}
			},
			"required": ["appId"],
			"additionalProperties": false
		}`,
		"telegram":   `{"type": "object", "properties": {"botToken": {"type": "string"}}, "additionalProperties": false}`,
		"voice-call": `{"type": "object", "properties": {"provider": {"enum": ["twilio", "plivo"]}}, "additionalProperties": false}`,
		"no-schema":  ``,
	},
}

func problemStrings(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		s := p.String()
		if p.Warning {
			s = "warning: " + s
		}
		out = append(out, s)
	}
	return out
}

func TestValidateChannelsAndPlugins(t *testing.T) {
	tests := []struct {
		name    string
		config  string
		plugins PluginSchemas
		want    []string // substrings, one per problem, in order
	}{
		{
			name:   "unknown channel names the plugin to install",
			config: `{"channels": {"lark": {"appId": "x"}}}`,
			want:   []string{`channels.lark: no installed plugin provides channel "lark" (install it with: openclaw plugins install @openclaw/lark)`},
		},
		{
			name:    "installed plugin schema accepts its section",
			config:  `{"channels": {"lark": {"appId": "x", "appSecret": "y", "dmPolicy": "pairing"}}}`,
			plugins: larkPlugin,
		},
		{
			name:    "plugin schema problems use the same words",
			config:  `{"channels": {"lark": {"appSecret": 5, "bogus": true}}}`,
			plugins: larkPlugin,
			want: []string{
				`channels.lark.appId: missing required key (schema of plugin "lark")`,
				`channels.lark.appSecret: wrong type (expected string, got number) (schema of plugin "lark")`,
				`channels.lark.bogus: unknown key (schema of plugin "lark")`,
			},
		},
		{
			name:    "a plugin's schema replaces the core schema of a known channel",
			config:  `{"channels": {"telegram": {"botToken": "t", "dmPolicy": "pairing"}}}`,
			plugins: larkPlugin,
			want:    []string{`channels.telegram.dmPolicy: unknown key`},
		},
		{
			name:   "core-known channels validate without plugins",
			config: `{"channels": {"telegram": {"botToken": "t", "dmPolicy": "pairing", "groups": {"*": {"requireMention": true}}}}}`,
		},
		{
			name:    "plugin settings are checked against the plugin's schema",
			config:  `{"plugins": {"entries": {"voice-call": {"enabled": true, "config": {"provider": "carrier-pigeon"}}}}}`,
			plugins: larkPlugin,
			want:    []string{`plugins.entries.voice-call.config.provider: invalid value (expected one of "twilio", "plivo", got "carrier-pigeon")`},
		},
		{
			name:    "a plugin without a schema accepts any settings",
			config:  `{"plugins": {"entries": {"no-schema": {"config": {"anything": [1, 2]}}}}}`,
			plugins: larkPlugin,
		},
		{
			name:   "settings for a plugin that is not installed are a warning",
			config: `{"plugins": {"entries": {"brave": {"config": {"apiKey": "k"}}}}}`,
			want:   []string{`warning: plugins.entries.brave: plugin "brave" is not installed (install it with: openclaw plugins install @openclaw/brave)`},
		},
		{
			name:   "open DM policy must be explicit",
			config: `{"channels": {"telegram": {"dmPolicy": "open", "allowFrom": ["123"]}, "discord": {"dm": {"policy": "open", "allowFrom": ["*"]}}}}`,
			want:   []string{`channels.telegram.dmPolicy: policy "open" requires allowFrom to contain "*"`},
		},
		{
			name:   "open DM policy on an account inherits the channel allowlist",
			config: `{"channels": {"whatsapp": {"allowFrom": ["*"], "accounts": {"biz": {"dmPolicy": "open"}, "home": {"dmPolicy": "open", "allowFrom": ["+1"]}}}}}`,
			want:   []string{`channels.whatsapp.accounts.home.dmPolicy: policy "open"`},
		},
		{
			name:   "bindings must name a configured agent",
			config: `{"agents": {"list": [{"id": "home"}, {"id": "home"}]}, "bindings": [{"agentId": "work", "match": {"channel": "telegram"}}]}`,
			want: []string{
				`agents.list[1].id: duplicate agent id "home"`,
				`bindings[0].agentId: unknown agent (expected an agent id from agents.list or agents.entries, got "work")`,
			},
		},
		{
			name:   "broadcast entries must name agents",
			config: `{"broadcast": {"strategy": "sequential", "123@g.us": ["main", "ghost"]}}`,
			want:   []string{`broadcast["123@g.us"][1]: unknown agent (expected the default agent "main"`},
		},
		{
			name:   "token and password need an explicit mode",
			config: `{"gateway": {"auth": {"token": "a", "password": "b"}}}`,
			want:   []string{`gateway.auth.mode: both token and password are set`},
		},
		{
			name:   "account settings validate like the channel's",
			config: `{"channels": {"telegram": {"accounts": {"alerts": {"name": "Alerts", "botToken": "x", "replyToMode": "never"}}}}}`,
			want:   []string{`channels.telegram.accounts.alerts.replyToMode: invalid value (expected one of "off", "first", "all", "batched", got "never")`},
		},
		{
			name:   "legacy agent section is accepted with a warning",
			config: `{"agent": {"model": {"primary": "a/b"}}}`,
			want:   []string{`warning: agent: deprecated: use agents.defaults`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var raw map[string]any
			if err := json.Unmarshal([]byte(tt.config), &raw); err != nil {
				t.Fatal(err)
			}
			got := problemStrings(Validate(raw, tt.plugins))
			if len(got) != len(tt.want) {
				t.Fatalf("got %d problems:\n%s\nwant %d", len(got), strings.Join(got, "\n"), len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %d:\n got  %s\n want %s", i, got[i], w)
				}
			}
		})
	}
}

func TestSchemaDocument(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(Schema(), &doc); err != nil {
		t.Fatalf("Schema() is not JSON: %v", err)
	}
	if doc["$schema"] == nil || doc["additionalProperties"] != false {
		t.Fatalf("root schema misses $schema or strictness: %v", doc["additionalProperties"])
	}
	compiled, err := compilePluginSchema("core", Schema())
	if err != nil {
		t.Fatalf("the exported schema does not compile: %v", err)
	}
	// Everything the validator accepts, the exported schema accepts too.
	for _, name := range []string{"003_16.json5", "002_71.json5", "002_35.json5", "002_36.json5", "002_38.json5", "002_55.json5"} {
		cfg, err := loadFixture(t, name, fixtureEnv)
		if err != nil {
			t.Fatal(err)
		}
		if err := compiled.Validate(jsonRoundTrip(t, cfg.Authored)); err != nil {
			t.Errorf("%s: exported schema rejects a valid config: %v", name, err)
		}
	}
	hints := UIHints()
	if h := hints["gateway.auth.token"]; !h.Sensitive || h.Label == "" {
		t.Errorf("gateway.auth.token hint = %+v", h)
	}
	if !hints["channels.telegram.accounts.*.botToken"].Sensitive {
		t.Error("account bot tokens are not marked sensitive")
	}
}

func jsonRoundTrip(t *testing.T, v any) any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDescribePath(t *testing.T) {
	if info := DescribePath("gateway.port"); !info.Known || info.Default != DefaultGatewayPort {
		t.Errorf("gateway.port = %+v", info)
	}
	if info := DescribePath("agents.list.0.workspace"); !info.Known {
		t.Error("list element paths must resolve")
	}
	if DescribePath("gateway.nope").Known {
		t.Error("unknown path reported as known")
	}
}
