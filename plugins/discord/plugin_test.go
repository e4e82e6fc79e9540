package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	fake "github.com/openclaw-go/openclaw/e2e/fakes/discord"
	"github.com/openclaw-go/openclaw/pluginsdk"
	"github.com/openclaw-go/openclaw/pluginsdk/plugintest"
)

// wait bounds every wait in these tests; it is a deadlock guard, not a
// speed requirement.
const wait = 20 * time.Second

type rig struct {
	t    *testing.T
	fake *fake.Server
	h    *plugintest.Harness
	ch   *discordChannel
	w    fake.World
}

func testOptions() options {
	o := defaultOptions(nil)
	o.reconnectMin, o.reconnectMax = 20*time.Millisecond, 200*time.Millisecond
	o.emitRetries, o.emitBackoff = 3, 5*time.Millisecond
	return o
}

func newRig(t *testing.T, fo fake.Options) *rig {
	t.Helper()
	f := fake.New(fo)
	t.Cleanup(f.Close)
	ch := newChannel(testOptions())
	h := plugintest.New(t, newPlugin(ch))
	if err := h.Configure(t.Context(), `{}`); err != nil {
		t.Fatal(err)
	}
	return &rig{t: t, fake: f, h: h, ch: ch, w: f.World()}
}

// config is an account config pointing at the fake; extra is merged in.
func (r *rig) config(token string, extra map[string]any) string {
	cfg := map[string]any{
		"token":  token,
		"apiUrl": r.fake.APIURL(),
		"retry":  map[string]any{"attempts": 3, "minDelayMs": 10, "maxDelayMs": 5000, "jitter": 0.1},
	}
	for k, v := range extra {
		cfg[k] = v
	}
	b, _ := json.Marshal(cfg)
	return string(b)
}

// start runs the default account and waits until the fake has a ready
// gateway connection.
func (r *rig) start(extra map[string]any) {
	r.t.Helper()
	r.startAs("default", r.fake.Token(), extra)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := r.fake.WaitReady(ctx, 1); err != nil {
		r.t.Fatal(err)
	}
	r.waitStatus("default", pluginsdk.StateConnected)
}

func (r *rig) startAs(account, token string, extra map[string]any) {
	r.t.Helper()
	if err := r.h.StartAccount(r.t.Context(), channelID, account, r.config(token, extra)); err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		_ = r.h.StopAccount(ctx, channelID, account)
	})
}

