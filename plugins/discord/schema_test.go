package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	pluginmanifest "github.com/openclaw-go/openclaw/pluginsdk/manifest"
)

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	m, err := pluginmanifest.Parse(manifest)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(m.ConfigSchema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("discord.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("discord.json")
	if err != nil {
		t.Fatalf("configSchema does not compile: %v", err)
	}
	return s
}

func TestManifest(t *testing.T) {
	m, err := pluginmanifest.Parse(manifest)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != channelID || !m.Bundled || m.Executable != "openclaw-plugin-discord" || m.Package != "@openclaw/discord" {
		t.Errorf("manifest identity: %+v", m)
	}
	if len(m.RequiredConfig) != 1 || m.RequiredConfig[0].Key != "token" || m.RequiredConfig[0].Env[0] != "DISCORD_BOT_TOKEN" {
		t.Errorf("requiredConfig = %+v", m.RequiredConfig)
	}
	if !strings.Contains(strings.Join(m.SensitiveKeys(), ","), "token") {
		t.Errorf("token is not marked sensitive: %v", m.SensitiveKeys())
	}
}

// The documented examples of channels.discord must validate, and typos and
// wrong values must not.
func TestConfigSchema(t *testing.T) {
	s := compileSchema(t)
	tests := []struct {
		name  string
		json  string
		valid bool
	}{
		{"empty", `{}`, true},
		{"documented reference example", `{
			"enabled": true, "token": "your-bot-token", "mediaMaxMb": 8, "allowBots": false,
			"actions": {"reactions": true, "stickers": true, "polls": true, "permissions": true, "messages": true,
				"threads": true, "pins": true, "search": true, "memberInfo": true, "roleInfo": true, "roles": false,
				"channelInfo": true, "voiceStatus": true, "events": true, "moderation": false},
			"replyToMode": "off",
			"dm": {"enabled": true, "policy": "pairing", "allowFrom": ["1234567890", "steipete"], "groupEnabled": false, "groupChannels": ["openclaw-dm"]},
			"guilds": {"123456789012345678": {"slug": "friends-of-openclaw", "requireMention": false, "reactionNotifications": "own",
				"users": ["987654321098765432"],
				"channels": {"general": {"allow": true}, "help": {"allow": true, "requireMention": true,
					"users": ["987654321098765432"], "skills": ["docs"], "systemPrompt": "Short answers only."}}}},
			"historyLimit": 20, "textChunkLimit": 2000, "chunkMode": "length", "maxLinesPerMessage": 17,
			"retry": {"attempts": 3, "minDelayMs": 500, "maxDelayMs": 30000, "jitter": 0.1}
		}`, true},
		{"current policy keys", `{"dmPolicy": "allowlist", "allowFrom": ["accessGroup:ops", "discord:123"], "groupPolicy": "allowlist",
			"guilds": {"1": {"requireMention": true, "ignoreOtherMentions": true, "roles": ["2"],
				"channels": {"*": {"enabled": true, "requireMention": true}}}},
			"streaming": {"mode": "progress", "chunkMode": "newline"}, "ackReaction": "👀", "allowBots": "mentions"}`, true},
		{"secret reference token", `{"token": {"source": "env", "provider": "default", "id": "DISCORD_BOT_TOKEN"}}`, true},
		{"accounts", `{"accounts": {"work": {"token": "t", "applicationId": "111", "guilds": {"1": {}}, "retry": {"attempts": 5}}}, "defaultAccount": "work"}`, true},
		{"presence", `{"status": "idle", "activity": "Live coding", "activityType": 1, "activityUrl": "https://twitch.tv/x"}`, true},
		{"unknown key", `{"tokne": "x"}`, false},
		{"unknown guild key", `{"guilds": {"1": {"requireMentoin": true}}}`, false},
		{"unknown channel key", `{"guilds": {"1": {"channels": {"general": {"alow": true}}}}}`, false},
		{"bad dm policy", `{"dmPolicy": "everyone"}`, false},
		{"bad reply mode", `{"replyToMode": "sometimes"}`, false},
		{"chunk limit above Discord's", `{"textChunkLimit": 4000}`, false},
		{"retry jitter above 1", `{"retry": {"jitter": 2}}`, false},
		{"unknown retry key", `{"retry": {"tries": 2}}`, false},
		{"allowBots string", `{"allowBots": "always"}`, false},
		{"account typo", `{"accounts": {"a": {"tokn": "x"}}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v any
			dec := json.NewDecoder(strings.NewReader(tt.json))
			dec.UseNumber()
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
			err := s.Validate(v)
			if tt.valid && err != nil {
				t.Errorf("rejected: %v", err)
			}
			if !tt.valid && err == nil {
				t.Error("accepted")
			}
		})
	}
}
