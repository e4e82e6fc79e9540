package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/gateway/runs"
)

// maxOpenAIBody is OpenClaw's request-body limit for /v1/*.
const maxOpenAIBody = 20 << 20

// maxImageParts caps image_url parts taken from the latest user message.
const maxImageParts = 8

// openAIError writes {"error": {"message", "type", "code"?, "param"?}}.
func openAIError(w http.ResponseWriter, status int, typ, msg string, extra ...string) {
	e := map[string]any{"message": msg, "type": typ}
	if len(extra) > 0 && extra[0] != "" {
		e["code"] = extra[0]
	}
	if len(extra) > 1 && extra[1] != "" {
		e["param"] = extra[1]
	}
	writeJSON(w, status, map[string]any{"error": e})
}

func badRequest(w http.ResponseWriter, msg string, param string) {
	openAIError(w, http.StatusBadRequest, "invalid_request_error", msg, "", param)
}

// openAI routes /v1/*. Each surface is off unless enabled, and then it
// sits behind Bearer auth.
func (a *API) openAI(w http.ResponseWriter, r *http.Request) {
	ep := a.opts.Endpoints
	path := r.URL.Path
	var method string
	var handler http.HandlerFunc
	switch {
	case path == "/v1/chat/completions" && ep.ChatCompletions:
		method, handler = http.MethodPost, a.chatCompletions
	case path == "/v1/responses" && ep.Responses:
		method, handler = http.MethodPost, a.createResponse
	case path == "/v1/models" && (ep.ChatCompletions || ep.Responses):
		method, handler = http.MethodGet, a.listModels
	case strings.HasPrefix(path, "/v1/models/") && (ep.ChatCompletions || ep.Responses):
		method, handler = http.MethodGet, a.getModel
	default:
		openAIError(w, http.StatusNotFound, "not_found", "no route for "+r.Method+" "+path+" (is gateway.http.endpoints.*.enabled set?)")
		return
	}
	if r.Method != method && !(method == http.MethodGet && r.Method == http.MethodHead) {
		w.Header().Set("Allow", method)
		openAIError(w, http.StatusMethodNotAllowed, "invalid_request_error", r.Method+" is not allowed on "+path+"; use "+method)
		return
	}
	if _, fail := a.authenticate(r); fail != nil {
		fail.setHeaders(w)
		typ := "unauthorized"
		if fail.status == http.StatusTooManyRequests {
			typ = "rate_limit_error"
		}
		openAIError(w, fail.status, typ, fail.message, fail.detailCode)
		return
	}
	handler(w, r)
}

// agentModelIDs lists the model ids /v1/models offers: agent targets.
func (a *API) agentModelIDs(ctx context.Context) ([]string, error) {
	ids := []string{"openclaw", "openclaw/default"}
	if a.opts.Services.Agents == nil {
		return ids, nil
	}
	list, err := a.opts.Services.Agents.List(ctx)
	if err != nil {
		return nil, err
	}
	for _, ag := range list.Agents {
		ids = append(ids, "openclaw/"+ag.ID)
	}
	return ids, nil
}

func modelObject(id string, created int64) map[string]any {
	return map[string]any{"id": id, "object": "model", "created": created, "owned_by": "openclaw"}
}

func (a *API) listModels(w http.ResponseWriter, r *http.Request) {
	ids, err := a.agentModelIDs(r.Context())
	if err != nil {
		openAIError(w, http.StatusInternalServerError, "api_error", "list agents: "+err.Error())
		return
	}
	data := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		data = append(data, modelObject(id, a.opts.Started.Unix()))
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data})
}

func (a *API) getModel(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/v1/models/")
	ids, err := a.agentModelIDs(r.Context())
	if err != nil {
		openAIError(w, http.StatusInternalServerError, "api_error", "list agents: "+err.Error())
		return
	}
	for _, known := range ids {
		if known == id {
			writeJSON(w, http.StatusOK, modelObject(id, a.opts.Started.Unix()))
			return
		}
	}
	openAIError(w, http.StatusNotFound, "invalid_request_error", fmt.Sprintf("model %q not found", id), "model_not_found", "model")
}

type chatToolCall struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

type chatMessage struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content"`
	Name       string          `json:"name"`
	ToolCallID string          `json:"tool_call_id"`
	ToolCalls  []chatToolCall  `json:"tool_calls"`
}

