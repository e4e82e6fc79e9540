package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/gateway/runs"
	"github.com/openclaw-go/openclaw/core/gateway/webhooks"
)

// Route is one REST endpoint: how it is served and how it is documented.
// The OpenAPI document is generated from the same list, so it cannot
// describe a route that does not exist or miss one that does.
type Route struct {
	Method    string
	Path      string // Go ServeMux pattern path, e.g. /api/v1/sessions/{id}
	Summary   string
	Tag       string
	Query     []Param
	Request   map[string]any // JSON Schema of the body, or nil
	Status    int            // success status
	Response  map[string]any // JSON Schema of the success body
	Stream    bool           // success body is text/event-stream
	NoContent bool
	handler   http.HandlerFunc
}

// Param is a query parameter.
type Param struct {
	Name        string
	Description string
	Schema      map[string]any
}

// Routes lists the REST API's routes.
func (a *API) Routes() []Route { return append([]Route(nil), a.routes...) }

func (a *API) route(rt Route, h http.HandlerFunc) {
	if rt.Status == 0 {
		rt.Status = http.StatusOK
	}
	rt.handler = h
	a.routes = append(a.routes, rt)
	a.rest.HandleFunc(rt.Method+" "+rt.Path, h)
}

func intParam(name, desc string, min, max int) Param {
	s := map[string]any{"type": "integer", "minimum": min}
	if max > 0 {
		s["maximum"] = max
	}
	return Param{Name: name, Description: desc, Schema: s}
}

