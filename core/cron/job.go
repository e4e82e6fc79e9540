package cron

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Job is one stored job, in the JSON shape of OpenClaw's cron.* protocol.
type Job struct {
	ID             string    `json:"id"`
	AgentID        string    `json:"agentId,omitempty"`
	SessionKey     string    `json:"sessionKey,omitempty"`
	Name           string    `json:"name"`
	DisplayName    string    `json:"displayName,omitempty"`
	Description    string    `json:"description,omitempty"`
	Enabled        bool      `json:"enabled"`
	DeleteAfterRun bool      `json:"deleteAfterRun,omitempty"`
	CreatedAtMs    int64     `json:"createdAtMs"`
	UpdatedAtMs    int64     `json:"updatedAtMs"`
	Schedule       Schedule  `json:"schedule"`
	SessionTarget  string    `json:"sessionTarget"`
	WakeMode       string    `json:"wakeMode"`
	Payload        Payload   `json:"payload"`
	Delivery       *Delivery `json:"delivery,omitempty"`
	State          JobState  `json:"state"`
}

// Schedule kinds.
const (
	KindAt    = "at"
	KindEvery = "every"
	KindCron  = "cron"
)

// Schedule says when a job runs: once (at), at a fixed interval (every) or
// on a cron expression (cron).
type Schedule struct {
	Kind string `json:"kind"`
	// At is an ISO 8601 timestamp, stored in UTC.
	At string `json:"at,omitempty"`
	// EveryMs is the interval; runs fall on AnchorMs + k*EveryMs, the
	// anchor being the job's creation time when unset.
	EveryMs  int64  `json:"everyMs,omitempty"`
	AnchorMs *int64 `json:"anchorMs,omitempty"`
	// Expr is a 5-field (or 6-field, seconds first) cron expression,
	// evaluated in Tz (an IANA zone), else in the gateway host's zone.
	Expr string `json:"expr,omitempty"`
	Tz   string `json:"tz,omitempty"`
	// StaggerMs spreads runs over a window so many jobs on the same
	// expression do not fire together. Unset means automatic (5 minutes for
	// top-of-hour expressions, none otherwise); 0 means exact.
	StaggerMs *int64 `json:"staggerMs,omitempty"`
}

// Payload kinds.
const (
	PayloadSystemEvent = "systemEvent"
	PayloadAgentTurn   = "agentTurn"
)

// Payload is what a job does when it runs.
type Payload struct {
	Kind string `json:"kind"`
	// Text is the system event enqueued into the main session.
	Text string `json:"text,omitempty"`
	// Message is the prompt of an agent turn.
	Message string `json:"message,omitempty"`
	Model   string `json:"model,omitempty"`
	// Fallbacks replaces the configured fallback models; an empty list
	// makes the run strict, an absent one keeps the configured chain.
	Fallbacks []string `json:"fallbacks,omitzero"`
	Thinking  string   `json:"thinking,omitempty"`
	// TimeoutSeconds bounds the run; 0 disables the scheduler's ceiling,
	// unset uses the default.
	TimeoutSeconds *float64 `json:"timeoutSeconds,omitempty"`
	LightContext   bool     `json:"lightContext,omitempty"`
	// ToolsAllow restricts the tools the run may use; an empty list allows
	// none.
	ToolsAllow []string `json:"toolsAllow,omitzero"`
}

// Delivery modes.
const (
	DeliverAnnounce = "announce"
	DeliverWebhook  = "webhook"
	DeliverNone     = "none"
)

// Delivery says where a finished run's output goes.
type Delivery struct {
	Mode string `json:"mode"`
	// Channel is a channel id or "last" (the session's last route).
	Channel   string `json:"channel,omitempty"`
	To        string `json:"to,omitempty"`
	AccountID string `json:"accountId,omitempty"`
	ThreadID  FlexID `json:"threadId,omitempty"`
	// BestEffort makes a failed delivery not fail the run.
	BestEffort bool `json:"bestEffort,omitempty"`
}

// FlexID is an id clients may send as a string or a number (Telegram
// thread ids); it is always stored as a string.
type FlexID string

// UnmarshalJSON accepts a JSON string or number.
func (f *FlexID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = FlexID(s)
		return nil
	}
	if bytes.Equal(b, []byte("null")) {
		*f = ""
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a string or a number, got %s", b)
	}
	*f = FlexID(n.String())
	return nil
}

// Run statuses (what the payload did) and completion statuses (whether the
// whole run, delivery included, succeeded).
const (
	StatusOK      = "ok"
	StatusError   = "error"
	StatusSkipped = "skipped"

	CompletionSucceeded = "succeeded"
	CompletionFailed    = "failed"
	CompletionUnknown   = "unknown"
)

