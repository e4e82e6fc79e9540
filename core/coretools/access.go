package coretools

import (
	"fmt"
	"strings"

	"github.com/openclaw-go/openclaw/core/sessions"
	"github.com/openclaw-go/openclaw/core/tools"
)

// Visibility scopes of tools.sessions.visibility.
const (
	VisibilitySelf  = "self"
	VisibilityTree  = "tree"
	VisibilityAgent = "agent"
	VisibilityAll   = "all"
)

// access decides which sessions a caller may see and reach.
type access struct {
	caller      string // session key of the calling turn
	callerAgent string
	visibility  string
	a2a         AgentToAgentConfig
}

func newAccess(opts Options, inv tools.Invocation) access {
	a := access{caller: strings.ToLower(inv.SessionKey), callerAgent: sessions.NormalizeAgentID(inv.AgentID), a2a: opts.Tools.AgentToAgent}
	if a.callerAgent == "" || inv.AgentID == "" {
		if p, ok := sessions.ParseKey(a.caller); ok {
			a.callerAgent = p.AgentID
		} else {
			a.callerAgent = sessions.NormalizeAgentID("")
		}
	}
	switch v := strings.ToLower(strings.TrimSpace(opts.Tools.Sessions.Visibility)); v {
	case VisibilitySelf, VisibilityTree, VisibilityAgent:
		a.visibility = v
	default:
		a.visibility = VisibilityAll
	}
	return a
}

// agentOf returns the agent a session key belongs to, or "" for keys that
// name none (cron:, hook:).
func agentOf(key string) string {
	if p, ok := sessions.ParseKey(key); ok {
		return p.AgentID
	}
	return ""
}

// resolveKey turns what the model passed into a session key: "current"
// (or nothing) is the caller's session, "main" the caller's agent's main
// session, a bare name a key of the caller's agent.
func (a access) resolveKey(raw string) string {
	k := strings.ToLower(strings.TrimSpace(raw))
	switch {
	case k == "" || k == "current":
		return a.caller
	case k == "main":
		return sessions.MainKey(a.callerAgent)
	case !strings.Contains(k, ":"):
		return "agent:" + a.callerAgent + ":" + k
	}
	return k
}

// check reports why the caller may not reach key; nil means it may.
func (a access) check(key string) error {
	if key == a.caller {
		return nil
	}
	target := agentOf(key)
	sameAgent := target == "" || target == a.callerAgent
	switch a.visibility {
	case VisibilitySelf:
		return fmt.Errorf("session %s is not visible: tools.sessions.visibility is \"self\" (only the current session)", key)
	case VisibilityTree:
		// Spawned sub-agent sessions are not tracked here, so tree is the
		// current session, widened to the agent's sessions for its main
		// session as OpenClaw does.
		if !sameAgent || a.caller != sessions.MainKey(a.callerAgent) {
			return fmt.Errorf("session %s is not visible: tools.sessions.visibility is \"tree\" (the current session and its sub-agents)", key)
		}
		return nil
	case VisibilityAgent:
		if !sameAgent {
			return fmt.Errorf("session %s belongs to agent %s: tools.sessions.visibility is \"agent\"", key, target)
		}
		return nil
	}
	if sameAgent {
		return nil
	}
	if a.a2a.Enabled != nil && !*a.a2a.Enabled {
		return fmt.Errorf("session %s belongs to agent %s: agent-to-agent access is off (tools.agentToAgent.enabled)", key, target)
	}
	if len(a.a2a.Allow) > 0 && (!agentAllowed(a.a2a.Allow, a.callerAgent) || !agentAllowed(a.a2a.Allow, target)) {
		return fmt.Errorf("agent %s may not reach agent %s: tools.agentToAgent.allow lists neither pair member", a.callerAgent, target)
	}
	return nil
}

// agentAllowed matches an agent id against tools.agentToAgent.allow: exact
// ids are case-sensitive, "*" patterns are not.
func agentAllowed(allow []string, id string) bool {
	for _, p := range allow {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !strings.Contains(p, "*") {
			if p == id {
				return true
			}
			continue
		}
		if wildcard(strings.ToLower(p), strings.ToLower(id)) {
			return true
		}
	}
	return false
}

func wildcard(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, part := range parts[1 : len(parts)-1] {
		i := strings.Index(s, part)
		if i < 0 {
			return false
		}
		s = s[i+len(part):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// Session kinds as sessions_list reports and filters them.
const (
	KindMain  = "main"
	KindGroup = "group"
	KindCron  = "cron"
	KindHook  = "hook"
	KindNode  = "node"
	KindOther = "other"
)

// kindOf classifies a session.
func kindOf(key string, e sessions.Entry) string {
	k := strings.ToLower(key)
	switch {
	case agentOf(k) != "" && k == sessions.MainKey(agentOf(k)):
		return KindMain
	case strings.HasPrefix(k, "cron:") || strings.Contains(k, ":cron:"):
		return KindCron
	case strings.HasPrefix(k, "hook:") || strings.Contains(k, ":hook:"):
		return KindHook
	case strings.HasPrefix(k, "node:") || strings.Contains(k, ":node:"):
		return KindNode
	case e.ChatType == sessions.ChatGroup || e.ChatType == sessions.ChatChannel || sessions.KeyChatType(k) == sessions.ChatGroup:
		return KindGroup
	}
	return KindOther
}
