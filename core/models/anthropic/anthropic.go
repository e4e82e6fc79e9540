// Package anthropic speaks Anthropic's Messages API (api
// "anthropic-messages"), also offered by MiniMax, Synthetic, Kimi and other
// Anthropic-compatible endpoints.
package anthropic

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/models/sse"
	"github.com/openclaw-go/openclaw/core/models/wire"
)

// Version is the anthropic-version header the client speaks.
const Version = "2023-06-01"

// DefaultMaxTokens is sent when neither the request nor the catalogue caps
// the reply: the API requires max_tokens.
const DefaultMaxTokens = 8192

// Client is a Messages API client for one endpoint.
type Client struct {
	ep models.Endpoint
}

// New returns a client for ep. Its BaseURL is the API root without /v1
// ("https://api.anthropic.com"); a trailing /v1 is tolerated.
func New(ep models.Endpoint) *Client { return &Client{ep: ep} }

type request struct {
	Model       string    `json:"model"`
	System      string    `json:"system,omitempty"`
	Messages    []message `json:"messages"`
	Tools       []tool    `json:"tools,omitempty"`
	ToolChoice  any       `json:"tool_choice,omitempty"`
	MaxTokens   int       `json:"max_tokens"`
	Stream      bool      `json:"stream,omitempty"`
	Temperature *float64  `json:"temperature,omitempty"`
}

type message struct {
	Role    string  `json:"role"`
	Content []block `json:"content"`
}

// block is a content block of any type; only its type's fields are set.
type block struct {
	Type      string          `json:"type"`
	Text      string          `json:"text,omitempty"`
	Source    *imageSource    `json:"source,omitempty"`
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Input     json.RawMessage `json:"input,omitempty"`
	ToolUseID string          `json:"tool_use_id,omitempty"`
	Content   string          `json:"content,omitempty"`
	IsError   bool            `json:"is_error,omitempty"`
	Thinking  string          `json:"thinking,omitempty"`
	Signature string          `json:"signature,omitempty"`
	Data      string          `json:"data,omitempty"`
}

type imageSource struct {
	Type      string `json:"type"`
	MediaType string `json:"media_type,omitempty"`
	Data      string `json:"data,omitempty"`
	URL       string `json:"url,omitempty"`
}

type tool struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	InputSchema json.RawMessage `json:"input_schema"`
}

