package wsproto

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/gateway/runs"
)

// chatPhases are the run phases the chat status event may carry.
var chatPhases = map[string]bool{
	"preparing_workspace": true, "naming_worktree": true, "creating_worktree": true, "running_setup": true,
	"provisioning_environment": true, "preparing_context": true, "starting_model": true,
}

// errorKinds are the chat error kinds the protocol knows.
var errorKinds = map[string]bool{"refusal": true, "timeout": true, "rate_limit": true, "context_length": true, "unknown": true}

// runStream turns a run's events into chat and agent event broadcasts.
type runStream struct {
	srv        *Server
	runID      string
	sessionKey string
	agentID    string
	started    time.Time

	// gate holds the run's events until the request that started it has
	// been answered, so clients learn the run id before its first event.
	gate     chan struct{}
	released sync.Once

	mu       sync.Mutex
	chatSeq  int64
	agentSeq int64
	text     strings.Builder
}

func (s *Server) newRunStream(runID, sessionKey, agentID string) *runStream {
	return &runStream{srv: s, runID: runID, sessionKey: sessionKey, agentID: agentID, started: time.Now(), gate: make(chan struct{})}
}

// release announces the run's start and lets its events flow.
func (r *runStream) release() {
	r.released.Do(func() {
		r.mu.Lock()
		r.agentEvent("lifecycle", map[string]any{"phase": "start", "startedAt": r.started.UnixMilli(), "sessionKey": r.sessionKey})
		r.mu.Unlock()
		close(r.gate)
	})
}

func assistantMessage(text string) map[string]any {
	return map[string]any{"role": "assistant", "content": []map[string]any{{"type": "text", "text": text}}, "timestamp": time.Now().UnixMilli()}
}

func (r *runStream) chatBase(state string) map[string]any {
	m := map[string]any{"runId": r.runID, "sessionKey": r.sessionKey, "seq": r.chatSeq, "state": state}
	if r.agentID != "" {
		m["agentId"] = r.agentID
	}
	return m
}

func (r *runStream) agentEvent(stream string, data map[string]any) {
	r.agentSeq++
	r.srv.Broadcast("agent", map[string]any{"runId": r.runID, "seq": r.agentSeq, "stream": stream, "ts": time.Now().UnixMilli(), "data": data})
}

// emit is the run's event sink.
func (r *runStream) emit(ev backend.RunEvent) {
	<-r.gate
	r.mu.Lock()
	defer r.mu.Unlock()
	switch ev.Kind {
	case backend.EventDelta:
		if ev.Replace {
			r.text.Reset()
		}
		r.text.WriteString(ev.Text)
		r.chatSeq++
		m := r.chatBase("delta")
		m["deltaText"] = ev.Text
		m["message"] = assistantMessage(r.text.String())
		if ev.Replace {
			m["replace"] = true
		}
		r.srv.Broadcast("chat", m)
		r.agentEvent("assistant", map[string]any{"text": r.text.String(), "delta": ev.Text})
	case backend.EventTool:
		if ev.Tool == nil {
			return
		}
		data := map[string]any{"phase": ev.Tool.Phase, "name": ev.Tool.Name, "toolCallId": ev.Tool.CallID}
		if len(ev.Tool.Args) > 0 {
			data["args"] = ev.Tool.Args
		}
		if ev.Tool.Result != "" {
			data["result"] = ev.Tool.Result
		}
		if ev.Tool.IsError {
			data["isError"] = true
		}
		r.agentEvent("tool", data)
	case backend.EventStatus:
		if !chatPhases[ev.Phase] {
			return
		}
		r.chatSeq++
		m := r.chatBase("status")
		m["phase"] = ev.Phase
		r.srv.Broadcast("chat", m)
	}
}

