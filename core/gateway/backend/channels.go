package backend

import (
	"context"
	"time"
)

// Channels reports on chat channels and delivers outbound messages.
type Channels interface {
	// Status lists configured channels and their accounts. With Probe set,
	// implementations run a live check per account within Timeout.
	Status(ctx context.Context, q ChannelQuery) ([]ChannelStatus, error)
	// Send delivers a message outside any agent turn.
	Send(ctx context.Context, msg OutboundMessage) (SendResult, error)
}

// ChannelQuery selects what Status reports.
type ChannelQuery struct {
	Channel string // one channel id; empty means all
	Probe   bool
	Timeout time.Duration
}

// ChannelStatus is one channel (telegram, discord, ...).
type ChannelStatus struct {
	ID               string          `json:"id"`
	Label            string          `json:"label"`
	DefaultAccountID string          `json:"defaultAccountId,omitempty"`
	Accounts         []AccountStatus `json:"accounts"`
}

// AccountStatus is one account of a channel.
type AccountStatus struct {
	AccountID  string `json:"accountId"`
	Name       string `json:"name,omitempty"`
	Enabled    bool   `json:"enabled"`
	Configured bool   `json:"configured"`
	Running    bool   `json:"running"`
	Connected  bool   `json:"connected"`
	// Lifecycle is "running", "starting", "stopped", "blocked", "parked".
	Lifecycle      string       `json:"lifecycle,omitempty"`
	LastError      string       `json:"lastError,omitempty"`
	LastInboundAt  time.Time    `json:"-"`
	LastOutboundAt time.Time    `json:"-"`
	Probe          *ProbeResult `json:"probe,omitempty"`
}

// Healthy reports whether the account is usable: enabled accounts must be
// running and connected, and a failed probe makes it unhealthy.
func (a AccountStatus) Healthy() bool {
	if !a.Enabled {
		return true
	}
	if !a.Running || !a.Connected {
		return false
	}
	return a.Probe == nil || a.Probe.OK
}

// ProbeResult is a live account check.
type ProbeResult struct {
	OK        bool           `json:"ok"`
	Error     string         `json:"error,omitempty"`
	ElapsedMs int64          `json:"elapsedMs"`
	Details   map[string]any `json:"details,omitempty"`
}

// OutboundMessage is a message to deliver.
type OutboundMessage struct {
	Channel   string // empty: the only configured channel, if exactly one
	AccountID string
	To        string
	Text      string
	MediaURLs []string
	ReplyToID string
	ThreadID  string
	Silent    bool
	// IdempotencyKey dedupes retried sends.
	IdempotencyKey string
}

// SendResult identifies a delivered message.
type SendResult struct {
	Channel   string `json:"channel"`
	AccountID string `json:"accountId,omitempty"`
	To        string `json:"to"`
	MessageID string `json:"messageId,omitempty"`
}
