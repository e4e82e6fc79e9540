// Package backend is the contract between the gateway's client-facing API
// and the rest of the core. The gateway owns no agent, session, config,
// plugin or channel: it calls the small interfaces declared here, and the
// daemon wires implementations built on the real packages into Services.
//
// Every field of Services may be nil. The gateway then leaves the methods
// that need it out of hello-ok's method list and answers calls to them with
// an UNAVAILABLE error, so a core-only deployment, a test, or a partially
// started gateway still serves everything else.
//
// Implementations report failures with the sentinel errors below (wrapped
// with context as usual); the gateway maps them onto protocol error codes
// and HTTP statuses. Any other error is reported as an internal error with
// its message.
package backend

import (
	"errors"
	"fmt"
	"strings"
)

// Services is everything the gateway fronts.
type Services struct {
	Chat     Chat          // agent turns: chat.send, agent, /v1/*, /api/v1 chat
	Sessions Sessions      // sessions.*, chat.history, /api/v1/sessions
	Agents   Agents        // agent roster: /v1/models targets, agent ids
	Config   ConfigService // config.*, /api/v1/config
	Channels Channels      // channels.status, send, /api/v1/channels
	Plugins  Plugins       // plugins.list
	Models   Models        // models.list, model validation
	Skills   Skills        // skills.status, /api/v1/skills
	Tools    Tools         // POST /tools/invoke
	Logs     Logs          // logs.tail
	Health   Health        // health, status, /readyz
	Cron     Cron          // cron.list; nil when cron is not configured
}

// Sentinel errors. Wrap them: fmt.Errorf("session %q: %w", key, backend.ErrNotFound).
var (
	// ErrNotFound: the named session, agent, model, message, skill, tool or
	// channel does not exist.
	ErrNotFound = errors.New("not found")
	// ErrInvalid: the request is well-formed but its values are unusable
	// (unknown channel target, bad agent id, malformed JSON5, ...).
	ErrInvalid = errors.New("invalid request")
	// ErrConflict: a precondition failed, such as a config baseHash that no
	// longer matches the file on disk.
	ErrConflict = errors.New("conflict")
	// ErrUnavailable: the service exists but cannot serve right now
	// (starting, reloading, channel disconnected). Clients may retry.
	ErrUnavailable = errors.New("unavailable")
	// ErrUnsupported: the implementation does not offer this operation.
	ErrUnsupported = errors.New("not supported")
	// ErrForbidden: policy refuses the operation (tool blocked by policy).
	ErrForbidden = errors.New("forbidden")
)

// ValidationError carries every problem found in a submitted value, such as
// a config that fails the schema. It matches ErrInvalid with errors.Is.
type ValidationError struct {
	Issues []Issue
}

// Issue is one problem: where (a dotted key path) and what.
type Issue struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Issues))
	for _, is := range e.Issues {
		if is.Path == "" {
			parts = append(parts, is.Message)
			continue
		}
		parts = append(parts, is.Path+": "+is.Message)
	}
	return fmt.Sprintf("invalid (%d problem(s)): %s", len(e.Issues), strings.Join(parts, "; "))
}

// Is makes errors.Is(err, ErrInvalid) true for validation errors.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }
