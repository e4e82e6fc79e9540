package wsproto

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
)

// registerMethods declares every RPC method: its scope (from the protocol
// schema's method table), the service it needs, and its handler.
func (s *Server) registerMethods() {
	always := func(backend.Services) bool { return true }
	chat := func(v backend.Services) bool { return v.Chat != nil }
	sess := func(v backend.Services) bool { return v.Sessions != nil }
	conf := func(v backend.Services) bool { return v.Config != nil }
	chans := func(v backend.Services) bool { return v.Channels != nil }

	s.handle("health", ScopeRead, "health", always, s.healthMethod)
	s.handle("status", ScopeRead, "status", always, s.status)
	s.handle("logs.tail", ScopeRead, "logs", func(v backend.Services) bool { return v.Logs != nil }, s.logsTail)
	s.handle("channels.status", ScopeRead, "channels", chans, s.channelsStatus)
	s.handle("config.get", ScopeRead, "config", conf, s.configGet)
	s.handle("config.set", ScopeAdmin, "config", conf, s.configWrite("config.set"))
	s.handle("config.apply", ScopeAdmin, "config", conf, s.configWrite("config.apply"))
	s.handle("config.patch", ScopeAdmin, "config", conf, s.configWrite("config.patch"))
	s.handle("config.schema", ScopeRead, "config", conf, s.configSchema)
	s.handle("models.list", ScopeRead, "models", func(v backend.Services) bool { return v.Models != nil }, s.modelsList)
	s.handle("plugins.list", ScopeRead, "plugins", func(v backend.Services) bool { return v.Plugins != nil }, s.pluginsList)
	s.handle("skills.status", ScopeRead, "skills", func(v backend.Services) bool { return v.Skills != nil }, s.skillsStatus)
	s.handle("cron.list", ScopeRead, "cron", func(v backend.Services) bool { return v.Cron != nil }, s.cronList)
	cronRPC := func(v backend.Services) bool { _, ok := v.Cron.(backend.CronRPC); return ok }
	for _, m := range []string{"cron.status", "cron.get", "cron.runs"} {
		s.handle(m, ScopeRead, "cron", cronRPC, s.cronPassThrough)
	}
	for _, m := range []string{"cron.add", "cron.update", "cron.remove", "cron.run"} {
		s.handle(m, ScopeAdmin, "cron", cronRPC, s.cronPassThrough)
	}
	s.handle("sessions.list", ScopeRead, "sessions", sess, s.sessionsList)
	s.handle("sessions.get", ScopeRead, "sessions", sess, s.sessionsGet)
	s.handle("sessions.reset", ScopeAdmin, "sessions", sess, s.sessionsReset)
	s.handle("sessions.delete", ScopeAdmin, "sessions", sess, s.sessionsDelete)
	s.handle("chat.history", ScopeRead, "sessions", sess, s.chatHistory)
	s.handle("chat.send", ScopeWrite, "chat", chat, s.chatSend)
	s.handle("chat.abort", ScopeWrite, "chat", chat, s.chatAbort)
	s.handle("agent", ScopeWrite, "chat", chat, s.agent)
	s.handle("agent.wait", ScopeWrite, "chat", chat, s.agentWait)
	s.handle("send", ScopeWrite, "channels", chans, s.send)
}

