package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/models/sse"
	"github.com/openclaw-go/openclaw/core/models/wire"
)

// Responses is a Responses API client for one endpoint. It sends the whole
// conversation each time with store=false, so no state lives at the provider.
type Responses struct {
	ep models.Endpoint
}

// NewResponses returns a client for ep.
func NewResponses(ep models.Endpoint) *Responses { return &Responses{ep: ep} }

type responsesRequest struct {
	Model           string          `json:"model"`
	Instructions    string          `json:"instructions,omitempty"`
	Input           []responsesItem `json:"input"`
	Tools           []responsesTool `json:"tools,omitempty"`
	ToolChoice      any             `json:"tool_choice,omitempty"`
	Stream          bool            `json:"stream,omitempty"`
	Store           bool            `json:"store"`
	MaxOutputTokens int             `json:"max_output_tokens,omitempty"`
	Temperature     *float64        `json:"temperature,omitempty"`
}

// responsesItem is an input item: a message, a function call the model made,
// or a function call's output.
type responsesItem struct {
	Type    string             `json:"type"`
	Role    string             `json:"role,omitempty"`
	Content []responsesContent `json:"content,omitempty"`
	CallID  string             `json:"call_id,omitempty"`
	Name    string             `json:"name,omitempty"`
	// Arguments is set on function_call items, Output on their results.
	Arguments string  `json:"arguments,omitempty"`
	Output    *string `json:"output,omitempty"`
}

type responsesContent struct {
	Type     string `json:"type"`
	Text     string `json:"text,omitempty"`
	ImageURL string `json:"image_url,omitempty"`
}

type responsesTool struct {
	Type        string          `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters"`
	Strict      bool            `json:"strict"`
}

type responsesOutput struct {
	Type      string             `json:"type"`
	ID        string             `json:"id"`
	CallID    string             `json:"call_id"`
	Name      string             `json:"name"`
	Arguments string             `json:"arguments"`
	Content   []responsesContent `json:"content"`
	Summary   []responsesContent `json:"summary"`
}

