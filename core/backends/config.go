package backends

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/core/config"
	"github.com/openclaw-go/openclaw/core/configwatch"
	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/pluginsdk/manifest"
)

// configService reads and writes the config file through package config.
// Writes only touch the file: the gateway's config watcher picks the change
// up and applies it (hot, or by restarting), as it does for an editor's.
type configService struct{ d *Deps }

// loadOptions are the loader's options for the config file, with the
// current plugin catalog validating plugin sections unless the caller
// supplied schemas.
func (c *configService) loadOptions() config.LoadOptions {
	o := c.d.ConfigLoad
	o.Path, o.Source = c.d.ConfigPath, nil
	if o.Plugins == nil {
		if cat := c.d.catalog(); cat != nil {
			o.Plugins = cat
		}
	}
	return o
}

// sensitive lists the config paths plugin manifests mark as secrets, for
// redaction beyond what the core schema knows.
func (c *configService) sensitive() []string {
	cat := c.d.catalog()
	if cat == nil {
		return nil
	}
	var out []string
	for _, e := range cat.Entries() {
		if e.Manifest == nil {
			continue
		}
		for path, h := range e.Manifest.UIHints {
			if !h.Sensitive {
				continue
			}
			for _, base := range pluginSections(e.ID, e.Manifest) {
				out = append(out, base+"."+path)
			}
			for _, ch := range e.Manifest.Channels {
				out = append(out, "channels."+ch+".accounts.*."+path)
			}
		}
	}
	return out
}

// pluginSections are the config sections a plugin's schema and hints
// describe: channels.<id> for each channel it provides, else
// plugins.entries.<id>.config.
func pluginSections(id string, m *manifest.Manifest) []string {
	if len(m.Channels) > 0 {
		out := make([]string, 0, len(m.Channels))
		for _, ch := range m.Channels {
			out = append(out, "channels."+ch)
		}
		return out
	}
	return []string{"plugins.entries." + id + ".config"}
}

// Get implements backend.ConfigService.
func (c *configService) Get(ctx context.Context) (backend.ConfigSnapshot, error) {
	o := c.loadOptions()
	f, err := config.ReadFile(o)
	if err != nil {
		return backend.ConfigSnapshot{}, fmt.Errorf("read config: %w", err)
	}
	extra := c.sensitive()
	snap := backend.ConfigSnapshot{Path: f.Path, Exists: f.Exists, Hash: f.Hash, Parsed: config.Redact(f.Tree, extra)}
	if f.Exists && f.ParseError == nil {
		snap.Raw = redactRaw(f.Data, f.Tree, snap.Parsed)
	}
	// A file that does not parse may hold secrets anywhere: its text is
	// withheld, and the parse error says where to look.
	cfg, err := config.Load(ctx, o)
	switch {
	case err == nil:
		snap.Valid = true
		snap.Resolved = config.Redact(cfg.Raw, extra)
		snap.Warnings = issues(cfg.Warnings)
	case ctx.Err() != nil:
		return backend.ConfigSnapshot{}, fmt.Errorf("read config: %w", ctx.Err())
	default:
		snap.Issues = loadIssues(err)
		if cur := c.d.config(); cur != nil {
			snap.Resolved = config.Redact(cur.Raw, extra)
		}
	}
	return snap, nil
}

// Set implements backend.ConfigService: a whole new config.
func (c *configService) Set(ctx context.Context, w backend.ConfigWrite) (backend.ConfigWriteResult, error) {
	return c.write(ctx, "config.set", w, config.Apply)
}

// Apply implements backend.ConfigService. Applying is the config
// watcher's business once the file is written, so it writes as Set does.
func (c *configService) Apply(ctx context.Context, w backend.ConfigWrite) (backend.ConfigWriteResult, error) {
	return c.write(ctx, "config.apply", w, config.Apply)
}

// Patch implements backend.ConfigService. A merge patch replaces arrays
// whole, so every path is one of ReplacePaths already.
func (c *configService) Patch(ctx context.Context, w backend.ConfigWrite) (backend.ConfigWriteResult, error) {
	return c.write(ctx, "config.patch", w, config.Patch)
}

type writeFunc func(ctx context.Context, path string, raw []byte, baseHash string, opts config.LoadOptions) (*config.WriteResult, error)

