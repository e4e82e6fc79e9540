package backend

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Chat runs agent turns.
type Chat interface {
	// Run executes one turn for req.SessionKey (or the agent's main session
	// when empty) and returns when the turn has ended. It calls emit for
	// every streamed event in order; calls never overlap. Cancelling ctx
	// aborts the turn; Run then returns an error wrapping context.Canceled.
	Run(ctx context.Context, req RunRequest, emit func(RunEvent)) (RunResult, error)
	// Abort stops active or queued runs the gateway did not start itself
	// (runs from channels, cron, another client). The gateway cancels the
	// contexts of its own runs before calling Abort. An empty RunID means
	// every run of the session. It returns the ids of the runs it stopped.
	Abort(ctx context.Context, req AbortRequest) ([]string, error)
}

// RunRequest is one turn to run.
type RunRequest struct {
	// RunID is assigned by the gateway and unique; events and results
	// refer to it.
	RunID string
	// SessionKey selects the session ("agent:main:main"); empty means the
	// agent's main session.
	SessionKey string
	// AgentID selects the agent; empty means the default agent or the
	// agent the session key names.
	AgentID string
	// Message is the user's input for this turn.
	Message     string
	Attachments []Attachment
	// History holds earlier turns supplied by a stateless caller (the
	// OpenAI-compatible endpoints), oldest first. Empty for WebSocket and
	// REST callers, whose history lives in the session.
	History []HistoryMessage
	// ExtraSystemPrompt is appended to the system prompt (OpenAI system
	// messages, Responses instructions).
	ExtraSystemPrompt string
	// Model overrides the agent's model for this run ("provider/model").
	Model    string
	Thinking string
	Sampling Sampling
	// ClientTools are caller-executed function tools (OpenAI tools). When
	// the model calls one, the run ends with RunResult.ClientToolCalls.
	ClientTools []ClientTool
	// ToolChoice is "auto", "none", "required" or a client tool name.
	ToolChoice string
	// Deliver, when set, also sends the final reply to this channel target.
	Deliver *Delivery
	// Timeout bounds the run; zero means the agent's default.
	Timeout time.Duration
	// IdempotencyKey lets the implementation dedupe a retried request.
	IdempotencyKey string
	// Origin names the surface the run came from: "ws", "openai",
	// "responses", "rest", "tools".
	Origin string
}

// Attachment is inline media sent with a message.
type Attachment struct {
	Type     string `json:"type,omitempty"` // "image", "file", "audio"
	MimeType string `json:"mimeType,omitempty"`
	FileName string `json:"fileName,omitempty"`
	// Content is base64 data or a URL.
	Content string `json:"content,omitempty"`
}

// HistoryMessage is one earlier message supplied by the caller.
type HistoryMessage struct {
	Role       string // "user", "assistant", "tool"
	Text       string
	ToolCallID string           // role "tool": which call this answers
	ToolCalls  []ClientToolCall // role "assistant": calls it made
}

// Sampling holds best-effort model parameters. Zero values mean "unset".
type Sampling struct {
	MaxTokens   int
	Temperature *float64
	TopP        *float64
	Stop        []string
}

// ClientTool is a function tool the caller executes.
type ClientTool struct {
	Name        string
	Description string
	Parameters  json.RawMessage // JSON Schema
}

// ClientToolCall is a call to a client tool the model made.
type ClientToolCall struct {
	ID        string
	Name      string
	Arguments string // JSON text, as the model produced it
}

// Delivery is where a reply goes besides the caller.
type Delivery struct {
	Channel   string
	To        string
	AccountID string
	ThreadID  string
}

// EventKind tells which field of a RunEvent is set.
type EventKind string

const (
	EventDelta  EventKind = "delta"  // assistant text
	EventTool   EventKind = "tool"   // tool lifecycle
	EventStatus EventKind = "status" // run phase (preparing_context, starting_model, ...)
)

// RunEvent is one streamed piece of a run.
type RunEvent struct {
	Kind EventKind
	// Text is the new assistant text (EventDelta).
	Text string
	// Replace means Text replaces everything streamed so far rather than
	// appending to it.
	Replace bool
	Tool    *ToolEvent
	Phase   string // EventStatus
}

// ToolEvent reports a tool call's progress.
type ToolEvent struct {
	CallID  string          `json:"toolCallId"`
	Name    string          `json:"name"`
	Phase   string          `json:"phase"` // "start", "update", "end"
	Args    json.RawMessage `json:"args,omitempty"`
	Result  string          `json:"result,omitempty"`
	IsError bool            `json:"isError,omitempty"`
}

// RunResult is how a turn ended.
type RunResult struct {
	SessionKey string
	SessionID  string
	AgentID    string
	Model      string // "provider/model" that answered
	// Text is the final reply.
	Text string
	// MessageID identifies the stored assistant message, when known.
	MessageID string
	// StopReason is "stop", "length" (output budget), "tool_calls" (client
	// tool requested) or an implementation-specific reason.
	StopReason      string
	Usage           Usage
	ToolCalls       []ToolCall       // tools the agent ran
	ClientToolCalls []ClientToolCall // client tools the model asked for
	Delivered       bool             // Deliver target received the reply
}

// Usage counts tokens.
type Usage struct {
	InputTokens  int64 `json:"input"`
	OutputTokens int64 `json:"output"`
	TotalTokens  int64 `json:"total"`
}

// ToolCall summarises one tool the agent ran during a turn.
type ToolCall struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Args       json.RawMessage `json:"args,omitempty"`
	Result     string          `json:"result,omitempty"`
	IsError    bool            `json:"isError,omitempty"`
	DurationMs int64           `json:"durationMs,omitempty"`
}

// RunError is a turn that failed for a classified reason.
type RunError struct {
	// Kind is "refusal", "timeout", "rate_limit", "context_length",
	// "model_not_found" or "unknown".
	Kind      string
	Message   string
	Retryable bool
	// RetryAfter, when set, tells clients when a retry may succeed.
	RetryAfter time.Duration
}

func (e *RunError) Error() string { return fmt.Sprintf("run failed (%s): %s", e.Kind, e.Message) }

// AbortRequest names what to stop.
type AbortRequest struct {
	SessionKey string
	AgentID    string
	RunID      string
}