func (a *API) registerREST() {
	a.route(Route{Method: "GET", Path: "/api/v1/status", Tag: "gateway", Summary: "Gateway and agent status", Response: ref("Status")}, a.restStatus)
	a.route(Route{Method: "POST", Path: "/api/v1/messages", Tag: "messages", Summary: "Send a message to an agent and wait for its reply",
		Request: ref("MessageRequest"), Response: ref("RunResult")}, a.restMessages)
	a.route(Route{Method: "DELETE", Path: "/api/v1/messages/{id}", Tag: "messages", Summary: "Delete a stored message", Response: ref("Deleted")}, a.restDeleteMessage)
	a.route(Route{Method: "POST", Path: "/api/v1/agents/{agentId}/invoke", Tag: "agents", Summary: "Run one turn on a specific agent",
		Request: ref("InvokeRequest"), Response: ref("RunResult")}, a.restInvoke)
	a.route(Route{Method: "GET", Path: "/api/v1/channels", Tag: "channels", Summary: "Configured channels and their state",
		Query: []Param{{Name: "probe", Description: "run live checks", Schema: map[string]any{"type": "boolean"}}}, Response: ref("ChannelList")}, a.restChannels)
	a.route(Route{Method: "POST", Path: "/api/v1/chat", Tag: "chat", Summary: "Chat in a session and get the reply",
		Request: ref("ChatRequest"), Response: ref("ChatResult")}, a.restChat)
	a.route(Route{Method: "POST", Path: "/api/v1/chat/stream", Tag: "chat", Summary: "Chat with the reply streamed as Server-Sent Events (data: {\"text\": ...} ... data: [DONE])",
		Request: ref("ChatRequest"), Stream: true, Response: map[string]any{"type": "string"}}, a.restChatStream)
	a.route(Route{Method: "POST", Path: "/api/v1/sessions", Tag: "sessions", Summary: "Create a session", Status: http.StatusCreated,
		Request: ref("SessionCreate"), Response: ref("Session")}, a.restCreateSession)
	a.route(Route{Method: "GET", Path: "/api/v1/sessions", Tag: "sessions", Summary: "List sessions, most recently updated first",
		Query: []Param{intParam("limit", "page size (default 50)", 1, 1000), intParam("offset", "rows to skip", 0, 0),
			{Name: "agentId", Schema: map[string]any{"type": "string"}}, {Name: "search", Schema: map[string]any{"type": "string"}}},
		Response: ref("SessionList")}, a.restListSessions)
	a.route(Route{Method: "GET", Path: "/api/v1/sessions/{id}", Tag: "sessions", Summary: "Get a session by id or key", Response: ref("Session")}, a.restGetSession)
	a.route(Route{Method: "DELETE", Path: "/api/v1/sessions/{id}", Tag: "sessions", Summary: "Delete a session and its transcript", Response: ref("Deleted")}, a.restDeleteSession)
	a.route(Route{Method: "GET", Path: "/api/v1/sessions/{id}/messages", Tag: "sessions", Summary: "A session's messages",
		Query: []Param{intParam("limit", "page size (default 50)", 1, 1000), intParam("offset", "messages to skip", 0, 0),
			{Name: "order", Description: "asc (oldest first, default) or desc", Schema: map[string]any{"type": "string", "enum": []any{"asc", "desc"}}}},
		Response: ref("MessageList")}, a.restSessionMessages)
	a.route(Route{Method: "GET", Path: "/api/v1/skills", Tag: "skills", Summary: "Skills and their eligibility",
		Query: []Param{{Name: "agentId", Schema: map[string]any{"type": "string"}}}, Response: ref("SkillList")}, a.restSkills)
	a.route(Route{Method: "POST", Path: "/api/v1/skills/{name}/run", Tag: "skills", Summary: "Run a skill through the agent",
		Request: ref("SkillRunRequest"), Response: ref("SkillRunResult")}, a.restRunSkill)
	a.route(Route{Method: "GET", Path: "/api/v1/config", Tag: "config", Summary: "The config (secrets redacted)", Response: ref("ConfigSnapshot")}, a.restGetConfig)
	a.route(Route{Method: "PATCH", Path: "/api/v1/config", Tag: "config", Summary: "Merge a JSON merge patch into the config (If-Match: <hash> guards against concurrent edits)",
		Request: map[string]any{"type": "object"}, Response: ref("ConfigWriteResult")}, a.restPatchConfig)
	if a.opts.Webhooks != nil && a.opts.Dispatch != nil {
		a.route(Route{Method: "POST", Path: "/api/v1/webhooks", Tag: "webhooks", Summary: "Subscribe a URL to events; deliveries are HMAC-signed and retried", Status: http.StatusCreated,
			Request: ref("WebhookCreate"), Response: ref("WebhookCreated")}, a.restCreateWebhook)
		a.route(Route{Method: "GET", Path: "/api/v1/webhooks", Tag: "webhooks", Summary: "List webhooks", Response: ref("WebhookList")}, a.restListWebhooks)
		a.route(Route{Method: "GET", Path: "/api/v1/webhooks/{id}", Tag: "webhooks", Summary: "Get a webhook", Response: ref("Webhook")}, a.restGetWebhook)
		a.route(Route{Method: "DELETE", Path: "/api/v1/webhooks/{id}", Tag: "webhooks", Summary: "Delete a webhook", Response: ref("Deleted")}, a.restDeleteWebhook)
		a.route(Route{Method: "POST", Path: "/api/v1/webhooks/{id}/test", Tag: "webhooks", Summary: "Send a signed webhook.test event now", Response: ref("WebhookTestResult")}, a.restTestWebhook)
	}
}

func (a *API) unavailable(w http.ResponseWriter, service string) {
	restError(w, http.StatusServiceUnavailable, CodeUnavailable, service+" is not available on this gateway", map[string]any{"service": service})
}

