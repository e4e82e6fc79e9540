package wsproto

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/openclaw-go/openclaw/core/gateway/auth"
)

func TestHandshakeHelloOK(t *testing.T) {
	e := newEnv(t, nil)
	c := e.dial()
	ch := c.next()
	if ch["event"] != "connect.challenge" {
		t.Fatalf("first frame %v", ch)
	}
	pl := ch["payload"].(map[string]any)
	if nonce, _ := pl["nonce"].(string); nonce == "" {
		t.Fatalf("challenge without nonce: %v", pl)
	}
	if ts, ok := pl["ts"].(float64); !ok || ts <= 0 || ts != float64(int64(ts)) {
		t.Fatalf("challenge ts %v is not a positive integer", pl["ts"])
	}
	c.send(map[string]any{"type": "req", "id": "1:abc", "method": "connect", "params": connectReq(testToken, "operator.read")})
	res := c.res("1:abc")
	if res["ok"] != true {
		t.Fatalf("connect refused: %v", res)
	}
	h := res["payload"].(map[string]any)
	if h["type"] != "hello-ok" || h["protocol"] != float64(4) {
		t.Fatalf("hello %v", h)
	}
	server := h["server"].(map[string]any)
	if server["version"] != "1.2.3-test" || server["connId"] == "" {
		t.Fatalf("server %v", server)
	}
	methods := toStrings(h["features"].(map[string]any)["methods"])
	for _, m := range []string{"health", "status", "config.get", "config.set", "config.apply", "config.patch", "config.schema",
		"chat.send", "chat.history", "chat.abort", "sessions.list", "sessions.reset", "sessions.delete", "channels.status",
		"models.list", "logs.tail", "plugins.list", "skills.status", "cron.list", "agent", "send"} {
		if !contains(methods, m) {
			t.Errorf("features.methods lacks %s", m)
		}
	}
	events := toStrings(h["features"].(map[string]any)["events"])
	for _, ev := range []string{"tick", "chat", "shutdown"} {
		if !contains(events, ev) {
			t.Errorf("features.events lacks %s", ev)
		}
	}
	snap := h["snapshot"].(map[string]any)
	for _, k := range []string{"presence", "health", "stateVersion", "uptimeMs"} {
		if _, ok := snap[k]; !ok {
			t.Errorf("snapshot lacks %s", k)
		}
	}
	a := h["auth"].(map[string]any)
	if a["role"] != "operator" || !equal(toStrings(a["scopes"]), []string{"operator.read"}) {
		t.Fatalf("auth %v", a)
	}
	pol := h["policy"].(map[string]any)
	if pol["maxPayload"] != float64(25<<20) || pol["maxBufferedBytes"] != float64(50<<20) || pol["tickIntervalMs"] != float64(15000) {
		t.Fatalf("policy %v", pol)
	}
	// Admin paths are not shown to a read-only client.
	if _, ok := snap["configPath"]; ok {
		t.Error("read-only client sees configPath")
	}
}

func TestHandshakeWithoutScopesGetsOperatorDefaults(t *testing.T) {
	e := newEnv(t, nil)
	_, res := e.connect(connectReq(testToken))
	scopes := toStrings(res["payload"].(map[string]any)["auth"].(map[string]any)["scopes"])
	if !contains(scopes, "operator.admin") || !contains(scopes, "operator.write") {
		t.Fatalf("scopes %v", scopes)
	}
}

