package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	mattermostfake "github.com/openclaw-go/openclaw/e2e/fakes/mattermost"
	"github.com/openclaw-go/openclaw/pluginsdk"
	"github.com/openclaw-go/openclaw/pluginsdk/plugintest"
)

const wait = 10 * time.Second

// rig is a plugin served in-process against a fake server.
type rig struct {
	t    *testing.T
	fake *mattermostfake.Server
	h    *plugintest.Harness
	ch   *mattermostChannel

	alice, bob          string // users
	town, secret, group string // channels
}

func newRig(t *testing.T, extra map[string]any) *rig {
	t.Helper()
	r := newStoppedRig(t)
	r.start(extra)
	r.waitConnected(1)
	r.waitCursor()
	return r
}

// waitCursor waits until the plugin has saved its stream position, which
// it does on hello: from then on a dropped connection can be resumed.
func (r *rig) waitCursor() cursor {
	r.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		var cur cursor
		if raw, ok := r.h.Host.KVSnapshot()["mattermost/default/websocket"]; ok && json.Unmarshal(raw, &cur) == nil && cur.ConnectionID != "" {
			return cur
		}
		if time.Now().After(deadline) {
			r.t.Fatal("the plugin saved no stream position")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func newStoppedRig(t *testing.T) *rig {
	t.Helper()
	f := mattermostfake.New(mattermostfake.Options{})
	t.Cleanup(f.Close)
	r := &rig{t: t, fake: f}
	r.alice = f.AddUser(mattermostfake.User{Username: "alice", FirstName: "Alice", LastName: "Liddell"})
	r.bob = f.AddUser(mattermostfake.User{Username: "bob"})
	r.town = f.AddChannel(mattermostfake.Channel{Type: "O", Name: "town-square", DisplayName: "Town Square"})
	r.secret = f.AddChannel(mattermostfake.Channel{Type: "P", Name: "secret", DisplayName: "Secret"})
	r.group = f.AddChannel(mattermostfake.Channel{Type: "G", Name: "group", DisplayName: "alice, bob, openclaw"})
	r.ch = newMattermostChannel(nil)
	r.h = plugintest.New(t, plugin(r.ch))
	stopAtEnd(t, r.h)
	if err := r.h.Configure(t.Context(), `{}`); err != nil {
		t.Fatalf("Configure: %v", err)
	}
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
	cfg := map[string]any{"botToken": r.fake.BotToken(), "baseUrl": r.fake.URL() + "/api/v4/", "retry": map[string]any{"minDelayMs": 10, "maxDelayMs": 50}}
	for k, v := range extra {
		cfg[k] = v
	}
	b, _ := json.Marshal(cfg)
	return string(b)
}

func (r *rig) start(extra map[string]any) {
	r.t.Helper()
	if err := r.h.StartAccount(r.t.Context(), "mattermost", "default", r.config(extra)); err != nil {
		r.t.Fatalf("StartAccount: %v", err)
	}
}

func (r *rig) waitConnected(n int) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(r.t.Context(), wait)
	defer cancel()
	if err := r.fake.WaitWebSockets(ctx, n); err != nil {
		r.t.Fatalf("wait for websocket %d: %v", n, err)
	}
	r.waitState(pluginsdk.StateConnected)
}

func (r *rig) waitState(want pluginsdk.AccountState) pluginsdk.AccountStatus {
	r.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		st, _ := r.h.Host.Status("mattermost", "default")
		if st.State == want {
			return st
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("account state = %q (%s), want %q", st.State, st.LastError, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *rig) post(p mattermostfake.Post) mattermostfake.Post {
	r.t.Helper()
	stored, err := r.fake.Post(p)
	if err != nil {
		r.t.Fatal(err)
	}
	return stored
}

// settle waits until the plugin has handled every event so far: it posts
// a marker DM and waits for it to come through.
func (r *rig) settle() {
	r.t.Helper()
	marker := r.post(mattermostfake.Post{ChannelID: r.fake.DirectChannel(r.bob, r.fake.BotUserID()), UserID: r.bob, Message: "marker"})
	for {
		got := r.h.Host.NextEmit(r.t, wait)
		if got.MessageID == marker.ID {
			return
		}
		r.t.Fatalf("unexpected inbound message %+v", got)
	}
}

func TestInboundNormalisation(t *testing.T) {
	r := newRig(t, nil)
	dm := r.fake.DirectChannel(r.alice, r.fake.BotUserID())
	root := r.post(mattermostfake.Post{ChannelID: r.town, UserID: r.alice, Message: "@openclaw start"})
	r.h.Host.NextEmit(t, wait)

	tests := []struct {
		name  string
		post  mattermostfake.Post
		check func(t *testing.T, got pluginsdk.InboundMessage)
	}{
		{"dm", mattermostfake.Post{ChannelID: dm, Message: "hello"}, func(t *testing.T, got pluginsdk.InboundMessage) {
			if got.PeerKind != pluginsdk.PeerDM || got.PeerID != r.alice || !got.BotMentioned || got.Text != "hello" || got.TeamID != "" {
				t.Errorf("got %+v", got)
			}
			if got.Sender.ID != r.alice || got.Sender.Username != "alice" || got.Sender.Name != "Alice Liddell" || got.Sender.IsBot {
				t.Errorf("sender = %+v", got.Sender)
			}
			if got.Metadata["channelId"] != dm || got.Metadata["channelType"] != "D" {
				t.Errorf("metadata = %v", got.Metadata)
			}
		}},
		{"channel with mention", mattermostfake.Post{ChannelID: r.town, Message: "hey @openclaw, what's up?"}, func(t *testing.T, got pluginsdk.InboundMessage) {
			if got.PeerKind != pluginsdk.PeerChannel || got.PeerID != r.town || !got.BotMentioned || got.TeamID != r.fake.TeamID() {
				t.Errorf("got %+v", got)
			}
			if got.ChatTitle != "Town Square" || got.Metadata["channelName"] != "town-square" {
				t.Errorf("title %q metadata %v", got.ChatTitle, got.Metadata)
			}
			if len(got.MentionedIDs) != 1 || got.MentionedIDs[0] != r.fake.BotUserID() {
				t.Errorf("mentioned = %v", got.MentionedIDs)
			}
		}},
		{"channel without mention", mattermostfake.Post{ChannelID: r.town, Message: "@openclawfan is not me"}, func(t *testing.T, got pluginsdk.InboundMessage) {
			if got.BotMentioned {
				t.Errorf("mentioned in %q", got.Text)
			}
		}},
		{"private channel", mattermostfake.Post{ChannelID: r.secret, Message: "psst"}, func(t *testing.T, got pluginsdk.InboundMessage) {
			if got.PeerKind != pluginsdk.PeerChannel || got.PeerID != r.secret {
				t.Errorf("got %+v", got)
			}
		}},
		{"group message", mattermostfake.Post{ChannelID: r.group, Message: "all of us"}, func(t *testing.T, got pluginsdk.InboundMessage) {
			if got.PeerKind != pluginsdk.PeerGroup || got.PeerID != r.group {
				t.Errorf("got %+v", got)
			}
		}},
		{"thread reply", mattermostfake.Post{ChannelID: r.town, Message: "more", RootID: root.ID}, func(t *testing.T, got pluginsdk.InboundMessage) {
			if got.ThreadID != root.ID || got.ParentPeerID != r.town || got.ReplyTo == nil || got.ReplyTo.MessageID != root.ID || got.ReplyTo.ToBot || got.ReplyTo.SenderID != r.alice {
				t.Errorf("thread %q parent %q reply %+v", got.ThreadID, got.ParentPeerID, got.ReplyTo)
			}
		}},
		{"webhook post", mattermostfake.Post{ChannelID: r.town, Message: "build green", Props: map[string]any{"from_webhook": "true"}}, func(t *testing.T, got pluginsdk.InboundMessage) {
			if !got.Sender.IsBot {
				t.Errorf("sender = %+v, want IsBot", got.Sender)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.post.UserID = r.alice
			p := r.post(tt.post)
			got := r.h.Host.NextEmit(t, wait)
			if got.MessageID != p.ID || got.Channel != "mattermost" || got.AccountID != "default" || got.Timestamp.UnixMilli() != p.CreateAt {
				t.Fatalf("got %+v, want post %s", got, p.ID)
			}
			tt.check(t, got)
		})
	}

	fileID := r.fake.AddFile(mattermostfake.File{Name: "cat.png", MimeType: "image/png", Data: []byte("PNG")})
	p := r.post(mattermostfake.Post{ChannelID: dm, UserID: r.alice, FileIDs: []string{fileID}})
	got := r.h.Host.NextEmit(t, wait)
	if got.MessageID != p.ID || len(got.Media) != 1 || got.Media[0].FileName != "cat.png" || got.Media[0].Kind != "image" ||
		got.Media[0].URL != r.fake.URL()+"/api/v4/files/"+fileID || got.Media[0].Size != 3 {
		t.Errorf("media = %+v", got.Media)
	}
}

func TestIgnoredPosts(t *testing.T) {
	r := newRig(t, nil)
	r.post(mattermostfake.Post{ChannelID: r.town, UserID: r.fake.BotUserID(), Message: "my own words"})
	r.post(mattermostfake.Post{ChannelID: r.town, UserID: r.alice, Message: "alice joined", Type: "system_join_channel"})
	r.fake.SendEvent("typing", map[string]any{"parent_id": ""}, map[string]any{"channel_id": r.town})
	r.settle()
}

func TestReplyToBotThread(t *testing.T) {
	r := newRig(t, nil)
	res, err := send(t, r, pluginsdk.OutboundMessage{Target: pluginsdk.Target{Kind: pluginsdk.PeerChannel, ID: r.town}, Text: "I am the root"})
	if err != nil {
		t.Fatal(err)
	}
	p := r.post(mattermostfake.Post{ChannelID: r.town, UserID: r.alice, Message: "reply to the bot", RootID: res.MessageIDs[0]})
	got := r.h.Host.NextEmit(t, wait)
	if got.MessageID != p.ID || got.ReplyTo == nil || !got.ReplyTo.ToBot || got.ThreadID != res.MessageIDs[0] {
		t.Fatalf("got %+v (reply %+v)", got, got.ReplyTo)
	}
}

func TestChatModes(t *testing.T) {
	tests := []struct {
		name, mode, text string
		prefixes         []string
		wantMentioned    bool
		wantText         string
	}{
		{"oncall mention", "oncall", "@openclaw hi", nil, true, "@openclaw hi"},
		{"oncall plain", "oncall", "hi all", nil, false, "hi all"},
		{"onmessage plain", "onmessage", "hi all", nil, true, "hi all"},
		{"onchar prefix", "onchar", "!weather today", nil, true, "weather today"},
		{"onchar other prefix", "onchar", "> quote me", nil, true, "quote me"},
		{"onchar custom prefix", "onchar", "?? help", []string{"??"}, true, "help"},
		{"onchar mention", "onchar", "@openclaw hi", nil, true, "@openclaw hi"},
		{"onchar plain", "onchar", "no trigger", nil, false, "no trigger"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			extra := map[string]any{"chatmode": tt.mode}
			if tt.prefixes != nil {
				extra["oncharPrefixes"] = tt.prefixes
			}
			r := newRig(t, extra)
			r.post(mattermostfake.Post{ChannelID: r.town, UserID: r.alice, Message: tt.text})
			got := r.h.Host.NextEmit(t, wait)
			if got.BotMentioned != tt.wantMentioned || got.Text != tt.wantText {
				t.Errorf("mentioned %v text %q, want %v %q", got.BotMentioned, got.Text, tt.wantMentioned, tt.wantText)
			}
		})
	}
}

func TestReconnectResumesStream(t *testing.T) {
	r := newRig(t, nil)
	r.fake.DropWebSockets()
	// Posted while the plugin is disconnected: replayed on resume.
	p := r.post(mattermostfake.Post{ChannelID: r.town, UserID: r.alice, Message: "@openclaw while you were out"})
	r.waitConnected(2)
	if got := r.h.Host.NextEmit(t, wait); got.MessageID != p.ID {
		t.Fatalf("got %+v, want the missed post", got)
	}
	opened, open := r.fake.WebSockets()
	if opened != 2 || open != 1 {
		t.Errorf("websockets opened %d, open %d", opened, open)
	}
}

func TestEmitFailureReplaysPost(t *testing.T) {
	r := newRig(t, nil)
	r.h.Host.FailEmits(errors.New("gateway busy"))
	p := r.post(mattermostfake.Post{ChannelID: r.town, UserID: r.alice, Message: "@openclaw do not lose me"})
	// The plugin ends the connection without moving past the post, and
	// resumes from it.
	ctx, cancel := context.WithTimeout(t.Context(), wait)
	defer cancel()
	if err := r.fake.WaitWebSockets(ctx, 2); err != nil {
		t.Fatal(err)
	}
	r.h.Host.FailEmits(nil)
	if got := r.h.Host.NextEmit(t, wait); got.MessageID != p.ID {
		t.Fatalf("got %+v", got)
	}
}

func TestCursorPersistedAndResumedAfterRestart(t *testing.T) {
	r := newRig(t, nil)
	r.post(mattermostfake.Post{ChannelID: r.town, UserID: r.alice, Message: "one"})
	r.h.Host.NextEmit(t, wait)
	// The position is saved right after the gateway took the post.
	var cur cursor
	deadline := time.Now().Add(wait)
	for cur.Seq != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("cursor = %+v, want seq 2 after hello and one post", cur)
		}
		time.Sleep(10 * time.Millisecond)
		if raw, ok := r.h.Host.KVSnapshot()["mattermost/default/websocket"]; ok {
			if err := json.Unmarshal(raw, &cur); err != nil {
				t.Fatal(err)
			}
		}
	}
	if cur.ConnectionID == "" {
		t.Fatalf("cursor = %+v, want a connection id", cur)
	}

	// The plugin stops (a crash, an upgrade); a post arrives meanwhile.
	if err := r.h.StopAccount(t.Context(), "mattermost", "default"); err != nil {
		t.Fatal(err)
	}
	p2 := r.post(mattermostfake.Post{ChannelID: r.town, UserID: r.alice, Message: "two"})
	r.start(nil)
	if got := r.h.Host.NextEmit(t, wait); got.MessageID != p2.ID {
		t.Fatalf("after restart got %+v, want the post made while stopped", got)
	}
	r.settle()
}

func TestServerForgotSession(t *testing.T) {
	r := newRig(t, nil)
	r.fake.ForgetSessions()
	r.waitConnected(2)
	p := r.post(mattermostfake.Post{ChannelID: r.town, UserID: r.alice, Message: "after the restart"})
	if got := r.h.Host.NextEmit(t, wait); got.MessageID != p.ID {
		t.Fatalf("got %+v", got)
	}
}

func TestInvalidTokenIsPermanent(t *testing.T) {
	r := newStoppedRig(t)
	r.fake.RejectTokens(true)
	r.start(nil)
	st := r.waitState(pluginsdk.StateError)
	if !strings.Contains(st.LastError, "401") {
		t.Errorf("last error = %q", st.LastError)
	}
	// Parked, not crash-looping: a retry would call users/me again after
	// the SDK's one-second minimum backoff.
	time.Sleep(1500 * time.Millisecond)
	if n := r.fake.Calls("GET /api/v4/users/me"); n != 1 {
		t.Errorf("users/me called %d times, want 1", n)
	}
}

func TestBadConfigIsPermanent(t *testing.T) {
	r := newStoppedRig(t)
	if err := r.h.StartAccount(t.Context(), "mattermost", "default", `{"botToken":"x"}`); err != nil {
		t.Fatal(err)
	}
	st := r.waitState(pluginsdk.StateError)
	if !strings.Contains(st.LastError, "baseUrl is required") {
		t.Errorf("last error = %q", st.LastError)
	}
}

func send(t *testing.T, r *rig, msg pluginsdk.OutboundMessage) (pluginsdk.SendResult, error) {
	t.Helper()
	msg.Channel, msg.AccountID = "mattermost", "default"
	return r.h.Send(t.Context(), msg)
}

func TestSend(t *testing.T) {
	r := newRig(t, nil)
	root := r.post(mattermostfake.Post{ChannelID: r.town, UserID: r.alice, Message: "root"})
	r.h.Host.NextEmit(t, wait)
	aliceDM := r.fake.DirectChannel(r.alice, r.fake.BotUserID())
	bobDM := r.fake.DirectChannel(r.bob, r.fake.BotUserID())

	tests := []struct {
		name                  string
		msg                   pluginsdk.OutboundMessage
		wantChannel, wantRoot string
		wantText              string
	}{
		{"dm by peer id", pluginsdk.OutboundMessage{Target: pluginsdk.Target{Kind: pluginsdk.PeerDM, ID: r.alice}, Text: "hi"}, aliceDM, "", "hi"},
		{"user target", pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: "user:" + r.bob}, Text: "hey bob"}, bobDM, "", "hey bob"},
		{"username target", pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: "@bob"}, Text: "by name"}, bobDM, "", "by name"},
		{"channel target", pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: "channel:" + r.town}, Text: "**markdown** stays"}, r.town, "", "**markdown** stays"},
		{"channel by name", pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: "#secret"}, Text: "x"}, r.secret, "", "x"},
		{"channel:name", pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: "channel:town-square"}, Text: "y"}, r.town, "", "y"},
		{"bare user id goes to the dm", pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: r.alice}, Text: "z"}, aliceDM, "", "z"},
		{"bare channel id", pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: r.group}, Text: "g"}, r.group, "", "g"},
		{"thread", pluginsdk.OutboundMessage{Target: pluginsdk.Target{Kind: pluginsdk.PeerChannel, ID: r.town}, Text: "in thread", ThreadID: root.ID}, r.town, root.ID, "in thread"},
		{"reply to", pluginsdk.OutboundMessage{Target: pluginsdk.Target{Kind: pluginsdk.PeerChannel, ID: r.town}, Text: "re", ReplyToID: root.ID}, r.town, root.ID, "re"},
		{"url media", pluginsdk.OutboundMessage{Target: pluginsdk.Target{Kind: pluginsdk.PeerChannel, ID: r.town}, Text: "see", Media: []pluginsdk.Media{{URL: "https://example.com/a.png"}}}, r.town, "", "see\nhttps://example.com/a.png"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(r.fake.BotPosts())
			res, err := send(t, r, tt.msg)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			posts := r.fake.BotPosts()
			if len(posts) != before+1 {
				t.Fatalf("bot posted %d, want 1", len(posts)-before)
			}
			p := posts[before]
			if p.ChannelID != tt.wantChannel || p.RootID != tt.wantRoot || p.Message != tt.wantText {
				t.Errorf("post %+v, want channel %s root %q text %q", p, tt.wantChannel, tt.wantRoot, tt.wantText)
			}
			if len(res.MessageIDs) != 1 || res.MessageIDs[0] != p.ID || p.PendingPostID == "" {
				t.Errorf("result %v pending %q", res.MessageIDs, p.PendingPostID)
			}
		})
	}
	// The bot's own posts come back as events and are not emitted.
	r.settle()

	for _, bad := range []pluginsdk.Target{{ID: "nope"}, {ID: "@nobody"}, {ID: "#missing"}, {}} {
		if _, err := send(t, r, pluginsdk.OutboundMessage{Target: bad, Text: "x"}); err == nil {
			t.Errorf("target %+v: want an error", bad)
		}
	}
}

