// Package openai speaks OpenAI's two HTTP APIs: Chat Completions
// (api "openai-completions", also served by Ollama, LM Studio, vLLM, LiteLLM,
// OpenRouter and most local servers) and Responses (api "openai-responses").
package openai

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/models/sse"
	"github.com/openclaw-go/openclaw/core/models/wire"
)

// Completions is a Chat Completions client for one endpoint.
type Completions struct {
	ep models.Endpoint
}

// NewCompletions returns a client for ep.
func NewCompletions(ep models.Endpoint) *Completions { return &Completions{ep: ep} }

type chatRequest struct {
	Model               string         `json:"model"`
	Messages            []chatMessage  `json:"messages"`
	Tools               []chatTool     `json:"tools,omitempty"`
	ToolChoice          any            `json:"tool_choice,omitempty"`
	Stream              bool           `json:"stream,omitempty"`
	StreamOptions       *streamOptions `json:"stream_options,omitempty"`
	MaxTokens           int            `json:"max_tokens,omitempty"`
	MaxCompletionTokens int            `json:"max_completion_tokens,omitempty"`
	Temperature         *float64       `json:"temperature,omitempty"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

type chatMessage struct {
	Role string `json:"role"`
	// Content is a string, a list of parts, or null for an assistant
	// message that only calls tools.
	Content    any            `json:"content"`
	ToolCalls  []chatToolCall `json:"tool_calls,omitempty"`
	ToolCallID string         `json:"tool_call_id,omitempty"`
}

type chatPart struct {
	Type     string        `json:"type"`
	Text     string        `json:"text,omitempty"`
	ImageURL *chatImageURL `json:"image_url,omitempty"`
}

type chatImageURL struct {
	URL string `json:"url"`
}

type chatTool struct {
	Type     string       `json:"type"`
	Function chatFunction `json:"function"`
}

type chatFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
}

type chatToolCall struct {
	Index    *int   `json:"index,omitempty"`
	ID       string `json:"id,omitempty"`
	Type     string `json:"type,omitempty"`
	Function struct {
		Name      string `json:"name,omitempty"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

type chatUsage struct {
	PromptTokens        int `json:"prompt_tokens"`
	CompletionTokens    int `json:"completion_tokens"`
	PromptTokensDetails struct {
		CachedTokens int `json:"cached_tokens"`
	} `json:"prompt_tokens_details"`
	CompletionTokensDetails struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
}

func (u *chatUsage) usage() models.Usage {
	cached := u.PromptTokensDetails.CachedTokens
	return models.Usage{
		InputTokens:     max(u.PromptTokens-cached, 0),
		OutputTokens:    u.CompletionTokens,
		CacheReadTokens: cached,
		ReasoningTokens: u.CompletionTokensDetails.ReasoningTokens,
	}
}

type chatDelta struct {
	Content string `json:"content"`
	// Reasoning arrives as reasoning_content (DeepSeek, vLLM) or reasoning
	// (OpenRouter, Ollama).
	ReasoningContent string         `json:"reasoning_content"`
	Reasoning        string         `json:"reasoning"`
	Refusal          string         `json:"refusal"`
	ToolCalls        []chatToolCall `json:"tool_calls"`
}

type chatChoice struct {
	Delta        chatDelta `json:"delta"`
	Message      chatDelta `json:"message"`
	FinishReason *string   `json:"finish_reason"`
}

type chatResponse struct {
	Choices []chatChoice    `json:"choices"`
	Usage   *chatUsage      `json:"usage"`
	Error   json.RawMessage `json:"error"`
}

// Stream implements models.Provider.
func (c *Completions) Stream(ctx context.Context, req models.Request, onEvent func(models.Event)) (*models.Response, error) {
	body, err := c.body(req, onEvent != nil)
	if err != nil {
		return nil, &models.Error{Provider: c.ep.Provider, Model: req.Model, Reason: models.ReasonFormat, Err: err}
	}
	resp, err := wire.Post(ctx, c.ep, req.Model, wire.JoinURL(c.ep.BaseURL, "chat/completions"), bearer(c.ep), body)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b := wire.NewBuilder(onEvent)
	switch {
	case onEvent != nil && wire.IsEventStream(resp):
		err = c.readStream(resp.Body, b, req.Model)
	case onEvent == nil || wire.IsJSON(resp):
		err = c.readJSON(resp.Body, b, req.Model)
	default:
		err = wire.Malformed(c.ep.Provider, req.Model, "expected an event stream, got Content-Type %q", resp.Header.Get("Content-Type"))
	}
	if err != nil {
		return nil, c.readFailure(ctx, req.Model, err)
	}
	return b.Response(), nil
}

func (c *Completions) readFailure(ctx context.Context, model string, err error) error {
	var me *models.Error
	if errors.As(err, &me) {
		return err
	}
	return wire.TransportError(ctx, c.ep, model, err)
}

func (c *Completions) body(req models.Request, stream bool) ([]byte, error) {
	cr := chatRequest{Model: req.Model, Stream: stream, Temperature: req.Temperature}
	if stream {
		cr.StreamOptions = &streamOptions{IncludeUsage: true}
	}
	if req.MaxTokens > 0 {
		// api.openai.com rejects max_tokens for its reasoning models;
		// compatible servers mostly know only max_tokens.
		if isOfficialOpenAI(c.ep.BaseURL) {
			cr.MaxCompletionTokens = req.MaxTokens
		} else {
			cr.MaxTokens = req.MaxTokens
		}
	}
	if req.System != "" {
		cr.Messages = append(cr.Messages, chatMessage{Role: "system", Content: req.System})
	}
	for i, m := range req.Messages {
		cm, err := chatMessageFrom(m)
		if err != nil {
			return nil, fmt.Errorf("messages[%d]: %w", i, err)
		}
		cr.Messages = append(cr.Messages, cm)
	}
	for _, t := range req.Tools {
		cr.Tools = append(cr.Tools, chatTool{Type: "function", Function: chatFunction{
			Name: t.Name, Description: t.Description, Parameters: schemaOrEmpty(t.Parameters)}})
	}
	if len(cr.Tools) > 0 {
		cr.ToolChoice = toolChoice(req.ToolChoice, func(name string) any {
			return map[string]any{"type": "function", "function": map[string]string{"name": name}}
		})
	}
	body, err := json.Marshal(cr)
	if err != nil {
		return nil, err
	}
	return wire.MergeParams(body, req.Params)
}

func chatMessageFrom(m models.Message) (chatMessage, error) {
	switch m.Role {
	case models.RoleSystem, models.RoleUser:
		return chatMessage{Role: string(m.Role), Content: chatContent(m)}, nil
	case models.RoleAssistant:
		cm := chatMessage{Role: "assistant"}
		if text := m.Text(); text != "" {
			cm.Content = text
		}
		for _, tc := range m.ToolCalls {
			var ct chatToolCall
			ct.ID, ct.Type = tc.ID, "function"
			ct.Function.Name, ct.Function.Arguments = tc.Name, tc.Arguments
			cm.ToolCalls = append(cm.ToolCalls, ct)
		}
		return cm, nil
	case models.RoleTool:
		if m.ToolCallID == "" {
			return chatMessage{}, errors.New("tool message without toolCallId")
		}
		return chatMessage{Role: "tool", ToolCallID: m.ToolCallID, Content: m.Text()}, nil
	}
	return chatMessage{}, fmt.Errorf("unknown role %q", m.Role)
}

// chatContent is a plain string unless there are images, because many
// compatible servers accept only strings.
func chatContent(m models.Message) any {
	hasImage := false
	for _, p := range m.Content {
		if p.Type == models.PartImage {
			hasImage = true
		}
	}
	if !hasImage {
		return m.Text()
	}
	var parts []chatPart
	for _, p := range m.Content {
		switch p.Type {
		case models.PartText:
			parts = append(parts, chatPart{Type: "text", Text: p.Text})
		case models.PartImage:
			if p.Image != nil {
				parts = append(parts, chatPart{Type: "image_url", ImageURL: &chatImageURL{URL: imageURL(*p.Image)}})
			}
		}
	}
	return parts
}

func (c *Completions) readJSON(r io.Reader, b *wire.Builder, model string) error {
	var cr chatResponse
	if err := json.NewDecoder(r).Decode(&cr); err != nil {
		return wire.Malformed(c.ep.Provider, model, "decode chat completion: %v", err)
	}
	if len(cr.Error) > 0 && string(cr.Error) != "null" {
		return streamErr(c.ep.Provider, model, cr.Error)
	}
	if len(cr.Choices) == 0 {
		return wire.Malformed(c.ep.Provider, model, "chat completion has no choices")
	}
	ch := cr.Choices[0]
	msg := ch.Message
	b.Thinking(firstNonEmpty(msg.ReasoningContent, msg.Reasoning))
	b.Text(msg.Content)
	if msg.Content == "" && msg.Refusal != "" {
		b.Text(msg.Refusal)
	}
	for i, tc := range msg.ToolCalls {
		b.ToolCallStart(i, tc.ID, tc.Function.Name)
		b.ToolCallArgs(i, tc.Function.Arguments)
		b.ToolCallEnd(i)
	}
	if cr.Usage != nil {
		b.Usage(cr.Usage.usage())
	}
	if ch.FinishReason != nil {
		b.Finish(finishReason(*ch.FinishReason))
	}
	return nil
}

func (c *Completions) readStream(r io.Reader, b *wire.Builder, model string) error {
	sr := sse.NewReader(r)
	done := false
	for n := 1; ; n++ {
		ev, err := sr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		data := bytes.TrimSpace(ev.Data)
		if bytes.Equal(data, []byte("[DONE]")) {
			done = true
			break
		}
		if len(data) == 0 {
			continue
		}
		var chunk chatResponse
		if err := json.Unmarshal(data, &chunk); err != nil {
			return wire.Malformed(c.ep.Provider, model, "event %d (line %d) is not JSON: %v: %.200q", n, sr.Line(), err, data)
		}
		if len(chunk.Error) > 0 && string(chunk.Error) != "null" {
			return streamErr(c.ep.Provider, model, chunk.Error)
		}
		for _, ch := range chunk.Choices {
			d := ch.Delta
			b.Thinking(firstNonEmpty(d.ReasoningContent, d.Reasoning))
			b.Text(d.Content)
			b.Text(d.Refusal)
			for _, tc := range d.ToolCalls {
				i := chunkToolIndex(b, tc)
				b.ToolCallStart(i, tc.ID, tc.Function.Name)
				b.ToolCallArgs(i, tc.Function.Arguments)
			}
			if ch.FinishReason != nil && *ch.FinishReason != "" {
				b.Finish(finishReason(*ch.FinishReason))
			}
		}
		if chunk.Usage != nil {
			b.Usage(chunk.Usage.usage())
		}
	}
	if !done && !b.Finished() {
		return wire.Malformed(c.ep.Provider, model, "stream ended before the reply was complete (no finish_reason and no [DONE])")
	}
	return nil
}

// chunkToolIndex places a tool-call delta. Servers that omit the index send
// each call whole, or continue the last one.
func chunkToolIndex(b *wire.Builder, tc chatToolCall) int {
	if tc.Index != nil {
		return *tc.Index
	}
	if tc.ID != "" {
		if i, ok := b.HasToolCall(tc.ID); ok {
			return i
		}
		return b.LastToolCallIndex() + 1
	}
	return max(b.LastToolCallIndex(), 0)
}

func finishReason(s string) models.FinishReason {
	switch s {
	case "stop", "end_turn", "eos":
		return models.FinishStop
	case "length", "max_tokens":
		return models.FinishLength
	case "tool_calls", "function_call", "tool_use":
		return models.FinishToolCalls
	case "content_filter":
		return models.FinishContentFilter
	}
	return models.FinishReason(s)
}

func streamErr(provider, model string, raw json.RawMessage) error {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return wire.StreamError(provider, model, "", "", s)
	}
	var e struct {
		Message string          `json:"message"`
		Type    string          `json:"type"`
		Code    json.RawMessage `json:"code"`
	}
	_ = json.Unmarshal(raw, &e)
	return wire.StreamError(provider, model, e.Type, string(e.Code), e.Message)
}

func bearer(ep models.Endpoint) http.Header {
	h := http.Header{}
	if ep.APIKey != "" {
		h.Set("Authorization", "Bearer "+ep.APIKey)
	}
	return h
}

func isOfficialOpenAI(base string) bool {
	u, err := url.Parse(base)
	return err == nil && u.Hostname() == "api.openai.com"
}

func imageURL(img models.Image) string {
	if img.URL != "" {
		return img.URL
	}
	mt := img.MediaType
	if mt == "" {
		mt = http.DetectContentType(img.Data)
	}
	return "data:" + mt + ";base64," + base64.StdEncoding.EncodeToString(img.Data)
}

func schemaOrEmpty(s json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(s)) == 0 {
		return json.RawMessage(`{"type":"object","properties":{}}`)
	}
	return s
}

// toolChoice maps "", "auto", "none", "required" to themselves and anything
// else to the API's form for one named tool.
func toolChoice(choice string, named func(string) any) any {
	switch choice {
	case "":
		return nil
	case "auto", "none", "required":
		return choice
	}
	return named(choice)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
