package skills

import "encoding/json"

// Config mirrors the skills.* section of openclaw.json.
type Config struct {
	// AllowBundled, when set, limits bundled skills to those named.
	AllowBundled []string               `json:"allowBundled,omitempty"`
	Load         LoadConfig             `json:"load,omitempty"`
	Entries      map[string]EntryConfig `json:"entries,omitempty"`
	Limits       Limits                 `json:"limits,omitempty"`
}

// LoadConfig is skills.load.
type LoadConfig struct {
	// ExtraDirs are scanned at the lowest precedence.
	ExtraDirs []string `json:"extraDirs,omitempty"`
	// AllowSymlinkTargets are real folders a symlinked skill may point into
	// from outside its root.
	AllowSymlinkTargets []string `json:"allowSymlinkTargets,omitempty"`
	Watch               *bool    `json:"watch,omitempty"`
}

// EntryConfig is skills.entries.<skillKey>.
type EntryConfig struct {
	Enabled *bool `json:"enabled,omitempty"`
	// APIKey satisfies the skill's primaryEnv requirement when set (a
	// string or a SecretRef object).
	APIKey json.RawMessage   `json:"apiKey,omitempty"`
	Env    map[string]string `json:"env,omitempty"`
	Config map[string]any    `json:"config,omitempty"`
}

// Limits bound discovery (skills.limits); zero means the default.
type Limits struct {
	MaxCandidatesPerRoot int `json:"maxCandidatesPerRoot,omitempty"`
	MaxSkillFileBytes    int `json:"maxSkillFileBytes,omitempty"`
}

func (l Limits) candidates() int {
	if l.MaxCandidatesPerRoot > 0 {
		return l.MaxCandidatesPerRoot
	}
	return 1000
}

func (l Limits) fileBytes() int64 {
	if l.MaxSkillFileBytes > 0 {
		return int64(l.MaxSkillFileBytes)
	}
	return 256 << 10
}
