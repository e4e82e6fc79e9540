package telegram

// The Bot API objects the fake produces and accepts, with the field names
// and shapes of https://core.telegram.org/bots/api. Only the fields a bot
// gateway reads are modelled; the client library under test decodes them
// with its own types, so a mismatch here shows up as a failing test.

// User is a Telegram user or bot.
type User struct {
	ID               int64  `json:"id"`
	IsBot            bool   `json:"is_bot"`
	FirstName        string `json:"first_name"`
	LastName         string `json:"last_name,omitempty"`
	Username         string `json:"username,omitempty"`
	LanguageCode     string `json:"language_code,omitempty"`
	CanJoinGroups    bool   `json:"can_join_groups,omitempty"`
	HasTopicsEnabled bool   `json:"has_topics_enabled,omitempty"`
}

// Chat types.
const (
	ChatPrivate    = "private"
	ChatGroup      = "group"
	ChatSupergroup = "supergroup"
	ChatChannel    = "channel"
)

// Chat is a conversation: a private chat, a group, a supergroup or a channel.
type Chat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	Title     string `json:"title,omitempty"`
	Username  string `json:"username,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	IsForum   bool   `json:"is_forum,omitempty"`
}

// MessageEntity marks a span of a message's text, in UTF-16 code units.
type MessageEntity struct {
	Type     string `json:"type"`
	Offset   int    `json:"offset"`
	Length   int    `json:"length"`
	URL      string `json:"url,omitempty"`
	User     *User  `json:"user,omitempty"`
	Language string `json:"language,omitempty"`
}

// PhotoSize is one size of a photo.
type PhotoSize struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	FileSize     int64  `json:"file_size,omitempty"`
}

// Document is a general file.
type Document struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	FileName     string `json:"file_name,omitempty"`
	MimeType     string `json:"mime_type,omitempty"`
	FileSize     int64  `json:"file_size,omitempty"`
}

// File is what getFile returns.
type File struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	FileSize     int64  `json:"file_size,omitempty"`
	FilePath     string `json:"file_path,omitempty"`
}

// ForumTopicCreated is the service message that opens a forum topic.
type ForumTopicCreated struct {
	Name      string `json:"name"`
	IconColor int    `json:"icon_color"`
}

// LinkPreviewOptions are a message's link preview settings.
type LinkPreviewOptions struct {
	IsDisabled bool   `json:"is_disabled,omitempty"`
	URL        string `json:"url,omitempty"`
}

// Message is a message in a chat.
type Message struct {
	MessageID          int                 `json:"message_id"`
	MessageThreadID    int                 `json:"message_thread_id,omitempty"`
	From               *User               `json:"from,omitempty"`
	SenderChat         *Chat               `json:"sender_chat,omitempty"`
	Date               int64               `json:"date"`
	Chat               Chat                `json:"chat"`
	IsTopicMessage     bool                `json:"is_topic_message,omitempty"`
	ReplyToMessage     *Message            `json:"reply_to_message,omitempty"`
	EditDate           int64               `json:"edit_date,omitempty"`
	Text               string              `json:"text,omitempty"`
	Entities           []MessageEntity     `json:"entities,omitempty"`
	LinkPreviewOptions *LinkPreviewOptions `json:"link_preview_options,omitempty"`
	Photo              []PhotoSize         `json:"photo,omitempty"`
	Document           *Document           `json:"document,omitempty"`
	Caption            string              `json:"caption,omitempty"`
	CaptionEntities    []MessageEntity     `json:"caption_entities,omitempty"`
	ForumTopicCreated  *ForumTopicCreated  `json:"forum_topic_created,omitempty"`
}

// CallbackQuery is a press on an inline keyboard button.
type CallbackQuery struct {
	ID           string   `json:"id"`
	From         User     `json:"from"`
	Message      *Message `json:"message,omitempty"`
	ChatInstance string   `json:"chat_instance"`
	Data         string   `json:"data,omitempty"`
}

// ReactionType is an emoji reaction.
type ReactionType struct {
	Type  string `json:"type"`
	Emoji string `json:"emoji,omitempty"`
}

// Update is one incoming update.
type Update struct {
	UpdateID          int            `json:"update_id"`
	Message           *Message       `json:"message,omitempty"`
	EditedMessage     *Message       `json:"edited_message,omitempty"`
	ChannelPost       *Message       `json:"channel_post,omitempty"`
	EditedChannelPost *Message       `json:"edited_channel_post,omitempty"`
	CallbackQuery     *CallbackQuery `json:"callback_query,omitempty"`
}

// Kind is the update's type as allowed_updates names it.
func (u Update) Kind() string {
	switch {
	case u.Message != nil:
		return "message"
	case u.EditedMessage != nil:
		return "edited_message"
	case u.ChannelPost != nil:
		return "channel_post"
	case u.EditedChannelPost != nil:
		return "edited_channel_post"
	case u.CallbackQuery != nil:
		return "callback_query"
	}
	return ""
}

// BotCommand is one entry of the bot's command menu.
type BotCommand struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

// WebhookInfo is what getWebhookInfo returns.
type WebhookInfo struct {
	URL                  string   `json:"url"`
	HasCustomCertificate bool     `json:"has_custom_certificate"`
	PendingUpdateCount   int      `json:"pending_update_count"`
	LastErrorDate        int64    `json:"last_error_date,omitempty"`
	LastErrorMessage     string   `json:"last_error_message,omitempty"`
	MaxConnections       int      `json:"max_connections,omitempty"`
	AllowedUpdates       []string `json:"allowed_updates,omitempty"`
}

// apiResponse is the envelope of every Bot API answer.
type apiResponse struct {
	OK          bool                `json:"ok"`
	Result      any                 `json:"result,omitempty"`
	Description string              `json:"description,omitempty"`
	ErrorCode   int                 `json:"error_code,omitempty"`
	Parameters  *responseParameters `json:"parameters,omitempty"`
}

type responseParameters struct {
	MigrateToChatID int64 `json:"migrate_to_chat_id,omitempty"`
	RetryAfter      int   `json:"retry_after,omitempty"`
}
