package fakemodel

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// maxBody bounds a request body.
const maxBody = 32 << 20

// parseRequest reads and checks a request the way the real API would reject
// it, so a client bug shows up as a 400 instead of a passing test.
func parseRequest(api string, r *http.Request) (Request, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return Request{}, fmt.Errorf("read body: %w", err)
	}
	req := Request{API: api, Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
	if err := json.Unmarshal(body, &req.Fields); err != nil {
		return req, fmt.Errorf("body is not a JSON object: %v", err)
	}
	var common struct {
		Model  string `json:"model"`
		Stream bool   `json:"stream"`
	}
	if err := json.Unmarshal(body, &common); err != nil {
		return req, fmt.Errorf("model/stream: %v", err)
	}
	if common.Model == "" {
		return req, errors.New("model is required")
	}
	req.Model, req.Stream = common.Model, common.Stream
	switch api {
	case APICompletions:
		err = parseCompletions(&req)
	case APIResponses:
		err = parseResponses(&req)
	case APIMessages:
		if r.Header.Get("anthropic-version") == "" {
			return req, errors.New("anthropic-version header is required")
		}
		err = parseMessages(&req)
	}
	if err != nil {
		return req, err
	}
	return req, checkToolPairs(req.Messages)
}

// checkToolPairs rejects tool results that answer no earlier call, as the
// real APIs do.
func checkToolPairs(msgs []Message) error {
	calls := make(map[string]bool)
	for i, m := range msgs {
		for _, c := range m.ToolCalls {
			if c.ID == "" || c.Name == "" {
				return fmt.Errorf("messages[%d]: tool call without id or name", i)
			}
			if !json.Valid([]byte(c.Arguments)) {
				return fmt.Errorf("messages[%d]: tool call %s arguments are not JSON: %q", i, c.ID, c.Arguments)
			}
			calls[c.ID] = true
		}
		if m.Role == "tool" && !calls[m.ToolCallID] {
			return fmt.Errorf("messages[%d]: tool result for unknown call id %q", i, m.ToolCallID)
		}
	}
	return nil
}

func parseCompletions(req *Request) error {
	var body struct {
		Messages []struct {
			Role       string          `json:"role"`
			Content    json.RawMessage `json:"content"`
			ToolCallID string          `json:"tool_call_id"`
			ToolCalls  []struct {
				ID       string `json:"id"`
				Type     string `json:"type"`
				Function struct {
					Name      string `json:"name"`
					Arguments string `json:"arguments"`
				} `json:"function"`
			} `json:"tool_calls"`
		} `json:"messages"`
		Tools []struct {
			Type     string `json:"type"`
			Function struct {
				Name string `json:"name"`
			} `json:"function"`
		} `json:"tools"`
		MaxTokens           int `json:"max_tokens"`
		MaxCompletionTokens int `json:"max_completion_tokens"`
	}
	if err := json.Unmarshal(req.Body, &body); err != nil {
		return fmt.Errorf("chat completion request: %v", err)
	}
	if len(body.Messages) == 0 {
		return errors.New("messages must not be empty")
	}
	req.MaxTokens = max(body.MaxTokens, body.MaxCompletionTokens)
	for _, t := range body.Tools {
		if t.Type != "function" || t.Function.Name == "" {
			return errors.New("tools[]: want {type: function, function: {name, …}}")
		}
		req.Tools = append(req.Tools, t.Function.Name)
	}
	for i, m := range body.Messages {
		msg := Message{Role: m.Role, ToolCallID: m.ToolCallID}
		text, images, err := chatContent(m.Content)
		if err != nil {
			return fmt.Errorf("messages[%d].content: %v", i, err)
		}
		msg.Text, msg.Images = text, images
		switch m.Role {
		case "system", "developer":
			msg.Role = "system"
			req.System = joinText(req.System, text)
		case "user", "assistant":
		case "tool":
			if m.ToolCallID == "" {
				return fmt.Errorf("messages[%d]: tool message without tool_call_id", i)
			}
		default:
			return fmt.Errorf("messages[%d]: unknown role %q", i, m.Role)
		}
		for _, c := range m.ToolCalls {
			msg.ToolCalls = append(msg.ToolCalls, ToolCall{ID: c.ID, Name: c.Function.Name, Arguments: c.Function.Arguments})
		}
		req.Messages = append(req.Messages, msg)
	}
	return nil
}

