package agent

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/core/models"
)

// Media is an attachment on a user message.
type Media struct {
	// Kind is image, audio, video, document or sticker.
	Kind     string
	URL      string
	MimeType string
	FileName string
	// Data carries the bytes when no URL can be shared.
	Data    []byte
	Caption string
}

func (m Media) isImage() bool {
	return m.Kind == "image" || (m.Kind == "" && strings.HasPrefix(m.MimeType, "image/"))
}

// HistoryEntry is a group message that did not start a turn (no mention),
// shown to the model as context with the next one that does.
type HistoryEntry struct {
	Sender string
	Text   string
	Time   time.Time
}

// TurnRequest is one turn to run.
type TurnRequest struct {
	// RunID names the run in events and results; one is made up when
	// empty.
	RunID string
	// AgentID selects the agent; empty means the one the session key
	// names, else the default agent.
	AgentID string
	// SessionKey is the conversation; empty means the agent's main
	// session.
	SessionKey string

	Channel   string
	AccountID string
	// ChatType is direct, group or channel.
	ChatType   string
	SenderID   string
	SenderName string
	// GroupSubject names the group or channel; GroupPrompt is the system
	// prompt its config adds.
	GroupSubject string
	GroupPrompt  string
	// Skills, when not nil, limits the skills offered in this
	// conversation (a group's skills filter).
	Skills []string

	Text  string
	Media []Media
	// Context holds group messages since the last reply, oldest first.
	Context []HistoryEntry
	// HistoryLimit is how many earlier user turns of the session the model
	// sees; 0 means all.
	HistoryLimit int
	// History replaces the session's history for stateless callers (the
	// OpenAI-compatible endpoints); the turn is still recorded.
	History []models.Message
	// ExtraSystemPrompt is appended to the system prompt.
	ExtraSystemPrompt string

	// Model is a model chosen for this turn ("provider/model" or an
	// alias). It goes first and keeps the configured fallbacks.
	Model       string
	MaxTokens   int
	Temperature *float64
	// ClientTools are tools the caller runs itself; when the model calls
	// one the turn ends and returns the calls.
	ClientTools []models.ToolSpec
	ToolChoice  string

	// Elevated is set when the sender may run elevated commands.
	Elevated bool
	// System marks heartbeat and cron turns, which do not count as user
	// interaction for idle resets.
	System bool
	// Timeout bounds the turn; zero means the agent's timeoutSeconds.
	Timeout time.Duration
}

// Inbound is a chat message for Submit.
type Inbound struct {
	TurnRequest
	// SenderAuthorized is set when the sender may use slash commands
	// (the owner, or allowFrom).
	SenderAuthorized bool
	// Conversation names where replies go (channel, account, peer,
	// thread). Messages of one session from different conversations (DMs
	// sharing the main session) are never folded into one turn, or the
	// reply would reach only one of them.
	Conversation string
	// ReplyTo and ThreadID are echoed on replies so the channel can
	// thread them.
	ReplyTo  string
	ThreadID string
	// ResponsePrefix is the channel's or account's prefix when it has one
	// (nil falls back to messages.responsePrefix; "" turns it off).
	ResponsePrefix *string
	// BlockReplies delivers the text the model writes before a tool call
	// as soon as the call starts, instead of with the final reply.
	BlockReplies bool
	// OnEvent, when set, receives the turn's streaming events (for draft
	// previews).
	OnEvent func(Event)
	// Done, when set, is called once the message has been dealt with: its
	// turn ran and the reply was handed to deliver, a command was answered,
	// or the queue policy dropped or folded it. err is non-nil when the
	// runner closed first, so the caller keeps the message for a replay.
	// It must not block.
	Done func(err error)
}

// Reply is a message for the gateway to send back through the channel.
type Reply struct {
	SessionKey string
	RunID      string
	Text       string
	// Block marks an intermediate reply; more follows.
	Block bool
	// IsError marks a reply that reports a failure.
	IsError  bool
	ReplyTo  string
	ThreadID string
}

// EventKind says what an Event carries.
type EventKind string

const (
	// EventDelta carries assistant text in Text.
	EventDelta EventKind = "delta"
	// EventThinking carries model reasoning in Text.
	EventThinking EventKind = "thinking"
	// EventTool reports a tool call's start, progress or end in Tool.
	EventTool EventKind = "tool"
	// EventStatus reports a phase of the turn in Phase.
	EventStatus EventKind = "status"
	// EventFinal ends the turn with the final reply in Text.
	EventFinal EventKind = "final"
)

// Phases of EventStatus.
const (
	PhasePreparing = "preparing_context"
	PhaseModel     = "starting_model"
	PhaseTools     = "running_tools"
)

// Event is one streamed piece of a turn. Events of a turn are delivered in
// order from one goroutine.
type Event struct {
	Kind       EventKind
	RunID      string
	SessionKey string
	Text       string
	Phase      string
	Tool       *ToolEvent
	// Model is "provider/model" on EventFinal.
	Model string
	Usage *models.Usage
}

// ToolEvent reports one tool call.
type ToolEvent struct {
	CallID string
	Name   string
	// Phase is "start", "update" or "end".
	Phase   string
	Args    json.RawMessage
	Result  string
	IsError bool
}

// ToolCall summarises a tool the agent ran.
type ToolCall struct {
	ID       string
	Name     string
	Args     json.RawMessage
	Result   string
	IsError  bool
	Duration time.Duration
}

// TurnResult is how a turn ended.
type TurnResult struct {
	RunID      string
	AgentID    string
	SessionKey string
	SessionID  string
	// Text is the reply: the model's answer, or a short explanation of a
	// failure.
	Text string
	// Blocks are replies the turn already delivered as block replies.
	Blocks []string
	// Silent is set when the model chose not to reply (NO_REPLY).
	Silent bool
	// Provider and Model name the model that answered last.
	Provider string
	Model    string
	// ThinkingLevel is the session's thinking level, for reply prefixes.
	ThinkingLevel string
	// StopReason is stop, length, tool_calls (client tools), aborted,
	// timeout or error.
	StopReason      string
	Usage           models.Usage
	ToolCalls       []ToolCall
	ClientToolCalls []models.ToolCall
	Attempts        []models.Attempt
	Duration        time.Duration
}

// Ref returns "provider/model" of the model that answered, or "".
func (r *TurnResult) Ref() string {
	if r.Provider == "" {
		return ""
	}
	return r.Provider + "/" + r.Model
}
