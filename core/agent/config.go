package agent

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/sessions"
	"github.com/openclaw-go/openclaw/core/toolpolicy"
)

// AgentsConfig mirrors the `agents` subtree of openclaw.json.
type AgentsConfig struct {
	Defaults AgentDefaults `json:"defaults"`
	// List is the roster; the entry marked default (else the first) is the
	// default agent.
	List []AgentEntry `json:"list,omitempty"`
	// Entries is the roster keyed by agent id, the newer spelling of List.
	Entries map[string]AgentEntry `json:"entries,omitempty"`
}

// AgentDefaults mirrors agents.defaults: the settings every agent starts
// from.
type AgentDefaults struct {
	AgentSettings
	// MaxConcurrent caps turns running at once across sessions; 1 when
	// unset.
	MaxConcurrent int `json:"maxConcurrent,omitempty"`
}

// AgentSettings are the keys an agent entry may override from
// agents.defaults. Pointers and nil slices mean "not set here".
type AgentSettings struct {
	Workspace     string `json:"workspace,omitempty"`
	SkipBootstrap *bool  `json:"skipBootstrap,omitempty"`
	// BootstrapMaxChars caps each injected bootstrap file; 20000 when
	// unset. BootstrapTotalMaxChars caps them together; 60000 when unset.
	BootstrapMaxChars      int `json:"bootstrapMaxChars,omitempty"`
	BootstrapTotalMaxChars int `json:"bootstrapTotalMaxChars,omitempty"`
	// ContextInjection is "always" (default), "continuation-skip" (treated
	// as always) or "never" (no bootstrap files in the prompt).
	ContextInjection string `json:"contextInjection,omitempty"`
	// UserTimezone is an IANA zone for the prompt's date and time; the
	// host's zone when unset.
	UserTimezone string `json:"userTimezone,omitempty"`
	// TimeoutSeconds bounds a whole turn; 600 when unset, none when 0.
	TimeoutSeconds *int `json:"timeoutSeconds,omitempty"`
	// Skills limits the skills offered; nil offers all eligible skills, an
	// empty list none.
	Skills   []string  `json:"skills,omitempty"`
	Identity *Identity `json:"identity,omitempty"`

	// Model, Models and Params are the agent's model selection, handed to
	// the model router.
	Model  *models.Selection            `json:"model,omitempty"`
	Models map[string]models.ModelEntry `json:"models,omitempty"`
	Params map[string]any               `json:"params,omitempty"`

	Sandbox *SandboxConfig `json:"sandbox,omitempty"`
}

// SandboxConfig holds the sandbox key the agent passes on to tools.
type SandboxConfig struct {
	// WorkspaceAccess is "rw" (default), "ro" or "none".
	WorkspaceAccess string `json:"workspaceAccess,omitempty"`
}

// AgentEntry mirrors one agents.list[] entry (or an agents.entries value).
type AgentEntry struct {
	ID      string `json:"id,omitempty"`
	Default bool   `json:"default,omitempty"`
	Name    string `json:"name,omitempty"`
	// AgentDir holds the agent's own state; <state>/agents/<id>/agent when
	// unset.
	AgentDir string `json:"agentDir,omitempty"`
	AgentSettings
	// Tools narrows the tool policy for this agent.
	Tools *toolpolicy.Config `json:"tools,omitempty"`
}

// Identity mirrors agents.list[].identity.
type Identity struct {
	Name   string `json:"name,omitempty"`
	Theme  string `json:"theme,omitempty"`
	Emoji  string `json:"emoji,omitempty"`
	Avatar string `json:"avatar,omitempty"`
}

// MessagesConfig mirrors the `messages` subtree.
type MessagesConfig struct {
	// ResponsePrefix starts every reply; "auto" is "[{identity.name}]".
	// Channel and account overrides are resolved by the caller.
	ResponsePrefix string `json:"responsePrefix,omitempty"`
	// AckReaction is the emoji put on a message being worked on; unset
	// means the agent's identity emoji, else 👀; "" disables.
	AckReaction      *string       `json:"ackReaction,omitempty"`
	AckReactionScope string        `json:"ackReactionScope,omitempty"`
	Queue            QueueConfig   `json:"queue,omitempty"`
	Inbound          InboundConfig `json:"inbound,omitempty"`
}

