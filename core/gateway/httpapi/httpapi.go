// Package httpapi serves the gateway's HTTP surfaces on the shared port:
// liveness and readiness probes, the OpenAI-compatible /v1 endpoints
// (chat completions, models, responses), POST /tools/invoke, and the REST
// API under /api/v1 with its OpenAPI document and webhooks.
//
// Every surface authenticates with the same Authenticator as the WebSocket
// protocol (Bearer token: the shared token or password, or a named API
// token) and reports failures in its own documented error shape.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/openclaw-go/openclaw/core/gateway/auth"
	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/gateway/runs"
	"github.com/openclaw-go/openclaw/core/gateway/webhooks"
)

// Endpoints switches the optional OpenAI-compatible surfaces
// (gateway.http.endpoints.*.enabled; both off by default).
type Endpoints struct {
	ChatCompletions bool
	Responses       bool
}

// ToolPolicy adjusts the /tools/invoke deny list (gateway.tools).
type ToolPolicy struct {
	Allow []string // removed from the default deny list
	Deny  []string // added to it
}

// Options configure the HTTP API.
type Options struct {
	Services  backend.Services
	Runs      *runs.Registry // shared with the WebSocket server
	Auth      *auth.Authenticator
	Endpoints Endpoints
	Tools     ToolPolicy
	// Webhooks and Dispatch back /api/v1/webhooks; nil disables it.
	Webhooks *webhooks.Store
	Dispatch *webhooks.Dispatcher
	Version  string
	Logger   hclog.Logger
	// Draining reports a shutdown in progress (readiness turns false).
	Draining func() bool
	Started  time.Time
}

// API is the HTTP handler for every non-WebSocket request.
type API struct {
	opts      Options
	log       hclog.Logger
	runs      *runs.Registry
	mux       *http.ServeMux
	rest      *http.ServeMux
	routes    []Route
	responses *responseSessions
	openapi   []byte
}

// New builds the API.
func New(opts Options) (*API, error) {
	if opts.Auth == nil {
		return nil, errors.New("httpapi: Options.Auth is required")
	}
	if opts.Runs == nil {
		opts.Runs = runs.New(opts.Services.Chat, runs.Options{})
	}
	if opts.Draining == nil {
		opts.Draining = func() bool { return false }
	}
	if opts.Started.IsZero() {
		opts.Started = time.Now()
	}
	log := opts.Logger
	if log == nil {
		log = hclog.NewNullLogger()
	}
	a := &API{opts: opts, log: log.Named("http"), runs: opts.Runs, mux: http.NewServeMux(), rest: http.NewServeMux(), responses: newResponseSessions(1000)}
	for _, p := range []string{"/health", "/healthz"} {
		a.mux.HandleFunc("GET "+p, a.live)
	}
	for _, p := range []string{"/ready", "/readyz"} {
		a.mux.HandleFunc("GET "+p, a.ready)
	}
	for _, p := range []string{"/startup", "/startupz"} {
		a.mux.HandleFunc("GET "+p, a.startup)
	}
	a.mux.HandleFunc("/v1/", a.openAI)
	a.mux.HandleFunc("/tools/invoke", a.toolsInvoke)
	a.mux.HandleFunc("/api/v1/", a.serveREST)
	a.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]any{"message": "no route for " + r.Method + " " + r.URL.Path, "type": "not_found"}})
	})
	a.registerREST()
	doc, err := json.MarshalIndent(a.openAPIDocument(), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("build OpenAPI document: %w", err)
	}
	a.openapi = doc
	return a, nil
}

// ServeHTTP implements http.Handler.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// authFailure is a refused request: status and a message for the body.
type authFailure struct {
	status     int
	message    string
	detailCode string
	retryAfter time.Duration
}

// authenticate checks the request's Bearer credential.
func (a *API) authenticate(r *http.Request) (auth.Principal, *authFailure) {
	tok := auth.BearerToken(r.Header.Get("Authorization"))
	p, err := a.opts.Auth.Authenticate(r.RemoteAddr, auth.Credentials{Token: tok})
	if err == nil {
		return p, nil
	}
	var f *auth.Failure
	if !errors.As(err, &f) {
		a.log.Error("authentication error", "error", err)
		return auth.Principal{}, &authFailure{status: http.StatusServiceUnavailable, message: "authentication is unavailable"}
	}
	if f.RateLimited() {
		return auth.Principal{}, &authFailure{status: http.StatusTooManyRequests, message: f.Message, detailCode: f.DetailCode, retryAfter: f.RetryAfter}
	}
	return auth.Principal{}, &authFailure{status: http.StatusUnauthorized, message: f.Message, detailCode: f.DetailCode}
}

func (f *authFailure) setHeaders(w http.ResponseWriter) {
	if f.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(f.retryAfter.Seconds()))))
	}
	if f.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="openclaw"`)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"message":"internal error encoding the response"}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b)
	w.Write([]byte("\n"))
}

// bodyError explains why a request body could not be read.
type bodyError struct {
	status int
	msg    string
}

func (e *bodyError) Error() string { return e.msg }

// readJSON decodes the request body (at most limit bytes) into v.
func readJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	body := http.MaxBytesReader(w, r.Body, limit)
	data, err := io.ReadAll(body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &bodyError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("request body exceeds %d bytes", limit)}
		}
		return &bodyError{status: http.StatusBadRequest, msg: "read request body: " + err.Error()}
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return &bodyError{status: http.StatusBadRequest, msg: "request body is empty; send a JSON object"}
	}
	if err := json.Unmarshal(data, v); err != nil {
		return &bodyError{status: http.StatusBadRequest, msg: "invalid JSON body: " + describeJSONError(err)}
	}
	return nil
}

func describeJSONError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			return "body must be a JSON object"
		}
		return fmt.Sprintf("%s has the wrong type (got %s)", field, te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%v at byte %d", se, se.Offset)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func (a *API) live(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "status": "live"})
}

func (a *API) startup(w http.ResponseWriter, _ *http.Request) {
	if a.opts.Draining() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"ok": false, "status": "draining"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "status": "started"})
}

// ready reports readiness; details (which parts fail) only go to local or
// authenticated callers because they name subsystems.
func (a *API) ready(w http.ResponseWriter, r *http.Request) {
	ready, failing := true, []string(nil)
	if a.opts.Draining() {
		ready, failing = false, []string{"draining"}
	} else if h := a.opts.Services.Health; h != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		rd := h.Ready(ctx)
		cancel()
		ready, failing = rd.Ready, rd.Failing
	}
	status, code := "ready", http.StatusOK
	if !ready {
		status, code = "not-ready", http.StatusServiceUnavailable
	}
	body := map[string]any{"ok": ready, "status": status}
	detailed := auth.IsLoopback(auth.ClientIP(r.RemoteAddr))
	if !detailed && r.Header.Get("Authorization") != "" {
		_, fail := a.authenticate(r)
		detailed = fail == nil
	}
	if detailed {
		body["version"] = a.opts.Version
		body["uptimeMs"] = time.Since(a.opts.Started).Milliseconds()
		if len(failing) > 0 {
			body["failing"] = failing
		}
	}
	writeJSON(w, code, body)
}
