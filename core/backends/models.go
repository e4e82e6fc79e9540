package backends

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/sessions"
)

// modelService lists the router's catalog.
type modelService struct{ d *Deps }

// List implements backend.Models. With an agent, the list is cut to the
// agent's allowlist (agents.defaults.models, or the agent's own models),
// as /model offers it. A model whose credential is cooling down after
// failures is listed as unavailable.
func (m *modelService) List(_ context.Context, q backend.ModelQuery) ([]backend.ModelInfo, error) {
	r := m.d.router()
	if r == nil {
		return nil, fmt.Errorf("list models: no model router yet: %w", backend.ErrUnavailable)
	}
	cfg, err := m.d.agentsConfig()
	if err != nil {
		return nil, fmt.Errorf("list models: %w", err)
	}
	entries := cfg.Defaults.Models
	var allowed map[string]models.ModelEntry
	if q.AgentID != "" {
		if run := m.d.runner(); run != nil && !slices.Contains(run.Agents(), sessions.NormalizeAgentID(q.AgentID)) {
			return nil, fmt.Errorf("list models: agent %q is not configured: %w", q.AgentID, backend.ErrNotFound)
		}
		allowed = entries
		if e, ok := findAgent(cfg, q.AgentID); ok && e.Models != nil {
			allowed, entries = e.Models, e.Models
		}
	}
	cooling := r.Cooldowns()
	var out []backend.ModelInfo
	for _, info := range r.Catalog() {
		if len(allowed) > 0 && !allowedModel(allowed, info) {
			continue
		}
		mi := backend.ModelInfo{
			ID: info.ID, Name: firstNonEmpty(info.Name, info.ID), Provider: info.Provider,
			ContextWindow: info.ContextWindow, Reasoning: info.Reasoning, Input: info.Input, Available: true,
		}
		for ref, e := range entries {
			if strings.EqualFold(ref, info.Ref()) && e.Alias != "" {
				mi.Alias = e.Alias
			}
		}
		for _, c := range cooling {
			if strings.EqualFold(c.Provider, info.Provider) && (c.Model == "" || c.Model == info.ID) {
				mi.Available = false
			}
		}
		out = append(out, mi)
	}
	return out, nil
}

// allowedModel checks a model against an allowlist keyed by
// "provider/model", where "provider/*" allows a whole provider.
func allowedModel(allowed map[string]models.ModelEntry, info models.ModelInfo) bool {
	for k := range allowed {
		if strings.EqualFold(k, info.Ref()) || strings.EqualFold(k, info.Provider+"/*") {
			return true
		}
	}
	return false
}
