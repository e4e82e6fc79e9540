package wsproto

import (
	"context"
	"fmt"
	"time"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
)

func (s *Server) configGet(ctx context.Context, c *call) (any, error) {
	if err := decodeParams(c.method, c.params, &struct{}{}); err != nil {
		return nil, err
	}
	snap, err := s.opts.Services.Config.Get(ctx)
	if err != nil {
		return nil, fmt.Errorf("config.get: %w", err)
	}
	out := map[string]any{
		"path": snap.Path, "exists": snap.Exists, "raw": snap.Raw, "parsed": snap.Parsed,
		"sourceConfig": snap.Parsed, "resolved": snap.Resolved, "config": snap.Resolved,
		"hash": snap.Hash, "valid": snap.Valid, "includedPaths": []string{},
	}
	if snap.Issues != nil {
		out["issues"] = snap.Issues
	}
	if snap.Warnings != nil {
		out["warnings"] = snap.Warnings
	}
	return out, nil
}

type configWriteParams struct {
	Raw            string   `json:"raw"`
	BaseHash       string   `json:"baseHash"`
	SessionKey     string   `json:"sessionKey"`
	Note           string   `json:"note"`
	RestartDelayMs int      `json:"restartDelayMs"`
	ReplacePaths   []string `json:"replacePaths"`
}

func (s *Server) configWrite(method string) func(ctx context.Context, c *call) (any, error) {
	return func(ctx context.Context, c *call) (any, error) {
		var p configWriteParams
		if err := decodeParams(method, c.params, &p); err != nil {
			return nil, err
		}
		if err := require(method, [2]string{"raw", p.Raw}); err != nil {
			return nil, err
		}
		if method != "config.patch" && len(p.ReplacePaths) > 0 {
			return nil, invalid("invalid %s params: replacePaths applies only to config.patch", method)
		}
		w := backend.ConfigWrite{Raw: p.Raw, BaseHash: p.BaseHash, ReplacePaths: p.ReplacePaths, Note: p.Note, SessionKey: p.SessionKey}
		cfg := s.opts.Services.Config
		var res backend.ConfigWriteResult
		var err error
		switch method {
		case "config.set":
			res, err = cfg.Set(ctx, w)
		case "config.apply":
			res, err = cfg.Apply(ctx, w)
		default:
			res, err = cfg.Patch(ctx, w)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", method, err)
		}
		s.Broadcast("config.changed", map[string]any{"path": res.Path, "hash": res.Hash, "ts": time.Now().UnixMilli()})
		out := map[string]any{"ok": true, "path": res.Path, "hash": res.Hash, "restartRequired": res.RestartRequired}
		if res.Config != nil {
			out["config"] = res.Config
		}
		if len(res.Warnings) > 0 {
			out["warnings"] = res.Warnings
		}
		return out, nil
	}
}

func (s *Server) configSchema(ctx context.Context, c *call) (any, error) {
	if err := decodeParams(c.method, c.params, &struct{}{}); err != nil {
		return nil, err
	}
	sch, err := s.opts.Services.Config.Schema(ctx)
	if err != nil {
		return nil, fmt.Errorf("config.schema: %w", err)
	}
	if sch.UIHints == nil {
		sch.UIHints = map[string]any{}
	}
	return sch, nil
}

// SessionRow shapes a session like a sessions.list row.
func SessionRow(ss backend.Session, active bool, now time.Time) map[string]any {
	row := map[string]any{
		"key": ss.Key, "sessionId": ss.SessionID, "agentId": ss.AgentID,
		"createdAt": ms(ss.CreatedAt), "updatedAt": ms(ss.UpdatedAt), "messageCount": ss.MessageCount,
		"hasActiveRun": active || ss.Active, "snapshotAt": now.UnixMilli(),
	}
	for k, v := range map[string]string{"label": ss.Label, "model": ss.Model, "channel": ss.Channel} {
		if v != "" {
			row[k] = v
		}
	}
	if ss.InputTokens > 0 || ss.OutputTokens > 0 {
		row["inputTokens"], row["outputTokens"] = ss.InputTokens, ss.OutputTokens
	}
	return row
}

func (s *Server) sessionsList(ctx context.Context, c *call) (any, error) {
	var p struct {
		Limit         int    `json:"limit"`
		Offset        int    `json:"offset"`
		ActiveMinutes int    `json:"activeMinutes"`
		AgentID       string `json:"agentId"`
		Search        string `json:"search"`
		Label         string `json:"label"`
	}
	if err := decodeParams(c.method, c.params, &p); err != nil {
		return nil, err
	}
	if p.Limit < 0 || p.Offset < 0 || p.ActiveMinutes < 0 {
		return nil, invalid("invalid sessions.list params: limit, offset and activeMinutes must not be negative")
	}
	if p.Limit == 0 {
		p.Limit = 100
	}
	search := p.Search
	if search == "" {
		search = p.Label
	}
	page, err := s.opts.Services.Sessions.List(ctx, backend.SessionQuery{AgentID: p.AgentID, Search: search, Limit: p.Limit, Offset: p.Offset, ActiveMinutes: p.ActiveMinutes})
	if err != nil {
		return nil, fmt.Errorf("sessions.list: %w", err)
	}
	now := time.Now()
	active := s.runs.ActiveSessions()
	rows := make([]map[string]any, 0, len(page.Sessions))
	for _, ss := range page.Sessions {
		rows = append(rows, SessionRow(ss, active[ss.Key], now))
	}
	next := p.Offset + len(rows)
	out := map[string]any{
		"ts": now.UnixMilli(), "count": len(rows), "sessions": rows, "totalCount": page.Total,
		"offset": p.Offset, "limitApplied": p.Limit, "hasMore": next < page.Total,
	}
	if next < page.Total {
		out["nextOffset"] = next
	}
	return out, nil
}

