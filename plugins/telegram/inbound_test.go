package main

import (
	"reflect"
	"testing"

	"github.com/mymmrac/telego"

	tgfake "github.com/openclaw-go/openclaw/e2e/fakes/telegram"
	"github.com/openclaw-go/openclaw/pluginsdk"
)

// TestInboundNormalisation drives each kind of message through the fake
// and the plugin and checks what reaches the gateway.
func TestInboundNormalisation(t *testing.T) {
	r := newRig(t)
	r.start(t, nil)
	r.waitConnected(t, "default")
	b := r.bot
	group := tgfake.Group(-4001, "Friends")
	super := tgfake.Supergroup(-1001234567890, "Team")
	forum := tgfake.Forum(-1009876543210, "Forum")
	news := tgfake.Channel(-1005555555555, "News", "news_chan")

	botReply := r.sendAs(t, pluginsdk.Target{Kind: pluginsdk.PeerGroup, ID: "-1001234567890"}, "I am the bot")

	tests := []struct {
		name   string
		inject func() tgfake.Message
		check  func(t *testing.T, in tgfake.Message, m pluginsdk.InboundMessage)
	}{
		{"dm", func() tgfake.Message { return b.SendPrivate(alice, "hello there") }, func(t *testing.T, in tgfake.Message, m pluginsdk.InboundMessage) {
			want(t, m.PeerKind, pluginsdk.PeerDM)
			want(t, m.PeerID, "1001")
			want(t, m.Sender, pluginsdk.Sender{ID: "1001", Name: "Alice W", Username: "alice_w"})
			want(t, m.Text, "hello there")
			want(t, m.BotMentioned, false)
			want(t, m.ThreadID, "")
			want(t, m.ChatTitle, "")
			want(t, m.Channel, "telegram")
			want(t, m.AccountID, "default")
			want(t, m.Timestamp.Unix(), in.Date)
		}},
		{"group without mention", func() tgfake.Message { return b.SendGroup(group, bob, "just chatting") }, func(t *testing.T, in tgfake.Message, m pluginsdk.InboundMessage) {
			want(t, m.PeerKind, pluginsdk.PeerGroup)
			want(t, m.PeerID, "-4001")
			want(t, m.ChatTitle, "Friends")
			want(t, m.BotMentioned, false)
		}},
		{"group with @mention", func() tgfake.Message { return b.MentionInGroup(super, bob, "what time is it?") }, func(t *testing.T, in tgfake.Message, m pluginsdk.InboundMessage) {
			want(t, m.PeerKind, pluginsdk.PeerGroup)
			want(t, m.BotMentioned, true)
			want(t, m.Text, "@openclaw_test_bot what time is it?")
			want(t, len(m.MentionedIDs), 0)
		}},
		{"mention of someone else", func() tgfake.Message { return b.SendGroup(super, bob, "@alice_w look") }, func(t *testing.T, in tgfake.Message, m pluginsdk.InboundMessage) {
			want(t, m.BotMentioned, false)
			want(t, m.MentionedIDs, []string{"@alice_w"})
		}},
		{"text_mention of the bot", func() tgfake.Message { return b.TextMentionInGroup(super, bob, "help") }, func(t *testing.T, in tgfake.Message, m pluginsdk.InboundMessage) {
			want(t, m.BotMentioned, true)
		}},
		{"command addressed to the bot", func() tgfake.Message { return b.SendGroup(super, bob, "/status@openclaw_test_bot now") }, func(t *testing.T, in tgfake.Message, m pluginsdk.InboundMessage) {
			want(t, m.Command, "status")
			want(t, m.Text, "/status now")
			want(t, m.BotMentioned, true)
		}},
		{"command for another bot", func() tgfake.Message { return b.SendGroup(super, bob, "/status@other_bot") }, func(t *testing.T, in tgfake.Message, m pluginsdk.InboundMessage) {
			want(t, m.Command, "")
			want(t, m.BotMentioned, false)
		}},
		{"plain command in a dm", func() tgfake.Message { return b.SendPrivate(alice, "/start") }, func(t *testing.T, in tgfake.Message, m pluginsdk.InboundMessage) {
			want(t, m.Command, "start")
			want(t, m.Text, "/start")
		}},
		{"forum topic", func() tgfake.Message { return b.SendTopic(forum, 42, bob, "in the topic") }, func(t *testing.T, in tgfake.Message, m pluginsdk.InboundMessage) {
			want(t, m.PeerKind, pluginsdk.PeerGroup)
			want(t, m.PeerID, "-1009876543210")
			want(t, m.ThreadID, "42")
			if m.ReplyTo != nil {
				t.Errorf("a topic's opening message is not a reply: %+v", m.ReplyTo)
			}
		}},
		{"forum general topic", func() tgfake.Message { return b.SendGroup(forum, bob, "in general") }, func(t *testing.T, in tgfake.Message, m pluginsdk.InboundMessage) {
			want(t, m.ThreadID, "1")
		}},
		{"reply to the bot", func() tgfake.Message { return b.ReplyTo(botReply, alice, "thanks") }, func(t *testing.T, in tgfake.Message, m pluginsdk.InboundMessage) {
			if m.ReplyTo == nil {
				t.Fatal("ReplyTo not set")
			}
			want(t, *m.ReplyTo, pluginsdk.ReplyRef{MessageID: itoa(botReply.MessageID), Text: "I am the bot", SenderID: itoa64(b.ID()), ToBot: true})
			want(t, m.BotMentioned, true)
		}},
		{"reply to a user", func() tgfake.Message {
			first := b.SendGroup(super, bob, "first")
			r.next(t) // consume it
			return b.ReplyTo(first, alice, "re")
		}, func(t *testing.T, in tgfake.Message, m pluginsdk.InboundMessage) {
			want(t, m.ReplyTo.ToBot, false)
			want(t, m.ReplyTo.SenderID, "1002")
			want(t, m.BotMentioned, false)
		}},
		{"channel post", func() tgfake.Message { return b.PostInChannel(news, "breaking") }, func(t *testing.T, in tgfake.Message, m pluginsdk.InboundMessage) {
			want(t, m.PeerKind, pluginsdk.PeerChannel)
			want(t, m.PeerID, "-1005555555555")
			want(t, m.Sender.ID, "-1005555555555")
			want(t, m.Sender.Name, "News")
		}},
		{"another bot", func() tgfake.Message {
			other := tgfake.User{ID: 7000000099, IsBot: true, FirstName: "Other", Username: "other_bot"}
			return b.SendGroup(super, other, "beep")
		}, func(t *testing.T, in tgfake.Message, m pluginsdk.InboundMessage) {
			want(t, m.Sender.IsBot, true) // allowBots is the gateway's decision
		}},
		{"photo with caption", func() tgfake.Message {
			return b.SendPhotoFrom(tgfake.PrivateChat(alice), alice, []byte("JPEGBYTES"), "look")
		}, func(t *testing.T, in tgfake.Message, m pluginsdk.InboundMessage) {
			want(t, m.Text, "look")
			if len(m.Media) != 1 {
				t.Fatalf("media = %+v", m.Media)
			}
			want(t, m.Media[0].Kind, "image")
			want(t, string(m.Media[0].Data), "JPEGBYTES")
			want(t, m.Media[0].URL, "") // a file URL would carry the bot token
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.inject()
			m := r.next(t)
			want(t, m.MessageID, itoa(in.MessageID))
			tt.check(t, in, m)
		})
	}

	t.Run("own messages are ignored", func(t *testing.T) {
		self := b.User()
		b.SendGroup(super, self, "echo of myself")
		marker := b.SendGroup(super, bob, "after")
		m := r.next(t)
		want(t, m.MessageID, itoa(marker.MessageID))
	})
}