// finish broadcasts the terminal chat event and the lifecycle end.
func (r *runStream) finish(res backend.RunResult, err error) {
	<-r.gate
	r.mu.Lock()
	defer r.mu.Unlock()
	if res.SessionKey != "" {
		r.sessionKey = res.SessionKey
	}
	r.chatSeq++
	var m map[string]any
	var re *backend.RunError
	switch {
	case err == nil:
		m = r.chatBase("final")
		text := res.Text
		if text == "" {
			text = r.text.String()
		}
		m["message"] = assistantMessage(text)
		m["usage"] = res.Usage
		if res.StopReason != "" {
			m["stopReason"] = res.StopReason
		}
		r.agentEvent("lifecycle", map[string]any{"phase": "end", "startedAt": r.started.UnixMilli(), "endedAt": time.Now().UnixMilli()})
	case errors.Is(err, context.Canceled):
		m = r.chatBase("aborted")
		m["stopReason"] = "aborted"
		if r.text.Len() > 0 {
			m["message"] = assistantMessage(r.text.String())
		}
		r.agentEvent("lifecycle", map[string]any{"phase": "end", "aborted": true, "endedAt": time.Now().UnixMilli()})
	default:
		m = r.chatBase("error")
		m["errorMessage"] = err.Error()
		kind := "unknown"
		if errors.As(err, &re) {
			m["errorMessage"] = re.Message
			if errorKinds[re.Kind] {
				kind = re.Kind
			}
		}
		m["errorKind"] = kind
		r.agentEvent("lifecycle", map[string]any{"phase": "error", "error": m["errorMessage"], "endedAt": time.Now().UnixMilli()})
	}
	r.srv.Broadcast("chat", m)
}

// startRun starts a turn whose events are broadcast to every client.
// answer sends the starting request's response; the run's events follow
// it. A request whose idempotency key matches a recent run joins that run
// (joined is true) and starts nothing.
func (s *Server) startRun(req backend.RunRequest, answer func(run *runs.Run, joined bool)) error {
	if req.RunID == "" {
		req.RunID = runs.NewID()
	}
	if req.SessionKey == "" {
		// Events name their session; an unaddressed run goes to the
		// agent's main session, so say so up front.
		agent := req.AgentID
		if agent == "" {
			agent = s.defaultAgentID(context.Background())
		}
		if agent == "" {
			agent = "main"
		}
		req.SessionKey = "agent:" + agent + ":main"
	}
	stream := s.newRunStream(req.RunID, req.SessionKey, req.AgentID)
	run, joined, err := s.runs.Start(req, stream.emit)
	if err != nil {
		return err
	}
	answer(run, joined)
	if joined {
		return nil
	}
	stream.release()
	go func() {
		res, err := run.Result()
		stream.finish(res, err)
	}()
	return nil
}

func (s *Server) chatSend(ctx context.Context, c *call) (any, error) {
	var p struct {
		SessionKey     string               `json:"sessionKey"`
		AgentID        string               `json:"agentId"`
		Message        *string              `json:"message"`
		Thinking       string               `json:"thinking"`
		Deliver        bool                 `json:"deliver"`
		Attachments    []backend.Attachment `json:"attachments"`
		TimeoutMs      int64                `json:"timeoutMs"`
		IdempotencyKey string               `json:"idempotencyKey"`
		Channel        string               `json:"originatingChannel"`
		To             string               `json:"originatingTo"`
		AccountID      string               `json:"originatingAccountId"`
		ThreadID       string               `json:"originatingThreadId"`
	}
	if err := decodeParams(c.method, c.params, &p); err != nil {
		return nil, err
	}
	if err := require(c.method, [2]string{"sessionKey", p.SessionKey}, [2]string{"idempotencyKey", p.IdempotencyKey}); err != nil {
		return nil, err
	}
	if p.Message == nil {
		return nil, invalid("invalid chat.send params: message is required")
	}
	if len(p.SessionKey) > 512 {
		return nil, invalid("invalid chat.send params: sessionKey is longer than 512 characters")
	}
	if strings.TrimSpace(*p.Message) == "" && len(p.Attachments) == 0 {
		return nil, invalid("invalid chat.send params: message is empty")
	}
	if p.TimeoutMs < 0 {
		return nil, invalid("invalid chat.send params: timeoutMs must be >= 0")
	}
	req := backend.RunRequest{
		SessionKey: p.SessionKey, AgentID: p.AgentID, Message: *p.Message, Attachments: p.Attachments,
		Thinking: p.Thinking, Timeout: time.Duration(p.TimeoutMs) * time.Millisecond,
		IdempotencyKey: "chat.send:" + p.IdempotencyKey, Origin: "ws",
	}
	if p.Deliver && p.Channel != "" && p.To != "" {
		req.Deliver = &backend.Delivery{Channel: p.Channel, To: p.To, AccountID: p.AccountID, ThreadID: p.ThreadID}
	}
	err := s.startRun(req, func(run *runs.Run, joined bool) {
		status := "started"
		if joined {
			status = "in_flight"
			select {
			case <-run.Done():
				status = "ok"
			default:
			}
		}
		c.ack(map[string]any{"runId": run.ID, "status": status, "runStarted": !joined})
	})
	if err != nil {
		return nil, fmt.Errorf("chat.send: %w", err)
	}
	return answered, nil
}

