package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mymmrac/telego"
	ta "github.com/mymmrac/telego/telegoapi"
)

// Per-call time limits. Long polls get their own, longer limit.
const (
	callTimeout   = 60 * time.Second
	uploadTimeout = 5 * time.Minute
	maxResponse   = 64 << 20
)

// newBot builds a telego client for an account. Requests go through
// net/http (cancellable by context, which long polling needs) and errors
// never carry the request URL, which holds the token.
func newBot(s settings) (*telego.Bot, *http.Client, error) {
	transport := &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   15 * time.Second,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     true,
	}
	if s.proxy != nil {
		transport.Proxy = http.ProxyURL(s.proxy)
	}
	client := &http.Client{Transport: transport}
	bot, err := telego.NewBot(s.token,
		telego.WithAPIServer(s.apiRoot),
		telego.WithAPICaller(httpCaller{client: client}),
		telego.WithDiscardLogger(),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("create Telegram client: %w", err)
	}
	return bot, client, nil
}

// httpCaller is telego's Caller on net/http that keeps Telegram's error
// envelope even on 5xx answers and keeps the token out of errors.
type httpCaller struct {
	client *http.Client
}

func (h httpCaller) Call(ctx context.Context, rawURL string, data *ta.RequestData) (*ta.Response, error) {
	var body io.Reader
	switch {
	case bytes.Equal(data.BodyRaw, []byte("null")):
		// telego sends a JSON null for methods without parameters; some
		// servers (express-based emulators) refuse it, Telegram takes {}.
		body = strings.NewReader("{}")
	case data.BodyRaw != nil:
		body = bytes.NewReader(data.BodyRaw)
	case data.BodyStream != nil:
		body = data.BodyStream
	default:
		return nil, errors.New("no request body")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, body)
	if err != nil {
		return nil, &transportError{err: stripURL(err)}
	}
	req.Header.Set("Content-Type", data.ContentType)
	res, err := h.client.Do(req)
	if err != nil {
		return nil, &transportError{err: stripURL(err)}
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxResponse))
	if err != nil {
		return nil, &transportError{err: stripURL(err)}
	}
	var out ta.Response
	if err := json.Unmarshal(raw, &out); err == nil && (out.Ok || (out.Error != nil && out.ErrorCode != 0)) {
		return &out, nil
	}
	return nil, &statusError{status: res.StatusCode, body: snippet(raw)}
}

// stripURL drops the request URL (and with it the token) from an error.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// transportError is a call that got no HTTP answer.
type transportError struct {
	err error
}

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// statusError is an HTTP answer that is not a Bot API envelope, such as a
// proxy's error page or an emulator's 500 for a method it lacks.
type statusError struct {
	status int
	body   string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", e.status, http.StatusText(e.status), e.body)
}

// apiError returns Telegram's error envelope inside err, if any.
func apiError(err error) *ta.Error {
	var e *ta.Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// errorCode is the Bot API error code or HTTP status behind err, 0 if none.
func errorCode(err error) int {
	if e := apiError(err); e != nil {
		return e.ErrorCode
	}
	var se *statusError
	if errors.As(err, &se) {
		return se.status
	}
	return 0
}

// isUnauthorized reports a rejected token.
func isUnauthorized(err error) bool { return errorCode(err) == http.StatusUnauthorized }

// isParseError reports Telegram rejecting a message's markup.
func isParseError(err error) bool {
	e := apiError(err)
	return e != nil && e.ErrorCode == http.StatusBadRequest && strings.Contains(e.Description, "can't parse entities")
}

// retryAfter is the wait a 429 answer asks for.
func retryAfter(err error) (time.Duration, bool) {
	e := apiError(err)
	if e == nil || e.ErrorCode != http.StatusTooManyRequests || e.Parameters == nil || e.Parameters.RetryAfter <= 0 {
		return 0, false
	}
	return time.Duration(e.Parameters.RetryAfter) * time.Second, true
}

// retryable reports transient failures: rate limits, server errors and
// network trouble (including a per-request timeout). Client errors (400,
// 401, 403, 404, 409) are final. The caller checks its own context.
func retryable(err error) bool {
	var te *transportError
	if errors.As(err, &te) {
		return true
	}
	code := errorCode(err)
	return code == http.StatusTooManyRequests || code >= 500
}

// describe turns a Bot API failure into a message for status and logs.
func describe(err error) string {
	var long *waitTooLong
	if errors.As(err, &long) {
		return long.Error()
	}
	if e := apiError(err); e != nil {
		return fmt.Sprintf("Telegram answered %d: %s", e.ErrorCode, e.Description)
	}
	var se *statusError
	if errors.As(err, &se) {
		return se.Error()
	}
	var te *transportError
	if errors.As(err, &te) {
		return te.Error()
	}
	return err.Error()
}

// withTimeout bounds one call.
func withTimeout(ctx context.Context, d time.Duration, f func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return f(ctx)
}