func (r *rig) waitStatus(account string, state pluginsdk.AccountState) pluginsdk.AccountStatus {
	r.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		st, ok := r.h.Host.Status(channelID, account)
		if ok && st.State == state {
			return st
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("account %s: state %q (%+v), want %q", account, st.State, st, state)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitKV waits until the plugin has stored value under key.
func (r *rig) waitKV(key, value string) {
	r.t.Helper()
	deadline := time.Now().Add(wait)
	for string(r.h.Host.KVSnapshot()[key]) != value {
		if time.Now().After(deadline) {
			r.t.Fatalf("kv %s = %q, want %q", key, r.h.Host.KVSnapshot()[key], value)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (r *rig) next() pluginsdk.InboundMessage {
	r.t.Helper()
	return r.h.Host.NextEmit(r.t, wait)
}

func (r *rig) inject(in fake.Inject) fake.Message {
	r.t.Helper()
	m, err := r.fake.Inject(in)
	if err != nil {
		r.t.Fatal(err)
	}
	return m
}

func (r *rig) send(msg pluginsdk.OutboundMessage) (pluginsdk.SendResult, error) {
	msg.Channel, msg.AccountID = channelID, "default"
	return r.h.Send(r.t.Context(), msg)
}

func TestInboundNormalisation(t *testing.T) {
	r := newRig(t, fake.Options{})
	r.start(nil)
	w := r.w
	group := r.fake.AddGroupDM("weekend plans", w.Alice, w.Bob)
	botMsg, err := r.send(pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: "channel:" + w.General.ID}, Text: "I am the bot"})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		in    fake.Inject
		check func(t *testing.T, m pluginsdk.InboundMessage, sent fake.Message)
	}{
		{"dm", fake.Inject{ChannelID: r.fake.DMChannel(w.Bob).ID, Author: w.Bob, Content: "hi there"}, func(t *testing.T, m pluginsdk.InboundMessage, sent fake.Message) {
			want(t, "kind", m.PeerKind, pluginsdk.PeerDM)
			want(t, "peer", m.PeerID, w.Bob.ID)
			want(t, "guild", m.GuildID, "")
			want(t, "text", m.Text, "hi there")
			want(t, "sender name", m.Sender.Name, "Bob")
			want(t, "channelId", m.Metadata["channelId"], sent.ChannelID)
		}},
		{"guild without mention", fake.Inject{ChannelID: w.General.ID, Author: w.Alice, Content: "morning all"}, func(t *testing.T, m pluginsdk.InboundMessage, _ fake.Message) {
			want(t, "kind", m.PeerKind, pluginsdk.PeerChannel)
			want(t, "peer", m.PeerID, w.General.ID)
			want(t, "guild", m.GuildID, w.Guild.ID)
			want(t, "mentioned", m.BotMentioned, false)
			want(t, "title", m.ChatTitle, "general")
			want(t, "guild name", m.Metadata["guildName"], w.Guild.Name)
			want(t, "nick", m.Sender.Name, "Ali")
			want(t, "roles", strings.Join(m.Sender.Roles, ","), w.ModRole.ID)
			want(t, "bot", m.Sender.IsBot, false)
		}},
		{"guild with mention", fake.Inject{ChannelID: w.General.ID, Author: w.Alice, Content: "what's up?", MentionBot: true}, func(t *testing.T, m pluginsdk.InboundMessage, _ fake.Message) {
			want(t, "mentioned", m.BotMentioned, true)
			want(t, "text", m.Text, "<@"+r.fake.BotID()+"> what's up?")
			want(t, "mentioned ids", strings.Join(m.MentionedIDs, ","), r.fake.BotID())
		}},
		{"bot role mention", fake.Inject{ChannelID: w.Help.ID, Author: w.Bob, Content: "help", MentionBotRole: true}, func(t *testing.T, m pluginsdk.InboundMessage, _ fake.Message) {
			want(t, "mentioned", m.BotMentioned, true)
			want(t, "mentioned ids", strings.Join(m.MentionedIDs, ","), "role:"+w.BotRole.ID)
		}},
		{"thread", fake.Inject{ChannelID: w.Thread.ID, Author: w.Bob, Content: "in the thread"}, func(t *testing.T, m pluginsdk.InboundMessage, _ fake.Message) {
			want(t, "kind", m.PeerKind, pluginsdk.PeerChannel)
			want(t, "peer", m.PeerID, w.General.ID)
			want(t, "thread", m.ThreadID, w.Thread.ID)
			want(t, "parent", m.ParentPeerID, w.General.ID)
			want(t, "title", m.ChatTitle, "ideas")
			want(t, "parent name", m.Metadata["parentName"], "general")
		}},
		{"reply to bot", fake.Inject{ChannelID: w.General.ID, Author: w.Bob, Content: "thanks", ReplyTo: botMsg.MessageIDs[0]}, func(t *testing.T, m pluginsdk.InboundMessage, _ fake.Message) {
			if m.ReplyTo == nil {
				t.Fatal("no ReplyTo")
			}
			want(t, "reply id", m.ReplyTo.MessageID, botMsg.MessageIDs[0])
			want(t, "to bot", m.ReplyTo.ToBot, true)
			want(t, "reply text", m.ReplyTo.Text, "I am the bot")
			want(t, "mentioned", m.BotMentioned, true)
		}},
		{"other bot", fake.Inject{ChannelID: w.General.ID, Author: w.OtherBot, Content: "beep"}, func(t *testing.T, m pluginsdk.InboundMessage, _ fake.Message) {
			want(t, "bot", m.Sender.IsBot, true)
			want(t, "sender", m.Sender.ID, w.OtherBot.ID)
		}},
		{"webhook", fake.Inject{ChannelID: w.General.ID, Author: fake.User{ID: "1600000000000000001", Username: "Proxy"}, Content: "proxied", WebhookID: "1700000000000000001"}, func(t *testing.T, m pluginsdk.InboundMessage, _ fake.Message) {
			want(t, "bot", m.Sender.IsBot, true)
			want(t, "webhook", m.Metadata["webhookId"], "1700000000000000001")
		}},
		{"group dm", fake.Inject{ChannelID: group.ID, Author: w.Alice, Content: "group hello"}, func(t *testing.T, m pluginsdk.InboundMessage, _ fake.Message) {
			want(t, "kind", m.PeerKind, pluginsdk.PeerGroup)
			want(t, "peer", m.PeerID, group.ID)
			want(t, "title", m.ChatTitle, "weekend plans")
		}},
		{"attachment", fake.Inject{ChannelID: w.Help.ID, Author: w.Bob, Attachments: []fake.Attachment{{Filename: "cat.png", ContentType: "image/png", Data: []byte("png")}}}, func(t *testing.T, m pluginsdk.InboundMessage, _ fake.Message) {
			if len(m.Media) != 1 {
				t.Fatalf("media = %+v", m.Media)
			}
			want(t, "kind", m.Media[0].Kind, "image")
			want(t, "name", m.Media[0].FileName, "cat.png")
			want(t, "size", m.Media[0].Size, int64(3))
			if !strings.HasPrefix(m.Media[0].URL, r.fake.URL()) {
				t.Errorf("url %q", m.Media[0].URL)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sent := r.inject(tt.in)
			m := r.next()
			want(t, "message id", m.MessageID, sent.ID)
			want(t, "account", m.AccountID, "default")
			want(t, "channel", m.Channel, channelID)
			tt.check(t, m, sent)
		})
	}
}

func want[T comparable](t *testing.T, what string, got, wantV T) {
	t.Helper()
	if got != wantV {
		t.Errorf("%s = %v, want %v", what, got, wantV)
	}
}

func TestOwnMessagesAreNeverEmitted(t *testing.T) {
	r := newRig(t, fake.Options{})
	r.start(nil)
	w := r.w
	// The bot's own sends come back over the gateway, as on Discord.
	if _, err := r.send(pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: "channel:" + w.General.ID}, Text: "echo?"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.fake.SendAsBot(w.General.ID, "<@"+r.fake.BotID()+"> talking to myself"); err != nil {
		t.Fatal(err)
	}
	after := r.inject(fake.Inject{ChannelID: w.General.ID, Author: w.Bob, Content: "sentinel"})
	if m := r.next(); m.MessageID != after.ID {
		t.Fatalf("emitted %q (%q) before the sentinel; the bot's own messages must be ignored", m.MessageID, m.Text)
	}
}

func TestSendTargetsRepliesThreadsAndFlags(t *testing.T) {
	r := newRig(t, fake.Options{})
	r.start(nil)
	w := r.w
	question := r.inject(fake.Inject{ChannelID: w.Thread.ID, Author: w.Alice, Content: "q?"})
	r.next()

	tests := []struct {
		name    string
		msg     pluginsdk.OutboundMessage
		channel string
		check   func(t *testing.T, m fake.Message)
		wantErr string
	}{
		{name: "user target opens a DM", msg: pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: "user:" + w.Alice.ID}, Text: "hello Alice"}, channel: r.fake.DMChannel(w.Alice).ID},
		{name: "mention target", msg: pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: "<@" + w.Bob.ID + ">"}, Text: "hello Bob"}, channel: r.fake.DMChannel(w.Bob).ID},
		{name: "channel target", msg: pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: "channel:" + w.Help.ID}, Text: "hello help"}, channel: w.Help.ID,
			check: func(t *testing.T, m fake.Message) {
				want(t, "suppress embeds flag", m.Flags&4, 4)
			}},
		{name: "bare id with a dm kind", msg: pluginsdk.OutboundMessage{Target: pluginsdk.Target{Kind: pluginsdk.PeerDM, ID: w.Bob.ID}, Text: "dm by kind"}, channel: r.fake.DMChannel(w.Bob).ID},
		{name: "thread reply", msg: pluginsdk.OutboundMessage{Target: pluginsdk.Target{Kind: pluginsdk.PeerChannel, ID: w.General.ID}, ThreadID: w.Thread.ID, ReplyToID: question.ID, Text: "answer", Silent: true}, channel: w.Thread.ID,
			check: func(t *testing.T, m fake.Message) {
				want(t, "type", m.Type, fake.MessageReply)
				if m.MessageReference == nil || m.MessageReference.MessageID != question.ID {
					t.Errorf("reference = %+v, want %s", m.MessageReference, question.ID)
				}
				want(t, "silent flag", m.Flags&(1<<12), 1<<12)
			}},
		{name: "bare id without kind is ambiguous", msg: pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: w.Bob.ID}, Text: "?"}, wantErr: "ambiguous"},
		{name: "name target", msg: pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: "#general"}, Text: "?"}, wantErr: "not a Discord target"},
		{name: "too long", msg: pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: "channel:" + w.Help.ID}, Text: strings.Repeat("x", 2001)}, wantErr: "2001 characters"},
		{name: "unknown channel", msg: pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: "channel:999"}, Text: "?"}, wantErr: "Unknown Channel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := r.send(tt.msg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(res.MessageIDs) != 1 {
				t.Fatalf("send: %v, %v", res, err)
			}
			msgs := r.fake.Messages(tt.channel)
			got := msgs[len(msgs)-1]
			want(t, "id", got.ID, res.MessageIDs[0])
			want(t, "text", got.Content, tt.msg.Text)
			if tt.check != nil {
				tt.check(t, got)
			}
		})
	}
}