func chatContent(raw json.RawMessage) (text string, images []string, err error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil, nil
	}
	if raw[0] == '"' {
		err = json.Unmarshal(raw, &text)
		return text, nil, err
	}
	var parts []struct {
		Type     string `json:"type"`
		Text     string `json:"text"`
		ImageURL struct {
			URL string `json:"url"`
		} `json:"image_url"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", nil, err
	}
	for _, p := range parts {
		switch p.Type {
		case "text":
			text += p.Text
		case "image_url":
			if p.ImageURL.URL == "" {
				return "", nil, errors.New("image_url part without url")
			}
			images = append(images, p.ImageURL.URL)
		default:
			return "", nil, fmt.Errorf("unknown content part type %q", p.Type)
		}
	}
	return text, images, nil
}

func parseResponses(req *Request) error {
	var body struct {
		Instructions    string            `json:"instructions"`
		Input           json.RawMessage   `json:"input"`
		Tools           []json.RawMessage `json:"tools"`
		MaxOutputTokens int               `json:"max_output_tokens"`
	}
	if err := json.Unmarshal(req.Body, &body); err != nil {
		return fmt.Errorf("responses request: %v", err)
	}
	req.System = body.Instructions
	req.MaxTokens = body.MaxOutputTokens
	for i, raw := range body.Tools {
		var t struct {
			Type string `json:"type"`
			Name string `json:"name"`
		}
		if err := json.Unmarshal(raw, &t); err != nil || t.Type != "function" || t.Name == "" {
			return fmt.Errorf("tools[%d]: want {type: function, name, parameters}", i)
		}
		req.Tools = append(req.Tools, t.Name)
	}
	if len(body.Input) > 0 && body.Input[0] == '"' {
		var s string
		_ = json.Unmarshal(body.Input, &s)
		req.Messages = append(req.Messages, Message{Role: "user", Text: s})
		return nil
	}
	var items []struct {
		Type      string          `json:"type"`
		Role      string          `json:"role"`
		Content   json.RawMessage `json:"content"`
		CallID    string          `json:"call_id"`
		Name      string          `json:"name"`
		Arguments string          `json:"arguments"`
		Output    *string         `json:"output"`
	}
	if err := json.Unmarshal(body.Input, &items); err != nil {
		return fmt.Errorf("input: %v", err)
	}
	if len(items) == 0 {
		return errors.New("input must not be empty")
	}
	for i, it := range items {
		if it.Type == "" && it.Role != "" {
			it.Type = "message"
		}
		switch it.Type {
		case "message":
			msg := Message{Role: it.Role}
			if msg.Role == "developer" {
				msg.Role = "system"
			}
			text, images, err := responsesContent(it.Content)
			if err != nil {
				return fmt.Errorf("input[%d].content: %v", i, err)
			}
			msg.Text, msg.Images = text, images
			if msg.Role == "system" {
				req.System = joinText(req.System, text)
			}
			req.Messages = append(req.Messages, msg)
		case "function_call":
			if it.CallID == "" || it.Name == "" {
				return fmt.Errorf("input[%d]: function_call needs call_id and name", i)
			}
			call := ToolCall{ID: it.CallID, Name: it.Name, Arguments: it.Arguments}
			// Consecutive calls belong to one assistant turn.
			if n := len(req.Messages); n > 0 && req.Messages[n-1].Role == "assistant" {
				req.Messages[n-1].ToolCalls = append(req.Messages[n-1].ToolCalls, call)
			} else {
				req.Messages = append(req.Messages, Message{Role: "assistant", ToolCalls: []ToolCall{call}})
			}
		case "function_call_output":
			if it.CallID == "" || it.Output == nil {
				return fmt.Errorf("input[%d]: function_call_output needs call_id and output", i)
			}
			req.Messages = append(req.Messages, Message{Role: "tool", ToolCallID: it.CallID, Text: *it.Output})
		default:
			return fmt.Errorf("input[%d]: unknown item type %q", i, it.Type)
		}
	}
	return nil
}

func responsesContent(raw json.RawMessage) (text string, images []string, err error) {
	if len(raw) > 0 && raw[0] == '"' {
		err = json.Unmarshal(raw, &text)
		return text, nil, err
	}
	var parts []struct {
		Type     string `json:"type"`
		Text     string `json:"text"`
		ImageURL string `json:"image_url"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", nil, err
	}
	for _, p := range parts {
		switch p.Type {
		case "input_text", "output_text":
			text += p.Text
		case "input_image":
			images = append(images, p.ImageURL)
		default:
			return "", nil, fmt.Errorf("unknown content type %q", p.Type)
		}
	}
	return text, images, nil
}

