package skills

import (
	"fmt"
	"runtime"
	"strings"
)

// Env is what eligibility checks look at. Every lookup is passed in so
// checks are deterministic in tests and can target a remote host later.
type Env struct {
	// GOOS is the host's operating system (runtime.GOOS style).
	GOOS string
	// LookPath finds a binary on PATH (exec.LookPath).
	LookPath func(bin string) (string, error)
	// Getenv reads the process environment.
	Getenv func(key string) string
	// ConfigTruthy reports whether a dotted openclaw.json path is truthy.
	ConfigTruthy func(path string) bool
	// PluginInstalled reports whether a plugin package (or id) is installed.
	PluginInstalled func(name string) bool
	// Config is the skills.* section.
	Config Config
}

// Reason kinds, in the order checks run.
const (
	ReasonDisabled = "disabled"
	ReasonBundled  = "not-allowed"
	ReasonOS       = "os"
	ReasonBins     = "bins"
	ReasonAnyBins  = "anyBins"
	ReasonEnv      = "env"
	ReasonConfig   = "config"
	ReasonPlugins  = "plugins"
)

// Reason is one thing keeping a skill from being eligible.
type Reason struct {
	Kind string
	// Missing lists what is missing (binaries, variables, paths, plugins).
	Missing []string
	Message string
}

func (r Reason) String() string { return r.Message }

// Eligibility is a skill's verdict.
type Eligibility struct {
	Eligible bool
	Reasons  []Reason
}

// Check decides whether sk may be used here. A skill without
// metadata.openclaw is eligible unless disabled; "always" skips the
// requirement checks but not the OS filter.
func Check(sk *Skill, env Env) Eligibility {
	var reasons []Reason
	add := func(kind string, missing []string, format string, args ...any) {
		reasons = append(reasons, Reason{Kind: kind, Missing: missing, Message: fmt.Sprintf(format, args...)})
	}
	entry := env.Config.Entries[sk.Key]
	if entry.Enabled != nil && !*entry.Enabled {
		add(ReasonDisabled, nil, "disabled in config (skills.entries.%s.enabled)", sk.Key)
	}
	if sk.Source == SourceBundled && len(env.Config.AllowBundled) > 0 && !contains(env.Config.AllowBundled, sk.Name) {
		add(ReasonBundled, nil, "bundled skill not in skills.allowBundled")
	}
	meta := sk.Frontmatter.OpenClaw
	if meta == nil {
		return verdict(reasons)
	}
	if len(meta.OS) > 0 {
		host := nodeOS(env.GOOS)
		if !contains(meta.OS, host) {
			add(ReasonOS, nil, "runs on %s only (this host is %s)", strings.Join(meta.OS, ", "), host)
		}
	}
	if meta.Always {
		return verdict(reasons)
	}
	req := meta.Requires
	if missing := filter(req.Bins, func(b string) bool { return !onPath(env, b) }); len(missing) > 0 {
		add(ReasonBins, missing, "missing binaries: %s", strings.Join(missing, ", "))
	}
	if len(req.AnyBins) > 0 && len(filter(req.AnyBins, func(b string) bool { return onPath(env, b) })) == 0 {
		add(ReasonAnyBins, req.AnyBins, "needs one of: %s", strings.Join(req.AnyBins, ", "))
	}
	if missing := filter(req.Env, func(v string) bool { return !envSet(env, entry, meta, v) }); len(missing) > 0 {
		add(ReasonEnv, missing, "missing environment variables: %s", strings.Join(missing, ", "))
	}
	if missing := filter(req.Config, func(p string) bool { return env.ConfigTruthy == nil || !env.ConfigTruthy(p) }); len(missing) > 0 {
		add(ReasonConfig, missing, "config not set: %s", strings.Join(missing, ", "))
	}
	if missing := filter(req.Plugins, func(p string) bool { return env.PluginInstalled == nil || !env.PluginInstalled(pluginName(p)) }); len(missing) > 0 {
		add(ReasonPlugins, missing, "missing plugins: %s (install with `openclaw plugins install`, or `openclaw skills install %s --with-deps`)", strings.Join(missing, ", "), sk.Name)
	}
	return verdict(reasons)
}

func verdict(reasons []Reason) Eligibility {
	return Eligibility{Eligible: len(reasons) == 0, Reasons: reasons}
}

// nodeOS maps Go's names onto the ones SKILL.md uses (Node's).
func nodeOS(goos string) string {
	if goos == "" {
		goos = runtime.GOOS
	}
	if goos == "windows" {
		return "win32"
	}
	return goos
}

func onPath(env Env, bin string) bool {
	if env.LookPath == nil {
		return false
	}
	_, err := env.LookPath(bin)
	return err == nil
}

func envSet(env Env, entry EntryConfig, meta *Metadata, name string) bool {
	if env.Getenv != nil && env.Getenv(name) != "" {
		return true
	}
	if entry.Env[name] != "" {
		return true
	}
	return name == meta.PrimaryEnv && len(entry.APIKey) > 0 && string(entry.APIKey) != "null" && string(entry.APIKey) != `""`
}

// pluginName strips a version range from "name@range".
func pluginName(spec string) string {
	if i := strings.LastIndex(spec, "@"); i > 0 {
		return spec[:i]
	}
	return spec
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func filter(xs []string, keep func(string) bool) []string {
	var out []string
	for _, x := range xs {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}
