// Package doctor diagnoses an OpenClaw installation: the config file, the
// environment variables it needs, plugins it refers to, and the state
// directory. Every finding is written for people; the safe ones carry a fix
// that runs only when the user asks for it (openclaw doctor --fix).
package doctor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/openclaw-go/openclaw/core/config"
)

// Severity ranks findings.
type Severity string

// Severities, from harmless to blocking.
const (
	OK      Severity = "ok"
	Info    Severity = "info"
	Warning Severity = "warning"
	Error   Severity = "error"
)

// Areas group findings.
const (
	AreaConfig  = "config"
	AreaEnv     = "environment"
	AreaPlugins = "plugins"
	AreaState   = "state"
	AreaGateway = "gateway"
)

// Finding is one thing doctor noticed.
type Finding struct {
	Area     string   `json:"area"`
	Severity Severity `json:"severity"`
	// Path is the config key or file the finding is about, if any.
	Path    string `json:"path,omitempty"`
	Message string `json:"message"`
	// Fix says what --fix does about it; empty when doctor cannot fix it.
	Fix string `json:"fix,omitempty"`

	apply func(ctx context.Context) error
}

// Fixable reports whether --fix can repair the finding.
func (f Finding) Fixable() bool { return f.apply != nil }

// Options say what to examine.
type Options struct {
	// Load locates and reads the config, as for config.Load.
	Load config.LoadOptions
	// Random feeds token generation; required for the token fix.
	Random io.Reader
}

// Report is the outcome of Run.
type Report struct {
	ConfigPath string    `json:"configPath"`
	StateDir   string    `json:"stateDir"`
	Findings   []Finding `json:"findings"`
}

// Errors counts error findings.
func (r *Report) Errors() int { return r.count(Error) }

// Warnings counts warning findings.
func (r *Report) Warnings() int { return r.count(Warning) }

func (r *Report) count(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// Run examines the installation. It never writes anything.
func Run(ctx context.Context, opts Options) *Report {
	getenv := opts.Load.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	paths := config.ResolvePaths(getenv, opts.Load.Home)
	if opts.Load.Path == "" {
		opts.Load.Path = paths.ConfigPath
	}
	r := &Report{ConfigPath: opts.Load.Path, StateDir: paths.StateDir}
	add := func(f Finding) { r.Findings = append(r.Findings, f) }

	raw := checkConfig(ctx, opts, paths.StateDir, add)
	checkStateDir(paths.StateDir, add)
	checkConfigFileMode(r.ConfigPath, add)
	checkPlugins(raw, opts.Load.Plugins, add)
	checkGateway(raw, getenv, paths.StateDir, opts.Random, add)
	checkWorkspace(raw, opts.Load.Home, paths.StateDir, add)
	sort.SliceStable(r.Findings, func(i, j int) bool { return rank(r.Findings[i].Severity) > rank(r.Findings[j].Severity) })
	return r
}

func rank(s Severity) int {
	switch s {
	case Error:
		return 3
	case Warning:
		return 2
	case Info:
		return 1
	}
	return 0
}

// Fix applies every available fix, in order, and returns the findings it
// repaired. It stops at nothing: each failure is reported and the next fix
// is tried.
func (r *Report) Fix(ctx context.Context) (fixed []Finding, err error) {
	var errs []error
	for _, f := range r.Findings {
		if f.apply == nil {
			continue
		}
		if e := f.apply(ctx); e != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.Fix, e))
			continue
		}
		fixed = append(fixed, f)
	}
	return fixed, errors.Join(errs...)
}

// checkConfig loads the config and returns the settings the other checks
// look at: the effective config, or when it does not load, the file as
// written with the defaults under it, so that they still have something to
// examine.
func checkConfig(ctx context.Context, opts Options, stateDir string, add func(Finding)) map[string]any {
	file, err := config.ReadFile(opts.Load)
	if err != nil {
		add(Finding{Area: AreaConfig, Severity: Error, Path: opts.Load.Path, Message: fmt.Sprintf("The config file cannot be read: %v", err)})
		return config.DefaultsRaw()
	}
	if !file.Exists {
		add(Finding{Area: AreaConfig, Severity: Info, Path: file.Path,
			Message: "There is no config file yet, so safe defaults apply: the gateway listens on this machine only and requires a token."})
	}
	migs := migrations(file.Tree)
	migrated := map[string]bool{}
	for _, m := range migs {
		migrated[m.path] = true
	}
	cfg, err := config.Load(ctx, opts.Load)
	raw := config.DefaultsRaw()
	if err != nil {
		reportLoadError(err, file, stateDir, add)
		for k, v := range file.Tree {
			raw[k] = v
		}
	} else {
		raw = cfg.Raw
		if file.Exists {
			add(Finding{Area: AreaConfig, Severity: OK, Path: file.Path, Message: "The config file is valid."})
		}
		for _, w := range cfg.Warnings {
			if strings.Contains(w.Message, "is not installed") || migrated[w.Path] {
				continue // reported by the plugin check or as a migration
			}
			add(Finding{Area: AreaConfig, Severity: Warning, Path: w.Path, Message: fmt.Sprintf("%s: %s", w.Path, w.Message)})
		}
	}
	for _, m := range migs {
		m := m
		add(Finding{Area: AreaConfig, Severity: Warning, Path: m.path, Message: m.message, Fix: m.fix,
			apply: func(ctx context.Context) error { return applyMigration(ctx, opts.Load, m) }})
	}
	return raw
}

