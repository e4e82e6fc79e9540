package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
)

// maxToolsBody is /tools/invoke's request-body limit.
const maxToolsBody = 2 << 20

// defaultHTTPDeny are tools never reachable over HTTP unless
// gateway.tools.allow lifts them: command execution, file mutation, session
// orchestration and the gateway's own control plane.
var defaultHTTPDeny = []string{"exec", "spawn", "shell", "fs_write", "fs_delete", "fs_move", "apply_patch",
	"sessions_spawn", "sessions_send", "cron", "gateway", "nodes"}

func (a *API) toolDenied(name string) bool {
	for _, d := range a.opts.Tools.Deny {
		if d == name {
			return true
		}
	}
	for _, d := range defaultHTTPDeny {
		if d != name {
			continue
		}
		for _, allowed := range a.opts.Tools.Allow {
			if allowed == name {
				return false
			}
		}
		return true
	}
	return false
}

func toolError(w http.ResponseWriter, status int, typ, msg string) {
	writeJSON(w, status, map[string]any{"ok": false, "error": map[string]any{"type": typ, "message": msg}})
}

func (a *API) toolsInvoke(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		toolError(w, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed; use POST")
		return
	}
	if _, fail := a.authenticate(r); fail != nil {
		fail.setHeaders(w)
		typ := "unauthorized"
		if fail.status == http.StatusTooManyRequests {
			typ = "rate_limited"
		}
		toolError(w, fail.status, typ, fail.message)
		return
	}
	if a.opts.Services.Tools == nil {
		toolError(w, http.StatusServiceUnavailable, "unavailable", "tools are not available on this gateway")
		return
	}
	var body struct {
		Tool           string         `json:"tool"`
		Name           string         `json:"name"`
		Action         string         `json:"action"`
		Args           map[string]any `json:"args"`
		SessionKey     string         `json:"sessionKey"`
		AgentID        string         `json:"agentId"`
		IdempotencyKey string         `json:"idempotencyKey"`
		DryRun         bool           `json:"dryRun"`
	}
	if err := readJSON(w, r, maxToolsBody, &body); err != nil {
		var be *bodyError
		errors.As(err, &be)
		toolError(w, be.status, "invalid_request", be.msg)
		return
	}
	name := body.Name
	if name == "" {
		name = body.Tool
	}
	name = strings.TrimSpace(name)
	if name == "" {
		toolError(w, http.StatusBadRequest, "invalid_request", "tool (or name) is required")
		return
	}
	if a.toolDenied(name) {
		toolError(w, http.StatusNotFound, "not_found", fmt.Sprintf("tool %q is not available over HTTP (gateway.tools.allow can expose it)", name))
		return
	}
	args := body.Args
	if args == nil {
		args = map[string]any{}
	}
	if body.Action != "" {
		if _, set := args["action"]; !set {
			args["action"] = body.Action
		}
	}
	agentID := body.AgentID
	key := body.SessionKey
	if agentID != "" || key == "" || key == "main" {
		tgt, err := a.agentTarget(r.Context(), agentID)
		if err != nil {
			status := http.StatusInternalServerError
			if errors.Is(err, backend.ErrNotFound) {
				status = http.StatusBadRequest
			}
			toolError(w, status, "invalid_request", err.Error())
			return
		}
		agentID = tgt.AgentID
		switch {
		case key == "" || key == "main":
			if agentID == "" {
				agentID = "main"
			}
			key = "agent:" + agentID + ":main"
		case strings.HasPrefix(key, "agent:") && !strings.HasPrefix(key, "agent:"+agentID+":"):
			toolError(w, http.StatusBadRequest, "invalid_request", fmt.Sprintf("sessionKey %q belongs to another agent than %q", key, agentID))
			return
		}
	}
	res, err := a.opts.Services.Tools.Invoke(r.Context(), backend.ToolInvocation{
		Name: name, Args: args, SessionKey: key, AgentID: agentID, IdempotencyKey: body.IdempotencyKey,
		Channel: r.Header.Get("x-openclaw-message-channel"), AccountID: r.Header.Get("x-openclaw-account-id"),
		To: r.Header.Get("x-openclaw-message-to"), ThreadID: r.Header.Get("x-openclaw-thread-id"),
	})
	switch {
	case err == nil:
		out := res.Output
		if len(out) == 0 {
			out = json.RawMessage("null")
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": out, "source": res.Source})
	case errors.Is(err, backend.ErrNotFound):
		toolError(w, http.StatusNotFound, "not_found", err.Error())
	case errors.Is(err, backend.ErrForbidden):
		toolError(w, http.StatusForbidden, "forbidden", err.Error())
	case errors.Is(err, backend.ErrInvalid):
		toolError(w, http.StatusBadRequest, "invalid_request", err.Error())
	case r.Context().Err() != nil:
	default:
		a.log.Error("tool invoke failed", "tool", name, "error", err)
		// The message is sanitized: internals stay in the log.
		toolError(w, http.StatusInternalServerError, "tool_error", fmt.Sprintf("tool %q failed", name))
	}
}
