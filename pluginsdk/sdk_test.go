package pluginsdk_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/pluginsdk"
	"github.com/openclaw-go/openclaw/pluginsdk/plugintest"
)

const channelManifest = `{"id":"fake","version":"0.1.0","kinds":["channel"],"channels":["fake"],
"protocolVersions":[1],"executable":"openclaw-plugin-fake"}`

// fakeChannel emits one message per Run and counts runs.
type fakeChannel struct {
	runs    atomic.Int32
	fail    error
	sent    chan pluginsdk.OutboundMessage
	blockOn chan struct{}
}

func (f *fakeChannel) Run(ctx context.Context, acct pluginsdk.Account) error {
	n := f.runs.Add(1)
	if f.fail != nil {
		return f.fail
	}
	_, err := acct.Host.Emit(ctx, pluginsdk.InboundMessage{
		Channel: acct.Channel, AccountID: acct.ID, MessageID: "m1", PeerKind: pluginsdk.PeerDM, PeerID: "u1",
		Text: "hello from run " + string(rune('0'+n)),
	})
	if err != nil {
		return err
	}
	if err := acct.Host.ReportStatus(ctx, pluginsdk.AccountStatus{Channel: acct.Channel, AccountID: acct.ID, State: pluginsdk.StateConnected, BotUsername: "bot"}); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

func (f *fakeChannel) Send(_ context.Context, m pluginsdk.OutboundMessage) (pluginsdk.SendResult, error) {
	f.sent <- m
	return pluginsdk.SendResult{MessageIDs: []string{"out-1"}}, nil
}

func (f *fakeChannel) Probe(context.Context, pluginsdk.Account) (pluginsdk.ProbeResult, error) {
	return pluginsdk.ProbeResult{OK: true, BotUsername: "bot"}, nil
}

func TestChannelRoundTrip(t *testing.T) {
	ch := &fakeChannel{sent: make(chan pluginsdk.OutboundMessage, 1)}
	h := plugintest.New(t, pluginsdk.Plugin{Manifest: []byte(channelManifest), Channel: ch})
	ctx := t.Context()
	meta, err := h.Metadata(ctx)
	if err != nil || meta.GetId() != "fake" || len(meta.GetChannels()) != 1 {
		t.Fatalf("metadata = %v, %v", meta, err)
	}
	if err := h.StartAccount(ctx, "fake", "default", `{}`); err == nil || !strings.Contains(err.Error(), "Configure must come first") {
		t.Fatalf("StartAccount before Configure = %v", err)
	}
	if err := h.Configure(ctx, `{}`); err != nil {
		t.Fatal(err)
	}
	if err := h.StartAccount(ctx, "fake", "default", `{}`); err != nil {
		t.Fatal(err)
	}
	msg := h.Host.NextEmit(t, 5*time.Second)
	if msg.Text != "hello from run 1" || msg.PeerKind != pluginsdk.PeerDM {
		t.Fatalf("emitted %+v", msg)
	}
	res, err := h.Send(ctx, pluginsdk.OutboundMessage{Channel: "fake", AccountID: "default", Target: pluginsdk.Target{Kind: pluginsdk.PeerDM, ID: "u1"}, Text: "hi", ReplyToID: "m1"})
	if err != nil || len(res.MessageIDs) != 1 {
		t.Fatalf("Send = %v, %v", res, err)
	}
	if got := <-ch.sent; got.Text != "hi" || got.ReplyToID != "m1" || got.Target.ID != "u1" {
		t.Fatalf("plugin received %+v", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := h.Status(ctx)
		if err == nil && len(st) == 1 && st[0].State == pluginsdk.StateConnected && !st[0].LastOutbound.IsZero() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status = %+v, %v", st, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	probe, err := h.Probe(ctx, "fake", "default")
	if err != nil || !probe.GetOk() || probe.GetBotUsername() != "bot" {
		t.Fatalf("Probe = %v, %v", probe, err)
	}
	if err := h.StopAccount(ctx, "fake", "default"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Probe(ctx, "fake", "default"); err == nil {
		t.Fatal("Probe of a stopped account succeeded")
	}
}

func TestPermanentErrorParksAccount(t *testing.T) {
	ch := &fakeChannel{fail: pluginsdk.Permanent(errors.New("401 Unauthorized: token rejected"))}
	h := plugintest.New(t, pluginsdk.Plugin{Manifest: []byte(channelManifest), Channel: ch})
	ctx := t.Context()
	if err := h.Configure(ctx, `{}`); err != nil {
		t.Fatal(err)
	}
	if err := h.StartAccount(ctx, "fake", "default", `{}`); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, ok := h.Host.Status("fake", "default")
		if ok && st.State == pluginsdk.StateError {
			if !strings.Contains(st.LastError, "token rejected") {
				t.Fatalf("last error = %q", st.LastError)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("account never reported the error state: %+v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	if n := ch.runs.Load(); n != 1 {
		t.Fatalf("a permanent failure was retried: %d runs", n)
	}
}

func TestServeRejectsInconsistentPlugin(t *testing.T) {
	tests := []struct {
		name string
		p    pluginsdk.Plugin
		want string
	}{
		{"no manifest", pluginsdk.Plugin{Channel: &fakeChannel{}}, "Manifest is empty"},
		{"no kind", pluginsdk.Plugin{Manifest: []byte(channelManifest)}, "implements no kind"},
		{"kind not declared", pluginsdk.Plugin{Manifest: []byte(channelManifest), Channel: &fakeChannel{}, Skills: skills{}}, `implements "skill"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := pluginsdk.NewGRPCPlugin(tt.p, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

type skills struct{}

func (skills) Skills(context.Context) ([]pluginsdk.Skill, error) { return nil, nil }

func TestPermanentHelpers(t *testing.T) {
	base := errors.New("x")
	if pluginsdk.Permanent(nil) != nil {
		t.Fatal("Permanent(nil) != nil")
	}
	p := pluginsdk.Permanent(base)
	if !pluginsdk.IsPermanent(p) || !errors.Is(p, base) || pluginsdk.IsPermanent(base) {
		t.Fatal("Permanent does not wrap as documented")
	}
}
