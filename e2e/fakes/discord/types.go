package discord

import "time"

// The types below are Discord's wire objects (API v10), trimmed to the fields
// a bot sees in practice. They are the fake's own definitions, independent of
// any client library, so a test against the fake checks the client's reading
// of Discord's JSON rather than a library talking to itself.

// Channel types, as Discord numbers them.
const (
	ChannelGuildText          = 0
	ChannelDM                 = 1
	ChannelGuildVoice         = 2
	ChannelGroupDM            = 3
	ChannelGuildCategory      = 4
	ChannelGuildAnnouncement  = 5
	ChannelAnnouncementThread = 10
	ChannelPublicThread       = 11
	ChannelPrivateThread      = 12
	ChannelGuildForum         = 15
)

// Message types a chat bot meets.
const (
	MessageDefault       = 0
	MessageThreadCreated = 18
	MessageReply         = 19
)

// Gateway intents (bit flags sent in IDENTIFY).
const (
	IntentGuilds         = 1 << 0
	IntentGuildMembers   = 1 << 1
	IntentGuildMessages  = 1 << 9
	IntentGuildReactions = 1 << 10
	IntentDirectMessages = 1 << 12
	IntentMessageContent = 1 << 15
)

// privilegedIntents need approval in the developer portal.
const privilegedIntents = IntentGuildMembers | 1<<8 | IntentMessageContent

// User is a Discord user or bot account.
type User struct {
	ID            string  `json:"id"`
	Username      string  `json:"username"`
	Discriminator string  `json:"discriminator"`
	GlobalName    *string `json:"global_name"`
	Avatar        *string `json:"avatar"`
	Bot           bool    `json:"bot,omitempty"`
}

// Role is a guild role. Tags.BotID marks the role Discord manages for a bot.
type Role struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Color       int       `json:"color"`
	Hoist       bool      `json:"hoist"`
	Position    int       `json:"position"`
	Permissions string    `json:"permissions"`
	Managed     bool      `json:"managed"`
	Mentionable bool      `json:"mentionable"`
	Tags        *RoleTags `json:"tags,omitempty"`
}

// RoleTags says what a managed role belongs to.
type RoleTags struct {
	BotID string `json:"bot_id,omitempty"`
}

// Member is a user's membership of a guild.
type Member struct {
	User     *User     `json:"user,omitempty"`
	Nick     *string   `json:"nick"`
	Roles    []string  `json:"roles"`
	JoinedAt time.Time `json:"joined_at"`
	Deaf     bool      `json:"deaf"`
	Mute     bool      `json:"mute"`
}

// Channel is a guild channel, thread, DM or group DM.
type Channel struct {
	ID            string          `json:"id"`
	Type          int             `json:"type"`
	GuildID       string          `json:"guild_id,omitempty"`
	Name          string          `json:"name,omitempty"`
	Topic         *string         `json:"topic,omitempty"`
	Position      int             `json:"position,omitempty"`
	ParentID      *string         `json:"parent_id,omitempty"`
	NSFW          bool            `json:"nsfw,omitempty"`
	LastMessageID *string         `json:"last_message_id"`
	Recipients    []User          `json:"recipients,omitempty"`
	OwnerID       string          `json:"owner_id,omitempty"`
	ThreadMeta    *ThreadMetadata `json:"thread_metadata,omitempty"`
}

// ThreadMetadata is what only threads carry.
type ThreadMetadata struct {
	Archived            bool      `json:"archived"`
	AutoArchiveDuration int       `json:"auto_archive_duration"`
	ArchiveTimestamp    time.Time `json:"archive_timestamp"`
	Locked              bool      `json:"locked"`
}

// IsThread reports whether the channel is a thread.
func (c Channel) IsThread() bool {
	return c.Type == ChannelAnnouncementThread || c.Type == ChannelPublicThread || c.Type == ChannelPrivateThread
}

// Guild is a server.
type Guild struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Icon    any    `json:"icon"`
	OwnerID string `json:"owner_id"`
	Roles   []Role `json:"roles"`
}

// Attachment is a file on a message.
type Attachment struct {
	ID          string `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type,omitempty"`
	Size        int    `json:"size"`
	URL         string `json:"url"`
	ProxyURL    string `json:"proxy_url"`
	// Data is the file's content; it is served at URL, never sent as JSON.
	Data []byte `json:"-"`
}

// MessageReference points at the message a reply answers (or a forward copies).
type MessageReference struct {
	Type            int    `json:"type,omitempty"`
	MessageID       string `json:"message_id,omitempty"`
	ChannelID       string `json:"channel_id,omitempty"`
	GuildID         string `json:"guild_id,omitempty"`
	FailIfNotExists *bool  `json:"fail_if_not_exists,omitempty"`
}

// MentionedUser is a user in a message's mentions, with their member
// object in guilds.
type MentionedUser struct {
	User
	Member *Member `json:"member,omitempty"`
}

// Message is a chat message.
type Message struct {
	ID                string            `json:"id"`
	Type              int               `json:"type"`
	ChannelID         string            `json:"channel_id"`
	GuildID           string            `json:"guild_id,omitempty"`
	Author            User              `json:"author"`
	Member            *Member           `json:"member,omitempty"`
	Content           string            `json:"content"`
	Timestamp         time.Time         `json:"timestamp"`
	EditedTimestamp   *time.Time        `json:"edited_timestamp"`
	TTS               bool              `json:"tts"`
	MentionEveryone   bool              `json:"mention_everyone"`
	Mentions          []MentionedUser   `json:"mentions"`
	MentionRoles      []string          `json:"mention_roles"`
	Attachments       []Attachment      `json:"attachments"`
	Embeds            []any             `json:"embeds"`
	Nonce             any               `json:"nonce,omitempty"`
	Pinned            bool              `json:"pinned"`
	WebhookID         string            `json:"webhook_id,omitempty"`
	Flags             int               `json:"flags"`
	MessageReference  *MessageReference `json:"message_reference,omitempty"`
	ReferencedMessage *Message          `json:"referenced_message,omitempty"`
}

// Reaction is an emoji a user put on a message.
type Reaction struct {
	ChannelID string
	MessageID string
	UserID    string
	// Emoji is as the client sent it in the URL: a unicode emoji or name:id.
	Emoji string
}

// Request is one REST call the fake served.
type Request struct {
	Method string
	Path   string
	Status int
	At     time.Time
}