func ms(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func (s *Server) healthMethod(ctx context.Context, c *call) (any, error) {
	var p struct {
		Probe bool `json:"probe"`
	}
	if err := decodeParams(c.method, c.params, &p); err != nil {
		return nil, err
	}
	return s.health.get(ctx, p.Probe)
}

func (s *Server) status(ctx context.Context, c *call) (any, error) {
	var p struct {
		Deep bool `json:"deep"`
	}
	if err := decodeParams(c.method, c.params, &p); err != nil {
		return nil, err
	}
	info := s.info()
	admin := c.conn.hasScope(ScopeAdmin)
	gw := map[string]any{
		"bind": info.Bind, "port": info.Port, "authMode": info.AuthMode,
		"connections": s.Connections(), "activeRuns": s.runs.Active(),
	}
	if admin && len(info.Addresses) > 0 {
		gw["addresses"] = info.Addresses
	}
	out := map[string]any{
		"ok": true, "ts": time.Now().UnixMilli(),
		"runtimeVersion": s.version(), "version": s.version(),
		"uptimeMs": time.Since(s.started).Milliseconds(), "startedAt": s.started.UnixMilli(),
		"gateway": gw,
	}
	if admin {
		out["configPath"], out["stateDir"] = info.ConfigPath, info.StateDir
	}
	svc := s.opts.Services
	if svc.Agents != nil {
		if l, err := svc.Agents.List(ctx); err == nil {
			out["defaultAgentId"] = l.DefaultID
			out["agents"] = l.Agents
		}
	}
	if svc.Sessions != nil {
		if page, err := svc.Sessions.List(ctx, backend.SessionQuery{Limit: 5}); err == nil {
			recent := make([]map[string]any, 0, len(page.Sessions))
			for _, ss := range page.Sessions {
				recent = append(recent, map[string]any{"key": ss.Key, "agentId": ss.AgentID, "updatedAt": ms(ss.UpdatedAt), "age": time.Since(ss.UpdatedAt).Milliseconds()})
			}
			out["sessions"] = map[string]any{"count": page.Total, "recent": recent}
		}
	}
	if svc.Health != nil {
		h, err := s.health.get(ctx, p.Deep)
		if err != nil {
			return nil, fmt.Errorf("status: %w", err)
		}
		for _, k := range []string{"plugins", "channels", "channelOrder", "channelLabels", "heartbeatSeconds", "configReload"} {
			if v, ok := h[k]; ok {
				out[k] = v
			}
		}
		if p.Deep {
			out["health"] = h
		}
		r := svc.Health.Ready(ctx)
		out["ready"] = r.Ready
		if len(r.Failing) > 0 {
			out["failing"] = r.Failing
		}
	}
	return out, nil
}

func (s *Server) logsTail(ctx context.Context, c *call) (any, error) {
	var p struct {
		Cursor   int64 `json:"cursor"`
		Limit    int   `json:"limit"`
		MaxBytes int   `json:"maxBytes"`
	}
	if err := decodeParams(c.method, c.params, &p); err != nil {
		return nil, err
	}
	switch {
	case p.Cursor < 0:
		return nil, invalid("invalid logs.tail params: cursor must be >= 0")
	case p.Limit < 0 || p.Limit > 5000:
		return nil, invalid("invalid logs.tail params: limit must be between 1 and 5000")
	case p.MaxBytes < 0 || p.MaxBytes > 1_000_000:
		return nil, invalid("invalid logs.tail params: maxBytes must be between 1 and 1000000")
	}
	if p.Limit == 0 {
		p.Limit = 200
	}
	if p.MaxBytes == 0 {
		p.MaxBytes = 250_000
	}
	chunk, err := s.opts.Services.Logs.Tail(ctx, backend.LogQuery{Cursor: p.Cursor, Limit: p.Limit, MaxBytes: p.MaxBytes})
	if err != nil {
		return nil, fmt.Errorf("logs.tail: %w", err)
	}
	lines := chunk.Lines
	if lines == nil {
		lines = []string{}
	}
	out := map[string]any{"file": chunk.File, "cursor": chunk.Cursor, "size": chunk.Size, "lines": lines}
	if chunk.Truncated {
		out["truncated"] = true
	}
	if chunk.Reset {
		out["reset"] = true
	}
	return out, nil
}

func (s *Server) channelsStatus(ctx context.Context, c *call) (any, error) {
	var p struct {
		Probe     bool   `json:"probe"`
		TimeoutMs int    `json:"timeoutMs"`
		Channel   string `json:"channel"`
	}
	if err := decodeParams(c.method, c.params, &p); err != nil {
		return nil, err
	}
	if p.TimeoutMs < 0 {
		return nil, invalid("invalid channels.status params: timeoutMs must be >= 0")
	}
	q := backend.ChannelQuery{Channel: p.Channel, Probe: p.Probe, Timeout: time.Duration(p.TimeoutMs) * time.Millisecond}
	if p.Probe && q.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, q.Timeout+time.Second)
		defer cancel()
	}
	chans, err := s.opts.Services.Channels.Status(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("channels.status: %w", err)
	}
	return channelsStatus(chans, time.Now()), nil
}