func (a *API) restStatus(w http.ResponseWriter, r *http.Request) {
	svc := a.opts.Services
	out := map[string]any{"status": "ok", "version": a.opts.Version, "uptimeMs": time.Since(a.opts.Started).Milliseconds(), "ready": true, "activeRuns": a.runs.Active()}
	if svc.Health != nil {
		rd := svc.Health.Ready(r.Context())
		out["ready"] = rd.Ready
		if !rd.Ready {
			out["status"] = "degraded"
			out["failing"] = rd.Failing
		}
		if snap, err := svc.Health.Snapshot(r.Context(), false); err == nil {
			loaded := snap.Plugins.Loaded
			if loaded == nil {
				loaded = []string{}
			}
			errs := make([]map[string]any, 0, len(snap.Plugins.Errors))
			for _, e := range snap.Plugins.Errors {
				errs = append(errs, map[string]any{"id": e.ID, "error": e.Error})
			}
			out["plugins"] = map[string]any{"loaded": loaded, "errors": errs}
			out["sessions"] = map[string]any{"count": snap.Sessions.Count}
			out["channels"] = channelList(snap.Channels)
		}
	}
	if svc.Agents != nil {
		if l, err := svc.Agents.List(r.Context()); err == nil {
			out["defaultAgentId"] = l.DefaultID
			agents := l.Agents
			if agents == nil {
				agents = []backend.Agent{}
			}
			out["agents"] = agents
		}
	}
	if a.opts.Draining() {
		out["status"], out["ready"] = "draining", false
	}
	writeJSON(w, http.StatusOK, out)
}

func channelList(chans []backend.ChannelStatus) []map[string]any {
	out := make([]map[string]any, 0, len(chans))
	for _, ch := range chans {
		status := "disabled"
		accounts := make([]map[string]any, 0, len(ch.Accounts))
		for _, acc := range ch.Accounts {
			switch {
			case acc.Enabled && acc.Running && acc.Connected && status != "error":
				status = "connected"
			case acc.Enabled && acc.LastError != "":
				status = "error"
			case acc.Enabled && status == "disabled":
				status = "disconnected"
			}
			m := map[string]any{"accountId": acc.AccountID, "enabled": acc.Enabled, "configured": acc.Configured, "running": acc.Running, "connected": acc.Connected}
			if acc.LastError != "" {
				m["lastError"] = acc.LastError
			}
			if acc.Probe != nil {
				m["probe"] = acc.Probe
			}
			accounts = append(accounts, m)
		}
		label := ch.Label
		if label == "" {
			label = ch.ID
		}
		out = append(out, map[string]any{"id": ch.ID, "label": label, "status": status, "accounts": accounts})
	}
	return out
}

func (a *API) restChannels(w http.ResponseWriter, r *http.Request) {
	if a.opts.Services.Channels == nil {
		a.unavailable(w, "channels")
		return
	}
	probe, _ := strconv.ParseBool(r.URL.Query().Get("probe"))
	chans, err := a.opts.Services.Channels.Status(r.Context(), backend.ChannelQuery{Probe: probe, Timeout: 10 * time.Second})
	if err != nil {
		a.restFailure(w, r, err, CodeNotFound)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"channels": channelList(chans)})
}

type messageRequest struct {
	Content   string         `json:"content"`
	Message   string         `json:"message"`
	AgentID   string         `json:"agentId"`
	SessionID string         `json:"sessionId"`
	Channel   string         `json:"channel"`
	Metadata  map[string]any `json:"metadata"`
	TimeoutMs int64          `json:"timeoutMs"`
}

// sessionForREST resolves the tutorials' free-form sessionId: an existing
// session (by id or key) continues; anything else names a new API session.
func (a *API) sessionForREST(r *http.Request, agentID, sessionID string) string {
	if sessionID == "" {
		return sessionFor(agentID, "api", "", "")
	}
	if svc := a.opts.Services.Sessions; svc != nil {
		if s, err := svc.Get(r.Context(), sessionID); err == nil {
			return s.Key
		}
	}
	if strings.HasPrefix(sessionID, "agent:") {
		return sessionID
	}
	if agentID == "" {
		agentID = "main"
	}
	return "agent:" + agentID + ":api:" + sessionID
}

