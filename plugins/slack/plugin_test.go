package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	slackfake "github.com/openclaw-go/openclaw/e2e/fakes/slack"
	"github.com/openclaw-go/openclaw/pluginsdk"
	"github.com/openclaw-go/openclaw/pluginsdk/plugintest"
)

const wait = 10 * time.Second

// rig is a plugin served in-process against a fake workspace.
type rig struct {
	t    *testing.T
	fake *slackfake.Server
	h    *plugintest.Harness
	// ch is the plugin's channel, for calls the harness does not offer.
	ch *slackChannel
}

func newRig(t *testing.T, extra map[string]any) *rig {
	t.Helper()
	f := slackfake.New(slackfake.Options{})
	t.Cleanup(f.Close)
	f.AddChannel(slackfake.Channel{ID: "C0GENERAL", Name: "general", Type: "channel"})
	f.AddChannel(slackfake.Channel{ID: "G0SECRET", Name: "secret", Type: "group"})
	f.AddUser(slackfake.User{ID: "U0ALICE", Name: "alice", RealName: "Alice Liddell"})
	f.AddUser(slackfake.User{ID: "U0OTHERBOT", Name: "otherbot", RealName: "Other Bot", IsBot: true})
	ch := newSlackChannel(nil)
	h := plugintest.New(t, plugin(ch))
	stopAtEnd(t, h)
	if err := h.Configure(t.Context(), `{}`); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	r := &rig{t: t, fake: f, h: h, ch: ch}
	r.start("default", extra)
	return r
}

// stopAtEnd stops every account before the harness and the fake go away,
// so no account outlives its test.
func stopAtEnd(t *testing.T, h *plugintest.Harness) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		_ = h.Shutdown(ctx)
	})
}

func (r *rig) config(extra map[string]any) string {
	cfg := map[string]any{"botToken": r.fake.BotToken(), "appToken": r.fake.AppToken(), "apiUrl": r.fake.APIURL(),
		"retry": map[string]any{"minDelayMs": 10, "maxDelayMs": 50}}
	for k, v := range extra {
		cfg[k] = v
	}
	b, _ := json.Marshal(cfg)
	return string(b)
}

func (r *rig) start(account string, extra map[string]any) {
	r.t.Helper()
	if err := r.h.StartAccount(r.t.Context(), "slack", account, r.config(extra)); err != nil {
		r.t.Fatalf("StartAccount: %v", err)
	}
}

func (r *rig) waitConnected(n int) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(r.t.Context(), wait)
	defer cancel()
	if err := r.fake.WaitConnections(ctx, n); err != nil {
		r.t.Fatal(err)
	}
	r.waitState(pluginsdk.StateConnected)
}

