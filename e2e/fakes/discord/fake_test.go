package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// These tests speak raw HTTP and WebSocket to the fake, checking it against
// Discord's documented shapes independently of any client library.

func call(t *testing.T, s *Server, method, path, token string, body any) (*http.Response, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.APIURL()+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bot "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return res, out
}

func TestREST(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	w := s.World()
	long := strings.Repeat("x", 2001)
	tests := []struct {
		name       string
		method     string
		path       string
		token      string
		body       any
		wantStatus int
		wantCode   float64
	}{
		{"me", "GET", "/users/@me", s.Token(), nil, 200, 0},
		{"bad token", "GET", "/users/@me", "nope", nil, 401, 0},
		{"unknown channel", "GET", "/channels/1", s.Token(), nil, 404, codeUnknownChannel},
		{"send", "POST", "/channels/" + w.General.ID + "/messages", s.Token(), map[string]any{"content": "hi"}, 200, 0},
		{"empty", "POST", "/channels/" + w.General.ID + "/messages", s.Token(), map[string]any{"content": ""}, 400, codeEmptyMessage},
		{"too long", "POST", "/channels/" + w.General.ID + "/messages", s.Token(), map[string]any{"content": long}, 400, 50035},
		{"unknown reply", "POST", "/channels/" + w.General.ID + "/messages", s.Token(), map[string]any{"content": "x", "message_reference": map[string]any{"message_id": "42"}}, 400, 50035},
		{"open dm", "POST", "/users/@me/channels", s.Token(), map[string]any{"recipient_id": w.Alice.ID}, 200, 0},
		{"guild", "GET", "/guilds/" + w.Guild.ID, s.Token(), nil, 200, 0},
		{"gateway", "GET", "/gateway", "", nil, 200, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := call(t, s, tt.method, tt.path, tt.token, tt.body)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d (%v)", res.StatusCode, tt.wantStatus, body)
			}
			if tt.wantStatus >= 400 && body["code"] != tt.wantCode {
				t.Errorf("code %v, want %v (%v)", body["code"], tt.wantCode, body)
			}
		})
	}
	if got := s.BotMessages(); len(got) != 1 || got[0].Content != "hi" {
		t.Errorf("bot messages = %+v, want the one sent", got)
	}
}

func TestEnforcedNonceCreatesOnce(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	path := "/channels/" + s.World().Help.ID + "/messages"
	body := map[string]any{"content": "once", "nonce": "abc", "enforce_nonce": true}
	_, first := call(t, s, "POST", path, s.Token(), body)
	_, second := call(t, s, "POST", path, s.Token(), body)
	if first["id"] != second["id"] || len(s.BotMessages()) != 1 {
		t.Fatalf("nonce not enforced: %v vs %v, %d messages", first["id"], second["id"], len(s.BotMessages()))
	}
}

func TestRateLimitShape(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	path := "/channels/" + s.World().General.ID + "/messages"
	s.RateLimitSends(1, 1500*time.Millisecond, false)
	res, body := call(t, s, "POST", path, s.Token(), map[string]any{"content": "x"})
	if res.StatusCode != 429 || body["retry_after"] != 1.5 || body["global"] != false {
		t.Fatalf("got %d %v, want 429 with retry_after 1.5", res.StatusCode, body)
	}
	for _, h := range []string{"Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset-After", "X-RateLimit-Bucket", "X-RateLimit-Scope"} {
		if res.Header.Get(h) == "" {
			t.Errorf("429 lacks %s", h)
		}
	}
	if res.Header.Get("Retry-After") != "2" {
		t.Errorf("Retry-After = %q, want whole seconds rounded up", res.Header.Get("Retry-After"))
	}
	// Sending again at once ignores retry_after: the fake notices.
	res, _ = call(t, s, "POST", path, s.Token(), map[string]any{"content": "x"})
	if res.StatusCode != 429 || s.RateLimitViolations() != 1 {
		t.Errorf("early retry: status %d, violations %d; want 429 and 1", res.StatusCode, s.RateLimitViolations())
	}

	s.RateLimitSends(1, time.Second, true)
	res, body = call(t, s, "POST", "/channels/"+s.World().Help.ID+"/messages", s.Token(), map[string]any{"content": "x"})
	if res.StatusCode != 429 || body["global"] != true || res.Header.Get("X-RateLimit-Global") != "true" {
		t.Errorf("global limit: %d %v %v", res.StatusCode, body, res.Header)
	}
}

type gwClient struct {
	t  *testing.T
	ws *websocket.Conn
}

func dial(t *testing.T, s *Server) *gwClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, s.GatewayURL()+"?v=10&encoding=json", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	return &gwClient{t: t, ws: ws}
}

func (c *gwClient) send(v any) {
	c.t.Helper()
	b, _ := json.Marshal(v)
	if err := c.ws.Write(context.Background(), websocket.MessageText, b); err != nil {
		c.t.Fatal(err)
	}
}

