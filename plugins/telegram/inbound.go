package main

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/mymmrac/telego"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

// generalTopic is the thread id OpenClaw gives a forum's General topic,
// whose messages carry no message_thread_id.
const generalTopic = "1"

// identity is who the bot is, from getMe.
type identity struct {
	id       int64
	username string
	// topicsInDM is getMe's has_topics_enabled: private chats have topics,
	// so a DM's message_thread_id splits sessions.
	topicsInDM bool
}

// inbound is a normalised message and the files still to download for it.
type inbound struct {
	msg   pluginsdk.InboundMessage
	files []fileRef
	// callbackID is set for button presses, answered after Emit.
	callbackID string
}

// fileRef points a Media entry at the Telegram file to fetch for it.
type fileRef struct {
	index  int
	fileID string
	size   int64
}

// normalize turns an update into an inbound message. ok is false for
// updates the gateway has no use for (edits, service messages, the bot's
// own messages), which are acknowledged and skipped.
func normalize(accountID string, me identity, u telego.Update) (inbound, bool) {
	switch {
	case u.Message != nil:
		return normalizeMessage(accountID, me, u.Message)
	case u.ChannelPost != nil:
		return normalizeMessage(accountID, me, u.ChannelPost)
	case u.CallbackQuery != nil:
		return normalizeCallback(accountID, me, u.CallbackQuery)
	}
	return inbound{}, false
}

func normalizeMessage(accountID string, me identity, m *telego.Message) (inbound, bool) {
	if m.From != nil && m.From.ID == me.id {
		return inbound{}, false // never answer ourselves
	}
	text, entities := m.Text, m.Entities
	if text == "" {
		text, entities = m.Caption, m.CaptionEntities
	}
	in := inbound{msg: pluginsdk.InboundMessage{
		Channel:   channelID,
		AccountID: accountID,
		MessageID: strconv.Itoa(m.MessageID),
		PeerID:    strconv.FormatInt(m.Chat.ID, 10),
		Timestamp: time.Unix(m.Date, 0).UTC(),
		Metadata:  map[string]string{"chatType": m.Chat.Type},
	}}
	msg := &in.msg
	switch m.Chat.Type {
	case telego.ChatTypePrivate:
		msg.PeerKind = pluginsdk.PeerDM
	case telego.ChatTypeChannel:
		msg.PeerKind = pluginsdk.PeerChannel
		msg.ChatTitle = m.Chat.Title
	default:
		msg.PeerKind = pluginsdk.PeerGroup
		msg.ChatTitle = m.Chat.Title
	}
	if m.Chat.Username != "" && msg.PeerKind != pluginsdk.PeerDM {
		msg.Metadata["chatUsername"] = m.Chat.Username
	}
	msg.Sender = sender(m)

	// Threads: forum topics (the General topic has no thread id), and DM
	// topics only when the bot has them enabled. Reply threads of ordinary
	// supergroups stay in the group's session.
	if m.MessageThreadID != 0 {
		msg.Metadata["messageThreadId"] = strconv.Itoa(m.MessageThreadID)
	}
	switch {
	case m.Chat.IsForum:
		msg.Metadata["isForum"] = "true"
		msg.ThreadID = generalTopic
		if m.IsTopicMessage && m.MessageThreadID != 0 {
			msg.ThreadID = strconv.Itoa(m.MessageThreadID)
		}
	case msg.PeerKind == pluginsdk.PeerDM && me.topicsInDM && m.MessageThreadID != 0:
		msg.ThreadID = strconv.Itoa(m.MessageThreadID)
	}

	// In a forum topic every message "replies" to the topic's opening
	// service message; only a reply to anything else is a real reply.
	if r := m.ReplyToMessage; r != nil && r.ForumTopicCreated == nil && !(m.IsTopicMessage && r.MessageID == m.MessageThreadID) {
		ref := &pluginsdk.ReplyRef{MessageID: strconv.Itoa(r.MessageID), Text: r.Text}
		if ref.Text == "" {
			ref.Text = r.Caption
		}
		if r.From != nil {
			ref.SenderID = strconv.FormatInt(r.From.ID, 10)
			ref.ToBot = r.From.ID == me.id
		}
		msg.ReplyTo = ref
		if ref.ToBot {
			msg.BotMentioned = true
		}
	}

	text, mentioned, ids, cmd := readEntities(text, entities, me)
	msg.Text = text
	msg.BotMentioned = msg.BotMentioned || mentioned
	msg.MentionedIDs = ids
	msg.Command = cmd
	in.files = attachMedia(msg, m)
	return in, msg.Text != "" || len(msg.Media) > 0
}

func sender(m *telego.Message) pluginsdk.Sender {
	if m.From != nil {
		name := strings.TrimSpace(m.From.FirstName + " " + m.From.LastName)
		return pluginsdk.Sender{ID: strconv.FormatInt(m.From.ID, 10), Name: name, Username: m.From.Username, IsBot: m.From.IsBot}
	}
	if c := m.SenderChat; c != nil {
		// Channel posts and anonymous admins speak as a chat.
		return pluginsdk.Sender{ID: strconv.FormatInt(c.ID, 10), Name: c.Title, Username: c.Username}
	}
	return pluginsdk.Sender{}
}

