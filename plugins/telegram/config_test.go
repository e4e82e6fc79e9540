package main

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mymmrac/telego"
	ta "github.com/mymmrac/telego/telegoapi"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

const goodToken = "123456789:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0"

func TestParseSettings(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(goodToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(tokenFile, link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		account string
		cfg     map[string]any
		check   func(t *testing.T, s settings)
		wantErr []string
	}{
		{name: "defaults", cfg: map[string]any{"botToken": goodToken}, check: func(t *testing.T, s settings) {
			want(t, s.apiRoot, "https://api.telegram.org")
			want(t, s.linkPreview, true)
			want(t, s.retry.attempts, 3)
			want(t, s.retry.minDelay, 400*time.Millisecond)
			want(t, s.retry.maxDelay, 30*time.Second)
			want(t, s.retry.jitter, 0.1)
			want(t, s.webhook == nil, true)
			want(t, s.mediaMaxBytes, int64(maxDownloadBytes))
		}},
		{name: "token file", cfg: map[string]any{"tokenFile": tokenFile}, check: func(t *testing.T, s settings) { want(t, s.token, goodToken) }},
		{name: "symlinked token file", cfg: map[string]any{"tokenFile": link}, wantErr: []string{"channels.telegram.tokenFile", "not a regular file"}},
		{name: "missing token, default account", cfg: map[string]any{}, wantErr: []string{"channels.telegram.botToken is not set", "TELEGRAM_BOT_TOKEN"}},
		{name: "missing token, named account", account: "alerts", cfg: map[string]any{}, wantErr: []string{"channels.telegram.accounts.alerts.botToken is not set"}},
		{name: "placeholder token", cfg: map[string]any{"botToken": "123456:ABC..."}, wantErr: []string{"is not a Telegram bot token"}},
		{name: "unresolved secret ref", cfg: map[string]any{"botToken": map[string]any{"source": "env", "id": "X"}}, wantErr: []string{"secret reference"}},
		{name: "api root with token path", cfg: map[string]any{"botToken": goodToken, "apiRoot": "https://api.telegram.org/bot" + goodToken}, wantErr: []string{"apiRoot", "without /bot<token>"}},
		{name: "api root trailing slash", cfg: map[string]any{"botToken": goodToken, "apiRoot": "http://127.0.0.1:9000/"}, check: func(t *testing.T, s settings) { want(t, s.apiRoot, "http://127.0.0.1:9000") }},
		{name: "bad proxy", cfg: map[string]any{"botToken": goodToken, "proxy": "ftp://user:pw@proxy"}, wantErr: []string{"proxy"}},
		{name: "retry", cfg: map[string]any{"botToken": goodToken, "retry": map[string]any{"attempts": 5, "minDelayMs": 100, "maxDelayMs": 1000, "jitter": 0}}, check: func(t *testing.T, s settings) {
			want(t, s.retry.attempts, 5)
			want(t, s.retry.minDelay, 100*time.Millisecond)
			want(t, s.retry.maxDelay, time.Second)
			want(t, s.retry.jitter, 0.0)
		}},
		{name: "bad retry", cfg: map[string]any{"botToken": goodToken, "retry": map[string]any{"attempts": 0, "jitter": 2, "minDelayMs": 5000, "maxDelayMs": 10}},
			wantErr: []string{"retry.attempts", "retry.jitter", "retry.maxDelayMs"}},
		{name: "webhook", cfg: map[string]any{"botToken": goodToken, "webhookUrl": "https://bot.example.com/tg", "webhookSecret": "abc_DEF-1"}, check: func(t *testing.T, s settings) {
			want(t, *s.webhook, webhookSettings{url: "https://bot.example.com/tg", secret: "abc_DEF-1", path: "/telegram-webhook", addr: "127.0.0.1:8787"})
		}},
		{name: "actions", cfg: map[string]any{"botToken": goodToken, "actions": map[string]any{"sendMessage": false, "reactions": false}}, check: func(t *testing.T, s settings) {
			want(t, s.sendDisabled, true)
			want(t, s.reactDisabled, true)
		}},
		{name: "link preview off, media limit", cfg: map[string]any{"botToken": goodToken, "linkPreview": false, "mediaMaxMb": 5}, check: func(t *testing.T, s settings) {
			want(t, s.linkPreview, false)
			want(t, s.mediaMaxBytes, int64(5<<20))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := tt.account
			if id == "" {
				id = "default"
			}
			s, err := parseSettings(pluginsdk.Account{ID: id, Config: mustJSON(t, tt.cfg)})
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatal("no error")
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not mention %q", err, w)
					}
				}
				if strings.Contains(err.Error(), goodToken) {
					t.Errorf("error repeats the token: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, s)
		})
	}
}

func TestParseCommands(t *testing.T) {
	cmds, skipped := parseCommands([]rawCommand{
		{"/Backup", "Git backup"}, {"generate", "Create an image"}, {"backup", "again"},
		{"bad-name", "x"}, {"empty", ""}, {strings.Repeat("x", 33), "too long"},
	})
	if len(cmds) != 2 || cmds[0] != (command{"backup", "Git backup"}) || cmds[1] != (command{"generate", "Create an image"}) {
		t.Fatalf("commands = %+v", cmds)
	}
	if len(skipped) != 4 {
		t.Fatalf("skipped = %q, want 4 reasons", skipped)
	}
}

func TestParseTarget(t *testing.T) {
	tests := []struct {
		id, thread string
		want       destination
		err        string
	}{
		{id: "123456789", want: destination{chat: telego.ChatID{ID: 123456789}}},
		{id: "-1001234567890", want: destination{chat: telego.ChatID{ID: -1001234567890}}},
		{id: "telegram:123", want: destination{chat: telego.ChatID{ID: 123}}},
		{id: "TG:user:123", want: destination{chat: telego.ChatID{ID: 123}}},
		{id: "@my_channel", want: destination{chat: telego.ChatID{Username: "@my_channel"}}},
		{id: "channel:@my_channel", want: destination{chat: telego.ChatID{Username: "@my_channel"}}},
		{id: "-1001234567890:topic:42", want: destination{chat: telego.ChatID{ID: -1001234567890}, thread: 42}},
		{id: "-1001234567890:topic:42", thread: "7", want: destination{chat: telego.ChatID{ID: -1001234567890}, thread: 7}},
		{id: "-1001234567890", thread: "1", want: destination{chat: telego.ChatID{ID: -1001234567890}}},
		{id: "", err: "empty"},
		{id: "alice", err: "is not a chat id"},
		{id: "user:@alice", err: "numeric user id"},
		{id: "user:-100", err: "user ids are positive"},
		{id: "@a", err: "not a Telegram username"},
		{id: "-100:topic:x", err: "not a thread id"},
		{id: "123", thread: "abc", err: "not a topic id"},
	}
	for _, tt := range tests {
		got, err := parseTarget(pluginsdk.Target{ID: tt.id}, tt.thread)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseTarget(%q, %q) error = %v, want %q", tt.id, tt.thread, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseTarget(%q, %q) = %+v, %v; want %+v", tt.id, tt.thread, got, err, tt.want)
		}
	}
}