type responsesUsage struct {
	InputTokens        int `json:"input_tokens"`
	OutputTokens       int `json:"output_tokens"`
	InputTokensDetails struct {
		CachedTokens int `json:"cached_tokens"`
	} `json:"input_tokens_details"`
	OutputTokensDetails struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"output_tokens_details"`
}

func (u *responsesUsage) usage() models.Usage {
	cached := u.InputTokensDetails.CachedTokens
	return models.Usage{
		InputTokens:     max(u.InputTokens-cached, 0),
		OutputTokens:    u.OutputTokens,
		CacheReadTokens: cached,
		ReasoningTokens: u.OutputTokensDetails.ReasoningTokens,
	}
}

type responsesError struct {
	Code    string `json:"code"`
	Type    string `json:"type"`
	Message string `json:"message"`
}

type responseObject struct {
	Status            string            `json:"status"`
	Output            []responsesOutput `json:"output"`
	Usage             *responsesUsage   `json:"usage"`
	Error             *responsesError   `json:"error"`
	IncompleteDetails *struct {
		Reason string `json:"reason"`
	} `json:"incomplete_details"`
}

// responsesEvent is any streaming event; only the fields of its type are set.
type responsesEvent struct {
	Type        string           `json:"type"`
	OutputIndex int              `json:"output_index"`
	ItemID      string           `json:"item_id"`
	Delta       string           `json:"delta"`
	Arguments   string           `json:"arguments"`
	Item        *responsesOutput `json:"item"`
	Response    *responseObject  `json:"response"`
	// "error" events carry these at the top level.
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Stream implements models.Provider.
func (c *Responses) Stream(ctx context.Context, req models.Request, onEvent func(models.Event)) (*models.Response, error) {
	body, err := c.body(req, onEvent != nil)
	if err != nil {
		return nil, &models.Error{Provider: c.ep.Provider, Model: req.Model, Reason: models.ReasonFormat, Err: err}
	}
	resp, err := wire.Post(ctx, c.ep, req.Model, wire.JoinURL(c.ep.BaseURL, "responses"), bearer(c.ep), body)
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

func (c *Responses) body(req models.Request, stream bool) ([]byte, error) {
	rr := responsesRequest{Model: req.Model, Instructions: req.System, Stream: stream,
		MaxOutputTokens: req.MaxTokens, Temperature: req.Temperature}
	rr.Input = []responsesItem{}
	for i, m := range req.Messages {
		items, err := responsesItemsFrom(m)
		if err != nil {
			return nil, fmt.Errorf("messages[%d]: %w", i, err)
		}
		rr.Input = append(rr.Input, items...)
	}
	for _, t := range req.Tools {
		rr.Tools = append(rr.Tools, responsesTool{Type: "function", Name: t.Name, Description: t.Description,
			Parameters: schemaOrEmpty(t.Parameters)})
	}
	if len(rr.Tools) > 0 {
		rr.ToolChoice = toolChoice(req.ToolChoice, func(name string) any {
			return map[string]string{"type": "function", "name": name}
		})
	}
	body, err := json.Marshal(rr)
	if err != nil {
		return nil, err
	}
	return wire.MergeParams(body, req.Params)
}

func responsesItemsFrom(m models.Message) ([]responsesItem, error) {
	switch m.Role {
	case models.RoleSystem, models.RoleUser:
		item := responsesItem{Type: "message", Role: string(m.Role)}
		for _, p := range m.Content {
			switch p.Type {
			case models.PartText:
				item.Content = append(item.Content, responsesContent{Type: "input_text", Text: p.Text})
			case models.PartImage:
				if p.Image != nil {
					item.Content = append(item.Content, responsesContent{Type: "input_image", ImageURL: imageURL(*p.Image)})
				}
			}
		}
		if len(item.Content) == 0 {
			item.Content = []responsesContent{{Type: "input_text", Text: ""}}
		}
		return []responsesItem{item}, nil
	case models.RoleAssistant:
		var items []responsesItem
		if text := m.Text(); text != "" {
			items = append(items, responsesItem{Type: "message", Role: "assistant",
				Content: []responsesContent{{Type: "output_text", Text: text}}})
		}
		for _, tc := range m.ToolCalls {
			items = append(items, responsesItem{Type: "function_call", CallID: tc.ID, Name: tc.Name, Arguments: tc.Arguments})
		}
		return items, nil
	case models.RoleTool:
		if m.ToolCallID == "" {
			return nil, errors.New("tool message without toolCallId")
		}
		out := m.Text()
		return []responsesItem{{Type: "function_call_output", CallID: m.ToolCallID, Output: &out}}, nil
	}
	return nil, fmt.Errorf("unknown role %q", m.Role)
}

func (c *Responses) readJSON(r io.Reader, b *wire.Builder, model string) error {
	var obj responseObject
	if err := json.NewDecoder(r).Decode(&obj); err != nil {
		return wire.Malformed(c.ep.Provider, model, "decode response: %v", err)
	}
	return c.complete(&obj, b, model, true)
}

// complete applies a finished response object. With whole set the object's
// output is the reply; in a stream the deltas already delivered it.
func (c *Responses) complete(obj *responseObject, b *wire.Builder, model string, whole bool) error {
	if obj.Status == "failed" || obj.Error != nil {
		e := obj.Error
		if e == nil {
			e = &responsesError{Message: "the response failed"}
		}
		return wire.StreamError(c.ep.Provider, model, e.Type, e.Code, e.Message)
	}
	if whole {
		for i, item := range obj.Output {
			addOutputItem(b, i, item)
		}
	}
	if obj.Usage != nil {
		b.Usage(obj.Usage.usage())
	}
	switch {
	case obj.Status == "incomplete" && obj.IncompleteDetails != nil && obj.IncompleteDetails.Reason == "content_filter":
		b.Finish(models.FinishContentFilter)
	case obj.Status == "incomplete":
		b.Finish(models.FinishLength)
	default:
		b.Finish(models.FinishStop)
	}
	return nil
}

func addOutputItem(b *wire.Builder, index int, item responsesOutput) {
	switch item.Type {
	case "message":
		for _, c := range item.Content {
			if c.Type == "output_text" || c.Type == "refusal" {
				b.Text(c.Text)
			}
		}
	case "reasoning":
		for _, s := range item.Summary {
			b.Thinking(s.Text)
		}
	case "function_call":
		b.ToolCallStart(index, item.CallID, item.Name)
		b.ToolCallArgs(index, item.Arguments)
		b.ToolCallEnd(index)
	}
}

func (c *Responses) readStream(r io.Reader, b *wire.Builder, model string) error {
	sr := sse.NewReader(r)
	for n := 1; ; n++ {
		ev, err := sr.Next()
		if err == io.EOF {
			return wire.Malformed(c.ep.Provider, model, "stream ended before response.completed")
		}
		if err != nil {
			return err
		}
		var e responsesEvent
		if err := json.Unmarshal(ev.Data, &e); err != nil {
			return wire.Malformed(c.ep.Provider, model, "event %d (line %d) is not JSON: %v: %.200q", n, sr.Line(), err, ev.Data)
		}
		if e.Type == "" {
			e.Type = ev.Type
		}
		switch e.Type {
		case "response.output_text.delta", "response.refusal.delta":
			b.Text(e.Delta)
		case "response.reasoning_summary_text.delta", "response.reasoning_text.delta":
			b.Thinking(e.Delta)
		case "response.output_item.added":
			if e.Item != nil && e.Item.Type == "function_call" {
				b.ToolCallStart(e.OutputIndex, e.Item.CallID, e.Item.Name)
				b.ToolCallArgs(e.OutputIndex, e.Item.Arguments)
			}
		case "response.function_call_arguments.delta":
			b.ToolCallArgs(e.OutputIndex, e.Delta)
		case "response.function_call_arguments.done":
			b.SetToolCallArgs(e.OutputIndex, e.Arguments)
		case "response.output_item.done":
			if e.Item != nil && e.Item.Type == "function_call" {
				b.ToolCallStart(e.OutputIndex, e.Item.CallID, "")
				if e.Item.Arguments != "" {
					b.SetToolCallArgs(e.OutputIndex, e.Item.Arguments)
				}
				b.ToolCallEnd(e.OutputIndex)
			}
		case "response.completed", "response.incomplete", "response.failed":
			if e.Response == nil {
				return wire.Malformed(c.ep.Provider, model, "%s event without a response", e.Type)
			}
			if e.Type == "response.failed" && e.Response.Status == "" {
				e.Response.Status = "failed"
			}
			return c.complete(e.Response, b, model, false)
		case "error":
			return wire.StreamError(c.ep.Provider, model, e.Code, e.Code, e.Message)
		}
	}
}