func TestSendMedia(t *testing.T) {
	r := newRig(t, fake.Options{})
	r.start(nil)
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/missing.png" {
			http.NotFound(w, req)
			return
		}
		w.Header().Set("Content-Type", "image/jpeg")
		_, _ = w.Write([]byte("jpeg bytes"))
	}))
	defer files.Close()
	var many []pluginsdk.Media
	for i := range 11 {
		many = append(many, pluginsdk.Media{Data: []byte{byte(i)}, FileName: fmt.Sprintf("f%d.bin", i)})
	}
	tests := []struct {
		name      string
		media     []pluginsdk.Media
		text      string
		wantFiles []int // attachments per posted message
		wantText  string
	}{
		{"inline data", []pluginsdk.Media{{Data: []byte("hello"), FileName: "note.txt", MimeType: "text/plain"}}, "see file", []int{1}, "see file"},
		{"url is uploaded", []pluginsdk.Media{{URL: files.URL + "/photo.jpg", Caption: "a photo"}}, "", []int{1}, "a photo"},
		{"unreachable url becomes a link", []pluginsdk.Media{{URL: files.URL + "/missing.png"}}, "look", []int{0}, "look\n" + files.URL + "/missing.png"},
		{"eleven files need two messages", many, "lots", []int{10, 1}, "lots"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(r.fake.Messages(r.w.Help.ID))
			res, err := r.send(pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: "channel:" + r.w.Help.ID}, Text: tt.text, Media: tt.media})
			if err != nil {
				t.Fatal(err)
			}
			posted := r.fake.Messages(r.w.Help.ID)[before:]
			if len(posted) != len(tt.wantFiles) || len(res.MessageIDs) != len(tt.wantFiles) {
				t.Fatalf("posted %d messages (ids %v), want %d", len(posted), res.MessageIDs, len(tt.wantFiles))
			}
			for i, n := range tt.wantFiles {
				want(t, fmt.Sprintf("attachments of message %d", i), len(posted[i].Attachments), n)
			}
			want(t, "text", posted[0].Content, tt.wantText)
		})
	}
	posted := r.fake.Messages(r.w.Help.ID)
	if a := posted[1].Attachments; len(a) != 1 || a[0].Filename != "photo.jpg" || a[0].Size != len("jpeg bytes") {
		t.Errorf("downloaded upload = %+v", a)
	}
}

