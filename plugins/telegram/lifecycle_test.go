package main

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	tgfake "github.com/openclaw-go/openclaw/e2e/fakes/telegram"
	"github.com/openclaw-go/openclaw/pluginsdk"
	pluginv1 "github.com/openclaw-go/openclaw/proto/openclaw/plugin/v1"
)

func TestInvalidTokenIsReportedNotRetried(t *testing.T) {
	r := newRig(t)
	r.bot.RevokeToken()
	r.start(t, nil)
	st := r.waitStatus(t, "default", func(s pluginsdk.AccountStatus) bool { return s.State == pluginsdk.StateError })
	if !strings.Contains(st.LastError, "401") || !strings.Contains(st.LastError, "channels.telegram") {
		t.Fatalf("LastError = %q, want the 401 and where to fix it", st.LastError)
	}
	// Parked, not crash-looping: getMe was asked once.
	if n := len(r.bot.Calls("getMe")); n != 1 {
		t.Fatalf("getMe called %d times", n)
	}
	probe, err := r.h.Probe(ctx(t), channelID, "default")
	if err != nil {
		t.Fatal(err)
	}
	if probe.GetOk() || !strings.Contains(probe.GetError(), "401") {
		t.Fatalf("probe = %+v, want a 401 failure", probe)
	}
}

func TestBadConfigIsReportedNotRetried(t *testing.T) {
	r := newRig(t)
	r.startAccount(t, "default", `{"botToken":"123456:ABC...","webhookUrl":"https://example.com/hook"}`)
	st := r.waitStatus(t, "default", func(s pluginsdk.AccountStatus) bool { return s.State == pluginsdk.StateError })
	for _, want := range []string{"channels.telegram.botToken is not a Telegram bot token", "channels.telegram.webhookSecret: required"} {
		if !strings.Contains(st.LastError, want) {
			t.Errorf("LastError = %q, want it to contain %q", st.LastError, want)
		}
	}
	if strings.Contains(st.LastError, "ABC...") {
		t.Errorf("the error repeats the token: %q", st.LastError)
	}
	if n := len(r.bot.Calls("")); n != 0 {
		t.Fatalf("%d API calls with a bad config", n)
	}
}

func TestProbe(t *testing.T) {
	r := newRig(t)
	r.start(t, nil)
	r.waitConnected(t, "default")
	probe, err := r.h.Probe(ctx(t), channelID, "default")
	if err != nil {
		t.Fatal(err)
	}
	if !probe.GetOk() || probe.GetBotUsername() != "openclaw_test_bot" || probe.GetBotId() != itoa64(r.bot.ID()) {
		t.Fatalf("probe = %+v", probe)
	}
}

func TestReconnectsAfterDroppedConnection(t *testing.T) {
	r := newRig(t)
	r.start(t, nil)
	st := r.waitConnected(t, "default")
	if st.BotUsername != "openclaw_test_bot" || st.Mode != "polling" {
		t.Fatalf("status = %+v", st)
	}
	// Wait for a parked long poll, cut it, and fail the next one too.
	if err := r.bot.WaitPolling(ctx(t)); err != nil {
		t.Fatal(err)
	}
	r.bot.DropNextLongPolls(1)
	if err := until(ctx(t), func() bool { return r.bot.DropLongPolls() > 0 }); err != nil {
		t.Fatal("no long poll to drop")
	}
	in := r.bot.SendPrivate(alice, "are you still there?")
	m := r.next(t)
	want(t, m.MessageID, itoa(in.MessageID))
	dropped := 0
	for _, c := range r.bot.Calls("getUpdates") {
		if c.Description == "connection dropped" {
			dropped++
		}
	}
	if dropped < 1 {
		t.Fatalf("no dropped poll recorded: %+v", r.bot.Calls("getUpdates"))
	}
	r.waitConnected(t, "default")
}

func TestOffsetIsStoredAndResumed(t *testing.T) {
	r := newRig(t)
	r.start(t, nil)
	r.waitConnected(t, "default")
	r.bot.SendPrivate(alice, "one")
	r.bot.SendPrivate(alice, "two")
	r.next(t)
	r.next(t)
	if err := r.bot.WaitDrained(ctx(t)); err != nil {
		t.Fatal(err)
	}
	last := r.bot.LastUpdateID()
	key := offsetKey("default", r.bot.ID())
	stored := waitKV(t, r, key, strconv.Itoa(last+1))

	// Stop, let a message arrive while down, start again: the first poll
	// resumes at the stored offset and the message is delivered.
	if err := r.h.StopAccount(ctx(t), channelID, "default"); err != nil {
		t.Fatal(err)
	}
	before := len(r.bot.Calls("getUpdates"))
	in := r.bot.SendPrivate(alice, "while you were away")
	r.start(t, nil)
	m := r.next(t)
	want(t, m.MessageID, itoa(in.MessageID))
	first := r.bot.Calls("getUpdates")[before]
	if got := first.Params["offset"]; got != float64(mustAtoi(t, stored)) {
		t.Fatalf("first poll after restart used offset %v, want %s", got, stored)
	}
}

