package config

import (
	"fmt"

	"github.com/openclaw-go/openclaw/core/config/schema"
)

// checkSemantics finds problems that involve more than one key: rules the
// reference states in prose rather than as a type.
func checkSemantics(raw map[string]any) []Problem {
	var out []Problem
	out = append(out, checkOpenPolicies(raw)...)
	out = append(out, checkGatewayAuth(raw)...)
	out = append(out, checkAgentRefs(raw)...)
	return out
}

// checkOpenPolicies enforces that an "open" DM policy is explicit: the
// allowlist must contain "*", so nobody opens a bot to the world by typo.
func checkOpenPolicies(raw map[string]any) []Problem {
	channels, _ := raw["channels"].(map[string]any)
	var out []Problem
	check := func(path schema.Path, policy any, allow any) {
		if policy != "open" {
			return
		}
		if list, ok := allow.([]any); ok {
			for _, e := range list {
				if e == "*" {
					return
				}
			}
		}
		out = append(out, Problem{Path: path.String(), Message: `policy "open" requires allowFrom to contain "*" (expected allowFrom: ["*"])`})
	}
	section := func(base schema.Path, s map[string]any) {
		check(base.Key("dmPolicy"), s["dmPolicy"], s["allowFrom"])
		if dm, ok := s["dm"].(map[string]any); ok {
			allow := dm["allowFrom"]
			if allow == nil {
				allow = s["allowFrom"]
			}
			check(base.Key("dm").Key("policy"), dm["policy"], allow)
		}
	}
	for _, id := range sortedMapKeys(channels) {
		ch, ok := channels[id].(map[string]any)
		if _, core := coreChannelProps(id); !ok || !core {
			continue
		}
		base := schema.Path{{Key: "channels"}, {Key: id}}
		section(base, ch)
		accounts, _ := ch["accounts"].(map[string]any)
		for _, acc := range sortedMapKeys(accounts) {
			if a, ok := accounts[acc].(map[string]any); ok {
				merged := map[string]any{"dmPolicy": a["dmPolicy"], "allowFrom": a["allowFrom"], "dm": a["dm"]}
				if merged["allowFrom"] == nil {
					merged["allowFrom"] = ch["allowFrom"]
				}
				section(base.Key("accounts").Key(acc), merged)
			}
		}
	}
	return out
}

func checkGatewayAuth(raw map[string]any) []Problem {
	gw, _ := raw["gateway"].(map[string]any)
	auth, _ := gw["auth"].(map[string]any)
	if auth == nil {
		return nil
	}
	_, hasToken := auth["token"]
	_, hasPassword := auth["password"]
	if hasToken && hasPassword && auth["mode"] == nil {
		return []Problem{{Path: "gateway.auth.mode", Message: `both token and password are set; choose one (expected "token" or "password", got no mode)`}}
	}
	return nil
}

// agentIDs lists the configured agents; with none configured the implicit
// default agent is "main".
func agentIDs(raw map[string]any) (ids map[string]bool, explicit bool) {
	ids = map[string]bool{}
	agents, _ := raw["agents"].(map[string]any)
	if list, ok := agents["list"].([]any); ok {
		for _, e := range list {
			if a, ok := e.(map[string]any); ok {
				if id, ok := a["id"].(string); ok {
					ids[id] = true
				}
			}
		}
	}
	if entries, ok := agents["entries"].(map[string]any); ok {
		for id := range entries {
			ids[id] = true
		}
	}
	if len(ids) == 0 {
		return map[string]bool{"main": true}, false
	}
	return ids, true
}

func checkAgentRefs(raw map[string]any) []Problem {
	var out []Problem
	agents, _ := raw["agents"].(map[string]any)
	if list, ok := agents["list"].([]any); ok {
		seen := map[string]int{}
		defaults := 0
		for i, e := range list {
			a, ok := e.(map[string]any)
			if !ok {
				continue
			}
			if id, ok := a["id"].(string); ok {
				if first, dup := seen[id]; dup {
					out = append(out, Problem{Path: fmt.Sprintf("agents.list[%d].id", i), Message: fmt.Sprintf("duplicate agent id %q (already used by agents.list[%d])", id, first)})
				} else {
					seen[id] = i
				}
			}
			if d, _ := a["default"].(bool); d {
				defaults++
			}
		}
		if defaults > 1 {
			out = append(out, Problem{Path: "agents.list", Message: "more than one agent is marked default; the first one wins", Warning: true})
		}
	}
	ids, explicit := agentIDs(raw)
	known := func() string {
		if !explicit {
			return `the default agent "main" (no agents are configured)`
		}
		return "an agent id from agents.list or agents.entries"
	}
	if bindings, ok := raw["bindings"].([]any); ok {
		for i, e := range bindings {
			b, _ := e.(map[string]any)
			if id, ok := b["agentId"].(string); ok && !ids[id] {
				out = append(out, Problem{Path: fmt.Sprintf("bindings[%d].agentId", i), Message: fmt.Sprintf("unknown agent (expected %s, got %q)", known(), id)})
			}
		}
	}
	if broadcast, ok := raw["broadcast"].(map[string]any); ok {
		base := schema.Path{{Key: "broadcast"}}
		for _, peer := range sortedMapKeys(broadcast) {
			list, ok := broadcast[peer].([]any)
			if !ok {
				continue
			}
			for i, e := range list {
				if id, ok := e.(string); ok && !ids[id] {
					out = append(out, Problem{Path: base.Key(peer).Index(i).String(), Message: fmt.Sprintf("unknown agent (expected %s, got %q)", known(), id)})
				}
			}
		}
	}
	return out
}