func (s *Server) modelsList(ctx context.Context, c *call) (any, error) {
	var p struct {
		AgentID string `json:"agentId"`
		Refresh bool   `json:"refresh"`
	}
	if err := decodeParams(c.method, c.params, &p); err != nil {
		return nil, err
	}
	models, err := s.opts.Services.Models.List(ctx, backend.ModelQuery{AgentID: p.AgentID, Refresh: p.Refresh})
	if err != nil {
		return nil, fmt.Errorf("models.list: %w", err)
	}
	if models == nil {
		models = []backend.ModelInfo{}
	}
	return map[string]any{"models": models}, nil
}

func (s *Server) pluginsList(ctx context.Context, c *call) (any, error) {
	if err := decodeParams(c.method, c.params, &struct{}{}); err != nil {
		return nil, err
	}
	plugins, err := s.opts.Services.Plugins.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("plugins.list: %w", err)
	}
	if plugins == nil {
		plugins = []backend.PluginInfo{}
	}
	// Installing and removing plugins is the CLI's job in this gateway.
	return map[string]any{"plugins": plugins, "diagnostics": []any{}, "mutationAllowed": false}, nil
}

func (s *Server) skillsStatus(ctx context.Context, c *call) (any, error) {
	var p struct {
		AgentID    string `json:"agentId"`
		SessionKey string `json:"sessionKey"`
	}
	if err := decodeParams(c.method, c.params, &p); err != nil {
		return nil, err
	}
	r, err := s.opts.Services.Skills.Status(ctx, backend.SkillQuery{AgentID: p.AgentID, SessionKey: p.SessionKey})
	if err != nil {
		return nil, fmt.Errorf("skills.status: %w", err)
	}
	if r.Skills == nil {
		r.Skills = []backend.SkillInfo{}
	}
	return r, nil
}

// cronPassThrough hands a cron method to a scheduler that serves it.
func (s *Server) cronPassThrough(ctx context.Context, c *call) (any, error) {
	rpc, ok := s.opts.Services.Cron.(backend.CronRPC)
	if !ok {
		return nil, fmt.Errorf("%s: %w", c.method, backend.ErrUnsupported)
	}
	params := c.params
	if len(params) == 0 {
		params = json.RawMessage("{}")
	}
	res, err := rpc.HandleRPC(ctx, c.method, params)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", c.method, backend.ErrInvalid, err)
	}
	return res, nil
}

func (s *Server) cronList(ctx context.Context, c *call) (any, error) {
	var p struct {
		IncludeDisabled bool   `json:"includeDisabled"`
		Limit           int    `json:"limit"`
		Offset          int    `json:"offset"`
		Query           string `json:"query"`
		AgentID         string `json:"agentId"`
	}
	if err := decodeParams(c.method, c.params, &p); err != nil {
		return nil, err
	}
	if p.Limit < 0 || p.Limit > 200 || p.Offset < 0 {
		return nil, invalid("invalid cron.list params: limit must be 1..200 and offset >= 0")
	}
	if p.Limit == 0 {
		p.Limit = 50
	}
	page, err := s.opts.Services.Cron.List(ctx, backend.CronQuery{AgentID: p.AgentID, Query: p.Query, IncludeDisabled: p.IncludeDisabled, Limit: p.Limit, Offset: p.Offset})
	if err != nil {
		return nil, fmt.Errorf("cron.list: %w", err)
	}
	jobs := make([]map[string]any, 0, len(page.Jobs))
	for _, j := range page.Jobs {
		jobs = append(jobs, map[string]any{
			"id": j.ID, "name": j.Name, "agentId": j.AgentID, "enabled": j.Enabled, "schedule": j.Schedule,
			"nextRunAtMs": ms(j.NextRunAt), "lastRunAtMs": ms(j.LastRunAt), "lastRunStatus": j.LastRunStatus,
		})
	}
	return map[string]any{"jobs": jobs, "total": page.Total, "offset": p.Offset, "limit": p.Limit, "hasMore": p.Offset+len(jobs) < page.Total}, nil
}
