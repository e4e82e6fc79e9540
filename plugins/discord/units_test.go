package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/openclaw-go/openclaw/pluginsdk"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		kind    pluginsdk.PeerKind
		id      string
		user    string
		channel string
		wantErr string
	}{
		{"", "user:123", "123", "", ""},
		{"", "discord:user:123", "123", "", ""},
		{"", "channel:456", "", "456", ""},
		{"", "<@123>", "123", "", ""},
		{"", "<@!123>", "123", "", ""},
		{"", "<#456>", "", "456", ""},
		{pluginsdk.PeerDM, "123", "123", "", ""},
		{pluginsdk.PeerChannel, "456", "", "456", ""},
		{pluginsdk.PeerGroup, "456", "", "456", ""},
		{"", "123", "", "", "ambiguous"},
		{"", "#general", "", "", "not a Discord target"},
		{"", "@alice", "", "", "not a Discord target"},
		{"", "user:alice", "", "", "not a Discord id"},
		{"", "channel:", "", "", "not a Discord id"},
		{"", "<@&789>", "", "", "not a Discord target"},
		{pluginsdk.PeerChannel, "user:123", "", "", "kind is channel"},
		{"", "", "", "", "not a Discord target"},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind)+"/"+tt.id, func(t *testing.T) {
			d, err := parseTarget(pluginsdk.Target{Kind: tt.kind, ID: tt.id})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || d.userID != tt.user || d.channelID != tt.channel {
				t.Fatalf("got %+v, %v; want user %q channel %q", d, err, tt.user, tt.channel)
			}
		})
	}
}

func TestParseConfig(t *testing.T) {
	env := func(vals map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := vals[k]; return v, ok }
	}
	tests := []struct {
		name    string
		json    string
		env     map[string]string
		wantErr []string
		check   func(t *testing.T, c accountConfig)
	}{
		{name: "defaults", json: `{"token":"abc"}`, check: func(t *testing.T, c accountConfig) {
			want(t, "token", c.token, "abc")
			want(t, "attempts", c.retry.attempts, 3)
			want(t, "min delay", c.retry.minDelay, 500*time.Millisecond)
			want(t, "max delay", c.retry.maxDelay, 30*time.Second)
			want(t, "jitter", c.retry.jitter, 0.1)
			want(t, "suppress embeds", c.suppressEmbeds, true)
			want(t, "media max", c.mediaMaxBytes, int64(100<<20))
			want(t, "message content", c.intents&discordgo.IntentsMessageContent != 0, true)
			want(t, "api base", c.apiBase == nil, true)
		}},
		{name: "authorization header pasted", json: `{"token":"Bot abc"}`, check: func(t *testing.T, c accountConfig) { want(t, "token", c.token, "abc") }},
		{name: "env api url", json: `{"token":"abc"}`, env: map[string]string{envAPIURL: "http://127.0.0.1:9/api/v10/"}, check: func(t *testing.T, c accountConfig) {
			want(t, "api base", c.apiBase.String(), "http://127.0.0.1:9/api/v10")
		}},
		{name: "config api url wins", json: `{"token":"abc","apiUrl":"https://proxy.example/api/v10"}`, env: map[string]string{envAPIURL: "http://127.0.0.1:9"}, check: func(t *testing.T, c accountConfig) {
			want(t, "api base", c.apiBase.Host, "proxy.example")
		}},
		{name: "retry and intents", json: `{"token":"abc","retry":{"attempts":5,"minDelayMs":100,"maxDelayMs":1000,"jitter":0},"intents":{"messageContent":false,"guildMembers":true},"mediaMaxMb":8,"suppressEmbeds":false}`, check: func(t *testing.T, c accountConfig) {
			want(t, "attempts", c.retry.attempts, 5)
			want(t, "max delay", c.retry.maxDelay, time.Second)
			want(t, "message content", c.intents&discordgo.IntentsMessageContent != 0, false)
			want(t, "members", c.intents&discordgo.IntentsGuildMembers != 0, true)
			want(t, "media max", c.mediaMaxBytes, int64(8<<20))
			want(t, "suppress embeds", c.suppressEmbeds, false)
		}},
		{name: "no token", json: `{}`, wantErr: []string{"token: not set"}},
		{name: "unresolved secret ref", json: `{"token":{"source":"env","id":"X"}}`, wantErr: []string{"secret reference"}},
		{name: "plain http off loopback", json: `{"token":"a","apiUrl":"http://discord.example/api/v10"}`, wantErr: []string{"apiUrl", "https"}},
		{name: "bad proxy", json: `{"token":"a","proxy":"ftp://x"}`, wantErr: []string{"proxy"}},
		{name: "all problems at once", json: `{"retry":{"attempts":0,"jitter":3,"minDelayMs":10,"maxDelayMs":5},"mediaMaxMb":0,"status":"away"}`,
			wantErr: []string{"token", "retry.attempts", "retry.jitter", "retry.maxDelayMs", "mediaMaxMb", "status"}},
		{name: "streaming without url", json: `{"token":"a","activity":"x","activityType":1}`, wantErr: []string{"activityUrl"}},
		{name: "not json", json: `{`, wantErr: []string{"discord config"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(json.RawMessage(tt.json), env(tt.env))
			for _, w := range tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want it to mention %q", err, w)
				}
			}
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				tt.check(t, c)
			}
		})
	}
}