func (r *rig) waitState(want pluginsdk.AccountState) pluginsdk.AccountStatus {
	r.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		st, _ := r.h.Host.Status("slack", "default")
		if st.State == want {
			return st
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("account state = %q (%s), want %q", st.State, st.LastError, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *rig) waitAcked(ids ...string) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(r.t.Context(), wait)
	defer cancel()
	for _, id := range ids {
		if err := r.fake.WaitAcked(ctx, id); err != nil {
			r.t.Fatal(err)
		}
	}
}

// noEmit fails if a message was emitted; call after the envelopes that
// would have carried one were acknowledged, so nothing is in flight.
func (r *rig) noEmit() {
	r.t.Helper()
	select {
	case m := <-r.h.Host.Emitted():
		r.t.Fatalf("unexpected inbound message %+v", m)
	default:
	}
}

func TestInboundNormalisation(t *testing.T) {
	r := newRig(t, map[string]any{"channels": map[string]any{"#general": map[string]any{"requireMention": true}}})
	r.waitConnected(1)
	bot := r.fake.BotUserID()

	tests := []struct {
		name  string
		msg   slackfake.Message
		check func(t *testing.T, got pluginsdk.InboundMessage, d slackfake.Delivery)
	}{
		{"dm", slackfake.Message{Channel: "D0ALICE", ChannelType: "im", User: "U0ALICE", Text: "hello &amp; welcome"},
			func(t *testing.T, got pluginsdk.InboundMessage, d slackfake.Delivery) {
				want := pluginsdk.InboundMessage{Channel: "slack", AccountID: "default", MessageID: d.TS, PeerKind: pluginsdk.PeerDM, PeerID: "U0ALICE", Text: "hello & welcome"}
				if got.Channel != want.Channel || got.AccountID != want.AccountID || got.MessageID != want.MessageID ||
					got.PeerKind != want.PeerKind || got.PeerID != want.PeerID || got.Text != want.Text {
					t.Errorf("got %+v, want %+v", got, want)
				}
				if got.Sender.ID != "U0ALICE" || got.Sender.Username != "alice" || got.Sender.Name != "Alice Liddell" || got.Sender.IsBot {
					t.Errorf("sender = %+v", got.Sender)
				}
				if got.Metadata["channelId"] != "D0ALICE" || got.TeamID != r.fake.TeamID() || got.Timestamp.IsZero() {
					t.Errorf("metadata %v team %q ts %v", got.Metadata, got.TeamID, got.Timestamp)
				}
			}},
		{"channel with mention", slackfake.Message{Channel: "C0GENERAL", User: "U0ALICE", Text: "<@" + bot + "> what is <#C0GENERAL|general>?"},
			func(t *testing.T, got pluginsdk.InboundMessage, _ slackfake.Delivery) {
				if got.PeerKind != pluginsdk.PeerChannel || got.PeerID != "C0GENERAL" || !got.BotMentioned {
					t.Errorf("got kind %q peer %q mentioned %v", got.PeerKind, got.PeerID, got.BotMentioned)
				}
				if got.Text != "@openclaw what is #general?" {
					t.Errorf("text = %q", got.Text)
				}
				if len(got.MentionedIDs) != 1 || got.MentionedIDs[0] != bot {
					t.Errorf("mentioned = %v", got.MentionedIDs)
				}
				if got.ChatTitle != "#general" || got.Metadata["channelName"] != "general" || got.Metadata["channelConfigKey"] != "#general" {
					t.Errorf("title %q metadata %v", got.ChatTitle, got.Metadata)
				}
			}},
		{"channel without mention", slackfake.Message{Channel: "C0GENERAL", User: "U0ALICE", Text: "just chatting"},
			func(t *testing.T, got pluginsdk.InboundMessage, _ slackfake.Delivery) {
				if got.BotMentioned || len(got.MentionedIDs) != 0 {
					t.Errorf("mentioned %v %v", got.BotMentioned, got.MentionedIDs)
				}
			}},
		{"thread reply to bot", slackfake.Message{Channel: "G0SECRET", User: "U0ALICE", Text: "and then?", ThreadTS: "1700000000.000100", ParentUserID: bot},
			func(t *testing.T, got pluginsdk.InboundMessage, _ slackfake.Delivery) {
				if got.PeerKind != pluginsdk.PeerChannel || got.ThreadID != "1700000000.000100" || got.ParentPeerID != "G0SECRET" {
					t.Errorf("kind %q thread %q parent %q", got.PeerKind, got.ThreadID, got.ParentPeerID)
				}
				if got.ReplyTo == nil || !got.ReplyTo.ToBot || got.ReplyTo.MessageID != "1700000000.000100" {
					t.Errorf("reply to = %+v", got.ReplyTo)
				}
			}},
		{"thread reply to someone else", slackfake.Message{Channel: "C0GENERAL", User: "U0ALICE", Text: "me too", ThreadTS: "1700000000.000200", ParentUserID: "U0BOB"},
			func(t *testing.T, got pluginsdk.InboundMessage, _ slackfake.Delivery) {
				if got.ReplyTo == nil || got.ReplyTo.ToBot || got.ReplyTo.SenderID != "U0BOB" {
					t.Errorf("reply to = %+v", got.ReplyTo)
				}
			}},
		{"group dm", slackfake.Message{Channel: "G0MPIM", ChannelType: "mpim", User: "U0ALICE", Text: "hi all"},
			func(t *testing.T, got pluginsdk.InboundMessage, _ slackfake.Delivery) {
				if got.PeerKind != pluginsdk.PeerGroup || got.PeerID != "G0MPIM" {
					t.Errorf("kind %q peer %q", got.PeerKind, got.PeerID)
				}
			}},
		{"other bot", slackfake.Message{Channel: "C0GENERAL", BotID: "B0OTHER", Username: "deploybot", Text: "deployed"},
			func(t *testing.T, got pluginsdk.InboundMessage, _ slackfake.Delivery) {
				if !got.Sender.IsBot || got.Sender.ID != "B0OTHER" || got.Sender.Username != "deploybot" {
					t.Errorf("sender = %+v", got.Sender)
				}
			}},
		{"bot user", slackfake.Message{Channel: "C0GENERAL", User: "U0OTHERBOT", Text: "beep"},
			func(t *testing.T, got pluginsdk.InboundMessage, _ slackfake.Delivery) {
				if !got.Sender.IsBot {
					t.Errorf("sender = %+v, want IsBot", got.Sender)
				}
			}},
		{"file", slackfake.Message{Channel: "D0ALICE", ChannelType: "im", User: "U0ALICE", Files: []slackfake.File{{ID: "F1", Name: "cat.png", Mimetype: "image/png", Size: 42, URLPrivate: "https://files.example/cat.png"}}},
			func(t *testing.T, got pluginsdk.InboundMessage, _ slackfake.Delivery) {
				if len(got.Media) != 1 || got.Media[0].Kind != "image" || got.Media[0].FileName != "cat.png" || got.Media[0].URL != "https://files.example/cat.png" || got.Media[0].Size != 42 {
					t.Errorf("media = %+v", got.Media)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := r.fake.InjectMessage(tt.msg)
			got := r.h.Host.NextEmit(t, wait)
			if got.MessageID != d.TS {
				t.Fatalf("message id = %q, want %q", got.MessageID, d.TS)
			}
			tt.check(t, got, d)
			r.waitAcked(d.EnvelopeIDs...)
		})
	}
}

func TestIgnoredEvents(t *testing.T) {
	r := newRig(t, nil)
	r.waitConnected(1)
	var envs []string
	for _, m := range []slackfake.Message{
		{Channel: "C0GENERAL", User: r.fake.BotUserID(), Text: "my own words"},
		{Channel: "C0GENERAL", BotID: r.fake.BotID(), Text: "my own bot post"},
		{Channel: "C0GENERAL", User: "U0ALICE", Subtype: "channel_join", Text: "<@U0ALICE> has joined"},
		{Channel: "C0GENERAL", User: "U0ALICE", Text: "   "},
	} {
		envs = append(envs, r.fake.InjectMessage(m).EnvelopeIDs...)
	}
	envs = append(envs, r.fake.InjectEvent(map[string]any{"type": "reaction_added", "user": "U0ALICE", "reaction": "eyes"}))
	r.waitAcked(envs...)
	r.noEmit()
}

func TestOwnEchoIgnoredAfterSend(t *testing.T) {
	r := newRig(t, nil)
	r.waitConnected(1)
	res, err := r.h.Send(t.Context(), pluginsdk.OutboundMessage{Channel: "slack", AccountID: "default", Target: pluginsdk.Target{Kind: pluginsdk.PeerChannel, ID: "C0GENERAL"}, Text: "hello"})
	if err != nil || len(res.MessageIDs) != 1 {
		t.Fatalf("Send = %v, %v", res, err)
	}
	// The fake echoes the post back as a message event, as Slack does.
	ctx, cancel := context.WithTimeout(t.Context(), wait)
	defer cancel()
	for len(r.fake.Unacked()) > 0 || r.fake.Calls("chat.postMessage") == 0 {
		if ctx.Err() != nil {
			t.Fatalf("echo not acknowledged: %v", r.fake.Unacked())
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.noEmit()
}

func TestAppMentionAndMessageDeliverOnce(t *testing.T) {
	r := newRig(t, nil)
	r.waitConnected(1)
	d := r.fake.InjectMessage(slackfake.Message{Channel: "C0GENERAL", User: "U0ALICE", Text: "<@" + r.fake.BotUserID() + "> hi", AppMention: true})
	got := r.h.Host.NextEmit(t, wait)
	if !got.BotMentioned || got.MessageID != d.TS {
		t.Fatalf("got %+v", got)
	}
	r.waitAcked(d.EnvelopeIDs...)
	r.noEmit()
}

func TestAckOnlyAfterEmit(t *testing.T) {
	r := newRig(t, nil)
	r.waitConnected(1)
	r.h.Host.FailEmits(errors.New("gateway busy"))
	d := r.fake.InjectMessage(slackfake.Message{Channel: "D0ALICE", ChannelType: "im", User: "U0ALICE", Text: "do not lose me"})
	// The failed emit ends the connection; the account reconnects with
	// backoff and Slack redelivers the unacknowledged envelope.
	ctx, cancel := context.WithTimeout(t.Context(), wait)
	defer cancel()
	if err := r.fake.WaitConnections(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if r.fake.Acked(d.EnvelopeIDs[0]) {
		t.Fatal("envelope acknowledged although the gateway refused the message")
	}
	r.h.Host.FailEmits(nil)
	got := r.h.Host.NextEmit(t, wait)
	if got.MessageID != d.TS || got.Text != "do not lose me" {
		t.Fatalf("got %+v", got)
	}
	r.waitAcked(d.EnvelopeIDs...)
	if n := r.fake.Deliveries(d.EnvelopeIDs[0]); n < 2 {
		t.Errorf("deliveries = %d, want a redelivery", n)
	}
}

func TestRedeliveryAfterCrashIsDeduplicated(t *testing.T) {
	r := newRig(t, nil)
	r.waitConnected(1)
	msg := slackfake.Message{Channel: "D0ALICE", ChannelType: "im", User: "U0ALICE", Text: "once", TS: "1700000001.000001"}
	first := r.fake.InjectMessage(msg)
	r.h.Host.NextEmit(t, wait)
	r.waitAcked(first.EnvelopeIDs...)
	// Slack delivers the same message again, as after a crash that lost the
	// ack: the gateway reports a duplicate and the plugin still acks it.
	again := r.fake.InjectMessage(msg)
	r.waitAcked(again.EnvelopeIDs...)
	r.noEmit()
}

func TestReconnect(t *testing.T) {
	for _, tt := range []struct {
		name  string
		fault func(*slackfake.Server)
	}{
		{"dropped connection", (*slackfake.Server).Disconnect},
		{"refresh requested", (*slackfake.Server).RequestRefresh},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, nil)
			r.waitConnected(1)
			tt.fault(r.fake)
			r.waitConnected(2)
			d := r.fake.InjectMessage(slackfake.Message{Channel: "D0ALICE", ChannelType: "im", User: "U0ALICE", Text: "still there?"})
			if got := r.h.Host.NextEmit(t, wait); got.MessageID != d.TS {
				t.Fatalf("got %+v", got)
			}
			r.waitAcked(d.EnvelopeIDs...)
		})
	}
}

func TestInvalidTokenIsPermanent(t *testing.T) {
	r := &rig{t: t, fake: slackfake.New(slackfake.Options{})}
	t.Cleanup(r.fake.Close)
	r.fake.RejectTokens(true)
	r.h = plugintest.New(t, plugin(newSlackChannel(nil)))
	stopAtEnd(t, r.h)
	if err := r.h.Configure(t.Context(), `{}`); err != nil {
		t.Fatal(err)
	}
	r.start("default", nil)
	st := r.waitState(pluginsdk.StateError)
	if !strings.Contains(st.LastError, "invalid_auth") {
		t.Errorf("last error = %q", st.LastError)
	}
	// Parked, not crash-looping: a retry would call auth.test again after
	// the SDK's one-second minimum backoff.
	time.Sleep(1500 * time.Millisecond)
	if n := r.fake.Calls("auth.test"); n != 1 {
		t.Errorf("auth.test called %d times, want 1", n)
	}
	if st, _ := r.h.Host.Status("slack", "default"); st.State != pluginsdk.StateError {
		t.Errorf("state = %q, want error", st.State)
	}
}

func TestBadConfigIsPermanent(t *testing.T) {
	f := slackfake.New(slackfake.Options{})
	t.Cleanup(f.Close)
	h := plugintest.New(t, plugin(newSlackChannel(nil)))
	stopAtEnd(t, h)
	if err := h.Configure(t.Context(), `{}`); err != nil {
		t.Fatal(err)
	}
	if err := h.StartAccount(t.Context(), "slack", "default", `{"botToken":"xoxb-1"}`); err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, fake: f, h: h}
	st := r.waitState(pluginsdk.StateError)
	if !strings.Contains(st.LastError, "appToken is required") {
		t.Errorf("last error = %q", st.LastError)
	}
}

func send(t *testing.T, r *rig, msg pluginsdk.OutboundMessage) (pluginsdk.SendResult, error) {
	t.Helper()
	msg.Channel, msg.AccountID = "slack", "default"
	return r.h.Send(t.Context(), msg)
}

func TestSend(t *testing.T) {
	r := newRig(t, nil)
	r.waitConnected(1)
	// A DM seen inbound teaches the plugin the DM channel of that user.
	r.fake.InjectMessage(slackfake.Message{Channel: "D0ALICE", ChannelType: "im", User: "U0ALICE", Text: "hi"})
	r.h.Host.NextEmit(t, wait)

	tests := []struct {
		name        string
		msg         pluginsdk.OutboundMessage
		wantChannel string
		wantThread  string
		wantText    string
	}{
		{"dm by peer id", pluginsdk.OutboundMessage{Target: pluginsdk.Target{Kind: pluginsdk.PeerDM, ID: "U0ALICE"}, Text: "hello"}, "D0ALICE", "", "hello"},
		{"user target opens a dm", pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: "user:U0OTHERBOT"}, Text: "psst"}, "D0OTHERBOT", "", "psst"},
		{"channel target", pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: "channel:C0GENERAL"}, Text: "**bold** move"}, "C0GENERAL", "", "*bold* move"},
		{"channel by name", pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: "#secret"}, Text: "x", Format: "plain"}, "G0SECRET", "", "x"},
		{"thread", pluginsdk.OutboundMessage{Target: pluginsdk.Target{Kind: pluginsdk.PeerChannel, ID: "C0GENERAL"}, Text: "in thread", ThreadID: "1700000000.000100"}, "C0GENERAL", "1700000000.000100", "in thread"},
		{"reply to starts a thread", pluginsdk.OutboundMessage{Target: pluginsdk.Target{Kind: pluginsdk.PeerChannel, ID: "C0GENERAL"}, Text: "replying", ReplyToID: "1700000000.000300"}, "C0GENERAL", "1700000000.000300", "replying"},
		{"url media becomes a link", pluginsdk.OutboundMessage{Target: pluginsdk.Target{Kind: pluginsdk.PeerChannel, ID: "C0GENERAL"}, Text: "see", Media: []pluginsdk.Media{{URL: "https://example.com/a.png"}}}, "C0GENERAL", "", "see\nhttps://example.com/a.png"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(r.fake.Posted())
			res, err := send(t, r, tt.msg)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			posted := r.fake.Posted()
			if len(posted) != before+1 {
				t.Fatalf("posted %d messages, want 1", len(posted)-before)
			}
			p := posted[before]
			if p.Channel != tt.wantChannel || p.ThreadTS != tt.wantThread || p.Text != tt.wantText {
				t.Errorf("posted %+v, want channel %q thread %q text %q", p, tt.wantChannel, tt.wantThread, tt.wantText)
			}
			if len(res.MessageIDs) != 1 || res.MessageIDs[0] != p.TS {
				t.Errorf("result %v, want [%s]", res.MessageIDs, p.TS)
			}
			if p.UnfurlLinks != "false" {
				t.Errorf("unfurl_links = %q, want false by default", p.UnfurlLinks)
			}
		})
	}

	for _, bad := range []pluginsdk.Target{{ID: "general"}, {ID: "channel:nope"}, {ID: "#missing"}, {}} {
		if _, err := send(t, r, pluginsdk.OutboundMessage{Target: bad, Text: "x"}); err == nil {
			t.Errorf("target %+v: want an error", bad)
		}
	}
	if _, err := send(t, r, pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: "channel:C0GENERAL"}}); err == nil {
		t.Error("empty message: want an error")
	}
}