// sendAs makes the plugin send text and returns the message as the fake
// stored it.
func (r *rig) sendAs(t *testing.T, target pluginsdk.Target, text string) tgfake.Message {
	t.Helper()
	r.bot.AddChat(tgfake.Supergroup(-1001234567890, "Team"))
	res, err := r.h.Send(ctx(t), pluginsdk.OutboundMessage{Channel: channelID, AccountID: "default", Target: target, Text: text, Format: "plain"})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	s, err := r.bot.WaitSent(ctx(t), func(s tgfake.Sent) bool {
		return itoa(s.Message.MessageID) == res.MessageIDs[0] && s.Message.Chat.ID == -1001234567890
	})
	if err != nil {
		t.Fatal(err)
	}
	return s.Message
}

func TestReadEntitiesCountsUTF16(t *testing.T) {
	me := identity{id: 7, username: "Helper_Bot"}
	// The emoji takes two UTF-16 code units, so the mention starts at 3.
	text := "🙂 @helper_bot hi"
	ents := []telego.MessageEntity{{Type: "mention", Offset: 3, Length: 11}}
	_, mentioned, ids, _ := readEntities(text, ents, me)
	if !mentioned || len(ids) != 0 {
		t.Fatalf("mentioned=%v ids=%v, want the bot mentioned", mentioned, ids)
	}
	// Out-of-range entities are ignored, not a panic.
	_, mentioned, _, _ = readEntities("hi", []telego.MessageEntity{{Type: "mention", Offset: 1, Length: 40}}, me)
	if mentioned {
		t.Fatal("a broken entity must not count as a mention")
	}
	text, _, _, cmd := readEntities("/Help@helper_bot  me", []telego.MessageEntity{{Type: "bot_command", Offset: 0, Length: 16}}, me)
	if cmd != "help" || text != "/help  me" {
		t.Fatalf("command = %q text = %q", cmd, text)
	}
}

func TestNormalizeSkipsEditsAndServiceMessages(t *testing.T) {
	me := identity{id: 7, username: "helper_bot"}
	chat := telego.Chat{ID: 5, Type: "private"}
	tests := []struct {
		name string
		u    telego.Update
	}{
		{"edited message", telego.Update{EditedMessage: &telego.Message{MessageID: 1, Chat: chat, Text: "x"}}},
		{"service message", telego.Update{Message: &telego.Message{MessageID: 2, Chat: chat, NewChatTitle: "t"}}},
		{"own message", telego.Update{Message: &telego.Message{MessageID: 3, Chat: chat, Text: "x", From: &telego.User{ID: 7}}}},
		{"empty callback", telego.Update{CallbackQuery: &telego.CallbackQuery{ID: "1", From: telego.User{ID: 5}}}},
	}
	for _, tt := range tests {
		if _, ok := normalize("default", me, tt.u); ok {
			t.Errorf("%s: normalised, want skipped", tt.name)
		}
	}
	in, ok := normalize("default", me, telego.Update{CallbackQuery: &telego.CallbackQuery{
		ID: "99", From: telego.User{ID: 5}, Data: "yes",
		Message: &telego.Message{MessageID: 10, Chat: chat},
	}})
	if !ok || in.msg.Text != "callback_data: yes" || in.callbackID != "99" || in.msg.PeerKind != pluginsdk.PeerDM || !in.msg.ReplyTo.ToBot {
		t.Fatalf("callback = %+v, %v", in, ok)
	}
}

func want[T any](t *testing.T, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}
