package telegram

import (
	"fmt"
	"strconv"
	"unicode/utf16"
)

// PrivateChat is the private chat between u and the bot.
func PrivateChat(u User) Chat {
	return Chat{ID: u.ID, Type: ChatPrivate, FirstName: u.FirstName, LastName: u.LastName, Username: u.Username}
}

// Group is a basic group (negative id, by Telegram's convention).
func Group(id int64, title string) Chat { return Chat{ID: id, Type: ChatGroup, Title: title} }

// Supergroup is a supergroup without topics (ids start with -100).
func Supergroup(id int64, title string) Chat {
	return Chat{ID: id, Type: ChatSupergroup, Title: title}
}

// Forum is a supergroup with forum topics.
func Forum(id int64, title string) Chat {
	return Chat{ID: id, Type: ChatSupergroup, Title: title, IsForum: true}
}

// Channel is a broadcast channel.
func Channel(id int64, title, username string) Chat {
	return Chat{ID: id, Type: ChatChannel, Title: title, Username: username}
}

// MessageSpec describes a message a user (or a channel) sends, for Inject.
type MessageSpec struct {
	Chat Chat
	// From is the sender; nil for channel posts.
	From *User
	// SenderChat is set for channel posts and anonymous group admins.
	SenderChat *Chat
	Text       string
	// Entities default to what Telegram's clients detect in Text:
	// @mentions and /commands.
	Entities []MessageEntity
	// ThreadID places the message in a forum topic (or a reply thread).
	ThreadID int
	// ReplyToID is the message this one answers, in the same chat.
	ReplyToID int
	// Photo, if set, makes this a photo message with Text as its caption.
	Photo []byte
	// Document, if set, makes this a document message.
	Document *SentFile
	// Edited sends the message as an edited_message update.
	Edited bool
}

// Inject delivers a message as an update and returns it as the bot will
// see it (with its id, date and the message it replies to).
func (b *Bot) Inject(spec MessageSpec) Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	cs := b.chatLocked(spec.Chat)
	var replyTo *Message
	if spec.ReplyToID != 0 {
		replyTo = cs.messages[spec.ReplyToID]
	}
	if spec.ThreadID != 0 && cs.chat.IsForum {
		if _, ok := cs.topics[spec.ThreadID]; !ok {
			b.openTopicLocked(cs, spec.From, fmt.Sprintf("Topic %d", spec.ThreadID), spec.ThreadID)
		}
	}
	m := b.newMessageLocked(cs, spec.From)
	if spec.SenderChat != nil {
		sc := *spec.SenderChat
		m.SenderChat = &sc
	}
	entities := spec.Entities
	if entities == nil {
		entities = DetectEntities(spec.Text)
	}
	switch {
	case spec.Photo != nil:
		sf := b.storeFileLocked("photo", "", spec.Photo, "")
		m.Photo = []PhotoSize{
			{FileID: sf.file.FileID + "-s", FileUniqueID: sf.file.FileUniqueID + "s", Width: 90, Height: 90, FileSize: 1},
			{FileID: sf.file.FileID, FileUniqueID: sf.file.FileUniqueID, Width: 800, Height: 600, FileSize: sf.file.FileSize},
		}
		m.Caption, m.CaptionEntities = spec.Text, entities
	case spec.Document != nil:
		sf := b.storeFileLocked("document", spec.Document.FileName, spec.Document.Data, "")
		m.Document = &Document{FileID: sf.file.FileID, FileUniqueID: sf.file.FileUniqueID, FileName: spec.Document.FileName, MimeType: spec.Document.ContentType, FileSize: sf.file.FileSize}
		m.Caption, m.CaptionEntities = spec.Text, entities
	default:
		m.Text, m.Entities = spec.Text, entities
	}
	placeInThreadLocked(cs, m, spec.ThreadID, replyTo)
	out := *m
	u := Update{}
	switch {
	case cs.chat.Type == ChatChannel && spec.Edited:
		u.EditedChannelPost = &out
	case cs.chat.Type == ChatChannel:
		u.ChannelPost = &out
	case spec.Edited:
		u.EditedMessage = &out
	default:
		u.Message = &out
	}
	b.enqueueLocked(u)
	return out
}

// openTopicLocked opens a forum topic; its id is the id of the service
// message that opened it. want, if non-zero, is the id to use.
func (b *Bot) openTopicLocked(cs *chatState, creator *User, name string, want int) int {
	if want != 0 && want >= cs.nextID {
		cs.nextID = want
	}
	m := b.newMessageLocked(cs, creator)
	m.ForumTopicCreated = &ForumTopicCreated{Name: name, IconColor: 7322096}
	m.MessageThreadID, m.IsTopicMessage = m.MessageID, true
	cs.topics[m.MessageID] = name
	return m.MessageID
}