func reportLoadError(err error, file *config.File, stateDir string, add func(Finding)) {
	var perr *config.ParseError
	var envErr *config.EnvError
	var verr *config.ValidationError
	found := false
	if errors.As(err, &perr) {
		found = true
		add(Finding{Area: AreaConfig, Severity: Error, Path: perr.File,
			Message: fmt.Sprintf("The config file is not valid JSON5: %v", perr)})
	}
	if errors.As(err, &envErr) {
		found = true
		for _, m := range envErr.Missing {
			add(Finding{Area: AreaEnv, Severity: Error, Path: m.Path,
				Message: fmt.Sprintf("%s uses ${%s}, but that environment variable is not set (or empty). Set it in the gateway's environment, in %s, or under env.vars in the config.",
					m.Path, m.Name, filepath.Join(stateDir, ".env"))})
		}
	}
	if errors.As(err, &verr) {
		found = true
		for _, p := range verr.Problems {
			sev, area := Error, AreaConfig
			if strings.Contains(p.Message, "no installed plugin provides channel") {
				area = AreaPlugins
			}
			add(Finding{Area: area, Severity: sev, Path: p.Path, Message: fmt.Sprintf("%s: %s", p.Path, p.Message)})
		}
	}
	if !found {
		add(Finding{Area: AreaConfig, Severity: Error, Path: file.Path, Message: fmt.Sprintf("The config cannot be loaded: %v", err)})
	}
	add(Finding{Area: AreaConfig, Severity: Info, Path: file.Path,
		Message: "The gateway refuses to start until the config is valid; diagnostic commands keep working."})
}

func checkPlugins(raw map[string]any, plugins config.PluginSchemas, add func(Finding)) {
	core := map[string]bool{}
	for _, id := range config.CoreChannels() {
		core[id] = true
	}
	channels, _ := raw["channels"].(map[string]any)
	for _, id := range sortedKeys(channels) {
		if !core[id] {
			continue // validation already names the plugin these need
		}
		section, _ := channels[id].(map[string]any)
		if enabled, ok := section["enabled"].(bool); ok && !enabled {
			continue
		}
		if plugins == nil {
			continue
		}
		if _, _, ok := plugins.ChannelSchema(id); !ok {
			add(Finding{Area: AreaPlugins, Severity: Warning, Path: "channels." + id,
				Message: fmt.Sprintf("Channel %q is configured, but the plugin that runs it is not installed, so it will not start. Install it: openclaw plugins install %s", id, config.PluginPackage(id))})
		}
	}
	pl, _ := raw["plugins"].(map[string]any)
	entries, _ := pl["entries"].(map[string]any)
	ids := map[string]bool{}
	for id := range entries {
		ids[id] = true
	}
	if allow, ok := pl["allow"].([]any); ok {
		for _, e := range allow {
			if s, ok := e.(string); ok {
				ids[s] = true
			}
		}
	}
	for _, id := range sortedKeys(toAny(ids)) {
		installed := false
		if plugins != nil {
			_, installed = plugins.PluginSchema(id)
		}
		if !installed {
			add(Finding{Area: AreaPlugins, Severity: Warning, Path: "plugins.entries." + id,
				Message: fmt.Sprintf("The config refers to plugin %q, which is not installed. Install it: openclaw plugins install %s", id, config.PluginPackage(id))})
		}
	}
}

