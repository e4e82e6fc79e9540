package main

import (
	"encoding/json"
	"testing"

	hclog "github.com/hashicorp/go-hclog"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

func BenchmarkNormalisePosted(b *testing.B) {
	a := &account{
		id: "default", cfg: accountConfig{BaseURL: "http://mm", ChatMode: chatOnCall}, log: hclog.NewNullLogger(),
		sent: newRecent[pluginsdk.SendResult](8), ownPosts: newRecent[struct{}](8), rootAuthors: newRecent[string](8),
		me: user{ID: "botbotbotbotbotbotbotbotbo", Username: "openclaw"}, dms: map[string]string{},
		users: map[string]user{"alicealicealicealicealicea": {ID: "alicealicealicealicealicea", Username: "alice"}},
	}
	raw, _ := json.Marshal(post{ID: "postpostpostpostpostpostpo", CreateAt: 1700000000000, UserID: "alicealicealicealicealicea",
		ChannelID: "chanchanchanchanchanchanch", Message: "hey @openclaw, what's up?"})
	data, _ := json.Marshal(postedData{ChannelDisplayName: "Town Square", ChannelName: "town-square", ChannelType: "O",
		Post: string(raw), SenderName: "@alice", TeamID: "teamteamteamteamteamteamte", Mentions: `["botbotbotbotbotbotbotbotbo"]`})
	b.ReportAllocs()
	for b.Loop() {
		var d postedData
		var p post
		if json.Unmarshal(data, &d) != nil || json.Unmarshal([]byte(d.Post), &p) != nil {
			b.Fatal("decode")
		}
		if msg, ok := a.normalise(b.Context(), d, p); !ok || !msg.BotMentioned {
			b.Fatal("not addressed")
		}
	}
}