func TestRedeliveredUpdateIsDeduplicated(t *testing.T) {
	r := newRig(t)
	r.start(t, nil)
	r.waitConnected(t, "default")
	r.bot.SendPrivate(alice, "only once")
	r.next(t)
	if err := r.bot.WaitDrained(ctx(t)); err != nil {
		t.Fatal(err)
	}
	id := r.bot.LastUpdateID()
	// The plugin "dies" before Telegram saw its confirmation: Telegram
	// sends the update again to the restarted plugin.
	if err := r.h.StopAccount(ctx(t), channelID, "default"); err != nil {
		t.Fatal(err)
	}
	if _, found := r.h.Host.KVSnapshot()[offsetKey("default", r.bot.ID())]; !found {
		t.Fatal("no offset stored")
	}
	if err := r.bot.Redeliver(id); err != nil {
		t.Fatal(err)
	}
	// Forget the stored offset too, as if the plugin crashed before
	// storing it.
	r.forgetOffset(t)
	r.start(t, nil)
	marker := r.bot.SendPrivate(alice, "next")
	// Updates are handled in order, so the redelivered one was emitted (and
	// dropped by the gateway as a duplicate) before the marker.
	m := r.next(t)
	want(t, m.MessageID, itoa(marker.MessageID))
	if err := r.bot.WaitDrained(ctx(t)); err != nil {
		t.Fatal(err)
	}
}

func (r *rig) forgetOffset(t *testing.T) {
	t.Helper()
	if _, err := r.h.Host.KVDelete(ctx(t), &pluginv1.KVDeleteRequest{Key: offsetKey("default", r.bot.ID())}); err != nil {
		t.Fatal(err)
	}
}

func TestUnacceptedMessageIsNotAcknowledged(t *testing.T) {
	r := newRig(t)
	r.start(t, nil)
	r.waitConnected(t, "default")
	r.h.Host.FailEmits(errors.New("disk full"))
	in := r.bot.SendPrivate(alice, "keep me")
	r.waitStatus(t, "default", func(s pluginsdk.AccountStatus) bool {
		return s.State == pluginsdk.StateReconnecting && strings.Contains(s.LastError, "disk full")
	})
	// Not confirmed to Telegram, not stored as handled.
	if r.bot.Pending() != 1 {
		t.Fatalf("Pending = %d, want the update still queued", r.bot.Pending())
	}
	if _, found := r.h.Host.KVSnapshot()[offsetKey("default", r.bot.ID())]; found {
		t.Fatal("offset stored for a message the gateway refused")
	}
	r.h.Host.FailEmits(nil)
	m := r.next(t)
	want(t, m.MessageID, itoa(in.MessageID))
	if err := r.bot.WaitDrained(ctx(t)); err != nil {
		t.Fatal(err)
	}
}

func TestCustomCommandsAndUnimplementedMethods(t *testing.T) {
	r := newRig(t)
	// An emulator-style server: deleteWebhook and setMyCommands answer 500
	// with a body that is no Bot API envelope. The account must still run.
	raw := `{"message":"API method is not supported"}`
	r.bot.AddFault(tgfake.Fault{Methods: []string{"deleteWebhook", "setMyCommands"}, Times: 2, Status: 500, RawBody: raw})
	r.start(t, map[string]any{"customCommands": []map[string]string{
		{"command": "/Backup", "description": "Git backup"},
		{"command": "bad-name", "description": "x"},
		{"command": "generate", "description": "Create an image"},
	}})
	r.waitConnected(t, "default")
	in := r.bot.SendPrivate(alice, "/backup")
	m := r.next(t)
	want(t, m.MessageID, itoa(in.MessageID))
	want(t, m.Command, "backup")
	if n := len(r.bot.Commands()); n != 0 {
		t.Fatalf("commands registered despite the 500: %d", n)
	}

	// On a server that has the method, the valid commands are registered,
	// normalised.
	r2 := newRig(t)
	r2.start(t, map[string]any{"customCommands": []map[string]string{
		{"command": "/Backup", "description": "Git backup"},
		{"command": "bad-name", "description": "x"},
	}})
	r2.waitConnected(t, "default")
	if _, err := r2.bot.WaitCall(ctx(t), "setMyCommands", nil); err != nil {
		t.Fatal(err)
	}
	got := r2.bot.Commands()
	if len(got) != 1 || got[0].Command != "backup" || got[0].Description != "Git backup" {
		t.Fatalf("commands = %+v", got)
	}
}

func TestTwoAccounts(t *testing.T) {
	r := newRig(t)
	alerts := r.srv.AddBot(tgfake.BotSpec{ID: 7000000002, Username: "alerts_test_bot"})
	r.start(t, nil)
	r.startAccount(t, "alerts", `{"botToken":"`+alerts.Token()+`","apiRoot":"`+r.srv.URL()+`"}`)
	r.waitConnected(t, "default")
	r.waitConnected(t, "alerts")
	alerts.SendPrivate(alice, "to alerts")
	m := r.next(t)
	want(t, m.AccountID, "alerts")
	if _, err := r.send(t, pluginsdk.OutboundMessage{AccountID: "alerts", Target: dm(alice.ID), Text: "from alerts"}); err != nil {
		t.Fatal(err)
	}
	if len(alerts.Sent()) != 1 || len(r.bot.Sent()) != 0 {
		t.Fatalf("sent: alerts %d, default %d", len(alerts.Sent()), len(r.bot.Sent()))
	}
	// Offsets are kept per account and bot.
	waitKV(t, r, offsetKey("alerts", alerts.ID()), strconv.Itoa(alerts.LastUpdateID()+1))
}

// waitKV waits until the plugin stored value under key.
func waitKV(t *testing.T, r *rig, key, value string) string {
	t.Helper()
	err := until(ctx(t), func() bool { return string(r.h.Host.KVSnapshot()[key]) == value })
	if err != nil {
		t.Fatalf("KV %s = %q, want %q", key, r.h.Host.KVSnapshot()[key], value)
	}
	return value
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