// runTurn runs one synchronous turn and writes the REST run result.
func (a *API) runTurn(w http.ResponseWriter, r *http.Request, agentPath string, body messageRequest) {
	text := body.Content
	if text == "" {
		text = body.Message
	}
	if strings.TrimSpace(text) == "" {
		restError(w, http.StatusBadRequest, CodeInvalidRequest, "content is required", map[string]any{"param": "content"})
		return
	}
	if body.TimeoutMs < 0 {
		restError(w, http.StatusBadRequest, CodeInvalidRequest, "timeoutMs must be >= 0", map[string]any{"param": "timeoutMs"})
		return
	}
	agentID := agentPath
	if agentID == "" {
		agentID = body.AgentID
	}
	tgt, err := a.agentTarget(r.Context(), agentID)
	if err != nil {
		a.restFailure(w, r, err, CodeNotFound)
		return
	}
	start := time.Now()
	runID := runs.NewID()
	res, err := a.runs.RunSync(r.Context(), backend.RunRequest{
		RunID: runID, SessionKey: a.sessionForREST(r, tgt.AgentID, body.SessionID), AgentID: tgt.AgentID, Message: text,
		Timeout: time.Duration(body.TimeoutMs) * time.Millisecond, Origin: "rest",
	}, nil)
	if err != nil {
		a.restFailure(w, r, err, CodeNotFound)
		return
	}
	sessionID := res.SessionID
	if sessionID == "" {
		sessionID = body.SessionID
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"status": "completed", "runId": runID, "finalReply": res.Text, "toolCalls": toolCallList(res.ToolCalls),
		"durationMs": time.Since(start).Milliseconds(), "agentId": firstNonEmpty(res.AgentID, tgt.AgentID),
		"sessionId": sessionID, "sessionKey": res.SessionKey, "messageId": res.MessageID, "usage": res.Usage,
	})
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func (a *API) restMessages(w http.ResponseWriter, r *http.Request) {
	var body messageRequest
	if err := readJSON(w, r, maxRESTBody, &body); err != nil {
		a.restFailure(w, r, err, CodeNotFound)
		return
	}
	a.runTurn(w, r, "", body)
}

func (a *API) restInvoke(w http.ResponseWriter, r *http.Request) {
	var body messageRequest
	if err := readJSON(w, r, maxRESTBody, &body); err != nil {
		a.restFailure(w, r, err, CodeNotFound)
		return
	}
	a.runTurn(w, r, r.PathValue("agentId"), body)
}

func (a *API) restDeleteMessage(w http.ResponseWriter, r *http.Request) {
	if a.opts.Services.Sessions == nil {
		a.unavailable(w, "sessions")
		return
	}
	id := r.PathValue("id")
	if err := a.opts.Services.Sessions.DeleteMessage(r.Context(), id); err != nil {
		a.restFailure(w, r, err, CodeNotFound)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"deleted": true, "id": id})
}

type chatBody struct {
	Message   string `json:"message"`
	SessionID string `json:"session_id"`
	Model     string `json:"model"`
	AgentID   string `json:"agent_id"`
}

