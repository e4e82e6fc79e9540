package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/plugins/exec/internal/cmdpolicy"
)

// execConfig is the tools.exec config subtree the core hands each call
// (with per-agent overrides already merged). Keys this plugin does not use
// (reviewer, applyPatch, node, …) are ignored.
type execConfig struct {
	Mode        string `json:"mode"`
	Security    string `json:"security"`
	Ask         string `json:"ask"`
	AskFallback string `json:"askFallback"`
	Host        string `json:"host"`

	BackgroundMs   *int64   `json:"backgroundMs"`
	TimeoutSeconds *float64 `json:"timeoutSeconds"`
	// TimeoutSec is the older spelling of timeoutSeconds.
	TimeoutSec               *float64 `json:"timeoutSec"`
	CleanupMs                *int64   `json:"cleanupMs"`
	NotifyOnExit             *bool    `json:"notifyOnExit"`
	NotifyOnExitEmptySuccess bool     `json:"notifyOnExitEmptySuccess"`

	PathPrepend        []string                     `json:"pathPrepend"`
	SafeBins           []string                     `json:"safeBins"`
	SafeBinTrustedDirs []string                     `json:"safeBinTrustedDirs"`
	SafeBinProfiles    map[string]cmdpolicy.Profile `json:"safeBinProfiles"`
	StrictInlineEval   bool                         `json:"strictInlineEval"`
}

// modes maps tools.exec.mode to its security and ask pair. auto reviews
// misses with a model in OpenClaw; there is no reviewer here, so a miss
// goes to approval exactly as in ask.
var modes = map[string][2]string{
	"deny":      {cmdpolicy.SecurityDeny, cmdpolicy.AskOff},
	"allowlist": {cmdpolicy.SecurityAllowlist, cmdpolicy.AskOff},
	"ask":       {cmdpolicy.SecurityAllowlist, cmdpolicy.AskOnMiss},
	"auto":      {cmdpolicy.SecurityAllowlist, cmdpolicy.AskOnMiss},
	"full":      {cmdpolicy.SecurityFull, cmdpolicy.AskOff},
}

func decodeExecConfig(raw json.RawMessage) (execConfig, error) {
	var c execConfig
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return c, nil
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("tools.exec config: %w", err)
	}
	if _, ok := modes[c.Mode]; c.Mode != "" && !ok {
		return c, fmt.Errorf("tools.exec.mode: unknown mode %q (expected deny, allowlist, ask, auto or full)", c.Mode)
	}
	if c.Security != "" && !cmdpolicy.ValidSecurity(c.Security) {
		return c, fmt.Errorf("tools.exec.security: unknown value %q (expected deny, allowlist or full)", c.Security)
	}
	if c.Ask != "" && !cmdpolicy.ValidAsk(c.Ask) {
		return c, fmt.Errorf("tools.exec.ask: unknown value %q (expected off, on-miss or always)", c.Ask)
	}
	if c.AskFallback != "" && !cmdpolicy.ValidSecurity(c.AskFallback) {
		return c, fmt.Errorf("tools.exec.askFallback: unknown value %q (expected deny, allowlist or full)", c.AskFallback)
	}
	for _, v := range []*float64{c.TimeoutSeconds, c.TimeoutSec} {
		if v != nil && *v < 0 {
			return c, fmt.Errorf("tools.exec.timeoutSeconds: %v is negative (0 disables the timeout)", *v)
		}
	}
	return c, nil
}

// securityAsk is the configured pair: mode wins, then the legacy fields,
// then OpenClaw's gateway-host default of full with no prompts.
func (c execConfig) securityAsk() (string, string) {
	if m, ok := modes[c.Mode]; ok {
		return m[0], m[1]
	}
	sec, ask := c.Security, c.Ask
	if sec == "" {
		sec = cmdpolicy.SecurityFull
	}
	if ask == "" {
		ask = cmdpolicy.AskOff
	}
	return sec, ask
}

