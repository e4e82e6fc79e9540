package main

import (
	"context"
	"encoding/json"
	"maps"
	"strconv"
	"testing"
	"time"

	tgfake "github.com/openclaw-go/openclaw/e2e/fakes/telegram"
	"github.com/openclaw-go/openclaw/pluginsdk"
	"github.com/openclaw-go/openclaw/pluginsdk/plugintest"
)

// wait is how long a test waits for something that should happen at once;
// generous, because the machine running the tests may be busy.
const wait = 15 * time.Second

// rig is the plugin served in-process, talking to a fake Bot API.
type rig struct {
	h   *plugintest.Harness
	tg  *telegram
	srv *tgfake.Server
	bot *tgfake.Bot
}

var (
	alice = tgfake.User{ID: 1001, FirstName: "Alice", LastName: "W", Username: "alice_w"}
	bob   = tgfake.User{ID: 1002, FirstName: "Bob", Username: "bob_b"}
)

func newRig(t testing.TB) *rig {
	t.Helper()
	srv := tgfake.NewServer()
	t.Cleanup(srv.Close)
	tg := newTelegram()
	h := plugintest.New(t, plugin(tg))
	if err := h.Configure(ctx(t), `{}`); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	return &rig{h: h, tg: tg, srv: srv, bot: srv.Bot()}
}

// config is an account config pointing at the fake, with fast retries.
func (r *rig) config(extra map[string]any) string {
	cfg := map[string]any{
		"botToken": r.bot.Token(),
		"apiRoot":  r.srv.URL(),
		"retry":    map[string]any{"minDelayMs": 10, "maxDelayMs": 3000},
	}
	maps.Copy(cfg, extra)
	data, _ := json.Marshal(cfg)
	return string(data)
}

func (r *rig) start(t testing.TB, extra map[string]any) {
	t.Helper()
	r.startAccount(t, "default", r.config(extra))
}

func (r *rig) startAccount(t testing.TB, id, cfg string) {
	t.Helper()
	if err := r.h.StartAccount(ctx(t), channelID, id, cfg); err != nil {
		t.Fatalf("StartAccount: %v", err)
	}
	t.Cleanup(func() { _ = r.h.StopAccount(context.Background(), channelID, id) })
}

// waitConnected waits until the account reports connected.
func (r *rig) waitConnected(t testing.TB, id string) pluginsdk.AccountStatus {
	t.Helper()
	return r.waitStatus(t, id, func(s pluginsdk.AccountStatus) bool { return s.State == pluginsdk.StateConnected })
}

func (r *rig) waitStatus(t testing.TB, id string, ok func(pluginsdk.AccountStatus) bool) pluginsdk.AccountStatus {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		st, found := r.h.Host.Status(channelID, id)
		if found && ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("account %s: status %+v never matched", id, st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// next returns the next message the plugin emitted.
func (r *rig) next(t testing.TB) pluginsdk.InboundMessage {
	t.Helper()
	return r.h.Host.NextEmit(t, wait)
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*wait)
	t.Cleanup(cancel)
	return c
}

func itoa(n int) string     { return strconv.Itoa(n) }
func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// react calls the plugin's React directly: the test harness has no
// reaction call, and the in-process plugin is the same instance.
func (r *rig) react(t *testing.T, re pluginsdk.Reaction) error {
	t.Helper()
	re.Channel, re.AccountID = channelID, "default"
	return r.tg.React(ctx(t), re)
}

// until polls cond until it holds or ctx ends.
func until(ctx context.Context, cond func() bool) error {
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}

func mustJSON(t testing.TB, v any) json.RawMessage {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
