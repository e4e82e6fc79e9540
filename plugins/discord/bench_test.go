package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	fake "github.com/openclaw-go/openclaw/e2e/fakes/discord"
	"github.com/openclaw-go/openclaw/pluginsdk"
	"github.com/openclaw-go/openclaw/pluginsdk/plugintest"
)

// BenchmarkToInbound is the cost of normalising one guild message.
func BenchmarkToInbound(b *testing.B) {
	m := &discordgo.Message{
		ID: "1234567890123456789", ChannelID: "1400000000000000001", GuildID: "1200000000000000001",
		Content: "<@1100000000000000001> how do I reset my password?", Type: discordgo.MessageTypeDefault,
		Author:   &discordgo.User{ID: "1500000000000000001", Username: "alice", GlobalName: "Alice"},
		Member:   &discordgo.Member{Nick: "Ali", Roles: []string{"1300000000000000001"}},
		Mentions: []*discordgo.User{{ID: "1100000000000000001", Username: "openclaw", Bot: true}},
	}
	c := convo{ch: chanFacts{id: m.ChannelID, guildID: m.GuildID, name: "general", known: true}, guild: guildFacts{name: "Friends"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := toInbound("default", "1100000000000000001", m, c); !ok {
			b.Fatal("skipped")
		}
	}
}

// BenchmarkRoundTrip is one inbound message through the fake's gateway, the
// plugin and the SDK to the host, and one reply back through REST: the
// plugin's share of a conversation turn with an instant model.
func BenchmarkRoundTrip(b *testing.B) {
	// Buckets wide enough that Discord's rate limits are not what is measured.
	f := fake.New(fake.Options{BucketLimit: 1 << 30})
	defer f.Close()
	h := plugintest.New(b, newPlugin(newChannel(testOptions())))
	ctx := context.Background()
	if err := h.Configure(ctx, `{}`); err != nil {
		b.Fatal(err)
	}
	cfg := `{"token":"` + f.Token() + `","apiUrl":"` + f.APIURL() + `"}`
	if err := h.StartAccount(ctx, channelID, "default", cfg); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = h.StopAccount(ctx, channelID, "default") }()
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if err := f.WaitReady(wctx, 1); err != nil {
		b.Fatal(err)
	}
	w := f.World()
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.SendChannel(w.General.ID, w.Alice, "ping", true); err != nil {
			b.Fatal(err)
		}
		in := h.Host.NextEmit(b, 10*time.Second)
		if !strings.Contains(in.Text, "ping") || !in.BotMentioned {
			b.Fatalf("emitted %+v, want the mentioning ping", in)
		}
		_, err := h.Send(ctx, pluginsdk.OutboundMessage{
			Channel: channelID, AccountID: "default", Target: pluginsdk.Target{Kind: in.PeerKind, ID: in.PeerID},
			ReplyToID: in.MessageID, Text: "pong",
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
