// Package config loads, validates and writes OpenClaw's configuration file,
// openclaw.json: JSON5 with $include directives, ${VAR} substitution, .env
// files and a strict schema covering every documented key.
//
// The package never reads the process environment or the home directory by
// itself; callers pass them in through LoadOptions, so tests and the gateway
// decide what the loader sees.
package config

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/openclaw-go/openclaw/core/config/schema"
	"github.com/tidwall/gjson"
)

// Problem is one thing wrong with a config: a key path and what is wrong.
type Problem = schema.Problem

// LoadOptions say where the config is and what the loader may see.
type LoadOptions struct {
	// Path is the config file. Empty resolves it with ResolvePaths.
	Path string
	// Getenv reads the process environment, usually os.Getenv. Nil means an
	// empty environment.
	Getenv func(string) string
	// Home is the user's home directory ("~" in paths).
	Home string
	// WorkDir is the directory whose .env file is loaded; empty skips it.
	WorkDir string
	// SkipDotEnv ignores .env files entirely.
	SkipDotEnv bool
	// Plugins supplies config schemas of installed plugins. Nil means no
	// plugin is installed.
	Plugins PluginSchemas
	// ReadFile reads files; nil uses os.ReadFile.
	ReadFile func(string) ([]byte, error)
	// Source, when non-nil, is the config file's content, used instead of
	// reading Path (to check a candidate before writing it). Includes still
	// resolve relative to Path.
	Source []byte
	// AllowMissingEnv leaves ${VAR} references whose variable is unset in
	// place and reports them as warnings instead of failing. Tools that run
	// outside the gateway's environment (the CLI editing the file) use it;
	// the gateway itself does not.
	AllowMissingEnv bool
}

// Config is a loaded, validated configuration.
type Config struct {
	// Path is the config file the configuration came from.
	Path string
	// Paths are the resolved state directory and config path.
	Paths Paths
	// Exists reports whether the file existed; when false, Raw holds the
	// built-in defaults.
	Exists bool
	// Raw is the effective configuration: includes expanded, variables
	// substituted and defaults filled in. Treat it as read-only.
	Raw map[string]any
	// Authored is the same without defaults: what the user wrote, after
	// includes and substitution.
	Authored map[string]any
	// Source is the config file's bytes as read.
	Source []byte
	// Files lists the config file and every included file, in load order.
	Files []string
	// Env holds variables that came from .env files or the config's env
	// block and were missing from the process environment. The gateway
	// exports them to its own environment at startup.
	Env map[string]string
	// Warnings are problems that do not invalidate the config (deprecated
	// keys, settings for plugins that are not installed).
	Warnings []Problem

	hash     string
	jsonOnce sync.Once
	json     []byte
}

