package main

import (
	"errors"
	"testing"

	tgfake "github.com/openclaw-go/openclaw/e2e/fakes/telegram"
	"github.com/openclaw-go/openclaw/pluginsdk"
)

// TestAgainstNPMEmulator runs the plugin against telegram-test-api, an
// independent Telegram emulator that ignores getUpdates' offset and
// timeout and answers 500 for methods it lacks (setMyCommands here).
func TestAgainstNPMEmulator(t *testing.T) {
	em, err := tgfake.StartEmulator(ctx(t), tgfake.EmulatorOptions{})
	if errors.Is(err, tgfake.ErrEmulatorUnavailable) {
		t.Skipf("skipping: %v (install it with: npm ci --prefix %s)", err, tgfake.NPMDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(em.Close) // after the account stops, so it never sees the emulator gone

	token := tgfake.TokenFor(424242)
	r := newRig(t)
	r.startAccount(t, "default", string(mustJSON(t, map[string]any{
		"botToken":       token,
		"apiRoot":        em.URL(),
		"customCommands": []map[string]string{{"command": "ping", "description": "Ping the bot"}},
	})))
	st := r.waitConnected(t, "default")
	want(t, st.BotUsername, "TestNameBot")

	if err := em.SendUserMessage(ctx(t), token, alice, tgfake.PrivateChat(alice), "hello emulator"); err != nil {
		t.Fatal(err)
	}
	m := r.next(t)
	want(t, m.Text, "hello emulator")
	want(t, m.PeerKind, pluginsdk.PeerDM)
	want(t, m.PeerID, "1001")
	want(t, m.Sender.Username, "alice_w")

	if _, err := r.send(t, pluginsdk.OutboundMessage{Target: dm(alice.ID), Text: "**pong**", ReplyToID: m.MessageID}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got, err := em.WaitBotMessage(ctx(t), token, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	want(t, got.Message.Text, "<b>pong</b>")
	want(t, got.Message.ParseMode, "HTML")

	// The emulator answers getUpdates at once and never forgets offsets for
	// us: later messages still arrive, each once.
	group := tgfake.Group(-4242, "Emulated group")
	if err := em.SendUserMessage(ctx(t), token, bob, group, "@TestNameBot status?"); err != nil {
		t.Fatal(err)
	}
	g := r.next(t)
	want(t, g.PeerKind, pluginsdk.PeerGroup)
	want(t, g.PeerID, "-4242")
	want(t, g.BotMentioned, true)
	select {
	case extra := <-r.h.Host.Emitted():
		t.Fatalf("unexpected extra message %+v", extra)
	default:
	}
}
