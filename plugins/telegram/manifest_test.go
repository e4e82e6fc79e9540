package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/openclaw-go/openclaw/pluginsdk/manifest"
)

func TestManifest(t *testing.T) {
	m, err := manifest.Parse(manifestJSON)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != "telegram" || m.Package != "@openclaw/telegram" || !m.Bundled || m.Executable != "openclaw-plugin-telegram" {
		t.Fatalf("manifest = %+v", m)
	}
	if len(m.RequiredConfig) != 1 || m.RequiredConfig[0].Key != "botToken" || m.RequiredConfig[0].Env[0] != "TELEGRAM_BOT_TOKEN" {
		t.Fatalf("requiredConfig = %+v", m.RequiredConfig)
	}
	sensitive := strings.Join(m.SensitiveKeys(), " ")
	for _, k := range []string{"botToken", "webhookSecret", "accounts.*.botToken"} {
		if !strings.Contains(sensitive, k) {
			t.Errorf("%s is not marked sensitive", k)
		}
	}

	// The running plugin describes itself as the manifest does.
	r := newRig(t)
	md, err := r.h.Metadata(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if md.GetId() != m.ID || md.GetVersion() != m.Version || len(md.GetChannels()) != 1 || md.GetChannels()[0].GetTextChunkLimit() != 4096 {
		t.Fatalf("metadata = %+v", md)
	}
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	var m struct {
		ConfigSchema json.RawMessage `json:"configSchema"`
	}
	if err := json.Unmarshal(manifestJSON, &m); err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(m.ConfigSchema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("telegram.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("telegram.json")
	if err != nil {
		t.Fatalf("configSchema does not compile: %v", err)
	}
	return s
}

// TestConfigSchema checks the schema against configurations as OpenClaw's
// documentation writes them, and against typos it must refuse.
func TestConfigSchema(t *testing.T) {
	s := compileSchema(t)
	tests := []struct {
		name  string
		cfg   string
		valid bool
	}{
		{"documented full example", `{
			"enabled": true, "botToken": "your-bot-token", "dmPolicy": "pairing", "allowFrom": ["tg:123456789"],
			"groups": {"*": {"requireMention": true}, "-1001234567890": {"allowFrom": ["@admin"], "systemPrompt": "Keep answers brief.",
				"topics": {"99": {"requireMention": false, "skills": ["search"], "systemPrompt": "Stay on topic."}}}},
			"customCommands": [{"command": "backup", "description": "Git backup"}, {"command": "generate", "description": "Create an image"}],
			"historyLimit": 50, "replyToMode": "first", "linkPreview": true, "streamMode": "partial",
			"draftChunk": {"minChars": 200, "maxChars": 800, "breakPreference": "paragraph"},
			"actions": {"reactions": true, "sendMessage": true}, "reactionNotifications": "own", "mediaMaxMb": 5,
			"retry": {"attempts": 3, "minDelayMs": 400, "maxDelayMs": 30000, "jitter": 0.1},
			"network": {"autoSelectFamily": false}, "proxy": "socks5://localhost:9050",
			"webhookUrl": "https://example.com/telegram-webhook", "webhookSecret": "secret", "webhookPath": "/telegram-webhook"}`, true},
		{"multi-account", `{"accounts": {"default": {"name": "Primary bot", "botToken": "123456:ABC..."}, "alerts": {"name": "Alerts bot", "botToken": "987654:XYZ..."}}}`, true},
		{"dm history", `{"dmHistoryLimit": 30, "dms": {"123456789": {"historyLimit": 50}}}`, true},
		{"group policy", `{"groupPolicy": "allowlist", "groupAllowFrom": ["tg:123456789", "@alice", 42]}`, true},
		{"streaming object", `{"streaming": {"mode": "partial", "preview": {"toolProgress": false}}}`, true},
		{"webhook listener", `{"webhookHost": "0.0.0.0", "webhookPort": 8443, "webhookCertPath": "/etc/tg.pem"}`, true},
		{"secret reference", `{"botToken": {"source": "env", "id": "TG_TOKEN"}}`, true},
		{"unknown key", `{"botTokn": "x"}`, false},
		{"unknown account key", `{"accounts": {"a": {"webhookUrll": "x"}}}`, false},
		{"bad dmPolicy", `{"dmPolicy": "everyone"}`, false},
		{"bad replyToMode", `{"replyToMode": "sometimes"}`, false},
		{"bad retry", `{"retry": {"attempts": 0}}`, false},
		{"bad port", `{"webhookPort": 70000}`, false},
		{"unknown topic key", `{"groups": {"-1": {"topics": {"1": {"requireMentions": true}}}}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(tt.cfg))
			if err != nil {
				t.Fatal(err)
			}
			err = s.Validate(inst)
			if (err == nil) != tt.valid {
				t.Fatalf("valid = %v, want %v: %v", err == nil, tt.valid, err)
			}
		})
	}
}