// OpenTopic opens a forum topic in chat and returns its message_thread_id.
func (b *Bot) OpenTopic(chat Chat, creator User, name string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.openTopicLocked(b.chatLocked(chat), &creator, name, 0)
}

// SendPrivate sends text from a user to the bot in their private chat.
func (b *Bot) SendPrivate(from User, text string) Message {
	return b.Inject(MessageSpec{Chat: PrivateChat(from), From: &from, Text: text})
}

// SendGroup sends text from a user into a group.
func (b *Bot) SendGroup(chat Chat, from User, text string) Message {
	return b.Inject(MessageSpec{Chat: chat, From: &from, Text: text})
}

// MentionInGroup sends "@<bot> text" from a user into a group, with the
// mention entity a Telegram client adds.
func (b *Bot) MentionInGroup(chat Chat, from User, text string) Message {
	return b.SendGroup(chat, from, "@"+b.user.Username+" "+text)
}

// TextMentionInGroup mentions the bot by name with a text_mention entity
// (as when a user picks the bot from the member list), followed by text.
func (b *Bot) TextMentionInGroup(chat Chat, from User, text string) Message {
	name := b.user.FirstName
	bot := b.user
	return b.Inject(MessageSpec{
		Chat: chat, From: &from, Text: name + " " + text,
		Entities: []MessageEntity{{Type: "text_mention", Offset: 0, Length: utf16Len(name), User: &bot}},
	})
}

// SendTopic sends text from a user into a forum topic, opening the topic
// first if it does not exist.
func (b *Bot) SendTopic(chat Chat, threadID int, from User, text string) Message {
	return b.Inject(MessageSpec{Chat: chat, From: &from, Text: text, ThreadID: threadID})
}

// ReplyTo sends text from a user as a reply to an earlier message (for
// example one the bot sent), in the same chat and topic.
func (b *Bot) ReplyTo(to Message, from User, text string) Message {
	return b.Inject(MessageSpec{Chat: to.Chat, From: &from, Text: text, ReplyToID: to.MessageID, ThreadID: to.MessageThreadID})
}

// PostInChannel publishes text in a channel the bot administers.
func (b *Bot) PostInChannel(chat Chat, text string) Message {
	c := chat
	return b.Inject(MessageSpec{Chat: chat, SenderChat: &c, Text: text})
}

// SendPhotoFrom sends a photo with a caption from a user.
func (b *Bot) SendPhotoFrom(chat Chat, from User, data []byte, caption string) Message {
	return b.Inject(MessageSpec{Chat: chat, From: &from, Text: caption, Photo: data})
}

// PressButton makes a user press an inline keyboard button on a message.
func (b *Bot) PressButton(on Message, from User, data string) CallbackQuery {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.nextCB++
	m := on
	cq := CallbackQuery{ID: strconv.Itoa(b.nextCB), From: from, Message: &m, ChatInstance: strconv.FormatInt(on.Chat.ID, 10), Data: data}
	b.enqueueLocked(Update{CallbackQuery: &cq})
	return cq
}

// LastUpdateID is the update_id of the most recent update queued.
func (b *Bot) LastUpdateID() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.nextUpdateID - 1
}

// DetectEntities finds what Telegram's clients mark in a typed text:
// @username mentions and /commands (optionally /command@botname), with
// offsets and lengths in UTF-16 code units.
func DetectEntities(text string) []MessageEntity {
	rs := []rune(text)
	var out []MessageEntity
	offset := 0 // UTF-16 offset of rs[i]
	for i := 0; i < len(rs); {
		startsWord := i == 0 || !isWordRune(rs[i-1])
		if startsWord && (rs[i] == '@' || rs[i] == '/') {
			j := i + 1
			for j < len(rs) && isWordRune(rs[j]) && j-i <= 32 {
				j++
			}
			name := j - i - 1
			switch {
			case rs[i] == '@' && name >= 5 && (j == len(rs) || !isWordRune(rs[j])):
				out = append(out, MessageEntity{Type: "mention", Offset: offset, Length: utf16.RuneLen('@') + name})
			case rs[i] == '/' && name >= 1:
				end := j
				if end < len(rs) && rs[end] == '@' {
					k := end + 1
					for k < len(rs) && isWordRune(rs[k]) {
						k++
					}
					if k-end-1 >= 5 {
						end = k
					}
				}
				out = append(out, MessageEntity{Type: "bot_command", Offset: offset, Length: utf16Len(string(rs[i:end]))})
				j = end
			default:
				offset += utf16.RuneLen(rs[i])
				i++
				continue
			}
			offset += utf16Len(string(rs[i:j]))
			i = j
			continue
		}
		offset += utf16.RuneLen(rs[i])
		i++
	}
	return out
}

func isWordRune(r rune) bool {
	return r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
}