func TestSendMediaUpload(t *testing.T) {
	r := newRig(t, nil)
	r.waitConnected(1)
	res, err := send(t, r, pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: "channel:C0GENERAL"}, ThreadID: "1700000000.000100",
		Media: []pluginsdk.Media{{Data: []byte("PNGDATA"), FileName: "chart.png", MimeType: "image/png", Caption: "the chart"}}})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	ups := r.fake.Uploads()
	if len(ups) != 1 || string(ups[0].Data) != "PNGDATA" || ups[0].Channel != "C0GENERAL" || ups[0].ThreadTS != "1700000000.000100" || ups[0].Comment != "the chart" {
		t.Fatalf("uploads = %+v", ups)
	}
	if len(res.MessageIDs) != 1 || res.MessageIDs[0] != ups[0].FileID {
		t.Errorf("result = %v", res.MessageIDs)
	}
	if n := len(r.fake.Posted()); n != 0 {
		t.Errorf("posted %d text messages, want none", n)
	}
}

func TestSendRateLimitAndRetry(t *testing.T) {
	r := newRig(t, nil)
	r.waitConnected(1)
	r.fake.RateLimit("chat.postMessage", 1, time.Second)
	msg := pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: "channel:C0GENERAL"}, Text: "patience"}
	if _, err := send(t, r, msg); err != nil {
		t.Fatalf("Send after one 429: %v", err)
	}
	if n := r.fake.Calls("chat.postMessage"); n != 2 {
		t.Errorf("chat.postMessage called %d times, want 2", n)
	}

	// Rate-limited past the attempts: the error reaches the gateway.
	r.fake.RateLimit("chat.postMessage", 3, time.Second)
	if _, err := send(t, r, msg); err == nil || !strings.Contains(err.Error(), "rate limit") {
		t.Errorf("Send after three 429s = %v, want a rate limit error", err)
	}

	// Server errors are not replayed: the message may have been posted.
	// Let the last 429's window close first, so the fake answers the 500.
	time.Sleep(1100 * time.Millisecond)
	r.fake.FailNext("chat.postMessage", 1, 500)
	before := r.fake.Calls("chat.postMessage")
	if _, err := send(t, r, msg); err == nil {
		t.Error("Send after a 500: want an error")
	}
	if n := r.fake.Calls("chat.postMessage") - before; n != 1 {
		t.Errorf("a 500 was tried %d times, want 1", n)
	}
}

