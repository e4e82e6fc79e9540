// Package fakemodel is a scripted stand-in for the model APIs the gateway
// speaks: OpenAI Chat Completions (POST /v1/chat/completions), OpenAI
// Responses (POST /v1/responses) and Anthropic Messages (POST /v1/messages),
// each as plain JSON or as a server-sent event stream, plus GET /v1/models.
//
// A test scripts the replies, points a provider's baseUrl at the server and
// inspects the requests it received:
//
//	srv := fakemodel.New(t)
//	srv.Script(fakemodel.Call("get_time", `{"zone":"UTC"}`), fakemodel.Text("It is noon."))
//	// models.providers.fake: {baseUrl: srv.OpenAIBaseURL(), api: "openai-completions"}
//	...
//	req := srv.Requests()[1] // the second request carries the tool's result
//
// Replies are taken from the per-model script first, then the shared script,
// then the responder (by default an HTTP 500 saying nothing was scripted, so
// a test cannot pass by accident). New accepts a nil testing.TB, so benchmark
// programs can use the server too; they must call Close themselves.
package fakemodel

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// API names, as models.providers.*.api spells them.
const (
	APICompletions = "openai-completions"
	APIResponses   = "openai-responses"
	APIMessages    = "anthropic-messages"
)

// Reply is one scripted answer. The zero Reply answers with empty text.
type Reply struct {
	// Text is the assistant's reply.
	Text string
	// Thinking is reasoning sent before the text.
	Thinking string
	// ToolCalls asks the client to run tools.
	ToolCalls []ToolCall
	// Chunks is how many pieces streamed text is cut into (default 3).
	Chunks int
	// Usage overrides the word-count usage the server computes.
	Usage *Usage
	// Finish overrides the finish reason: "stop", "length" or "tool_calls".
	Finish string

	// Status, when not 2xx, makes the reply an error with Error as message.
	Status int
	Error  string
	// RetryAfter is sent as the Retry-After header (whole seconds).
	RetryAfter time.Duration

	// Delay waits before answering; ChunkDelay waits between stream events.
	Delay      time.Duration
	ChunkDelay time.Duration

	// Raw is sent verbatim as the body: as an event stream when the
	// request streams, else as JSON. It scripts malformed answers.
	Raw string
	// Truncate ends a stream without its final events, as a dropped
	// connection would.
	Truncate bool
}

// ToolCall is a scripted tool call. An empty ID is filled in the API's style.
type ToolCall struct {
	ID        string
	Name      string
	Arguments string
}

// Usage is token usage in a reply.
type Usage struct {
	Input, Output, CacheRead, CacheWrite int
}

// Text returns a reply with text.
func Text(s string) Reply { return Reply{Text: s} }

// Call returns a reply that asks for one tool call.
func Call(name, arguments string) Reply {
	return Reply{ToolCalls: []ToolCall{{Name: name, Arguments: arguments}}}
}

// Fail returns an error reply.
func Fail(status int, message string) Reply { return Reply{Status: status, Error: message} }

// RateLimited returns a 429 reply with a Retry-After hint.
func RateLimited(after time.Duration) Reply {
	return Reply{Status: http.StatusTooManyRequests, Error: "rate limit exceeded, slow down", RetryAfter: after}
}

// EchoResponder answers "echo: " and the last user message; use it with
// Respond for load tests and smoke runs.
func EchoResponder(r Request) Reply { return Text("echo: " + r.LastUserText()) }

// Request is a request the server received, parsed whatever its API.
type Request struct {
	API    string
	Method string
	Path   string
	Header http.Header
	Body   []byte
	// Fields holds the body's top-level fields, for checking params
	// passed through.
	Fields    map[string]json.RawMessage
	Model     string
	Stream    bool
	System    string
	Messages  []Message
	Tools     []string
	MaxTokens int
}

// Message is one message of a request, in a shape common to the three APIs.
type Message struct {
	// Role is "system", "user", "assistant" or "tool".
	Role       string
	Text       string
	Images     []string
	ToolCalls  []ToolCall
	ToolCallID string
	IsError    bool
}