func TestSendMediaUpload(t *testing.T) {
	r := newRig(t, nil)
	_, err := send(t, r, pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: "channel:" + r.town}, Text: "chart",
		Media: []pluginsdk.Media{{Data: []byte("PNGDATA"), FileName: "chart.png", MimeType: "image/png"}}})
	if err != nil {
		t.Fatal(err)
	}
	posts := r.fake.BotPosts()
	if len(posts) != 1 || len(posts[0].FileIDs) != 1 {
		t.Fatalf("posts = %+v", posts)
	}
	f, ok := r.fake.File(posts[0].FileIDs[0])
	if !ok || string(f.Data) != "PNGDATA" || f.Name != "chart.png" || f.MimeType != "image/png" || f.ChannelID != r.town {
		t.Errorf("file = %+v", f)
	}
}

func TestSendRetries(t *testing.T) {
	r := newRig(t, nil)
	msg := pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: "channel:" + r.town}, Text: "patience"}

	r.fake.RateLimit("POST /api/v4/posts", 1, time.Second)
	if _, err := send(t, r, msg); err != nil {
		t.Fatalf("after one 429: %v", err)
	}
	r.fake.RateLimitResetOnly("POST /api/v4/posts", 1, time.Second)
	if _, err := send(t, r, msg); err != nil {
		t.Fatalf("after a 429 with only X-Ratelimit-Reset: %v", err)
	}
	r.fake.FailNext("POST /api/v4/posts", 1, 503)
	if _, err := send(t, r, msg); err != nil {
		t.Fatalf("after a 503: %v", err)
	}
	if n := r.fake.Calls("POST /api/v4/posts"); n != 6 {
		t.Errorf("POST /posts called %d times, want 6", n)
	}
	if n := len(r.fake.BotPosts()); n != 3 {
		t.Errorf("bot posts = %d, want 3", n)
	}
	r.fake.FailNext("POST /api/v4/posts", 3, 500)
	if _, err := send(t, r, msg); err == nil || !strings.Contains(err.Error(), "500") {
		t.Errorf("after three 500s: %v, want the error", err)
	}
	r.fake.FailNext("POST /api/v4/posts", 1, 400)
	before := r.fake.Calls("POST /api/v4/posts")
	if _, err := send(t, r, msg); err == nil {
		t.Error("a 400 should fail")
	}
	if n := r.fake.Calls("POST /api/v4/posts") - before; n != 1 {
		t.Errorf("a 400 was tried %d times, want 1", n)
	}
}