func TestSendIdempotent(t *testing.T) {
	r := newRig(t, nil)
	r.waitConnected(1)
	msg := pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: "channel:C0GENERAL"}, Text: "once only", IdempotencyKey: "run-1/chunk-0"}
	first, err := send(t, r, msg)
	if err != nil {
		t.Fatal(err)
	}
	second, err := send(t, r, msg)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.fake.Posted()) != 1 || first.MessageIDs[0] != second.MessageIDs[0] {
		t.Errorf("posted %d, results %v %v", len(r.fake.Posted()), first, second)
	}
}

func TestSlashCommand(t *testing.T) {
	r := newRig(t, map[string]any{"slashCommand": map[string]any{"enabled": true}})
	r.waitConnected(1)
	env, trigger := r.fake.InjectSlashCommand(slackfake.SlashCommand{Command: "/openclaw", Text: "/help", UserID: "U0ALICE", UserName: "alice", ChannelID: "C0GENERAL", ChannelName: "general"})
	got := r.h.Host.NextEmit(t, wait)
	if got.Command != "openclaw" || got.Text != "/help" || got.MessageID != trigger || got.PeerID != "C0GENERAL" || got.Sender.ID != "U0ALICE" {
		t.Fatalf("got %+v", got)
	}
	if got.Metadata["slashSessionPrefix"] != "slack:slash" || got.Metadata["slashEphemeral"] != "true" {
		t.Errorf("metadata = %v", got.Metadata)
	}
	r.waitAcked(env)

	// The reply to the command is ephemeral, for the invoking user only.
	if _, err := send(t, r, pluginsdk.OutboundMessage{Target: pluginsdk.Target{Kind: pluginsdk.PeerChannel, ID: "C0GENERAL"}, Text: "help text", ReplyToID: trigger}); err != nil {
		t.Fatal(err)
	}
	p := r.fake.Posted()
	if len(p) != 1 || p[0].Method != "chat.postEphemeral" || p[0].User != "U0ALICE" || p[0].ThreadTS != "" {
		t.Errorf("posted = %+v", p)
	}

	// Another command is not ours: acknowledged, not emitted.
	other, _ := r.fake.InjectSlashCommand(slackfake.SlashCommand{Command: "/weather", UserID: "U0ALICE", ChannelID: "C0GENERAL"})
	r.waitAcked(other)
	r.noEmit()
}