type chatRequest struct {
	Model         string        `json:"model"`
	Messages      []chatMessage `json:"messages"`
	Stream        bool          `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	User                string          `json:"user"`
	Tools               json.RawMessage `json:"tools"`
	ToolChoice          json.RawMessage `json:"tool_choice"`
	MaxTokens           *float64        `json:"max_tokens"`
	MaxCompletionTokens *float64        `json:"max_completion_tokens"`
	Temperature         *float64        `json:"temperature"`
	TopP                *float64        `json:"top_p"`
	FrequencyPenalty    *float64        `json:"frequency_penalty"`
	PresencePenalty     *float64        `json:"presence_penalty"`
	Seed                *float64        `json:"seed"`
	Stop                json.RawMessage `json:"stop"`
}

// paramError is a 400 naming the offending parameter.
type paramError struct{ param, msg string }

func (e *paramError) Error() string { return e.msg }

func rangeCheck(name string, v *float64, lo, hi float64) error {
	if v != nil && (*v < lo || *v > hi || math.IsNaN(*v)) {
		return &paramError{name, fmt.Sprintf("%s must be between %g and %g", name, lo, hi)}
	}
	return nil
}

func positiveInt(name string, v *float64) (int, error) {
	if v == nil {
		return 0, nil
	}
	if *v < 1 || *v != math.Trunc(*v) || *v > 1<<53-1 {
		return 0, &paramError{name, name + " must be a positive integer"}
	}
	return int(*v), nil
}

// contentText flattens message content: a string, or text parts. Image
// parts are returned separately.
func contentText(raw json.RawMessage, param string) (string, []backend.Attachment, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil, nil
	}
	var parts []struct {
		Type     string `json:"type"`
		Text     string `json:"text"`
		ImageURL *struct {
			URL string `json:"url"`
		} `json:"image_url"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", nil, &paramError{param, param + " must be a string or an array of content parts"}
	}
	var b strings.Builder
	var images []backend.Attachment
	for _, p := range parts {
		switch p.Type {
		case "text":
			if b.Len() > 0 {
				b.WriteString("\n")
			}
			b.WriteString(p.Text)
		case "image_url":
			if p.ImageURL == nil || p.ImageURL.URL == "" {
				return "", nil, &paramError{param, "image_url part needs image_url.url"}
			}
			u := p.ImageURL.URL
			if !strings.HasPrefix(u, "data:") {
				return "", nil, &paramError{param, "URL-sourced image_url parts are disabled; send a data: URL (gateway.http.endpoints.chatCompletions.images.allowUrl)"}
			}
			mime := strings.TrimPrefix(strings.SplitN(u, ";", 2)[0], "data:")
			images = append(images, backend.Attachment{Type: "image", MimeType: mime, Content: u})
		default:
			return "", nil, &paramError{param, fmt.Sprintf("content part type %q is not supported", p.Type)}
		}
	}
	return b.String(), images, nil
}