func TestHandshakeAuthFailures(t *testing.T) {
	tests := []struct {
		name     string
		mode     auth.Settings
		auth     map[string]any
		wantCode string
	}{
		{"wrong token", auth.Settings{Mode: auth.ModeToken, Token: testToken}, map[string]any{"token": "wrong"}, "AUTH_TOKEN_MISMATCH"},
		{"no token", auth.Settings{Mode: auth.ModeToken, Token: testToken}, nil, "AUTH_TOKEN_MISSING"},
		{"wrong password", auth.Settings{Mode: auth.ModePassword, Password: "pw"}, map[string]any{"password": "nope"}, "AUTH_PASSWORD_MISMATCH"},
		{"no password", auth.Settings{Mode: auth.ModePassword, Password: "pw"}, map[string]any{}, "AUTH_PASSWORD_MISSING"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(o *Options) {
				a, err := auth.New(tt.mode, nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				o.Auth = a
			})
			p := connectReq("")
			delete(p, "auth")
			if tt.auth != nil {
				p["auth"] = tt.auth
			}
			c, res := e.connect(p)
			if res["ok"] != false || errOf(res)["code"] != "INVALID_REQUEST" || detailCode(res) != tt.wantCode {
				t.Fatalf("got %v, want INVALID_REQUEST/%s", res, tt.wantCode)
			}
			if !strings.HasPrefix(errOf(res)["message"].(string), "unauthorized:") {
				t.Errorf("message %q", errOf(res)["message"])
			}
			if code, _ := c.closed(); code != websocket.StatusPolicyViolation {
				t.Fatalf("close code %d, want 1008", code)
			}
		})
	}
}

func TestHandshakeRateLimited(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		a, _ := auth.New(auth.Settings{Mode: auth.ModeToken, Token: testToken, Limit: auth.RateLimit{MaxAttempts: 2, ExemptLoopback: false}}, nil, nil)
		o.Auth = a
	})
	for range 2 {
		c, _ := e.connect(connectReq("bad"))
		c.closed()
	}
	c, res := e.connect(connectReq(testToken))
	er := errOf(res)
	if detailCode(res) != "AUTH_RATE_LIMITED" || er["retryable"] != true || er["retryAfterMs"].(float64) <= 0 {
		t.Fatalf("got %v, want AUTH_RATE_LIMITED with retryAfterMs", res)
	}
	if code, _ := c.closed(); code != websocket.StatusPolicyViolation {
		t.Fatalf("close code %d", code)
	}
}

func TestHandshakeBearerOnUpgrade(t *testing.T) {
	e := newEnv(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, e.url, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + testToken}}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	c := &rawConn{t: t, ws: ws}
	c.next()
	p := connectReq("")
	delete(p, "auth")
	c.send(map[string]any{"type": "req", "id": "x", "method": "connect", "params": p})
	if res := c.res("x"); res["ok"] != true {
		t.Fatalf("bearer upgrade refused: %v", res)
	}
}

