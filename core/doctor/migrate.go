package doctor

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/openclaw-go/openclaw/core/config"
)

// migration rewrites a retired setting into its current form. Each is
// deterministic and loses nothing: the patch carries the same meaning.
type migration struct {
	path    string
	message string
	fix     string
	patch   map[string]any
}

// migrations finds retired settings in the config file as written. Sections
// that come from $include files are left alone: rewriting them would mean
// editing files the user may share between configs.
func migrations(tree map[string]any) []migration {
	var out []migration
	obj := func(v any) (map[string]any, bool) {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if _, inc := m[config.IncludeKey]; inc {
			return nil, false
		}
		return m, true
	}

	if legacy, ok := obj(tree["agent"]); ok {
		agents, agentsOK := obj(tree["agents"])
		if tree["agents"] == nil {
			agents, agentsOK = map[string]any{}, true
		}
		defaults, defaultsOK := obj(agents["defaults"])
		if agentsOK && agents["defaults"] == nil {
			defaults, defaultsOK = map[string]any{}, true
		}
		if agentsOK && defaultsOK {
			merged := map[string]any{}
			for k, v := range legacy {
				merged[k] = v
			}
			for k, v := range defaults {
				merged[k] = v // settings already under agents.defaults win
			}
			out = append(out, migration{
				path:    "agent",
				message: "The top-level \"agent\" section is the old name of agents.defaults.",
				fix:     "move agent.* into agents.defaults",
				patch:   map[string]any{"agent": nil, "agents": map[string]any{"defaults": merged}},
			})
		}
	}

	if messages, ok := obj(tree["messages"]); ok {
		if tts, ok := obj(messages["tts"]); ok {
			if enabled, ok := tts["enabled"].(bool); ok {
				auto := tts["auto"]
				if auto == nil {
					auto = "off"
					if enabled {
						auto = "always"
					}
				}
				out = append(out, migration{
					path:    "messages.tts.enabled",
					message: "messages.tts.enabled is replaced by messages.tts.auto.",
					fix:     fmt.Sprintf("set messages.tts.auto to %q and remove messages.tts.enabled", auto),
					patch:   map[string]any{"messages": map[string]any{"tts": map[string]any{"enabled": nil, "auto": auto}}},
				})
			}
		}
	}

	if agents, ok := obj(tree["agents"]); ok {
		if defaults, ok := obj(agents["defaults"]); ok {
			if sandbox, ok := obj(defaults["sandbox"]); ok {
				if per, ok := sandbox["perSession"].(bool); ok {
					scope := sandbox["scope"]
					if scope == nil {
						scope = "shared"
						if per {
							scope = "session"
						}
					}
					out = append(out, migration{
						path:    "agents.defaults.sandbox.perSession",
						message: "agents.defaults.sandbox.perSession is replaced by agents.defaults.sandbox.scope.",
						fix:     fmt.Sprintf("set agents.defaults.sandbox.scope to %q and remove perSession", scope),
						patch: map[string]any{"agents": map[string]any{"defaults": map[string]any{
							"sandbox": map[string]any{"perSession": nil, "scope": scope},
						}}},
					})
				}
			}
		}
	}

	if session, ok := obj(tree["session"]); ok {
		if idle, ok := session["idleMinutes"].(float64); ok && session["reset"] == nil {
			out = append(out, migration{
				path:    "session.idleMinutes",
				message: "session.idleMinutes is replaced by session.reset (mode \"idle\").",
				fix:     "move session.idleMinutes into session.reset",
				patch: map[string]any{"session": map[string]any{
					"idleMinutes": nil,
					"reset":       map[string]any{"mode": "idle", "idleMinutes": idle},
				}},
			})
		}
	}

	if _, ok := tree["bridge"]; ok {
		out = append(out, migration{
			path:    "bridge",
			message: "The bridge was removed; its settings do nothing.",
			fix:     "remove the bridge section",
			patch:   map[string]any{"bridge": nil},
		})
	}
	return out
}

func applyMigration(ctx context.Context, opts config.LoadOptions, m migration) error {
	file, err := config.ReadFile(opts)
	if err != nil {
		return err
	}
	patch, err := json.Marshal(m.patch)
	if err != nil {
		return err
	}
	_, err = config.Patch(ctx, file.Path, patch, file.Hash, opts)
	return err
}
