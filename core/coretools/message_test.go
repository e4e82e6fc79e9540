package coretools

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openclaw-go/openclaw/core/channels"
	"github.com/openclaw-go/openclaw/core/sessions"
	"github.com/openclaw-go/openclaw/core/tools"
	"github.com/openclaw-go/openclaw/pluginsdk"
)

func twoChannels() map[string]channels.Setup {
	return map[string]channels.Setup{
		"telegram": {Channel: "telegram", PluginID: "telegram", Accounts: []channels.Account{{ID: "default"}, {ID: "bot2"}}},
		"discord":  {Channel: "discord", PluginID: "discord", Accounts: []channels.Account{{ID: "main"}}},
	}
}

func TestMessage(t *testing.T) {
	st := openStore(t, seed{key: dmKey, begin: sessions.BeginOptions{ChatType: "direct", Channel: "telegram", AccountID: "bot2"}})
	ws := t.TempDir()
	if err := os.WriteFile(filepath.Join(ws, "report.pdf"), []byte("%PDF-1.4 tiny"), 0o644); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "secret.txt")
	_ = os.WriteFile(outside, []byte("no"), 0o644)
	_ = os.Symlink(outside, filepath.Join(ws, "link.txt"))

	tests := []struct {
		name    string
		setups  map[string]channels.Setup
		inv     tools.Invocation
		args    string
		want    channels.Delivery
		wantErr string
		dry     bool
	}{
		{
			name: "explicit channel and target", args: `{"action":"send","channel":"discord","target":"channel:123","message":"hi"}`,
			want: channels.Delivery{Channel: "discord", AccountID: "main", Target: pluginsdk.Target{ID: "channel:123"}, Text: "hi"},
		},
		{
			name: "to is target, current channel and its account", inv: tools.Invocation{Channel: "telegram", SessionKey: dmKey},
			args: `{"action":"send","to":"-1001234:topic:7","message":"hello group"}`,
			want: channels.Delivery{Channel: "telegram", AccountID: "bot2", Target: pluginsdk.Target{ID: "-1001234:topic:7"}, Text: "hello group"},
		},
		{
			name: "prefixed target names the channel", inv: tools.Invocation{Channel: "telegram"},
			args: `{"action":"send","target":"discord:user:42","message":"psst","threadId":"t1","replyTo":"m9"}`,
			want: channels.Delivery{Channel: "discord", AccountID: "main", Target: pluginsdk.Target{ID: "discord:user:42"}, Text: "psst", ThreadID: "t1", ReplyToID: "m9"},
		},
		{
			name: "only channel is the default", setups: map[string]channels.Setup{"slack": {Channel: "slack", Accounts: []channels.Account{{ID: "default"}}}},
			args: `{"target":"channel:C1","message":"m"}`,
			want: channels.Delivery{Channel: "slack", AccountID: "default", Target: pluginsdk.Target{ID: "channel:C1"}, Text: "m"},
		},
		{
			name: "named account", args: `{"action":"send","channel":"telegram","accountId":"bot2","target":"42","message":"x"}`,
			want: channels.Delivery{Channel: "telegram", AccountID: "bot2", Target: pluginsdk.Target{ID: "42"}, Text: "x"},
		},
		{
			name: "workspace file attached", inv: tools.Invocation{WorkspaceDir: ws},
			args: `{"action":"send","channel":"telegram","target":"42","media":"report.pdf","caption":"the report"}`,
			want: channels.Delivery{Channel: "telegram", AccountID: "default", Target: pluginsdk.Target{ID: "42"}, Text: "the report",
				Media: []pluginsdk.Media{{FileName: "report.pdf", MimeType: "application/pdf", Kind: "document", Data: []byte("%PDF-1.4 tiny"), Size: 13}}},
		},
		{
			name: "media URL", args: `{"action":"send","channel":"telegram","target":"42","media":"https://example.com/cat.png"}`,
			want: channels.Delivery{Channel: "telegram", AccountID: "default", Target: pluginsdk.Target{ID: "42"},
				Media: []pluginsdk.Media{{URL: "https://example.com/cat.png", FileName: "cat.png", MimeType: "image/png", Kind: "image"}}},
		},
		{name: "dry run sends nothing", args: `{"action":"send","channel":"discord","target":"channel:1","message":"x","dryRun":true}`, dry: true},
		{name: "ambiguous channel", args: `{"action":"send","target":"42","message":"x"}`, wantErr: "channel is required: several are configured (discord, telegram)"},
		{name: "unknown channel", args: `{"action":"send","channel":"whatsapp","target":"1","message":"x"}`, wantErr: `channel "whatsapp" is not configured`},
		{name: "unknown account", args: `{"action":"send","channel":"discord","accountId":"alt","target":"channel:1","message":"x"}`, wantErr: `account "alt" of discord is not configured; accounts: main`},
		{name: "no target", args: `{"action":"send","channel":"discord","message":"x"}`, wantErr: "target is required"},
		{name: "target and to disagree", args: `{"action":"send","channel":"discord","target":"a","to":"b","message":"x"}`, wantErr: "disagree"},
		{name: "nothing to send", args: `{"action":"send","channel":"discord","target":"channel:1"}`, wantErr: "nothing to send"},
		{name: "other action", args: `{"action":"react","channel":"discord","target":"channel:1"}`, wantErr: `action "react" is not supported`},
		{name: "file outside workspace", inv: tools.Invocation{WorkspaceDir: ws}, args: `{"channel":"discord","target":"channel:1","media":"../../etc/passwd"}`, wantErr: "media:"},
		{name: "symlink out of workspace", inv: tools.Invocation{WorkspaceDir: ws}, args: `{"channel":"discord","target":"channel:1","media":"link.txt"}`, wantErr: "outside the workspace"},
		{name: "file URL refused", inv: tools.Invocation{WorkspaceDir: ws}, args: `{"channel":"discord","target":"channel:1","media":"file:///etc/passwd"}`, wantErr: "use an http(s) URL"},
		{name: "no channels", setups: map[string]channels.Setup{}, args: `{"target":"1","message":"x"}`, wantErr: "no channel is configured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setups := tt.setups
			if setups == nil {
				setups = twoChannels()
			}
			ch := &fakeChannels{setups: setups}
			res := run(t, Options{Sessions: st, Channels: ch}, "message", tt.inv, tt.args)
			if tt.wantErr != "" {
				if !res.IsError || !strings.Contains(res.Content, tt.wantErr) {
					t.Fatalf("result = %+v, want error %q", res, tt.wantErr)
				}
				if len(ch.sent) != 0 {
					t.Fatalf("sent despite the error: %+v", ch.sent)
				}
				return
			}
			if res.IsError {
				t.Fatalf("error: %s", res.Content)
			}
			d := details(t, res)
			if tt.dry {
				if d["dryRun"] != true || len(ch.sent) != 0 {
					t.Fatalf("dry run: %v, sent %v", d, ch.sent)
				}
				return
			}
			if len(ch.sent) != 1 {
				t.Fatalf("sent %d messages", len(ch.sent))
			}
			got := ch.sent[0]
			tt.want.Key = "message-tool:call-1"
			if got.Channel != tt.want.Channel || got.AccountID != tt.want.AccountID || got.Target != tt.want.Target || got.Text != tt.want.Text ||
				got.ThreadID != tt.want.ThreadID || got.ReplyToID != tt.want.ReplyToID || got.Key != tt.want.Key || len(got.Media) != len(tt.want.Media) {
				t.Fatalf("delivery = %+v\nwant       %+v", got, tt.want)
			}
			for i, m := range got.Media {
				w := tt.want.Media[i]
				if m.URL != w.URL || m.FileName != w.FileName || m.MimeType != w.MimeType || m.Kind != w.Kind || string(m.Data) != string(w.Data) {
					t.Errorf("media = %+v, want %+v", m, w)
				}
			}
			if d["ok"] != true || d["channel"] != tt.want.Channel || d["to"] == "" || len(d["messageIds"].([]any)) != 1 {
				t.Errorf("result = %v", d)
			}
		})
	}
}

func TestMessageDeliveryFailure(t *testing.T) {
	ch := &fakeChannels{setups: twoChannels(), err: errors.New("plugin telegram is restarting")}
	res := run(t, Options{Channels: ch}, "message", tools.Invocation{}, `{"action":"send","channel":"telegram","target":"42","message":"x"}`)
	if !res.IsError || !strings.Contains(res.Content, "send to telegram 42 failed: plugin telegram is restarting") {
		t.Fatalf("result = %+v", res)
	}
}
