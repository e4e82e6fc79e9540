package main

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	tgfake "github.com/openclaw-go/openclaw/e2e/fakes/telegram"
	"github.com/openclaw-go/openclaw/pluginsdk"
)

func dm(id int64) pluginsdk.Target {
	return pluginsdk.Target{Kind: pluginsdk.PeerDM, ID: itoa64(id)}
}

func (r *rig) send(t *testing.T, msg pluginsdk.OutboundMessage) (pluginsdk.SendResult, error) {
	t.Helper()
	if msg.Channel == "" {
		msg.Channel = channelID
	}
	if msg.AccountID == "" {
		msg.AccountID = "default"
	}
	return r.h.Send(ctx(t), msg)
}

func TestOutbound(t *testing.T) {
	r := newRig(t)
	r.start(t, map[string]any{"linkPreview": false})
	r.waitConnected(t, "default")
	b := r.bot
	question := b.SendPrivate(alice, "question")
	r.next(t)
	forum := tgfake.Forum(-1009876543210, "Forum")
	topic := b.SendTopic(forum, 42, bob, "topic question")
	r.next(t)
	b.SendGroup(forum, bob, "general question")
	r.next(t)

	tests := []struct {
		name  string
		msg   pluginsdk.OutboundMessage
		check func(t *testing.T, s tgfake.Sent)
	}{
		{"reply with markdown", pluginsdk.OutboundMessage{Target: dm(alice.ID), Text: "**Done** — see `x < y` & [docs](https://example.com/a?b=1&c=2)", ReplyToID: itoa(question.MessageID)},
			func(t *testing.T, s tgfake.Sent) {
				want(t, s.ParseMode, "HTML")
				want(t, s.Raw, `<b>Done</b> — see <code>x &lt; y</code> &amp; <a href="https://example.com/a?b=1&amp;c=2">docs</a>`)
				want(t, s.Text(), "Done — see x < y & docs")
				want(t, s.ReplyToMessageID, question.MessageID)
				want(t, s.LinkPreviewDisabled, true)
				want(t, s.DisableNotification, false)
			}},
		{"plain and silent", pluginsdk.OutboundMessage{Target: dm(alice.ID), Text: "**not bold**", Format: "plain", Silent: true},
			func(t *testing.T, s tgfake.Sent) {
				want(t, s.ParseMode, "")
				want(t, s.Text(), "**not bold**")
				want(t, s.DisableNotification, true)
				want(t, s.ReplyToMessageID, 0)
			}},
		{"forum topic by thread id", pluginsdk.OutboundMessage{Target: pluginsdk.Target{Kind: pluginsdk.PeerGroup, ID: "-1009876543210"}, ThreadID: "42", Text: "in topic", ReplyToID: itoa(topic.MessageID)},
			func(t *testing.T, s tgfake.Sent) {
				want(t, s.ThreadID, 42)
				want(t, s.ReplyToMessageID, topic.MessageID)
			}},
		{"forum topic target syntax", pluginsdk.OutboundMessage{Target: pluginsdk.Target{Kind: pluginsdk.PeerGroup, ID: "telegram:-1009876543210:topic:42"}, Text: "topic via target"},
			func(t *testing.T, s tgfake.Sent) { want(t, s.ThreadID, 42) }},
		{"general topic leaves the thread out", pluginsdk.OutboundMessage{Target: pluginsdk.Target{Kind: pluginsdk.PeerGroup, ID: "-1009876543210"}, ThreadID: "1", Text: "in general"},
			func(t *testing.T, s tgfake.Sent) { want(t, s.ThreadID, 0) }},
		{"photo by URL with the text as caption", pluginsdk.OutboundMessage{Target: dm(alice.ID), Text: "a _cat_", Media: []pluginsdk.Media{{URL: "https://img.test/cat.jpg", Kind: "image"}}, ReplyToID: itoa(question.MessageID)},
			func(t *testing.T, s tgfake.Sent) {
				want(t, s.Method, "sendPhoto")
				want(t, s.File.URL, "https://img.test/cat.jpg")
				want(t, s.Raw, "a <i>cat</i>")
				want(t, s.Text(), "a cat")
				want(t, s.ReplyToMessageID, question.MessageID)
			}},
		{"document upload", pluginsdk.OutboundMessage{Target: dm(alice.ID), Media: []pluginsdk.Media{{Data: []byte("%PDF-1.7"), FileName: "report.pdf", MimeType: "application/pdf"}}},
			func(t *testing.T, s tgfake.Sent) {
				want(t, s.Method, "sendDocument")
				want(t, s.File.FileName, "report.pdf")
				want(t, string(s.File.Data), "%PDF-1.7")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := r.send(t, tt.msg)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			s, err := b.NextSent(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			if len(res.MessageIDs) != 1 || res.MessageIDs[0] != itoa(s.Message.MessageID) {
				t.Fatalf("Send returned %v, the fake stored message %d", res.MessageIDs, s.Message.MessageID)
			}
			tt.check(t, s)
		})
	}

	t.Run("long text goes before the media", func(t *testing.T) {
		long := strings.Repeat("word ", 300) // over the 1024 caption limit
		res, err := r.send(t, pluginsdk.OutboundMessage{Target: dm(alice.ID), Text: long, Media: []pluginsdk.Media{{URL: "https://img.test/a.png", Kind: "image"}}, ReplyToID: itoa(question.MessageID)})
		if err != nil || len(res.MessageIDs) != 2 {
			t.Fatalf("Send = %v, %v; want two messages", res, err)
		}
		text, _ := b.NextSent(ctx(t))
		photo, _ := b.NextSent(ctx(t))
		want(t, text.Method, "sendMessage")
		want(t, text.ReplyToMessageID, question.MessageID)
		want(t, photo.Method, "sendPhoto")
		want(t, photo.ReplyToMessageID, 0) // only the first message replies
	})
}

func TestSendRejectsBadInput(t *testing.T) {
	r := newRig(t)
	r.start(t, nil)
	r.waitConnected(t, "default")
	tests := []struct {
		name string
		msg  pluginsdk.OutboundMessage
		want string
	}{
		{"unknown account", pluginsdk.OutboundMessage{AccountID: "nope", Target: dm(1), Text: "x"}, `account "nope" is not running`},
		{"bad target", pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: "alice"}, Text: "x"}, "is not a chat id"},
		{"user by username", pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: "user:@alice"}, Text: "x"}, "numeric user id"},
		{"bad reply id", pluginsdk.OutboundMessage{Target: dm(1), Text: "x", ReplyToID: "abc"}, "not a Telegram message id"},
		{"nothing to send", pluginsdk.OutboundMessage{Target: dm(alice.ID)}, "neither text nor media"},
		{"chat not found", pluginsdk.OutboundMessage{Target: dm(424242), Text: "x"}, "chat not found"},
		{"local media path", pluginsdk.OutboundMessage{Target: dm(alice.ID), Media: []pluginsdk.Media{{URL: "/etc/passwd"}}}, "not http(s)"},
	}
	r.bot.SendPrivate(alice, "hi")
	r.next(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.send(t, tt.msg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Send error = %v, want %q", err, tt.want)
			}
		})
	}
	// A send that cannot succeed is marked permanent on the wire, so the
	// gateway does not retry it.
	_, err := r.send(t, pluginsdk.OutboundMessage{Target: dm(424242), Text: "x"})
	if status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("chat not found: code %v, want FailedPrecondition", status.Code(err))
	}
}