func (s *Server) chatAbort(ctx context.Context, c *call) (any, error) {
	var p struct {
		SessionKey string `json:"sessionKey"`
		AgentID    string `json:"agentId"`
		RunID      string `json:"runId"`
	}
	if err := decodeParams(c.method, c.params, &p); err != nil {
		return nil, err
	}
	if err := require(c.method, [2]string{"sessionKey", p.SessionKey}); err != nil {
		return nil, err
	}
	ids, err := s.runs.Abort(ctx, backend.AbortRequest{SessionKey: p.SessionKey, AgentID: p.AgentID, RunID: p.RunID})
	if err != nil {
		return nil, fmt.Errorf("chat.abort: %w", err)
	}
	if ids == nil {
		ids = []string{}
	}
	return map[string]any{"ok": true, "aborted": len(ids) > 0, "runIds": ids}, nil
}

func (s *Server) agent(ctx context.Context, c *call) (any, error) {
	var p struct {
		Message           string               `json:"message"`
		AgentID           string               `json:"agentId"`
		Provider          string               `json:"provider"`
		Model             string               `json:"model"`
		To                string               `json:"to"`
		ReplyTo           string               `json:"replyTo"`
		SessionID         string               `json:"sessionId"`
		SessionKey        string               `json:"sessionKey"`
		Thinking          string               `json:"thinking"`
		Deliver           bool                 `json:"deliver"`
		Attachments       []backend.Attachment `json:"attachments"`
		Channel           string               `json:"channel"`
		ReplyChannel      string               `json:"replyChannel"`
		AccountID         string               `json:"accountId"`
		ReplyAccountID    string               `json:"replyAccountId"`
		ThreadID          string               `json:"threadId"`
		Timeout           int64                `json:"timeout"` // seconds
		ExtraSystemPrompt string               `json:"extraSystemPrompt"`
		IdempotencyKey    string               `json:"idempotencyKey"`
	}
	if err := decodeParams(c.method, c.params, &p); err != nil {
		return nil, err
	}
	if err := require(c.method, [2]string{"message", p.Message}, [2]string{"idempotencyKey", p.IdempotencyKey}); err != nil {
		return nil, err
	}
	if p.Timeout < 0 {
		return nil, invalid("invalid agent params: timeout must be >= 0 seconds")
	}
	model := p.Model
	if p.Provider != "" && model != "" && !strings.Contains(model, "/") {
		model = p.Provider + "/" + model
	}
	key := p.SessionKey
	if key == "" {
		key = p.SessionID
	}
	req := backend.RunRequest{
		SessionKey: key, AgentID: p.AgentID, Message: p.Message, Attachments: p.Attachments, Model: model,
		Thinking: p.Thinking, ExtraSystemPrompt: p.ExtraSystemPrompt, Timeout: time.Duration(p.Timeout) * time.Second,
		IdempotencyKey: "agent:" + p.IdempotencyKey, Origin: "ws",
	}
	if p.Deliver {
		d := backend.Delivery{Channel: first(p.ReplyChannel, p.Channel), To: first(p.ReplyTo, p.To), AccountID: first(p.ReplyAccountID, p.AccountID), ThreadID: p.ThreadID}
		if d.Channel == "" && d.To == "" {
			return nil, invalid("invalid agent params: deliver needs channel or to")
		}
		req.Deliver = &d
	}
	var run *runs.Run
	err := s.startRun(req, func(r *runs.Run, _ bool) {
		run = r
		c.ack(map[string]any{"runId": r.ID, "status": "accepted", "acceptedAt": r.StartedAt.UnixMilli()})
	})
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	select {
	case <-run.Done():
	case <-ctx.Done():
		// The client went away; the run continues and agent.wait can find it.
		return nil, ctx.Err()
	}
	res, err := run.Result()
	return agentFinal(run, res, err), nil
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// agentFinal is the agent method's second response.
func agentFinal(run *runs.Run, res backend.RunResult, err error) map[string]any {
	ended := run.EndedAt()
	meta := map[string]any{
		"durationMs": ended.Sub(run.StartedAt).Milliseconds(),
		"sessionKey": first(res.SessionKey, run.SessionKey), "sessionId": res.SessionID, "agentId": first(res.AgentID, run.AgentID),
		"model": res.Model, "stopReason": res.StopReason, "usage": res.Usage, "delivered": res.Delivered,
	}
	if len(res.ToolCalls) > 0 {
		meta["toolCalls"] = res.ToolCalls
	}
	out := map[string]any{"runId": run.ID, "startedAt": run.StartedAt.UnixMilli(), "endedAt": ended.UnixMilli()}
	switch {
	case err == nil:
		out["status"], out["summary"] = "ok", "completed"
		out["result"] = map[string]any{"payloads": []map[string]any{{"text": res.Text}}, "meta": meta}
	case errors.Is(err, context.Canceled):
		out["status"], out["summary"], out["stopReason"] = "error", "aborted", "aborted"
		out["error"] = "run aborted"
	default:
		out["status"], out["summary"] = "error", "failed"
		out["error"] = err.Error()
		var re *backend.RunError
		if errors.As(err, &re) {
			out["error"], out["errorKind"] = re.Message, re.Kind
			if re.Kind == "timeout" {
				out["status"] = "timeout"
			}
		}
	}
	return out
}

func (s *Server) agentWait(ctx context.Context, c *call) (any, error) {
	var p struct {
		RunID     string `json:"runId"`
		TimeoutMs int64  `json:"timeoutMs"`
	}
	if err := decodeParams(c.method, c.params, &p); err != nil {
		return nil, err
	}
	if err := require(c.method, [2]string{"runId", p.RunID}); err != nil {
		return nil, err
	}
	if p.TimeoutMs <= 0 {
		p.TimeoutMs = 30_000
	}
	run, ok := s.runs.Lookup(p.RunID)
	if !ok {
		return nil, fmt.Errorf("agent.wait: run %q: %w", p.RunID, backend.ErrNotFound)
	}
	t := time.NewTimer(time.Duration(p.TimeoutMs) * time.Millisecond)
	defer t.Stop()
	select {
	case <-run.Done():
	case <-t.C:
		return map[string]any{"runId": run.ID, "status": "timeout", "startedAt": run.StartedAt.UnixMilli()}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	res, err := run.Result()
	return agentFinal(run, res, err), nil
}

func (s *Server) send(ctx context.Context, c *call) (any, error) {
	var p struct {
		To             string   `json:"to"`
		Message        string   `json:"message"`
		MediaURL       string   `json:"mediaUrl"`
		MediaURLs      []string `json:"mediaUrls"`
		Channel        string   `json:"channel"`
		AccountID      string   `json:"accountId"`
		ReplyToID      string   `json:"replyToId"`
		ThreadID       string   `json:"threadId"`
		Silent         bool     `json:"silent"`
		IdempotencyKey string   `json:"idempotencyKey"`
	}
	if err := decodeParams(c.method, c.params, &p); err != nil {
		return nil, err
	}
	if err := require(c.method, [2]string{"to", p.To}, [2]string{"idempotencyKey", p.IdempotencyKey}); err != nil {
		return nil, err
	}
	media := p.MediaURLs
	if p.MediaURL != "" {
		media = append([]string{p.MediaURL}, media...)
	}
	if strings.TrimSpace(p.Message) == "" && len(media) == 0 {
		return nil, invalid("invalid send params: message or mediaUrl is required")
	}
	res, err := s.opts.Services.Channels.Send(ctx, backend.OutboundMessage{
		Channel: p.Channel, AccountID: p.AccountID, To: p.To, Text: p.Message, MediaURLs: media,
		ReplyToID: p.ReplyToID, ThreadID: p.ThreadID, Silent: p.Silent, IdempotencyKey: p.IdempotencyKey,
	})
	if err != nil {
		return nil, fmt.Errorf("send: %w", err)
	}
	return map[string]any{"ok": true, "channel": res.Channel, "accountId": res.AccountID, "to": res.To, "messageId": res.MessageID}, nil
}