// LastUserText returns the text of the last user message.
func (r Request) LastUserText() string {
	for i := len(r.Messages) - 1; i >= 0; i-- {
		if r.Messages[i].Role == "user" {
			return r.Messages[i].Text
		}
	}
	return ""
}

// ToolResults returns the tool-result messages.
func (r Request) ToolResults() []Message {
	var out []Message
	for _, m := range r.Messages {
		if m.Role == "tool" {
			out = append(out, m)
		}
	}
	return out
}

// APIKey returns the credential the request carried.
func (r Request) APIKey() string {
	if k := r.Header.Get("X-Api-Key"); k != "" {
		return k
	}
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	// URL is the server's root, "http://127.0.0.1:port".
	URL string

	srv *httptest.Server

	mu       sync.Mutex
	queue    []Reply
	byModel  map[string][]Reply
	respond  func(Request) Reply
	requests []Request
	keys     map[string]bool
	models   []string
	nextID   int
}

// New starts a server. With a non-nil t it is closed when the test ends.
func New(t testing.TB) *Server {
	s := &Server{byModel: make(map[string][]Reply)}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	if t != nil {
		t.Cleanup(s.Close)
	}
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// OpenAIBaseURL is the baseUrl for openai-completions and openai-responses.
func (s *Server) OpenAIBaseURL() string { return s.URL + "/v1" }

// AnthropicBaseURL is the baseUrl for anthropic-messages.
func (s *Server) AnthropicBaseURL() string { return s.URL }

// Script queues replies for any model, answered in order.
func (s *Server) Script(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, replies...)
}

// ScriptModel queues replies for requests naming model; they are used before
// the shared script.
func (s *Server) ScriptModel(model string, replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byModel[model] = append(s.byModel[model], replies...)
}

// Respond sets the function that answers when no scripted reply is left.
func (s *Server) Respond(fn func(Request) Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.respond = fn
}

// RequireKey makes the server answer 401 unless a request carries one of keys
// (as a bearer token or x-api-key).
func (s *Server) RequireKey(keys ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = make(map[string]bool)
	for _, k := range keys {
		s.keys[k] = true
	}
}

// Models sets the ids GET /v1/models lists, besides scripted ones.
func (s *Server) Models(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.models = append(s.models, ids...)
}

// Requests returns the model requests received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Pending reports how many scripted replies are still unused.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.queue)
	for _, q := range s.byModel {
		n += len(q)
	}
	return n
}

func (s *Server) next(req Request) Reply {
	s.mu.Lock()
	if q := s.byModel[req.Model]; len(q) > 0 {
		s.byModel[req.Model] = q[1:]
		s.mu.Unlock()
		return q[0]
	}
	if len(s.queue) > 0 {
		r := s.queue[0]
		s.queue = s.queue[1:]
		s.mu.Unlock()
		return r
	}
	fn := s.respond
	s.mu.Unlock()
	if fn != nil {
		return fn(req)
	}
	return Fail(http.StatusInternalServerError, fmt.Sprintf("fakemodel: no scripted reply for model %q", req.Model))
}

func (s *Server) id(prefix string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	return fmt.Sprintf("%s%d", prefix, s.nextID)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	var api string
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/models":
		s.serveModels(w, r)
		return
	case r.Method == http.MethodPost && r.URL.Path == "/v1/chat/completions":
		api = APICompletions
	case r.Method == http.MethodPost && r.URL.Path == "/v1/responses":
		api = APIResponses
	case r.Method == http.MethodPost && r.URL.Path == "/v1/messages":
		api = APIMessages
	default:
		writeError(w, "", http.StatusNotFound, fmt.Sprintf("fakemodel: no route for %s %s", r.Method, r.URL.Path), 0)
		return
	}
	req, err := parseRequest(api, r)
	if err != nil {
		writeError(w, api, http.StatusBadRequest, err.Error(), 0)
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	keys := s.keys
	s.mu.Unlock()
	if keys != nil && !keys[req.APIKey()] {
		writeError(w, api, http.StatusUnauthorized, "invalid api key", 0)
		return
	}
	reply := s.next(req)
	if !sleep(r, reply.Delay) {
		return
	}
	if reply.Status != 0 && reply.Status/100 != 2 {
		writeError(w, api, reply.Status, reply.Error, reply.RetryAfter)
		return
	}
	if reply.Raw != "" {
		if req.Stream {
			w.Header().Set("Content-Type", "text/event-stream")
		} else {
			w.Header().Set("Content-Type", "application/json")
		}
		_, _ = w.Write([]byte(reply.Raw))
		return
	}
	reply = s.complete(api, req, reply)
	switch {
	case !req.Stream:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(wholeBody(api, req, reply, s.id))
	default:
		streamReply(w, r, api, req, reply, s.id)
	}
}