func TestParseErrorFallsBackToPlainText(t *testing.T) {
	r := newRig(t)
	r.start(t, nil)
	r.waitConnected(t, "default")
	r.bot.SendPrivate(alice, "hi")
	r.next(t)
	r.bot.RejectEntities(1)
	if _, err := r.send(t, pluginsdk.OutboundMessage{Target: dm(alice.ID), Text: "**bold** claim"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	calls := r.bot.Calls("sendMessage")
	if len(calls) != 2 || calls[0].Status != 400 || calls[1].Status != 200 {
		t.Fatalf("calls = %+v, want a rejected HTML send then a plain one", calls)
	}
	if calls[1].Params["parse_mode"] != nil || calls[1].Params["text"] != "**bold** claim" {
		t.Fatalf("fallback params = %v, want the original text without parse_mode", calls[1].Params)
	}
}

func TestRateLimitIsHonoured(t *testing.T) {
	r := newRig(t)
	r.start(t, nil)
	r.waitConnected(t, "default")
	r.bot.SendPrivate(alice, "hi")
	r.next(t)
	r.bot.RateLimitSends(1, 1)
	if _, err := r.send(t, pluginsdk.OutboundMessage{Target: dm(alice.ID), Text: "after the wait"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	calls := r.bot.Calls("sendMessage")
	if len(calls) != 2 || calls[0].Status != 429 || calls[1].Status != 200 {
		t.Fatalf("calls = %+v, want 429 then 200", calls)
	}
	// Telegram asked for one second; the retry must not come sooner
	// (minDelayMs is 10 ms here, so only retry_after explains the wait).
	if gap := calls[1].Time.Sub(calls[0].Time); gap < time.Second {
		t.Fatalf("retried after %s, before retry_after", gap)
	}
}

func TestRateLimitLongerThanMaxDelayFails(t *testing.T) {
	r := newRig(t)
	r.start(t, map[string]any{"retry": map[string]any{"minDelayMs": 10, "maxDelayMs": 500}})
	r.waitConnected(t, "default")
	r.bot.SendPrivate(alice, "hi")
	r.next(t)
	r.bot.RateLimitSends(1, 30)
	_, err := r.send(t, pluginsdk.OutboundMessage{Target: dm(alice.ID), Text: "x"})
	if err == nil || !strings.Contains(err.Error(), "rate limited for 30s") {
		t.Fatalf("Send error = %v, want the rate limit reported", err)
	}
	if n := len(r.bot.Calls("sendMessage")); n != 1 {
		t.Fatalf("%d sendMessage calls, want 1 (no retry into a 30 s ban)", n)
	}
}

func TestServerErrorsAreRetried(t *testing.T) {
	tests := []struct {
		name     string
		attempts int
		failures int
		wantOK   bool
	}{
		{"recovers within the attempts", 3, 2, true},
		{"gives up after the attempts", 2, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.start(t, map[string]any{"retry": map[string]any{"attempts": tt.attempts, "minDelayMs": 5, "maxDelayMs": 20}})
			r.waitConnected(t, "default")
			r.bot.SendPrivate(alice, "hi")
			r.next(t)
			r.bot.FailMethod("sendMessage", tt.failures, 502)
			_, err := r.send(t, pluginsdk.OutboundMessage{Target: dm(alice.ID), Text: "x"})
			if (err == nil) != tt.wantOK {
				t.Fatalf("Send error = %v, want ok=%v", err, tt.wantOK)
			}
			if n := len(r.bot.Calls("sendMessage")); n != min(tt.attempts, tt.failures+1) {
				t.Fatalf("%d sendMessage calls", n)
			}
		})
	}
}

func TestIdempotentSend(t *testing.T) {
	r := newRig(t)
	r.start(t, nil)
	r.waitConnected(t, "default")
	r.bot.SendPrivate(alice, "hi")
	r.next(t)
	msg := pluginsdk.OutboundMessage{Target: dm(alice.ID), Text: "once", IdempotencyKey: "turn-1/chunk-0"}
	first, err := r.send(t, msg)
	if err != nil {
		t.Fatal(err)
	}
	again, err := r.send(t, msg)
	if err != nil || again.MessageIDs[0] != first.MessageIDs[0] {
		t.Fatalf("resend = %v, %v; want the first result", again, err)
	}
	if n := len(r.bot.Sent()); n != 1 {
		t.Fatalf("delivered %d times", n)
	}
	// A failed send is not remembered: the retry delivers.
	r.bot.FailMethod("sendMessage", 3, 500)
	msg.IdempotencyKey = "turn-2/chunk-0"
	if _, err := r.send(t, msg); err == nil {
		t.Fatal("send through three 500s succeeded")
	}
	if _, err := r.send(t, msg); err != nil {
		t.Fatalf("retry after failure: %v", err)
	}
	if n := len(r.bot.Sent()); n != 2 {
		t.Fatalf("delivered %d messages, want 2", n)
	}
}

func TestReact(t *testing.T) {
	r := newRig(t)
	r.start(t, nil)
	r.waitConnected(t, "default")
	in := r.bot.SendPrivate(alice, "hi")
	r.next(t)
	if err := r.react(t, pluginsdk.Reaction{Target: dm(alice.ID), MessageID: itoa(in.MessageID), Emoji: "👀"}); err != nil {
		t.Fatalf("React: %v", err)
	}
	if err := r.react(t, pluginsdk.Reaction{Target: dm(alice.ID), MessageID: itoa(in.MessageID), Remove: true}); err != nil {
		t.Fatalf("React remove: %v", err)
	}
	got := r.bot.Reactions()
	if len(got) != 2 || len(got[0].Emojis) != 1 || got[0].Emojis[0] != "👀" || len(got[1].Emojis) != 0 {
		t.Fatalf("reactions = %+v", got)
	}
	if err := r.react(t, pluginsdk.Reaction{Target: dm(alice.ID), MessageID: itoa(in.MessageID), Emoji: "🦖"}); err == nil || !strings.Contains(err.Error(), "REACTION_INVALID") {
		t.Fatalf("invalid emoji: %v", err)
	}
}