// QueueConfig mirrors messages.queue: what happens to messages that
// arrive while the session is busy.
type QueueConfig struct {
	// Mode is collect (default), followup, steer or interrupt.
	Mode string `json:"mode,omitempty"`
	// DebounceMs is the quiet window before queued messages run; 500 when
	// unset.
	DebounceMs          *int              `json:"debounceMs,omitempty"`
	DebounceMsByChannel map[string]int    `json:"debounceMsByChannel,omitempty"`
	ByChannel           map[string]string `json:"byChannel,omitempty"`
	// Cap is how many messages may wait; 20 when unset.
	Cap int `json:"cap,omitempty"`
	// Drop is what happens past the cap: summarize (default: drop the
	// oldest, keep a one-line summary of each), old or new (refuse the
	// newest).
	Drop string `json:"drop,omitempty"`
}

// InboundConfig mirrors messages.inbound: merging rapid messages from one
// sender into one turn.
type InboundConfig struct {
	DebounceMs *int           `json:"debounceMs,omitempty"`
	ByChannel  map[string]int `json:"byChannel,omitempty"`
}

// Queue modes.
const (
	QueueCollect   = "collect"
	QueueFollowup  = "followup"
	QueueSteer     = "steer"
	QueueInterrupt = "interrupt"
)

// Defaults the configuration reference gives.
const (
	DefaultBootstrapMaxChars      = 20000
	DefaultBootstrapTotalMaxChars = 60000
	// userFileMaxChars is USER.md's own cap.
	userFileMaxChars      = 4000
	DefaultTimeoutSeconds = 600
	DefaultQueueDebounce  = 500
	DefaultQueueCap       = 20
	DefaultQueueMode      = QueueCollect
	// telegramInboundDebounceMs applies to Telegram when nothing sets
	// messages.inbound.
	telegramInboundDebounceMs = 300
	// defaultWorkspaceSetting is the value the config schema fills in for
	// agents.defaults.workspace; it means "the state directory's
	// workspace", whatever the state directory is.
	defaultWorkspaceSetting = "~/.openclaw/workspace"
)