func checkStateDir(dir string, add func(Finding)) {
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		add(Finding{Area: AreaState, Severity: Warning, Path: dir,
			Message: fmt.Sprintf("The state directory %s does not exist yet.", dir),
			Fix:     fmt.Sprintf("create %s (mode 0700)", dir),
			apply:   func(context.Context) error { return os.MkdirAll(dir, 0o700) }})
		return
	case err != nil:
		add(Finding{Area: AreaState, Severity: Error, Path: dir, Message: fmt.Sprintf("The state directory %s cannot be examined: %v", dir, err)})
		return
	case !info.IsDir():
		add(Finding{Area: AreaState, Severity: Error, Path: dir, Message: fmt.Sprintf("%s should be the state directory but is a file. Move it away.", dir)})
		return
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		add(Finding{Area: AreaState, Severity: Warning, Path: dir,
			Message: fmt.Sprintf("The state directory %s is accessible to other users (mode %04o); it holds credentials and conversations.", dir, info.Mode().Perm()),
			Fix:     fmt.Sprintf("restrict %s to its owner (mode 0700)", dir),
			apply:   func(context.Context) error { return os.Chmod(dir, 0o700) }})
	}
	probe, err := os.CreateTemp(dir, ".doctor-*")
	if err != nil {
		add(Finding{Area: AreaState, Severity: Error, Path: dir, Message: fmt.Sprintf("The state directory %s is not writable: %v", dir, err)})
		return
	}
	probe.Close()
	os.Remove(probe.Name())
	add(Finding{Area: AreaState, Severity: OK, Path: dir, Message: fmt.Sprintf("The state directory %s is in place and writable.", dir)})
}

func checkConfigFileMode(path string, add func(Finding)) {
	info, err := os.Stat(path)
	if err != nil || runtime.GOOS == "windows" {
		return
	}
	if info.Mode().Perm()&0o077 != 0 {
		add(Finding{Area: AreaState, Severity: Warning, Path: path,
			Message: fmt.Sprintf("The config file %s is readable by other users (mode %04o) and may contain secrets.", path, info.Mode().Perm()),
			Fix:     fmt.Sprintf("restrict %s to its owner (mode 0600)", path),
			apply:   func(context.Context) error { return os.Chmod(path, 0o600) }})
	}
}

func checkGateway(raw map[string]any, getenv func(string) string, stateDir string, random io.Reader, add func(Finding)) {
	mode := lookup(raw, "gateway", "auth", "mode")
	bind := lookup(raw, "gateway", "bind")
	if bind == "" {
		bind = "loopback"
	}
	if mode == "none" && bind != "loopback" {
		add(Finding{Area: AreaGateway, Severity: Error, Path: "gateway.auth.mode",
			Message: fmt.Sprintf("gateway.bind is %q but authentication is off; the gateway refuses to listen beyond this machine without auth. Set gateway.auth.mode to \"token\".", bind)})
	}
	if mode == "" {
		mode = "token"
	}
	if mode != "token" {
		return
	}
	if getenv("OPENCLAW_GATEWAY_TOKEN") != "" || lookup(raw, "gateway", "auth", "token") != "" {
		return
	}
	tok, err := config.ReadGatewayToken(stateDir)
	switch {
	case err != nil:
		add(Finding{Area: AreaGateway, Severity: Error, Path: filepath.Join(stateDir, config.GatewayTokenFile), Message: err.Error()})
	case tok == "":
		f := Finding{Area: AreaGateway, Severity: Info, Path: filepath.Join(stateDir, config.GatewayTokenFile),
			Message: "No gateway token is configured; one is generated into the state directory when the gateway first starts."}
		if random != nil {
			f.Fix = "generate the gateway token now"
			f.apply = func(context.Context) error {
				_, _, err := config.EnsureGatewayToken(stateDir, random)
				return err
			}
		}
		add(f)
	}
}

func checkWorkspace(raw map[string]any, home, stateDir string, add func(Finding)) {
	ws := lookup(raw, "agents", "defaults", "workspace")
	if ws == "" {
		return
	}
	dir := config.ExpandHome(ws, home)
	// The built-in default means "the workspace in the state directory",
	// which is what the agent uses when OPENCLAW_STATE_DIR moves it.
	if ws == "~/.openclaw/workspace" {
		dir = filepath.Join(stateDir, "workspace")
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		add(Finding{Area: AreaState, Severity: Info, Path: dir,
			Message: fmt.Sprintf("The agent workspace %s does not exist yet; it is created on first use.", dir),
			Fix:     fmt.Sprintf("create %s (mode 0700)", dir),
			apply:   func(context.Context) error { return os.MkdirAll(dir, 0o700) }})
	}
}

// lookup returns the string at a key path, or "" (secret references and
// other non-strings count as set when non-empty).
func lookup(raw map[string]any, keys ...string) string {
	var cur any = raw
	for _, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = m[k]
	}
	switch v := cur.(type) {
	case string:
		return v
	case nil:
		return ""
	}
	return fmt.Sprint(cur)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func toAny(m map[string]bool) map[string]any {
	out := make(map[string]any, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}
