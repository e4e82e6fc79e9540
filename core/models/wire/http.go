// Package wire holds the HTTP plumbing the JSON model API clients share:
// posting a request with the endpoint's headers and timeout, turning failed
// answers into classified *models.Error values, merging params into request
// bodies, and assembling streamed pieces into a models.Response.
package wire

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/core/models"
)

// maxErrorBody bounds how much of a failed answer is read for its message.
const maxErrorBody = 64 << 10

// Post sends body as JSON to url and returns the response when its status is
// 2xx. Otherwise it reads the body and returns a classified *models.Error.
// The returned body cancels the endpoint's timeout when closed.
func Post(ctx context.Context, ep models.Endpoint, model, url string, header http.Header, body []byte) (*http.Response, error) {
	cancel := context.CancelFunc(func() {})
	parent := ctx
	if ep.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, ep.Timeout)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		cancel()
		return nil, &models.Error{Provider: ep.Provider, Model: model, Reason: models.ReasonConfig, Err: fmt.Errorf("build request: %w", err)}
	}
	req.Header.Set("Content-Type", "application/json")
	for k, vs := range header {
		req.Header[k] = vs
	}
	for k, v := range ep.Headers {
		req.Header.Set(k, v)
	}
	client := ep.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		cancel()
		return nil, TransportError(parent, ep, model, err)
	}
	if resp.StatusCode/100 != 2 {
		defer cancel()
		defer resp.Body.Close()
		return nil, StatusError(ep.Provider, model, resp)
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// TransportError classifies a failure to get or read an answer. parent is the
// caller's context: when it is done the caller gave up (an abort); otherwise
// a deadline or a network failure is the provider's timeout.
func TransportError(parent context.Context, ep models.Endpoint, model string, err error) error {
	if parent.Err() != nil {
		return &models.Error{Provider: ep.Provider, Model: model, Reason: models.ReasonAborted, Err: parent.Err()}
	}
	msg := err.Error()
	if errors.Is(err, context.DeadlineExceeded) && ep.Timeout > 0 {
		msg = fmt.Sprintf("no complete answer within %s (models.providers.%s.timeoutSeconds)", ep.Timeout, ep.Provider)
	}
	// Refused connections, resets and cut-off bodies all mean the provider
	// did not answer; OpenClaw files them with timeouts.
	return &models.Error{Provider: ep.Provider, Model: model, Reason: models.ReasonTimeout, Message: msg, Err: err}
}

// StatusError turns a non-2xx answer into a classified error, with the
// provider's own message and Retry-After hint.
func StatusError(provider, model string, resp *http.Response) *models.Error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	msg, kind := errorMessage(raw)
	if msg == "" {
		msg = strings.TrimSpace(string(raw))
		if msg == "" {
			msg = http.StatusText(resp.StatusCode)
		}
	}
	if len(msg) > 500 {
		msg = msg[:500] + "…"
	}
	reason := models.ClassifyHTTP(resp.StatusCode, kind+" "+msg)
	return &models.Error{
		Provider:   provider,
		Model:      model,
		Reason:     reason,
		Status:     resp.StatusCode,
		RetryAfter: RetryAfter(resp.Header, time.Now()),
		Message:    msg,
	}
}

// errorMessage digs the message and type/code out of the error bodies the
// APIs send: {"error": {"message", "type", "code"}}, {"error": "text"},
// {"message": "text"}.
func errorMessage(raw []byte) (msg, kind string) {
	var body struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  string          `json:"detail"`
	}
	if json.Unmarshal(raw, &body) != nil {
		return "", ""
	}
	if len(body.Error) > 0 {
		var s string
		if json.Unmarshal(body.Error, &s) == nil {
			return s, ""
		}
		var obj struct {
			Message string          `json:"message"`
			Type    string          `json:"type"`
			Code    json.RawMessage `json:"code"`
		}
		if json.Unmarshal(body.Error, &obj) == nil {
			code := strings.Trim(string(obj.Code), `"`)
			return obj.Message, obj.Type + " " + code
		}
	}
	return firstNonEmpty(body.Message, body.Detail), ""
}

// StreamError builds the error for a failure reported inside a stream (an
// "error" event), classified as the same failure over HTTP would be.
func StreamError(provider, model, kind, code, message string) *models.Error {
	status := 0
	switch {
	case strings.Contains(kind, "overloaded"):
		status = 529
	case strings.Contains(kind, "rate_limit"):
		status = 429
	case strings.Contains(kind, "authentication") || strings.Contains(kind, "permission"):
		status = 401
	case strings.Contains(kind, "not_found"):
		status = 404
	case strings.Contains(kind, "invalid_request"):
		status = 400
	case strings.Contains(kind, "api_error") || strings.Contains(kind, "server_error"):
		status = 500
	}
	if message == "" {
		message = "the provider reported an error mid-stream"
	}
	reason := models.ClassifyHTTP(status, kind+" "+code+" "+message)
	if reason == models.ReasonUnknown {
		reason = models.ReasonServerError
	}
	return &models.Error{Provider: provider, Model: model, Reason: reason, Message: message}
}

// RetryAfter reads retry-after-ms or Retry-After (seconds or an HTTP date).
func RetryAfter(h http.Header, now time.Time) time.Duration {
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// IsEventStream reports whether the answer is an SSE stream. Some
// OpenAI-compatible servers ignore "stream": true and answer with plain JSON;
// clients then read the JSON and replay it as events.
func IsEventStream(resp *http.Response) bool {
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return mt == "text/event-stream"
}

// IsJSON reports whether the answer is a JSON document.
func IsJSON(resp *http.Response) bool {
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// Malformed reports an answer that does not follow the API's format.
func Malformed(provider, model, format string, args ...any) *models.Error {
	return &models.Error{Provider: provider, Model: model, Reason: models.ReasonMalformed,
		Message: fmt.Sprintf(format, args...)}
}

// JoinURL appends path to a base URL, avoiding doubled slashes.
func JoinURL(base, path string) string {
	return strings.TrimRight(base, "/") + "/" + strings.TrimLeft(path, "/")
}

// MergeParams sets each param as a top-level field of the JSON object body,
// replacing what the client wrote; "extra_body"/"extraBody" objects are
// merged last, so they win.
func MergeParams(body []byte, params map[string]any) ([]byte, error) {
	if len(params) == 0 {
		return body, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return nil, fmt.Errorf("merge params: %w", err)
	}
	var extras []any
	for k, v := range params {
		if k == "extra_body" || k == "extraBody" {
			extras = append(extras, v)
			continue
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("params.%s: %w", k, err)
		}
		obj[k] = raw
	}
	for _, extra := range extras {
		m, ok := extra.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("params.extra_body: want an object, got %T", extra)
		}
		for k, v := range m {
			raw, err := json.Marshal(v)
			if err != nil {
				return nil, fmt.Errorf("params.extra_body.%s: %w", k, err)
			}
			obj[k] = raw
		}
	}
	return json.Marshal(obj)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
