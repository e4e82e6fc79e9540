package agent

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/sessions"
)

// Transcript stop reasons, as OpenClaw's transcripts spell them.
const (
	stopStop    = "stop"
	stopLength  = "length"
	stopToolUse = "toolUse"
	stopError   = "error"
	stopAborted = "aborted"
)

const (
	interruptedReply = "[This reply was interrupted before it finished.]"
	interruptedCall  = "[No result was recorded for this tool call; it was interrupted.]"
)

// toModelHistory turns transcript messages into a conversation every model
// API accepts, whatever a crash or an abort left behind: tool results pair
// with their calls (missing ones are filled in, orphans dropped), failed
// replies become a short marker, thinking is dropped (its signatures are not
// stored), and consecutive messages of one role are merged.
func toModelHistory(msgs []sessions.Message) []models.Message {
	out := make([]models.Message, 0, len(msgs))
	open := map[string]bool{}
	var openOrder []string
	closeOpen := func() {
		for _, id := range openOrder {
			if open[id] {
				out = append(out, models.ToolResultMessage(id, interruptedCall, true))
			}
		}
		clear(open)
		openOrder = openOrder[:0]
	}
	for i := range msgs {
		m := &msgs[i]
		switch m.Role {
		case sessions.RoleUser:
			closeOpen()
			um := models.Message{Role: models.RoleUser, Content: userParts(m.Content)}
			if len(um.Content) == 0 {
				continue
			}
			if n := len(out); n > 0 && out[n-1].Role == models.RoleUser {
				out[n-1].Content = append(append(out[n-1].Content, models.TextPart("\n\n")), um.Content...)
				continue
			}
			out = append(out, um)
		case sessions.RoleAssistant:
			closeOpen()
			am := models.Message{Role: models.RoleAssistant}
			failed := m.StopReason == stopError || m.StopReason == stopAborted
			for _, c := range m.Content {
				switch c.Type {
				case sessions.BlockText:
					if c.Text != "" && !failed {
						am.Content = append(am.Content, models.TextPart(c.Text))
					}
				case sessions.BlockToolCall:
					if c.ID == "" || c.Name == "" {
						continue
					}
					am.ToolCalls = append(am.ToolCalls, models.ToolCall{ID: c.ID, Name: c.Name, Arguments: argumentsText(c.Arguments)})
				}
			}
			if failed && len(am.ToolCalls) == 0 {
				if strings.TrimSpace(m.Text()) == "" {
					continue
				}
				am.Content = []models.Part{models.TextPart(interruptedReply)}
			}
			if len(am.Content) == 0 && len(am.ToolCalls) == 0 {
				continue
			}
			if n := len(out); n > 0 && out[n-1].Role == models.RoleAssistant && len(out[n-1].ToolCalls) == 0 {
				out[n-1].Content = append(out[n-1].Content, am.Content...)
				out[n-1].ToolCalls = am.ToolCalls
			} else {
				out = append(out, am)
			}
			for _, c := range am.ToolCalls {
				open[c.ID] = true
				openOrder = append(openOrder, c.ID)
			}
		case sessions.RoleToolResult:
			if !open[m.ToolCallID] {
				continue
			}
			open[m.ToolCallID] = false
			out = append(out, models.ToolResultMessage(m.ToolCallID, m.Text(), m.IsError))
		}
	}
	closeOpen()
	return out
}

func userParts(blocks sessions.Content) []models.Part {
	var parts []models.Part
	for _, c := range blocks {
		switch c.Type {
		case sessions.BlockText:
			if c.Text != "" {
				parts = append(parts, models.TextPart(c.Text))
			}
		case sessions.BlockImage:
			data, err := base64.StdEncoding.DecodeString(c.Data)
			if err == nil && len(data) > 0 {
				parts = append(parts, models.ImagePart(models.Image{MediaType: c.MimeType, Data: data}))
			}
		}
	}
	return parts
}