func (s *Server) sessionsGet(ctx context.Context, c *call) (any, error) {
	var p struct {
		Key string `json:"key"`
	}
	if err := decodeParams(c.method, c.params, &p); err != nil {
		return nil, err
	}
	if err := require(c.method, [2]string{"key", p.Key}); err != nil {
		return nil, err
	}
	ss, err := s.opts.Services.Sessions.Get(ctx, p.Key)
	if err != nil {
		return nil, fmt.Errorf("sessions.get: %w", err)
	}
	return map[string]any{"session": SessionRow(ss, s.runs.ActiveSessions()[ss.Key], time.Now())}, nil
}

func (s *Server) sessionsReset(ctx context.Context, c *call) (any, error) {
	var p struct {
		Key               string `json:"key"`
		Reason            string `json:"reason"`
		ExpectedSessionID string `json:"expectedSessionId"`
	}
	if err := decodeParams(c.method, c.params, &p); err != nil {
		return nil, err
	}
	if err := require(c.method, [2]string{"key", p.Key}); err != nil {
		return nil, err
	}
	if p.Reason == "" {
		p.Reason = "reset"
	}
	if p.Reason != "new" && p.Reason != "reset" {
		return nil, invalid("invalid sessions.reset params: reason must be \"new\" or \"reset\"")
	}
	svc := s.opts.Services.Sessions
	if p.ExpectedSessionID != "" {
		cur, err := svc.Get(ctx, p.Key)
		if err != nil {
			return nil, fmt.Errorf("sessions.reset: %w", err)
		}
		if cur.SessionID != p.ExpectedSessionID {
			return nil, &Error{Shape: ErrorShape{Code: CodeInvalidRequest, Message: "session changed since it was read; re-read it before resetting", Details: map[string]any{"reason": "session-changed"}}}
		}
	}
	ss, err := svc.Reset(ctx, p.Key, p.Reason)
	if err != nil {
		return nil, fmt.Errorf("sessions.reset: %w", err)
	}
	return map[string]any{"ok": true, "key": ss.Key, "sessionId": ss.SessionID, "session": SessionRow(ss, false, time.Now())}, nil
}

func (s *Server) sessionsDelete(ctx context.Context, c *call) (any, error) {
	var p struct {
		Key              string `json:"key"`
		DeleteTranscript bool   `json:"deleteTranscript"`
	}
	if err := decodeParams(c.method, c.params, &p); err != nil {
		return nil, err
	}
	if err := require(c.method, [2]string{"key", p.Key}); err != nil {
		return nil, err
	}
	ss, err := s.opts.Services.Sessions.Delete(ctx, p.Key, p.DeleteTranscript)
	if err != nil {
		return nil, fmt.Errorf("sessions.delete: %w", err)
	}
	key := ss.Key
	if key == "" {
		key = p.Key
	}
	return map[string]any{"ok": true, "key": key, "deleted": true, "archived": []string{}}, nil
}

// MessagePayload shapes a transcript entry like OpenClaw's chat messages.
func MessagePayload(m backend.Message) map[string]any {
	out := map[string]any{
		"id": m.ID, "role": m.Role,
		"content":   []map[string]any{{"type": "text", "text": m.Text}},
		"timestamp": ms(m.CreatedAt),
	}
	if m.Model != "" {
		out["model"] = m.Model
	}
	if len(m.ToolCalls) > 0 {
		out["toolCalls"] = m.ToolCalls
	}
	return out
}

func (s *Server) chatHistory(ctx context.Context, c *call) (any, error) {
	var p struct {
		SessionKey string `json:"sessionKey"`
		SessionID  string `json:"sessionId"`
		Limit      int    `json:"limit"`
		Offset     int    `json:"offset"`
	}
	if err := decodeParams(c.method, c.params, &p); err != nil {
		return nil, err
	}
	if err := require(c.method, [2]string{"sessionKey", p.SessionKey}); err != nil {
		return nil, err
	}
	if p.Limit < 0 || p.Limit > 1000 || p.Offset < 0 {
		return nil, invalid("invalid chat.history params: limit must be 1..1000 and offset >= 0")
	}
	if p.Limit == 0 {
		p.Limit = 200
	}
	ref := p.SessionKey
	if p.SessionID != "" {
		ref = p.SessionID
	}
	// Like OpenClaw: the newest messages (offset counts back from the
	// end), returned oldest first so a client can render them in order.
	h, err := s.opts.Services.Sessions.History(ctx, backend.HistoryQuery{Ref: ref, Limit: p.Limit, Offset: p.Offset, Newest: true})
	if err != nil {
		return nil, fmt.Errorf("chat.history: %w", err)
	}
	msgs := make([]map[string]any, 0, len(h.Messages))
	for i := len(h.Messages) - 1; i >= 0; i-- {
		msgs = append(msgs, MessagePayload(h.Messages[i]))
	}
	key := h.SessionKey
	if key == "" {
		key = p.SessionKey
	}
	active := s.runs.ActiveSessions()[key]
	return map[string]any{
		"sessionKey": key, "sessionId": h.SessionID, "messages": msgs, "total": h.Total,
		"sessionInfo": map[string]any{"hasActiveRun": active},
	}, nil
}