type usage struct {
	InputTokens              int `json:"input_tokens"`
	OutputTokens             int `json:"output_tokens"`
	CacheCreationInputTokens int `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int `json:"cache_read_input_tokens"`
}

func (u *usage) usage() models.Usage {
	return models.Usage{
		InputTokens:      u.InputTokens,
		OutputTokens:     u.OutputTokens,
		CacheReadTokens:  u.CacheReadInputTokens,
		CacheWriteTokens: u.CacheCreationInputTokens,
	}
}

type responseMessage struct {
	Content    []block `json:"content"`
	StopReason string  `json:"stop_reason"`
	Usage      *usage  `json:"usage"`
}

type apiError struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// event is any streaming event; only its type's fields are set.
type event struct {
	Type         string           `json:"type"`
	Index        int              `json:"index"`
	Message      *responseMessage `json:"message"`
	ContentBlock *block           `json:"content_block"`
	Delta        *struct {
		Type        string `json:"type"`
		Text        string `json:"text"`
		PartialJSON string `json:"partial_json"`
		Thinking    string `json:"thinking"`
		Signature   string `json:"signature"`
		StopReason  string `json:"stop_reason"`
	} `json:"delta"`
	Usage *usage    `json:"usage"`
	Error *apiError `json:"error"`
}

// Stream implements models.Provider.
func (c *Client) Stream(ctx context.Context, req models.Request, onEvent func(models.Event)) (*models.Response, error) {
	body, err := c.body(req, onEvent != nil)
	if err != nil {
		return nil, &models.Error{Provider: c.ep.Provider, Model: req.Model, Reason: models.ReasonFormat, Err: err}
	}
	resp, err := wire.Post(ctx, c.ep, req.Model, c.url(), c.header(), body)
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
		var me *models.Error
		if errors.As(err, &me) {
			return nil, err
		}
		return nil, wire.TransportError(ctx, c.ep, req.Model, err)
	}
	return b.Response(), nil
}

func (c *Client) url() string {
	if strings.HasSuffix(strings.TrimRight(c.ep.BaseURL, "/"), "/v1") {
		return wire.JoinURL(c.ep.BaseURL, "messages")
	}
	return wire.JoinURL(c.ep.BaseURL, "v1/messages")
}

func (c *Client) header() http.Header {
	h := http.Header{}
	h.Set("anthropic-version", Version)
	if c.ep.APIKey != "" {
		if c.ep.Bearer {
			h.Set("Authorization", "Bearer "+c.ep.APIKey)
		} else {
			h.Set("x-api-key", c.ep.APIKey)
		}
	}
	return h
}

func (c *Client) body(req models.Request, stream bool) ([]byte, error) {
	ar := request{Model: req.Model, Stream: stream, MaxTokens: req.MaxTokens, Temperature: req.Temperature}
	if ar.MaxTokens <= 0 {
		ar.MaxTokens = DefaultMaxTokens
	}
	var system []string
	if req.System != "" {
		system = append(system, req.System)
	}
	for i, m := range req.Messages {
		if m.Role == models.RoleSystem {
			// The API takes one system prompt, outside the messages.
			system = append(system, m.Text())
			continue
		}
		am, err := messageFrom(m)
		if err != nil {
			return nil, fmt.Errorf("messages[%d]: %w", i, err)
		}
		// Consecutive turns of one role must be one message: tool results
		// for parallel calls, or a user message after tool results.
		if n := len(ar.Messages); n > 0 && ar.Messages[n-1].Role == am.Role {
			ar.Messages[n-1].Content = append(ar.Messages[n-1].Content, am.Content...)
			continue
		}
		ar.Messages = append(ar.Messages, am)
	}
	ar.System = strings.Join(system, "\n\n")
	for _, t := range req.Tools {
		schema := t.Parameters
		if len(bytes.TrimSpace(schema)) == 0 {
			schema = json.RawMessage(`{"type":"object","properties":{}}`)
		}
		ar.Tools = append(ar.Tools, tool{Name: t.Name, Description: t.Description, InputSchema: schema})
	}
	if len(ar.Tools) > 0 {
		switch req.ToolChoice {
		case "", "auto":
		case "none":
			ar.ToolChoice = map[string]string{"type": "none"}
		case "required":
			ar.ToolChoice = map[string]string{"type": "any"}
		default:
			ar.ToolChoice = map[string]string{"type": "tool", "name": req.ToolChoice}
		}
	}
	if ar.Messages == nil {
		ar.Messages = []message{}
	}
	body, err := json.Marshal(ar)
	if err != nil {
		return nil, err
	}
	return wire.MergeParams(body, req.Params)
}

func messageFrom(m models.Message) (message, error) {
	switch m.Role {
	case models.RoleUser:
		am := message{Role: "user"}
		for _, p := range m.Content {
			switch p.Type {
			case models.PartText:
				if p.Text != "" {
					am.Content = append(am.Content, block{Type: "text", Text: p.Text})
				}
			case models.PartImage:
				if p.Image != nil {
					am.Content = append(am.Content, imageBlock(*p.Image))
				}
			}
		}
		if len(am.Content) == 0 {
			am.Content = []block{{Type: "text", Text: "(empty message)"}}
		}
		return am, nil
	case models.RoleAssistant:
		am := message{Role: "assistant"}
		for _, p := range m.Content {
			switch {
			case p.Type == models.PartThinking && p.Signature != "":
				// Only signed reasoning may be replayed.
				am.Content = append(am.Content, block{Type: "thinking", Thinking: p.Text, Signature: p.Signature})
			case p.Type == models.PartText && p.Text != "":
				am.Content = append(am.Content, block{Type: "text", Text: p.Text})
			}
		}
		for _, tc := range m.ToolCalls {
			am.Content = append(am.Content, block{Type: "tool_use", ID: toolID(tc.ID), Name: tc.Name, Input: toolInput(tc.Arguments)})
		}
		if len(am.Content) == 0 {
			am.Content = []block{{Type: "text", Text: "(no reply)"}}
		}
		return am, nil
	case models.RoleTool:
		if m.ToolCallID == "" {
			return message{}, errors.New("tool message without toolCallId")
		}
		return message{Role: "user", Content: []block{{Type: "tool_result", ToolUseID: toolID(m.ToolCallID),
			Content: m.Text(), IsError: m.IsError}}}, nil
	}
	return message{}, fmt.Errorf("unknown role %q", m.Role)
}

func imageBlock(img models.Image) block {
	if img.URL != "" && !strings.HasPrefix(img.URL, "data:") {
		return block{Type: "image", Source: &imageSource{Type: "url", URL: img.URL}}
	}
	mt, data := img.MediaType, base64.StdEncoding.EncodeToString(img.Data)
	if strings.HasPrefix(img.URL, "data:") {
		// data:<media type>;base64,<data>
		meta, payload, _ := strings.Cut(strings.TrimPrefix(img.URL, "data:"), ",")
		mt, data = strings.TrimSuffix(meta, ";base64"), payload
	}
	if mt == "" {
		mt = http.DetectContentType(img.Data)
	}
	return block{Type: "image", Source: &imageSource{Type: "base64", MediaType: mt, Data: data}}
}

// toolID makes a call id acceptable to the API (letters, digits, _ and -),
// since history may hold ids minted by another provider.
func toolID(id string) string {
	b := []byte(id)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	return string(b)
}

// toolInput is the call's arguments as the object the API requires; text the
// model produced that is not an object is kept visible to it.
func toolInput(args string) json.RawMessage {
	if wire.ValidJSONObject(args) {
		return json.RawMessage(args)
	}
	if strings.TrimSpace(args) == "" {
		return json.RawMessage("{}")
	}
	raw, _ := json.Marshal(map[string]string{"_invalid_arguments": args})
	return raw
}

func (c *Client) readJSON(r io.Reader, b *wire.Builder, model string) error {
	var msg responseMessage
	if err := json.NewDecoder(r).Decode(&msg); err != nil {
		return wire.Malformed(c.ep.Provider, model, "decode message: %v", err)
	}
	for i, blk := range msg.Content {
		switch blk.Type {
		case "text":
			b.BreakPart()
			b.Text(blk.Text)
		case "thinking":
			b.BreakPart()
			b.Thinking(blk.Thinking)
			b.ThinkingSignature(blk.Signature)
		case "tool_use":
			b.ToolCallStart(i, blk.ID, blk.Name)
			args := string(blk.Input)
			if args == "" || args == "null" {
				args = "{}"
			}
			b.ToolCallArgs(i, args)
			b.ToolCallEnd(i)
		}
	}
	if msg.Usage != nil {
		b.Usage(msg.Usage.usage())
	}
	b.Finish(stopReason(msg.StopReason))
	return nil
}

func (c *Client) readStream(r io.Reader, b *wire.Builder, model string) error {
	sr := sse.NewReader(r)
	// tool_use blocks whose input streamed no deltas carry it whole.
	initial := make(map[int]string)
	for n := 1; ; n++ {
		ev, err := sr.Next()
		if err == io.EOF {
			return wire.Malformed(c.ep.Provider, model, "stream ended before message_stop")
		}
		if err != nil {
			return err
		}
		var e event
		if err := json.Unmarshal(ev.Data, &e); err != nil {
			return wire.Malformed(c.ep.Provider, model, "event %d (line %d) is not JSON: %v: %.200q", n, sr.Line(), err, ev.Data)
		}
		if e.Type == "" {
			e.Type = ev.Type
		}
		switch e.Type {
		case "message_start":
			if e.Message != nil && e.Message.Usage != nil {
				b.Usage(e.Message.Usage.usage())
			}
		case "content_block_start":
			if e.ContentBlock == nil {
				return wire.Malformed(c.ep.Provider, model, "content_block_start without content_block (event %d)", n)
			}
			switch e.ContentBlock.Type {
			case "tool_use":
				b.ToolCallStart(e.Index, e.ContentBlock.ID, e.ContentBlock.Name)
				if in := string(e.ContentBlock.Input); in != "" && in != "{}" && in != "null" {
					initial[e.Index] = in
				}
			case "text", "thinking":
				b.BreakPart()
				b.Text(e.ContentBlock.Text)
				b.Thinking(e.ContentBlock.Thinking)
			}
		case "content_block_delta":
			if e.Delta == nil {
				return wire.Malformed(c.ep.Provider, model, "content_block_delta without delta (event %d)", n)
			}
			switch e.Delta.Type {
			case "text_delta":
				b.Text(e.Delta.Text)
			case "thinking_delta":
				b.Thinking(e.Delta.Thinking)
			case "signature_delta":
				b.ThinkingSignature(e.Delta.Signature)
			case "input_json_delta":
				delete(initial, e.Index)
				b.ToolCallArgs(e.Index, e.Delta.PartialJSON)
			}
		case "content_block_stop":
			if in, ok := initial[e.Index]; ok {
				b.ToolCallArgs(e.Index, in)
				delete(initial, e.Index)
			}
			b.ToolCallEnd(e.Index)
		case "message_delta":
			if e.Delta != nil {
				b.Finish(stopReason(e.Delta.StopReason))
			}
			if e.Usage != nil {
				b.Usage(e.Usage.usage())
			}
		case "message_stop":
			return nil
		case "error":
			if e.Error == nil {
				return wire.StreamError(c.ep.Provider, model, "", "", "")
			}
			return wire.StreamError(c.ep.Provider, model, e.Error.Type, "", e.Error.Message)
		}
	}
}

func stopReason(s string) models.FinishReason {
	switch s {
	case "end_turn", "stop_sequence", "pause_turn", "":
		return models.FinishStop
	case "tool_use":
		return models.FinishToolCalls
	case "max_tokens", "model_context_window_exceeded":
		return models.FinishLength
	case "refusal":
		return models.FinishContentFilter
	}
	return models.FinishReason(s)
}