func TestSendHonoursRateLimits(t *testing.T) {
	tests := []struct {
		name   string
		global bool
	}{{"bucket", false}, {"global", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, fake.Options{})
			r.start(nil)
			r.fake.RateLimitSends(2, 300*time.Millisecond, tt.global)
			res, err := r.send(pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: "channel:" + r.w.General.ID}, Text: "patient"})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.MessageIDs) != 1 || len(r.fake.BotMessages()) != 1 {
				t.Fatalf("res %v, bot messages %d", res, len(r.fake.BotMessages()))
			}
			if v := r.fake.RateLimitViolations(); v != 0 {
				t.Errorf("%d requests ignored retry_after", v)
			}
			want(t, "sends attempted", r.fake.CountRequests("POST", "/channels/"+r.w.General.ID+"/messages"), 3)
		})
	}
}

func TestSendRetryPolicy(t *testing.T) {
	r := newRig(t, fake.Options{})
	r.start(nil)
	target := pluginsdk.Target{ID: "channel:" + r.w.General.ID}

	r.fake.FailSends(2, http.StatusBadGateway)
	if _, err := r.send(pluginsdk.OutboundMessage{Target: target, Text: "third time lucky"}); err != nil {
		t.Fatalf("two 502s then success: %v", err)
	}

	r.fake.FailSends(3, http.StatusInternalServerError)
	_, err := r.send(pluginsdk.OutboundMessage{Target: target, Text: "never"})
	if err == nil || !strings.Contains(err.Error(), "3 attempts") {
		t.Fatalf("three 500s with attempts=3: err = %v", err)
	}

	// A rate limit longer than maxDelayMs fails fast instead of hanging.
	r.fake.RateLimitSends(1, 10*time.Second, false)
	_, err = r.send(pluginsdk.OutboundMessage{Target: target, Text: "too slow"})
	if err == nil || !strings.Contains(err.Error(), "retry.maxDelayMs") {
		t.Fatalf("long rate limit: err = %v", err)
	}
}

