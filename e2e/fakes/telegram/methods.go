package telegram

import (
	"fmt"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Telegram's limits, counted in UTF-16 code units after entity parsing.
const (
	maxTextLen    = 4096
	maxCaptionLen = 1024
)

// resolveChatLocked finds the chat_id parameter's chat: a numeric id or a
// public @username.
func (b *Bot) resolveChatLocked(p params) (*chatState, *reply) {
	v := strings.TrimSpace(p.str("chat_id"))
	if v == "" {
		r := badRequest("chat_id is empty")
		return nil, &r
	}
	if name, ok := strings.CutPrefix(v, "@"); ok {
		for _, cs := range b.chats {
			if cs.chat.Type != ChatPrivate && strings.EqualFold(cs.chat.Username, name) {
				return cs, nil
			}
		}
		r := badRequest("chat not found")
		return nil, &r
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		r := badRequest("chat not found")
		return nil, &r
	}
	cs, ok := b.chats[id]
	if !ok {
		r := badRequest("chat not found")
		return nil, &r
	}
	return cs, nil
}

// resolveThreadLocked checks message_thread_id against the chat. Telegram
// rejects the General topic's id 1 in sends ("message thread not found"),
// so clients must leave it out.
func (b *Bot) resolveThreadLocked(cs *chatState, p params) (int, *reply) {
	thread, _, err := p.int("message_thread_id")
	if err != nil {
		r := badRequest("%v", err)
		return 0, &r
	}
	if thread == 0 {
		return 0, nil
	}
	notFound := badRequest("message thread not found")
	switch {
	case cs.chat.Type == ChatSupergroup && cs.chat.IsForum:
		if _, ok := cs.topics[thread]; !ok {
			return 0, &notFound
		}
	case cs.chat.Type == ChatSupergroup:
		// Reply threads of ordinary supergroups.
	case cs.chat.Type == ChatPrivate && b.user.HasTopicsEnabled:
	default:
		return 0, &notFound
	}
	return thread, nil
}

// resolveReplyLocked reads reply_parameters (or the legacy
// reply_to_message_id) and returns the message replied to, if any.
func (b *Bot) resolveReplyLocked(cs *chatState, p params) (*Message, *reply) {
	var rp struct {
		MessageID                int  `json:"message_id"`
		AllowSendingWithoutReply bool `json:"allow_sending_without_reply"`
	}
	if _, err := p.decode("reply_parameters", &rp); err != nil {
		r := badRequest("%v", err)
		return nil, &r
	}
	if rp.MessageID == 0 {
		id, _, err := p.int("reply_to_message_id")
		if err != nil {
			r := badRequest("%v", err)
			return nil, &r
		}
		rp.MessageID, rp.AllowSendingWithoutReply = id, p.bool("allow_sending_without_reply")
	}
	if rp.MessageID == 0 {
		return nil, nil
	}
	m, ok := cs.messages[rp.MessageID]
	if !ok {
		if rp.AllowSendingWithoutReply {
			return nil, nil
		}
		r := badRequest("message to be replied not found")
		return nil, &r
	}
	return m, nil
}

// parseText applies a parse mode, returning the plain text and entities.
func parseText(mode, text string, explicit []MessageEntity) (string, []MessageEntity, *reply) {
	switch strings.ToLower(mode) {
	case "":
		return text, explicit, nil
	case "html":
		plain, entities, err := parseHTML(text)
		if err != nil {
			r := badRequest("can't parse entities: %v", err)
			return "", nil, &r
		}
		return plain, entities, nil
	case "markdown", "markdownv2":
		return text, nil, nil
	}
	r := badRequest("unsupported parse_mode")
	return "", nil, &r
}

// newMessageLocked appends a message to the chat with the next id.
func (b *Bot) newMessageLocked(cs *chatState, from *User) *Message {
	m := &Message{MessageID: cs.nextID, Date: time.Now().Unix(), Chat: cs.chat}
	cs.nextID++
	if cs.chat.Type == ChatChannel {
		chat := cs.chat
		m.SenderChat = &chat
	} else if from != nil {
		u := *from
		m.From = &u
	}
	cs.messages[m.MessageID] = m
	return m
}

// placeInThreadLocked puts m in a forum topic (or reply thread) and sets
// the reply it carries: an explicit reply, or, inside a forum topic, the
// topic's opening message, as Telegram does.
func placeInThreadLocked(cs *chatState, m *Message, thread int, replyTo *Message) {
	if thread != 0 {
		m.MessageThreadID = thread
		if cs.chat.IsForum {
			m.IsTopicMessage = true
			if replyTo == nil {
				replyTo = cs.messages[thread]
			}
		}
	}
	if replyTo != nil {
		m.ReplyToMessage = shallow(replyTo)
	}
}

// shallow copies a message without its own reply: Telegram nests only one
// level of reply_to_message.
func shallow(m *Message) *Message {
	c := *m
	c.ReplyToMessage = nil
	return &c
}

func (b *Bot) sendMessage(_ *http.Request, p params) reply {
	b.mu.Lock()
	defer b.mu.Unlock()
	cs, rep := b.resolveChatLocked(p)
	if rep != nil {
		return *rep
	}
	thread, rep := b.resolveThreadLocked(cs, p)
	if rep != nil {
		return *rep
	}
	replyTo, rep := b.resolveReplyLocked(cs, p)
	if rep != nil {
		return *rep
	}
	var explicit []MessageEntity
	if _, err := p.decode("entities", &explicit); err != nil {
		return badRequest("%v", err)
	}
	raw := p.str("text")
	plain, entities, rep := parseText(p.str("parse_mode"), raw, explicit)
	if rep != nil {
		return *rep
	}
	if strings.TrimSpace(plain) == "" {
		return badRequest("message text is empty")
	}
	if utf16Len(plain) > maxTextLen {
		return badRequest("message is too long")
	}
	var lpo LinkPreviewOptions
	if _, err := p.decode("link_preview_options", &lpo); err != nil {
		return badRequest("%v", err)
	}
	if p.bool("disable_web_page_preview") {
		lpo.IsDisabled = true
	}
	m := b.newMessageLocked(cs, &b.user)
	m.Text, m.Entities = plain, entities
	if lpo.IsDisabled {
		m.LinkPreviewOptions = &lpo
	}
	placeInThreadLocked(cs, m, thread, replyTo)
	b.recordSentLocked(Sent{
		Method: "sendMessage", Message: *m, Raw: raw, ParseMode: p.str("parse_mode"),
		ReplyToMessageID: replyID(replyTo), ThreadID: thread,
		DisableNotification: p.bool("disable_notification"), LinkPreviewDisabled: lpo.IsDisabled,
	})
	return okReply(m)
}

func replyID(m *Message) int {
	if m == nil {
		return 0
	}
	return m.MessageID
}

func (b *Bot) recordSentLocked(s Sent) {
	s.Time = time.Now()
	b.sent = append(b.sent, s)
	b.notifyLocked()
}

func (b *Bot) sendPhoto(_ *http.Request, p params) reply {
	return b.sendFile(p, "sendPhoto", "photo")
}

func (b *Bot) sendDocument(_ *http.Request, p params) reply {
	return b.sendFile(p, "sendDocument", "document")
}

// sendFile serves sendPhoto and sendDocument.
func (b *Bot) sendFile(p params, method, field string) reply {
	b.mu.Lock()
	defer b.mu.Unlock()
	cs, rep := b.resolveChatLocked(p)
	if rep != nil {
		return *rep
	}
	thread, rep := b.resolveThreadLocked(cs, p)
	if rep != nil {
		return *rep
	}
	replyTo, rep := b.resolveReplyLocked(cs, p)
	if rep != nil {
		return *rep
	}
	f, ok := p.inputFile(field)
	if !ok {
		return badRequest("there is no %s in the request", field)
	}
	if f.FileID != "" {
		if _, known := b.files[f.FileID]; !known {
			return badRequest("wrong file identifier/HTTP URL specified")
		}
	}
	var explicit []MessageEntity
	if _, err := p.decode("caption_entities", &explicit); err != nil {
		return badRequest("%v", err)
	}
	raw := p.str("caption")
	caption, entities, rep := parseText(p.str("parse_mode"), raw, explicit)
	if rep != nil {
		return *rep
	}
	if utf16Len(caption) > maxCaptionLen {
		return badRequest("message caption is too long")
	}
	m := b.newMessageLocked(cs, &b.user)
	m.Caption, m.CaptionEntities = caption, entities
	name := f.FileName
	if name == "" && f.URL != "" {
		name = path.Base(f.URL)
	}
	stored := b.storeFileLocked(field, name, f.Data, f.FileID)
	if field == "photo" {
		m.Photo = []PhotoSize{
			{FileID: stored.file.FileID + "-s", FileUniqueID: stored.file.FileUniqueID + "s", Width: 90, Height: 90},
			{FileID: stored.file.FileID, FileUniqueID: stored.file.FileUniqueID, Width: 800, Height: 600, FileSize: stored.file.FileSize},
		}
	} else {
		m.Document = &Document{FileID: stored.file.FileID, FileUniqueID: stored.file.FileUniqueID, FileName: name, MimeType: f.ContentType, FileSize: stored.file.FileSize}
	}
	placeInThreadLocked(cs, m, thread, replyTo)
	b.recordSentLocked(Sent{
		Method: method, Message: *m, Raw: raw, ParseMode: p.str("parse_mode"),
		ReplyToMessageID: replyID(replyTo), ThreadID: thread, DisableNotification: p.bool("disable_notification"),
		File: &f,
	})
	return okReply(m)
}

// storeFileLocked keeps a file so getFile and the file route can serve it;
// a known file_id is reused.
func (b *Bot) storeFileLocked(kind, name string, data []byte, fileID string) storedFile {
	if sf, ok := b.files[fileID]; ok {
		return sf
	}
	b.nextFile++
	ext := path.Ext(name)
	if ext == "" && kind == "photo" {
		ext = ".jpg"
	}
	sf := storedFile{
		file: File{
			FileID:       fmt.Sprintf("BQACAgIAAxkBAAI%s%06d", strings.ToUpper(kind[:2]), b.nextFile),
			FileUniqueID: fmt.Sprintf("AgAD%06d", b.nextFile),
			FileSize:     int64(len(data)),
			FilePath:     fmt.Sprintf("%ss/file_%d%s", kind, b.nextFile, ext),
		},
		data: data,
	}
	b.files[sf.file.FileID] = sf
	return sf
}

func (b *Bot) fileByPath(p string) ([]byte, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, sf := range b.files {
		if sf.file.FilePath == p {
			return sf.data, true
		}
	}
	return nil, false
}

func (b *Bot) getFile(_ *http.Request, p params) reply {
	b.mu.Lock()
	defer b.mu.Unlock()
	sf, ok := b.files[p.str("file_id")]
	if !ok {
		return badRequest("invalid file_id")
	}
	return okReply(sf.file)
}

var chatActions = []string{
	"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
	"upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
}

func (b *Bot) sendChatAction(_ *http.Request, p params) reply {
	b.mu.Lock()
	defer b.mu.Unlock()
	cs, rep := b.resolveChatLocked(p)
	if rep != nil {
		return *rep
	}
	action := p.str("action")
	if !slices.Contains(chatActions, action) {
		return badRequest("wrong parameter action in request")
	}
	thread, _, _ := p.int("message_thread_id")
	b.actions = append(b.actions, ChatAction{ChatID: cs.chat.ID, ThreadID: thread, Action: action})
	b.notifyLocked()
	return okReply(true)
}

var commandPattern = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

func (b *Bot) setMyCommands(_ *http.Request, p params) reply {
	var cmds []BotCommand
	if _, err := p.decode("commands", &cmds); err != nil {
		return badRequest("%v", err)
	}
	if len(cmds) > 100 {
		return badRequest("BOT_COMMANDS_TOO_MUCH")
	}
	for _, c := range cmds {
		if !commandPattern.MatchString(c.Command) {
			return badRequest("BOT_COMMAND_INVALID")
		}
		if n := utf16Len(c.Description); n < 1 || n > 256 {
			return badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	b.mu.Lock()
	b.commands = cmds
	b.notifyLocked()
	b.mu.Unlock()
	return okReply(true)
}

func (b *Bot) getMyCommands(*http.Request, params) reply {
	b.mu.Lock()
	defer b.mu.Unlock()
	return okReply(append([]BotCommand{}, b.commands...))
}

func (b *Bot) deleteMyCommands(*http.Request, params) reply {
	b.mu.Lock()
	b.commands = nil
	b.notifyLocked()
	b.mu.Unlock()
	return okReply(true)
}

// reactionEmoji are the emoji Telegram accepts as bot reactions.
var reactionEmoji = strings.Fields("👍 👎 ❤ 🔥 🥰 👏 😁 🤔 🤯 😱 🤬 😢 🎉 🤩 🤮 💩 🙏 👌 🕊 🤡 🥱 🥴 😍 🐳 ❤‍🔥 🌚 🌭 💯 🤣 ⚡ 🍌 🏆 💔 🤨 😐 🍓 🍾 💋 🖕 😈 😴 😭 🤓 👻 👨‍💻 👀 🎃 🙈 😇 😨 🤝 ✍ 🤗 🫡 🎅 🎄 ☃ 💅 🤪 🗿 🆒 💘 🙉 🦄 😘 💊 🙊 😎 👾 🤷‍♂ 🤷 🤷‍♀ 😡")

// ReactionEmoji reports whether Telegram accepts emoji as a bot reaction.
func ReactionEmoji(emoji string) bool {
	return slices.Contains(reactionEmoji, strings.TrimSuffix(emoji, "\uFE0F"))
}

func (b *Bot) setMessageReaction(_ *http.Request, p params) reply {
	b.mu.Lock()
	defer b.mu.Unlock()
	cs, rep := b.resolveChatLocked(p)
	if rep != nil {
		return *rep
	}
	id, _, err := p.int("message_id")
	if err != nil {
		return badRequest("%v", err)
	}
	if _, ok := cs.messages[id]; !ok {
		return badRequest("message to react not found")
	}
	var reactions []ReactionType
	if _, err := p.decode("reaction", &reactions); err != nil {
		return badRequest("%v", err)
	}
	if len(reactions) > 1 {
		return badRequest("REACTIONS_TOO_MANY")
	}
	var emojis []string
	for _, r := range reactions {
		if r.Type != "emoji" || !ReactionEmoji(r.Emoji) {
			return badRequest("REACTION_INVALID")
		}
		emojis = append(emojis, r.Emoji)
	}
	b.reacts = append(b.reacts, Reaction{ChatID: cs.chat.ID, MessageID: id, Emojis: emojis})
	b.notifyLocked()
	return okReply(true)
}

func (b *Bot) editMessageText(_ *http.Request, p params) reply {
	b.mu.Lock()
	defer b.mu.Unlock()
	if p.has("inline_message_id") {
		return badRequest("message to edit not found")
	}
	cs, rep := b.resolveChatLocked(p)
	if rep != nil {
		return *rep
	}
	id, _, err := p.int("message_id")
	if err != nil {
		return badRequest("%v", err)
	}
	m, ok := cs.messages[id]
	if !ok {
		return badRequest("message to edit not found")
	}
	if m.From == nil || m.From.ID != b.user.ID {
		return badRequest("message can't be edited")
	}
	var explicit []MessageEntity
	if _, err := p.decode("entities", &explicit); err != nil {
		return badRequest("%v", err)
	}
	raw := p.str("text")
	plain, entities, rep := parseText(p.str("parse_mode"), raw, explicit)
	if rep != nil {
		return *rep
	}
	if strings.TrimSpace(plain) == "" {
		return badRequest("message text is empty")
	}
	if utf16Len(plain) > maxTextLen {
		return badRequest("message is too long")
	}
	if plain == m.Text && slices.Equal(entities, m.Entities) {
		return badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	}
	m.Text, m.Entities, m.EditDate = plain, entities, time.Now().Unix()
	b.recordSentLocked(Sent{Method: "editMessageText", Message: *m, Raw: raw, ParseMode: p.str("parse_mode"), ThreadID: m.MessageThreadID})
	return okReply(m)
}

func (b *Bot) answerCallbackQuery(_ *http.Request, p params) reply {
	id, err := strconv.Atoi(p.str("callback_query_id"))
	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil || id <= 0 || id > b.nextCB {
		return badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	return okReply(true)
}
