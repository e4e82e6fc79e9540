package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/slack-go/slack"

	"github.com/openclaw-go/openclaw/pluginsdk"
	pluginmanifest "github.com/openclaw-go/openclaw/pluginsdk/manifest"
)

func TestMarkdownToMrkdwn(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"**bold** and __also__", "*bold* and *also*"},
		{"an *italic* word", "an _italic_ word"},
		{"***both***", "_*both*_"},
		{"~~gone~~", "~gone~"},
		{"see [the docs](https://example.com/a?b=1)", "see <https://example.com/a?b=1|the docs>"},
		{"# Title\ntext", "*Title*\ntext"},
		{"- one\n* two\n  + three", "• one\n• two\n  • three"},
		{"a < b && c > d", "a &lt; b &amp;&amp; c &gt; d"},
		{"> quoted", "> quoted"},
		{"`**not bold**` but **bold**", "`**not bold**` but *bold*"},
		{"```go\nx := *p **y**\n```\n**after**", "```x := *p **y**\n```\n*after*"},
		{"2 * 3 * 4", "2 * 3 * 4"},
	}
	for _, tt := range tests {
		if got := markdownToMrkdwn(tt.in); got != tt.want {
			t.Errorf("markdownToMrkdwn(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestReadableText(t *testing.T) {
	names := func(id string) string {
		return map[string]string{"U1": "alice"}[id]
	}
	tests := []struct{ in, want string }{
		{"<@U1> hi", "@alice hi"},
		{"<@U2|bob> hi", "@bob hi"},
		{"<@U3> unknown", "@U3 unknown"},
		{"in <#C1|general> and <#C2>", "in #general and #C2"},
		{"<!here> <!channel>", "@here @channel"},
		{"<https://example.com|site> and <https://x.io>", "site (https://example.com) and https://x.io"},
		{"fish &amp; chips &lt;3", "fish & chips <3"},
	}
	for _, tt := range tests {
		if got := readableText(tt.in, names); got != tt.want {
			t.Errorf("readableText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseAccountConfig(t *testing.T) {
	tests := []struct {
		name, cfg, wantErr string
		check              func(t *testing.T, c accountConfig)
	}{
		{name: "socket defaults", cfg: `{"botToken":"xoxb-1","appToken":"xapp-1"}`, check: func(t *testing.T, c accountConfig) {
			if c.Mode != modeSocket || c.APIURL != defaultAPIURL || c.SlashCommand.Name != "openclaw" || !c.SlashCommand.ephemeral() || c.Retry.Attempts != 3 {
				t.Errorf("config = %+v", c)
			}
		}},
		{name: "http", cfg: `{"mode":"http","botToken":"xoxb-1","signingSecret":"s","webhookPath":"/hooks/slack","apiUrl":"http://127.0.0.1:1/api"}`, check: func(t *testing.T, c accountConfig) {
			if c.WebhookPath != "/hooks/slack" || c.WebhookPort != defaultWebhookPort || c.APIURL != "http://127.0.0.1:1/api/" {
				t.Errorf("config = %+v", c)
			}
		}},
		{name: "slash name with slash", cfg: `{"botToken":"b","appToken":"a","slashCommand":{"name":"/claw","ephemeral":false}}`, check: func(t *testing.T, c accountConfig) {
			if c.SlashCommand.Name != "claw" || c.SlashCommand.ephemeral() {
				t.Errorf("slash = %+v", c.SlashCommand)
			}
		}},
		{name: "no tokens", cfg: `{}`, wantErr: "botToken is required"},
		{name: "socket without app token", cfg: `{"botToken":"b"}`, wantErr: "appToken is required"},
		{name: "http without secret", cfg: `{"mode":"http","botToken":"b"}`, wantErr: "signingSecret is required"},
		{name: "relay", cfg: `{"mode":"relay","botToken":"b"}`, wantErr: "not supported"},
		{name: "unknown mode", cfg: `{"mode":"rtm","botToken":"b"}`, wantErr: `mode "rtm"`},
		{name: "bad api url", cfg: `{"botToken":"b","appToken":"a","apiUrl":"slack.com"}`, wantErr: "apiUrl"},
		{name: "bad webhook path", cfg: `{"mode":"http","botToken":"b","signingSecret":"s","webhookPath":"events"}`, wantErr: "webhookPath"},
		{name: "unresolved secret ref", cfg: `{"botToken":{"source":"env","id":"SLACK_BOT_TOKEN"},"appToken":"a"}`, wantErr: "SecretRef env:SLACK_BOT_TOKEN was not resolved"},
		{name: "token of the wrong type", cfg: `{"botToken":42,"appToken":"a"}`, wantErr: "must be a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseAccountConfig(pluginsdk.Account{ID: "work", Config: json.RawMessage(tt.cfg)})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !pluginsdk.IsPermanent(err) || !strings.Contains(err.Error(), `"work"`) {
					t.Fatalf("err = %v, want a permanent error naming the account and containing %q", err, tt.wantErr)
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

func TestRetryPolicy(t *testing.T) {
	p := retryPolicy{MinDelayMs: 100, MaxDelayMs: 1000, Jitter: 0}.withDefaults()
	for n, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 20: time.Second} {
		if got := p.backoff(n); got != want {
			t.Errorf("backoff(%d) = %v, want %v", n, got, want)
		}
	}
	p.Jitter = 0.5
	for range 100 {
		if d := p.backoff(1); d < 50*time.Millisecond || d > 150*time.Millisecond {
			t.Fatalf("backoff with 50%% jitter = %v, want within 50ms..150ms", d)
		}
	}

	fast := retryPolicy{Attempts: 3, MinDelayMs: 1, MaxDelayMs: 1}
	calls := 0
	retryable := func(error) verdict { return verdict{retry: true} }
	err := fast.run(t.Context(), retryable, func(context.Context) error { calls++; return errors.New("flaky") })
	if err == nil || calls != 3 {
		t.Errorf("run = %v after %d calls, want an error after 3", err, calls)
	}
	calls = 0
	err = fast.run(t.Context(), func(error) verdict { return verdict{} }, func(context.Context) error { calls++; return errors.New("fatal") })
	if err == nil || calls != 1 {
		t.Errorf("non-retryable: %v after %d calls", err, calls)
	}
	calls = 0
	err = fast.run(t.Context(), retryable, func(context.Context) error {
		calls++
		if calls < 2 {
			return errors.New("once")
		}
		return nil
	})
	if err != nil || calls != 2 {
		t.Errorf("recovering op: %v after %d calls", err, calls)
	}
	// A Retry-After longer than the caller's deadline fails at once.
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	calls = 0
	start := time.Now()
	err = fast.run(ctx, func(error) verdict { return verdict{retry: true, after: time.Hour} }, func(context.Context) error { calls++; return errors.New("429") })
	if err == nil || calls != 1 || time.Since(start) > 5*time.Second {
		t.Errorf("long Retry-After: %v after %d calls", err, calls)
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		want verdict
	}{
		// Retry-After plus a margin for its rounding to whole seconds.
		{&slack.RateLimitedError{RetryAfter: 3 * time.Second}, verdict{retry: true, after: 3*time.Second + 100*time.Millisecond}},
		{fmt.Errorf("wrapped: %w", &slack.RateLimitedError{RetryAfter: time.Second}), verdict{retry: true, after: time.Second + 100*time.Millisecond}},
		{&net.OpError{Op: "dial", Err: errors.New("refused")}, verdict{retry: true}},
		{&net.OpError{Op: "read", Err: errors.New("reset")}, verdict{}},
		{slack.StatusCodeError{Code: 500, Status: "500"}, verdict{}},
		{slack.SlackErrorResponse{Err: "channel_not_found"}, verdict{}},
	}
	for _, tt := range tests {
		if got := classify(tt.err); got != tt.want {
			t.Errorf("classify(%v) = %+v, want %+v", tt.err, got, tt.want)
		}
	}
	if !isAuthError(fmt.Errorf("x: %w", slack.SlackErrorResponse{Err: "invalid_auth"})) || isAuthError(slack.SlackErrorResponse{Err: "ratelimited"}) {
		t.Error("isAuthError misclassifies")
	}
}

func TestEmojiName(t *testing.T) {
	for in, want := range map[string]string{"👀": "eyes", ":eyes:": "eyes", "thumbsup": "thumbsup", "✅": "white_check_mark"} {
		if got, err := emojiName(in); err != nil || got != want {
			t.Errorf("emojiName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "::", "🦖"} {
		if _, err := emojiName(bad); err == nil {
			t.Errorf("emojiName(%q): want an error", bad)
		}
	}
}

func TestTSTime(t *testing.T) {
	if got := tsTime("1700000000.000100"); !got.Equal(time.Unix(1700000000, 100000)) {
		t.Errorf("tsTime = %v", got)
	}
	if !tsTime("garbage").IsZero() {
		t.Error("tsTime(garbage) should be zero")
	}
}

func TestManifestSchema(t *testing.T) {
	m, err := pluginmanifest.Parse(manifest)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Bundled || m.Package != "@openclaw/slack" || m.Executable != "openclaw-plugin-slack" || len(m.RequiredConfig) != 2 {
		t.Errorf("manifest = %+v", m)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(m.ConfigSchema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("slack.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("slack.json")
	if err != nil {
		t.Fatalf("compile configSchema: %v", err)
	}
	valid := []string{
		`{}`,
		`{"groupPolicy":"allowlist","channels":{"#general":{"allow":true}}}`,
		`{"enabled":true,"botToken":"xoxb-1","appToken":"xapp-1",
		  "dm":{"enabled":true,"policy":"pairing","allowFrom":["U123","*"],"groupEnabled":false,"groupChannels":["G123"]},
		  "channels":{"C123":{"allow":true,"requireMention":true,"allowBots":false},
		              "#general":{"enabled":true,"requireMention":true,"users":["U123"],"skills":["docs"],"systemPrompt":"Short."}},
		  "historyLimit":50,"allowBots":false,"reactionNotifications":"own","reactionAllowlist":["U123"],"replyToMode":"off",
		  "thread":{"historyScope":"thread","inheritParent":false,"initialHistoryLimit":20},
		  "actions":{"reactions":true,"messages":true,"pins":true,"memberInfo":true,"emojiList":true},
		  "slashCommand":{"enabled":true,"name":"openclaw","sessionPrefix":"slack:slash","ephemeral":true},
		  "textChunkLimit":4000,"chunkMode":"length","mediaMaxMb":20,"typingReaction":"hourglass_flowing_sand",
		  "streaming":{"mode":"partial","chunkMode":"length","nativeTransport":true},
		  "execApprovals":{"enabled":"auto","approvers":["U123"],"target":"dm"},
		  "retry":{"attempts":3,"minDelayMs":400,"maxDelayMs":30000,"jitter":0.1}}`,
		`{"botToken":{"source":"env","provider":"default","id":"SLACK_BOT_TOKEN"},"mode":"http","signingSecret":"s","webhookPath":"/slack/events",
		  "defaultAccount":"work","accounts":{"work":{"botToken":"xoxb-2","appToken":"xapp-2","dmPolicy":"open","allowFrom":["*"]}}}`,
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
		`{"botTokn":"typo"}`,
		`{"mode":"rtm"}`,
		`{"replyToMode":"sometimes"}`,
		`{"channels":{"C1":{"requireMention":"yes"}}}`,
		`{"thread":{"historyScope":"everything"}}`,
		`{"accounts":{"work":{"accounts":{}}}}`,
		`{"accounts":{"work":{"botTokn":"typo"}}}`,
		`{"slashCommand":{"name":"Has Spaces"}}`,
	}
	for _, v := range invalid {
		inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(v))
		if err := schema.Validate(inst); err == nil {
			t.Errorf("invalid config accepted: %s", v)
		}
	}
}

// signed builds a request as Slack signs it.
func signed(t *testing.T, url, secret, contentType, body string, at time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return req
}

func TestHTTPMode(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &memHost{}
	cfg := accountConfig{Mode: modeHTTP, BotToken: "xoxb-1", SigningSecret: "shh", WebhookPath: "/slack/events", APIURL: "http://127.0.0.1:1/"}
	if err := cfg.normalise(); err != nil {
		t.Fatal(err)
	}
	ch := newSlackChannel(nil)
	a := ch.newAccount(pluginsdk.Account{ID: "default", Host: h}, cfg)
	a.me = identity{UserID: "U0BOT", BotID: "B0BOT", Name: "openclaw"}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- a.serveHTTP(ctx, ln) }()
	defer func() { cancel(); <-done }()
	url := "http://" + ln.Addr().String() + "/slack/events"

	do := func(req *http.Request) (int, string) {
		t.Helper()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(res.Body)
		return res.StatusCode, b.String()
	}

	code, body := do(signed(t, url, "shh", "application/json", `{"type":"url_verification","challenge":"abc123"}`, time.Now()))
	if code != 200 || body != "abc123" {
		t.Errorf("url_verification = %d %q", code, body)
	}
	event := `{"type":"event_callback","team_id":"T1","event_id":"Ev1","event":{"type":"message","channel":"D1","channel_type":"im","user":"U0ALICE","text":"hi over http","ts":"1700000000.000001"}}`
	if code, _ := do(signed(t, url, "wrong", "application/json", event, time.Now())); code != http.StatusUnauthorized {
		t.Errorf("bad signature answered %d, want 401", code)
	}
	if code, _ := do(signed(t, url, "shh", "application/json", event, time.Now().Add(-10*time.Minute))); code != http.StatusUnauthorized {
		t.Errorf("stale timestamp answered %d, want 401", code)
	}
	h.fail = errors.New("gateway down")
	if code, _ := do(signed(t, url, "shh", "application/json", event, time.Now())); code != http.StatusInternalServerError {
		t.Errorf("refused emit answered %d, want 500 so Slack retries", code)
	}
	h.fail = nil
	if code, _ := do(signed(t, url, "shh", "application/json", event, time.Now())); code != 200 {
		t.Errorf("event answered %d", code)
	}
	if got := h.emitted(); len(got) != 1 || got[0].Text != "hi over http" || got[0].PeerID != "U0ALICE" || got[0].TeamID != "T1" {
		t.Errorf("emitted = %+v", got)
	}
	a.cfg.SlashCommand.Enabled = true
	form := "command=%2Fopenclaw&text=status&user_id=U0ALICE&user_name=alice&channel_id=C1&channel_name=general&team_id=T1&trigger_id=1.2.abc"
	if code, _ := do(signed(t, url, "shh", "application/x-www-form-urlencoded", form, time.Now())); code != 200 {
		t.Errorf("slash command answered %d", code)
	}
	if got := h.emitted(); len(got) != 2 || got[1].Command != "openclaw" || got[1].Text != "status" || got[1].MessageID != "1.2.abc" {
		t.Errorf("emitted = %+v", got)
	}
	get, _ := http.NewRequest(http.MethodGet, url, nil)
	if code, _ := do(get); code != http.StatusMethodNotAllowed {
		t.Errorf("GET answered %d, want 405", code)
	}
}