func (c *configService) write(ctx context.Context, action string, w backend.ConfigWrite, fn writeFunc) (backend.ConfigWriteResult, error) {
	if strings.TrimSpace(w.Raw) == "" {
		return backend.ConfigWriteResult{}, fmt.Errorf("%s: raw is empty: %w", action, backend.ErrInvalid)
	}
	o := c.loadOptions()
	base := w.BaseHash
	if base == "" {
		// No precondition: write over whatever is there now. The writer
		// still refuses if the file changes under it.
		f, err := config.ReadFile(o)
		if err != nil {
			return backend.ConfigWriteResult{}, fmt.Errorf("%s: %w", action, err)
		}
		base = f.Hash
	}
	before := c.d.config()
	res, err := fn(ctx, o.Path, []byte(w.Raw), base, o)
	if err != nil {
		return backend.ConfigWriteResult{}, writeError(action, err)
	}
	out := backend.ConfigWriteResult{
		Path: res.Config.Path, Hash: res.Config.Hash(), Warnings: issues(res.Config.Warnings),
		RestartRequired: restartRequired(before, res.Config),
	}
	if f, err := config.ReadFile(o); err == nil {
		out.Config = config.Redact(f.Tree, c.sensitive())
	}
	c.d.Logger.Info("config written", "action", action, "path", out.Path, "changed", res.Changed, "note", w.Note)
	return out, nil
}

// writeError maps the config package's refusals: a stale baseHash is a
// conflict, schema problems are a validation error with every issue, a
// read-only config is forbidden, and other bad input is invalid.
func writeError(action string, err error) error {
	switch {
	case errors.Is(err, config.ErrStaleHash), errors.Is(err, config.ErrBaseHashRequired):
		return fmt.Errorf("%s: %v: %w", action, err, backend.ErrConflict)
	case errors.Is(err, config.ErrReadOnly):
		return fmt.Errorf("%s: %v: %w", action, err, backend.ErrForbidden)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w", action, err)
	}
	if len(config.Problems(err)) > 0 || isParseError(err) {
		return fmt.Errorf("%s: %w", action, &backend.ValidationError{Issues: loadIssues(err)})
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", action, err)
	}
	return fmt.Errorf("%s: %v: %w", action, err, backend.ErrInvalid)
}

func isParseError(err error) bool {
	var pe *config.ParseError
	return errors.As(err, &pe)
}

// loadIssues lists what makes a config invalid: schema problems and unset
// variables, else a parse error, else the error itself.
func loadIssues(err error) []backend.Issue {
	if probs := config.Problems(err); len(probs) > 0 {
		return issues(probs)
	}
	var pe *config.ParseError
	if errors.As(err, &pe) {
		return []backend.Issue{{Message: pe.Error()}}
	}
	return []backend.Issue{{Message: err.Error()}}
}

func issues(probs []config.Problem) []backend.Issue {
	if len(probs) == 0 {
		return nil
	}
	out := make([]backend.Issue, 0, len(probs))
	for _, p := range probs {
		out = append(out, backend.Issue{Path: p.Path, Message: p.Message})
	}
	return out
}

// restartRequired tells whether the new config takes a gateway restart to
// apply, as the daemon decides on reload: plugins come and go live, and a
// reload mode that applies nothing leaves everything pending.
func restartRequired(before, after *config.Config) bool {
	if before == nil || after == nil {
		return false
	}
	plan := configwatch.Classify(before, after)
	if len(plan.Pending) > 0 {
		return true
	}
	if plan.Action != configwatch.ActionRestart {
		return false
	}
	for _, p := range plan.RestartPaths {
		if p != "plugins" && !strings.HasPrefix(p, "plugins.") {
			return true
		}
	}
	return false
}

// redactRaw returns the file's text with every secret value replaced,
// keeping comments and layout. Secrets are found in the parsed tree and
// replaced where they stand as values in the text; when one cannot be
// found that way (escapes, numbers), the redacted tree is returned as
// JSON instead, so a secret never slips through.
func redactRaw(data []byte, tree, redacted map[string]any) string {
	var secrets []string
	ok := collectSecrets(tree, redacted, &secrets)
	text := string(data)
	for _, s := range secrets {
		if !ok {
			break
		}
		var found bool
		text, found = replaceValue(text, s)
		ok = ok && found
	}
	if ok {
		return text
	}
	out, err := json.MarshalIndent(redacted, "", "  ")
	if err != nil {
		return ""
	}
	return string(out) + "\n"
}

