package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/gateway/runs"
)

// target is what a request's model selects: an agent, and optionally a
// backend model override for it.
type target struct {
	AgentID string // empty: the default agent (no Agents service wired)
	Model   string // "provider/model" override, or empty
}

// resolveTarget maps an OpenAI-style model string onto an agent, as
// OpenClaw documents: "openclaw" and "openclaw/default" are the default
// agent; "openclaw/<id>", "openclaw:<id>" and "agent:<id>" name an agent.
// Anything else must be a model in the catalog ("provider/id", an alias or
// a bare id), which runs on the default agent. Unknown names wrap
// backend.ErrNotFound.
func (a *API) resolveTarget(ctx context.Context, model string) (target, error) {
	model = strings.TrimSpace(model)
	var agentID string
	switch {
	case model == "" || model == "openclaw" || model == "openclaw/default":
	case strings.HasPrefix(model, "openclaw/"):
		agentID = strings.TrimPrefix(model, "openclaw/")
	case strings.HasPrefix(model, "openclaw:"):
		agentID = strings.TrimPrefix(model, "openclaw:")
	case strings.HasPrefix(model, "agent:"):
		agentID = strings.TrimPrefix(model, "agent:")
	default:
		return a.modelTarget(ctx, model)
	}
	return a.agentTarget(ctx, agentID)
}

// agentTarget checks an agent id (empty: the default agent).
func (a *API) agentTarget(ctx context.Context, agentID string) (target, error) {
	agents := a.opts.Services.Agents
	if agents == nil {
		return target{AgentID: agentID}, nil
	}
	list, err := agents.List(ctx)
	if err != nil {
		return target{}, fmt.Errorf("list agents: %w", err)
	}
	if agentID == "" {
		return target{AgentID: list.DefaultID}, nil
	}
	if _, ok := list.Find(agentID); !ok {
		return target{}, fmt.Errorf("agent %q: %w", agentID, backend.ErrNotFound)
	}
	return target{AgentID: agentID}, nil
}

func (a *API) modelTarget(ctx context.Context, model string) (target, error) {
	models := a.opts.Services.Models
	if models == nil {
		return target{}, fmt.Errorf("model %q: %w (use \"openclaw\" or \"openclaw/<agentId>\")", model, backend.ErrNotFound)
	}
	catalog, err := models.List(ctx, backend.ModelQuery{})
	if err != nil {
		return target{}, fmt.Errorf("list models: %w", err)
	}
	for _, m := range catalog {
		if m.Ref() == model || m.Alias == model || m.ID == model {
			t, err := a.agentTarget(ctx, "")
			t.Model = m.Ref()
			return t, err
		}
	}
	return target{}, fmt.Errorf("model %q: %w (use \"openclaw\", \"openclaw/<agentId>\" or a catalog model)", model, backend.ErrNotFound)
}

// reservedSessionPrefixes are internal namespaces callers may not address.
var reservedSessionPrefixes = []string{"subagent:", "cron:", "acp:"}

func reservedSessionKey(key string) bool {
	k := key
	// "agent:<id>:<rest>" is checked on its rest too.
	if strings.HasPrefix(k, "agent:") {
		if parts := strings.SplitN(k, ":", 3); len(parts) == 3 {
			k = parts[2]
		}
	}
	for _, p := range reservedSessionPrefixes {
		if strings.HasPrefix(key, p) || strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// sessionFor picks the session of a stateless HTTP request: an explicit
// key, one derived from the caller's user string, or a fresh one.
func sessionFor(agentID, surface, explicit, user string) string {
	if explicit != "" {
		return explicit
	}
	if agentID == "" {
		agentID = "main"
	}
	if user != "" {
		sum := sha256.Sum256([]byte(user))
		return fmt.Sprintf("agent:%s:%s-user:%s", agentID, surface, hex.EncodeToString(sum[:8]))
	}
	return fmt.Sprintf("agent:%s:%s:%s", agentID, surface, strings.TrimPrefix(runs.NewID(), "run_"))
}

// requestTarget is the agent and model an OpenAI-style request asks for:
// the body's model, overridden by the x-openclaw-agent-id and
// x-openclaw-model headers, and the session key of x-openclaw-session-key
// (empty when not given; internal namespaces are refused).
func (a *API) requestTarget(r *http.Request, model string) (target, string, error) {
	tgt, err := a.resolveTarget(r.Context(), model)
	if err != nil {
		return target{}, "", err
	}
	if id := strings.TrimSpace(r.Header.Get("x-openclaw-agent-id")); id != "" {
		if tgt, err = a.agentTarget(r.Context(), id); err != nil {
			return target{}, "", err
		}
	}
	if m := strings.TrimSpace(r.Header.Get("x-openclaw-model")); m != "" {
		tgt.Model = m
	}
	key := strings.TrimSpace(r.Header.Get("x-openclaw-session-key"))
	if key != "" && reservedSessionKey(key) {
		return target{}, "", &paramError{"x-openclaw-session-key", fmt.Sprintf("session key %q uses a reserved internal namespace (subagent:, cron:, acp:)", key)}
	}
	return tgt, key, nil
}
