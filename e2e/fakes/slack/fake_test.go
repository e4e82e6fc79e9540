package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/slack-go/slack"
)

func TestWebAPI(t *testing.T) {
	f := New(Options{})
	defer f.Close()
	f.AddChannel(Channel{ID: "C1", Name: "general"})
	f.AddChannel(Channel{ID: "C2", Name: "random"})
	f.AddChannel(Channel{ID: "G1", Name: "secret", Type: "group"})
	f.AddUser(User{ID: "U1", Name: "alice"})
	api := slack.New(f.BotToken(), slack.OptionAPIURL(f.APIURL()))
	ctx := t.Context()

	auth, err := api.AuthTestContext(ctx)
	if err != nil || auth.UserID != f.BotUserID() || auth.BotID != f.BotID() || auth.TeamID != f.TeamID() {
		t.Fatalf("auth.test = %+v, %v", auth, err)
	}
	var names []string
	params := &slack.GetConversationsParameters{Types: []string{"public_channel", "private_channel"}, Limit: 2}
	for {
		chans, next, err := api.GetConversationsContext(ctx, params)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range chans {
			names = append(names, c.Name)
		}
		if next == "" {
			break
		}
		params.Cursor = next
	}
	if strings.Join(names, ",") != "general,random,secret" {
		t.Errorf("conversations.list pages = %v", names)
	}
	_, ts, err := api.PostMessageContext(ctx, "U1", slack.MsgOptionText("hi", false), slack.MsgOptionTS("1.1"))
	if err != nil {
		t.Fatal(err)
	}
	p := f.Posted()
	if len(p) != 1 || p[0].Text != "hi" || p[0].ThreadTS != "1.1" || p[0].TS != ts {
		t.Errorf("posted = %+v", p)
	}
	if p[0].Channel != f.DMChannel("U1") {
		t.Errorf("a post to a user lands in %q, want the DM %q", p[0].Channel, f.DMChannel("U1"))
	}
	if _, _, err := api.PostMessageContext(ctx, "C404", slack.MsgOptionText("x", false)); err == nil || err.Error() != "channel_not_found" {
		t.Errorf("unknown channel: %v", err)
	}

	f.RateLimit("chat.postMessage", 1, 1500*time.Millisecond)
	_, _, err = api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false))
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 2*time.Second {
		t.Errorf("rate limited: %v, want Retry-After 2s", err)
	}

	f.RejectTokens(true)
	if _, err := api.AuthTestContext(ctx); err == nil || err.Error() != "invalid_auth" {
		t.Errorf("rejected token: %v", err)
	}
	f.RejectTokens(false)
	wrong := slack.New("xoxb-wrong", slack.OptionAPIURL(f.APIURL()))
	if _, err := wrong.AuthTestContext(ctx); err == nil || err.Error() != "invalid_auth" {
		t.Errorf("wrong token: %v", err)
	}
	if _, _, err := api.StartSocketModeContext(ctx); err == nil || err.Error() != "not_authed" {
		t.Errorf("apps.connections.open without an app token: %v", err)
	}
	botAsApp := slack.New(f.BotToken(), slack.OptionAPIURL(f.APIURL()), slack.OptionAppLevelToken(f.BotToken()))
	if _, _, err := botAsApp.StartSocketModeContext(ctx); err == nil || err.Error() != "not_allowed_token_type" {
		t.Errorf("apps.connections.open with a bot token: %v", err)
	}
	if f.Calls("auth.test") != 3 {
		t.Errorf("auth.test calls = %d", f.Calls("auth.test"))
	}
}