func TestSlashCommandDisabled(t *testing.T) {
	r := newRig(t, nil)
	r.waitConnected(1)
	env, _ := r.fake.InjectSlashCommand(slackfake.SlashCommand{Command: "/openclaw", Text: "hi", UserID: "U0ALICE", ChannelID: "C0GENERAL"})
	r.waitAcked(env)
	r.noEmit()
}

func TestChannelDirectoryPersisted(t *testing.T) {
	r := newRig(t, map[string]any{"channels": map[string]any{"#secret": map[string]any{}, "C0GENERAL": map[string]any{}}})
	r.waitConnected(1)
	raw, ok := r.h.Host.KVSnapshot()["slack/default/channels"]
	if !ok {
		t.Fatal("channel directory not saved in KV")
	}
	var convs []conversation
	if err := json.Unmarshal(raw, &convs); err != nil || len(convs) != 2 {
		t.Fatalf("saved directory = %s (%v)", raw, err)
	}
	d := r.fake.InjectMessage(slackfake.Message{Channel: "G0SECRET", User: "U0ALICE", Text: "x"})
	got := r.h.Host.NextEmit(t, wait)
	if got.Metadata["channelConfigKey"] != "#secret" {
		t.Errorf("config key = %q", got.Metadata["channelConfigKey"])
	}
	r.waitAcked(d.EnvelopeIDs...)
}