func restErr(status int) error {
	return &discordgo.RESTError{Response: &http.Response{StatusCode: status, Status: fmt.Sprint(status)}}
}

func TestRetryPolicy(t *testing.T) {
	p := retryPolicy{attempts: 4, minDelay: time.Millisecond, maxDelay: 50 * time.Millisecond, jitter: 0}
	rateLimited := &discordgo.RateLimitError{RateLimit: &discordgo.RateLimit{TooManyRequests: &discordgo.TooManyRequests{RetryAfter: 2 * time.Millisecond}}}
	tests := []struct {
		name      string
		errs      []error // returned by successive calls; then success
		wantCalls int
		wantErr   string
	}{
		{"success", nil, 1, ""},
		{"5xx then success", []error{restErr(500), restErr(503)}, 3, ""},
		{"502 as discordgo reports it", []error{errors.New("Exceeded Max retries HTTP 502 Bad Gateway, {}")}, 2, ""},
		{"rate limited then success", []error{rateLimited}, 2, ""},
		{"network error", []error{io.ErrUnexpectedEOF}, 2, ""},
		{"4xx is final", []error{restErr(403)}, 1, "403"},
		{"401 is final", []error{restErr(401)}, 1, "401"},
		{"attempts run out", []error{restErr(500), restErr(500), restErr(500), restErr(500), restErr(500)}, 4, "4 attempts"},
		{"unknown errors are final", []error{errors.New("boom")}, 1, "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			err := p.do(context.Background(), "op", func(context.Context) error {
				calls++
				if calls <= len(tt.errs) {
					return tt.errs[calls-1]
				}
				return nil
			})
			want(t, "calls", calls, tt.wantCalls)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}

	long := &discordgo.RateLimitError{RateLimit: &discordgo.RateLimit{TooManyRequests: &discordgo.TooManyRequests{RetryAfter: time.Minute}}}
	err := p.do(context.Background(), "op", func(context.Context) error { return long })
	if !errors.Is(err, errRateLimitTooLong) {
		t.Errorf("a minute-long rate limit: %v, want errRateLimitTooLong", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.do(ctx, "op", func(context.Context) error { return restErr(500) }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestRetryBackoff(t *testing.T) {
	p := retryPolicy{attempts: 10, minDelay: 500 * time.Millisecond, maxDelay: 30 * time.Second, jitter: 0.1}
	for attempt, base := range map[int]time.Duration{1: 500 * time.Millisecond, 2: time.Second, 3: 2 * time.Second, 8: 30 * time.Second, 9: 30 * time.Second} {
		for range 20 {
			d := p.backoff(attempt)
			if d < base*9/10 || d > base*11/10 {
				t.Fatalf("backoff(%d) = %s, want %s ±10%%", attempt, d, base)
			}
		}
	}
	rl := &discordgo.RateLimitError{RateLimit: &discordgo.RateLimit{TooManyRequests: &discordgo.TooManyRequests{RetryAfter: time.Second}}}
	for range 20 {
		if d, ok := p.classify(rl, 1); !ok || d < time.Second {
			t.Fatalf("rate limit wait %s: never earlier than retry_after", d)
		}
	}
}

func TestReconnectDelay(t *testing.T) {
	a := &account{opts: options{reconnectMin: 2 * time.Second, reconnectMax: 30 * time.Second}}
	for failures, wantD := range map[int]time.Duration{1: 0, 2: 2 * time.Second, 3: 4 * time.Second, 5: 16 * time.Second, 6: 30 * time.Second, 50: 30 * time.Second} {
		want(t, fmt.Sprintf("delay after %d failures", failures), a.reconnectDelay(failures), wantD)
	}
}

func TestToInboundEdgeCases(t *testing.T) {
	const bot = "100"
	user := &discordgo.User{ID: "200", Username: "alice", GlobalName: "Alice"}
	tests := []struct {
		name  string
		m     *discordgo.Message
		c     convo
		skip  bool
		check func(t *testing.T, in pluginsdk.InboundMessage)
	}{
		{name: "own message", m: &discordgo.Message{ID: "1", Author: &discordgo.User{ID: bot, Bot: true}}, skip: true},
		{name: "no author", m: &discordgo.Message{ID: "1"}, skip: true},
		{name: "member joined", m: &discordgo.Message{ID: "1", Type: discordgo.MessageTypeGuildMemberJoin, Author: user, GuildID: "9"}, skip: true},
		{name: "pinned notice", m: &discordgo.Message{ID: "1", Type: discordgo.MessageTypeChannelPinnedMessage, Author: user, GuildID: "9"}, skip: true},
		{name: "thread with unknown parent stays a channel", m: &discordgo.Message{ID: "1", ChannelID: "50", GuildID: "9", Author: user},
			c: convo{ch: chanFacts{id: "50", kind: discordgo.ChannelTypeGuildPublicThread}},
			check: func(t *testing.T, in pluginsdk.InboundMessage) {
				want(t, "peer", in.PeerID, "50")
				want(t, "thread", in.ThreadID, "")
			}},
		{name: "guild from channel facts (REST history has no guild_id)", m: &discordgo.Message{ID: "1", ChannelID: "50", Author: user},
			c: convo{ch: chanFacts{id: "50", guildID: "9", name: "general", kind: discordgo.ChannelTypeGuildText}},
			check: func(t *testing.T, in pluginsdk.InboundMessage) {
				want(t, "kind", in.PeerKind, pluginsdk.PeerChannel)
				want(t, "guild", in.GuildID, "9")
			}},
		{name: "forwarded message", m: &discordgo.Message{ID: "1", ChannelID: "50", Author: user, Content: "look",
			MessageReference: &discordgo.MessageReference{Type: discordgo.MessageReferenceTypeForward, MessageID: "7"},
			MessageSnapshots: []discordgo.MessageSnapshot{{Message: &discordgo.Message{Content: "original words",
				Attachments: []*discordgo.MessageAttachment{{URL: "https://cdn.example/a.mp3", Filename: "a.mp3"}}}}}},
			check: func(t *testing.T, in pluginsdk.InboundMessage) {
				want(t, "text", in.Text, "look\n\n[Forwarded message]\noriginal words")
				want(t, "reply", in.ReplyTo == nil, true)
				if len(in.Media) != 1 || in.Media[0].Kind != "audio" {
					t.Errorf("media = %+v", in.Media)
				}
			}},
		{name: "sticker", m: &discordgo.Message{ID: "1", ChannelID: "50", Author: user, StickerItems: []*discordgo.StickerItem{{ID: "77", Name: "wave", FormatType: discordgo.StickerFormatTypeGIF}}},
			check: func(t *testing.T, in pluginsdk.InboundMessage) {
				if len(in.Media) != 1 || in.Media[0].Kind != "sticker" || !strings.HasSuffix(in.Media[0].URL, "stickers/77.gif") {
					t.Errorf("media = %+v", in.Media)
				}
			}},
		{name: "deleted reply target", m: &discordgo.Message{ID: "1", ChannelID: "50", Author: user, Type: discordgo.MessageTypeReply,
			MessageReference: &discordgo.MessageReference{MessageID: "7"}},
			check: func(t *testing.T, in pluginsdk.InboundMessage) {
				if in.ReplyTo == nil || in.ReplyTo.MessageID != "7" || in.ReplyTo.ToBot || in.BotMentioned {
					t.Errorf("reply = %+v, mentioned %v", in.ReplyTo, in.BotMentioned)
				}
			}},
		{name: "other role is not the bot", m: &discordgo.Message{ID: "1", ChannelID: "50", GuildID: "9", Author: user, MentionRoles: []string{"5"}},
			c: convo{guild: guildFacts{botRoles: map[string]bool{"6": true}}},
			check: func(t *testing.T, in pluginsdk.InboundMessage) {
				want(t, "mentioned", in.BotMentioned, false)
				want(t, "ids", strings.Join(in.MentionedIDs, ","), "role:5")
			}},
		{name: "everyone is not a bot mention", m: &discordgo.Message{ID: "1", ChannelID: "50", GuildID: "9", Author: user, MentionEveryone: true, Content: "@everyone"},
			check: func(t *testing.T, in pluginsdk.InboundMessage) {
				want(t, "mentioned", in.BotMentioned, false)
				want(t, "everyone", in.Metadata["mentionEveryone"], "true")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, ok := toInbound("default", bot, tt.m, tt.c)
			if ok == tt.skip {
				t.Fatalf("ok = %v, want %v", ok, !tt.skip)
			}
			if ok {
				tt.check(t, in)
			}
		})
	}
}

func TestReactionEmoji(t *testing.T) {
	for in, out := range map[string]string{"👀": "👀", " ✅ ": "✅", "<:party:123>": "party:123", "<a:dance:456>": "dance:456", "party:123": "party:123", "": ""} {
		want(t, in, reactionEmoji(in), out)
	}
}

func TestRecentForgetsOldest(t *testing.T) {
	r := newRecent[int, int](3)
	for i := range 10 {
		r.put(i, i*i)
	}
	want(t, "len", r.len(), 3)
	if _, ok := r.get(6); ok {
		t.Error("kept an evicted key")
	}
	if v, ok := r.get(9); !ok || v != 81 {
		t.Errorf("newest = %v, %v", v, ok)
	}
}

func TestSentLog(t *testing.T) {
	l := newSentLog()
	var calls atomic.Int32
	send := func() (pluginsdk.SendResult, error) {
		n := calls.Add(1)
		time.Sleep(time.Millisecond)
		return pluginsdk.SendResult{MessageIDs: []string{fmt.Sprint(n)}}, nil
	}
	var wg sync.WaitGroup
	results := make([]string, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := l.do(context.Background(), "k", send)
			if err != nil {
				t.Error(err)
			}
			results[i] = res.MessageIDs[0]
		}()
	}
	wg.Wait()
	want(t, "sends", calls.Load(), int32(1))
	for _, r := range results {
		want(t, "result", r, "1")
	}

	// A failed send is tried again; an empty key is never deduplicated.
	failing := true
	flaky := func() (pluginsdk.SendResult, error) {
		calls.Add(1)
		if failing {
			return pluginsdk.SendResult{}, errors.New("down")
		}
		return pluginsdk.SendResult{MessageIDs: []string{"ok"}}, nil
	}
	if _, err := l.do(context.Background(), "f", flaky); err == nil {
		t.Fatal("want the failure")
	}
	failing = false
	if res, err := l.do(context.Background(), "f", flaky); err != nil || res.MessageIDs[0] != "ok" {
		t.Fatalf("retry after failure: %v, %v", res, err)
	}
	before := calls.Load()
	_, _ = l.do(context.Background(), "", send)
	_, _ = l.do(context.Background(), "", send)
	want(t, "unkeyed sends", calls.Load()-before, int32(2))
}

func TestNonce(t *testing.T) {
	a, b := nonce("key", 0), nonce("key", 1)
	if len(a) != 25 || a == b || a != nonce("key", 0) {
		t.Errorf("nonce: %q %q", a, b)
	}
}

func TestSnowflakes(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	id := snowflakeAt(at)
	if !snowflakeTime(id).Equal(at) {
		t.Errorf("round trip %s -> %s -> %s", at, id, snowflakeTime(id))
	}
	if !idLess("999", "1000") || idLess("1000", "999") || !idLess("", "1") {
		t.Error("idLess must order numerically")
	}
}