// dialSocket opens a Socket Mode connection the way a client does.
func dialSocket(t *testing.T, f *Server) *websocket.Conn {
	t.Helper()
	app := slack.New(f.BotToken(), slack.OptionAPIURL(f.APIURL()), slack.OptionAppLevelToken(f.AppToken()))
	_, url, err := app.StartSocketModeContext(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := websocket.Dial(t.Context(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func readFrame(t *testing.T, c *websocket.Conn) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSocketModeDeliveryAckAndRedelivery(t *testing.T) {
	f := New(Options{PingInterval: time.Hour})
	defer f.Close()

	// Queued before any connection: delivered after hello.
	d := f.InjectMessage(Message{Channel: "D1", User: "U1", Text: "early"})
	c := dialSocket(t, f)
	if m := readFrame(t, c); m["type"] != "hello" {
		t.Fatalf("first frame = %v, want hello", m)
	}
	m := readFrame(t, c)
	if m["type"] != "events_api" || m["envelope_id"] != d.EnvelopeIDs[0] || m["retry_attempt"] != float64(0) {
		t.Fatalf("frame = %v", m)
	}
	ev := m["payload"].(map[string]any)["event"].(map[string]any)
	if ev["text"] != "early" || ev["channel_type"] != "im" || ev["ts"] != d.TS {
		t.Errorf("event = %v", ev)
	}
	// Not acknowledged; the connection drops; the next one gets it again.
	_ = c.CloseNow()
	c = dialSocket(t, f)
	defer c.CloseNow()
	readFrame(t, c) // hello
	m = readFrame(t, c)
	if m["envelope_id"] != d.EnvelopeIDs[0] || m["retry_attempt"] != float64(1) || m["retry_reason"] != "timeout" {
		t.Fatalf("redelivery = %v", m)
	}
	ack, _ := json.Marshal(map[string]string{"envelope_id": d.EnvelopeIDs[0]})
	if err := c.Write(t.Context(), websocket.MessageText, ack); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := f.WaitAcked(ctx, d.EnvelopeIDs[0]); err != nil {
		t.Fatal(err)
	}
	if len(f.Unacked()) != 0 || f.Deliveries(d.EnvelopeIDs[0]) != 2 {
		t.Errorf("unacked %v deliveries %d", f.Unacked(), f.Deliveries(d.EnvelopeIDs[0]))
	}

	env, trigger := f.InjectSlashCommand(SlashCommand{Command: "/openclaw", Text: "hi", UserID: "U1", ChannelID: "C1"})
	m = readFrame(t, c)
	p := m["payload"].(map[string]any)
	if m["type"] != "slash_commands" || m["envelope_id"] != env || m["accepts_response_payload"] != true || p["trigger_id"] != trigger || p["command"] != "/openclaw" {
		t.Errorf("slash frame = %v", m)
	}

	f.RequestRefresh()
	m = readFrame(t, c)
	if m["type"] != "disconnect" || m["reason"] != "refresh_requested" {
		t.Errorf("refresh frame = %v", m)
	}
	total, open := f.Connections()
	if total != 2 || open != 1 {
		t.Errorf("connections = %d total, %d open", total, open)
	}
}

func TestSocketRejectedToken(t *testing.T) {
	f := New(Options{})
	defer f.Close()
	f.RejectTokens(true)
	app := slack.New("x", slack.OptionAPIURL(f.APIURL()), slack.OptionAppLevelToken(f.AppToken()))
	if _, _, err := app.StartSocketModeContext(t.Context()); err == nil || err.Error() != "invalid_auth" {
		t.Errorf("apps.connections.open = %v, want invalid_auth", err)
	}
	res, err := http.Get(f.APIURL() + "socket")
	if err == nil {
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("socket with rejected tokens = %d", res.StatusCode)
		}
	}
}

func TestRateLimitWindow(t *testing.T) {
	f := New(Options{})
	defer f.Close()
	f.AddChannel(Channel{ID: "C1", Name: "general"})
	api := slack.New(f.BotToken(), slack.OptionAPIURL(f.APIURL()))
	ctx := t.Context()

	f.RateLimit("chat.postMessage", 1, time.Second)
	var rl *slack.RateLimitedError
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false)); !errors.As(err, &rl) {
		t.Fatalf("first call: %v, want rate limited", err)
	}
	// Calling again at once, inside Retry-After, is refused and counted.
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false)); !errors.As(err, &rl) {
		t.Fatalf("early retry: %v, want rate limited", err)
	}
	if f.RateLimitViolations() != 1 {
		t.Fatalf("violations = %d, want 1", f.RateLimitViolations())
	}
	// Other methods are not limited.
	if _, err := api.AuthTestContext(ctx); err != nil {
		t.Fatalf("auth.test during the limit: %v", err)
	}
	time.Sleep(rl.RetryAfter)
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false)); err != nil {
		t.Fatalf("after Retry-After: %v", err)
	}
	if f.RateLimitViolations() != 1 || len(f.Posted()) != 1 {
		t.Fatalf("violations %d, posted %d; want 1 and 1", f.RateLimitViolations(), len(f.Posted()))
	}
}
