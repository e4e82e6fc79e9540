package wire

import (
	"encoding/json"
	"strings"

	"github.com/openclaw-go/openclaw/core/models"
)

// Builder assembles a reply from pieces, whether they come from a stream or
// from a whole JSON answer, and reports each piece to onEvent (which may be
// nil). Parts keep the order the model produced them in.
type Builder struct {
	onEvent func(models.Event)
	parts   []models.Part
	// open collects the text of the last part; appending to a string per
	// delta would copy the reply over and over.
	open    strings.Builder
	calls   []*call
	byIndex map[int]*call
	usage   models.Usage
	finish  models.FinishReason
}

type call struct {
	index int
	id    string
	name  string
	args  strings.Builder
	done  bool
}

// NewBuilder returns a Builder reporting to onEvent.
func NewBuilder(onEvent func(models.Event)) *Builder {
	return &Builder{onEvent: onEvent, byIndex: make(map[int]*call)}
}

func (b *Builder) emit(ev models.Event) {
	if b.onEvent != nil {
		b.onEvent(ev)
	}
}

// Text adds reply text.
func (b *Builder) Text(s string) {
	if s == "" {
		return
	}
	b.appendPart(models.PartText, s)
	b.emit(models.Event{Type: models.EventText, Text: s})
}

// Thinking adds reasoning text.
func (b *Builder) Thinking(s string) {
	if s == "" {
		return
	}
	b.appendPart(models.PartThinking, s)
	b.emit(models.Event{Type: models.EventThinking, Text: s})
}

// ThinkingSignature attaches the provider's signature to the reasoning just
// received.
func (b *Builder) ThinkingSignature(sig string) {
	b.flush()
	if n := len(b.parts); n > 0 && b.parts[n-1].Type == models.PartThinking {
		b.parts[n-1].Signature += sig
		return
	}
	b.parts = append(b.parts, models.Part{Type: models.PartThinking, Signature: sig})
}

// BreakPart makes the next text start a new part, as when the API reports a
// new content block.
func (b *Builder) BreakPart() {
	b.flush()
	b.parts = append(b.parts, models.Part{})
}

func (b *Builder) appendPart(t models.PartType, s string) {
	if n := len(b.parts); n > 0 {
		last := &b.parts[n-1]
		if last.Type == "" {
			last.Type = t
		}
		if last.Type == t && last.Signature == "" {
			b.open.WriteString(s)
			return
		}
	}
	b.flush()
	b.parts = append(b.parts, models.Part{Type: t})
	b.open.WriteString(s)
}

// flush moves the collected text into the last part.
func (b *Builder) flush() {
	if b.open.Len() == 0 {
		return
	}
	b.parts[len(b.parts)-1].Text += b.open.String()
	b.open.Reset()
}

// ToolCallStart opens the call at index, or fills in its id and name.
func (b *Builder) ToolCallStart(index int, id, name string) {
	c := b.call(index)
	if id != "" {
		c.id = id
	}
	switch {
	case name == "" || name == c.name:
	case c.name == "":
		c.name = name
	default:
		// A name split across deltas; servers that repeat the whole
		// name are caught by the equality above.
		c.name += name
	}
}

// ToolCallArgs appends a piece of the call's arguments.
func (b *Builder) ToolCallArgs(index int, delta string) {
	if delta == "" {
		return
	}
	c := b.call(index)
	c.args.WriteString(delta)
	b.emit(models.Event{Type: models.EventToolCallDelta, Index: index, Text: delta,
		ToolCall: &models.ToolCall{ID: c.id, Name: c.name}})
}

// SetToolCallArgs replaces the call's arguments with their final text, as
// APIs that repeat the whole arguments at the end send them.
func (b *Builder) SetToolCallArgs(index int, args string) {
	c := b.call(index)
	c.args.Reset()
	c.args.WriteString(args)
}

// ToolCallEnd completes the call and reports it. Later calls for the same
// index are ignored.
func (b *Builder) ToolCallEnd(index int) {
	c, ok := b.byIndex[index]
	if !ok || c.done {
		return
	}
	c.done = true
	tc := c.toolCall()
	b.emit(models.Event{Type: models.EventToolCall, Index: index, ToolCall: &tc})
}

// LastToolCallIndex returns the index of the most recently opened call, or
// -1 when there is none.
func (b *Builder) LastToolCallIndex() int {
	if len(b.calls) == 0 {
		return -1
	}
	return b.calls[len(b.calls)-1].index
}

// HasToolCall reports whether a call with the given id was opened.
func (b *Builder) HasToolCall(id string) (index int, ok bool) {
	for _, c := range b.calls {
		if c.id == id {
			return c.index, true
		}
	}
	return 0, false
}

func (b *Builder) call(index int) *call {
	c, ok := b.byIndex[index]
	if !ok {
		c = &call{index: index}
		b.byIndex[index] = c
		b.calls = append(b.calls, c)
	}
	return c
}

func (c *call) toolCall() models.ToolCall {
	args := strings.TrimSpace(c.args.String())
	if args == "" {
		args = "{}"
	}
	return models.ToolCall{ID: c.id, Name: c.name, Arguments: args}
}

// Usage records token usage; later reports replace non-zero fields, since
// APIs send input counts first and output counts at the end.
func (b *Builder) Usage(u models.Usage) {
	merge := func(dst *int, v int) {
		if v != 0 {
			*dst = v
		}
	}
	merge(&b.usage.InputTokens, u.InputTokens)
	merge(&b.usage.OutputTokens, u.OutputTokens)
	merge(&b.usage.CacheReadTokens, u.CacheReadTokens)
	merge(&b.usage.CacheWriteTokens, u.CacheWriteTokens)
	merge(&b.usage.ReasoningTokens, u.ReasoningTokens)
}

// Finish records why the model stopped.
func (b *Builder) Finish(r models.FinishReason) {
	if r != "" {
		b.finish = r
	}
}

// Finished reports whether a finish reason was recorded.
func (b *Builder) Finished() bool { return b.finish != "" }

// Response completes open tool calls, reports usage and the end, and returns
// the reply.
func (b *Builder) Response() *models.Response {
	b.flush()
	msg := models.Message{Role: models.RoleAssistant}
	for _, p := range b.parts {
		if p.Type == "" || (p.Type == models.PartText && p.Text == "") {
			continue
		}
		msg.Content = append(msg.Content, p)
	}
	for _, c := range b.calls {
		if !c.done {
			b.ToolCallEnd(c.index)
		}
		msg.ToolCalls = append(msg.ToolCalls, c.toolCall())
	}
	if b.finish == "" {
		b.finish = models.FinishStop
	}
	if len(msg.ToolCalls) > 0 && b.finish == models.FinishStop {
		// Some compatible servers say "stop" while asking for tools; the
		// loop needs to know it must run them.
		b.finish = models.FinishToolCalls
	}
	u := b.usage
	b.emit(models.Event{Type: models.EventUsage, Usage: &u})
	b.emit(models.Event{Type: models.EventDone, FinishReason: b.finish})
	return &models.Response{Message: msg, FinishReason: b.finish, Usage: b.usage}
}

// ValidJSONObject reports whether s is a JSON object, as tool arguments and
// Anthropic tool inputs must be.
func ValidJSONObject(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasPrefix(s, "{") && json.Valid([]byte(s))
}
