// Package heartbeat runs each heartbeat-enabled agent's periodic turn: the
// agent gets the heartbeat prompt on a fixed cadence, and its reply is
// delivered only when it has something to say; a HEARTBEAT_OK (or
// NO_REPLY) acknowledgement is dropped.
//
// Like the cron scheduler it arms one timer for the soonest agent, so an
// idle heartbeat costs no goroutine.
package heartbeat

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/core/cron"
)

// Config mirrors agents.defaults.heartbeat and agents.list[].heartbeat
// (agents.entries.<id>.heartbeat). Unset fields inherit.
type Config struct {
	// Every is the cadence ("30m"; a bare number is minutes; "0m" turns
	// the recurring heartbeat off).
	Every string `json:"every,omitempty"`
	Model string `json:"model,omitempty"`
	// Session is the session key the turn runs in; the agent's main
	// session when unset.
	Session string `json:"session,omitempty"`
	// Target is owner (default: the operator's direct chat), last (the
	// last conversation), none (run without delivering) or a channel id.
	Target    string `json:"target,omitempty"`
	To        string `json:"to,omitempty"`
	AccountID string `json:"accountId,omitempty"`
	// AgentID picks the agent that owns the heartbeat when no agent has
	// its own heartbeat block (agents.defaults.heartbeat.agentId).
	AgentID string `json:"agentId,omitempty"`
	// Prompt replaces the default prompt; it is sent verbatim.
	Prompt string `json:"prompt,omitempty"`
	// AckMaxChars is how much text may accompany HEARTBEAT_OK for the
	// reply still to count as an acknowledgement; 300 when unset.
	AckMaxChars *int         `json:"ackMaxChars,omitempty"`
	ActiveHours *ActiveHours `json:"activeHours,omitempty"`
	// DirectPolicy is allow (default) or block (no delivery to direct
	// chats).
	DirectPolicy     string `json:"directPolicy,omitempty"`
	IsolatedSession  *bool  `json:"isolatedSession,omitempty"`
	LightContext     *bool  `json:"lightContext,omitempty"`
	IncludeReasoning *bool  `json:"includeReasoning,omitempty"`
	TimeoutSeconds   *int   `json:"timeoutSeconds,omitempty"`
}

// ActiveHours restricts scheduled heartbeats to a daily window.
type ActiveHours struct {
	// Start is inclusive, End exclusive, both "HH:MM"; End may be "24:00".
	Start string `json:"start"`
	End   string `json:"end"`
	// Timezone is "user" (default: agents.defaults.userTimezone, else the
	// host's zone), "local" (the host's zone) or an IANA zone.
	Timezone string `json:"timezone,omitempty"`
}

// AgentsConfig is the part of the `agents` subtree heartbeats read.
type AgentsConfig struct {
	Defaults struct {
		Heartbeat      *Config `json:"heartbeat,omitempty"`
		UserTimezone   string  `json:"userTimezone,omitempty"`
		TimeoutSeconds *int    `json:"timeoutSeconds,omitempty"`
	} `json:"defaults"`
	List    []AgentEntry          `json:"list,omitempty"`
	Entries map[string]AgentEntry `json:"entries,omitempty"`
}

// AgentEntry is one agent of the roster.
type AgentEntry struct {
	ID        string  `json:"id,omitempty"`
	Default   bool    `json:"default,omitempty"`
	Heartbeat *Config `json:"heartbeat,omitempty"`
}

// Defaults OpenClaw documents.
const (
	DefaultEvery       = 30 * time.Minute
	DefaultAckMaxChars = 300
	DefaultTarget      = "owner"
	// maxDefaultTimeout caps the default turn timeout (the cadence).
	maxDefaultTimeout = 600 * time.Second
	defaultAgentID    = "main"
)

// DefaultPrompt is sent when no prompt is configured.
const DefaultPrompt = "This is a scheduled heartbeat check. If HEARTBEAT.md exists in your workspace, read it and do what it asks. " +
	"Do not pick up or repeat tasks from earlier conversations on your own. " +
	"If nothing needs attention, reply with exactly HEARTBEAT_OK."

