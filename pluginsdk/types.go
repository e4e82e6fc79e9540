package pluginsdk

import (
	"encoding/json"
	"time"
)

// PeerKind says what kind of conversation a message belongs to.
type PeerKind string

// Peer kinds, named as OpenClaw names them in session keys and bindings.
const (
	PeerDM      PeerKind = "dm"
	PeerGroup   PeerKind = "group"
	PeerChannel PeerKind = "channel"
)

// Target is where an outbound message goes.
type Target struct {
	Kind PeerKind
	ID   string
}

// Media is an attachment, by URL or inline.
type Media struct {
	URL      string
	MimeType string
	FileName string
	Size     int64
	Data     []byte
	Kind     string // image, audio, video, document, sticker
	Caption  string
}

// Sender is who wrote an inbound message.
type Sender struct {
	ID       string
	Name     string
	Username string
	IsBot    bool
	Roles    []string
}

// ReplyRef is the message an inbound message answers.
type ReplyRef struct {
	MessageID string
	Text      string
	SenderID  string
	ToBot     bool
}

// InboundMessage is a platform message, normalised.
type InboundMessage struct {
	Channel   string
	AccountID string
	// MessageID must be stable across plugin restarts: the gateway drops a
	// message whose id it has already accepted.
	MessageID    string
	PeerKind     PeerKind
	PeerID       string
	Sender       Sender
	Text         string
	Media        []Media
	BotMentioned bool
	MentionedIDs []string
	ReplyTo      *ReplyRef
	ThreadID     string
	ParentPeerID string
	GuildID      string
	TeamID       string
	ChatTitle    string
	Timestamp    time.Time
	Command      string
	Metadata     map[string]string
}

// OutboundMessage is one chunk to deliver; the gateway has already sized it
// for the platform's limits.
type OutboundMessage struct {
	Channel        string
	AccountID      string
	Target         Target
	Text           string
	Media          []Media
	ReplyToID      string
	ThreadID       string
	IdempotencyKey string
	Format         string
	Silent         bool
}

// SendResult lists the platform ids of what was sent.
type SendResult struct {
	MessageIDs []string
}

// Reaction adds or removes an emoji reaction on a message.
type Reaction struct {
	Channel   string
	AccountID string
	Target    Target
	MessageID string
	Emoji     string
	Remove    bool
}

// ProbeResult is the outcome of a credentials and reachability check.
type ProbeResult struct {
	OK          bool
	Error       string
	BotID       string
	BotUsername string
	BotName     string
	Latency     time.Duration
}

// AccountState is an account's connection state.
type AccountState string

// Account states shown by `openclaw channels status`.
const (
	StateStarting     AccountState = "starting"
	StateConnected    AccountState = "connected"
	StateReconnecting AccountState = "reconnecting"
	StateStopped      AccountState = "stopped"
	StateError        AccountState = "error"
)

// AccountStatus is what `channels status` shows for one account.
type AccountStatus struct {
	Channel      string
	AccountID    string
	State        AccountState
	LastInbound  time.Time
	LastOutbound time.Time
	LastError    string
	LastErrorAt  time.Time
	BotUsername  string
	Mode         string
}

// Account is one configured account (bot) of a channel.
type Account struct {
	Channel string
	ID      string
	// Config is the account's config: channel-level keys merged with
	// channels.<channel>.accounts.<id>.
	Config json.RawMessage
	// Host is how the account reaches the gateway.
	Host Host
}

// ChannelInfo tells the gateway a platform's delivery limits.
type ChannelInfo struct {
	ID                 string
	Label              string
	TextChunkLimit     int
	MaxLinesPerMessage int
	SupportsThreads    bool
	SupportsReactions  bool
	SupportsMedia      bool
	SupportsEdit       bool
	// DefaultReplyToMode applies when config sets no replyToMode: "off"
	// (or empty), "first" or "all".
	DefaultReplyToMode string
	// ThreadsAreTopics says ThreadID names a forum topic (Telegram) rather
	// than a reply thread; routing keys sessions by topic.
	ThreadsAreTopics bool
}

// ToolSpec describes one tool to the model.
type ToolSpec struct {
	Name        string
	Description string
	// Parameters is a JSON Schema object.
	Parameters json.RawMessage
	Groups     []string
}

// CallContext is who asked for a tool call and where.
type CallContext struct {
	AgentID         string
	SessionKey      string
	WorkspaceDir    string
	Channel         string
	SenderID        string
	Elevated        bool
	WorkspaceAccess string
	ToolConfig      json.RawMessage
}

// ToolCall is one invocation.
type ToolCall struct {
	Tool      string
	CallID    string
	Arguments json.RawMessage
	Context   CallContext
	Timeout   time.Duration
}

// ToolProgress is a progress report during a call.
type ToolProgress struct {
	Message     string
	OutputChunk string
}

// ToolResult is what the model sees.
type ToolResult struct {
	Content string
	IsError bool
	Details json.RawMessage
	Media   []Media
}

// Skill is a SKILL.md folder.
type Skill struct {
	Name          string
	SkillMD       string
	Files         map[string][]byte
	RequiredTools []string
}

// Config is what Configure hands the plugin.
type Config struct {
	// JSON is the plugin's own config section.
	JSON           json.RawMessage
	Secrets        map[string]string
	GatewayVersion string
	Host           Host
}
