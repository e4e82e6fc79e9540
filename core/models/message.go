package models

import (
	"encoding/json"
	"strings"
)

// Role says who wrote a message.
type Role string

const (
	RoleSystem    Role = "system"
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
	// RoleTool carries a tool's result back to the model.
	RoleTool Role = "tool"
)

// PartType names the kind of a content part.
type PartType string

const (
	PartText  PartType = "text"
	PartImage PartType = "image"
	// PartThinking is a model's reasoning. Providers that sign it (Anthropic)
	// require it to be sent back unchanged with the tool calls it preceded.
	PartThinking PartType = "thinking"
)

// Part is one piece of a message's content.
type Part struct {
	Type PartType `json:"type"`
	Text string   `json:"text,omitempty"`
	// Image is set for PartImage.
	Image *Image `json:"image,omitempty"`
	// Signature is the provider's opaque proof for a PartThinking part.
	Signature string `json:"signature,omitempty"`
}

// Image refers to an image the model should look at: by URL (http, https or
// data:), or by its bytes.
type Image struct {
	URL       string `json:"url,omitempty"`
	MediaType string `json:"mediaType,omitempty"`
	Data      []byte `json:"data,omitempty"`
}

// Message is one turn of the conversation.
type Message struct {
	Role    Role   `json:"role"`
	Content []Part `json:"content,omitempty"`
	// ToolCalls are the calls an assistant message asks for.
	ToolCalls []ToolCall `json:"toolCalls,omitempty"`
	// ToolCallID names the call a RoleTool message answers.
	ToolCallID string `json:"toolCallId,omitempty"`
	// IsError marks a RoleTool message whose tool failed.
	IsError bool `json:"isError,omitempty"`
}

// ToolSpec describes a tool the model may call.
type ToolSpec struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Parameters is the JSON Schema of the arguments object. Empty means the
	// tool takes no arguments.
	Parameters json.RawMessage `json:"parameters,omitempty"`
}

// ToolCall is a model's request to run a tool.
type ToolCall struct {
	// ID pairs the call with its result message.
	ID   string `json:"id"`
	Name string `json:"name"`
	// Arguments is the JSON text the model produced, normally an object.
	// It is kept as text because models sometimes produce invalid JSON and
	// the agent loop should be able to tell the model so.
	Arguments string `json:"arguments"`
}

// TextPart returns a text part.
func TextPart(s string) Part { return Part{Type: PartText, Text: s} }

// ImagePart returns an image part.
func ImagePart(img Image) Part { return Part{Type: PartImage, Image: &img} }

// SystemMessage returns a system message with the given text.
func SystemMessage(text string) Message {
	return Message{Role: RoleSystem, Content: []Part{TextPart(text)}}
}

// UserMessage returns a user message with text and optional images.
func UserMessage(text string, images ...Image) Message {
	m := Message{Role: RoleUser}
	if text != "" {
		m.Content = append(m.Content, TextPart(text))
	}
	for _, img := range images {
		m.Content = append(m.Content, ImagePart(img))
	}
	return m
}

// AssistantMessage returns an assistant message with text and tool calls.
func AssistantMessage(text string, calls ...ToolCall) Message {
	m := Message{Role: RoleAssistant, ToolCalls: calls}
	if text != "" {
		m.Content = []Part{TextPart(text)}
	}
	return m
}

// ToolResultMessage returns the result of the call with the given id.
func ToolResultMessage(callID, result string, isError bool) Message {
	return Message{Role: RoleTool, ToolCallID: callID, IsError: isError, Content: []Part{TextPart(result)}}
}

// Text returns the message's text parts joined together; reasoning and images
// are left out.
func (m Message) Text() string {
	var n int
	for _, p := range m.Content {
		if p.Type == PartText {
			n++
		}
	}
	if n == 1 {
		for _, p := range m.Content {
			if p.Type == PartText {
				return p.Text
			}
		}
	}
	var b strings.Builder
	for _, p := range m.Content {
		if p.Type == PartText {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}
