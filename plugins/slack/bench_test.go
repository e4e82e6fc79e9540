package main

import (
	"strings"
	"testing"
)

func BenchmarkNormaliseEvent(b *testing.B) {
	me := identity{UserID: "U0BOT", BotID: "B0BOT", Name: "openclaw"}
	ev := slackEvent{Type: "message", User: "U0ALICE", Text: "<@U0BOT> what about <#C1|general> &amp; <https://example.com|this>?",
		TS: "1700000000.000100", ThreadTS: "1700000000.000001", ParentUserID: "U0BOT", Channel: "C1", ChannelType: "channel"}
	lk := lookups{
		userName:   func(string) (string, string, bool) { return "alice", "Alice", false },
		channel:    func(id string) conversation { return conversation{ID: id, Name: "general"} },
		configKey:  func(string) string { return "#general" },
		rememberDM: func(string, string) {},
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := normaliseEvent("default", me, "T1", ev, lk); !ok {
			b.Fatal("dropped")
		}
	}
}

func BenchmarkMarkdownToMrkdwn(b *testing.B) {
	md := strings.Repeat("## Heading\nSome **bold** and *italic* text with a [link](https://example.com) and `code`.\n- item\n", 20)
	b.SetBytes(int64(len(md)))
	b.ReportAllocs()
	for b.Loop() {
		markdownToMrkdwn(md)
	}
}
