package models

import "context"

// Provider runs requests against one model API with one credential.
//
// Stream sends req and, when onEvent is not nil, streams the reply, calling
// onEvent from the calling goroutine as pieces arrive. With a nil onEvent the
// request is made without streaming. Either way the returned Response holds
// the whole assistant message. Errors are *Error values when the provider
// answered with a failure, so callers can classify them.
type Provider interface {
	Stream(ctx context.Context, req Request, onEvent func(Event)) (*Response, error)
}

// Request is what the model is asked.
type Request struct {
	// Model is the provider's model id (without the provider prefix). The
	// Router fills it in from the resolved ref.
	Model string
	// System is the system prompt, sent before Messages.
	System   string
	Messages []Message
	Tools    []ToolSpec
	// ToolChoice is "", "auto", "none", "required" or a tool name.
	ToolChoice string
	// MaxTokens caps the reply; 0 leaves it to the catalogue or the API.
	MaxTokens int
	// Temperature, when set, overrides the model's default.
	Temperature *float64
	// Params are provider-specific fields merged into the request body as
	// they are (agents.defaults.models.<ref>.params and friends). Keys the
	// request already sets are overridden; "extra_body"/"extraBody" objects
	// are merged last.
	Params map[string]any
}

// FinishReason says why the model stopped.
type FinishReason string

const (
	FinishStop          FinishReason = "stop"
	FinishLength        FinishReason = "length"
	FinishToolCalls     FinishReason = "tool_calls"
	FinishContentFilter FinishReason = "content_filter"
)

// Response is a complete reply.
type Response struct {
	// Provider and Model name the model that answered.
	Provider string
	Model    string
	// Message is the assistant message: text, reasoning and tool calls.
	Message      Message
	FinishReason FinishReason
	Usage        Usage
	// Attempts lists, when the Router ran the request, every model it tried
	// or skipped before this one answered, ending with the one that did.
	Attempts []Attempt
}

// Ref returns "provider/model" of the model that answered.
func (r *Response) Ref() string { return r.Provider + "/" + r.Model }

// EventType names what an Event carries.
type EventType uint8

const (
	// EventText carries a piece of the reply in Text.
	EventText EventType = iota + 1
	// EventThinking carries a piece of the model's reasoning in Text.
	EventThinking
	// EventToolCallDelta carries a piece of a tool call's arguments in Text;
	// ToolCall holds the call's id and name (when known) and Index its
	// position.
	EventToolCallDelta
	// EventToolCall carries a complete tool call, arguments assembled.
	EventToolCall
	// EventUsage carries token usage in Usage.
	EventUsage
	// EventDone ends a successful stream; FinishReason says why.
	EventDone
)

func (t EventType) String() string {
	switch t {
	case EventText:
		return "text"
	case EventThinking:
		return "thinking"
	case EventToolCallDelta:
		return "tool_call_delta"
	case EventToolCall:
		return "tool_call"
	case EventUsage:
		return "usage"
	case EventDone:
		return "done"
	}
	return "unknown"
}

// Event is one piece of a streaming reply.
type Event struct {
	Type         EventType
	Text         string
	Index        int
	ToolCall     *ToolCall
	Usage        *Usage
	FinishReason FinishReason
}

// Usage counts tokens and what they cost.
//
// InputTokens excludes cached input: a request's whole prompt is InputTokens
// + CacheReadTokens + CacheWriteTokens, whatever the API's own convention.
type Usage struct {
	InputTokens      int `json:"input"`
	OutputTokens     int `json:"output"`
	CacheReadTokens  int `json:"cacheRead,omitempty"`
	CacheWriteTokens int `json:"cacheWrite,omitempty"`
	// ReasoningTokens is the part of OutputTokens spent reasoning.
	ReasoningTokens int  `json:"reasoning,omitempty"`
	Cost            Cost `json:"cost"`
}

// TotalTokens is every token the request consumed.
func (u Usage) TotalTokens() int {
	return u.InputTokens + u.OutputTokens + u.CacheReadTokens + u.CacheWriteTokens
}

// Add returns the sum of two usages, for totals over a turn or a session.
func (u Usage) Add(o Usage) Usage {
	return Usage{
		InputTokens:      u.InputTokens + o.InputTokens,
		OutputTokens:     u.OutputTokens + o.OutputTokens,
		CacheReadTokens:  u.CacheReadTokens + o.CacheReadTokens,
		CacheWriteTokens: u.CacheWriteTokens + o.CacheWriteTokens,
		ReasoningTokens:  u.ReasoningTokens + o.ReasoningTokens,
		Cost: Cost{
			Input:      u.Cost.Input + o.Cost.Input,
			Output:     u.Cost.Output + o.Cost.Output,
			CacheRead:  u.Cost.CacheRead + o.Cost.CacheRead,
			CacheWrite: u.Cost.CacheWrite + o.Cost.CacheWrite,
			Total:      u.Cost.Total + o.Cost.Total,
		},
	}
}

// Cost is what a request cost in US dollars, priced from the catalogue.
type Cost struct {
	Input      float64 `json:"input"`
	Output     float64 `json:"output"`
	CacheRead  float64 `json:"cacheRead"`
	CacheWrite float64 `json:"cacheWrite"`
	Total      float64 `json:"total"`
}

// Price returns the usage with Cost computed from per-million-token prices.
func (u Usage) Price(p ModelCost) Usage {
	const perToken = 1e-6
	u.Cost = Cost{
		Input:      float64(u.InputTokens) * p.Input * perToken,
		Output:     float64(u.OutputTokens) * p.Output * perToken,
		CacheRead:  float64(u.CacheReadTokens) * p.CacheRead * perToken,
		CacheWrite: float64(u.CacheWriteTokens) * p.CacheWrite * perToken,
	}
	u.Cost.Total = u.Cost.Input + u.Cost.Output + u.Cost.CacheRead + u.Cost.CacheWrite
	return u
}
