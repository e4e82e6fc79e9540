// Package skills reads skills — folders holding a SKILL.md — as OpenClaw
// specifies them: the frontmatter (with metadata.openclaw gating), the
// locations skills load from and their precedence, and whether each skill is
// eligible on this machine, with the reasons when it is not. It has no
// opinion on prompts; the agent builds those from a Set.
package skills

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/titanous/json5"
	yaml "go.yaml.in/yaml/v3"
)

// FileName is the file that makes a folder a skill.
const FileName = "SKILL.md"

// Frontmatter is a parsed SKILL.md header.
type Frontmatter struct {
	Name        string
	Description string
	// Version is required to publish a skill to a registry; OpenClaw itself
	// ignores it. It may also be given as metadata.openclaw.version.
	Version  string
	Homepage string
	License  string
	// UserInvocable exposes the skill as a slash command (default true).
	UserInvocable bool
	// DisableModelInvocation keeps the skill out of the model's prompt.
	DisableModelInvocation bool
	CommandDispatch        string
	CommandTool            string
	CommandArgMode         string
	// OpenClaw is metadata.openclaw (or the legacy metadata.clawdbot);
	// nil when absent, and then the skill is always eligible.
	OpenClaw *Metadata
	// Fields holds every top-level key as parsed, for callers that need
	// keys this package does not model.
	Fields map[string]any
}

// Metadata is metadata.openclaw: gating and installer hints.
type Metadata struct {
	// Always includes the skill whenever its OS matches, ignoring Requires.
	Always     bool          `json:"always,omitempty"`
	Emoji      string        `json:"emoji,omitempty"`
	Homepage   string        `json:"homepage,omitempty"`
	OS         []string      `json:"os,omitempty"`
	Requires   Requires      `json:"requires,omitempty"`
	PrimaryEnv string        `json:"primaryEnv,omitempty"`
	SkillKey   string        `json:"skillKey,omitempty"`
	Version    string        `json:"version,omitempty"`
	Install    []InstallSpec `json:"install,omitempty"`
}

// Requires gates a skill on its environment.
type Requires struct {
	// Bins must all be on PATH; AnyBins needs at least one.
	Bins    []string `json:"bins,omitempty"`
	AnyBins []string `json:"anyBins,omitempty"`
	// Env variables must be set (or provided through skills.entries).
	Env []string `json:"env,omitempty"`
	// Config paths in openclaw.json must be truthy.
	Config []string `json:"config,omitempty"`
	// Plugins are tool plugins (registry package names, optionally with a
	// version range: "@openclaw/browser@^1") the skill needs installed.
	Plugins []string `json:"plugins,omitempty"`
}

// InstallSpec is an installer hint (brew, node, go, uv, download).
type InstallSpec struct {
	ID              string   `json:"id,omitempty"`
	Kind            string   `json:"kind"`
	Label           string   `json:"label,omitempty"`
	Formula         string   `json:"formula,omitempty"`
	Package         string   `json:"package,omitempty"`
	Module          string   `json:"module,omitempty"`
	URL             string   `json:"url,omitempty"`
	SHA256          string   `json:"sha256,omitempty"`
	Archive         string   `json:"archive,omitempty"`
	Extract         *bool    `json:"extract,omitempty"`
	StripComponents int      `json:"stripComponents,omitempty"`
	TargetDir       string   `json:"targetDir,omitempty"`
	Bins            []string `json:"bins,omitempty"`
	OS              []string `json:"os,omitempty"`
}

var namePattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$`)

// ValidName reports whether name works as a skill name and slash command:
// lower-case letters, digits, '-' and '_', at most 64 characters.
func ValidName(name string) error {
	if len(name) > 64 || !namePattern.MatchString(name) {
		return fmt.Errorf("skill name %q: use lower-case letters, digits, '-' and '_' (at most 64 characters)", name)
	}
	return nil
}

// Parse reads a SKILL.md. fallbackName names the skill when the frontmatter
// has no name (the folder name, as OpenClaw does). It returns the body
// after the frontmatter too.
func Parse(data []byte, fallbackName string) (*Frontmatter, string, error) {
	head, body, err := split(data)
	if err != nil {
		return nil, "", err
	}
	fields, err := parseYAML(head)
	if err != nil {
		// OpenClaw's fallback: one "key: value" per line, with an indented
		// metadata block read as JSON5.
		var ferr error
		if fields, ferr = parseLines(head); ferr != nil {
			return nil, "", fmt.Errorf("frontmatter: %v (line parser: %v)", err, ferr)
		}
	}
	fm, err := fromFields(fields)
	if err != nil {
		return nil, "", err
	}
	if fm.Name == "" {
		fm.Name = fallbackName
	}
	if err := ValidName(fm.Name); err != nil {
		return nil, "", fmt.Errorf("frontmatter name: %w", err)
	}
	if strings.TrimSpace(fm.Description) == "" {
		return nil, "", errors.New("frontmatter: description is required")
	}
	return fm, body, nil
}

// split separates the frontmatter block (between "---" lines) from the body.
func split(data []byte) (head, body string, err error) {
	text := strings.TrimPrefix(string(data), "\ufeff")
	text = strings.ReplaceAll(text, "\r\n", "\n")
	if !strings.HasPrefix(text, "---\n") {
		return "", "", errors.New("SKILL.md must start with a frontmatter block (\"---\" on the first line)")
	}
	rest := text[4:]
	end := strings.Index(rest, "\n---\n")
	switch {
	case strings.HasPrefix(rest, "---\n"):
		return "", rest[4:], nil
	case end >= 0:
		return rest[:end], rest[end+5:], nil
	case strings.HasSuffix(rest, "\n---"):
		return rest[:len(rest)-4], "", nil
	}
	return "", "", errors.New("frontmatter is not closed with a \"---\" line")
}

func parseYAML(head string) (map[string]any, error) {
	fields := map[string]any{}
	if err := yaml.Unmarshal([]byte(head), &fields); err != nil {
		return nil, err
	}
	return fields, nil
}

// parseLines is the single-line fallback parser.
func parseLines(head string) (map[string]any, error) {
	fields := map[string]any{}
	lines := strings.Split(head, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			return nil, fmt.Errorf("line %d: unexpected indentation", i+1)
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("line %d: expected \"key: value\"", i+1)
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if key == "metadata" {
			block := []string{value}
			for i+1 < len(lines) && (lines[i+1] == "" || lines[i+1][0] == ' ' || lines[i+1][0] == '\t') {
				i++
				block = append(block, lines[i])
			}
			var meta any
			if err := json5.Unmarshal([]byte(strings.Join(block, "\n")), &meta); err != nil {
				return nil, fmt.Errorf("metadata: not a JSON5 object: %v", err)
			}
			fields[key] = meta
			continue
		}
		fields[key] = unquote(value)
	}
	return fields, nil
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
		if s, err := strconv.Unquote(`"` + strings.ReplaceAll(v[1:len(v)-1], `"`, `\"`) + `"`); err == nil {
			return s
		}
		return v[1 : len(v)-1]
	}
	return v
}

// fromFields maps the generic fields onto Frontmatter.
func fromFields(fields map[string]any) (*Frontmatter, error) {
	fm := &Frontmatter{Fields: fields, UserInvocable: true}
	var errs []error
	str := func(key string) string {
		v, ok := fields[key]
		if !ok || v == nil {
			return ""
		}
		switch x := v.(type) {
		case string:
			return x
		case int, float64, bool:
			return fmt.Sprint(x)
		}
		errs = append(errs, fmt.Errorf("frontmatter %s: expected a string", key))
		return ""
	}
	boolean := func(key string, def bool) bool {
		v, ok := fields[key]
		if !ok || v == nil {
			return def
		}
		switch x := v.(type) {
		case bool:
			return x
		case string:
			if b, err := strconv.ParseBool(x); err == nil {
				return b
			}
		}
		errs = append(errs, fmt.Errorf("frontmatter %s: expected true or false", key))
		return def
	}
	fm.Name = str("name")
	fm.Description = str("description")
	fm.Version = str("version")
	fm.Homepage = str("homepage")
	fm.License = str("license")
	fm.UserInvocable = boolean("user-invocable", true)
	fm.DisableModelInvocation = boolean("disable-model-invocation", false)
	fm.CommandDispatch = str("command-dispatch")
	fm.CommandTool = str("command-tool")
	fm.CommandArgMode = str("command-arg-mode")
	if fm.CommandDispatch != "" && fm.CommandDispatch != "tool" {
		errs = append(errs, fmt.Errorf("frontmatter command-dispatch: %q (only \"tool\" is supported)", fm.CommandDispatch))
	}
	if fm.CommandDispatch == "tool" && fm.CommandTool == "" {
		errs = append(errs, errors.New("frontmatter command-tool: required with command-dispatch: tool"))
	}
	if meta, ok := fields["metadata"]; ok && meta != nil {
		m, err := parseMetadata(meta)
		if err != nil {
			errs = append(errs, err)
		}
		fm.OpenClaw = m
	}
	if fm.OpenClaw != nil {
		if fm.Homepage == "" {
			fm.Homepage = fm.OpenClaw.Homepage
		}
		if fm.Version == "" {
			fm.Version = fm.OpenClaw.Version
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return fm, nil
}

// parseMetadata reads metadata.openclaw (or metadata.clawdbot) from a YAML
// mapping, or from a string holding JSON5.
func parseMetadata(meta any) (*Metadata, error) {
	var raw []byte
	switch m := meta.(type) {
	case string:
		var v any
		if err := json5.Unmarshal([]byte(m), &v); err != nil {
			return nil, fmt.Errorf("frontmatter metadata: not a JSON5 object: %v", err)
		}
		meta = v
	case map[string]any:
	default:
		return nil, fmt.Errorf("frontmatter metadata: expected an object, got %T", meta)
	}
	raw, err := json.Marshal(meta)
	if err != nil {
		return nil, fmt.Errorf("frontmatter metadata: %v", err)
	}
	var wrap struct {
		OpenClaw json.RawMessage `json:"openclaw"`
		Clawdbot json.RawMessage `json:"clawdbot"`
	}
	if err := json.Unmarshal(raw, &wrap); err != nil {
		return nil, fmt.Errorf("frontmatter metadata: %v", err)
	}
	block := wrap.OpenClaw
	if len(block) == 0 || bytes.Equal(block, []byte("null")) {
		block = wrap.Clawdbot
	}
	if len(block) == 0 || bytes.Equal(block, []byte("null")) {
		return nil, nil
	}
	var m Metadata
	dec := json.NewDecoder(bytes.NewReader(block))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("frontmatter metadata.openclaw: %v", err)
	}
	for _, o := range m.OS {
		if o != "darwin" && o != "linux" && o != "win32" {
			return nil, fmt.Errorf("frontmatter metadata.openclaw.os: %q (expected darwin, linux or win32)", o)
		}
	}
	return &m, nil
}