func parseMessages(req *Request) error {
	var body struct {
		System    json.RawMessage `json:"system"`
		MaxTokens int             `json:"max_tokens"`
		Messages  []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
		Tools []struct {
			Name        string          `json:"name"`
			InputSchema json.RawMessage `json:"input_schema"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(req.Body, &body); err != nil {
		return fmt.Errorf("messages request: %v", err)
	}
	if body.MaxTokens <= 0 {
		return errors.New("max_tokens: field required")
	}
	req.MaxTokens = body.MaxTokens
	if len(body.System) > 0 {
		if body.System[0] == '"' {
			_ = json.Unmarshal(body.System, &req.System)
		} else {
			var blocks []struct {
				Text string `json:"text"`
			}
			if err := json.Unmarshal(body.System, &blocks); err != nil {
				return fmt.Errorf("system: %v", err)
			}
			for _, b := range blocks {
				req.System = joinText(req.System, b.Text)
			}
		}
	}
	for i, t := range body.Tools {
		if t.Name == "" || len(t.InputSchema) == 0 {
			return fmt.Errorf("tools[%d]: name and input_schema are required", i)
		}
		req.Tools = append(req.Tools, t.Name)
	}
	if len(body.Messages) == 0 {
		return errors.New("messages: at least one message is required")
	}
	for i, m := range body.Messages {
		if m.Role != "user" && m.Role != "assistant" {
			return fmt.Errorf("messages[%d].role: %q is not user or assistant", i, m.Role)
		}
		if i > 0 && body.Messages[i-1].Role == m.Role {
			return fmt.Errorf("messages[%d]: roles must alternate between user and assistant", i)
		}
		if len(m.Content) > 0 && m.Content[0] == '"' {
			var s string
			_ = json.Unmarshal(m.Content, &s)
			req.Messages = append(req.Messages, Message{Role: m.Role, Text: s})
			continue
		}
		var blocks []struct {
			Type      string          `json:"type"`
			Text      string          `json:"text"`
			ID        string          `json:"id"`
			Name      string          `json:"name"`
			Input     json.RawMessage `json:"input"`
			ToolUseID string          `json:"tool_use_id"`
			Content   json.RawMessage `json:"content"`
			IsError   bool            `json:"is_error"`
			Source    *struct {
				Type      string `json:"type"`
				MediaType string `json:"media_type"`
				Data      string `json:"data"`
				URL       string `json:"url"`
			} `json:"source"`
		}
		if err := json.Unmarshal(m.Content, &blocks); err != nil {
			return fmt.Errorf("messages[%d].content: %v", i, err)
		}
		if len(blocks) == 0 {
			return fmt.Errorf("messages[%d].content: must not be empty", i)
		}
		msg := Message{Role: m.Role}
		for j, b := range blocks {
			switch b.Type {
			case "text":
				msg.Text += b.Text
			case "image":
				if b.Source == nil {
					return fmt.Errorf("messages[%d].content[%d]: image without source", i, j)
				}
				if b.Source.Type == "url" {
					msg.Images = append(msg.Images, b.Source.URL)
				} else {
					msg.Images = append(msg.Images, "data:"+b.Source.MediaType+";base64,"+b.Source.Data)
				}
			case "thinking", "redacted_thinking":
			case "tool_use":
				if m.Role != "assistant" {
					return fmt.Errorf("messages[%d].content[%d]: tool_use in a %s message", i, j, m.Role)
				}
				if len(b.Input) == 0 || b.Input[0] != '{' {
					return fmt.Errorf("messages[%d].content[%d].input: must be an object", i, j)
				}
				msg.ToolCalls = append(msg.ToolCalls, ToolCall{ID: b.ID, Name: b.Name, Arguments: string(b.Input)})
			case "tool_result":
				text, _, err := anthropicResultText(b.Content)
				if err != nil {
					return fmt.Errorf("messages[%d].content[%d].content: %v", i, j, err)
				}
				// Each result becomes its own tool message; text in the
				// same user turn follows them.
				req.Messages = append(req.Messages, Message{Role: "tool", ToolCallID: b.ToolUseID, Text: text, IsError: b.IsError})
			default:
				return fmt.Errorf("messages[%d].content[%d]: unknown block type %q", i, j, b.Type)
			}
		}
		if msg.Text != "" || len(msg.Images) > 0 || len(msg.ToolCalls) > 0 {
			req.Messages = append(req.Messages, msg)
		}
	}
	return nil
}

func anthropicResultText(raw json.RawMessage) (string, []string, error) {
	if len(raw) == 0 {
		return "", nil, nil
	}
	if raw[0] == '"' {
		var s string
		err := json.Unmarshal(raw, &s)
		return s, nil, err
	}
	var blocks []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return "", nil, err
	}
	var b strings.Builder
	for _, bl := range blocks {
		b.WriteString(bl.Text)
	}
	return b.String(), nil, nil
}

func joinText(a, b string) string {
	if a == "" {
		return b
	}
	if b == "" {
		return a
	}
	return a + "\n\n" + b
}
