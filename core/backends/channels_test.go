package backends

import (
	"context"
	"errors"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/openclaw-go/openclaw/core/channels"
	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/pluginhost"
	"github.com/openclaw-go/openclaw/pluginsdk"
	pluginv1 "github.com/openclaw-go/openclaw/proto/openclaw/plugin/v1"
)

func TestTarget(t *testing.T) {
	tests := []struct {
		channel, to string
		kind        pluginsdk.PeerKind
	}{
		{"telegram", "123456", pluginsdk.PeerDM},
		{"telegram", "-1001234567890", pluginsdk.PeerGroup},
		{"telegram", "-100123:topic:7", pluginsdk.PeerGroup},
		{"telegram", "tg:42", pluginsdk.PeerDM},
		{"telegram", "@public_channel", pluginsdk.PeerChannel},
		{"telegram", "chat:42", ""},
		{"discord", "user:1234", pluginsdk.PeerDM},
		{"discord", "channel:987", pluginsdk.PeerChannel},
		{"discord", "discord:channel:987", pluginsdk.PeerChannel},
		{"discord", "<@1234>", pluginsdk.PeerDM},
		{"discord", "<#987>", pluginsdk.PeerChannel},
		{"discord", "987654321", ""},
		{"slack", "#general", pluginsdk.PeerChannel},
		{"slack", "C0123ABC", ""},
		{"slack", "user:U123", pluginsdk.PeerDM},
		{"mattermost", "@alice", pluginsdk.PeerDM},
		{"mattermost", "group:abc", pluginsdk.PeerGroup},
	}
	for _, tt := range tests {
		t.Run(tt.channel+" "+tt.to, func(t *testing.T) {
			got := target(tt.channel, " "+tt.to+" ")
			if got.ID != tt.to || got.Kind != tt.kind {
				t.Fatalf("target = %+v, want id %q kind %q", got, tt.to, tt.kind)
			}
		})
	}
}