func TestIdempotentSend(t *testing.T) {
	r := newRig(t, fake.Options{})
	r.start(nil)
	msg := pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: "channel:" + r.w.General.ID}, Text: "once only", IdempotencyKey: "turn-1/chunk-0"}
	first, err := r.send(msg)
	if err != nil {
		t.Fatal(err)
	}
	second, err := r.send(msg)
	if err != nil {
		t.Fatal(err)
	}
	if first.MessageIDs[0] != second.MessageIDs[0] || len(r.fake.BotMessages()) != 1 {
		t.Fatalf("retried send posted again: %v vs %v, %d messages", first, second, len(r.fake.BotMessages()))
	}
	if r.fake.BotMessages()[0].Nonce == nil {
		t.Error("message sent without a nonce; a retry after a lost response would duplicate it")
	}
}

func TestReactions(t *testing.T) {
	r := newRig(t, fake.Options{})
	r.start(nil)
	m := r.inject(fake.Inject{ChannelID: r.w.Thread.ID, Author: r.w.Alice, Content: "react to me", MentionBot: true})
	in := r.next()
	// The gateway addresses the conversation (the thread's parent); the
	// reaction must still land on the message in the thread.
	// plugintest has no React call yet, so the channel is called directly.
	react := func(emoji string, remove bool) error {
		return r.ch.React(r.t.Context(), pluginsdk.Reaction{
			Channel: channelID, AccountID: "default", Target: pluginsdk.Target{Kind: in.PeerKind, ID: in.PeerID},
			MessageID: in.MessageID, Emoji: emoji, Remove: remove,
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := react("👀", false); err != nil {
		t.Fatal(err)
	}
	if err := r.fake.WaitReaction(ctx, m.ID, "👀", true); err != nil {
		t.Fatal(err)
	}
	if err := react("<:party:123456789>", false); err != nil {
		t.Fatal(err)
	}
	if err := r.fake.WaitReaction(ctx, m.ID, "party:123456789", true); err != nil {
		t.Fatal(err)
	}
	if err := react("👀", true); err != nil {
		t.Fatal(err)
	}
	if err := r.fake.WaitReaction(ctx, m.ID, "👀", false); err != nil {
		t.Fatal(err)
	}
	if err := react("bad:emoji", false); err == nil {
		t.Error("a malformed custom emoji was accepted")
	}
}

func TestInvalidTokenIsReportedNotRetried(t *testing.T) {
	r := newRig(t, fake.Options{})
	r.startAs("default", "wrong-token", nil)
	st := r.waitStatus("default", pluginsdk.StateError)
	if !strings.Contains(st.LastError, "401") {
		t.Errorf("last error %q does not name the rejected token", st.LastError)
	}
	if n := r.fake.CountRequests("GET", "/users/@me"); n != 1 {
		t.Errorf("GET /users/@me called %d times; a rejected token must not be retried", n)
	}

	res, err := r.h.Probe(r.t.Context(), channelID, "default")
	if err != nil || res.GetOk() || !strings.Contains(res.GetError(), "401") {
		t.Errorf("probe with a bad token = %+v, %v", res, err)
	}
}

func TestProbe(t *testing.T) {
	r := newRig(t, fake.Options{})
	r.start(nil)
	res, err := r.h.Probe(r.t.Context(), channelID, "default")
	if err != nil || !res.GetOk() {
		t.Fatalf("probe = %+v, %v", res, err)
	}
	want(t, "bot id", res.GetBotId(), r.fake.BotID())
	want(t, "username", res.GetBotUsername(), "openclaw")
	want(t, "name", res.GetBotName(), "OpenClaw")
}

func TestReconnectAndResumeAfterDrop(t *testing.T) {
	r := newRig(t, fake.Options{})
	r.start(nil)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()

	r.fake.DropConnections()
	// Written while the connection is down: RESUME replays it.
	missed := r.inject(fake.Inject{ChannelID: r.w.General.ID, Author: r.w.Bob, Content: "did you miss me"})
	if err := r.fake.WaitReady(ctx, 2); err != nil {
		t.Fatal(err)
	}
	want(t, "emitted after resume", r.next().MessageID, missed.ID)
	want(t, "resumes", r.fake.Resumes(), 1)

	// Discord asks the client to reconnect (op 7): it resumes.
	r.fake.RequestReconnect()
	if err := r.fake.WaitReady(ctx, 3); err != nil {
		t.Fatal(err)
	}
	want(t, "resumes after op 7", r.fake.Resumes(), 2)

	// A session Discord forgot is identified afresh.
	r.fake.InvalidateSessions()
	r.fake.DropConnections()
	if err := r.fake.WaitReady(ctx, 4); err != nil {
		t.Fatal(err)
	}
	after := r.inject(fake.Inject{ChannelID: r.w.General.ID, Author: r.w.Bob, Content: "new session"})
	want(t, "emitted after re-identify", r.next().MessageID, after.ID)
	want(t, "identifies", r.fake.Identifies(), 2)
	r.waitStatus("default", pluginsdk.StateConnected)
}

func TestDisallowedIntentsAreReported(t *testing.T) {
	r := newRig(t, fake.Options{DenyPrivilegedIntents: true})
	r.startAs("default", r.fake.Token(), nil)
	st := r.waitStatus("default", pluginsdk.StateError)
	if !strings.Contains(st.LastError, "4014") || !strings.Contains(st.LastError, "intents.messageContent") {
		t.Errorf("last error %q does not explain the refused intent", st.LastError)
	}
}

func TestHeartbeatsKeepTheConnection(t *testing.T) {
	r := newRig(t, fake.Options{HeartbeatInterval: 200 * time.Millisecond})
	r.start(nil)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := r.fake.WaitHeartbeats(ctx, 3); err != nil {
		t.Fatal(err)
	}
	m := r.inject(fake.Inject{ChannelID: r.w.General.ID, Author: r.w.Bob, Content: "still there?"})
	want(t, "emitted", r.next().MessageID, m.ID)
}

func TestRevokedTokenWhileConnected(t *testing.T) {
	r := newRig(t, fake.Options{})
	r.start(nil)
	r.fake.RejectToken()
	st := r.waitStatus("default", pluginsdk.StateError)
	if !strings.Contains(st.LastError, "401") {
		t.Errorf("last error %q", st.LastError)
	}
}

func TestMissedMessagesAreFetchedAfterRestart(t *testing.T) {
	r := newRig(t, fake.Options{})
	r.start(nil)
	first := r.inject(fake.Inject{ChannelID: r.w.General.ID, Author: r.w.Bob, Content: "before the crash"})
	want(t, "first", r.next().MessageID, first.ID)
	key := "discord/default/cursor/" + r.w.General.ID
	r.waitKV(key, first.ID)

	// The gateway cannot take messages: the plugin must not advance its
	// cursor, and must deliver the message once the gateway is back.
	r.h.Host.FailEmits(errors.New("gateway restarting"))
	lost := r.inject(fake.Inject{ChannelID: r.w.General.ID, Author: r.w.Bob, Content: "during the outage"})
	r.waitStatus("default", pluginsdk.StateReconnecting)
	if got := string(r.h.Host.KVSnapshot()[key]); got != first.ID {
		t.Fatalf("cursor advanced to %q past a message the gateway never accepted", got)
	}
	r.h.Host.FailEmits(nil)
	want(t, "redelivered", r.next().MessageID, lost.ID)

	// Stopped and started again (a plugin restart): messages written in
	// between arrive through the channel history, the old ones do not.
	if err := r.h.StopAccount(r.t.Context(), channelID, "default"); err != nil {
		t.Fatal(err)
	}
	offline := r.inject(fake.Inject{ChannelID: r.w.General.ID, Author: r.w.Bob, Content: "while you were out"})
	r.startAs("default", r.fake.Token(), nil)
	want(t, "caught up", r.next().MessageID, offline.ID)
	live := r.inject(fake.Inject{ChannelID: r.w.General.ID, Author: r.w.Bob, Content: "live again"})
	want(t, "live", r.next().MessageID, live.ID)
	select {
	case m := <-r.h.Host.Emitted():
		t.Errorf("unexpected extra message %s %q", m.MessageID, m.Text)
	default:
	}
}

func TestIdentifyIntentsAndPresence(t *testing.T) {
	tests := []struct {
		name         string
		extra        map[string]any
		wantIntents  int
		wantPresence string
	}{
		{"defaults", nil, fake.IntentGuilds | fake.IntentGuildMessages | fake.IntentDirectMessages | fake.IntentMessageContent, ""},
		{"no message content", map[string]any{"intents": map[string]any{"messageContent": false}}, fake.IntentGuilds | fake.IntentGuildMessages | fake.IntentDirectMessages, ""},
		{"presence", map[string]any{"status": "idle", "activity": "Focus time"}, fake.IntentGuilds | fake.IntentGuildMessages | fake.IntentDirectMessages | fake.IntentMessageContent, `"status":"idle"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, fake.Options{})
			r.start(tt.extra)
			got := r.fake.LastIdentify()
			want(t, "intents", got.Intents, tt.wantIntents)
			if tt.wantPresence != "" && !strings.Contains(string(got.Presence), tt.wantPresence) {
				t.Errorf("presence = %s, want %s", got.Presence, tt.wantPresence)
			}
		})
	}
}

func TestBadConfigIsPermanent(t *testing.T) {
	r := newRig(t, fake.Options{})
	if err := r.h.StartAccount(r.t.Context(), channelID, "default", `{"retry":{"attempts":0}}`); err != nil {
		t.Fatal(err)
	}
	st := r.waitStatus("default", pluginsdk.StateError)
	for _, part := range []string{"token: not set", "retry.attempts"} {
		if !strings.Contains(st.LastError, part) {
			t.Errorf("error %q does not mention %q", st.LastError, part)
		}
	}
}
