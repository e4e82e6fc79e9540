package backend

import (
	"context"
	"encoding/json"
)

// ConfigService reads and writes openclaw.json. Every value it returns has
// secrets already replaced by RedactedValue.
type ConfigService interface {
	// Get returns the current file with its hash (the baseHash of writes).
	Get(ctx context.Context) (ConfigSnapshot, error)
	// Set validates and writes a complete config (JSON5 in w.Raw).
	Set(ctx context.Context, w ConfigWrite) (ConfigWriteResult, error)
	// Apply validates, writes and applies a complete config, restarting
	// what must restart.
	Apply(ctx context.Context, w ConfigWrite) (ConfigWriteResult, error)
	// Patch merges a partial config (JSON merge patch in w.Raw) into the
	// current one, validates, writes and applies it.
	Patch(ctx context.Context, w ConfigWrite) (ConfigWriteResult, error)
	// Schema returns the live config JSON Schema.
	Schema(ctx context.Context) (ConfigSchema, error)
}

// RedactedValue replaces secrets in config values shown to clients.
const RedactedValue = "__OPENCLAW_REDACTED__"

// ConfigSnapshot is the config as clients see it.
type ConfigSnapshot struct {
	Path   string `json:"path"`
	Exists bool   `json:"exists"`
	// Raw is the file's text, redacted.
	Raw string `json:"raw"`
	// Parsed is the authored config, redacted.
	Parsed map[string]any `json:"parsed"`
	// Resolved is the effective config with defaults, redacted.
	Resolved map[string]any `json:"resolved,omitempty"`
	// Hash identifies the file's content; pass it back as baseHash.
	Hash     string  `json:"hash"`
	Valid    bool    `json:"valid"`
	Issues   []Issue `json:"issues,omitempty"`
	Warnings []Issue `json:"warnings,omitempty"`
}

// ConfigWrite is a submitted config or patch.
type ConfigWrite struct {
	Raw string
	// BaseHash, when set, must equal the current hash or the write fails
	// with ErrConflict.
	BaseHash string
	// ReplacePaths lists array paths a patch may replace wholesale.
	ReplacePaths []string
	Note         string
	SessionKey   string
}

// ConfigWriteResult reports a successful write.
type ConfigWriteResult struct {
	Path string `json:"path"`
	Hash string `json:"hash"`
	// Config is the written config, redacted.
	Config          map[string]any `json:"config,omitempty"`
	RestartRequired bool           `json:"restartRequired"`
	Warnings        []Issue        `json:"warnings,omitempty"`
}

// ConfigSchema is the config's JSON Schema with UI hints.
type ConfigSchema struct {
	Schema      json.RawMessage `json:"schema"`
	UIHints     map[string]any  `json:"uiHints"`
	Version     string          `json:"version"`
	GeneratedAt string          `json:"generatedAt"`
}
