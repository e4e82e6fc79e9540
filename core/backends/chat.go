package backends

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/core/agent"
	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/sessions"
)

// chatService runs API turns on the agent runner and, when asked, delivers
// the reply through a channel.
type chatService struct {
	d *Deps
	// channels delivers RunRequest.Deliver; nil when no channel manager.
	channels *channelService
}

// Run implements backend.Chat.
func (c *chatService) Run(ctx context.Context, req backend.RunRequest, emit func(backend.RunEvent)) (backend.RunResult, error) {
	r := c.d.runner()
	if r == nil {
		return backend.RunResult{}, fmt.Errorf("run %s: the agent runner is not running: %w", req.RunID, backend.ErrUnavailable)
	}
	treq, err := turnRequest(req)
	if err != nil {
		return backend.RunResult{}, fmt.Errorf("run %s: %w", req.RunID, err)
	}
	if req.Deliver != nil {
		// Refuse an undeliverable target before the agent spends a turn.
		if c.channels == nil {
			return backend.RunResult{}, fmt.Errorf("run %s: deliver to %s: no channels are running: %w", req.RunID, req.Deliver.Channel, backend.ErrUnavailable)
		}
		if _, _, err := c.channels.route(req.Deliver.Channel, req.Deliver.AccountID); err != nil {
			return backend.RunResult{}, fmt.Errorf("run %s: deliver: %w", req.RunID, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return backend.RunResult{}, fmt.Errorf("run %s: %w", req.RunID, err)
	}
	if emit == nil {
		emit = func(backend.RunEvent) {}
	}
	res, err := r.RunTurn(ctx, treq, func(ev agent.Event) {
		if out, ok := runEvent(ev); ok {
			emit(out)
		}
	})
	out := runResult(res)
	if err != nil {
		return out, c.runFailure(ctx, req, res, err)
	}
	if res.Silent {
		// The model streamed its NO_REPLY token; take it back.
		emit(backend.RunEvent{Kind: backend.EventDelta, Replace: true})
	}
	out.MessageID = c.lastAssistantID(ctx, res.SessionKey)
	if req.Deliver != nil && strings.TrimSpace(out.Text) != "" {
		out.Delivered = c.deliver(ctx, req, out.Text)
	}
	return out, nil
}

// Abort implements backend.Chat: it stops the session's turn on the runner
// and drops the messages queued behind it.
func (c *chatService) Abort(_ context.Context, req backend.AbortRequest) ([]string, error) {
	r := c.d.runner()
	if r == nil {
		return nil, nil
	}
	key := strings.TrimSpace(req.SessionKey)
	if key == "" {
		if req.RunID != "" && req.AgentID == "" {
			// The runner keeps no index from run ids to sessions; runs
			// the gateway started itself were already cancelled by it.
			return nil, nil
		}
		agentID := req.AgentID
		if agentID == "" {
			agentID = r.DefaultAgent()
		}
		key = sessions.MainKey(agentID)
	}
	active, running := r.ActiveRun(key)
	if req.RunID != "" && (!running || active != req.RunID) {
		return nil, nil
	}
	if !r.Abort(key) || !running {
		return nil, nil
	}
	return []string{active}, nil
}

// turnRequest maps an API run onto an agent turn.
func turnRequest(req backend.RunRequest) (agent.TurnRequest, error) {
	if key := strings.TrimSpace(req.SessionKey); key != "" {
		if p, ok := sessions.ParseKey(key); !ok || sessions.NormalizeAgentID(p.AgentID) != p.AgentID {
			return agent.TurnRequest{}, fmt.Errorf("session key %q: want agent:<agentId>:<rest>: %w", key, backend.ErrInvalid)
		}
	}
	t := agent.TurnRequest{
		RunID: req.RunID, AgentID: req.AgentID, SessionKey: req.SessionKey,
		Text: req.Message, ExtraSystemPrompt: req.ExtraSystemPrompt, Model: req.Model,
		MaxTokens: req.Sampling.MaxTokens, Temperature: req.Sampling.Temperature,
		ToolChoice: req.ToolChoice, Timeout: req.Timeout,
	}
	var err error
	if t.Media, err = turnMedia(req.Attachments); err != nil {
		return t, err
	}
	if t.History, err = modelHistory(req.History); err != nil {
		return t, err
	}
	if req.Origin == "openai" && t.History == nil {
		// Chat Completions callers send the whole conversation every time:
		// none given means none, not the session's.
		t.History = []models.Message{}
	}
	for _, ct := range req.ClientTools {
		t.ClientTools = append(t.ClientTools, models.ToolSpec{Name: ct.Name, Description: ct.Description, Parameters: ct.Parameters})
	}
	return t, nil
}

// modelHistory turns a stateless caller's earlier messages into model
// messages; nil when there are none, so the session's history is used.
func modelHistory(h []backend.HistoryMessage) ([]models.Message, error) {
	if len(h) == 0 {
		return nil, nil
	}
	out := make([]models.Message, 0, len(h))
	for i, m := range h {
		switch m.Role {
		case "user":
			out = append(out, models.UserMessage(m.Text))
		case "assistant":
			calls := make([]models.ToolCall, 0, len(m.ToolCalls))
			for _, c := range m.ToolCalls {
				calls = append(calls, models.ToolCall{ID: c.ID, Name: c.Name, Arguments: c.Arguments})
			}
			// A reply and the tool calls that follow it are one model
			// message; callers may send them as separate items.
			if n := len(out); n > 0 && out[n-1].Role == models.RoleAssistant && m.Text == "" {
				out[n-1].ToolCalls = append(out[n-1].ToolCalls, calls...)
				continue
			}
			out = append(out, models.AssistantMessage(m.Text, calls...))
		case "tool":
			if m.ToolCallID == "" {
				return nil, fmt.Errorf("history[%d]: a tool message needs the id of the call it answers: %w", i, backend.ErrInvalid)
			}
			out = append(out, models.ToolResultMessage(m.ToolCallID, m.Text, false))
		default:
			return nil, fmt.Errorf("history[%d]: role %q is not user, assistant or tool: %w", i, m.Role, backend.ErrInvalid)
		}
	}
	return out, nil
}

// turnMedia decodes attachments: URLs stay URLs, data: URLs and base64
// content become bytes.
func turnMedia(atts []backend.Attachment) ([]agent.Media, error) {
	var out []agent.Media
	for i, a := range atts {
		m := agent.Media{MimeType: a.MimeType, FileName: a.FileName}
		switch a.Type {
		case "image", "audio", "video":
			m.Kind = a.Type
		case "", "file", "document":
			if !strings.HasPrefix(a.MimeType, "image/") {
				m.Kind = "document"
			}
		default:
			return nil, fmt.Errorf("attachments[%d]: type %q is not image, audio, video or file: %w", i, a.Type, backend.ErrInvalid)
		}
		content := strings.TrimSpace(a.Content)
		lower := strings.ToLower(content)
		switch {
		case content == "":
			return nil, fmt.Errorf("attachments[%d]: content is empty: %w", i, backend.ErrInvalid)
		case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "https://"):
			m.URL = content
		case strings.HasPrefix(lower, "data:"):
			mime, data, err := decodeDataURL(content)
			if err != nil {
				return nil, fmt.Errorf("attachments[%d]: %v: %w", i, err, backend.ErrInvalid)
			}
			m.Data = data
			if m.MimeType == "" {
				m.MimeType = mime
			}
		default:
			data, err := decodeBase64(content)
			if err != nil {
				return nil, fmt.Errorf("attachments[%d]: content is neither an http(s) URL, a data: URL nor base64: %w", i, backend.ErrInvalid)
			}
			m.Data = data
		}
		if m.Kind == "" && !strings.HasPrefix(m.MimeType, "image/") {
			m.Kind = "document"
		}
		out = append(out, m)
	}
	return out, nil
}

func decodeDataURL(s string) (mime string, data []byte, err error) {
	meta, payload, ok := strings.Cut(s[len("data:"):], ",")
	if !ok {
		return "", nil, errors.New("data: URL has no comma before its data")
	}
	mime, params, _ := strings.Cut(meta, ";")
	if strings.Contains(";"+params+";", ";base64;") {
		data, err = decodeBase64(payload)
		if err != nil {
			return "", nil, fmt.Errorf("data: URL: %w", err)
		}
		return mime, data, nil
	}
	text, err := url.PathUnescape(payload)
	if err != nil {
		return "", nil, fmt.Errorf("data: URL: %w", err)
	}
	return mime, []byte(text), nil
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.Join(strings.Fields(s), "")
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

// runEvent maps an agent event onto the API's; thinking and the final
// event have no API event (the result carries the final text).
func runEvent(ev agent.Event) (backend.RunEvent, bool) {
	switch ev.Kind {
	case agent.EventDelta:
		return backend.RunEvent{Kind: backend.EventDelta, Text: ev.Text}, true
	case agent.EventStatus:
		return backend.RunEvent{Kind: backend.EventStatus, Phase: ev.Phase}, true
	case agent.EventTool:
		if ev.Tool == nil {
			return backend.RunEvent{}, false
		}
		t := ev.Tool
		return backend.RunEvent{Kind: backend.EventTool, Tool: &backend.ToolEvent{
			CallID: t.CallID, Name: t.Name, Phase: t.Phase, Args: t.Args, Result: t.Result, IsError: t.IsError,
		}}, true
	}
	return backend.RunEvent{}, false
}

// runResult maps a turn's result; nil (the session was never reached)
// maps to the zero result.
func runResult(res *agent.TurnResult) backend.RunResult {
	if res == nil {
		return backend.RunResult{}
	}
	out := backend.RunResult{
		SessionKey: res.SessionKey, SessionID: res.SessionID, AgentID: res.AgentID,
		Model: res.Ref(), Text: res.Text, StopReason: res.StopReason,
		// The API counts the whole prompt as input, cached parts included.
		Usage: backend.Usage{
			InputTokens:  int64(res.Usage.InputTokens + res.Usage.CacheReadTokens + res.Usage.CacheWriteTokens),
			OutputTokens: int64(res.Usage.OutputTokens),
			TotalTokens:  int64(res.Usage.TotalTokens()),
		},
	}
	for _, t := range res.ToolCalls {
		out.ToolCalls = append(out.ToolCalls, backend.ToolCall{
			ID: t.ID, Name: t.Name, Args: t.Args, Result: t.Result, IsError: t.IsError, DurationMs: t.Duration.Milliseconds(),
		})
	}
	for _, c := range res.ClientToolCalls {
		out.ClientToolCalls = append(out.ClientToolCalls, backend.ClientToolCall{ID: c.ID, Name: c.Name, Arguments: c.Arguments})
	}
	return out
}

// runFailure classifies a failed turn for the gateway: cancellation wraps
// context.Canceled, an unknown agent is ErrNotFound, a closed runner is
// ErrUnavailable and model failures become *backend.RunError with the
// user-facing explanation the agent wrote (never provider internals).
func (c *chatService) runFailure(ctx context.Context, req backend.RunRequest, res *agent.TurnResult, err error) error {
	id := req.RunID
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("run %s: %v: %w", id, err, ctx.Err())
	case errors.Is(err, agent.ErrAborted):
		return fmt.Errorf("run %s: %v: %w", id, err, context.Canceled)
	case errors.Is(err, agent.ErrUnknownAgent):
		return fmt.Errorf("run %s: %v: %w", id, err, backend.ErrNotFound)
	case errors.Is(err, agent.ErrClosed):
		return fmt.Errorf("run %s: the agent runner is being replaced; retry: %w", id, backend.ErrUnavailable)
	}
	re := &backend.RunError{Kind: "unknown", Message: userMessage(res, err)}
	if errors.Is(err, agent.ErrTimeout) {
		re.Kind, re.Retryable = "timeout", true
		return re
	}
	switch models.ReasonOf(err) {
	case models.ReasonRefusal:
		re.Kind = "refusal"
	case models.ReasonRateLimit, models.ReasonOverloaded:
		re.Kind, re.Retryable = "rate_limit", true
	case models.ReasonTimeout:
		re.Kind, re.Retryable = "timeout", true
	case models.ReasonContextOverflow:
		re.Kind = "context_length"
	case models.ReasonModelNotFound:
		re.Kind = "model_not_found"
	case models.ReasonConfig:
		if req.Model != "" {
			// The requested model cannot be resolved or reached.
			re.Kind = "model_not_found"
		}
	case models.ReasonServerError, models.ReasonMalformed:
		re.Retryable = true
	}
	if re.Retryable {
		re.RetryAfter = retryAfter(err, c.d.Now())
	}
	return re
}

// userMessage is the agent's explanation of a failure without its
// decoration, else the error itself.
func userMessage(res *agent.TurnResult, err error) string {
	if res != nil {
		if t := strings.TrimSpace(strings.TrimPrefix(res.Text, "⚠️")); t != "" {
			return t
		}
	}
	return err.Error()
}

// retryAfter is when a retry may succeed: the provider's hint, else the end
// of the soonest model cooldown.
func retryAfter(err error, now time.Time) time.Duration {
	var me *models.Error
	if errors.As(err, &me) && me.RetryAfter > 0 {
		return me.RetryAfter
	}
	var fe *models.FailoverError
	if errors.As(err, &fe) {
		if t := fe.SoonestRetry(); t.After(now) {
			return t.Sub(now)
		}
	}
	return 0
}

// lastAssistantID is the id of the session's newest message when it is the
// reply just recorded.
func (c *chatService) lastAssistantID(ctx context.Context, key string) string {
	if c.d.Sessions == nil || key == "" {
		return ""
	}
	recs, err := c.d.Sessions.History(ctx, key, sessions.HistoryOptions{Limit: 1, Descending: true})
	if err != nil || len(recs) == 0 || recs[0].Message == nil || recs[0].Message.Role != sessions.RoleAssistant {
		return ""
	}
	return recs[0].ID
}

// deliver sends the reply to the run's Deliver target. A failed delivery
// does not fail the turn, which already happened; Delivered says so.
func (c *chatService) deliver(ctx context.Context, req backend.RunRequest, text string) bool {
	d := req.Deliver
	msg := backend.OutboundMessage{Channel: d.Channel, AccountID: d.AccountID, To: d.To, ThreadID: d.ThreadID, Text: text}
	// A retried request must not deliver the reply twice.
	if key := firstNonEmpty(req.IdempotencyKey, req.RunID); key != "" {
		msg.IdempotencyKey = "deliver:" + key
	}
	_, err := c.channels.Send(ctx, msg)
	if err != nil {
		c.d.Logger.Warn("reply not delivered", "run", req.RunID, "channel", d.Channel, "error", err)
		return false
	}
	return true
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
