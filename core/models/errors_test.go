package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestClassifyHTTP(t *testing.T) {
	tests := []struct {
		status int
		body   string
		want   Reason
	}{
		{401, "invalid x-api-key", ReasonAuth},
		{403, "permission denied", ReasonAuth},
		{403, "Key limit exceeded, insufficient credits", ReasonBilling},
		{402, "payment required", ReasonBilling},
		{402, "weekly usage limit exhausted", ReasonRateLimit},
		{429, "slow down", ReasonRateLimit},
		{400, "ThrottlingException: Too many concurrent requests", ReasonRateLimit},
		{404, "model not found", ReasonModelNotFound},
		{400, "model_not_found: gpt-x", ReasonModelNotFound},
		{400, "This model's maximum context length is 8192 tokens", ReasonContextOverflow},
		{413, "request entity too large", ReasonContextOverflow},
		{400, "messages: field required", ReasonFormat},
		{408, "", ReasonTimeout},
		{504, "gateway timeout", ReasonTimeout},
		{524, "", ReasonTimeout},
		{529, "", ReasonOverloaded},
		{503, "The server is overloaded", ReasonOverloaded},
		{500, "internal", ReasonServerError},
		{502, "bad gateway", ReasonServerError},
		{418, "teapot", ReasonUnknown},
	}
	for _, tt := range tests {
		if got := ClassifyHTTP(tt.status, tt.body); got != tt.want {
			t.Errorf("ClassifyHTTP(%d, %q) = %s, want %s", tt.status, tt.body, got, tt.want)
		}
	}
}

func TestReasonOf(t *testing.T) {
	tests := []struct {
		err  error
		want Reason
	}{
		{&Error{Reason: ReasonRateLimit}, ReasonRateLimit},
		{fmt.Errorf("wrapped: %w", &Error{Reason: ReasonAuth}), ReasonAuth},
		{context.Canceled, ReasonAborted},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), ReasonAborted},
		{errors.New("plain"), ReasonUnknown},
	}
	for _, tt := range tests {
		if got := ReasonOf(tt.err); got != tt.want {
			t.Errorf("ReasonOf(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
	for _, r := range []Reason{ReasonFormat, ReasonContextOverflow, ReasonRefusal, ReasonAborted} {
		if r.Failover() {
			t.Errorf("%s must end the run", r)
		}
	}
	for _, r := range []Reason{ReasonAuth, ReasonBilling, ReasonRateLimit, ReasonOverloaded, ReasonTimeout, ReasonServerError, ReasonModelNotFound, ReasonMalformed, ReasonUnknown} {
		if !r.Failover() {
			t.Errorf("%s must let the next model try", r)
		}
	}
}

func TestErrorMessages(t *testing.T) {
	e := &Error{Provider: "openai", Model: "gpt", Reason: ReasonRateLimit, Status: 429, Message: "slow down"}
	if got := e.Error(); got != "openai/gpt: rate_limit (HTTP 429): slow down" {
		t.Errorf("Error() = %q", got)
	}
	until := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	fe := &FailoverError{Attempts: []Attempt{
		{Ref: "a/b", Credential: "env:A_API_KEY", Outcome: OutcomeSkipped, Reason: ReasonRateLimit, CooldownUntil: until},
		{Ref: "c/d", Outcome: OutcomeSkipped, Reason: ReasonAuth, CooldownUntil: until.Add(time.Hour)},
	}}
	msg := fe.Error()
	if !strings.HasPrefix(msg, "all models are cooling down until 2026-01-02T03:04:05Z") || !strings.Contains(msg, "a/b [env:A_API_KEY]: skipped (rate_limit)") {
		t.Errorf("FailoverError = %q", msg)
	}
}

func TestCooldownSchedule(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newCooldowns(func() time.Time { return now })
	for i, want := range []time.Duration{30 * time.Second, time.Minute, 5 * time.Minute, 5 * time.Minute} {
		if got := c.fail("p", "k", "m", ReasonServerError, 0).Sub(now); got != want {
			t.Errorf("failure %d: cooldown %s, want %s", i+1, got, want)
		}
	}
	if got := c.fail("p", "k2", "m", ReasonBilling, 0).Sub(now); got != disableWindow {
		t.Errorf("billing cooldown %s, want %s", got, disableWindow)
	}
	if until := c.fail("p", "k3", "m", ReasonFormat, 0); !until.IsZero() {
		t.Errorf("a format error must not cool a key down")
	}
	// The error count is forgotten after the failure window.
	now = now.Add(failureWindow + time.Hour)
	if got := c.fail("p", "k", "m", ReasonServerError, 0).Sub(now); got != 30*time.Second {
		t.Errorf("after the window: cooldown %s, want 30s", got)
	}
}
