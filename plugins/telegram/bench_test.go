package main

import (
	"strings"
	"testing"

	"github.com/mymmrac/telego"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

// BenchmarkRoundTrip measures one message through the plugin: a user
// writes (fake Bot API, long poll), the plugin emits it over gRPC to the
// host, then sends a reply back through the fake. It includes loopback
// HTTP and gRPC costs, not a real network.
func BenchmarkRoundTrip(b *testing.B) {
	r := newRig(b)
	r.start(b, nil)
	r.waitConnected(b, "default")
	reply := pluginsdk.OutboundMessage{Channel: channelID, AccountID: "default", Target: pluginsdk.Target{Kind: pluginsdk.PeerDM, ID: "1001"}, Text: "**pong**"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		in := r.bot.SendPrivate(alice, "ping")
		m := r.next(b)
		if m.MessageID != itoa(in.MessageID) {
			b.Fatalf("emitted %s, want %d", m.MessageID, in.MessageID)
		}
		reply.ReplyToID = m.MessageID
		if _, err := r.h.Send(ctx(b), reply); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarkdownToHTML(b *testing.B) {
	md := strings.Repeat("## Heading\nSome **bold** and _italic_ text with `code` and a [link](https://example.com).\n"+
		"- item one\n- item two\n```go\nfunc main() { fmt.Println(\"<hi>\") }\n```\n> a quote\n", 20)
	b.SetBytes(int64(len(md)))
	for i := 0; i < b.N; i++ {
		markdownToHTML(md)
	}
}

func BenchmarkNormalize(b *testing.B) {
	me := identity{id: 7000000001, username: "openclaw_test_bot"}
	text := "@openclaw_test_bot what is the weather in Berlin today?"
	u := telego.Update{UpdateID: 1, Message: &telego.Message{
		MessageID: 10, Date: 1700000000, Text: text,
		Chat:     telego.Chat{ID: -1001234567890, Type: "supergroup", Title: "Team"},
		From:     &telego.User{ID: 1001, FirstName: "Alice", Username: "alice_w"},
		Entities: []telego.MessageEntity{{Type: "mention", Offset: 0, Length: 18}},
	}}
	for i := 0; i < b.N; i++ {
		if _, ok := normalize("default", me, u); !ok {
			b.Fatal("not normalised")
		}
	}
}