// buildChatRun validates an OpenAI chat request and turns it into a run.
func (a *API) buildChatRun(r *http.Request, req *chatRequest) (backend.RunRequest, string, error) {
	checks := []error{
		rangeCheck("temperature", req.Temperature, 0, 2),
		rangeCheck("top_p", req.TopP, 0, 1),
		rangeCheck("frequency_penalty", req.FrequencyPenalty, -2, 2),
		rangeCheck("presence_penalty", req.PresencePenalty, -2, 2),
	}
	for _, err := range checks {
		if err != nil {
			return backend.RunRequest{}, "", err
		}
	}
	if req.Seed != nil && *req.Seed != math.Trunc(*req.Seed) {
		return backend.RunRequest{}, "", &paramError{"seed", "seed must be an integer"}
	}
	maxTok, err := positiveInt("max_tokens", req.MaxTokens)
	if err != nil {
		return backend.RunRequest{}, "", err
	}
	maxCompletion, err := positiveInt("max_completion_tokens", req.MaxCompletionTokens)
	if err != nil {
		return backend.RunRequest{}, "", err
	}
	if maxCompletion > 0 {
		maxTok = maxCompletion
	}
	stop, err := parseStop(req.Stop)
	if err != nil {
		return backend.RunRequest{}, "", err
	}
	tools, err := parseChatTools(req.Tools)
	if err != nil {
		return backend.RunRequest{}, "", err
	}
	choice, err := parseChatToolChoice(req.ToolChoice, tools)
	if err != nil {
		return backend.RunRequest{}, "", err
	}
	if len(req.Messages) == 0 {
		return backend.RunRequest{}, "", &paramError{"messages", "messages must contain at least one message"}
	}

	var system []string
	var convo []chatMessage
	for i, m := range req.Messages {
		switch m.Role {
		case "system", "developer":
			text, _, err := contentText(m.Content, fmt.Sprintf("messages[%d].content", i))
			if err != nil {
				return backend.RunRequest{}, "", err
			}
			system = append(system, text)
		case "user", "assistant", "tool", "function":
			convo = append(convo, m)
		default:
			return backend.RunRequest{}, "", &paramError{fmt.Sprintf("messages[%d].role", i), fmt.Sprintf("unknown role %q", m.Role)}
		}
	}
	if len(convo) == 0 || (convo[len(convo)-1].Role != "user" && convo[len(convo)-1].Role != "tool" && convo[len(convo)-1].Role != "function") {
		return backend.RunRequest{}, "", &paramError{"messages", "the last message must be from the user or a tool result"}
	}
	var history []backend.HistoryMessage
	for i, m := range convo[:len(convo)-1] {
		text, _, err := contentText(m.Content, fmt.Sprintf("messages[%d].content", i))
		if err != nil {
			return backend.RunRequest{}, "", err
		}
		hm := backend.HistoryMessage{Role: m.Role, Text: text, ToolCallID: m.ToolCallID}
		if m.Role == "function" {
			hm.Role = "tool"
		}
		for _, tc := range m.ToolCalls {
			hm.ToolCalls = append(hm.ToolCalls, backend.ClientToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments})
		}
		history = append(history, hm)
	}
	last := convo[len(convo)-1]
	text, images, err := contentText(last.Content, "messages[-1].content")
	if err != nil {
		return backend.RunRequest{}, "", err
	}
	if len(images) > maxImageParts {
		return backend.RunRequest{}, "", &paramError{"messages", fmt.Sprintf("at most %d image_url parts are accepted in the latest user message", maxImageParts)}
	}
	if last.Role != "user" {
		// A tool result continues the turn; keep it in history so the
		// agent sees which call it answers.
		history = append(history, backend.HistoryMessage{Role: "tool", Text: text, ToolCallID: last.ToolCallID})
	}

	tgt, key, err := a.requestTarget(r, req.Model)
	if err != nil {
		return backend.RunRequest{}, "", err
	}
	run := backend.RunRequest{
		SessionKey: sessionFor(tgt.AgentID, "openai", key, req.User), AgentID: tgt.AgentID,
		Message: text, Attachments: images, History: history, ExtraSystemPrompt: strings.Join(system, "\n\n"),
		Model: tgt.Model, ClientTools: tools, ToolChoice: choice, Origin: "openai",
		Sampling: backend.Sampling{MaxTokens: maxTok, Temperature: req.Temperature, TopP: req.TopP, Stop: stop},
	}
	return run, choice, nil
}

func parseStop(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		if one == "" {
			return nil, &paramError{"stop", "stop must not be empty"}
		}
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, &paramError{"stop", "stop must be a string or an array of strings"}
	}
	if len(many) > 4 {
		return nil, &paramError{"stop", "stop accepts at most 4 sequences"}
	}
	for _, s := range many {
		if s == "" {
			return nil, &paramError{"stop", "stop sequences must not be empty"}
		}
	}
	return many, nil
}

func parseChatTools(raw json.RawMessage) ([]backend.ClientTool, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var entries []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, &paramError{"tools", "tools must be an array of function tools"}
	}
	tools := make([]backend.ClientTool, 0, len(entries))
	for i, e := range entries {
		var typ string
		_ = json.Unmarshal(e["type"], &typ)
		if typ != "function" {
			return nil, &paramError{fmt.Sprintf("tools[%d].type", i), "only function tools are supported"}
		}
		var fn struct {
			Name        string          `json:"name"`
			Description string          `json:"description"`
			Parameters  json.RawMessage `json:"parameters"`
		}
		if err := json.Unmarshal(e["function"], &fn); err != nil || fn.Name == "" {
			return nil, &paramError{fmt.Sprintf("tools[%d].function.name", i), "function tools need function.name"}
		}
		tools = append(tools, backend.ClientTool{Name: fn.Name, Description: fn.Description, Parameters: fn.Parameters})
	}
	return tools, nil
}

