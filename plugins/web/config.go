package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// webConfig is the tools.web config subtree the core hands each call.
type webConfig struct {
	Search searchConfig `json:"search"`
	Fetch  fetchConfig  `json:"fetch"`
}

type searchConfig struct {
	Enabled         *bool    `json:"enabled"`
	Provider        string   `json:"provider"`
	MaxResults      *int     `json:"maxResults"`
	TimeoutSeconds  *float64 `json:"timeoutSeconds"`
	CacheTTLMinutes *float64 `json:"cacheTtlMinutes"`
	// APIKey is the older place for the Brave key; the plugin config's
	// webSearch.apiKey is the current one.
	APIKey string `json:"apiKey"`
}

type fetchConfig struct {
	Enabled          *bool             `json:"enabled"`
	MaxChars         *int              `json:"maxChars"`
	MaxCharsCap      *int              `json:"maxCharsCap"`
	MaxResponseBytes *int64            `json:"maxResponseBytes"`
	TimeoutSeconds   *float64          `json:"timeoutSeconds"`
	CacheTTLMinutes  *float64          `json:"cacheTtlMinutes"`
	MaxRedirects     *int              `json:"maxRedirects"`
	Readability      *bool             `json:"readability"`
	UserAgent        string            `json:"userAgent"`
	Headers          map[string]string `json:"headers"`
	SSRFPolicy       ssrfPolicy        `json:"ssrfPolicy"`
}

type ssrfPolicy struct {
	DangerouslyAllowPrivateNetwork bool     `json:"dangerouslyAllowPrivateNetwork"`
	AllowedHostnames               []string `json:"allowedHostnames"`
	BlockedHostnames               []string `json:"blockedHostnames"`
	AllowRfc2544BenchmarkRange     bool     `json:"allowRfc2544BenchmarkRange"`
	AllowIpv6UniqueLocalRange      bool     `json:"allowIpv6UniqueLocalRange"`
}

// decodeWebConfig reads the call's tool config. It is tools.web; a config
// holding neither fetch nor search is taken as the tool's own subtree
// (tools.web.fetch or tools.web.search), so either hand-off works.
func decodeWebConfig(raw json.RawMessage, tool string) (webConfig, error) {
	var c webConfig
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return c, nil
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw, &probe); err != nil {
		return c, fmt.Errorf("tools.web config: %w", err)
	}
	_, hasFetch := probe["fetch"]
	_, hasSearch := probe["search"]
	var err error
	switch {
	case hasFetch || hasSearch:
		err = json.Unmarshal(raw, &c)
	case tool == "web_fetch":
		err = json.Unmarshal(raw, &c.Fetch)
	default:
		err = json.Unmarshal(raw, &c.Search)
	}
	if err != nil {
		return c, fmt.Errorf("tools.web config: %w", err)
	}
	return c, nil
}

// pluginConfig is plugins.entries.web.config.
type pluginConfig struct {
	WebSearch webSearchConfig `json:"webSearch"`
}

// webSearchConfig is the search provider's own settings, as OpenClaw keeps
// them under the provider plugin's webSearch section.
type webSearchConfig struct {
	APIKey  string `json:"apiKey"`
	BaseURL string `json:"baseUrl"`
	Mode    string `json:"mode"`
}

func decodePluginConfig(raw json.RawMessage) (pluginConfig, error) {
	var pc pluginConfig
	if len(bytes.TrimSpace(raw)) == 0 {
		return pc, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&pc); err != nil {
		return pc, fmt.Errorf("plugins.entries.web.config: %w", err)
	}
	switch pc.WebSearch.Mode {
	case "", "web":
	default:
		return pc, fmt.Errorf("plugins.entries.web.config.webSearch.mode: %q is not supported (only \"web\")", pc.WebSearch.Mode)
	}
	if b := pc.WebSearch.BaseURL; b != "" && !strings.HasPrefix(b, "http://") && !strings.HasPrefix(b, "https://") {
		return pc, fmt.Errorf("plugins.entries.web.config.webSearch.baseUrl: %q is not an http(s) URL", b)
	}
	return pc, nil
}

// fetchLimits are web_fetch's effective settings.
type fetchLimits struct {
	maxChars         int
	maxResponseBytes int64
	timeout          time.Duration
	cacheTTL         time.Duration
	maxRedirects     int
	readability      bool
}

func (c fetchConfig) limits() fetchLimits {
	l := fetchLimits{maxChars: 20_000, maxResponseBytes: 750_000, timeout: 30 * time.Second, cacheTTL: 15 * time.Minute, maxRedirects: 3, readability: true}
	capChars := 20_000
	if c.MaxCharsCap != nil && *c.MaxCharsCap > 0 {
		capChars = *c.MaxCharsCap
	}
	if c.MaxChars != nil && *c.MaxChars > 0 {
		l.maxChars = *c.MaxChars
	}
	l.maxChars = min(l.maxChars, capChars)
	if c.MaxResponseBytes != nil {
		l.maxResponseBytes = min(max(*c.MaxResponseBytes, 32_000), 10_000_000)
	}
	if c.TimeoutSeconds != nil && *c.TimeoutSeconds > 0 {
		l.timeout = time.Duration(*c.TimeoutSeconds * float64(time.Second))
	}
	if c.CacheTTLMinutes != nil {
		l.cacheTTL = time.Duration(max(*c.CacheTTLMinutes, 0) * float64(time.Minute))
	}
	if c.MaxRedirects != nil && *c.MaxRedirects >= 0 {
		l.maxRedirects = *c.MaxRedirects
	}
	if c.Readability != nil {
		l.readability = *c.Readability
	}
	return l
}

// charsCap is the largest maxChars a call may ask for.
func (c fetchConfig) charsCap() int {
	if c.MaxCharsCap != nil && *c.MaxCharsCap > 0 {
		return *c.MaxCharsCap
	}
	return 20_000
}
