package sessions

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Transcript files use OpenClaw's (pi-agent v3) JSONL layout so existing
// tools can read them: a header line
//
//	{"type":"session","version":3,"id":"<sessionId>","timestamp":"<RFC 3339>","cwd":"<workspace>"}
//
// followed by entries that form a chain through id/parentId, the
// conversation itself in "message" entries:
//
//	{"type":"message","id":"a1b2c3d4","parentId":null,"timestamp":"…","message":{"role":"user","content":[{"type":"text","text":"hi"}],"timestamp":1733234401000}}
//
// Every line is one complete JSON object ending in '\n'.

// TranscriptVersion is the header version written to new transcripts.
const TranscriptVersion = 3

// Record types.
const (
	RecordSession     = "session"
	RecordMessage     = "message"
	RecordModelChange = "model_change"
	RecordCompaction  = "compaction"
	RecordCustom      = "custom"
)

// Message roles.
const (
	RoleUser       = "user"
	RoleAssistant  = "assistant"
	RoleToolResult = "toolResult"
)

// Header is the first line of a transcript.
type Header struct {
	Type          string `json:"type"`
	Version       int    `json:"version"`
	ID            string `json:"id"`
	Timestamp     string `json:"timestamp"`
	Cwd           string `json:"cwd"`
	ParentSession string `json:"parentSession,omitempty"`
}

// Record is one transcript line after the header. Only the fields of its Type
// are set; Message for "message", Provider/ModelID for "model_change",
// Summary/FirstKeptEntryID/TokensBefore for "compaction", CustomType/Data for
// "custom".
type Record struct {
	Type      string  `json:"type"`
	ID        string  `json:"id"`
	ParentID  *string `json:"parentId"`
	Timestamp string  `json:"timestamp"`

	Message *Message `json:"message,omitempty"`

	Provider string `json:"provider,omitempty"`
	ModelID  string `json:"modelId,omitempty"`

	Summary          string `json:"summary,omitempty"`
	FirstKeptEntryID string `json:"firstKeptEntryId,omitempty"`
	TokensBefore     int64  `json:"tokensBefore,omitempty"`

	CustomType string          `json:"customType,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
}

// Message is a user, assistant or tool-result message.
type Message struct {
	Role    string  `json:"role"`
	Content Content `json:"content"`
	// Timestamp is Unix milliseconds; Append fills it in when zero.
	Timestamp int64 `json:"timestamp"`

	// Assistant messages.
	API          string `json:"api,omitempty"`
	Provider     string `json:"provider,omitempty"`
	Model        string `json:"model,omitempty"`
	Usage        *Usage `json:"usage,omitempty"`
	StopReason   string `json:"stopReason,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`

	// Tool results.
	ToolCallID string          `json:"toolCallId,omitempty"`
	ToolName   string          `json:"toolName,omitempty"`
	IsError    bool            `json:"isError,omitempty"`
	Details    json.RawMessage `json:"details,omitempty"`
}

// Content block types.
const (
	BlockText     = "text"
	BlockImage    = "image"
	BlockThinking = "thinking"
	BlockToolCall = "toolCall"
)

// ContentBlock is one part of a message's content.
type ContentBlock struct {
	Type string `json:"type"`
	// Text blocks.
	Text string `json:"text,omitempty"`
	// Thinking blocks.
	Thinking string `json:"thinking,omitempty"`
	// Image blocks: base64 data.
	Data     string `json:"data,omitempty"`
	MimeType string `json:"mimeType,omitempty"`
	// Tool calls.
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Arguments json.RawMessage `json:"arguments,omitempty"`
}

// Usage is a model call's token accounting.
type Usage struct {
	Input       int64 `json:"input"`
	Output      int64 `json:"output"`
	CacheRead   int64 `json:"cacheRead"`
	CacheWrite  int64 `json:"cacheWrite"`
	TotalTokens int64 `json:"totalTokens"`
	Cost        *Cost `json:"cost,omitempty"`
}

// Cost is a model call's cost in the provider's currency.
type Cost struct {
	Input      float64 `json:"input"`
	Output     float64 `json:"output"`
	CacheRead  float64 `json:"cacheRead"`
	CacheWrite float64 `json:"cacheWrite"`
	Total      float64 `json:"total"`
}

// TextMessage is a message with one text block.
func TextMessage(role, text string) Message {
	return Message{Role: role, Content: Content{{Type: BlockText, Text: text}}}
}

// Text joins the message's text blocks.
func (m Message) Text() string {
	var b bytes.Buffer
	for _, c := range m.Content {
		if c.Type == BlockText {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(c.Text)
		}
	}
	return b.String()
}

// ToolCalls returns the message's tool-call blocks.
func (m Message) ToolCalls() []ContentBlock {
	var out []ContentBlock
	for _, c := range m.Content {
		if c.Type == BlockToolCall {
			out = append(out, c)
		}
	}
	return out
}

// Content is a message's content blocks. It decodes from a plain string
// too, as user messages in OpenClaw transcripts may carry one.
type Content []ContentBlock

// UnmarshalJSON accepts an array of blocks, a string or null.
func (c *Content) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	switch {
	case len(data) == 0 || bytes.Equal(data, []byte("null")):
		*c = nil
		return nil
	case data[0] == '"':
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return fmt.Errorf("message content: %w", err)
		}
		*c = Content{{Type: BlockText, Text: s}}
		return nil
	}
	var blocks []ContentBlock
	if err := json.Unmarshal(data, &blocks); err != nil {
		return fmt.Errorf("message content: %w", err)
	}
	*c = blocks
	return nil
}