// pluginConfig is plugins.entries.exec.config.
type pluginConfig struct {
	// Shell overrides the shell commands run in.
	Shell string `json:"shell"`
	// MaxOutputChars caps the output kept per command (bytes of UTF-8);
	// PendingMaxOutputChars caps what one poll returns.
	MaxOutputChars        int `json:"maxOutputChars"`
	PendingMaxOutputChars int `json:"pendingMaxOutputChars"`
	// Approvals is OpenClaw's exec-approvals document: policy defaults, and
	// per agent a policy and an allowlist.
	Approvals *approvals `json:"approvals"`
}

type approvals struct {
	Defaults approvalPolicy            `json:"defaults"`
	Agents   map[string]approvalPolicy `json:"agents"`
}

type approvalPolicy struct {
	Security    string       `json:"security"`
	Ask         string       `json:"ask"`
	AskFallback string       `json:"askFallback"`
	Allowlist   []allowEntry `json:"allowlist"`
}

// allowEntry is one allowlist entry; its bookkeeping fields are ignored.
type allowEntry struct {
	Pattern string `json:"pattern"`
}

func decodePluginConfig(raw json.RawMessage) (pluginConfig, error) {
	var top struct {
		Shell                 string          `json:"shell"`
		MaxOutputChars        int             `json:"maxOutputChars"`
		PendingMaxOutputChars int             `json:"pendingMaxOutputChars"`
		Approvals             json.RawMessage `json:"approvals"`
	}
	var pc pluginConfig
	if len(bytes.TrimSpace(raw)) == 0 {
		return pc, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&top); err != nil {
		return pc, fmt.Errorf("plugins.entries.exec.config: %w", err)
	}
	pc.Shell, pc.MaxOutputChars, pc.PendingMaxOutputChars = top.Shell, top.MaxOutputChars, top.PendingMaxOutputChars
	if pc.MaxOutputChars < 0 || pc.PendingMaxOutputChars < 0 {
		return pc, fmt.Errorf("plugins.entries.exec.config: output caps must not be negative")
	}
	if len(top.Approvals) > 0 && string(top.Approvals) != "null" {
		// The approvals document carries bookkeeping (ids, timestamps,
		// socket settings) this plugin has no use for; it is read leniently.
		var a approvals
		if err := json.Unmarshal(top.Approvals, &a); err != nil {
			return pc, fmt.Errorf("plugins.entries.exec.config.approvals: %w", err)
		}
		check := func(where string, p approvalPolicy) error {
			if p.Security != "" && !cmdpolicy.ValidSecurity(p.Security) {
				return fmt.Errorf("plugins.entries.exec.config.approvals.%s.security: unknown value %q (expected deny, allowlist or full)", where, p.Security)
			}
			if p.Ask != "" && !cmdpolicy.ValidAsk(p.Ask) {
				return fmt.Errorf("plugins.entries.exec.config.approvals.%s.ask: unknown value %q (expected off, on-miss or always)", where, p.Ask)
			}
			if p.AskFallback != "" && !cmdpolicy.ValidSecurity(p.AskFallback) {
				return fmt.Errorf("plugins.entries.exec.config.approvals.%s.askFallback: unknown value %q (expected deny, allowlist or full)", where, p.AskFallback)
			}
			for i, e := range p.Allowlist {
				if strings.TrimSpace(e.Pattern) == "" {
					return fmt.Errorf("plugins.entries.exec.config.approvals.%s.allowlist[%d]: pattern is empty", where, i)
				}
			}
			return nil
		}
		if err := check("defaults", a.Defaults); err != nil {
			return pc, err
		}
		for id, p := range a.Agents {
			if err := check("agents."+id, p); err != nil {
				return pc, err
			}
		}
		pc.Approvals = &a
	}
	return pc, nil
}