func parseChatToolChoice(raw json.RawMessage, tools []backend.ClientTool) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch s {
		case "auto", "none", "required":
			if s == "required" && len(tools) == 0 {
				return "", &paramError{"tool_choice", "tool_choice \"required\" needs tools"}
			}
			return s, nil
		}
		return "", &paramError{"tool_choice", fmt.Sprintf("tool_choice %q is not supported; use auto, none, required or a function", s)}
	}
	var obj struct {
		Type     string `json:"type"`
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil || obj.Type != "function" {
		return "", &paramError{"tool_choice", "tool_choice must be auto, none, required or {\"type\":\"function\",\"function\":{\"name\":...}}"}
	}
	for _, t := range tools {
		if t.Name == obj.Function.Name {
			return obj.Function.Name, nil
		}
	}
	return "", &paramError{"tool_choice", fmt.Sprintf("tool_choice names %q, which is not among the provided tools", obj.Function.Name)}
}

// runFailure maps a run error onto an HTTP status and OpenAI error type.
func runFailure(err error) (int, string, string) {
	var re *backend.RunError
	var pe *paramError
	switch {
	case errors.As(err, &pe):
		return http.StatusBadRequest, "invalid_request_error", ""
	case errors.Is(err, backend.ErrNotFound):
		return http.StatusNotFound, "invalid_request_error", "model_not_found"
	case errors.Is(err, backend.ErrInvalid):
		return http.StatusBadRequest, "invalid_request_error", ""
	case errors.Is(err, backend.ErrForbidden):
		return http.StatusForbidden, "forbidden", ""
	case errors.Is(err, runs.ErrDraining), errors.Is(err, runs.ErrNoChat), errors.Is(err, backend.ErrUnavailable):
		return http.StatusServiceUnavailable, "api_error", "unavailable"
	case errors.As(err, &re):
		switch re.Kind {
		case "rate_limit":
			return http.StatusTooManyRequests, "rate_limit_error", re.Kind
		case "timeout":
			return http.StatusGatewayTimeout, "api_error", re.Kind
		case "model_not_found":
			return http.StatusNotFound, "invalid_request_error", "model_not_found"
		}
		return http.StatusBadGateway, "api_error", re.Kind
	}
	return http.StatusInternalServerError, "api_error", ""
}

func errParam(err error) string {
	var pe *paramError
	if errors.As(err, &pe) {
		return pe.param
	}
	return ""
}

func finishReason(res backend.RunResult) string {
	switch {
	case len(res.ClientToolCalls) > 0:
		return "tool_calls"
	case res.StopReason == "length":
		return "length"
	}
	return "stop"
}

func chatUsage(u backend.Usage) map[string]any {
	total := u.TotalTokens
	if total == 0 {
		total = u.InputTokens + u.OutputTokens
	}
	return map[string]any{"prompt_tokens": u.InputTokens, "completion_tokens": u.OutputTokens, "total_tokens": total}
}

func toolCallsJSON(calls []backend.ClientToolCall) []map[string]any {
	out := make([]map[string]any, 0, len(calls))
	for i, c := range calls {
		out = append(out, map[string]any{"index": i, "id": c.ID, "type": "function", "function": map[string]any{"name": c.Name, "arguments": c.Arguments}})
	}
	return out
}

// requiredToolMissing reports a run that ignored a required tool choice.
func requiredToolMissing(choice string, res backend.RunResult) bool {
	if choice == "" || choice == "auto" || choice == "none" {
		return false
	}
	for _, c := range res.ClientToolCalls {
		if choice == "required" || c.Name == choice {
			return false
		}
	}
	return true
}

