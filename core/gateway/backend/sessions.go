package backend

import (
	"context"
	"time"
)

// Sessions reads and maintains conversation state.
//
// A "ref" is a session key ("agent:main:telegram:dm:42") or a session id;
// implementations accept both and return ErrNotFound when neither matches.
type Sessions interface {
	List(ctx context.Context, q SessionQuery) (SessionPage, error)
	Get(ctx context.Context, ref string) (Session, error)
	// Create makes a new, empty session and returns it.
	Create(ctx context.Context, req SessionCreate) (Session, error)
	History(ctx context.Context, q HistoryQuery) (HistoryPage, error)
	// Reset starts a fresh transcript under the same key (reason "new" or
	// "reset") and returns the session with its new id.
	Reset(ctx context.Context, ref, reason string) (Session, error)
	// Delete removes the session from the index; deleteTranscript also
	// removes its transcript. It returns the removed session.
	Delete(ctx context.Context, ref string, deleteTranscript bool) (Session, error)
	// DeleteMessage removes one stored message by id.
	DeleteMessage(ctx context.Context, messageID string) error
}

// SessionQuery filters and pages the session list.
type SessionQuery struct {
	AgentID string
	Search  string // substring of key or label
	Limit   int    // zero means the implementation's default
	Offset  int
	// ActiveMinutes keeps sessions updated within the last N minutes.
	ActiveMinutes int
}

// SessionPage is one page of sessions, most recently updated first.
type SessionPage struct {
	Sessions []Session
	Total    int
}

// Session is one conversation.
type Session struct {
	Key          string    `json:"key"`
	SessionID    string    `json:"sessionId"`
	AgentID      string    `json:"agentId"`
	Label        string    `json:"label,omitempty"`
	Model        string    `json:"model,omitempty"`
	Channel      string    `json:"channel,omitempty"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
	MessageCount int       `json:"messageCount"`
	InputTokens  int64     `json:"inputTokens,omitempty"`
	OutputTokens int64     `json:"outputTokens,omitempty"`
	// Active reports a run in progress.
	Active bool `json:"active,omitempty"`
}

// SessionCreate describes a new session.
type SessionCreate struct {
	AgentID string
	// Key is the wanted session key; empty lets the implementation pick one.
	Key   string
	Label string
	Model string
}

// HistoryQuery pages a session's transcript.
type HistoryQuery struct {
	Ref    string
	Limit  int
	Offset int
	// Newest returns the newest messages first (REST order=desc); the
	// default is oldest first.
	Newest bool
}

// HistoryPage is part of a transcript.
type HistoryPage struct {
	SessionKey string
	SessionID  string
	Messages   []Message
	Total      int
}

// Message is one transcript entry.
type Message struct {
	ID        string     `json:"id"`
	Role      string     `json:"role"` // "user", "assistant", "tool", "system"
	Text      string     `json:"text"`
	CreatedAt time.Time  `json:"createdAt"`
	Model     string     `json:"model,omitempty"`
	ToolCalls []ToolCall `json:"toolCalls,omitempty"`
}