// collectSecrets gathers the original string values that redaction
// replaced; it reports false for a redacted value that is not a string.
func collectSecrets(orig, red any, out *[]string) bool {
	switch r := red.(type) {
	case string:
		if r != config.Redacted {
			return true
		}
		s, isString := orig.(string)
		if !isString {
			return false
		}
		if s != config.Redacted {
			*out = append(*out, s)
		}
		return true
	case map[string]any:
		o, _ := orig.(map[string]any)
		ok := true
		for k, v := range r {
			ok = collectSecrets(o[k], v, out) && ok
		}
		return ok
	case []any:
		o, _ := orig.([]any)
		ok := true
		for i, v := range r {
			var ov any
			if i < len(o) {
				ov = o[i]
			}
			ok = collectSecrets(ov, v, out) && ok
		}
		return ok
	}
	return true
}

// replaceValue replaces every quoted occurrence of s that stands as a
// value (not followed by ':', which would make it a key). It reports
// whether any was found.
func replaceValue(text, s string) (string, bool) {
	var quoted bytes.Buffer
	enc := json.NewEncoder(&quoted)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	forms := []string{strings.TrimSuffix(quoted.String(), "\n"), "'" + strings.ReplaceAll(s, "'", `\'`) + "'"}
	placeholder := `"` + config.Redacted + `"`
	found := false
	for _, q := range forms {
		var b strings.Builder
		rest := text
		for {
			i := strings.Index(rest, q)
			if i < 0 {
				b.WriteString(rest)
				break
			}
			after := strings.TrimLeft(rest[i+len(q):], " \t\r\n")
			if strings.HasPrefix(after, ":") {
				b.WriteString(rest[:i+len(q)])
			} else {
				b.WriteString(rest[:i])
				b.WriteString(placeholder)
				found = true
			}
			rest = rest[i+len(q):]
		}
		text = b.String()
	}
	return text, found
}

// Schema implements backend.ConfigService: the core schema with the
// config schemas and UI hints of the plugins discovered now.
func (c *configService) Schema(context.Context) (backend.ConfigSchema, error) {
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(config.Schema()))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return backend.ConfigSchema{}, fmt.Errorf("config schema: %w", err)
	}
	hints := map[string]any{}
	for path, h := range config.UIHints() {
		hints[path] = h
	}
	if cat := c.d.catalog(); cat != nil {
		for _, e := range cat.Entries() {
			if e.Enabled && e.Manifest != nil {
				addPluginSchema(doc, hints, e.ID, e.Manifest)
			}
		}
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return backend.ConfigSchema{}, fmt.Errorf("config schema: %w", err)
	}
	return backend.ConfigSchema{
		Schema: raw, UIHints: hints, Version: c.d.Version, GeneratedAt: c.d.Now().UTC().Format(time.RFC3339),
	}, nil
}

// addPluginSchema puts a plugin's config schema where its section lives
// (channels.<id>, or plugins.entries.<id>.config) and its UI hints under
// the same prefix. A schema document of an unexpected shape is left as is.
func addPluginSchema(doc map[string]any, hints map[string]any, id string, m *manifest.Manifest) {
	var sch map[string]any
	if len(m.ConfigSchema) > 0 {
		dec := json.NewDecoder(bytes.NewReader(m.ConfigSchema))
		dec.UseNumber()
		if dec.Decode(&sch) != nil {
			sch = nil
		}
	}
	if sch != nil {
		if len(m.Channels) > 0 {
			if props := objectAt(doc, "properties", "channels", "properties"); props != nil {
				for _, ch := range m.Channels {
					props[ch] = sch
				}
			}
		} else if entries := objectAt(doc, "properties", "plugins", "properties", "entries"); entries != nil {
			if generic, ok := entries["additionalProperties"].(map[string]any); ok {
				entry := cloneObject(generic)
				if props, ok := entry["properties"].(map[string]any); ok {
					props["config"] = sch
					own, _ := entries["properties"].(map[string]any)
					if own == nil {
						own = map[string]any{}
						entries["properties"] = own
					}
					own[id] = entry
				}
			}
		}
	}
	paths := make([]string, 0, len(m.UIHints))
	for p := range m.UIHints {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		for _, base := range pluginSections(id, m) {
			hints[base+"."+p] = m.UIHints[p]
		}
	}
}

// objectAt walks nested objects by key.
func objectAt(doc map[string]any, keys ...string) map[string]any {
	cur := doc
	for _, k := range keys {
		next, ok := cur[k].(map[string]any)
		if !ok {
			return nil
		}
		cur = next
	}
	return cur
}

// cloneObject copies a decoded JSON object one level deep at each level
// that a caller may change (properties).
func cloneObject(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	if props, ok := m["properties"].(map[string]any); ok {
		cp := make(map[string]any, len(props))
		for k, v := range props {
			cp[k] = v
		}
		out["properties"] = cp
	}
	return out
}
