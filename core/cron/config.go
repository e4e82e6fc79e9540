package cron

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// Config mirrors the `cron` subtree of openclaw.json. Keys this gateway
// does not act on (failureAlert, triggers, runLog) are ignored.
type Config struct {
	// Enabled runs stored jobs; true when unset. OPENCLAW_SKIP_CRON=1 also
	// switches execution off.
	Enabled *bool `json:"enabled,omitempty"`
	// Store is the path of the jobs file; <state>/cron/jobs.json when
	// unset.
	Store string `json:"store,omitempty"`
	// MaxConcurrentRuns bounds runs in flight across all jobs; 1 when
	// unset.
	MaxConcurrentRuns int `json:"maxConcurrentRuns,omitempty"`
	// SessionRetention is how long finished isolated run sessions are
	// kept: a duration string, or false (or a zero duration) to keep them.
	// 24h when unset.
	SessionRetention json.RawMessage `json:"sessionRetention,omitempty"`
	// SkipMissedJobs advances recurring jobs missed while the gateway was
	// down to their next occurrence instead of running them once.
	SkipMissedJobs bool `json:"skipMissedJobs,omitempty"`
	// WebhookToken is sent as a bearer token with webhook deliveries.
	WebhookToken      string     `json:"webhookToken,omitempty"`
	WebhookSsrfPolicy SSRFPolicy `json:"webhookSsrfPolicy,omitzero"`
}

// SSRFPolicy lists the private destinations webhook delivery may reach.
// Loopback, private and link-local addresses are refused unless allowed
// here.
type SSRFPolicy struct {
	AllowedHostnames               []string `json:"allowedHostnames,omitempty"`
	DangerouslyAllowPrivateNetwork bool     `json:"dangerouslyAllowPrivateNetwork,omitempty"`
}

// Defaults OpenClaw documents.
const (
	DefaultMaxConcurrentRuns = 1
	DefaultSessionRetention  = 24 * time.Hour
	// DefaultHistoryMaxAge and DefaultHistoryMaxRows bound each job's run
	// history.
	DefaultHistoryMaxAge  = 7 * 24 * time.Hour
	DefaultHistoryMaxRows = 2000
)

// EnvSkipCron switches job execution off when set to 1.
const EnvSkipCron = "OPENCLAW_SKIP_CRON"

// Active reports whether jobs should run: cron.enabled is not false and
// OPENCLAW_SKIP_CRON is not set.
func (c Config) Active(getenv func(string) string) bool {
	if c.Enabled != nil && !*c.Enabled {
		return false
	}
	if getenv != nil {
		switch strings.ToLower(strings.TrimSpace(getenv(EnvSkipCron))) {
		case "1", "true", "yes":
			return false
		}
	}
	return true
}

// StorePath is the jobs file for a state directory.
func (c Config) StorePath(stateDir, home string) string {
	if p := strings.TrimSpace(c.Store); p != "" {
		if p == "~" || strings.HasPrefix(p, "~/") {
			p = filepath.Join(home, strings.TrimPrefix(p, "~"))
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(stateDir, p)
		}
		return filepath.Clean(p)
	}
	return filepath.Join(stateDir, "cron", "jobs.json")
}

// Retention returns cron.sessionRetention; zero means keep forever.
func (c Config) Retention() (time.Duration, error) {
	raw := bytes.TrimSpace(c.SessionRetention)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return DefaultSessionRetention, nil
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		if b {
			return DefaultSessionRetention, nil
		}
		return 0, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, fmt.Errorf("cron.sessionRetention: want a duration such as \"24h\" or false, got %s", raw)
	}
	d, err := ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("cron.sessionRetention: %w", err)
	}
	if d < 0 {
		return 0, fmt.Errorf("cron.sessionRetention: %q is negative", s)
	}
	return d, nil
}

// Validate reports problems in the config, each naming its key.
func (c Config) Validate() error {
	if c.MaxConcurrentRuns < 0 {
		return fmt.Errorf("cron.maxConcurrentRuns: %d is negative", c.MaxConcurrentRuns)
	}
	_, err := c.Retention()
	return err
}

func (c Config) maxConcurrent() int {
	if c.MaxConcurrentRuns > 0 {
		return c.MaxConcurrentRuns
	}
	return DefaultMaxConcurrentRuns
}
