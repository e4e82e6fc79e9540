package pipeline

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/openclaw-go/openclaw/core/channels"
	"github.com/openclaw-go/openclaw/core/inbox"
	"github.com/openclaw-go/openclaw/core/routing"
	"github.com/openclaw-go/openclaw/core/routing/pairing"
	"github.com/openclaw-go/openclaw/pluginsdk"
)

type fakeOut struct {
	sent   []channels.Delivery
	topics bool
}

func (f *fakeOut) Deliver(_ context.Context, d channels.Delivery) (channels.Result, error) {
	f.sent = append(f.sent, d)
	return channels.Result{Chunks: 1}, nil
}

func (f *fakeOut) ThreadsAreTopics(string) bool { return f.topics }

type fakeAgent struct{ submitted, observed []Turn }

func (a *fakeAgent) Submit(_ context.Context, t Turn) <-chan error {
	a.submitted = append(a.submitted, t)
	done := make(chan error, 1)
	done <- nil
	return done
}

func (a *fakeAgent) Observe(_ context.Context, t Turn) { a.observed = append(a.observed, t) }

func newPipeline(t *testing.T, channelCfg string) (*Pipeline, *fakeAgent, *fakeOut) {
	t.Helper()
	var cfg routing.Config
	if err := json.Unmarshal([]byte(`{"channels":{"telegram":`+channelCfg+`}}`), &cfg); err != nil {
		t.Fatal(err)
	}
	store, err := pairing.New(t.TempDir(), pairing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := routing.New(cfg, routing.Options{Pairing: store})
	if err != nil {
		t.Fatal(err)
	}
	a, out := &fakeAgent{}, &fakeOut{}
	return New(r, a, out, nil), a, out
}

func dm(text string) *inbox.Record {
	return &inbox.Record{Key: "k1", Message: pluginsdk.InboundMessage{
		Channel: "telegram", AccountID: "default", MessageID: "7", PeerKind: pluginsdk.PeerDM, PeerID: "42",
		Sender: pluginsdk.Sender{ID: "42", Name: "Alice"}, Text: text,
	}}
}

func TestHandle(t *testing.T) {
	tests := []struct {
		name       string
		channelCfg string
		submitted  int
		reply      string // text of a direct reply, "" for none
	}{
		{"open DM goes to the agent", `{"dmPolicy":"open","allowFrom":["*"]}`, 1, ""},
		{"allowlisted sender goes to the agent", `{"dmPolicy":"allowlist","allowFrom":["42"]}`, 1, ""},
		{"stranger under allowlist is dropped", `{"dmPolicy":"allowlist","allowFrom":["7"]}`, 0, ""},
		{"stranger under pairing gets a code", `{"dmPolicy":"pairing"}`, 0, "Pairing code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, a, out := newPipeline(t, tt.channelCfg)
			done, err := p.Handle(t.Context(), dm("hello"))
			if err != nil {
				t.Fatal(err)
			}
			if len(a.submitted) != tt.submitted {
				t.Fatalf("submitted %d turns, want %d", len(a.submitted), tt.submitted)
			}
			if tt.submitted > 0 {
				if done == nil || <-done != nil {
					t.Fatal("an admitted message has no completion signal")
				}
				turn := a.submitted[0]
				if turn.Decision.SessionKey == "" || !turn.Authorized {
					t.Fatalf("turn = %+v", turn.Decision)
				}
				// The reply goes back to the conversation, quoting the message.
				if err := turn.Deliver(t.Context(), "hi back", nil); err != nil {
					t.Fatal(err)
				}
				d := out.sent[len(out.sent)-1]
				if d.Target.ID != "42" || d.ReplyToID != "7" || d.Text != "hi back" || d.Key != "reply:k1" {
					t.Fatalf("delivery = %+v", d)
				}
			}
			if tt.reply == "" && tt.submitted == 0 && len(out.sent) != 0 {
				t.Fatalf("a dropped message was answered: %+v", out.sent)
			}
			if tt.reply != "" && (len(out.sent) != 1 || !strings.Contains(out.sent[0].Text, tt.reply)) {
				t.Fatalf("sent %+v, want a reply containing %q", out.sent, tt.reply)
			}
		})
	}
}

func TestToRoutingTopics(t *testing.T) {
	m := pluginsdk.InboundMessage{Channel: "x", ThreadID: "9", PeerKind: pluginsdk.PeerGroup, PeerID: "-1",
		ReplyTo: &pluginsdk.ReplyRef{ToBot: true}, Metadata: map[string]string{"channelName": "general"}}
	if in := ToRouting(m, true); in.TopicID != "9" || in.ThreadID != "" {
		t.Errorf("topics: TopicID %q ThreadID %q", in.TopicID, in.ThreadID)
	}
	in := ToRouting(m, false)
	if in.ThreadID != "9" || in.TopicID != "" || !in.ReplyToBot || in.ChannelName != "general" {
		t.Errorf("threads: %+v", in)
	}
}