// limits are the numbers that shape a run, after config, the documented
// OPENCLAW_BASH_* environment overrides and OpenClaw's defaults.
type limits struct {
	yield      time.Duration
	timeout    time.Duration
	ttl        time.Duration
	maxOutput  int
	maxPending int
}

func resolveLimits(c execConfig, pc pluginConfig, getenv func(string) string) limits {
	envInt := func(key string, def, lo, hi int64) int64 {
		if v, err := strconv.ParseInt(strings.TrimSpace(getenv(key)), 10, 64); err == nil {
			return min(max(v, lo), hi)
		}
		return def
	}
	l := limits{
		yield:      time.Duration(envInt("OPENCLAW_BASH_YIELD_MS", 10_000, 10, 120_000)) * time.Millisecond,
		timeout:    1800 * time.Second,
		ttl:        time.Duration(envInt("OPENCLAW_BASH_JOB_TTL_MS", 1_800_000, 60_000, 10_800_000)) * time.Millisecond,
		maxOutput:  int(envInt("OPENCLAW_BASH_MAX_OUTPUT_CHARS", 200_000, 1_000, 200_000)),
		maxPending: int(envInt("OPENCLAW_BASH_PENDING_MAX_OUTPUT_CHARS", 30_000, 1_000, 200_000)),
	}
	if c.BackgroundMs != nil {
		l.yield = time.Duration(min(max(*c.BackgroundMs, 10), 120_000)) * time.Millisecond
	}
	if c.TimeoutSec != nil {
		l.timeout = seconds(*c.TimeoutSec)
	}
	if c.TimeoutSeconds != nil {
		l.timeout = seconds(*c.TimeoutSeconds)
	}
	if c.CleanupMs != nil {
		l.ttl = time.Duration(min(max(*c.CleanupMs, 60_000), 10_800_000)) * time.Millisecond
	}
	if pc.MaxOutputChars > 0 {
		l.maxOutput = pc.MaxOutputChars
	}
	if pc.PendingMaxOutputChars > 0 {
		l.maxPending = pc.PendingMaxOutputChars
	}
	l.maxPending = min(l.maxPending, l.maxOutput)
	return l
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// policy builds the effective policy for one call: the stricter of
// tools.exec and the approvals document, hardened by the call's own ask.
func buildPolicy(c execConfig, pc pluginConfig, agentID, callAsk string, fromChannel bool, home string) cmdpolicy.Policy {
	sec, ask := c.securityAsk()
	fallback := c.AskFallback
	var allow []string
	if a := pc.Approvals; a != nil {
		layers := []approvalPolicy{a.Defaults}
		if p, ok := a.Agents["*"]; ok {
			layers = append(layers, p)
		}
		if p, ok := a.Agents[agentID]; ok {
			layers = append(layers, p)
		}
		for _, l := range layers {
			sec = cmdpolicy.StricterSecurity(sec, l.Security)
			ask = cmdpolicy.StricterAsk(ask, l.Ask)
			if l.AskFallback != "" {
				fallback = l.AskFallback
			}
			for _, e := range l.Allowlist {
				allow = append(allow, e.Pattern)
			}
		}
	}
	if fallback == "" {
		fallback = cmdpolicy.SecurityDeny
	}
	// A call can only harden the ask mode, and one that came from a chat
	// channel cannot turn prompts on where the host has them off.
	if callAsk != "" && !(fromChannel && ask == cmdpolicy.AskOff) {
		ask = cmdpolicy.StricterAsk(ask, callAsk)
	}
	trusted := []string{"/bin", "/usr/bin"}
	trusted = append(trusted, c.SafeBinTrustedDirs...)
	return cmdpolicy.Policy{
		Security: sec, Ask: ask, AskFallback: fallback, Allowlist: allow,
		SafeBins: cmdpolicy.SafeBinsFor(c.SafeBins, c.SafeBinProfiles), TrustedDirs: trusted,
		StrictInlineEval: c.StrictInlineEval, Home: home,
	}
}