// prepareChat validates a /chat request and resolves its session and
// model.
func (a *API) prepareChat(w http.ResponseWriter, r *http.Request) (backend.RunRequest, bool) {
	var body chatBody
	if err := readJSON(w, r, maxRESTBody, &body); err != nil {
		a.restFailure(w, r, err, CodeNotFound)
		return backend.RunRequest{}, false
	}
	if strings.TrimSpace(body.Message) == "" {
		restError(w, http.StatusBadRequest, CodeInvalidRequest, "message is required", map[string]any{"param": "message"})
		return backend.RunRequest{}, false
	}
	tgt, err := a.agentTarget(r.Context(), body.AgentID)
	if err != nil {
		a.restFailure(w, r, err, CodeNotFound)
		return backend.RunRequest{}, false
	}
	if body.Model != "" {
		mt, err := a.resolveTarget(r.Context(), body.Model)
		if err != nil {
			a.restFailure(w, r, err, CodeModelNotFound)
			return backend.RunRequest{}, false
		}
		if mt.Model == "" && mt.AgentID != "" {
			tgt.AgentID = mt.AgentID
		}
		tgt.Model = mt.Model
	}
	run := backend.RunRequest{RunID: runs.NewID(), AgentID: tgt.AgentID, Model: tgt.Model, Message: body.Message, Origin: "rest"}
	svc := a.opts.Services.Sessions
	switch {
	case body.SessionID != "" && svc != nil:
		s, err := svc.Get(r.Context(), body.SessionID)
		if err != nil {
			a.restFailure(w, r, err, CodeSessionNotFound)
			return backend.RunRequest{}, false
		}
		run.SessionKey = s.Key
	case body.SessionID != "":
		run.SessionKey = body.SessionID
	case svc != nil:
		s, err := svc.Create(r.Context(), backend.SessionCreate{AgentID: tgt.AgentID, Model: tgt.Model})
		if err != nil {
			a.restFailure(w, r, err, CodeNotFound)
			return backend.RunRequest{}, false
		}
		run.SessionKey = s.Key
		a.emit(webhooks.EventSessionCreated, restSession(s, false))
	default:
		run.SessionKey = sessionFor(tgt.AgentID, "api", "", "")
	}
	return run, true
}

// sessionIDOf returns the id clients use for a session key.
func (a *API) sessionIDOf(r *http.Request, key, fallback string) string {
	if fallback != "" {
		return fallback
	}
	if svc := a.opts.Services.Sessions; svc != nil {
		if s, err := svc.Get(r.Context(), key); err == nil && s.SessionID != "" {
			return s.SessionID
		}
	}
	return key
}

func (a *API) restChat(w http.ResponseWriter, r *http.Request) {
	run, ok := a.prepareChat(w, r)
	if !ok {
		return
	}
	res, err := a.runs.RunSync(r.Context(), run, nil)
	if err != nil {
		a.restFailure(w, r, err, CodeNotFound)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"response": res.Text, "session_id": a.sessionIDOf(r, run.SessionKey, res.SessionID), "run_id": run.RunID,
		"tokens": map[string]any{"input": res.Usage.InputTokens, "output": res.Usage.OutputTokens},
	})
}

func (a *API) restChatStream(w http.ResponseWriter, r *http.Request) {
	run, ok := a.prepareChat(w, r)
	if !ok {
		return
	}
	sse := newSSE(w)
	began := false
	var text textStream
	emit := func(ev backend.RunEvent) {
		if ev.Kind != backend.EventDelta {
			return
		}
		if s, ok := text.next(ev.Text, ev.Replace); ok && s != "" {
			began = true
			sse.event("", map[string]any{"text": s})
		}
	}
	res, err := a.runs.RunSync(r.Context(), run, emit)
	if r.Context().Err() != nil {
		return
	}
	if err != nil {
		if !began {
			a.restFailure(w, r, err, CodeNotFound)
			return
		}
		sse.event("", map[string]any{"error": map[string]any{"code": CodeInternalError, "message": err.Error()}})
		sse.done()
		return
	}
	if s, ok := text.next(res.Text, true); ok && s != "" {
		sse.event("", map[string]any{"text": s})
	}
	if text.broken {
		sse.event("", map[string]any{"error": map[string]any{"code": CodeInternalError, "message": "the reply was corrected in a way a stream cannot express"}})
	}
	sse.done()
}

