package sessions

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Config mirrors the session.* keys of openclaw.json that sessions and
// session keys depend on. Decode the "session" subtree into it.
type Config struct {
	// Scope is session.scope ("per-sender" or "global"); kept for
	// round-tripping, key building does not use it yet.
	Scope string `json:"scope,omitempty"`
	// DMScope groups direct messages: main (default), per-peer,
	// per-channel-peer or per-account-channel-peer.
	DMScope string `json:"dmScope,omitempty"`
	// GroupScope is per-group (default) or main.
	GroupScope string `json:"groupScope,omitempty"`
	// IdentityLinks maps a canonical name to provider-prefixed peer ids so
	// one person's DMs on several channels share a session.
	IdentityLinks map[string][]string `json:"identityLinks,omitempty"`
	// Reset is the primary automatic reset policy; none by default.
	Reset *ResetPolicy `json:"reset,omitempty"`
	// ResetByType overrides Reset for "direct", "group" or "thread" sessions.
	ResetByType map[string]ResetPolicy `json:"resetByType,omitempty"`
	// ResetByChannel overrides both for sessions of one channel.
	ResetByChannel map[string]ResetPolicy `json:"resetByChannel,omitempty"`
	// ResetTriggers are the chat commands that start a fresh session;
	// "/new" and "/reset" when unset.
	ResetTriggers []string `json:"resetTriggers,omitempty"`
	// Store is the sessions.json path; "{agentId}" is replaced by the agent
	// id. Defaults to <stateDir>/agents/{agentId}/sessions/sessions.json.
	Store string `json:"store,omitempty"`
	// MainKey is accepted and ignored, as in OpenClaw.
	MainKey string `json:"mainKey,omitempty"`
}

// Reset modes.
const (
	ResetNone  = "none"
	ResetDaily = "daily"
	ResetIdle  = "idle"
)

// DefaultResetHour is the local hour a daily reset happens at when atHour is
// unset.
const DefaultResetHour = 4

// ResetPolicy is one session.reset block.
type ResetPolicy struct {
	// Mode is none, daily or idle.
	Mode string `json:"mode,omitempty"`
	// AtHour is the local hour (0-23) of the daily reset; 4 when unset.
	AtHour *int `json:"atHour,omitempty"`
	// IdleMinutes ends a session after this much inactivity. With mode
	// daily it applies too: whichever expires first wins.
	IdleMinutes int `json:"idleMinutes,omitempty"`
}

// Validate reports every problem in the session config, each naming the
// offending key.
func (c Config) Validate() error {
	var errs []error
	switch c.DMScope {
	case "", DMScopeMain, DMScopePerPeer, DMScopePerChannelPeer, DMScopePerAccountChannelPeer:
	default:
		errs = append(errs, fmt.Errorf("session.dmScope: %q is not one of main, per-peer, per-channel-peer, per-account-channel-peer", c.DMScope))
	}
	switch c.GroupScope {
	case "", GroupScopePerGroup, GroupScopeMain:
	default:
		errs = append(errs, fmt.Errorf("session.groupScope: %q is not one of per-group, main", c.GroupScope))
	}
	switch c.Scope {
	case "", "per-sender", "global":
	default:
		errs = append(errs, fmt.Errorf("session.scope: %q is not one of per-sender, global", c.Scope))
	}
	if c.Reset != nil {
		errs = append(errs, c.Reset.validate("session.reset")...)
	}
	for _, typ := range sortedKeys(c.ResetByType) {
		p := c.ResetByType[typ]
		switch typ {
		case "direct", "group", "thread":
		case "dm":
			errs = append(errs, errors.New(`session.resetByType.dm: renamed to "direct"`))
			continue
		default:
			errs = append(errs, fmt.Errorf("session.resetByType.%s: unknown session type (use direct, group or thread)", typ))
			continue
		}
		errs = append(errs, p.validate("session.resetByType."+typ)...)
	}
	for _, ch := range sortedKeys(c.ResetByChannel) {
		p := c.ResetByChannel[ch]
		errs = append(errs, p.validate("session.resetByChannel."+ch)...)
	}
	for i, t := range c.ResetTriggers {
		if strings.TrimSpace(t) == "" {
			errs = append(errs, fmt.Errorf("session.resetTriggers[%d]: empty trigger", i))
		}
	}
	return errors.Join(errs...)
}

func (p ResetPolicy) validate(path string) []error {
	var errs []error
	switch p.Mode {
	case "", ResetNone, ResetDaily, ResetIdle:
	default:
		errs = append(errs, fmt.Errorf("%s.mode: %q is not one of none, daily, idle", path, p.Mode))
	}
	if p.AtHour != nil && (*p.AtHour < 0 || *p.AtHour > 23) {
		errs = append(errs, fmt.Errorf("%s.atHour: %d is not an hour between 0 and 23", path, *p.AtHour))
	}
	if p.IdleMinutes < 0 {
		errs = append(errs, fmt.Errorf("%s.idleMinutes: %d is negative", path, p.IdleMinutes))
	}
	if p.Mode == ResetIdle && p.IdleMinutes == 0 {
		errs = append(errs, fmt.Errorf("%s.idleMinutes: mode idle needs idleMinutes > 0", path))
	}
	return errs
}

// ResetPolicyFor picks the policy for a session: a resetByChannel entry for
// its channel wins outright, then resetByType for its type (direct, group,
// thread), then session.reset; no automatic reset when none is set.
func (c Config) ResetPolicyFor(key string) ResetPolicy {
	if ch := KeyChannel(key); ch != "" {
		for name, p := range c.ResetByChannel {
			if strings.EqualFold(name, ch) {
				return p
			}
		}
	}
	if p, ok := c.ResetByType[KeyChatType(key)]; ok {
		return p
	}
	if c.Reset != nil {
		return *c.Reset
	}
	return ResetPolicy{Mode: ResetNone}
}

// ResetTrigger reports whether text starts with one of the reset triggers
// (case-insensitively, as a whole word) and returns the text that follows it,
// which OpenClaw keeps as the first message of the new session.
func (c Config) ResetTrigger(text string) (rest string, ok bool) {
	triggers := c.ResetTriggers
	if len(triggers) == 0 {
		triggers = []string{"/new", "/reset"}
	}
	trimmed := strings.TrimLeft(text, " \t\r\n")
	for _, t := range triggers {
		t = strings.TrimSpace(t)
		if t == "" || len(trimmed) < len(t) || !strings.EqualFold(trimmed[:len(t)], t) {
			continue
		}
		tail := trimmed[len(t):]
		if strings.HasPrefix(tail, "@") {
			// Telegram addresses commands in groups as "/new@SomeBot".
			end := strings.IndexAny(tail, " \t\r\n")
			if end < 0 {
				end = len(tail)
			}
			tail = tail[end:]
		}
		if tail != "" && !strings.ContainsRune(" \t\r\n", rune(tail[0])) {
			continue // "/newer" is not "/new"
		}
		return strings.TrimSpace(tail), true
	}
	return "", false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
