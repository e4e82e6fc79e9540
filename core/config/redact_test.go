package config

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

func TestRedact(t *testing.T) {
	var raw map[string]any
	_ = json.Unmarshal([]byte(`{
		"gateway": {"port": 18789, "auth": {"mode": "token", "token": "gw-secret"}},
		"models": {"providers": {
			"custom": {"apiKey": "sk-live", "baseUrl": "https://x", "models": [{"id": "m", "maxTokens": 10}]},
			"ref": {"apiKey": {"source": "env", "provider": "default", "id": "OPENAI_API_KEY"}},
			"env": {"apiKey": "${CUSTOM_API_KEY}"}
		}},
		"channels": {
			"telegram": {"botToken": "123:abc", "accounts": {"alerts": {"botToken": "456:def", "name": "Alerts"}}},
			"lark": {"appId": "cli_1", "appSecret": "lark-secret", "nested": {"refreshToken": "rt", "tokenFile": "/p"}}
		},
		"env": {"OPENAI_API_KEY": "sk-env", "vars": {"GROQ_API_KEY": "gsk"}},
		"plugins": {"entries": {"brave": {"config": {"webSearch": {"apiKey": "brave-key"}, "endpoint": "e"}}}},
		"tools": {"web": {"search": {"maxResults": 5}}}
	}`), &raw)
	before, _ := json.Marshal(raw)

	out, _ := json.Marshal(Redact(raw, []string{"plugins.entries.*.config.endpoint"}))
	redacted := []string{
		"gateway.auth.token",
		"models.providers.custom.apiKey",
		"channels.telegram.botToken",
		"channels.telegram.accounts.alerts.botToken",
		"channels.lark.appSecret",
		"channels.lark.nested.refreshToken",
		"env.OPENAI_API_KEY",
		"env.vars.GROQ_API_KEY",
		"plugins.entries.brave.config.webSearch.apiKey",
		"plugins.entries.brave.config.endpoint",
	}
	for _, p := range redacted {
		if got := gjson.GetBytes(out, p).String(); got != Redacted {
			t.Errorf("%s = %q, want redacted", p, got)
		}
	}
	kept := map[string]string{
		"gateway.auth.mode":                          "token",
		"gateway.port":                               "18789",
		"models.providers.custom.baseUrl":            "https://x",
		"models.providers.custom.models.0.maxTokens": "10",
		"models.providers.ref.apiKey.id":             "OPENAI_API_KEY",
		"models.providers.env.apiKey":                "${CUSTOM_API_KEY}",
		"channels.telegram.accounts.alerts.name":     "Alerts",
		"channels.lark.appId":                        "cli_1",
		"channels.lark.nested.tokenFile":             "/p",
		"tools.web.search.maxResults":                "5",
	}
	for p, want := range kept {
		if got := gjson.GetBytes(out, p).String(); got != want {
			t.Errorf("%s = %q, want %q", p, got, want)
		}
	}
	after, _ := json.Marshal(raw)
	if string(before) != string(after) {
		t.Error("Redact modified its input")
	}
	for _, secret := range []string{"gw-secret", "sk-live", "123:abc", "lark-secret", "sk-env", "gsk", "brave-key"} {
		if strings.Contains(string(out), secret) {
			t.Errorf("secret %q survived redaction", secret)
		}
	}
}

func TestRestoreRedacted(t *testing.T) {
	prev := map[string]any{"gateway": map[string]any{"auth": map[string]any{"token": "${TOKEN}"}}}
	next := map[string]any{"gateway": map[string]any{"auth": map[string]any{"token": Redacted, "mode": "token"}}}
	if _, err := restoreRedacted(next, prev, nil); err != nil {
		t.Fatal(err)
	}
	if got := next["gateway"].(map[string]any)["auth"].(map[string]any)["token"]; got != "${TOKEN}" {
		t.Fatalf("token = %v", got)
	}
	bad := map[string]any{"channels": map[string]any{"telegram": map[string]any{"botToken": Redacted}}}
	if _, err := restoreRedacted(bad, prev, nil); err == nil || !strings.Contains(err.Error(), "channels.telegram.botToken") {
		t.Fatalf("placeholder without a previous value must fail, got %v", err)
	}
}
