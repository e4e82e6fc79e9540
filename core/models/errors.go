package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrNoModelConfigured means no model could be chosen: nothing sets
// agents.defaults.model and no provider has credentials. The gateway shows its
// message to the user, so it says how to fix it.
var ErrNoModelConfigured = errors.New("no model is configured: set OPENAI_API_KEY or ANTHROPIC_API_KEY " +
	"in the gateway's environment (or ~/.openclaw/.env), or add a provider under models.providers and " +
	"choose it with agents.defaults.model.primary (\"provider/model\") in ~/.openclaw/openclaw.json, then restart the gateway")

// Reason classifies a failure the way failover needs.
type Reason string

const (
	ReasonAuth            Reason = "auth"               // 401/403: bad or missing credential
	ReasonBilling         Reason = "billing"            // out of credit; the credential is disabled for a while
	ReasonRateLimit       Reason = "rate_limit"         // 429 and quota messages
	ReasonOverloaded      Reason = "overloaded"         // 529, provider busy
	ReasonTimeout         Reason = "timeout"            // 408/504/524, network failures, truncated streams
	ReasonServerError     Reason = "server_error"       // other 5xx
	ReasonMalformed       Reason = "malformed_response" // an answer that breaks the API's format
	ReasonModelNotFound   Reason = "model_not_found"    // 404 or an unknown model id
	ReasonContextOverflow Reason = "context_overflow"   // the prompt is too long for the model
	ReasonFormat          Reason = "format"             // the request was rejected as invalid
	ReasonRefusal         Reason = "refusal"            // the provider refused to answer
	ReasonConfig          Reason = "config"             // our configuration cannot reach the model
	ReasonAborted         Reason = "aborted"            // the caller cancelled
	ReasonUnknown         Reason = "unknown"
)

// Failover reports whether another model may succeed where this failed.
// Invalid requests, context overflows, refusals and aborts would fail the
// same way everywhere (or must not be retried), so they end the run.
func (r Reason) Failover() bool {
	switch r {
	case ReasonFormat, ReasonContextOverflow, ReasonRefusal, ReasonAborted:
		return false
	}
	return true
}

// rotates reports whether another credential for the same provider may
// succeed where this one failed.
func (r Reason) rotates() bool {
	switch r {
	case ReasonAuth, ReasonBilling, ReasonRateLimit, ReasonOverloaded, ReasonTimeout, ReasonMalformed:
		return true
	}
	return false
}