// next reads frames until one with the op (and event name, for dispatches).
func (c *gwClient) next(op int, name string) frame {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		_, data, err := c.ws.Read(ctx)
		if err != nil {
			c.t.Fatalf("waiting for op %d %s: %v", op, name, err)
		}
		var f frame
		_ = json.Unmarshal(data, &f)
		if f.Op == op && (name == "" || f.T != nil && *f.T == name) {
			return f
		}
	}
}

func TestGatewayIdentifyDispatchResume(t *testing.T) {
	s := New(Options{HeartbeatInterval: time.Second})
	defer s.Close()
	c := dial(t, s)
	hello := c.next(opHello, "")
	if !strings.Contains(string(hello.D), `"heartbeat_interval":1000`) {
		t.Fatalf("hello = %s", hello.D)
	}
	intents := IntentGuilds | IntentGuildMessages | IntentDirectMessages | IntentMessageContent
	c.send(map[string]any{"op": opIdentify, "d": map[string]any{"token": "Bot " + s.Token(), "intents": intents, "properties": map[string]string{"os": "linux"}}})
	ready := c.next(opDispatch, "READY")
	var r struct {
		SessionID string `json:"session_id"`
		User      User   `json:"user"`
	}
	_ = json.Unmarshal(ready.D, &r)
	if r.User.ID != s.BotID() || r.SessionID == "" {
		t.Fatalf("READY = %s", ready.D)
	}
	c.next(opDispatch, "GUILD_CREATE")
	c.send(map[string]any{"op": opHeartbeat, "d": 2})
	c.next(opHeartbeatACK, "")

	w := s.World()
	if _, err := s.SendChannel(w.General.ID, w.Alice, "hello", true); err != nil {
		t.Fatal(err)
	}
	mc := c.next(opDispatch, "MESSAGE_CREATE")
	var m Message
	_ = json.Unmarshal(mc.D, &m)
	if m.GuildID != w.Guild.ID || len(m.Mentions) != 1 || m.Mentions[0].ID != s.BotID() || m.Member == nil || len(m.Member.Roles) != 1 {
		t.Fatalf("MESSAGE_CREATE = %s", mc.D)
	}

	// A message while disconnected is replayed on RESUME.
	s.DropConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.WaitDisconnected(ctx); err != nil {
		t.Fatal(err)
	}
	missed, _ := s.SendDM(w.Bob, "while you were away")
	c2 := dial(t, s)
	c2.next(opHello, "")
	c2.send(map[string]any{"op": opResume, "d": map[string]any{"token": "Bot " + s.Token(), "session_id": r.SessionID, "seq": *mc.S}})
	replayed := c2.next(opDispatch, "MESSAGE_CREATE")
	if !strings.Contains(string(replayed.D), missed.ID) {
		t.Fatalf("replayed %s, want message %s", replayed.D, missed.ID)
	}
	c2.next(opDispatch, "RESUMED")

	// Invalidated sessions cannot resume.
	s.InvalidateSessions()
	c3 := dial(t, s)
	c3.next(opHello, "")
	c3.send(map[string]any{"op": opResume, "d": map[string]any{"token": s.Token(), "session_id": r.SessionID, "seq": 1}})
	if f := c3.next(opInvalidSession, ""); string(f.D) != "false" {
		t.Errorf("invalid session d = %s, want false", f.D)
	}
}

func TestGatewayRejectsBadTokenAndWithholdsContent(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	c := dial(t, s)
	c.next(opHello, "")
	c.send(map[string]any{"op": opIdentify, "d": map[string]any{"token": "wrong", "intents": 1}})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _, err := c.ws.Read(ctx)
	if websocket.CloseStatus(err) != 4004 {
		t.Fatalf("read after bad identify: %v, want close 4004", err)
	}

	// Without the message content intent, unmentioned guild messages
	// arrive empty.
	c2 := dial(t, s)
	c2.next(opHello, "")
	c2.send(map[string]any{"op": opIdentify, "d": map[string]any{"token": s.Token(), "intents": IntentGuilds | IntentGuildMessages}})
	c2.next(opDispatch, "READY")
	w := s.World()
	_, _ = s.SendChannel(w.General.ID, w.Bob, "secret", false)
	var m Message
	_ = json.Unmarshal(c2.next(opDispatch, "MESSAGE_CREATE").D, &m)
	if m.Content != "" {
		t.Errorf("content without intent = %q, want empty", m.Content)
	}
	_, _ = s.SendChannel(w.General.ID, w.Bob, "visible", true)
	_ = json.Unmarshal(c2.next(opDispatch, "MESSAGE_CREATE").D, &m)
	if !strings.HasSuffix(m.Content, "visible") {
		t.Errorf("content when mentioned = %q", m.Content)
	}
}
