package backend

import (
	"context"
	"encoding/json"
	"time"
)

// Agents lists the configured agents.
type Agents interface {
	List(ctx context.Context) (AgentList, error)
}

// AgentList is the roster and its default.
type AgentList struct {
	DefaultID string
	Agents    []Agent
}

// Agent is one configured agent.
type Agent struct {
	ID      string `json:"id"`
	Name    string `json:"name,omitempty"`
	Default bool   `json:"default,omitempty"`
	Model   string `json:"model,omitempty"`
}

// Find returns the agent with id, reporting whether it exists.
func (l AgentList) Find(id string) (Agent, bool) {
	for _, a := range l.Agents {
		if a.ID == id {
			return a, true
		}
	}
	return Agent{}, false
}

// Models lists the models agents may use.
type Models interface {
	List(ctx context.Context, q ModelQuery) ([]ModelInfo, error)
}

// ModelQuery narrows the catalog to what one agent may use.
type ModelQuery struct {
	AgentID string
	Refresh bool
}

// ModelInfo is one catalog entry.
type ModelInfo struct {
	ID            string   `json:"id"` // model id at its provider
	Name          string   `json:"name"`
	Provider      string   `json:"provider"`
	Alias         string   `json:"alias,omitempty"`
	ContextWindow int      `json:"contextWindow,omitempty"`
	Reasoning     bool     `json:"reasoning,omitempty"`
	Available     bool     `json:"available"`
	Input         []string `json:"input,omitempty"` // "text", "image", ...
}

// Ref is the model's "provider/id" reference.
func (m ModelInfo) Ref() string { return m.Provider + "/" + m.ID }

// Plugins lists installed plugins.
type Plugins interface {
	List(ctx context.Context) ([]PluginInfo, error)
}

// PluginInfo is one installed (or known) plugin.
type PluginInfo struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	PackageName string   `json:"packageName,omitempty"`
	Description string   `json:"description,omitempty"`
	Version     string   `json:"version,omitempty"`
	Kind        []string `json:"kind,omitempty"` // "channel", "tool", "skill", "provider"
	Origin      string   `json:"origin,omitempty"`
	Installed   bool     `json:"installed"`
	Enabled     bool     `json:"enabled"`
	// State is "enabled", "disabled", "not-installed" or "error".
	State string `json:"state"`
	Error string `json:"error,omitempty"`
	// Runtime is the plugin process's state (running, starting,
	// restarting, failed, stopped) when the gateway supervises it; with
	// its pid and restart count. An extension of OpenClaw's shape.
	Runtime  string `json:"runtime,omitempty"`
	Pid      int    `json:"pid,omitempty"`
	Restarts int    `json:"restarts,omitempty"`
}

// Skills reports skill eligibility.
type Skills interface {
	Status(ctx context.Context, q SkillQuery) (SkillsReport, error)
}

// SkillQuery selects the agent whose skills are reported.
type SkillQuery struct {
	AgentID    string
	SessionKey string
}

// SkillsReport lists skills for one agent.
type SkillsReport struct {
	AgentID      string      `json:"agentId,omitempty"`
	WorkspaceDir string      `json:"workspaceDir,omitempty"`
	Skills       []SkillInfo `json:"skills"`
}

// SkillInfo is one skill and whether the agent can use it.
type SkillInfo struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Source      string   `json:"source,omitempty"` // "bundled", "managed", "workspace", "plugin"
	Eligible    bool     `json:"eligible"`
	Disabled    bool     `json:"disabled,omitempty"`
	Missing     []string `json:"missing,omitempty"` // unmet requirements
}

// Tools invokes one tool directly, outside an agent turn.
type Tools interface {
	// Invoke runs the tool under the same policy agents get. A tool that
	// does not exist or that policy hides is ErrNotFound; a blocked call is
	// ErrForbidden; bad arguments are ErrInvalid.
	Invoke(ctx context.Context, call ToolInvocation) (ToolResult, error)
}

// ToolInvocation names the tool and its context.
type ToolInvocation struct {
	Name           string
	Args           map[string]any
	SessionKey     string
	AgentID        string
	IdempotencyKey string
	// Channel context for group policies (x-openclaw-message-channel etc.).
	Channel   string
	AccountID string
	To        string
	ThreadID  string
}

// ToolResult is a tool's output.
type ToolResult struct {
	Output json.RawMessage
	// Source is "core", "plugin", "mcp" or "channel".
	Source string
}

// Cron lists scheduled jobs.
type Cron interface {
	List(ctx context.Context, q CronQuery) (CronPage, error)
}

// CronQuery filters the job list.
type CronQuery struct {
	AgentID         string
	Query           string
	IncludeDisabled bool
	Limit           int
	Offset          int
}

// CronPage is one page of jobs.
type CronPage struct {
	Jobs  []CronJob
	Total int
}

// CronJob is one scheduled job.
type CronJob struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	AgentID       string    `json:"agentId,omitempty"`
	Enabled       bool      `json:"enabled"`
	Schedule      string    `json:"schedule"` // human form: "every 30m", "cron 0 9 * * *"
	NextRunAt     time.Time `json:"-"`
	LastRunAt     time.Time `json:"-"`
	LastRunStatus string    `json:"lastRunStatus,omitempty"`
}

// CronRPC is implemented by a Cron that serves the rest of the cron.*
// methods (status, get, add, update, remove, run, runs) itself, with
// OpenClaw's parameter and result shapes.
type CronRPC interface {
	HandleRPC(ctx context.Context, method string, params json.RawMessage) (any, error)
}
