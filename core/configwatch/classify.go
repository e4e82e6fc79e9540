// Package configwatch reloads the configuration while the gateway runs: it
// watches the config file (and every file it includes), debounces bursts of
// editor writes, delivers each new valid config or the errors of an invalid
// edit, and classifies a change by what it takes to apply it.
package configwatch

import (
	"reflect"
	"sort"
	"strings"

	"github.com/openclaw-go/openclaw/core/config"
)

// Action is what applying a config change takes.
type Action string

const (
	// ActionNone: nothing to do (no effective change, or reload is off).
	ActionNone Action = "none"
	// ActionHot: apply in the running gateway.
	ActionHot Action = "hot"
	// ActionRestart: restart the gateway (in-process).
	ActionRestart Action = "restart"
)

// Reload modes of gateway.reload.mode.
const (
	ModeHybrid  = "hybrid"
	ModeHot     = "hot"
	ModeRestart = "restart"
	ModeOff     = "off"
)

// ReloadPlan says how to apply the difference between two configs.
type ReloadPlan struct {
	// Mode is the reload mode in force (the new config's).
	Mode   string
	Action Action
	// Changed lists every changed path, sorted. HotPaths and RestartPaths
	// split it by what each path needs; paths that need nothing (metadata)
	// are in neither.
	Changed      []string
	HotPaths     []string
	RestartPaths []string
	// Pending lists changed paths the plan does not apply (they need a
	// restart the mode does not allow); the gateway should say so.
	Pending []string
}

// Classify compares two configs. Under hybrid (the default), changes to
// gateway.*, discovery, canvasHost and plugins restart the gateway and
// everything else (channels, agents, models, tools, sessions, …) applies
// live; hot applies only the live part and leaves the rest pending; restart
// restarts for any change; off applies nothing.
func Classify(old, new *config.Config) ReloadPlan {
	var oldRaw, newRaw map[string]any
	if old != nil {
		oldRaw = old.Raw
	}
	if new != nil {
		newRaw = new.Raw
	}
	plan := ReloadPlan{Mode: reloadMode(newRaw), Action: ActionNone}
	diff("", oldRaw, newRaw, &plan.Changed)
	sort.Strings(plan.Changed)
	for _, p := range plan.Changed {
		switch needs(p) {
		case ActionHot:
			plan.HotPaths = append(plan.HotPaths, p)
		case ActionRestart:
			plan.RestartPaths = append(plan.RestartPaths, p)
		}
	}
	switch plan.Mode {
	case ModeOff:
		plan.Pending = append(append([]string(nil), plan.HotPaths...), plan.RestartPaths...)
		sort.Strings(plan.Pending)
	case ModeRestart:
		if len(plan.HotPaths)+len(plan.RestartPaths) > 0 {
			plan.Action = ActionRestart
		}
	case ModeHot:
		if len(plan.HotPaths) > 0 {
			plan.Action = ActionHot
		}
		plan.Pending = plan.RestartPaths
	default:
		switch {
		case len(plan.RestartPaths) > 0:
			plan.Action = ActionRestart
		case len(plan.HotPaths) > 0:
			plan.Action = ActionHot
		}
	}
	return plan
}

// needs returns what a changed path takes to apply; the longest matching
// prefix decides.
func needs(path string) Action {
	best, action := -1, ActionHot
	for _, r := range []struct {
		prefix string
		action Action
	}{
		{"gateway", ActionRestart},
		{"gateway.reload", ActionHot},
		{"discovery", ActionRestart},
		{"canvasHost", ActionRestart},
		{"plugins", ActionRestart},
		{"bridge", ActionRestart},
		{"meta", ActionNone},
		{"wizard", ActionNone},
		{"$schema", ActionNone},
	} {
		if (path == r.prefix || strings.HasPrefix(path, r.prefix+".")) && len(r.prefix) > best {
			best, action = len(r.prefix), r.action
		}
	}
	return action
}

func reloadMode(raw map[string]any) string {
	gw, _ := raw["gateway"].(map[string]any)
	rl, _ := gw["reload"].(map[string]any)
	if m, ok := rl["mode"].(string); ok && m != "" {
		return m
	}
	return ModeHybrid
}

// diff appends the dotted paths where a and b differ. Objects are compared
// key by key; lists and scalars as whole values.
func diff(prefix string, a, b any, out *[]string) {
	am, aObj := a.(map[string]any)
	bm, bObj := b.(map[string]any)
	if !aObj || !bObj {
		if !reflect.DeepEqual(a, b) {
			*out = append(*out, prefix)
		}
		return
	}
	join := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "." + k
	}
	for k, av := range am {
		bv, ok := bm[k]
		if !ok {
			*out = append(*out, join(k))
			continue
		}
		diff(join(k), av, bv, out)
	}
	for k := range bm {
		if _, ok := am[k]; !ok {
			*out = append(*out, join(k))
		}
	}
}
