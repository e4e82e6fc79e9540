package channels

import (
	pluginv1 "github.com/openclaw-go/openclaw/proto/openclaw/plugin/v1"
	"reflect"
	"testing"
)

func TestAccounts(t *testing.T) {
	req := []RequiredKey{{Key: "botToken", Env: []string{"TELEGRAM_BOT_TOKEN"}}}
	env := func(k string) string {
		if k == "TELEGRAM_BOT_TOKEN" {
			return "from-env"
		}
		return ""
	}
	tests := []struct {
		name    string
		section map[string]any
		want    map[string]map[string]any
	}{
		{"nil", nil, nil},
		{"disabled", map[string]any{"enabled": false, "botToken": "x"}, nil},
		{"top level only", map[string]any{"botToken": "a", "dmPolicy": "open"},
			map[string]map[string]any{"default": {"botToken": "a", "dmPolicy": "open"}}},
		{"env fills default", map[string]any{"dmPolicy": "open"},
			map[string]map[string]any{"default": {"botToken": "from-env", "dmPolicy": "open"}}},
		{"named accounts inherit, env only for default",
			map[string]any{"dmPolicy": "open", "accounts": map[string]any{
				"work": map[string]any{"botToken": "w", "groups": map[string]any{"1": map[string]any{"requireMention": true}}},
				"off":  map[string]any{"enabled": false, "botToken": "o"},
			}},
			map[string]map[string]any{
				"default": {"dmPolicy": "open", "botToken": "from-env"},
				"work":    {"dmPolicy": "open", "botToken": "w", "groups": map[string]any{"1": map[string]any{"requireMention": true}}},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Accounts("telegram", tt.section, req, env)
			if err != nil {
				t.Fatal(err)
			}
			gotMap := map[string]map[string]any{}
			for _, a := range got {
				gotMap[a.ID] = a.Config
			}
			if len(tt.want) == 0 && len(got) == 0 {
				return
			}
			if !reflect.DeepEqual(gotMap, tt.want) {
				t.Errorf("Accounts = %v, want %v", gotMap, tt.want)
			}
		})
	}
}

func TestNamedAccountsWithoutDefaultCredentials(t *testing.T) {
	section := map[string]any{"accounts": map[string]any{"a": map[string]any{"botToken": "x"}}}
	got, _ := Accounts("telegram", section, []RequiredKey{{Key: "botToken"}}, func(string) string { return "" })
	if len(got) != 1 || got[0].ID != "a" {
		t.Fatalf("got %v, want only account a", got)
	}
}

func TestDeliveryDefaultsComeFromThePlugin(t *testing.T) {
	m := NewManager(nil, nil)
	m.infos["tg"] = &pluginv1.ChannelInfo{Id: "tg", TextChunkLimit: 4096, DefaultReplyToMode: "first", ThreadsAreTopics: true}
	m.infos["sl"] = &pluginv1.ChannelInfo{Id: "sl", TextChunkLimit: 4000}
	tests := []struct {
		channel   string
		cfg       map[string]any
		limit     int
		replyMode string
	}{
		{"tg", nil, 4096, "first"},
		{"tg", map[string]any{"replyToMode": "all", "textChunkLimit": float64(100)}, 100, "all"},
		{"tg", map[string]any{"textChunkLimit": float64(9000)}, 4096, "first"},
		{"sl", nil, 4000, "off"},
		{"unknown", nil, 4000, "off"},
	}
	for _, tt := range tests {
		opts, reply := m.chunkOptions(tt.channel, tt.cfg)
		if opts.Limit != tt.limit || reply != tt.replyMode {
			t.Errorf("%s %v: limit %d reply %q, want %d %q", tt.channel, tt.cfg, opts.Limit, reply, tt.limit, tt.replyMode)
		}
	}
	if !m.ThreadsAreTopics("tg") || m.ThreadsAreTopics("sl") {
		t.Error("ThreadsAreTopics does not follow the plugins' channel info")
	}
}