// Delivery statuses.
const (
	DeliveryDelivered    = "delivered"
	DeliveryNotDelivered = "not-delivered"
	DeliveryUnknown      = "unknown"
	DeliveryNotRequested = "not-requested"
)

// JobState is what the scheduler remembers about a job between runs.
type JobState struct {
	NextRunAtMs               int64         `json:"nextRunAtMs,omitempty"`
	RunningAtMs               int64         `json:"runningAtMs,omitempty"`
	LastRunAtMs               int64         `json:"lastRunAtMs,omitempty"`
	LastRunStatus             string        `json:"lastRunStatus,omitempty"`
	LastError                 string        `json:"lastError,omitempty"`
	LastErrorReason           string        `json:"lastErrorReason,omitempty"`
	LastDurationMs            int64         `json:"lastDurationMs,omitempty"`
	ConsecutiveErrors         int           `json:"consecutiveErrors,omitempty"`
	ConsecutiveSkipped        int           `json:"consecutiveSkipped,omitempty"`
	AutoDisabled              *AutoDisabled `json:"autoDisabled,omitempty"`
	LastDelivered             *bool         `json:"lastDelivered,omitempty"`
	LastDeliveryStatus        string        `json:"lastDeliveryStatus,omitempty"`
	LastDeliveryError         string        `json:"lastDeliveryError,omitempty"`
	DeliverySuppressionReason string        `json:"deliverySuppressionReason,omitempty"`
}

// AutoDisabled records why the scheduler switched a job off.
type AutoDisabled struct {
	// Reason is "consecutive-failures" or "schedule-errors".
	Reason            string `json:"reason"`
	AtMs              int64  `json:"atMs"`
	ConsecutiveErrors int    `json:"consecutiveErrors"`
}

// JobView is a job as the API returns it: the stored job plus its derived
// status and the most used state fields at the top level.
type JobView struct {
	Job
	// Status is disabled, running, ok, error, skipped or idle.
	Status        string `json:"status"`
	NextRunAtMs   int64  `json:"nextRunAtMs,omitempty"`
	LastRunAtMs   int64  `json:"lastRunAtMs,omitempty"`
	LastRunStatus string `json:"lastRunStatus,omitempty"`
	LastRunError  string `json:"lastRunError,omitempty"`
}

func viewOf(j *Job, running bool) JobView {
	v := JobView{Job: *j, NextRunAtMs: j.State.NextRunAtMs, LastRunAtMs: j.State.LastRunAtMs,
		LastRunStatus: j.State.LastRunStatus, LastRunError: j.State.LastError}
	switch {
	case running || j.State.RunningAtMs > 0:
		v.Status = "running"
	case !j.Enabled:
		v.Status = "disabled"
	case j.State.LastRunStatus != "":
		v.Status = j.State.LastRunStatus
	default:
		v.Status = "idle"
	}
	return v
}

// validID keeps job ids safe as file names (run history is stored per job).
var validID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)

// sessionTargetMain etc. are the session targets a job may name.
const (
	TargetMain     = "main"
	TargetIsolated = "isolated"
	TargetCurrent  = "current"
)

// validate reports every problem with a job, each naming its field. loc is
// the zone of cron expressions without tz.
func (j *Job) validate(sched *scheduleParser) error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !validID.MatchString(j.ID) {
		add("id: %q is not a valid job id (letters, digits, '.', '_', ':', '-'; at most 128)", j.ID)
	}
	if strings.TrimSpace(j.Name) == "" {
		add("name: required")
	}
	if err := sched.check(j.Schedule); err != nil {
		errs = append(errs, err)
	}
	switch t := j.SessionTarget; {
	case t == TargetMain, t == TargetIsolated, t == TargetCurrent:
	case strings.HasPrefix(t, "session:") && strings.TrimSpace(t[len("session:"):]) != "":
	default:
		add("sessionTarget: %q is not main, isolated, current or session:<key>", t)
	}
	switch j.WakeMode {
	case "now", "next-heartbeat":
	default:
		add("wakeMode: %q is not now or next-heartbeat", j.WakeMode)
	}
	switch j.Payload.Kind {
	case PayloadSystemEvent:
		if strings.TrimSpace(j.Payload.Text) == "" {
			add("payload.text: required for a systemEvent payload")
		}
		if j.SessionTarget != TargetMain {
			add("payload.kind: a systemEvent payload runs in the main session; sessionTarget must be main, not %q", j.SessionTarget)
		}
	case PayloadAgentTurn:
		if strings.TrimSpace(j.Payload.Message) == "" {
			add("payload.message: required for an agentTurn payload")
		}
		if j.SessionTarget == TargetMain {
			add("sessionTarget: main-session jobs take a systemEvent payload; use isolated, current or session:<key> for an agentTurn")
		}
		if t := j.Payload.TimeoutSeconds; t != nil && *t < 0 {
			add("payload.timeoutSeconds: %v is negative", *t)
		}
	case "command", "script", "heartbeat":
		add("payload.kind: %q payloads are not supported; use systemEvent or agentTurn", j.Payload.Kind)
	case "":
		add("payload.kind: required (systemEvent or agentTurn)")
	default:
		add("payload.kind: %q is not systemEvent or agentTurn", j.Payload.Kind)
	}
	if d := j.Delivery; d != nil {
		switch d.Mode {
		case DeliverNone:
		case DeliverAnnounce:
			if j.SessionTarget == TargetMain {
				add("delivery.mode: main-session jobs reply through the main session; announce needs an isolated, current or session:<key> job")
			}
		case DeliverWebhook:
			if err := checkWebhookURL(d.To); err != nil {
				add("delivery.to: %v", err)
			}
		default:
			add("delivery.mode: %q is not announce, webhook or none", d.Mode)
		}
		if d.Channel != "" && strings.TrimSpace(d.Channel) == "" {
			add("delivery.channel: blank")
		}
	}
	return errors.Join(errs...)
}