// Error is a failed model request.
type Error struct {
	Provider string
	Model    string
	Reason   Reason
	// Status is the HTTP status, 0 when the request never got one.
	Status int
	// RetryAfter is the provider's Retry-After hint, 0 when absent.
	RetryAfter time.Duration
	// Message is the provider's own error text, or ours.
	Message string
	// Err is the underlying error, if any.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Provider != "" {
		b.WriteString(e.Provider)
		if e.Model != "" {
			b.WriteString("/" + e.Model)
		}
		b.WriteString(": ")
	}
	b.WriteString(string(e.Reason))
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	switch {
	case e.Message != "":
		b.WriteString(": " + e.Message)
	case e.Err != nil:
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ReasonOf classifies any error. A cancelled or expired caller context is an
// abort (the run's own deadline, not the provider's); other errors that are not
// *Error are unknown.
func ReasonOf(err error) Reason {
	var me *Error
	if errors.As(err, &me) {
		return me.Reason
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return ReasonAborted
	}
	return ReasonUnknown
}

// ClassifyHTTP turns a failed HTTP answer into a Reason, from its status and
// the text of its body (providers put the useful detail there: billing and
// rate-limit messages come with 400, 402 and 403 as often as with 429).
func ClassifyHTTP(status int, body string) Reason {
	text := strings.ToLower(body)
	switch {
	case containsAny(text, contextOverflowText):
		return ReasonContextOverflow
	case containsAny(text, billingText):
		return ReasonBilling
	case status == 429 || containsAny(text, rateLimitText):
		return ReasonRateLimit
	}
	switch {
	case status == 401 || status == 403:
		return ReasonAuth
	case status == 402:
		return ReasonBilling
	case status == 404:
		return ReasonModelNotFound
	case status == 408 || status == 499 || status == 504 || status == 522 || status == 524:
		return ReasonTimeout
	case status == 529 || strings.Contains(text, "overloaded"):
		return ReasonOverloaded
	case status == 413:
		return ReasonContextOverflow
	case status >= 500:
		return ReasonServerError
	case status == 400 || status == 422:
		if containsAny(text, modelNotFoundText) {
			return ReasonModelNotFound
		}
		return ReasonFormat
	}
	return ReasonUnknown
}

var (
	contextOverflowText = []string{
		"context length", "context_length_exceeded", "maximum context", "context window",
		"prompt is too long", "input is too long", "input too long", "request_too_large",
		"too many tokens", "exceeds the maximum number of",
	}
	billingText = []string{
		"insufficient credit", "insufficient_quota", "credit balance", "billing",
		"payment required", "insufficient balance", "out of credits",
	}
	rateLimitText = []string{
		"rate limit", "rate_limit", "too many requests", "too many concurrent requests",
		"resource exhausted", "resource_exhausted", "throttl", "concurrency limit",
		"quota exceeded", "usage limit",
	}
	modelNotFoundText = []string{"model_not_found", "model not found", "unknown model", "does not exist"}
)

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// Attempt records what happened to one model (and credential) in a run.
type Attempt struct {
	// Ref is "provider/model".
	Ref string
	// Credential names where the key came from (an auth profile id or an
	// environment variable name); never the key itself.
	Credential string
	// Outcome is "ok", "failed" or "skipped".
	Outcome string
	Reason  Reason
	Status  int
	// Detail is a short human-readable explanation.
	Detail string
	// CooldownUntil is set when the attempt was skipped, or put its
	// credential in cooldown.
	CooldownUntil time.Time
}

const (
	OutcomeOK      = "ok"
	OutcomeFailed  = "failed"
	OutcomeSkipped = "skipped"
)

func (a Attempt) String() string {
	var b strings.Builder
	b.WriteString(a.Ref)
	if a.Credential != "" {
		b.WriteString(" [" + a.Credential + "]")
	}
	b.WriteString(": " + a.Outcome)
	if a.Reason != "" {
		b.WriteString(" (" + string(a.Reason))
		if a.Status != 0 {
			fmt.Fprintf(&b, ", HTTP %d", a.Status)
		}
		b.WriteString(")")
	}
	if a.Detail != "" {
		b.WriteString(": " + a.Detail)
	}
	return b.String()
}

// FailoverError reports that no model in the chain answered.
type FailoverError struct {
	Attempts []Attempt
	// Err is the last failure, so errors.As finds its *Error.
	Err error
}

func (e *FailoverError) Error() string {
	var b strings.Builder
	if e.allSkipped() {
		b.WriteString("all models are cooling down")
		if t := e.SoonestRetry(); !t.IsZero() {
			b.WriteString(" until " + t.UTC().Format(time.RFC3339))
		}
	} else {
		b.WriteString("no model answered")
	}
	for i, a := range e.Attempts {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(a.String())
	}
	return b.String()
}

func (e *FailoverError) Unwrap() error { return e.Err }

func (e *FailoverError) allSkipped() bool {
	for _, a := range e.Attempts {
		if a.Outcome != OutcomeSkipped {
			return false
		}
	}
	return len(e.Attempts) > 0
}

// SoonestRetry is the earliest time a cooling-down candidate becomes usable
// again, zero when none is cooling down.
func (e *FailoverError) SoonestRetry() time.Time {
	var t time.Time
	for _, a := range e.Attempts {
		if a.CooldownUntil.IsZero() {
			continue
		}
		if t.IsZero() || a.CooldownUntil.Before(t) {
			t = a.CooldownUntil
		}
	}
	return t
}
