package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/core/gateway/auth"
	"github.com/openclaw-go/openclaw/core/gateway/backend/backendtest"
	"github.com/openclaw-go/openclaw/core/gateway/webhooks"
)

const token = "http-test-token"

type env struct {
	t     testing.TB
	fakes *backendtest.Fakes
	api   *API
	hs    *httptest.Server
	hooks *webhooks.Store
}

func newEnv(t testing.TB, mutate func(*Options)) *env {
	t.Helper()
	fakes := backendtest.New()
	a, err := auth.New(auth.Settings{Mode: auth.ModeToken, Token: token}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	store, err := webhooks.OpenStore(filepath.Join(t.TempDir(), webhooks.FileName), nil)
	if err != nil {
		t.Fatal(err)
	}
	disp := webhooks.NewDispatcher(store, webhooks.DispatcherOptions{Backoff: func(int) time.Duration { return time.Millisecond }})
	t.Cleanup(func() { disp.Close(context.Background()) })
	opts := Options{Services: fakes.Services(), Auth: a, Version: "9.9.9-test",
		Endpoints: Endpoints{ChatCompletions: true, Responses: true}, Webhooks: store, Dispatch: disp}
	if mutate != nil {
		mutate(&opts)
	}
	api, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(api)
	t.Cleanup(hs.Close)
	return &env{t: t, fakes: fakes, api: api, hs: hs, hooks: store}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not a JSON object (%d): %s", r.status, r.body)
	}
	return m
}

// do sends a request; body may be a string (sent as is) or a value
// (marshalled). auth "" sends no Authorization header.
func (e *env) do(method, path string, body any, authz string, headers ...string) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.hs.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if authz != "" {
		req.Header.Set("Authorization", "Bearer "+authz)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// authed sends with the test token.
func (e *env) authed(method, path string, body any, headers ...string) response {
	e.t.Helper()
	return e.do(method, path, body, token, headers...)
}

// sseEvent is one Server-Sent Event.
type sseEvent struct {
	name string
	data string
}

func parseSSE(t *testing.T, body []byte) []sseEvent {
	t.Helper()
	var out []sseEvent
	var cur sseEvent
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur.data != "" || cur.name != "" {
				out = append(out, cur)
			}
			cur = sseEvent{}
		case strings.HasPrefix(line, "event: "):
			cur.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			cur.data = strings.TrimPrefix(line, "data: ")
		default:
			t.Fatalf("unexpected SSE line %q", line)
		}
	}
	return out
}

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad JSON %q", s)
	}
	return m
}

func errObj(m map[string]any) map[string]any {
	e, _ := m["error"].(map[string]any)
	return e
}

func mustLimitedAuth(t testing.TB) *auth.Authenticator {
	t.Helper()
	a, err := auth.New(auth.Settings{Mode: auth.ModeToken, Token: token, Limit: auth.RateLimit{MaxAttempts: 2}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