// Plan is one agent's resolved heartbeat.
type Plan struct {
	AgentID string
	// Every is the cadence; zero means no recurring heartbeat (a wake can
	// still run one).
	Every            time.Duration
	Target           string
	To               string
	AccountID        string
	Session          string
	Prompt           string
	Model            string
	AckMaxChars      int
	DirectPolicy     string
	IsolatedSession  bool
	LightContext     bool
	IncludeReasoning bool
	Timeout          time.Duration
	// Window is the active-hours window; nil means always.
	Window *Window
}

// Plans resolves which agents run heartbeats and with what settings: if
// any agent has its own heartbeat block, exactly those agents, each merged
// over agents.defaults.heartbeat; otherwise the default agent with the
// defaults. host is the gateway host's zone for active hours.
func Plans(cfg AgentsConfig, host *time.Location) ([]Plan, error) {
	if host == nil {
		host = time.Local
	}
	type agent struct {
		id, path string
		hb       *Config
		dflt     bool
	}
	var roster []agent
	for i, e := range cfg.List {
		roster = append(roster, agent{id: strings.TrimSpace(e.ID), path: fmt.Sprintf("agents.list[%d].heartbeat", i), hb: e.Heartbeat, dflt: e.Default})
	}
	ids := make([]string, 0, len(cfg.Entries))
	for id := range cfg.Entries {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		e := cfg.Entries[id]
		roster = append(roster, agent{id: strings.TrimSpace(id), path: "agents.entries." + id + ".heartbeat", hb: e.Heartbeat, dflt: e.Default})
	}

	var chosen []agent
	for _, a := range roster {
		if a.hb != nil {
			chosen = append(chosen, a)
		}
	}
	if len(chosen) == 0 {
		owner := ""
		if cfg.Defaults.Heartbeat != nil {
			owner = strings.TrimSpace(cfg.Defaults.Heartbeat.AgentID)
		}
		for _, a := range roster {
			if owner == "" && a.dflt {
				owner = a.id
			}
		}
		if owner == "" && len(roster) > 0 {
			owner = roster[0].id
		}
		if owner == "" {
			owner = defaultAgentID
		}
		chosen = []agent{{id: owner, path: "agents.defaults.heartbeat"}}
	}

	var plans []Plan
	var errs []error
	for _, a := range chosen {
		if a.id == "" {
			errs = append(errs, fmt.Errorf("%s: the agent has no id", a.path))
			continue
		}
		merged := merge(cfg.Defaults.Heartbeat, a.hb)
		p, err := resolve(a.id, merged, cfg.Defaults.UserTimezone, cfg.Defaults.TimeoutSeconds, host)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", a.path, err))
			continue
		}
		plans = append(plans, p)
	}
	return plans, errors.Join(errs...)
}

// merge lays over on base, field by field.
func merge(base, over *Config) Config {
	var out Config
	if base != nil {
		out = *base
	}
	if over == nil {
		return out
	}
	str := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	str(&out.Every, over.Every)
	str(&out.Model, over.Model)
	str(&out.Session, over.Session)
	str(&out.Target, over.Target)
	str(&out.To, over.To)
	str(&out.AccountID, over.AccountID)
	str(&out.Prompt, over.Prompt)
	str(&out.DirectPolicy, over.DirectPolicy)
	if over.AckMaxChars != nil {
		out.AckMaxChars = over.AckMaxChars
	}
	if over.ActiveHours != nil {
		out.ActiveHours = over.ActiveHours
	}
	if over.IsolatedSession != nil {
		out.IsolatedSession = over.IsolatedSession
	}
	if over.LightContext != nil {
		out.LightContext = over.LightContext
	}
	if over.IncludeReasoning != nil {
		out.IncludeReasoning = over.IncludeReasoning
	}
	if over.TimeoutSeconds != nil {
		out.TimeoutSeconds = over.TimeoutSeconds
	}
	return out
}