func TestSendIdempotent(t *testing.T) {
	r := newRig(t, nil)
	msg := pluginsdk.OutboundMessage{Target: pluginsdk.Target{ID: "channel:" + r.town}, Text: "once", IdempotencyKey: "run-1/0"}
	first, err := send(t, r, msg)
	if err != nil {
		t.Fatal(err)
	}
	second, err := send(t, r, msg)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(r.fake.BotPosts()); n != 1 || first.MessageIDs[0] != second.MessageIDs[0] {
		t.Errorf("posts %d, results %v %v", n, first, second)
	}
	// A restarted plugin has forgotten the key; the server still drops
	// the resend by its pending_post_id.
	if err := r.h.StopAccount(t.Context(), "mattermost", "default"); err != nil {
		t.Fatal(err)
	}
	r.start(map[string]any{"chatmode": "oncall"}) // a changed config makes a fresh account
	r.waitConnected(2)
	third, err := send(t, r, msg)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(r.fake.BotPosts()); n != 1 || third.MessageIDs[0] != first.MessageIDs[0] {
		t.Errorf("after restart: posts %d, result %v", n, third)
	}
}

func TestReact(t *testing.T) {
	r := newRig(t, nil)
	p := r.post(mattermostfake.Post{ChannelID: r.town, UserID: r.alice, Message: "react to me"})
	r.h.Host.NextEmit(t, wait)
	for _, rc := range []pluginsdk.Reaction{
		{Target: pluginsdk.Target{Kind: pluginsdk.PeerChannel, ID: r.town}, MessageID: p.ID, Emoji: "👀"},
		{Target: pluginsdk.Target{Kind: pluginsdk.PeerChannel, ID: r.town}, MessageID: p.ID, Emoji: ":eyes:", Remove: true},
	} {
		rc.Channel, rc.AccountID = "mattermost", "default"
		if err := r.ch.React(t.Context(), rc); err != nil {
			t.Fatal(err)
		}
	}
	got := r.fake.Reactions()
	if len(got) != 2 || got[0].EmojiName != "eyes" || got[0].PostID != p.ID || got[0].UserID != r.fake.BotUserID() || !got[1].Removed {
		t.Errorf("reactions = %+v", got)
	}
	if err := r.ch.React(t.Context(), pluginsdk.Reaction{AccountID: "default", MessageID: "short", Emoji: "eyes"}); err == nil {
		t.Error("a bad post id should fail")
	}
}

func TestProbe(t *testing.T) {
	r := newRig(t, nil)
	res, err := r.h.Probe(t.Context(), "mattermost", "default")
	if err != nil || !res.GetOk() || res.GetBotId() != r.fake.BotUserID() || res.GetBotUsername() != "openclaw" {
		t.Fatalf("Probe = %+v, %v", res, err)
	}
	r.fake.RejectTokens(true)
	res, err = r.h.Probe(t.Context(), "mattermost", "default")
	if err != nil || res.GetOk() || !strings.Contains(res.GetError(), "401") {
		t.Fatalf("Probe with a rejected token = %+v, %v", res, err)
	}
}

func TestMetadataAgreesWithManifest(t *testing.T) {
	h := plugintest.New(t, plugin(newMattermostChannel(nil)))
	md, err := h.Metadata(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if md.GetId() != "mattermost" || len(md.GetChannels()) != 1 || md.GetChannels()[0].GetTextChunkLimit() != 4000 {
		t.Errorf("metadata = %+v", md)
	}
}
