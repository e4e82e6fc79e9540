// Package wsproto serves OpenClaw's WebSocket control protocol, version 4:
// the connect.challenge / connect / hello-ok handshake, then request,
// response and event frames carrying RPC methods mapped onto the backend
// services.
//
// Each connection has one reader goroutine, one writer goroutine and one
// goroutine per request in flight, so slow methods never hold up others and
// responses may arrive out of order. Outbound frames queue per connection
// up to policy.maxBufferedBytes; a client that cannot keep up is
// disconnected rather than allowed to grow the gateway's memory.
package wsproto

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Protocol versions.
const (
	ProtocolVersion = 4
	// MaxPreauthPayload caps frames before the handshake completes.
	MaxPreauthPayload = 64 * 1024
)

// RequestFrame is a client request.
type RequestFrame struct {
	Type              string          `json:"type"`
	ID                string          `json:"id"`
	Method            string          `json:"method"`
	Params            json.RawMessage `json:"params,omitempty"`
	Traceparent       string          `json:"traceparent,omitempty"`
	ExpectedProfileID string          `json:"expectedProfileId,omitempty"`
}

// ResponseFrame answers a request.
type ResponseFrame struct {
	Type    string      `json:"type"`
	ID      string      `json:"id"`
	OK      bool        `json:"ok"`
	Payload any         `json:"payload,omitempty"`
	Error   *ErrorShape `json:"error,omitempty"`
}

// EventFrame is a server push.
type EventFrame struct {
	Type         string        `json:"type"`
	Event        string        `json:"event"`
	Payload      any           `json:"payload,omitempty"`
	Seq          *int64        `json:"seq,omitempty"`
	StateVersion *StateVersion `json:"stateVersion,omitempty"`
}

// StateVersion counts presence and health changes.
type StateVersion struct {
	Presence int64 `json:"presence"`
	Health   int64 `json:"health"`
}

// ErrorShape is the protocol's error object.
type ErrorShape struct {
	Code         string `json:"code"`
	Message      string `json:"message"`
	Details      any    `json:"details,omitempty"`
	Retryable    bool   `json:"retryable,omitempty"`
	RetryAfterMs int64  `json:"retryAfterMs,omitempty"`
}

// Error codes (ErrorCodes in @openclaw/gateway-protocol).
const (
	CodeInvalidRequest = "INVALID_REQUEST"
	CodeForbidden      = "FORBIDDEN"
	CodeUnavailable    = "UNAVAILABLE"
	CodeNotPaired      = "NOT_PAIRED"
	CodeAgentTimeout   = "AGENT_TIMEOUT"
)

// Error is a failed request, carried back to the client as an ErrorShape.
type Error struct{ Shape ErrorShape }

func (e *Error) Error() string { return e.Shape.Code + ": " + e.Shape.Message }

func newError(code, format string, args ...any) *Error {
	return &Error{Shape: ErrorShape{Code: code, Message: fmt.Sprintf(format, args...)}}
}

func invalid(format string, args ...any) *Error {
	return newError(CodeInvalidRequest, format, args...)
}

// frameError is a frame that could not be read as a request. id is set
// when the frame carried one, so the error can still be answered.
type frameError struct {
	id  string
	msg string
}

func (e *frameError) Error() string { return e.msg }

// maxTraceparent is the schema's limit; longer values make the frame
// invalid, shorter malformed ones are ignored.
const maxTraceparent = 128

// parseRequest reads one client frame. It enforces the RequestFrame
// schema: an object with type "req", a non-empty string id and method, and
// no properties beyond the protocol's.
func parseRequest(data []byte) (RequestFrame, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return RequestFrame{}, &frameError{msg: "frame is not a JSON object"}
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return RequestFrame{}, &frameError{msg: "frame is not valid JSON: " + trimJSONError(err)}
	}
	var f RequestFrame
	var id string
	if v, ok := raw["id"]; ok {
		if err := json.Unmarshal(v, &id); err != nil || id == "" {
			return RequestFrame{}, &frameError{msg: "frame id must be a non-empty string"}
		}
	}
	fail := func(format string, args ...any) (RequestFrame, error) {
		return RequestFrame{}, &frameError{id: id, msg: fmt.Sprintf(format, args...)}
	}
	if err := json.Unmarshal(raw["type"], &f.Type); err != nil || f.Type == "" {
		return fail("invalid request frame: type must be \"req\"")
	}
	if f.Type != "req" {
		return fail("invalid request frame: type %q; clients send only \"req\" frames", f.Type)
	}
	for k := range raw {
		switch k {
		case "type", "id", "method", "params", "traceparent", "expectedProfileId":
		default:
			return fail("invalid request frame: unexpected property %q", k)
		}
	}
	if id == "" {
		return fail("invalid request frame: id is required")
	}
	f.ID = id
	if err := json.Unmarshal(raw["method"], &f.Method); err != nil || f.Method == "" {
		return fail("invalid request frame: method must be a non-empty string")
	}
	if p, ok := raw["params"]; ok && !bytes.Equal(bytes.TrimSpace(p), []byte("null")) {
		f.Params = p
	}
	if v, ok := raw["traceparent"]; ok {
		if err := json.Unmarshal(v, &f.Traceparent); err != nil {
			return fail("invalid request frame: traceparent must be a string")
		}
		if len(f.Traceparent) > maxTraceparent {
			return fail("invalid request frame: traceparent longer than %d characters", maxTraceparent)
		}
	}
	if v, ok := raw["expectedProfileId"]; ok {
		if err := json.Unmarshal(v, &f.ExpectedProfileID); err != nil || f.ExpectedProfileID == "" || len(f.ExpectedProfileID) > 128 {
			return fail("invalid request frame: expectedProfileId must be a string of 1 to 128 characters")
		}
	}
	return f, nil
}

// decodeParams reads params into v. Absent params read as {}. Unknown
// properties are tolerated (clients send options this gateway does not
// act on); wrong types and malformed JSON are not.
func decodeParams(method string, params json.RawMessage, v any) error {
	if len(params) == 0 {
		params = []byte("{}")
	}
	if bytes.TrimSpace(params)[0] != '{' {
		return invalid("invalid %s params: params must be an object", method)
	}
	if err := json.Unmarshal(params, v); err != nil {
		return invalid("invalid %s params: %s", method, trimJSONError(err))
	}
	return nil
}

func trimJSONError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "value"
		}
		return fmt.Sprintf("%s must be %s, got %s", field, jsonTypeName(te.Type.Kind().String()), te.Value)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "a number"
	case "slice":
		return "an array"
	case "map", "struct", "ptr":
		return "an object"
	}
	return kind
}

// require reports the first empty required string field.
func require(method string, fields ...[2]string) error {
	for _, f := range fields {
		if strings.TrimSpace(f[1]) == "" {
			return invalid("invalid %s params: %s is required", method, f[0])
		}
	}
	return nil
}