func (a *API) restCreateSession(w http.ResponseWriter, r *http.Request) {
	svc := a.opts.Services.Sessions
	if svc == nil {
		a.unavailable(w, "sessions")
		return
	}
	var body struct {
		Name    string `json:"name"`
		Model   string `json:"model"`
		AgentID string `json:"agentId"`
		Key     string `json:"key"`
	}
	if err := readJSON(w, r, maxRESTBody, &body); err != nil {
		a.restFailure(w, r, err, CodeNotFound)
		return
	}
	tgt, err := a.agentTarget(r.Context(), body.AgentID)
	if err != nil {
		a.restFailure(w, r, err, CodeNotFound)
		return
	}
	model := ""
	if body.Model != "" {
		mt, err := a.resolveTarget(r.Context(), body.Model)
		if err != nil {
			a.restFailure(w, r, err, CodeModelNotFound)
			return
		}
		model = mt.Model
	}
	if body.Key != "" && reservedSessionKey(body.Key) {
		restError(w, http.StatusBadRequest, CodeInvalidRequest, fmt.Sprintf("session key %q uses a reserved internal namespace", body.Key), map[string]any{"param": "key"})
		return
	}
	s, err := svc.Create(r.Context(), backend.SessionCreate{AgentID: tgt.AgentID, Key: body.Key, Label: body.Name, Model: model})
	if err != nil {
		a.restFailure(w, r, err, CodeNotFound)
		return
	}
	out := restSession(s, false)
	a.emit(webhooks.EventSessionCreated, out)
	writeJSON(w, http.StatusCreated, out)
}

// pageParams reads limit and offset.
func pageParams(r *http.Request, defLimit int) (int, int, error) {
	q := r.URL.Query()
	limit, offset := defLimit, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return 0, 0, &paramError{"limit", "limit must be an integer between 1 and 1000"}
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, 0, &paramError{"offset", "offset must be a non-negative integer"}
		}
		offset = n
	}
	return limit, offset, nil
}

