package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/openclaw-go/openclaw/core/gateway/auth"
	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/gateway/runs"
)

type responsesRequest struct {
	Model              string          `json:"model"`
	Input              json.RawMessage `json:"input"`
	Instructions       string          `json:"instructions"`
	Tools              json.RawMessage `json:"tools"`
	ToolChoice         json.RawMessage `json:"tool_choice"`
	Stream             bool            `json:"stream"`
	MaxOutputTokens    *float64        `json:"max_output_tokens"`
	Temperature        *float64        `json:"temperature"`
	TopP               *float64        `json:"top_p"`
	User               string          `json:"user"`
	PreviousResponseID string          `json:"previous_response_id"`
}

type responseItem struct {
	Type      string          `json:"type"`
	Role      string          `json:"role"`
	Content   json.RawMessage `json:"content"`
	CallID    string          `json:"call_id"`
	Name      string          `json:"name"`
	Arguments string          `json:"arguments"`
	Output    json.RawMessage `json:"output"`
}

// responseSessions remembers which session a response id belongs to, so
// previous_response_id can continue it. Bounded; oldest entries go first.
type responseSessions struct {
	mu    sync.Mutex
	max   int
	order []string
	byID  map[string]responseSession
}

type responseSession struct {
	sessionKey, agentID, subject, explicitKey string
}

func newResponseSessions(max int) *responseSessions {
	return &responseSessions{max: max, byID: map[string]responseSession{}}
}

func (s *responseSessions) put(id string, rs responseSession) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.order) >= s.max {
		delete(s.byID, s.order[0])
		s.order = s.order[1:]
	}
	s.order = append(s.order, id)
	s.byID[id] = rs
}

func (s *responseSessions) get(id string) (responseSession, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rs, ok := s.byID[id]
	return rs, ok
}

func subjectOf(p auth.Principal) string { return p.Method + ":" + p.TokenID }