func TestReact(t *testing.T) {
	r := newRig(t, nil)
	r.waitConnected(1)
	r.fake.InjectMessage(slackfake.Message{Channel: "D0ALICE", ChannelType: "im", User: "U0ALICE", Text: "hi", TS: "1700000002.000001"})
	r.h.Host.NextEmit(t, wait)
	for _, rc := range []pluginsdk.Reaction{
		{Target: pluginsdk.Target{Kind: pluginsdk.PeerDM, ID: "U0ALICE"}, MessageID: "1700000002.000001", Emoji: "👀"},
		{Target: pluginsdk.Target{Kind: pluginsdk.PeerDM, ID: "U0ALICE"}, MessageID: "1700000002.000001", Emoji: ":eyes:"}, // already there: fine
		{Target: pluginsdk.Target{Kind: pluginsdk.PeerDM, ID: "U0ALICE"}, MessageID: "1700000002.000001", Emoji: "eyes", Remove: true},
	} {
		rc.Channel, rc.AccountID = "slack", "default"
		if err := r.ch.React(t.Context(), rc); err != nil {
			t.Fatalf("React(%+v): %v", rc, err)
		}
	}
	got := r.fake.Reactions()
	if len(got) != 2 || got[0].Name != "eyes" || got[0].Channel != "D0ALICE" || got[0].Removed || !got[1].Removed {
		t.Errorf("reactions = %+v", got)
	}
}

func TestProbe(t *testing.T) {
	r := newRig(t, nil)
	r.waitConnected(1)
	res, err := r.h.Probe(t.Context(), "slack", "default")
	if err != nil || !res.GetOk() || res.GetBotId() != r.fake.BotUserID() || res.GetBotUsername() != "openclaw" {
		t.Fatalf("Probe = %+v, %v", res, err)
	}
	r.fake.RejectTokens(true)
	res, err = r.h.Probe(t.Context(), "slack", "default")
	if err != nil || res.GetOk() || !strings.Contains(res.GetError(), "invalid_auth") {
		t.Fatalf("Probe with a rejected token = %+v, %v", res, err)
	}
}

func TestMetadataAgreesWithManifest(t *testing.T) {
	h := plugintest.New(t, plugin(newSlackChannel(nil)))
	md, err := h.Metadata(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if md.GetId() != "slack" || len(md.GetChannels()) != 1 || md.GetChannels()[0].GetTextChunkLimit() != 4000 || !md.GetChannels()[0].GetSupportsThreads() {
		t.Errorf("metadata = %+v", md)
	}
}