// complete fills in ids and usage.
func (s *Server) complete(api string, req Request, r Reply) Reply {
	calls := make([]ToolCall, len(r.ToolCalls))
	for i, c := range r.ToolCalls {
		if c.ID == "" {
			if api == APIMessages {
				c.ID = s.id("toolu_")
			} else {
				c.ID = s.id("call_")
			}
		}
		if c.Arguments == "" {
			c.Arguments = "{}"
		}
		calls[i] = c
	}
	r.ToolCalls = calls
	if r.Usage == nil {
		in := len(strings.Fields(req.System))
		for _, m := range req.Messages {
			in += len(strings.Fields(m.Text))
		}
		out := len(strings.Fields(r.Text)) + len(strings.Fields(r.Thinking))
		for _, c := range r.ToolCalls {
			out += 1 + len(strings.Fields(c.Arguments))
		}
		r.Usage = &Usage{Input: in, Output: out}
	}
	if r.Chunks <= 0 {
		r.Chunks = 3
	}
	if r.Finish == "" {
		r.Finish = "stop"
		if len(r.ToolCalls) > 0 {
			r.Finish = "tool_calls"
		}
	}
	return r
}

func (s *Server) serveModels(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ids := append([]string(nil), s.models...)
	for m := range s.byModel {
		ids = append(ids, m)
	}
	s.mu.Unlock()
	seen := make(map[string]bool)
	var data []map[string]any
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if r.Header.Get("anthropic-version") != "" {
			data = append(data, map[string]any{"type": "model", "id": id, "display_name": id, "created_at": "2026-01-01T00:00:00Z"})
		} else {
			data = append(data, map[string]any{"id": id, "object": "model", "created": 0, "owned_by": "fakemodel"})
		}
	}
	if data == nil {
		data = []map[string]any{}
	}
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("anthropic-version") != "" {
		_ = json.NewEncoder(w).Encode(map[string]any{"data": data, "has_more": false})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data})
}

// writeError answers in the API's error shape.
func writeError(w http.ResponseWriter, api string, status int, msg string, retryAfter time.Duration) {
	if retryAfter > 0 {
		secs := int((retryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", fmt.Sprint(secs))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if msg == "" {
		msg = http.StatusText(status)
	}
	if api == APIMessages {
		_ = json.NewEncoder(w).Encode(map[string]any{"type": "error", "error": map[string]string{"type": anthropicErrorType(status), "message": msg}})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": openAIErrorType(status), "code": nil}})
}

func anthropicErrorType(status int) string {
	switch status {
	case 400:
		return "invalid_request_error"
	case 401:
		return "authentication_error"
	case 403:
		return "permission_error"
	case 404:
		return "not_found_error"
	case 413:
		return "request_too_large"
	case 429:
		return "rate_limit_error"
	case 529:
		return "overloaded_error"
	}
	return "api_error"
}

func openAIErrorType(status int) string {
	switch {
	case status == 401:
		return "invalid_api_key"
	case status == 429:
		return "rate_limit_exceeded"
	case status >= 500:
		return "server_error"
	}
	return "invalid_request_error"
}

// sleep waits d unless the client goes away first.
func sleep(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}
