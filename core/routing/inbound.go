package routing

// Inbound is an inbound chat message as routing sees it. The gateway fills
// it from the channel plugin's message.
type Inbound struct {
	Channel   string
	AccountID string
	// PeerKind is direct ("dm" is accepted), group or channel.
	PeerKind string
	// PeerID is the conversation: the other user in a DM, the group or
	// channel otherwise. For a thread, the conversation the thread lives in.
	PeerID string
	// ParentPeerID is the channel a thread belongs to when the platform
	// models the thread as a conversation of its own (PeerID is then the
	// thread). Bindings on the parent apply to the thread.
	ParentPeerID string
	// ThreadID is a reply thread (Slack, Discord); TopicID a forum topic
	// (Telegram). Each gets its own session.
	ThreadID string
	TopicID  string
	// GuildID/GuildName (Discord) and TeamID (Slack, Mattermost) scope
	// bindings and the group tree.
	GuildID   string
	GuildName string
	TeamID    string
	// ChannelName is the group or channel's name, for config keyed by name
	// ("#general").
	ChannelName string

	SenderID       string
	SenderName     string
	SenderUsername string
	SenderRoles    []string
	SenderIsBot    bool
	// FromSelf marks the bot's own messages; they are always dropped.
	FromSelf bool

	Text string
	// Command is a platform slash command (name without the slash).
	Command string
	// Mentioned is the platform's own signal that the bot was mentioned.
	Mentioned bool
	// ReplyToBot marks a reply to one of the bot's messages, which counts
	// as a mention.
	ReplyToBot bool
	// NativeMentions says the platform can report Mentioned at all; without
	// it and without mention patterns, mention gating cannot apply.
	NativeMentions bool
}
