package backend

import (
	"context"
	"time"
)

// Logs reads the gateway's file log. Following is done by the caller,
// polling Tail with the cursor it last received.
type Logs interface {
	Tail(ctx context.Context, q LogQuery) (LogChunk, error)
}

// LogQuery asks for lines after Cursor (a byte offset; zero means "the
// last Limit lines").
type LogQuery struct {
	Cursor   int64
	Limit    int
	MaxBytes int
}

// LogChunk is a slice of the log file.
type LogChunk struct {
	File   string
	Cursor int64 // pass back as LogQuery.Cursor
	Size   int64 // file size now
	Lines  []string
	// Truncated: more lines were available than Limit/MaxBytes allowed.
	Truncated bool
	// Reset: the file rotated or shrank, so the cursor started over.
	Reset bool
}

// Health reports liveness details and readiness.
type Health interface {
	// Snapshot describes the gateway's state; with probe set it runs live
	// channel checks instead of returning cached state.
	Snapshot(ctx context.Context, probe bool) (HealthSnapshot, error)
	// Ready reports whether channels and plugins are up.
	Ready(ctx context.Context) Readiness
}

// HealthSnapshot is the state of the gateway's parts.
type HealthSnapshot struct {
	DefaultAgentID   string
	HeartbeatSeconds int
	Agents           []AgentHealth
	Channels         []ChannelStatus
	Plugins          PluginHealth
	Sessions         SessionSummary
	// HotReload reports whether config hot reload is active.
	HotReload bool
}

// AgentHealth is one agent's state.
type AgentHealth struct {
	AgentID   string
	Name      string
	IsDefault bool
	Heartbeat HeartbeatInfo
	Sessions  SessionSummary
}

// HeartbeatInfo is an agent's heartbeat schedule.
type HeartbeatInfo struct {
	Enabled     bool
	Every       string // "30m"
	EveryMs     int64
	Prompt      string
	Target      string
	AckMaxChars int
}

// PluginHealth lists plugin load results.
type PluginHealth struct {
	Loaded []string
	Errors []PluginError
}

// PluginError is a plugin that failed to load or crashed.
type PluginError struct {
	ID     string
	Origin string
	Error  string
}

// SessionSummary counts stored sessions.
type SessionSummary struct {
	Path   string
	Count  int
	Recent []RecentSession
}

// RecentSession is a recently updated session.
type RecentSession struct {
	Key       string
	UpdatedAt time.Time
}

// Readiness says whether the gateway should receive traffic.
type Readiness struct {
	Ready bool
	// Failing names what is not ready ("channel:telegram:default",
	// "plugin:discord").
	Failing []string
}