func (a *API) restListSessions(w http.ResponseWriter, r *http.Request) {
	svc := a.opts.Services.Sessions
	if svc == nil {
		a.unavailable(w, "sessions")
		return
	}
	limit, offset, err := pageParams(r, 50)
	if err != nil {
		a.restFailure(w, r, err, CodeNotFound)
		return
	}
	q := r.URL.Query()
	page, err := svc.List(r.Context(), backend.SessionQuery{AgentID: q.Get("agentId"), Search: q.Get("search"), Limit: limit, Offset: offset})
	if err != nil {
		a.restFailure(w, r, err, CodeNotFound)
		return
	}
	active := a.runs.ActiveSessions()
	list := make([]map[string]any, 0, len(page.Sessions))
	for _, s := range page.Sessions {
		list = append(list, restSession(s, active[s.Key]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": list, "total": page.Total, "limit": limit, "offset": offset})
}

func (a *API) restGetSession(w http.ResponseWriter, r *http.Request) {
	svc := a.opts.Services.Sessions
	if svc == nil {
		a.unavailable(w, "sessions")
		return
	}
	s, err := svc.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		a.restFailure(w, r, err, CodeSessionNotFound)
		return
	}
	writeJSON(w, http.StatusOK, restSession(s, a.runs.ActiveSessions()[s.Key]))
}

func (a *API) restDeleteSession(w http.ResponseWriter, r *http.Request) {
	svc := a.opts.Services.Sessions
	if svc == nil {
		a.unavailable(w, "sessions")
		return
	}
	id := r.PathValue("id")
	s, err := svc.Delete(r.Context(), id, true)
	if err != nil {
		a.restFailure(w, r, err, CodeSessionNotFound)
		return
	}
	a.emit(webhooks.EventSessionDeleted, restSession(s, false))
	writeJSON(w, http.StatusOK, map[string]any{"deleted": true, "id": id})
}

func (a *API) restSessionMessages(w http.ResponseWriter, r *http.Request) {
	svc := a.opts.Services.Sessions
	if svc == nil {
		a.unavailable(w, "sessions")
		return
	}
	limit, offset, err := pageParams(r, 50)
	if err != nil {
		a.restFailure(w, r, err, CodeNotFound)
		return
	}
	order := r.URL.Query().Get("order")
	if order == "" {
		order = "asc"
	}
	if order != "asc" && order != "desc" {
		restError(w, http.StatusBadRequest, CodeInvalidRequest, "order must be asc or desc", map[string]any{"param": "order"})
		return
	}
	h, err := svc.History(r.Context(), backend.HistoryQuery{Ref: r.PathValue("id"), Limit: limit, Offset: offset, Newest: order == "desc"})
	if err != nil {
		a.restFailure(w, r, err, CodeSessionNotFound)
		return
	}
	msgs := make([]map[string]any, 0, len(h.Messages))
	for _, m := range h.Messages {
		msgs = append(msgs, restMessage(m, h.SessionID))
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessionId": h.SessionID, "messages": msgs, "total": h.Total, "limit": limit, "offset": offset, "order": order})
}

func (a *API) restSkills(w http.ResponseWriter, r *http.Request) {
	if a.opts.Services.Skills == nil {
		a.unavailable(w, "skills")
		return
	}
	rep, err := a.opts.Services.Skills.Status(r.Context(), backend.SkillQuery{AgentID: r.URL.Query().Get("agentId")})
	if err != nil {
		a.restFailure(w, r, err, CodeNotFound)
		return
	}
	skills := rep.Skills
	if skills == nil {
		skills = []backend.SkillInfo{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"agentId": rep.AgentID, "skills": skills})
}

// restRunSkill runs a skill the way a chat user would: a leading
// "/<skill> <input>" message, which the agent expands into the skill's
// instructions.
func (a *API) restRunSkill(w http.ResponseWriter, r *http.Request) {
	if a.opts.Services.Skills == nil {
		a.unavailable(w, "skills")
		return
	}
	var body struct {
		Params    map[string]any `json:"params"`
		AgentID   string         `json:"agentId"`
		SessionID string         `json:"sessionId"`
	}
	if err := readJSON(w, r, maxRESTBody, &body); err != nil {
		a.restFailure(w, r, err, CodeNotFound)
		return
	}
	name := r.PathValue("name")
	tgt, err := a.agentTarget(r.Context(), body.AgentID)
	if err != nil {
		a.restFailure(w, r, err, CodeNotFound)
		return
	}
	rep, err := a.opts.Services.Skills.Status(r.Context(), backend.SkillQuery{AgentID: tgt.AgentID})
	if err != nil {
		a.restFailure(w, r, err, CodeNotFound)
		return
	}
	var skill *backend.SkillInfo
	for i := range rep.Skills {
		if rep.Skills[i].Name == name {
			skill = &rep.Skills[i]
		}
	}
	switch {
	case skill == nil:
		restError(w, http.StatusNotFound, CodeNotFound, fmt.Sprintf("skill %q not found", name), nil)
		return
	case !skill.Eligible || skill.Disabled:
		restError(w, http.StatusBadRequest, CodeInvalidRequest, fmt.Sprintf("skill %q is not eligible for this agent", name), map[string]any{"missing": skill.Missing, "disabled": skill.Disabled})
		return
	}
	input := ""
	if s, ok := body.Params["input"].(string); ok && len(body.Params) == 1 {
		input = s
	} else if len(body.Params) > 0 {
		b, _ := json.Marshal(body.Params)
		input = string(b)
	}
	start := time.Now()
	runID := runs.NewID()
	res, err := a.runs.RunSync(r.Context(), backend.RunRequest{
		RunID: runID, SessionKey: a.sessionForREST(r, tgt.AgentID, body.SessionID), AgentID: tgt.AgentID,
		Message: strings.TrimSpace("/" + name + " " + input), Origin: "rest",
	}, nil)
	if err != nil {
		a.restFailure(w, r, err, CodeNotFound)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "completed", "skill": name, "output": res.Text, "runId": runID, "sessionId": res.SessionID,
		"durationMs": time.Since(start).Milliseconds(), "toolCalls": toolCallList(res.ToolCalls)})
}

func (a *API) restGetConfig(w http.ResponseWriter, r *http.Request) {
	if a.opts.Services.Config == nil {
		a.unavailable(w, "config")
		return
	}
	snap, err := a.opts.Services.Config.Get(r.Context())
	if err != nil {
		a.restFailure(w, r, err, CodeNotFound)
		return
	}
	cfg := snap.Parsed
	if cfg == nil {
		cfg = map[string]any{}
	}
	issues := snap.Issues
	if issues == nil {
		issues = []backend.Issue{}
	}
	w.Header().Set("ETag", `"`+snap.Hash+`"`)
	writeJSON(w, http.StatusOK, map[string]any{"config": cfg, "hash": snap.Hash, "path": snap.Path, "valid": snap.Valid, "issues": issues})
}

func (a *API) restPatchConfig(w http.ResponseWriter, r *http.Request) {
	if a.opts.Services.Config == nil {
		a.unavailable(w, "config")
		return
	}
	var patch map[string]any
	if err := readJSON(w, r, maxRESTBody, &patch); err != nil {
		a.restFailure(w, r, err, CodeNotFound)
		return
	}
	raw, _ := json.Marshal(patch)
	base := strings.Trim(r.Header.Get("If-Match"), `"`)
	res, err := a.opts.Services.Config.Patch(r.Context(), backend.ConfigWrite{Raw: string(raw), BaseHash: base, Note: "PATCH /api/v1/config"})
	if err != nil {
		a.restFailure(w, r, err, CodeNotFound)
		return
	}
	cfg := res.Config
	if cfg == nil {
		cfg = map[string]any{}
	}
	w.Header().Set("ETag", `"`+res.Hash+`"`)
	writeJSON(w, http.StatusOK, map[string]any{"config": cfg, "hash": res.Hash, "restartRequired": res.RestartRequired})
}

func publicWebhook(h webhooks.Webhook) map[string]any {
	return map[string]any{"id": h.ID, "url": h.URL, "events": h.Events, "description": h.Description, "createdAt": rfc3339(h.CreatedAt)}
}

func (a *API) restCreateWebhook(w http.ResponseWriter, r *http.Request) {
	var body struct {
		URL         string   `json:"url"`
		Events      []string `json:"events"`
		Secret      string   `json:"secret"`
		Description string   `json:"description"`
	}
	if err := readJSON(w, r, maxRESTBody, &body); err != nil {
		a.restFailure(w, r, err, CodeNotFound)
		return
	}
	h, err := a.opts.Webhooks.Create(webhooks.NewInput{URL: body.URL, Events: body.Events, Secret: body.Secret, Description: body.Description})
	if err != nil {
		restError(w, http.StatusBadRequest, CodeInvalidRequest, err.Error(), nil)
		return
	}
	out := publicWebhook(h)
	out["secret"] = h.Secret // shown on creation so receivers can verify signatures
	writeJSON(w, http.StatusCreated, out)
}

func (a *API) restListWebhooks(w http.ResponseWriter, r *http.Request) {
	list := a.opts.Webhooks.List()
	out := make([]map[string]any, 0, len(list))
	for _, h := range list {
		out = append(out, publicWebhook(h))
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhooks": out})
}

func (a *API) restGetWebhook(w http.ResponseWriter, r *http.Request) {
	h, err := a.opts.Webhooks.Get(r.PathValue("id"))
	if err != nil {
		a.restFailure(w, r, err, CodeNotFound)
		return
	}
	writeJSON(w, http.StatusOK, publicWebhook(h))
}

func (a *API) restDeleteWebhook(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := a.opts.Webhooks.Delete(id); err != nil {
		a.restFailure(w, r, err, CodeNotFound)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"deleted": true, "id": id})
}

func (a *API) restTestWebhook(w http.ResponseWriter, r *http.Request) {
	h, err := a.opts.Webhooks.Get(r.PathValue("id"))
	if err != nil {
		a.restFailure(w, r, err, CodeNotFound)
		return
	}
	writeJSON(w, http.StatusOK, a.opts.Dispatch.Test(r.Context(), h))
}

// emit raises a webhook event when webhooks are wired.
func (a *API) emit(eventType string, data any) {
	if a.opts.Dispatch != nil {
		a.opts.Dispatch.Emit(eventType, data)
	}
}