func TestHandshakeBadFirstFrames(t *testing.T) {
	e := newEnv(t, nil)
	valid := connectReq(testToken)
	with := func(k string, v any) map[string]any {
		p := map[string]any{}
		for kk, vv := range valid {
			p[kk] = vv
		}
		if v == nil {
			delete(p, k)
		} else {
			p[k] = v
		}
		return p
	}
	tests := []struct {
		name      string
		frame     string
		wantError string // substring of error message; empty: no response expected
		wantClose websocket.StatusCode
	}{
		{"not json", `hello`, "", websocket.StatusPolicyViolation},
		{"json array", `[1,2]`, "", websocket.StatusPolicyViolation},
		{"other method first", `{"type":"req","id":"a","method":"health","params":{}}`, "first request must be connect", websocket.StatusPolicyViolation},
		{"event frame", `{"type":"event","id":"a","event":"x"}`, "type \"event\"", websocket.StatusPolicyViolation},
		{"unknown frame property", `{"type":"req","id":"a","method":"connect","params":{},"extra":1}`, "unexpected property", websocket.StatusPolicyViolation},
		{"no params", `{"type":"req","id":"a","method":"connect"}`, "params are required", websocket.StatusPolicyViolation},
		{"missing client", mustJSON(map[string]any{"type": "req", "id": "a", "method": "connect", "params": with("client", nil)}), "client is required", websocket.StatusPolicyViolation},
		{"bad client id", mustJSON(map[string]any{"type": "req", "id": "a", "method": "connect", "params": with("client", map[string]any{"id": "evil", "version": "1", "platform": "x", "mode": "cli"})}), "client.id", websocket.StatusPolicyViolation},
		{"client extra field", mustJSON(map[string]any{"type": "req", "id": "a", "method": "connect", "params": with("client", map[string]any{"id": "cli", "version": "1", "platform": "x", "mode": "cli", "x": 1})}), "client.x", websocket.StatusPolicyViolation},
		{"params extra field", mustJSON(map[string]any{"type": "req", "id": "a", "method": "connect", "params": with("bogus", true)}), "unexpected property \"bogus\"", websocket.StatusPolicyViolation},
		{"protocol string", mustJSON(map[string]any{"type": "req", "id": "a", "method": "connect", "params": with("minProtocol", "4")}), "minProtocol", websocket.StatusPolicyViolation},
		{"old protocol", mustJSON(map[string]any{"type": "req", "id": "a", "method": "connect", "params": with("maxProtocol", 3)}), "protocol mismatch", websocket.StatusProtocolError},
		{"node role", mustJSON(map[string]any{"type": "req", "id": "a", "method": "connect", "params": with("role", "node")}), "role \"node\"", websocket.StatusPolicyViolation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.dial()
			c.next() // challenge
			c.sendRaw([]byte(tt.frame))
			if tt.wantError != "" {
				res := c.next()
				msg, _ := errOf(res)["message"].(string)
				if res["ok"] != false || errOf(res)["code"] != "INVALID_REQUEST" || !strings.Contains(msg, tt.wantError) {
					t.Fatalf("got %v, want INVALID_REQUEST containing %q", res, tt.wantError)
				}
			}
			if code, _ := c.closed(); code != tt.wantClose {
				t.Fatalf("close code %d, want %d", code, tt.wantClose)
			}
		})
	}
}

func TestProtocolMismatchDetails(t *testing.T) {
	e := newEnv(t, nil)
	p := connectReq(testToken)
	p["minProtocol"], p["maxProtocol"] = 5, 6
	_, res := e.connect(p)
	if detailCode(res) != "PROTOCOL_MISMATCH" {
		t.Fatalf("got %v", res)
	}
}

func TestPreauthFrameCap(t *testing.T) {
	e := newEnv(t, nil)
	c := e.dial()
	c.next()
	big := connectReq(testToken)
	big["userAgent"] = strings.Repeat("x", MaxPreauthPayload)
	c.send(map[string]any{"type": "req", "id": "a", "method": "connect", "params": big})
	if code, _ := c.closed(); code != websocket.StatusMessageTooBig {
		t.Fatalf("close code %d, want 1009 for a pre-auth frame over 64 KiB", code)
	}
	// Just under the cap is accepted.
	c2 := e.dial()
	c2.next()
	ok := connectReq(testToken)
	ok["userAgent"] = strings.Repeat("x", MaxPreauthPayload-1024)
	c2.send(map[string]any{"type": "req", "id": "a", "method": "connect", "params": ok})
	if res := c2.res("a"); res["ok"] != true {
		t.Fatalf("connect under the cap refused: %v", res)
	}
}

func TestHandshakeTimeout(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.HandshakeTimeout = 100 * time.Millisecond })
	c := e.dial()
	c.next()
	if code, reason := c.closed(); code != websocket.StatusPolicyViolation || !strings.Contains(reason, "connect timeout") {
		t.Fatalf("close %d %q", code, reason)
	}
}

func TestUpgradeRefusedWhileClosing(t *testing.T) {
	e := newEnv(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.srv.Close(ctx, "stop", 0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := websocket.Dial(ctx, e.url, nil); err == nil {
		t.Fatal("dial succeeded on a closed server")
	}
}

func toStrings(v any) []string {
	arr, _ := v.([]any)
	out := make([]string, 0, len(arr))
	for _, x := range arr {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
