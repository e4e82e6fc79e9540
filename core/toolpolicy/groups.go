package toolpolicy

import "sort"

// The tables below follow OpenClaw's tool policy reference: the groups a
// policy entry may name with "group:", and the tools each profile selects.
// They are read-only.

// groups maps a group name to its member tool names. group:openclaw and
// group:plugins are computed (see builtinOpenClaw and Tool.Plugin).
var groups = map[string][]string{
	"group:runtime": {"exec", "process", "code_execution"},
	"group:fs":      {"read", "write", "edit", "apply_patch"},
	"group:sessions": {
		"sessions", "sessions_list", "sessions_history", "sessions_search",
		"conversations_list", "conversations_send", "conversations_turn",
		"sessions_send", "sessions_spawn", "sessions_yield", "subagents",
		"session_status", "suggest_task", "dismiss_task",
	},
	"group:memory":     {"memory_search", "memory_get"},
	"group:web":        {"web_search", "x_search", "web_fetch"},
	"group:ui":         {"browser", "screen", "theme", "dashboard", "terminal", "portal", "canvas", "show_widget"},
	"group:automation": {"heartbeat_respond", "cron", "gateway", "plugins", "openclaw"},
	"group:messaging":  {"message"},
	"group:nodes":      {"nodes", "computer"},
	"group:agents": {
		"agents_list", "get_goal", "create_goal", "update_goal",
		"progress_card", "ask_user", "skill_workshop",
	},
	"group:media": {"view_image", "image_generate", "music_generate", "video_generate", "tts", "pdf"},
}

// GroupOpenClaw is every built-in tool except the file and process tools
// and canvas; GroupPlugins is every plugin-owned tool.
const (
	GroupOpenClaw = "group:openclaw"
	GroupPlugins  = "group:plugins"
)

// notOpenClaw are the built-in tools group:openclaw leaves out.
var notOpenClaw = map[string]bool{
	"read": true, "write": true, "edit": true, "apply_patch": true,
	"exec": true, "process": true, "canvas": true,
}

// aliases map accepted spellings onto the canonical tool name.
var aliases = map[string]string{
	"bash":        "exec",
	"automations": "cron",
}

// Profile names (tools.profile).
const (
	ProfileMinimal   = "minimal"
	ProfileCoding    = "coding"
	ProfileMessaging = "messaging"
	ProfileFull      = "full"
)

// profiles lists what each limited profile selects. "full" (and an unset
// profile) select everything. OpenClaw's limited profiles also carry the
// gateway tool restricted to its update action; action-level restrictions
// are not modelled here, so gateway is left out and must be added with
// alsoAllow.
var profiles = map[string][]string{
	ProfileMinimal: {"session_status"},
	ProfileCoding: {
		"group:fs", "group:runtime", "group:web", "group:sessions", "group:memory",
		"cron", "get_goal", "create_goal", "update_goal", "progress_card", "ask_user",
		"skill_workshop", "view_image", "image_generate", "music_generate", "video_generate",
		"theme", "bundle-mcp",
	},
	ProfileMessaging: {
		"group:messaging", "sessions", "sessions_list", "sessions_history", "sessions_search",
		"conversations_list", "conversations_send", "conversations_turn", "sessions_send",
		"sessions_spawn", "sessions_yield", "subagents", "session_status", "ask_user",
		"theme", "bundle-mcp",
	},
}

// GroupMembers returns the built-in members of a group, sorted; ok is false
// for a group OpenClaw does not define. group:openclaw lists every built-in
// tool it covers; group:plugins has no fixed members.
func GroupMembers(group string) (members []string, ok bool) {
	if group == GroupOpenClaw {
		for _, name := range builtinTools() {
			if !notOpenClaw[name] {
				members = append(members, name)
			}
		}
		return members, true
	}
	if group == GroupPlugins {
		return nil, true
	}
	m, ok := groups[group]
	if !ok {
		return nil, false
	}
	out := append([]string(nil), m...)
	sort.Strings(out)
	return out, true
}

// ProfileEntries returns the policy entries a profile selects; ok is false
// for an unknown profile. A nil list with ok true means no filtering.
func ProfileEntries(profile string) (entries []string, ok bool) {
	switch profile {
	case "", ProfileFull:
		return nil, true
	}
	p, ok := profiles[profile]
	if !ok {
		return nil, false
	}
	return append([]string(nil), p...), true
}

// builtinTools lists every tool name the group table mentions, sorted.
func builtinTools() []string {
	seen := map[string]bool{}
	for _, members := range groups {
		for _, m := range members {
			seen[m] = true
		}
	}
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// builtinSet holds builtinTools for lookups; like the tables, it is never
// changed after initialisation.
var builtinSet = func() map[string]bool {
	set := map[string]bool{}
	for _, name := range builtinTools() {
		set[name] = true
	}
	return set
}()

// isBuiltin reports whether name is one of OpenClaw's built-in tools.
func isBuiltin(name string) bool { return builtinSet[name] }
