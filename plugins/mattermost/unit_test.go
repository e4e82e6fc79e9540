package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/openclaw-go/openclaw/pluginsdk"
	pluginmanifest "github.com/openclaw-go/openclaw/pluginsdk/manifest"
)

func TestParseAccountConfig(t *testing.T) {
	tests := []struct {
		name, cfg, wantErr string
		check              func(t *testing.T, c accountConfig)
	}{
		{name: "defaults", cfg: `{"botToken":"t","baseUrl":"https://chat.example.com"}`, check: func(t *testing.T, c accountConfig) {
			if c.BaseURL != "https://chat.example.com" || c.ChatMode != chatOnCall || strings.Join(c.OncharPrefixes, " ") != "> !" || c.Retry.Attempts != 3 {
				t.Errorf("config = %+v", c)
			}
		}},
		{name: "api suffix stripped", cfg: `{"botToken":"t","baseUrl":"https://chat.example.com/mm/api/v4/"}`, check: func(t *testing.T, c accountConfig) {
			if c.BaseURL != "https://chat.example.com/mm" {
				t.Errorf("baseUrl = %q", c.BaseURL)
			}
		}},
		{name: "onchar", cfg: `{"botToken":"t","baseUrl":"http://mm:8065","chatmode":"onchar","oncharPrefixes":["?"]}`, check: func(t *testing.T, c accountConfig) {
			if c.ChatMode != chatOnChar || len(c.OncharPrefixes) != 1 || c.OncharPrefixes[0] != "?" {
				t.Errorf("config = %+v", c)
			}
		}},
		{name: "dm retry", cfg: `{"botToken":"t","baseUrl":"http://mm","dmChannelRetry":{"maxRetries":1,"initialDelayMs":5,"maxDelayMs":6}}`, check: func(t *testing.T, c accountConfig) {
			if p := c.dmPolicy(); p.Attempts != 2 || p.MinDelayMs != 5 || p.MaxDelayMs != 6 {
				t.Errorf("dm policy = %+v", p)
			}
		}},
		{name: "no token", cfg: `{"baseUrl":"http://mm"}`, wantErr: "botToken is required"},
		{name: "no url", cfg: `{"botToken":"t"}`, wantErr: "baseUrl is required"},
		{name: "bad url", cfg: `{"botToken":"t","baseUrl":"chat.example.com"}`, wantErr: "not an http(s) URL"},
		{name: "url with query", cfg: `{"botToken":"t","baseUrl":"https://chat.example.com/?x=1"}`, wantErr: "query"},
		{name: "bad chatmode", cfg: `{"botToken":"t","baseUrl":"http://mm","chatmode":"always"}`, wantErr: `chatmode "always"`},
		{name: "empty prefix", cfg: `{"botToken":"t","baseUrl":"http://mm","oncharPrefixes":[""]}`, wantErr: "oncharPrefixes[0]"},
		{name: "unresolved secret", cfg: `{"botToken":{"source":"env","id":"MM"},"baseUrl":"http://mm"}`, wantErr: "SecretRef env:MM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseAccountConfig(pluginsdk.Account{ID: "work", Config: json.RawMessage(tt.cfg)})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !pluginsdk.IsPermanent(err) {
					t.Fatalf("err = %v, want a permanent error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		headers map[string]string
		want    time.Duration
	}{
		{map[string]string{"Retry-After": "3"}, 3 * time.Second},
		{map[string]string{"X-Ratelimit-Reset": "2"}, 2 * time.Second},
		{map[string]string{"Retry-After": "1", "X-Ratelimit-Reset": "9"}, time.Second},
		{map[string]string{"Retry-After": "soon"}, 0},
		{nil, 0},
	}
	for _, tt := range tests {
		h := http.Header{}
		for k, v := range tt.headers {
			h.Set(k, v)
		}
		if got := retryAfter(h); got != tt.want {
			t.Errorf("retryAfter(%v) = %v, want %v", tt.headers, got, tt.want)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		want verdict
	}{
		{&apiError{Status: 429, RetryAfter: time.Second}, verdict{retry: true, after: time.Second}},
		{fmt.Errorf("x: %w", &apiError{Status: 502}), verdict{retry: true}},
		{&apiError{Status: 400}, verdict{}},
		{&apiError{Status: 401}, verdict{}},
		{&net.OpError{Op: "dial", Err: errors.New("refused")}, verdict{retry: true}},
		{io.ErrUnexpectedEOF, verdict{retry: true}},
		{context.Canceled, verdict{}},
		{errors.New("something else"), verdict{}},
	}
	for _, tt := range tests {
		if got := classify(tt.err); got != tt.want {
			t.Errorf("classify(%v) = %+v, want %+v", tt.err, got, tt.want)
		}
	}
	if !isAuthError(fmt.Errorf("x: %w", &apiError{Status: 401})) || isAuthError(&apiError{Status: 403}) {
		t.Error("isAuthError misclassifies")
	}
}

func TestWebsocketURL(t *testing.T) {
	tests := []struct {
		base string
		cur  cursor
		want string
	}{
		{"https://chat.example.com", cursor{}, "wss://chat.example.com/api/v4/websocket"},
		{"http://127.0.0.1:8065/mm", cursor{}, "ws://127.0.0.1:8065/mm/api/v4/websocket"},
		{"https://chat.example.com", cursor{ConnectionID: "abc", Seq: 7}, "wss://chat.example.com/api/v4/websocket?connection_id=abc&sequence_number=7"},
	}
	for _, tt := range tests {
		if got, err := websocketURL(tt.base, tt.cur); err != nil || got != tt.want {
			t.Errorf("websocketURL(%q, %+v) = %q, %v; want %q", tt.base, tt.cur, got, err, tt.want)
		}
	}
}

func TestMentionsName(t *testing.T) {
	tests := []struct {
		text string
		want bool
	}{
		{"@openclaw hi", true},
		{"hi @openclaw.", true},
		{"hi @OpenClaw!", true},
		{"(@openclaw)", true},
		{"@openclawfan", false},
		{"@openclaw-bot", false},
		{"mail me at x@openclaw", false},
		{"openclaw", false},
	}
	for _, tt := range tests {
		if got := mentionsName(tt.text, "openclaw"); got != tt.want {
			t.Errorf("mentionsName(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

func TestEmojiName(t *testing.T) {
	for in, want := range map[string]string{"👀": "eyes", ":+1:": "+1", "👍": "+1", "tada": "tada"} {
		if got, err := emojiName(in); err != nil || got != want {
			t.Errorf("emojiName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "🦖"} {
		if _, err := emojiName(bad); err == nil {
			t.Errorf("emojiName(%q): want an error", bad)
		}
	}
}

func TestManifestSchema(t *testing.T) {
	m, err := pluginmanifest.Parse(manifest)
	if err != nil {
		t.Fatal(err)
	}
	if m.Bundled || m.Package != "@openclaw/mattermost" || m.Executable != "openclaw-plugin-mattermost" || len(m.RequiredConfig) != 2 {
		t.Errorf("manifest = %+v", m)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(m.ConfigSchema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("mattermost.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("mattermost.json")
	if err != nil {
		t.Fatalf("compile configSchema: %v", err)
	}
	valid := []string{
		`{}`,
		`{"enabled":true,"botToken":"mm-token","baseUrl":"https://chat.example.com","dmPolicy":"pairing","chatmode":"oncall","oncharPrefixes":[">","!"],"textChunkLimit":4000,"chunkMode":"length"}`,
		`{"groupPolicy":"open","groups":{"*":{"requireMention":true},"team-channel-id":{"requireMention":false}},
		  "commands":{"native":true,"nativeSkills":true,"callbackPath":"/api/channels/mattermost/command","callbackUrl":"https://gw.example.com/api/channels/mattermost/command"},
		  "streaming":{"mode":"partial","chunkMode":"length"},"replyToMode":"all","replyToModeByChatType":{"direct":"first"},
		  "dmChannelRetry":{"maxRetries":3,"initialDelayMs":1000,"maxDelayMs":10000,"timeoutMs":30000},
		  "network":{"dangerouslyAllowPrivateNetwork":true},"actions":{"reactions":true,"messages":false},"capabilities":["inlineButtons"],
		  "interactions":{"callbackBaseUrl":"https://gw.example.com","allowedSourceIps":["10.0.0.5"]},"implicitMentions":{"threadParticipation":false}}`,
		`{"defaultAccount":"default","accounts":{"default":{"name":"Primary","botToken":"a","baseUrl":"https://chat.example.com"},"alerts":{"name":"Alerts","botToken":"b","baseUrl":"https://alerts.example.com"}}}`,
	}
	for _, v := range valid {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(v))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(inst); err != nil {
			t.Errorf("valid config rejected: %s\n%v", v, err)
		}
	}
	invalid := []string{
		`{"chatmode":"always"}`,
		`{"baseUrl":"chat.example.com"}`,
		`{"botTokn":"typo"}`,
		`{"groups":{"x":{"requireMention":"yes"}}}`,
		`{"accounts":{"a":{"defaultAccount":"x"}}}`,
		`{"oncharPrefixes":[""]}`,
	}
	for _, v := range invalid {
		inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(v))
		if err := schema.Validate(inst); err == nil {
			t.Errorf("invalid config accepted: %s", v)
		}
	}
}