// ValidationError reports every problem that makes a config invalid.
type ValidationError struct {
	Path     string
	Problems []Problem
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid config (%d problem", len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	b.WriteString("):")
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Load reads, expands and validates the config. A missing file yields the
// defaults. On failure the error wraps *ParseError, *EnvError and/or
// *ValidationError, which errors.As can extract; unresolved variables and
// schema problems are both reported when both occur.
func Load(ctx context.Context, opts LoadOptions) (*Config, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	getenv := opts.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	readFile := opts.ReadFile
	if readFile == nil {
		readFile = os.ReadFile
	}
	paths := ResolvePaths(getenv, opts.Home)
	path := paths.ConfigPath
	if opts.Path != "" {
		path = filepath.Clean(expandHome(opts.Path, opts.Home))
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	cfg := &Config{Path: path, Paths: paths}

	env := &overlay{base: getenv, added: map[string]string{}}
	if !opts.SkipDotEnv {
		for _, dir := range []string{opts.WorkDir, paths.StateDir} {
			if dir == "" {
				continue
			}
			if err := env.loadDotEnv(filepath.Join(dir, ".env"), readFile); err != nil {
				return nil, fmt.Errorf("load config %s: %w", path, err)
			}
		}
	}

	in := &includer{readFile: readFile, home: opts.Home}
	authored := map[string]any{}
	source := opts.Source
	if source == nil {
		data, err := in.read(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			source = nil
		case err != nil:
			return nil, fmt.Errorf("load config %s: %w", path, err)
		default:
			source = data
		}
	} else {
		if in.sources == nil {
			in.sources = map[string][]byte{}
		}
		in.sources[path] = source
		in.files = append(in.files, path)
	}
	if source != nil {
		cfg.Exists = true
		cfg.Source = source
		v, err := parseJSON5(source, path)
		if err != nil {
			return nil, fmt.Errorf("load config: %w", err)
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("load config: %w", &ParseError{File: path, Msg: fmt.Sprintf("the config must be a JSON5 object (got %s)", kindOf(v))})
		}
		resolved, err := in.resolve(obj, path, []string{path}, nil)
		if err != nil {
			return nil, fmt.Errorf("load config: %w", err)
		}
		authored = resolved.(map[string]any)
	}
	cfg.Files = in.files
	cfg.hash = hashSources(in.files, in.sources)

	env.applyConfigBlock(authored["env"])
	var missing []MissingVar
	substituteTree(authored, env.get, nil, &missing, opts.AllowMissingEnv)
	cfg.Env = env.added
	sort.Slice(missing, func(i, j int) bool { return missing[i].Path < missing[j].Path })

	var errs []error
	switch {
	case len(missing) > 0 && opts.AllowMissingEnv:
		for _, m := range missing {
			cfg.Warnings = append(cfg.Warnings, Problem{Path: m.Path, Warning: true,
				Message: fmt.Sprintf("environment variable %s is not set here (referenced as ${%s})", m.Name, m.Name)})
		}
	case len(missing) > 0:
		errs = append(errs, &EnvError{Missing: missing})
	}
	problems := Validate(authored, opts.Plugins)
	if bad := schema.Errors(problems); len(bad) > 0 {
		errs = append(errs, &ValidationError{Path: path, Problems: bad})
	}
	for _, p := range problems {
		if p.Warning {
			cfg.Warnings = append(cfg.Warnings, p)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("load config %s: %w", path, errors.Join(errs...))
	}

	cfg.Authored = authored
	raw, _ := deepCopyValue(authored).(map[string]any)
	rootSchema().ApplyDefaults(raw)
	cfg.Raw = raw
	return cfg, nil
}

// Hash identifies the config's content: the config file and every included
// file. It is empty when no config file exists. Clients pass it back as
// baseHash so that a write based on a stale read is refused.
func (c *Config) Hash() string { return c.hash }

// JSON returns Raw encoded as JSON.
func (c *Config) JSON() []byte {
	c.jsonOnce.Do(func() {
		data, err := json.Marshal(c.Raw)
		if err != nil {
			data = []byte("{}")
		}
		c.json = data
	})
	return c.json
}

// Get returns the value at a gjson path ("gateway.port",
// "agents.list.0.id") in the effective configuration.
func (c *Config) Get(path string) gjson.Result {
	return gjson.GetBytes(c.JSON(), path)
}

// Section decodes the subtree at path into v with encoding/json. A missing
// path leaves v untouched, so callers can pre-fill v with their defaults.
func (c *Config) Section(path string, v any) error {
	r := c.Get(path)
	if !r.Exists() {
		return nil
	}
	if err := json.Unmarshal([]byte(r.Raw), v); err != nil {
		return fmt.Errorf("config section %s: %w", path, err)
	}
	return nil
}

// DefaultsRaw returns the effective configuration used when no config file
// exists.
func DefaultsRaw() map[string]any {
	raw := map[string]any{}
	rootSchema().ApplyDefaults(raw)
	return raw
}

func hashSources(files []string, sources map[string][]byte) string {
	if len(files) == 0 {
		return ""
	}
	h := sha256.New()
	for i, f := range files {
		if i > 0 {
			h.Write([]byte{0})
			h.Write([]byte(f))
			h.Write([]byte{0})
		}
		h.Write(sources[f])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// HashBytes is the hash of a config file without includes, as Hash computes
// it for a config that includes nothing.
func HashBytes(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// overlay layers variables from .env files and the config's env block under
// the process environment: the process always wins.
type overlay struct {
	base  func(string) string
	added map[string]string
}

func (o *overlay) get(name string) string {
	if v := o.base(name); v != "" {
		return v
	}
	return o.added[name]
}

func (o *overlay) fill(name, value string) {
	if o.get(name) == "" && value != "" {
		o.added[name] = value
	}
}

func (o *overlay) loadDotEnv(path string, readFile func(string) ([]byte, error)) error {
	data, err := readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	vars, err := parseDotEnv(data, path)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		o.fill(k, vars[k])
	}
	return nil
}

// applyConfigBlock applies env.vars and flat env entries. Their values may
// themselves reference variables already known.
func (o *overlay) applyConfigBlock(block any) {
	env, ok := block.(map[string]any)
	if !ok {
		return
	}
	var ignored []MissingVar
	set := func(m map[string]any) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if s, ok := m[k].(string); ok {
				o.fill(k, substituteString(s, o.get, nil, &ignored))
			}
		}
	}
	flat := map[string]any{}
	for k, v := range env {
		if k != "vars" && k != "shellEnv" {
			flat[k] = v
		}
	}
	set(flat)
	if vars, ok := env["vars"].(map[string]any); ok {
		set(vars)
	}
}

func deepCopyValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopyValue(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopyValue(e)
		}
		return s
	}
	return v
}