func TestRetryBackoff(t *testing.T) {
	p := retryPolicy{attempts: 5, minDelay: 400 * time.Millisecond, maxDelay: 2 * time.Second, jitter: 0.1}
	fixed := func(v float64) func() float64 { return func() float64 { return v } }
	tests := []struct {
		attempt int
		random  float64
		want    time.Duration
	}{
		{0, 0.5, 400 * time.Millisecond},
		{1, 0.5, 800 * time.Millisecond},
		{2, 0.5, 1600 * time.Millisecond},
		{3, 0.5, 2 * time.Second}, // capped
		{10, 0.5, 2 * time.Second},
		{0, 0, 360 * time.Millisecond},         // -10%
		{0, 0.9999999, 440 * time.Millisecond}, // +10%
	}
	for _, tt := range tests {
		p.random = fixed(tt.random)
		got := p.backoff(tt.attempt)
		if diff := got - tt.want; diff < -time.Millisecond || diff > time.Millisecond {
			t.Errorf("backoff(%d) with random %v = %s, want %s", tt.attempt, tt.random, got, tt.want)
		}
	}
}

func TestRetryDo(t *testing.T) {
	p := retryPolicy{attempts: 3, minDelay: time.Millisecond, maxDelay: 5 * time.Millisecond}
	apiErr := func(code int) error { return &ta.Error{ErrorCode: code, Description: http.StatusText(code)} }
	tests := []struct {
		name      string
		errs      []error
		wantCalls int
		wantErr   bool
	}{
		{"success", []error{nil}, 1, false},
		{"5xx then success", []error{apiErr(502), nil}, 2, false},
		{"network error then success", []error{&transportError{err: errors.New("connection reset")}, nil}, 2, false},
		{"emulator 500 page", []error{&statusError{status: 500}, nil}, 2, false},
		{"400 is final", []error{apiErr(400)}, 1, true},
		{"401 is final", []error{apiErr(401)}, 1, true},
		{"403 is final", []error{apiErr(403)}, 1, true},
		{"attempts run out", []error{apiErr(500), apiErr(500), apiErr(500), nil}, 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			err := p.do(context.Background(), func(context.Context) error {
				calls++
				return tt.errs[calls-1]
			})
			if calls != tt.wantCalls || (err != nil) != tt.wantErr {
				t.Fatalf("calls = %d, err = %v; want %d calls, error %v", calls, err, tt.wantCalls, tt.wantErr)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := 0
	err := retryPolicy{attempts: 3, minDelay: time.Hour, maxDelay: time.Hour}.do(ctx, func(context.Context) error {
		calls++
		return apiErr(500)
	})
	if calls != 1 || err == nil {
		t.Fatalf("cancelled: %d calls, %v", calls, err)
	}
}

func TestSentCache(t *testing.T) {
	c := newSentCache(2)
	calls := 0
	send := func(id string) func() (pluginsdk.SendResult, error) {
		return func() (pluginsdk.SendResult, error) {
			calls++
			return pluginsdk.SendResult{MessageIDs: []string{id}}, nil
		}
	}
	bg := context.Background()
	r1, _ := c.do(bg, "a", send("1"))
	r2, _ := c.do(bg, "a", send("2"))
	if calls != 1 || r2.MessageIDs[0] != r1.MessageIDs[0] {
		t.Fatalf("second send with the same key: calls=%d result=%v", calls, r2)
	}
	c.do(bg, "b", send("3"))
	c.do(bg, "c", send("4")) // evicts "a"
	c.do(bg, "a", send("5"))
	if calls != 4 {
		t.Fatalf("calls = %d, want the evicted key sent again", calls)
	}
	c.do(bg, "", send("6"))
	c.do(bg, "", send("7"))
	if calls != 6 {
		t.Fatal("sends without a key must never be deduplicated")
	}

	// Concurrent sends with one key deliver once.
	c = newSentCache(10)
	var mu sync.Mutex
	n := 0
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.do(bg, "k", func() (pluginsdk.SendResult, error) {
				<-release
				mu.Lock()
				n++
				mu.Unlock()
				return pluginsdk.SendResult{MessageIDs: []string{"x"}}, nil
			})
		}()
	}
	close(release)
	wg.Wait()
	if n != 1 {
		t.Fatalf("%d concurrent sends with one key delivered %d times", 5, n)
	}
}