func TestChannelsStatus(t *testing.T) {
	w := newWorld(t, echoConfig)
	w.addChannel("discord", "default", "work")
	fc := w.addChannel("telegram", "default")
	fc.probe = &pluginv1.ProbeResponse{Ok: true, BotUsername: "tg_bot", LatencyMs: 12}
	w.channels.AccountStatus("discord-plugin", pluginsdk.AccountStatus{Channel: "discord", AccountID: "work", State: pluginsdk.StateStarting})
	// A second account lacks its token and is kept from starting.
	setups := w.channels.Setups()
	tg := setups["telegram"]
	tg.Accounts = append(tg.Accounts, channels.Account{Channel: "telegram", ID: "spare", Config: map[string]any{}})
	tg.Accounts[0].Config = map[string]any{"botToken": "x"}
	setups["telegram"] = tg
	w.channels.Configure([]channels.Setup{setups["discord"], tg}, map[string][]channels.RequiredKey{"telegram": {{Key: "botToken"}}})
	svc := New(w.deps()).Channels
	ctx := context.Background()

	all, err := svc.Status(ctx, backend.ChannelQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].ID != "discord" || all[1].ID != "telegram" || all[0].Label != "Discord" || all[0].DefaultAccountID != "default" {
		t.Fatalf("channels = %+v", all)
	}
	want := map[string]struct {
		lifecycle          string
		running, connected bool
		configured         bool
	}{
		"discord/default":  {"running", true, true, true},
		"discord/work":     {"starting", false, false, true},
		"telegram/default": {"running", true, true, true},
		"telegram/spare":   {"blocked", false, false, false},
	}
	for _, ch := range all {
		for _, a := range ch.Accounts {
			wnt, ok := want[ch.ID+"/"+a.AccountID]
			if !ok {
				t.Fatalf("unexpected account %s/%s", ch.ID, a.AccountID)
			}
			if a.Lifecycle != wnt.lifecycle || a.Running != wnt.running || a.Connected != wnt.connected || a.Configured != wnt.configured || a.Probe != nil {
				t.Fatalf("%s/%s = %+v, want %+v", ch.ID, a.AccountID, a, wnt)
			}
		}
	}

	probed, err := svc.Status(ctx, backend.ChannelQuery{Channel: "telegram", Probe: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(probed) != 1 || len(probed[0].Accounts) != 2 {
		t.Fatalf("probed = %+v", probed)
	}
	for _, a := range probed[0].Accounts {
		switch a.AccountID {
		case "default":
			if a.Probe == nil || !a.Probe.OK || a.Probe.ElapsedMs != 12 || a.Probe.Details["botUsername"] != "tg_bot" {
				t.Fatalf("probe = %+v", a.Probe)
			}
		case "spare":
			if a.Probe != nil {
				t.Fatalf("an account that cannot start was probed: %+v", a.Probe)
			}
		}
	}

	if _, err := svc.Status(ctx, backend.ChannelQuery{Channel: "irc"}); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("unknown channel: err = %v", err)
	}

	// A plugin parked after crashing parks its accounts.
	w.plugins.mu.Lock()
	w.plugins.statuses[0] = pluginhost.Status{ID: "discord-plugin", State: pluginhost.StateFailed, LastError: "crash loop"}
	w.plugins.mu.Unlock()
	parked, _ := svc.Status(ctx, backend.ChannelQuery{Channel: "discord"})
	if a := parked[0].Accounts[0]; a.Lifecycle != "parked" || a.Running || a.Healthy() || a.LastError == "" {
		t.Fatalf("parked account = %+v", a)
	}
}

func TestChannelsSend(t *testing.T) {
	w := newWorld(t, echoConfig)
	tg := w.addChannel("telegram", "default", "alerts")
	svc := New(w.deps()).Channels
	ctx := context.Background()

	res, err := svc.Send(ctx, backend.OutboundMessage{To: "-100555", Text: "hello", MediaURLs: []string{"https://x/y.png"}, ReplyToID: "7", IdempotencyKey: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Channel != "telegram" || res.AccountID != "default" || res.To != "-100555" || res.MessageID != "m1" {
		t.Fatalf("result = %+v", res)
	}
	sent := tg.requests()[0]
	if sent.GetTarget().GetId() != "-100555" || sent.GetTarget().GetKind() != pluginsdk.PeerKindToWire(pluginsdk.PeerGroup) ||
		sent.GetText() != "hello" || len(sent.GetMedia()) != 1 || sent.GetReplyToId() != "7" || sent.GetIdempotencyKey() != "k1#0" {
		t.Fatalf("sent = %+v", sent)
	}
	if res, err := svc.Send(ctx, backend.OutboundMessage{Channel: "telegram", AccountID: "alerts", To: "42", Text: "x"}); err != nil || res.AccountID != "alerts" {
		t.Fatalf("named account: %+v, %v", res, err)
	}

	w.addChannel("discord", "default")
	bad := w.addChannel("mattermost", "default")
	bad.sendErr = status.Error(codes.FailedPrecondition, "target is not a channel")
	w.plugins.mu.Lock()
	delete(w.plugins.running, "discord-plugin")
	w.plugins.mu.Unlock()
	tests := []struct {
		name string
		msg  backend.OutboundMessage
		want error
	}{
		{"channel required with several", backend.OutboundMessage{To: "1", Text: "x"}, backend.ErrInvalid},
		{"unknown channel", backend.OutboundMessage{Channel: "irc", To: "1", Text: "x"}, backend.ErrInvalid},
		{"unknown account", backend.OutboundMessage{Channel: "telegram", AccountID: "nope", To: "1", Text: "x"}, backend.ErrInvalid},
		{"no target", backend.OutboundMessage{Channel: "telegram", Text: "x"}, backend.ErrInvalid},
		{"nothing to send", backend.OutboundMessage{Channel: "telegram", To: "1"}, backend.ErrInvalid},
		{"plugin not running", backend.OutboundMessage{Channel: "discord", To: "user:1", Text: "x"}, backend.ErrUnavailable},
		{"target refused", backend.OutboundMessage{Channel: "mattermost", To: "@bob", Text: "x"}, backend.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := svc.Send(ctx, tt.msg); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestDefaultAccount(t *testing.T) {
	acct := func(id string, cfg map[string]any) channels.Account { return channels.Account{ID: id, Config: cfg} }
	tests := []struct {
		name  string
		setup channels.Setup
		want  string
	}{
		{"none", channels.Setup{}, ""},
		{"default", channels.Setup{Accounts: []channels.Account{acct("a", nil), acct("default", nil)}}, "default"},
		{"configured default", channels.Setup{Accounts: []channels.Account{acct("a", map[string]any{"defaultAccount": "b"}), acct("b", nil), acct("default", nil)}}, "b"},
		{"first", channels.Setup{Accounts: []channels.Account{acct("x", nil), acct("y", nil)}}, "x"},
	}
	for _, tt := range tests {
		if got := defaultAccount(tt.setup); got != tt.want {
			t.Fatalf("%s: defaultAccount = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestSendError(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"plugin down", &pluginhost.UnavailableError{ID: "p", State: pluginhost.StateRestarting}, backend.ErrUnavailable},
		{"grpc unavailable", status.Error(codes.Unavailable, "x"), backend.ErrUnavailable},
		{"bad argument", status.Error(codes.InvalidArgument, "x"), backend.ErrInvalid},
		{"permanent", status.Error(codes.FailedPrecondition, "x"), backend.ErrInvalid},
		{"cancelled", context.Canceled, context.Canceled},
	}
	for _, tt := range tests {
		if err := sendError("c", "t", tt.err); !errors.Is(err, tt.want) {
			t.Fatalf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	if err := sendError("c", "t", status.Error(codes.Unknown, "boom")); errors.Is(err, backend.ErrInvalid) || errors.Is(err, backend.ErrUnavailable) {
		t.Fatalf("an unknown failure was classified: %v", err)
	}
}