func (a *API) chatCompletions(w http.ResponseWriter, r *http.Request) {
	var req chatRequest
	if err := readJSON(w, r, maxOpenAIBody, &req); err != nil {
		var be *bodyError
		errors.As(err, &be)
		openAIError(w, be.status, "invalid_request_error", be.msg)
		return
	}
	run, choice, err := a.buildChatRun(r, &req)
	if err != nil {
		status, typ, code := runFailure(err)
		openAIError(w, status, typ, err.Error(), code, errParam(err))
		return
	}
	id := "chatcmpl-" + strings.TrimPrefix(runs.NewID(), "run_")
	run.RunID = strings.Replace(id, "chatcmpl-", "run_", 1)
	created := time.Now().Unix()
	if req.Stream {
		a.streamChat(w, r, req, run, choice, id, created)
		return
	}
	res, err := a.runs.RunSync(r.Context(), run, nil)
	if err != nil {
		if r.Context().Err() != nil {
			return // the client went away; the run was cancelled with it
		}
		status, typ, code := runFailure(err)
		openAIError(w, status, typ, err.Error(), code)
		return
	}
	if requiredToolMissing(choice, res) {
		openAIError(w, http.StatusBadGateway, "api_error", "the agent answered without calling the required tool")
		return
	}
	msg := map[string]any{"role": "assistant", "content": res.Text}
	if len(res.ClientToolCalls) > 0 {
		msg["tool_calls"] = toolCallsJSON(res.ClientToolCalls)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": id, "object": "chat.completion", "created": created, "model": req.Model,
		"choices": []map[string]any{{"index": 0, "message": msg, "finish_reason": finishReason(res), "logprobs": nil}},
		"usage":   chatUsage(res.Usage),
	})
}

// textStream tracks streamed text so corrections that cannot be expressed
// as appends are detected rather than silently corrupting the output.
type textStream struct {
	sent   strings.Builder
	broken bool
}

// next returns what to append for an event (or for the final text, when
// replace is true and text is the full reply).
func (t *textStream) next(text string, replace bool) (string, bool) {
	if t.broken {
		return "", false
	}
	if !replace {
		t.sent.WriteString(text)
		return text, true
	}
	sent := t.sent.String()
	if !strings.HasPrefix(text, sent) {
		t.broken = true
		return "", false
	}
	t.sent.WriteString(text[len(sent):])
	return text[len(sent):], true
}

func (a *API) streamChat(w http.ResponseWriter, r *http.Request, req chatRequest, run backend.RunRequest, choice, id string, created int64) {
	sse := newSSE(w)
	chunk := func(delta map[string]any, finish any) map[string]any {
		return map[string]any{"id": id, "object": "chat.completion.chunk", "created": created, "model": req.Model,
			"choices": []map[string]any{{"index": 0, "delta": delta, "finish_reason": finish}}}
	}
	// Prose for a required tool call is held until the call is confirmed.
	hold := choice != "" && choice != "auto" && choice != "none"
	var text textStream
	began := false
	begin := func() {
		if !began {
			began = true
			sse.event("", chunk(map[string]any{"role": "assistant", "content": ""}, nil))
		}
	}
	emit := func(ev backend.RunEvent) {
		begin()
		if ev.Kind != backend.EventDelta || hold {
			return
		}
		if s, ok := text.next(ev.Text, ev.Replace); ok && s != "" {
			sse.event("", chunk(map[string]any{"content": s}, nil))
		}
	}
	res, err := a.runs.RunSync(r.Context(), run, emit)
	if r.Context().Err() != nil {
		return
	}
	if err != nil {
		status, typ, code := runFailure(err)
		if !began {
			openAIError(w, status, typ, err.Error(), code)
			return
		}
		sse.event("", map[string]any{"error": map[string]any{"message": err.Error(), "type": typ, "code": code}})
		sse.done()
		return
	}
	begin()
	if hold && requiredToolMissing(choice, res) {
		sse.event("", map[string]any{"error": map[string]any{"message": "the agent answered without calling the required tool", "type": "api_error"}})
		sse.done()
		return
	}
	if s, ok := text.next(res.Text, true); ok && s != "" {
		sse.event("", chunk(map[string]any{"content": s}, nil))
	}
	if text.broken {
		sse.event("", map[string]any{"error": map[string]any{"message": "the reply was corrected in a way a stream cannot express; retry without stream", "type": "api_error"}})
		sse.done()
		return
	}
	if len(res.ClientToolCalls) > 0 {
		sse.event("", chunk(map[string]any{"tool_calls": toolCallsJSON(res.ClientToolCalls)}, nil))
	}
	sse.event("", chunk(map[string]any{}, finishReason(res)))
	if req.StreamOptions != nil && req.StreamOptions.IncludeUsage {
		sse.event("", map[string]any{"id": id, "object": "chat.completion.chunk", "created": created, "model": req.Model, "choices": []any{}, "usage": chatUsage(res.Usage)})
	}
	sse.done()
}
