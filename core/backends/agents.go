package backends

import (
	"context"
	"fmt"

	"github.com/openclaw-go/openclaw/core/agent"
	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/sessions"
)

// agentService lists the runner's agents, named and described by the
// config's agents section.
type agentService struct{ d *Deps }

func (a *agentService) List(ctx context.Context) (backend.AgentList, error) {
	r := a.d.runner()
	if r == nil {
		return backend.AgentList{}, fmt.Errorf("list agents: the agent runner is not running: %w", backend.ErrUnavailable)
	}
	cfg, err := a.d.agentsConfig()
	if err != nil {
		return backend.AgentList{}, fmt.Errorf("list agents: %w", err)
	}
	out := backend.AgentList{DefaultID: r.DefaultAgent()}
	for _, id := range r.Agents() {
		entry, _ := findAgent(cfg, id)
		name := entry.Name
		if name == "" && entry.Identity != nil {
			name = entry.Identity.Name
		}
		out.Agents = append(out.Agents, backend.Agent{
			ID: id, Name: name, Default: id == out.DefaultID, Model: a.d.primaryModel(cfg, entry),
		})
	}
	return out, nil
}

// agentsConfig decodes the agents section of the config in force.
func (d *Deps) agentsConfig() (agent.AgentsConfig, error) {
	var c agent.AgentsConfig
	err := d.section("agents", &c)
	return c, err
}

// findAgent returns an agent's entry in agents.list or agents.entries.
func findAgent(c agent.AgentsConfig, id string) (agent.AgentEntry, bool) {
	id = sessions.NormalizeAgentID(id)
	for _, e := range c.List {
		if sessions.NormalizeAgentID(e.ID) == id {
			return e, true
		}
	}
	for k, e := range c.Entries {
		if sessions.NormalizeAgentID(k) == id {
			e.ID = k
			return e, true
		}
	}
	return agent.AgentEntry{ID: id}, false
}

// agentModels is an entry's own model settings for the router; nil when
// it has none and agents.defaults apply.
func agentModels(e agent.AgentEntry) *models.AgentModels {
	if e.Model == nil && e.Models == nil && e.Params == nil {
		return nil
	}
	return &models.AgentModels{Model: e.Model, Models: e.Models, Params: e.Params}
}

// primaryRef is the model an agent's turns try first, as the router
// resolves it; ok is false when none can be chosen.
func (d *Deps) primaryRef(e agent.AgentEntry) (models.Ref, bool) {
	r := d.router()
	if r == nil {
		return models.Ref{}, false
	}
	chain, err := r.Chain(models.Route{Agent: agentModels(e)})
	if err != nil || len(chain) == 0 {
		return models.Ref{}, false
	}
	return chain[0], true
}

// primaryModel is primaryRef as "provider/model", falling back to what the
// config names when no router is at hand.
func (d *Deps) primaryModel(c agent.AgentsConfig, e agent.AgentEntry) string {
	if ref, ok := d.primaryRef(e); ok {
		return ref.String()
	}
	switch {
	case e.Model != nil && e.Model.Primary != "":
		return e.Model.Primary
	case c.Defaults.Model != nil:
		return c.Defaults.Model.Primary
	}
	return ""
}