func resolve(agentID string, c Config, userTZ string, agentTimeout *int, host *time.Location) (Plan, error) {
	p := Plan{
		AgentID: agentID, Every: DefaultEvery, Target: DefaultTarget, To: strings.TrimSpace(c.To),
		AccountID: strings.TrimSpace(c.AccountID), Session: strings.TrimSpace(c.Session), Prompt: c.Prompt,
		Model: strings.TrimSpace(c.Model), AckMaxChars: DefaultAckMaxChars, DirectPolicy: "allow",
		IsolatedSession: deref(c.IsolatedSession), LightContext: deref(c.LightContext), IncludeReasoning: deref(c.IncludeReasoning),
	}
	var errs []error
	if strings.TrimSpace(c.Every) != "" {
		d, err := ParseEvery(c.Every)
		if err != nil {
			errs = append(errs, fmt.Errorf("every: %w", err))
		}
		p.Every = d
	}
	if t := strings.TrimSpace(c.Target); t != "" {
		if strings.Contains(t, ":") {
			errs = append(errs, fmt.Errorf("target: %q: give the channel in target and the recipient in to", t))
		}
		p.Target = t
	}
	if strings.TrimSpace(p.Prompt) == "" {
		p.Prompt = DefaultPrompt
	}
	if c.AckMaxChars != nil {
		if *c.AckMaxChars < 0 {
			errs = append(errs, fmt.Errorf("ackMaxChars: %d is negative", *c.AckMaxChars))
		}
		p.AckMaxChars = *c.AckMaxChars
	}
	switch c.DirectPolicy {
	case "", "allow":
	case "block":
		p.DirectPolicy = "block"
	default:
		errs = append(errs, fmt.Errorf("directPolicy: %q is not allow or block", c.DirectPolicy))
	}
	switch {
	case c.TimeoutSeconds != nil && *c.TimeoutSeconds > 0:
		p.Timeout = time.Duration(*c.TimeoutSeconds) * time.Second
	case c.TimeoutSeconds != nil:
		errs = append(errs, fmt.Errorf("timeoutSeconds: %d is not positive", *c.TimeoutSeconds))
	case agentTimeout != nil && *agentTimeout > 0:
		p.Timeout = time.Duration(*agentTimeout) * time.Second
	case p.Every > 0:
		p.Timeout = min(p.Every, maxDefaultTimeout)
	default:
		p.Timeout = maxDefaultTimeout
	}
	if c.ActiveHours != nil {
		w, err := ParseWindow(*c.ActiveHours, userTZ, host)
		if err != nil {
			errs = append(errs, fmt.Errorf("activeHours: %w", err))
		}
		p.Window = w
	}
	return p, errors.Join(errs...)
}

// ParseEvery reads a heartbeat cadence: a duration ("30m", "1h") or a bare
// number of minutes.
func ParseEvery(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("%q is negative", s)
		}
		return time.Duration(n * float64(time.Minute)), nil
	}
	d, err := cron.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	if d > 0 && d < time.Second {
		return 0, fmt.Errorf("%q is shorter than a second", s)
	}
	return d, nil
}

func deref(b *bool) bool { return b != nil && *b }

// Window is a parsed active-hours window.
type Window struct {
	start, end int // minutes after midnight; end may be 1440
	loc        *time.Location
}

// ParseWindow reads activeHours. An unknown zone falls back to the user's
// zone, then the host's.
func ParseWindow(a ActiveHours, userTZ string, host *time.Location) (*Window, error) {
	start, err := clockMinutes(a.Start, false)
	if err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	end, err := clockMinutes(a.End, true)
	if err != nil {
		return nil, fmt.Errorf("end: %w", err)
	}
	user := host
	if userTZ != "" {
		if loc, err := time.LoadLocation(userTZ); err == nil {
			user = loc
		}
	}
	loc := user
	switch tz := strings.TrimSpace(a.Timezone); tz {
	case "", "user":
	case "local":
		loc = host
	default:
		if l, err := time.LoadLocation(tz); err == nil {
			loc = l
		}
	}
	return &Window{start: start, end: end, loc: loc}, nil
}

func clockMinutes(s string, allow24 bool) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(m) != 2 || hh < 0 || mm < 0 || mm > 59 {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	switch {
	case hh == 24 && mm == 0 && allow24:
	case hh > 23:
		return 0, fmt.Errorf("%q is not a time of day", s)
	}
	return hh*60 + mm, nil
}

// Contains reports whether t falls inside the window. Equal start and end
// make an empty window.
func (w *Window) Contains(t time.Time) bool {
	if w == nil {
		return true
	}
	lt := t.In(w.loc)
	m := lt.Hour()*60 + lt.Minute()
	switch {
	case w.start == w.end:
		return false
	case w.start < w.end:
		return m >= w.start && m < w.end
	default: // across midnight
		return m >= w.start || m < w.end
	}
}