// Validate reports every problem in the agents and messages config, each
// naming its key.
func (c AgentsConfig) Validate() error {
	var errs []error
	seen := map[string]string{}
	check := func(path, id string, e AgentEntry) {
		if strings.TrimSpace(id) == "" {
			errs = append(errs, fmt.Errorf("%s.id: required", path))
			return
		}
		norm := sessions.NormalizeAgentID(id)
		if prev, dup := seen[norm]; dup {
			errs = append(errs, fmt.Errorf("%s.id: %q is the same agent as %s", path, id, prev))
		}
		seen[norm] = path
		errs = append(errs, e.AgentSettings.validate(path)...)
		if e.Tools != nil {
			if err := e.Tools.Validate(path + ".tools"); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for i, e := range c.List {
		check(fmt.Sprintf("agents.list[%d]", i), e.ID, e)
	}
	for _, id := range sortedKeys(c.Entries) {
		check(fmt.Sprintf("agents.entries.%s", id), id, c.Entries[id])
	}
	errs = append(errs, c.Defaults.AgentSettings.validate("agents.defaults")...)
	if c.Defaults.MaxConcurrent < 0 {
		errs = append(errs, fmt.Errorf("agents.defaults.maxConcurrent: %d is negative", c.Defaults.MaxConcurrent))
	}
	return errors.Join(errs...)
}

func (s AgentSettings) validate(path string) []error {
	var errs []error
	if s.BootstrapMaxChars < 0 || s.BootstrapTotalMaxChars < 0 {
		errs = append(errs, fmt.Errorf("%s: bootstrapMaxChars and bootstrapTotalMaxChars must not be negative", path))
	}
	if s.TimeoutSeconds != nil && *s.TimeoutSeconds < 0 {
		errs = append(errs, fmt.Errorf("%s.timeoutSeconds: %d is negative", path, *s.TimeoutSeconds))
	}
	switch s.ContextInjection {
	case "", "always", "continuation-skip", "never":
	default:
		errs = append(errs, fmt.Errorf("%s.contextInjection: %q is not one of always, continuation-skip, never", path, s.ContextInjection))
	}
	if s.UserTimezone != "" {
		if _, err := loadLocation(s.UserTimezone); err != nil {
			errs = append(errs, fmt.Errorf("%s.userTimezone: %q is not a known time zone", path, s.UserTimezone))
		}
	}
	if s.Sandbox != nil {
		switch s.Sandbox.WorkspaceAccess {
		case "", "rw", "ro", "none":
		default:
			errs = append(errs, fmt.Errorf("%s.sandbox.workspaceAccess: %q is not one of rw, ro, none", path, s.Sandbox.WorkspaceAccess))
		}
	}
	return errs
}

// Validate reports every problem in the messages config.
func (c MessagesConfig) Validate() error {
	var errs []error
	modes := map[string]string{"messages.queue.mode": c.Queue.Mode}
	for ch, m := range c.Queue.ByChannel {
		modes["messages.queue.byChannel."+ch] = m
	}
	for _, key := range sortedKeys(modes) {
		if _, err := queueMode(modes[key]); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", key, err))
		}
	}
	switch c.Queue.Drop {
	case "", "summarize", "old", "new":
	default:
		errs = append(errs, fmt.Errorf("messages.queue.drop: %q is not one of summarize, old, new", c.Queue.Drop))
	}
	if c.Queue.Cap < 0 {
		errs = append(errs, fmt.Errorf("messages.queue.cap: %d is negative", c.Queue.Cap))
	}
	if c.Queue.DebounceMs != nil && *c.Queue.DebounceMs < 0 {
		errs = append(errs, fmt.Errorf("messages.queue.debounceMs: %d is negative", *c.Queue.DebounceMs))
	}
	if c.Inbound.DebounceMs != nil && *c.Inbound.DebounceMs < 0 {
		errs = append(errs, fmt.Errorf("messages.inbound.debounceMs: %d is negative", *c.Inbound.DebounceMs))
	}
	switch c.AckReactionScope {
	case "", "group-mentions", "group-all", "direct", "all", "off", "none":
	default:
		errs = append(errs, fmt.Errorf("messages.ackReactionScope: %q is not one of group-mentions, group-all, direct, all, off, none", c.AckReactionScope))
	}
	return errors.Join(errs...)
}

// queueMode normalises a configured mode. OpenClaw's legacy spellings
// ("queue", "steer-backlog", "steer+backlog") steer.
func queueMode(m string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(m)) {
	case "":
		return "", nil
	case QueueCollect:
		return QueueCollect, nil
	case QueueFollowup:
		return QueueFollowup, nil
	case QueueSteer, "queue", "steer-backlog", "steer+backlog":
		return QueueSteer, nil
	case QueueInterrupt:
		return QueueInterrupt, nil
	}
	return "", fmt.Errorf("%q is not one of collect, followup, steer, interrupt", m)
}

// profile is one agent with its settings resolved over the defaults.
type profile struct {
	id        string
	workspace string
	agentDir  string
	settings  AgentSettings // merged
	tools     *toolpolicy.Config
	models    *models.AgentModels // nil: agents.defaults alone
	identity  Identity            // from config only
}

