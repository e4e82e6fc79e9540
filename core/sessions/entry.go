package sessions

import "encoding/json"

// Entry is one row of sessions.json: the session a key currently points at
// and its metadata. Field names follow OpenClaw's SessionEntry.
type Entry struct {
	// SessionID names the current transcript, <SessionID>.jsonl.
	SessionID string `json:"sessionId"`
	// SessionFile is the transcript path, written for OpenClaw's tools; the
	// store always derives the path from SessionID.
	SessionFile string `json:"sessionFile,omitempty"`
	// UpdatedAt is the last change to the row (Unix ms); lists sort on it.
	UpdatedAt int64 `json:"updatedAt"`
	// SessionStartedAt is when SessionID began; daily resets use it.
	SessionStartedAt int64 `json:"sessionStartedAt,omitempty"`
	// LastInteractionAt is the last real user or channel message; idle
	// resets use it.
	LastInteractionAt int64 `json:"lastInteractionAt,omitempty"`

	ChatType    string `json:"chatType,omitempty"`
	Channel     string `json:"channel,omitempty"`
	AccountID   string `json:"accountId,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	Subject     string `json:"subject,omitempty"`
	Label       string `json:"label,omitempty"`

	// Per-session overrides set by chat commands (/model, /think, …).
	ProviderOverride    string `json:"providerOverride,omitempty"`
	ModelOverride       string `json:"modelOverride,omitempty"`
	AuthProfileOverride string `json:"authProfileOverride,omitempty"`
	ThinkingLevel       string `json:"thinkingLevel,omitempty"`
	VerboseLevel        string `json:"verboseLevel,omitempty"`
	ReasoningLevel      string `json:"reasoningLevel,omitempty"`
	SendPolicy          string `json:"sendPolicy,omitempty"`

	// Token counters: input and output accumulate over the session id's
	// lifetime; TotalTokens is their sum; ContextTokens is the prompt size of
	// the last model call.
	InputTokens   int64 `json:"inputTokens,omitempty"`
	OutputTokens  int64 `json:"outputTokens,omitempty"`
	TotalTokens   int64 `json:"totalTokens,omitempty"`
	ContextTokens int64 `json:"contextTokens,omitempty"`
	// MessageCount counts the messages appended to the current session id.
	MessageCount    int64 `json:"messageCount,omitempty"`
	CompactionCount int64 `json:"compactionCount,omitempty"`

	// Extra keeps fields this implementation does not know, so rewriting
	// sessions.json never drops what another version wrote.
	Extra map[string]json.RawMessage `json:"-"`
}

type entryFields Entry

// isEntryField reports whether k is the JSON name of one of Entry's fields
// (a test keeps this list in step with the struct tags).
func isEntryField(k string) bool {
	switch k {
	case "sessionId", "sessionFile", "updatedAt", "sessionStartedAt", "lastInteractionAt",
		"chatType", "channel", "accountId", "displayName", "subject", "label",
		"providerOverride", "modelOverride", "authProfileOverride", "thinkingLevel",
		"verboseLevel", "reasoningLevel", "sendPolicy",
		"inputTokens", "outputTokens", "totalTokens", "contextTokens", "messageCount", "compactionCount":
		return true
	}
	return false
}

// UnmarshalJSON decodes the known fields and keeps the rest in Extra.
func (e *Entry) UnmarshalJSON(data []byte) error {
	var known entryFields
	if err := json.Unmarshal(data, &known); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	*e = Entry(known)
	e.Extra = nil
	for k, v := range all {
		if !isEntryField(k) {
			if e.Extra == nil {
				e.Extra = make(map[string]json.RawMessage)
			}
			e.Extra[k] = v
		}
	}
	return nil
}

// MarshalJSON writes the known fields followed by Extra.
func (e Entry) MarshalJSON() ([]byte, error) {
	known, err := json.Marshal(entryFields(e))
	if err != nil || len(e.Extra) == 0 {
		return known, err
	}
	extra := make(map[string]json.RawMessage, len(e.Extra))
	for k, v := range e.Extra {
		if !isEntryField(k) {
			extra[k] = v
		}
	}
	if len(extra) == 0 {
		return known, nil
	}
	more, err := json.Marshal(extra)
	if err != nil {
		return nil, err
	}
	// Splice {"known":…} and {"extra":…} into one object.
	out := make([]byte, 0, len(known)+len(more))
	out = append(out, known[:len(known)-1]...)
	out = append(out, ',')
	out = append(out, more[1:]...)
	return out, nil
}

func (e Entry) clone() Entry {
	if e.Extra != nil {
		extra := make(map[string]json.RawMessage, len(e.Extra))
		for k, v := range e.Extra {
			extra[k] = v
		}
		e.Extra = extra
	}
	return e
}
