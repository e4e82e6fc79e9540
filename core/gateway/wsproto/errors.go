package wsproto

import (
	"context"
	"errors"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/gateway/runs"
)

// errorShape maps a handler error onto the protocol's error object.
func errorShape(err error) ErrorShape {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Shape
	}
	msg := err.Error()
	var ve *backend.ValidationError
	var re *backend.RunError
	switch {
	case errors.As(err, &ve):
		return ErrorShape{Code: CodeInvalidRequest, Message: msg, Details: map[string]any{"reason": "invalid", "issues": ve.Issues}}
	case errors.As(err, &re):
		s := ErrorShape{Code: CodeUnavailable, Message: re.Message, Retryable: re.Retryable, Details: map[string]any{"errorKind": re.Kind}}
		if re.RetryAfter > 0 {
			s.RetryAfterMs = re.RetryAfter.Milliseconds()
		}
		return s
	case errors.Is(err, runs.ErrDraining):
		return ErrorShape{Code: CodeUnavailable, Message: msg, Retryable: true, RetryAfterMs: 1000, Details: map[string]any{"reason": "draining"}}
	case errors.Is(err, runs.ErrNoChat):
		return ErrorShape{Code: CodeUnavailable, Message: msg, Details: map[string]any{"reason": "service-unavailable"}}
	case errors.Is(err, backend.ErrNotFound):
		return ErrorShape{Code: CodeInvalidRequest, Message: msg, Details: map[string]any{"reason": "not-found"}}
	case errors.Is(err, backend.ErrConflict):
		return ErrorShape{Code: CodeInvalidRequest, Message: msg, Details: map[string]any{"reason": "conflict"}}
	case errors.Is(err, backend.ErrInvalid):
		return ErrorShape{Code: CodeInvalidRequest, Message: msg}
	case errors.Is(err, backend.ErrUnsupported):
		return ErrorShape{Code: CodeInvalidRequest, Message: msg, Details: map[string]any{"reason": "unsupported"}}
	case errors.Is(err, backend.ErrForbidden):
		return ErrorShape{Code: CodeForbidden, Message: msg}
	case errors.Is(err, backend.ErrUnavailable):
		return ErrorShape{Code: CodeUnavailable, Message: msg, Retryable: true}
	case errors.Is(err, context.DeadlineExceeded):
		return ErrorShape{Code: CodeUnavailable, Message: msg, Retryable: true, Details: map[string]any{"reason": "timeout"}}
	case errors.Is(err, context.Canceled):
		return ErrorShape{Code: CodeUnavailable, Message: msg, Details: map[string]any{"reason": "cancelled"}}
	}
	return ErrorShape{Code: CodeUnavailable, Message: msg}
}

func unavailable(service string) *Error {
	return &Error{Shape: ErrorShape{Code: CodeUnavailable, Message: service + " is not available on this gateway", Details: map[string]any{"reason": "service-unavailable", "service": service}}}
}