// roster resolves every configured agent. The default agent comes first.
func (c AgentsConfig) roster(stateDir, home string) (map[string]*profile, string) {
	type item struct {
		id    string
		entry AgentEntry
	}
	var items []item
	for _, e := range c.List {
		items = append(items, item{sessions.NormalizeAgentID(e.ID), e})
	}
	for _, id := range sortedKeys(c.Entries) {
		e := c.Entries[id]
		e.ID = id
		items = append(items, item{sessions.NormalizeAgentID(id), e})
	}
	def := sessions.DefaultAgentID
	switch {
	case len(items) == 0:
	case len(c.List) > 0:
		def = items[0].id
		for _, it := range items {
			if it.entry.Default {
				def = it.id
				break
			}
		}
	default:
		// Map form: the marked default, else "main" if listed, else the
		// first id in order.
		def = items[0].id
		for _, it := range items {
			if it.id == sessions.DefaultAgentID {
				def = it.id
			}
		}
		for _, it := range items {
			if it.entry.Default {
				def = it.id
				break
			}
		}
	}
	out := map[string]*profile{}
	sole := len(items) <= 1
	add := func(id string, e AgentEntry) {
		if _, dup := out[id]; dup {
			return
		}
		p := &profile{id: id, tools: e.Tools, settings: merge(c.Defaults.AgentSettings, e.AgentSettings)}
		if e.Identity != nil {
			p.identity = *e.Identity
		} else if c.Defaults.Identity != nil {
			p.identity = *c.Defaults.Identity
		}
		p.workspace = c.workspaceFor(id, e, id == def, sole, stateDir, home)
		p.agentDir = expandHome(e.AgentDir, home)
		if p.agentDir == "" {
			p.agentDir = joinPath(stateDir, "agents", id, "agent")
		}
		if e.Model != nil || e.Models != nil || e.Params != nil {
			p.models = &models.AgentModels{Model: e.Model, Models: e.Models, Params: e.Params}
		}
		out[id] = p
	}
	for _, it := range items {
		add(it.id, it.entry)
	}
	if _, ok := out[def]; !ok {
		add(def, AgentEntry{ID: def})
	}
	return out, def
}

// workspaceFor applies the workspace rules of the reference: an entry's
// own workspace; for the default (or only) agent agents.defaults.workspace,
// else <state>/workspace; for others <agents.defaults.workspace>/<id> when
// that is set, else <state>/workspace-<id>.
func (c AgentsConfig) workspaceFor(id string, e AgentEntry, isDefault, sole bool, stateDir, home string) string {
	if e.Workspace != "" {
		return expandHome(e.Workspace, home)
	}
	root := c.Defaults.Workspace
	if root == defaultWorkspaceSetting {
		root = ""
	}
	if isDefault || sole {
		if root != "" {
			return expandHome(root, home)
		}
		return joinPath(stateDir, "workspace")
	}
	if root != "" {
		return joinPath(expandHome(root, home), id)
	}
	return joinPath(stateDir, "workspace-"+id)
}

// merge lays an entry's settings over the defaults.
func merge(d, e AgentSettings) AgentSettings {
	out := d
	if e.Workspace != "" {
		out.Workspace = e.Workspace
	}
	if e.SkipBootstrap != nil {
		out.SkipBootstrap = e.SkipBootstrap
	}
	if e.BootstrapMaxChars > 0 {
		out.BootstrapMaxChars = e.BootstrapMaxChars
	}
	if e.BootstrapTotalMaxChars > 0 {
		out.BootstrapTotalMaxChars = e.BootstrapTotalMaxChars
	}
	if e.ContextInjection != "" {
		out.ContextInjection = e.ContextInjection
	}
	if e.UserTimezone != "" {
		out.UserTimezone = e.UserTimezone
	}
	if e.TimeoutSeconds != nil {
		out.TimeoutSeconds = e.TimeoutSeconds
	}
	if e.Skills != nil {
		out.Skills = e.Skills
	}
	if e.Identity != nil {
		out.Identity = e.Identity
	}
	if e.Model != nil {
		out.Model = e.Model
	}
	if e.Models != nil {
		out.Models = e.Models
	}
	if e.Params != nil {
		out.Params = e.Params
	}
	if e.Sandbox != nil {
		out.Sandbox = e.Sandbox
	}
	if out.BootstrapMaxChars <= 0 {
		out.BootstrapMaxChars = DefaultBootstrapMaxChars
	}
	if out.BootstrapTotalMaxChars <= 0 {
		out.BootstrapTotalMaxChars = DefaultBootstrapTotalMaxChars
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