func checkWebhookURL(raw string) error {
	if strings.TrimSpace(raw) == "" {
		return errors.New("a webhook URL is required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q: webhook URLs must be http or https", raw)
	}
	if u.Host == "" {
		return fmt.Errorf("%q has no host", raw)
	}
	if u.User != nil {
		return fmt.Errorf("%q embeds credentials; use cron.webhookToken instead", redactURL(u))
	}
	return nil
}

func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}

// oneShot reports whether the job runs at most once.
func (j *Job) oneShot() bool { return j.Schedule.Kind == KindAt }

// label is the job's name for humans.
func (j *Job) label() string {
	if j.DisplayName != "" {
		return j.DisplayName
	}
	return j.Name
}

func clone(j *Job) *Job {
	c := *j
	if j.Delivery != nil {
		d := *j.Delivery
		c.Delivery = &d
	}
	if j.Schedule.AnchorMs != nil {
		v := *j.Schedule.AnchorMs
		c.Schedule.AnchorMs = &v
	}
	if j.Schedule.StaggerMs != nil {
		v := *j.Schedule.StaggerMs
		c.Schedule.StaggerMs = &v
	}
	if j.Payload.TimeoutSeconds != nil {
		v := *j.Payload.TimeoutSeconds
		c.Payload.TimeoutSeconds = &v
	}
	if j.Payload.Fallbacks != nil {
		c.Payload.Fallbacks = append([]string{}, j.Payload.Fallbacks...)
	}
	if j.Payload.ToolsAllow != nil {
		c.Payload.ToolsAllow = append([]string{}, j.Payload.ToolsAllow...)
	}
	if j.State.AutoDisabled != nil {
		a := *j.State.AutoDisabled
		c.State.AutoDisabled = &a
	}
	if j.State.LastDelivered != nil {
		v := *j.State.LastDelivered
		c.State.LastDelivered = &v
	}
	return &c
}

// formatMs renders milliseconds the way the CLI shows intervals:
// "1m 30s", "1h", "1s 1ms".
func formatMs(ms int64) string {
	if ms <= 0 {
		return "0ms"
	}
	units := []struct {
		n    int64
		name string
	}{{86_400_000, "d"}, {3_600_000, "h"}, {60_000, "m"}, {1000, "s"}, {1, "ms"}}
	var parts []string
	for _, u := range units {
		if ms >= u.n {
			parts = append(parts, strconv.FormatInt(ms/u.n, 10)+u.name)
			ms %= u.n
		}
	}
	return strings.Join(parts, " ")
}

// DescribeSchedule renders a schedule for humans: "at 2027-02-01T16:00:00Z",
// "every 1m 30s", "cron 0 7 * * * @ Europe/Vienna".
func DescribeSchedule(s Schedule) string {
	switch s.Kind {
	case KindAt:
		return "at " + s.At
	case KindEvery:
		return "every " + formatMs(s.EveryMs)
	case KindCron:
		out := "cron " + s.Expr
		if s.Tz != "" {
			out += " @ " + s.Tz
		}
		if s.StaggerMs != nil && *s.StaggerMs > 0 {
			out += " (stagger " + formatMs(*s.StaggerMs) + ")"
		}
		return out
	}
	return s.Kind
}
