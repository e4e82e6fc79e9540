package routing

import (
	"context"
	"fmt"
	"testing"
)

// manyBindings builds a config with n bindings spread over peers, guilds,
// teams and accounts of a few channels, and an agent per 100 bindings.
func manyBindings(n int) Config {
	var cfg Config
	for i := range n / 100 {
		cfg.Agents.List = append(cfg.Agents.List, AgentConfig{ID: fmt.Sprintf("agent%d", i), GroupChat: GroupChatConfig{MentionPatterns: []string{fmt.Sprintf(`@agent%d\b`, i)}}})
	}
	channels := []string{"telegram", "discord", "slack", "mattermost"}
	for i := range n {
		b := Binding{AgentID: fmt.Sprintf("agent%d", i%(n/100)), Match: BindingMatch{Channel: channels[i%4], AccountID: "*"}}
		switch i % 5 {
		case 0, 1:
			b.Match.Peer = &PeerMatch{Kind: "group", ID: ID(fmt.Sprintf("g%d", i))}
		case 2:
			b.Match.Peer = &PeerMatch{Kind: "direct", ID: ID(fmt.Sprintf("u%d", i))}
		case 3:
			b.Match.GuildID = ID(fmt.Sprintf("guild%d", i))
		case 4:
			b.Match.AccountID = fmt.Sprintf("acct%d", i)
		}
		cfg.Bindings = append(cfg.Bindings, b)
	}
	cfg.Channels.ByName = map[string]*ChannelConfig{}
	for _, c := range channels {
		cfg.Channels.ByName[c] = &ChannelConfig{DMPolicy: "open", AllowFrom: StringList{"*"}, GroupPolicy: "open"}
	}
	cfg.Session.DMScope = "per-channel-peer"
	return cfg
}

func BenchmarkRoute10kBindings(b *testing.B) {
	r, err := New(manyBindings(10000), Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	cases := map[string]Inbound{
		"peer-match":   {Channel: "telegram", PeerKind: "group", PeerID: "g8000", SenderID: "1", Text: "@agent80 hello", NativeMentions: true},
		"guild-match":  {Channel: "mattermost", PeerKind: "channel", PeerID: "c1", GuildID: "guild9003", SenderID: "1", Mentioned: true},
		"account":      {Channel: "telegram", AccountID: "acct9004", PeerKind: "direct", SenderID: "42"},
		"default":      {Channel: "slack", AccountID: "nobody", PeerKind: "direct", SenderID: "U7"},
		"group-gating": {Channel: "discord", PeerKind: "channel", PeerID: "nope", SenderID: "1", Text: "just chatting, nobody mentioned anything", NativeMentions: true},
	}
	for name, msg := range cases {
		b.Run(name, func(b *testing.B) {
			if d, err := r.Route(ctx, msg); err != nil || d.SessionKey == "" {
				b.Fatalf("%s: %v", d, err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Route(ctx, msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkNewRouter10kBindings(b *testing.B) {
	cfg := manyBindings(10000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(cfg, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
