package wsproto

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/openclaw-go/openclaw/core/gateway/auth"
	"github.com/openclaw-go/openclaw/core/gateway/backend/backendtest"
)

const testToken = "test-token-123"

type env struct {
	t     testing.TB
	fakes *backendtest.Fakes
	srv   *Server
	hs    *httptest.Server
	url   string
}

// newEnv starts a server on loopback over the fakes. mutate may adjust
// the options (after Services and Auth are filled in).
func newEnv(t testing.TB, mutate func(*Options)) *env {
	t.Helper()
	fakes := backendtest.New()
	a, err := auth.New(auth.Settings{Mode: auth.ModeToken, Token: testToken}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Services: fakes.Services(), Auth: a, Version: "1.2.3-test",
		Info: func() Info { return Info{Bind: "loopback", Port: 18789, AuthMode: "token"} }}
	if mutate != nil {
		mutate(&opts)
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Close(ctx, "test over", 0)
		hs.Close()
	})
	return &env{t: t, fakes: fakes, srv: srv, hs: hs, url: "ws" + strings.TrimPrefix(hs.URL, "http")}
}

type rawConn struct {
	t  testing.TB
	ws *websocket.Conn
	id atomic.Int64
}

func (e *env) dial() *rawConn {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, e.url, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	ws.SetReadLimit(64 << 20)
	e.t.Cleanup(func() { ws.CloseNow() })
	return &rawConn{t: e.t, ws: ws}
}

func connectReq(token string, scopes ...string) map[string]any {
	p := map[string]any{
		"minProtocol": 4, "maxProtocol": 4,
		"client": map[string]any{"id": "cli", "version": "2026.9.6", "platform": "linux", "mode": "cli"},
		"role":   "operator",
		"auth":   map[string]any{"token": token},
	}
	if scopes != nil {
		p["scopes"] = scopes
	}
	return p
}

// connect dials, checks the challenge, sends connect and returns the
// connection and the connect response.
func (e *env) connect(params map[string]any) (*rawConn, map[string]any) {
	e.t.Helper()
	c := e.dial()
	ch := c.next()
	if ch["type"] != "event" || ch["event"] != "connect.challenge" {
		e.t.Fatalf("first frame is %v, want connect.challenge", ch)
	}
	c.send(map[string]any{"type": "req", "id": "c1", "method": "connect", "params": params})
	return c, c.res("c1")
}

// operator connects with the test token and full scopes.
func (e *env) operator() *rawConn {
	e.t.Helper()
	c, res := e.connect(connectReq(testToken))
	if res["ok"] != true {
		e.t.Fatalf("connect failed: %v", res)
	}
	return c
}

func (c *rawConn) send(v any) {
	c.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(b)
}

func (c *rawConn) sendRaw(b []byte) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// next reads one frame.
func (c *rawConn) next() map[string]any {
	c.t.Helper()
	f, err := c.tryNext(5 * time.Second)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return f
}

func (c *rawConn) tryNext(d time.Duration) (map[string]any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_, data, err := c.ws.Read(ctx)
	if err != nil {
		return nil, err
	}
	var f map[string]any
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("server sent invalid JSON %q: %w", data, err)
	}
	return f, nil
}

// res reads until the response with id, skipping events.
func (c *rawConn) res(id string) map[string]any {
	c.t.Helper()
	for {
		f := c.next()
		if f["type"] == "res" && f["id"] == id {
			return f
		}
	}
}

// call sends a request and returns its response.
func (c *rawConn) call(method string, params any) map[string]any {
	c.t.Helper()
	id := fmt.Sprintf("r%d", c.id.Add(1))
	req := map[string]any{"type": "req", "id": id, "method": method}
	if params != nil {
		req["params"] = params
	}
	c.send(req)
	return c.res(id)
}

// ok calls and requires success, returning the payload.
func (c *rawConn) ok(method string, params any) map[string]any {
	c.t.Helper()
	f := c.call(method, params)
	if f["ok"] != true {
		c.t.Fatalf("%s failed: %v", method, f["error"])
	}
	p, _ := f["payload"].(map[string]any)
	return p
}

// event reads until an event named name arrives.
func (c *rawConn) event(name string, match func(map[string]any) bool) map[string]any {
	c.t.Helper()
	for {
		f := c.next()
		if f["type"] == "event" && f["event"] == name {
			p, _ := f["payload"].(map[string]any)
			if match == nil || match(p) {
				return p
			}
		}
	}
}

// closed reads until the connection closes and returns the close status.
func (c *rawConn) closed() (websocket.StatusCode, string) {
	c.t.Helper()
	for {
		_, err := c.tryNext(5 * time.Second)
		if err != nil {
			var ce websocket.CloseError
			if ok := asCloseError(err, &ce); ok {
				return ce.Code, ce.Reason
			}
			return websocket.CloseStatus(err), ""
		}
	}
}

func asCloseError(err error, ce *websocket.CloseError) bool {
	for err != nil {
		if v, ok := err.(websocket.CloseError); ok {
			*ce = v
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

func errOf(f map[string]any) map[string]any {
	e, _ := f["error"].(map[string]any)
	return e
}

func detailCode(f map[string]any) string {
	d, _ := errOf(f)["details"].(map[string]any)
	s, _ := d["code"].(string)
	return s
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