// responseContent flattens message content parts.
func responseContent(raw json.RawMessage, param string) (string, []backend.Attachment, []string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil, nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil, nil, nil
	}
	var parts []struct {
		Type     string `json:"type"`
		Text     string `json:"text"`
		ImageURL string `json:"image_url"`
		Source   *struct {
			Type      string `json:"type"`
			URL       string `json:"url"`
			MediaType string `json:"media_type"`
			Data      string `json:"data"`
			Filename  string `json:"filename"`
		} `json:"source"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", nil, nil, &paramError{param, param + " must be a string or an array of content parts"}
	}
	var text []string
	var atts []backend.Attachment
	var files []string
	for i, p := range parts {
		where := fmt.Sprintf("%s[%d]", param, i)
		switch p.Type {
		case "input_text", "output_text", "text":
			text = append(text, p.Text)
		case "input_image":
			switch {
			case p.Source != nil && p.Source.Type == "base64" && p.Source.Data != "":
				atts = append(atts, backend.Attachment{Type: "image", MimeType: p.Source.MediaType, Content: "data:" + p.Source.MediaType + ";base64," + p.Source.Data})
			case strings.HasPrefix(p.ImageURL, "data:"):
				atts = append(atts, backend.Attachment{Type: "image", Content: p.ImageURL})
			default:
				return "", nil, nil, &paramError{where, "input_image needs a base64 source; URL sources are not fetched by this gateway"}
			}
		case "input_file":
			if p.Source == nil || p.Source.Type != "base64" {
				return "", nil, nil, &paramError{where, "input_file needs a base64 source; URL sources are not fetched by this gateway"}
			}
			data, err := base64.StdEncoding.DecodeString(p.Source.Data)
			if err != nil {
				return "", nil, nil, &paramError{where, "input_file source.data is not valid base64"}
			}
			if len(data) > 5<<20 {
				return "", nil, nil, &paramError{where, "input_file is larger than 5 MB"}
			}
			files = append(files, fmt.Sprintf("<<<EXTERNAL_UNTRUSTED_CONTENT id=%q>>>\nSource: External\nFile: %s (%s)\n%s\n<<<END_EXTERNAL_UNTRUSTED_CONTENT id=%q>>>",
				p.Source.Filename, p.Source.Filename, p.Source.MediaType, string(data), p.Source.Filename))
		default:
			return "", nil, nil, &paramError{where, fmt.Sprintf("content part type %q is not supported", p.Type)}
		}
	}
	return strings.Join(text, "\n"), atts, files, nil
}

func (a *API) buildResponsesRun(r *http.Request, req *responsesRequest, principal auth.Principal) (backend.RunRequest, string, error) {
	if err := rangeCheck("temperature", req.Temperature, 0, 2); err != nil {
		return backend.RunRequest{}, "", err
	}
	if err := rangeCheck("top_p", req.TopP, 0, 1); err != nil {
		return backend.RunRequest{}, "", err
	}
	maxTok, err := positiveInt("max_output_tokens", req.MaxOutputTokens)
	if err != nil {
		return backend.RunRequest{}, "", err
	}
	tools, choice, err := parseResponseTools(req.Tools, req.ToolChoice)
	if err != nil {
		return backend.RunRequest{}, "", err
	}
	var items []responseItem
	var plain string
	switch {
	case len(req.Input) == 0 || string(req.Input) == "null":
		return backend.RunRequest{}, "", &paramError{"input", "input is required"}
	case json.Unmarshal(req.Input, &plain) == nil:
		items = []responseItem{{Type: "message", Role: "user", Content: req.Input}}
	default:
		if err := json.Unmarshal(req.Input, &items); err != nil {
			return backend.RunRequest{}, "", &paramError{"input", "input must be a string or an array of items"}
		}
	}
	system := []string{}
	if req.Instructions != "" {
		system = append(system, req.Instructions)
	}
	var history []backend.HistoryMessage
	var message string
	var atts []backend.Attachment
	current := -1
	for i := len(items) - 1; i >= 0; i-- {
		it := items[i]
		if (it.Type == "message" || (it.Type == "" && it.Role != "")) && it.Role == "user" || it.Type == "function_call_output" {
			current = i
			break
		}
	}
	if current < 0 {
		return backend.RunRequest{}, "", &paramError{"input", "input needs a user message or a function_call_output"}
	}
	for i, it := range items {
		param := fmt.Sprintf("input[%d]", i)
		typ := it.Type
		if typ == "" && it.Role != "" {
			typ = "message"
		}
		switch typ {
		case "message":
			text, a2, files, err := responseContent(it.Content, param+".content")
			if err != nil {
				return backend.RunRequest{}, "", err
			}
			system = append(system, files...)
			switch it.Role {
			case "system", "developer":
				system = append(system, text)
			case "user", "assistant":
				if i == current {
					message, atts = text, a2
				} else {
					history = append(history, backend.HistoryMessage{Role: it.Role, Text: text})
				}
			default:
				return backend.RunRequest{}, "", &paramError{param + ".role", fmt.Sprintf("unknown role %q", it.Role)}
			}
		case "function_call_output":
			out := string(it.Output)
			var s string
			if json.Unmarshal(it.Output, &s) == nil {
				out = s
			}
			history = append(history, backend.HistoryMessage{Role: "tool", Text: out, ToolCallID: it.CallID})
		case "function_call":
			history = append(history, backend.HistoryMessage{Role: "assistant", ToolCalls: []backend.ClientToolCall{{ID: it.CallID, Name: it.Name, Arguments: it.Arguments}}})
		case "reasoning", "item_reference":
			// accepted for compatibility, not used for the prompt
		default:
			return backend.RunRequest{}, "", &paramError{param + ".type", fmt.Sprintf("item type %q is not supported", it.Type)}
		}
	}

	tgt, explicit, err := a.requestTarget(r, req.Model)
	if err != nil {
		return backend.RunRequest{}, "", err
	}
	key := sessionFor(tgt.AgentID, "responses", explicit, req.User)
	if req.PreviousResponseID != "" {
		prev, ok := a.responses.get(req.PreviousResponseID)
		if ok && prev.agentID == tgt.AgentID && prev.subject == subjectOf(principal) && prev.explicitKey == explicit {
			key = prev.sessionKey
		}
	}
	run := backend.RunRequest{
		SessionKey: key, AgentID: tgt.AgentID, Message: message, Attachments: atts, History: history,
		ExtraSystemPrompt: strings.Join(system, "\n\n"), Model: tgt.Model, ClientTools: tools, ToolChoice: choice, Origin: "responses",
		Sampling: backend.Sampling{MaxTokens: maxTok, Temperature: req.Temperature, TopP: req.TopP},
	}
	return run, explicit, nil
}

func parseResponseTools(rawTools, rawChoice json.RawMessage) ([]backend.ClientTool, string, error) {
	var tools []backend.ClientTool
	if len(rawTools) > 0 && string(rawTools) != "null" {
		var entries []struct {
			Type        string          `json:"type"`
			Name        string          `json:"name"`
			Description string          `json:"description"`
			Parameters  json.RawMessage `json:"parameters"`
		}
		if err := json.Unmarshal(rawTools, &entries); err != nil {
			return nil, "", &paramError{"tools", "tools must be an array of function tools"}
		}
		for i, e := range entries {
			if e.Type != "function" || e.Name == "" {
				return nil, "", &paramError{fmt.Sprintf("tools[%d]", i), "only function tools with a name are supported"}
			}
			tools = append(tools, backend.ClientTool{Name: e.Name, Description: e.Description, Parameters: e.Parameters})
		}
	}
	if len(rawChoice) == 0 || string(rawChoice) == "null" {
		return tools, "", nil
	}
	var s string
	if json.Unmarshal(rawChoice, &s) == nil {
		if s != "auto" && s != "none" && s != "required" {
			return nil, "", &paramError{"tool_choice", fmt.Sprintf("tool_choice %q is not supported", s)}
		}
		if s == "required" && len(tools) == 0 {
			return nil, "", &paramError{"tool_choice", "tool_choice \"required\" needs tools"}
		}
		return tools, s, nil
	}
	var obj struct {
		Type string `json:"type"`
		Name string `json:"name"`
	}
	if err := json.Unmarshal(rawChoice, &obj); err != nil || obj.Type != "function" {
		return nil, "", &paramError{"tool_choice", "tool_choice must be auto, none, required or {\"type\":\"function\",\"name\":...}"}
	}
	for _, t := range tools {
		if t.Name == obj.Name {
			return tools, obj.Name, nil
		}
	}
	return nil, "", &paramError{"tool_choice", fmt.Sprintf("tool_choice names %q, which is not among the provided tools", obj.Name)}
}

type responseBuilder struct {
	id, model, msgID string
	created          int64
}

func (b *responseBuilder) object(status string, output []map[string]any, res *backend.RunResult, errObj map[string]any) map[string]any {
	obj := map[string]any{
		"id": b.id, "object": "response", "created_at": b.created, "status": status, "model": b.model,
		"output": output, "error": errObj, "incomplete_details": nil, "parallel_tool_calls": true,
	}
	if output == nil {
		obj["output"] = []any{}
	}
	if res != nil {
		u := res.Usage
		total := u.TotalTokens
		if total == 0 {
			total = u.InputTokens + u.OutputTokens
		}
		obj["usage"] = map[string]any{"input_tokens": u.InputTokens, "output_tokens": u.OutputTokens, "total_tokens": total}
		if status == "incomplete" {
			obj["incomplete_details"] = map[string]any{"reason": "max_output_tokens"}
		}
	}
	return obj
}

func (b *responseBuilder) message(text, status string) map[string]any {
	return map[string]any{"type": "message", "id": b.msgID, "status": status, "role": "assistant",
		"content": []map[string]any{{"type": "output_text", "text": text, "annotations": []any{}}}}
}

func functionCallItems(calls []backend.ClientToolCall) []map[string]any {
	out := make([]map[string]any, 0, len(calls))
	for _, c := range calls {
		out = append(out, map[string]any{"type": "function_call", "id": "fc_" + c.ID, "call_id": c.ID, "name": c.Name, "arguments": c.Arguments, "status": "completed"})
	}
	return out
}

func responseStatus(res backend.RunResult) string {
	if res.StopReason == "length" {
		return "incomplete"
	}
	return "completed"
}

func (a *API) createResponse(w http.ResponseWriter, r *http.Request) {
	principal, _ := a.authenticate(r) // already checked by openAI()
	var req responsesRequest
	if err := readJSON(w, r, maxOpenAIBody, &req); err != nil {
		var be *bodyError
		errors.As(err, &be)
		openAIError(w, be.status, "invalid_request_error", be.msg)
		return
	}
	run, explicit, err := a.buildResponsesRun(r, &req, principal)
	if err != nil {
		status, typ, code := runFailure(err)
		openAIError(w, status, typ, err.Error(), code, errParam(err))
		return
	}
	suffix := strings.TrimPrefix(runs.NewID(), "run_")
	b := &responseBuilder{id: "resp_" + suffix, msgID: "msg_" + suffix, model: req.Model, created: time.Now().Unix()}
	run.RunID = "run_" + suffix
	choice := run.ToolChoice
	remember := func(res backend.RunResult) {
		key := res.SessionKey
		if key == "" {
			key = run.SessionKey
		}
		a.responses.put(b.id, responseSession{sessionKey: key, agentID: run.AgentID, subject: subjectOf(principal), explicitKey: explicit})
	}
	if req.Stream {
		a.streamResponse(w, r, b, run, choice, remember)
		return
	}
	res, err := a.runs.RunSync(r.Context(), run, nil)
	if err != nil {
		if r.Context().Err() != nil {
			return
		}
		status, typ, code := runFailure(err)
		openAIError(w, status, typ, err.Error(), code)
		return
	}
	if requiredToolMissing(choice, res) {
		openAIError(w, http.StatusBadGateway, "api_error", "the agent answered without calling the required tool")
		return
	}
	remember(res)
	status := responseStatus(res)
	output := []map[string]any{}
	if res.Text != "" || len(res.ClientToolCalls) == 0 {
		output = append(output, b.message(res.Text, status))
	}
	output = append(output, functionCallItems(res.ClientToolCalls)...)
	writeJSON(w, http.StatusOK, b.object(status, output, &res, nil))
}

func (a *API) streamResponse(w http.ResponseWriter, r *http.Request, b *responseBuilder, run backend.RunRequest, choice string, remember func(backend.RunResult)) {
	sse := newSSE(w)
	seq := 0
	send := func(typ string, fields map[string]any) {
		fields["type"] = typ
		fields["sequence_number"] = seq
		seq++
		sse.event(typ, fields)
	}
	hold := choice != "" && choice != "auto" && choice != "none"
	var text textStream
	began := false
	begin := func() {
		if began {
			return
		}
		began = true
		send("response.created", map[string]any{"response": b.object("in_progress", nil, nil, nil)})
		send("response.in_progress", map[string]any{"response": b.object("in_progress", nil, nil, nil)})
		send("response.output_item.added", map[string]any{"output_index": 0, "item": map[string]any{"type": "message", "id": b.msgID, "status": "in_progress", "role": "assistant", "content": []any{}}})
		send("response.content_part.added", map[string]any{"item_id": b.msgID, "output_index": 0, "content_index": 0, "part": map[string]any{"type": "output_text", "text": "", "annotations": []any{}}})
	}
	delta := func(s string) {
		send("response.output_text.delta", map[string]any{"item_id": b.msgID, "output_index": 0, "content_index": 0, "delta": s})
	}
	fail := func(msg, code string) {
		send("response.failed", map[string]any{"response": b.object("failed", nil, nil, map[string]any{"code": code, "message": msg})})
		sse.done()
	}
	emit := func(ev backend.RunEvent) {
		begin()
		if ev.Kind != backend.EventDelta || hold {
			return
		}
		if s, ok := text.next(ev.Text, ev.Replace); ok && s != "" {
			delta(s)
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
		if code == "" {
			code = "server_error"
		}
		fail(err.Error(), code)
		return
	}
	begin()
	if hold && requiredToolMissing(choice, res) {
		fail("the agent answered without calling the required tool", "server_error")
		return
	}
	if s, ok := text.next(res.Text, true); ok && s != "" {
		delta(s)
	}
	if text.broken {
		fail("the reply was corrected in a way a stream cannot express; retry without stream", "server_error")
		return
	}
	remember(res)
	status := responseStatus(res)
	full := text.sent.String()
	part := map[string]any{"type": "output_text", "text": full, "annotations": []any{}}
	send("response.output_text.done", map[string]any{"item_id": b.msgID, "output_index": 0, "content_index": 0, "text": full})
	send("response.content_part.done", map[string]any{"item_id": b.msgID, "output_index": 0, "content_index": 0, "part": part})
	msg := b.message(full, status)
	send("response.output_item.done", map[string]any{"output_index": 0, "item": msg})
	output := []map[string]any{msg}
	for i, fc := range functionCallItems(res.ClientToolCalls) {
		send("response.output_item.added", map[string]any{"output_index": i + 1, "item": fc})
		send("response.output_item.done", map[string]any{"output_index": i + 1, "item": fc})
		output = append(output, fc)
	}
	final := "response.completed"
	if status == "incomplete" {
		final = "response.incomplete"
	}
	send(final, map[string]any{"response": b.object(status, output, &res, nil)})
	sse.done()
}