// readEntities finds mentions of the bot (@username, or a text_mention of
// its id), the other users mentioned (ids, or @usernames when Telegram
// gives no id) and a leading /command. A command addressed to another bot
// (/cmd@otherbot) is not ours; one addressed to us is rewritten to plain
// /cmd so the gateway's command parser sees one form.
func readEntities(text string, entities []telego.MessageEntity, me identity) (string, bool, []string, string) {
	units := utf16.Encode([]rune(text))
	span := func(e telego.MessageEntity) string {
		if e.Offset < 0 || e.Length <= 0 || e.Offset+e.Length > len(units) {
			return ""
		}
		return string(utf16.Decode(units[e.Offset : e.Offset+e.Length]))
	}
	var (
		mentioned bool
		ids       []string
		command   string
		rewrite   *telego.MessageEntity
	)
	self := "@" + strings.ToLower(me.username)
	for _, e := range entities {
		switch e.Type {
		case "mention":
			name := strings.ToLower(span(e))
			if me.username != "" && name == self {
				mentioned = true
			} else if name != "" {
				ids = append(ids, name)
			}
		case "text_mention":
			if e.User == nil {
				continue
			}
			if e.User.ID == me.id {
				mentioned = true
			} else {
				ids = append(ids, strconv.FormatInt(e.User.ID, 10))
			}
		case "bot_command":
			if e.Offset != 0 || command != "" {
				continue
			}
			name, target, addressed := strings.Cut(strings.TrimPrefix(span(e), "/"), "@")
			if addressed && !strings.EqualFold(target, me.username) {
				continue
			}
			command = strings.ToLower(name)
			if addressed {
				mentioned = true
				e := e
				rewrite = &e
			}
		}
	}
	if rewrite != nil {
		text = "/" + command + string(utf16.Decode(units[rewrite.Offset+rewrite.Length:]))
	}
	return text, mentioned, ids, command
}

// attachMedia lists the message's media; the bytes are fetched later.
func attachMedia(msg *pluginsdk.InboundMessage, m *telego.Message) []fileRef {
	add := func(media pluginsdk.Media, fileID string, size int64) fileRef {
		msg.Media = append(msg.Media, media)
		return fileRef{index: len(msg.Media) - 1, fileID: fileID, size: size}
	}
	var refs []fileRef
	switch {
	case len(m.Photo) > 0:
		p := m.Photo[len(m.Photo)-1] // the largest size comes last
		refs = append(refs, add(pluginsdk.Media{Kind: "image", MimeType: "image/jpeg", Size: int64(p.FileSize)}, p.FileID, int64(p.FileSize)))
	case m.Document != nil:
		d := m.Document
		kind := "document"
		if strings.HasPrefix(d.MimeType, "image/") {
			kind = "image"
		}
		refs = append(refs, add(pluginsdk.Media{Kind: kind, MimeType: d.MimeType, FileName: d.FileName, Size: d.FileSize}, d.FileID, d.FileSize))
	case m.Voice != nil:
		v := m.Voice
		refs = append(refs, add(pluginsdk.Media{Kind: "audio", MimeType: v.MimeType, Size: v.FileSize}, v.FileID, v.FileSize))
	case m.Audio != nil:
		a := m.Audio
		refs = append(refs, add(pluginsdk.Media{Kind: "audio", MimeType: a.MimeType, FileName: a.FileName, Size: a.FileSize}, a.FileID, a.FileSize))
	case m.Video != nil:
		v := m.Video
		refs = append(refs, add(pluginsdk.Media{Kind: "video", MimeType: v.MimeType, FileName: v.FileName, Size: v.FileSize}, v.FileID, v.FileSize))
	case m.Sticker != nil:
		s := m.Sticker
		refs = append(refs, add(pluginsdk.Media{Kind: "sticker", MimeType: "image/webp", Size: int64(s.FileSize)}, s.FileID, int64(s.FileSize)))
		if msg.Text == "" {
			msg.Text = s.Emoji
		}
	}
	return refs
}

// normalizeCallback turns an inline button press into a message whose text
// is the button's data, as OpenClaw passes unclaimed callbacks to the agent.
func normalizeCallback(accountID string, me identity, q *telego.CallbackQuery) (inbound, bool) {
	if q.Message == nil || q.Data == "" || q.From.ID == me.id {
		return inbound{}, false
	}
	chat := q.Message.GetChat()
	in := inbound{callbackID: q.ID, msg: pluginsdk.InboundMessage{
		Channel:   channelID,
		AccountID: accountID,
		MessageID: "callback:" + q.ID,
		PeerID:    strconv.FormatInt(chat.ID, 10),
		Sender: pluginsdk.Sender{ID: strconv.FormatInt(q.From.ID, 10), Username: q.From.Username, IsBot: q.From.IsBot,
			Name: strings.TrimSpace(q.From.FirstName + " " + q.From.LastName)},
		Text:         "callback_data: " + q.Data,
		BotMentioned: true,
		Timestamp:    time.Now().UTC(),
		ReplyTo:      &pluginsdk.ReplyRef{MessageID: strconv.Itoa(q.Message.GetMessageID()), SenderID: strconv.FormatInt(me.id, 10), ToBot: true},
		Metadata:     map[string]string{"chatType": chat.Type, "callbackData": q.Data},
	}}
	switch chat.Type {
	case telego.ChatTypePrivate:
		in.msg.PeerKind = pluginsdk.PeerDM
	case telego.ChatTypeChannel:
		in.msg.PeerKind = pluginsdk.PeerChannel
	default:
		in.msg.PeerKind = pluginsdk.PeerGroup
		in.msg.ChatTitle = chat.Title
	}
	return in, true
}