// argumentsText is stored arguments as a model API takes them back: the
// object itself, or "{}" for arguments that were not a JSON object.
func argumentsText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' && json.Valid(raw) {
		return string(raw)
	}
	return "{}"
}

// storedArguments keeps a model's arguments in the transcript: a JSON
// object as it is, anything else (models sometimes produce broken JSON) as
// a JSON string, so the line stays valid JSON.
func storedArguments(args string) json.RawMessage {
	t := strings.TrimSpace(args)
	if t == "" {
		return json.RawMessage("{}")
	}
	if json.Valid([]byte(t)) {
		return json.RawMessage(t)
	}
	b, _ := json.Marshal(args)
	return b
}

// userRecord is the transcript form of a user message.
func userRecord(text string, media []Media) sessions.Message {
	m := sessions.Message{Role: sessions.RoleUser}
	if text != "" {
		m.Content = append(m.Content, sessions.ContentBlock{Type: sessions.BlockText, Text: text})
	}
	for _, md := range media {
		if md.isImage() && len(md.Data) > 0 {
			m.Content = append(m.Content, sessions.ContentBlock{Type: sessions.BlockImage, Data: base64.StdEncoding.EncodeToString(md.Data), MimeType: md.MimeType})
		}
	}
	if len(m.Content) == 0 {
		m.Content = sessions.Content{{Type: sessions.BlockText, Text: ""}}
	}
	return m
}

// assistantRecord is the transcript form of a model's reply.
func assistantRecord(msg models.Message, resp *models.Response, api, stop, errText string) sessions.Message {
	m := sessions.Message{Role: sessions.RoleAssistant, StopReason: stop, ErrorMessage: errText, API: api}
	for _, p := range msg.Content {
		switch p.Type {
		case models.PartThinking:
			if p.Text != "" {
				m.Content = append(m.Content, sessions.ContentBlock{Type: sessions.BlockThinking, Thinking: p.Text})
			}
		case models.PartText:
			if p.Text != "" {
				m.Content = append(m.Content, sessions.ContentBlock{Type: sessions.BlockText, Text: p.Text})
			}
		}
	}
	for _, c := range msg.ToolCalls {
		m.Content = append(m.Content, sessions.ContentBlock{Type: sessions.BlockToolCall, ID: c.ID, Name: c.Name, Arguments: storedArguments(c.Arguments)})
	}
	if m.Content == nil {
		m.Content = sessions.Content{}
	}
	if resp != nil {
		m.Provider, m.Model = resp.Provider, resp.Model
		u := resp.Usage
		m.Usage = &sessions.Usage{
			Input: int64(u.InputTokens), Output: int64(u.OutputTokens),
			CacheRead: int64(u.CacheReadTokens), CacheWrite: int64(u.CacheWriteTokens),
			TotalTokens: int64(u.TotalTokens()),
		}
		if u.Cost.Total > 0 {
			m.Usage.Cost = &sessions.Cost{Input: u.Cost.Input, Output: u.Cost.Output, CacheRead: u.Cost.CacheRead, CacheWrite: u.Cost.CacheWrite, Total: u.Cost.Total}
		}
	}
	return m
}

// toolResultRecord is the transcript form of a tool's result.
func toolResultRecord(callID, name, content string, isError bool, details json.RawMessage) sessions.Message {
	m := sessions.TextMessage(sessions.RoleToolResult, content)
	m.ToolCallID, m.ToolName, m.IsError = callID, name, isError
	if len(details) > 0 && len(details) <= maxStoredDetails && json.Valid(details) {
		m.Details = details
	}
	return m
}

// maxStoredDetails bounds the tool metadata kept in a transcript line.
const maxStoredDetails = 16 << 10

func stopReason(f models.FinishReason) string {
	switch f {
	case models.FinishLength:
		return stopLength
	case models.FinishToolCalls:
		return stopToolUse
	}
	return stopStop
}
