package httpapi

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/gateway/runs"
	"github.com/openclaw-go/openclaw/core/gateway/webhooks"
)

// REST error codes (the tutorials' list, plus the generic ones every API needs).
const (
	CodeInvalidAPIKey    = "INVALID_API_KEY"
	CodeRateLimit        = "RATE_LIMIT"
	CodeModelNotFound    = "MODEL_NOT_FOUND"
	CodeSessionNotFound  = "SESSION_NOT_FOUND"
	CodeInternalError    = "INTERNAL_ERROR"
	CodeInvalidRequest   = "INVALID_REQUEST"
	CodeNotFound         = "NOT_FOUND"
	CodeMethodNotAllowed = "METHOD_NOT_ALLOWED"
	CodeConflict         = "CONFLICT"
	CodePayloadTooLarge  = "PAYLOAD_TOO_LARGE"
	CodeUnavailable      = "UNAVAILABLE"
	CodeTimeout          = "TIMEOUT"
)

// restCodes lists every code, for the OpenAPI error schema.
var restCodes = []string{CodeInvalidAPIKey, CodeRateLimit, CodeModelNotFound, CodeSessionNotFound, CodeInternalError,
	CodeInvalidRequest, CodeNotFound, CodeMethodNotAllowed, CodeConflict, CodePayloadTooLarge, CodeUnavailable, CodeTimeout}

// maxRESTBody bounds REST request bodies.
const maxRESTBody = 2 << 20

// restError writes the envelope {"error": {"code", "message", "details"}}.
func restError(w http.ResponseWriter, status int, code, msg string, details map[string]any) {
	if details == nil {
		details = map[string]any{}
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg, "details": details}})
}

// restFailure maps a backend error onto the envelope. notFound is the code
// to use for backend.ErrNotFound (SESSION_NOT_FOUND, MODEL_NOT_FOUND, ...).
func (a *API) restFailure(w http.ResponseWriter, r *http.Request, err error, notFound string) {
	var ve *backend.ValidationError
	var re *backend.RunError
	var be *bodyError
	var pe *paramError
	switch {
	case r.Context().Err() != nil:
		return // the client is gone
	case errors.As(err, &be):
		code := CodeInvalidRequest
		if be.status == http.StatusRequestEntityTooLarge {
			code = CodePayloadTooLarge
		}
		restError(w, be.status, code, be.msg, nil)
	case errors.As(err, &pe):
		restError(w, http.StatusBadRequest, CodeInvalidRequest, pe.msg, map[string]any{"param": pe.param})
	case errors.As(err, &ve):
		restError(w, http.StatusBadRequest, CodeInvalidRequest, err.Error(), map[string]any{"issues": ve.Issues})
	case errors.As(err, &re):
		status, code := http.StatusInternalServerError, CodeInternalError
		switch re.Kind {
		case "timeout":
			status, code = http.StatusGatewayTimeout, CodeTimeout
		case "rate_limit":
			status, code = http.StatusTooManyRequests, CodeRateLimit
		case "model_not_found":
			status, code = http.StatusNotFound, CodeModelNotFound
		}
		restError(w, status, code, re.Message, map[string]any{"errorKind": re.Kind})
	case errors.Is(err, backend.ErrNotFound), errors.Is(err, webhooks.ErrNotFound):
		restError(w, http.StatusNotFound, notFound, err.Error(), nil)
	case errors.Is(err, backend.ErrConflict):
		restError(w, http.StatusConflict, CodeConflict, err.Error(), nil)
	case errors.Is(err, backend.ErrInvalid):
		restError(w, http.StatusBadRequest, CodeInvalidRequest, err.Error(), nil)
	case errors.Is(err, backend.ErrForbidden):
		restError(w, http.StatusForbidden, CodeInvalidRequest, err.Error(), nil)
	case errors.Is(err, runs.ErrDraining), errors.Is(err, runs.ErrNoChat), errors.Is(err, backend.ErrUnavailable):
		restError(w, http.StatusServiceUnavailable, CodeUnavailable, err.Error(), nil)
	default:
		a.log.Error("REST request failed", "method", r.Method, "path", r.URL.Path, "error", err)
		restError(w, http.StatusInternalServerError, CodeInternalError, err.Error(), nil)
	}
}

// serveREST authenticates and dispatches /api/v1/*, answering unknown
// routes and wrong methods with the error envelope.
func (a *API) serveREST(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/api/v1/openapi.json" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(a.openapi)
		return
	}
	if _, fail := a.authenticate(r); fail != nil {
		fail.setHeaders(w)
		code := CodeInvalidAPIKey
		if fail.status == http.StatusTooManyRequests {
			code = CodeRateLimit
		} else if fail.status == http.StatusServiceUnavailable {
			code = CodeUnavailable
		}
		details := map[string]any{}
		if fail.detailCode != "" {
			details["authCode"] = fail.detailCode
		}
		if fail.retryAfter > 0 {
			details["retryAfterMs"] = fail.retryAfter.Milliseconds()
		}
		restError(w, fail.status, code, fail.message, details)
		return
	}
	h, pattern := a.rest.Handler(r)
	if pattern != "" {
		a.rest.ServeHTTP(w, r) // (the mux, not h, fills in path values)
		return
	}
	// Let the mux decide between 404 and 405, then speak the envelope.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code == http.StatusMethodNotAllowed {
		allow := rec.Header().Get("Allow")
		w.Header().Set("Allow", allow)
		restError(w, http.StatusMethodNotAllowed, CodeMethodNotAllowed, r.Method+" is not allowed on "+r.URL.Path, map[string]any{"allow": strings.Split(allow, ", ")})
		return
	}
	restError(w, http.StatusNotFound, CodeNotFound, "no route for "+r.Method+" "+r.URL.Path, nil)
}

func rfc3339(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func restSession(s backend.Session, active bool) map[string]any {
	return map[string]any{
		"id": s.SessionID, "key": s.Key, "agentId": s.AgentID, "name": s.Label, "model": s.Model, "channel": s.Channel,
		"createdAt": rfc3339(s.CreatedAt), "updatedAt": rfc3339(s.UpdatedAt), "messageCount": s.MessageCount, "active": active || s.Active,
	}
}

func restMessage(m backend.Message, sessionID string) map[string]any {
	out := map[string]any{"id": m.ID, "sessionId": sessionID, "role": m.Role, "content": m.Text, "createdAt": rfc3339(m.CreatedAt)}
	if m.Model != "" {
		out["model"] = m.Model
	}
	if len(m.ToolCalls) > 0 {
		out["toolCalls"] = m.ToolCalls
	}
	return out
}

func toolCallList(calls []backend.ToolCall) []backend.ToolCall {
	if calls == nil {
		return []backend.ToolCall{}
	}
	return calls
}
