// Package manifest reads and checks openclaw.plugin.json, the file every plugin
// ships beside its binary. The core, the registry and plugin authors all read
// it without executing any plugin code, so it holds everything needed to list a
// plugin, validate its config and decide whether it can run here.
package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	version "github.com/hashicorp/go-version"
)

// FileName is the manifest's name inside a plugin directory.
const FileName = "openclaw.plugin.json"

// Kinds a plugin may implement. A binary may implement several.
const (
	KindChannel = "channel"
	KindTool    = "tool"
	KindSkill   = "skill"
)

// Manifest is the parsed openclaw.plugin.json.
type Manifest struct {
	// ID is the short, unique plugin id used in config (plugins.entries.<id>).
	ID string `json:"id"`
	// Package is the registry name, npm style (@openclaw/telegram).
	Package     string `json:"package,omitempty"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	Version     string `json:"version"`
	// Kinds lists what the binary implements: channel, tool, skill.
	Kinds []string `json:"kinds"`
	// ProtocolVersions are the plugin protocol majors the binary speaks.
	ProtocolVersions []int `json:"protocolVersions"`
	// Gateway is a version constraint on the gateway (">= 0.1, < 2.0").
	Gateway string `json:"gateway,omitempty"`
	// Executable is the binary's file name relative to the manifest's folder.
	Executable string `json:"executable"`
	// Channels are the channel ids this plugin provides (config channels.<id>).
	Channels []string `json:"channels,omitempty"`
	// Tools and Skills name what the plugin provides, for listing and policy.
	Tools  []string `json:"tools,omitempty"`
	Skills []string `json:"skills,omitempty"`
	// ConfigSchema is a JSON Schema for the plugin's config section: for a
	// channel plugin channels.<id>, otherwise plugins.entries.<id>.config.
	ConfigSchema json.RawMessage `json:"configSchema,omitempty"`
	// UIHints label config fields and mark sensitive ones, keyed by dotted path.
	UIHints map[string]UIHint `json:"uiHints,omitempty"`
	// RequiredConfig are config keys (relative to the plugin's section) that
	// must be set, each satisfiable by the listed environment variables.
	RequiredConfig []RequiredKey `json:"requiredConfig,omitempty"`
	Capabilities   Capabilities  `json:"capabilities,omitempty"`
	// Bundled marks plugins shipped with the core distribution.
	Bundled bool `json:"bundled,omitempty"`
}

// UIHint describes one config field for forms and redaction.
type UIHint struct {
	Label     string `json:"label,omitempty"`
	Help      string `json:"help,omitempty"`
	Group     string `json:"group,omitempty"`
	Sensitive bool   `json:"sensitive,omitempty"`
}

// RequiredKey is a config key the plugin cannot run without.
type RequiredKey struct {
	Key string   `json:"key"`
	Env []string `json:"env,omitempty"`
}

// Capabilities are what a plugin asks the user to grant at install time.
type Capabilities struct {
	// Network lists hosts the plugin talks to ("api.telegram.org").
	Network []string `json:"network,omitempty"`
	// HostServices lists host services it uses ("kv", "emit", "log").
	HostServices []string `json:"hostServices,omitempty"`
	// Secrets lists the secrets it is handed (config keys or env names).
	Secrets []string `json:"secrets,omitempty"`
	// Exec is true when the plugin runs other programs.
	Exec bool `json:"exec,omitempty"`
}

// Empty reports whether no capability is declared.
func (c Capabilities) Empty() bool {
	return len(c.Network) == 0 && len(c.HostServices) == 0 && len(c.Secrets) == 0 && !c.Exec
}

var (
	idPattern      = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
	packagePattern = regexp.MustCompile(`^(@[a-z0-9][a-z0-9._-]*/)?[a-z0-9][a-z0-9._-]*$`)
	knownKinds     = map[string]bool{KindChannel: true, KindTool: true, KindSkill: true}
)

// Parse decodes and validates manifest bytes. Unknown fields are rejected so a
// typo in a manifest is caught by its author, not ignored at a user's machine.
func Parse(data []byte) (*Manifest, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("parse %s: %w", FileName, err)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Load reads dir/openclaw.plugin.json.
func Load(dir string) (*Manifest, error) {
	path := filepath.Join(dir, FileName)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read plugin manifest: %w", err)
	}
	m, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Validate checks every field and returns all problems at once.
func (m *Manifest) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !idPattern.MatchString(m.ID) {
		bad("id: %q is not a valid plugin id (lower-case letters, digits, '.', '_', '-')", m.ID)
	}
	if m.Package != "" && !packagePattern.MatchString(m.Package) {
		bad("package: %q is not a valid package name (expected @scope/name or name)", m.Package)
	}
	if _, err := version.NewSemver(m.Version); err != nil {
		bad("version: %q is not a semantic version", m.Version)
	}
	if len(m.Kinds) == 0 {
		bad("kinds: at least one of channel, tool, skill is required")
	}
	for i, k := range m.Kinds {
		if !knownKinds[k] {
			bad("kinds[%d]: unknown kind %q (expected channel, tool or skill)", i, k)
		}
	}
	if len(m.ProtocolVersions) == 0 {
		bad("protocolVersions: at least one protocol version is required")
	}
	for i, v := range m.ProtocolVersions {
		if v < 1 {
			bad("protocolVersions[%d]: %d is not a protocol version", i, v)
		}
	}
	if m.Gateway != "" {
		if _, err := version.NewConstraint(m.Gateway); err != nil {
			bad("gateway: %q is not a version constraint: %v", m.Gateway, err)
		}
	}
	if err := checkExecutable(m.Executable); err != nil {
		bad("executable: %v", err)
	}
	if m.HasKind(KindChannel) && len(m.Channels) == 0 {
		bad("channels: a channel plugin must name the channels it provides")
	}
	if len(m.ConfigSchema) > 0 {
		var schema map[string]any
		if err := json.Unmarshal(m.ConfigSchema, &schema); err != nil {
			bad("configSchema: not a JSON object: %v", err)
		}
	}
	return errors.Join(errs...)
}

func checkExecutable(name string) error {
	switch {
	case name == "":
		return errors.New("the binary's file name is required")
	case filepath.IsAbs(name) || strings.ContainsAny(name, `/\`) || name == "." || name == "..":
		return fmt.Errorf("%q must be a plain file name inside the plugin folder", name)
	}
	return nil
}

// HasKind reports whether the plugin implements kind.
func (m *Manifest) HasKind(kind string) bool {
	for _, k := range m.Kinds {
		if k == kind {
			return true
		}
	}
	return false
}

// Speaks reports whether the plugin speaks protocol major v.
func (m *Manifest) Speaks(v int) bool {
	for _, p := range m.ProtocolVersions {
		if p == v {
			return true
		}
	}
	return false
}

// SupportsGateway reports whether gatewayVersion satisfies the Gateway
// constraint. An empty constraint accepts every gateway.
func (m *Manifest) SupportsGateway(gatewayVersion string) (bool, error) {
	if m.Gateway == "" {
		return true, nil
	}
	c, err := version.NewConstraint(m.Gateway)
	if err != nil {
		return false, fmt.Errorf("manifest gateway constraint: %w", err)
	}
	v, err := version.NewVersion(gatewayVersion)
	if err != nil {
		return false, fmt.Errorf("gateway version %q: %w", gatewayVersion, err)
	}
	return c.Check(v.Core()), nil
}

// ExecutablePath is the binary's path for a manifest loaded from dir.
func (m *Manifest) ExecutablePath(dir string) string {
	name := m.Executable
	if runtime.GOOS == "windows" && !strings.HasSuffix(name, ".exe") {
		name += ".exe"
	}
	return filepath.Join(dir, name)
}

// SensitiveKeys lists config paths the UI hints mark as sensitive.
func (m *Manifest) SensitiveKeys() []string {
	var keys []string
	for k, h := range m.UIHints {
		if h.Sensitive {
			keys = append(keys, k)
		}
	}
	return keys
}
