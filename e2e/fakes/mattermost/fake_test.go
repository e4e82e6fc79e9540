package mattermostfake

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

func call(t *testing.T, f *Server, method, path, token string, body any) (*http.Response, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, f.URL()+path, r)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res, out
}

func TestREST(t *testing.T) {
	f := New(Options{})
	defer f.Close()
	alice := f.AddUser(User{Username: "alice"})
	town := f.AddChannel(Channel{Name: "town-square", DisplayName: "Town Square"})
	tok := f.BotToken()

	if res, me := call(t, f, "GET", "/api/v4/users/me", tok, nil); res.StatusCode != 200 || me["id"] != f.BotUserID() || me["is_bot"] != true {
		t.Errorf("users/me = %d %v", res.StatusCode, me)
	}
	if res, e := call(t, f, "GET", "/api/v4/users/me", "wrong", nil); res.StatusCode != 401 || e["id"] != "api.context.session_expired.app_error" {
		t.Errorf("bad token = %d %v", res.StatusCode, e)
	}
	if res, u := call(t, f, "GET", "/api/v4/users/username/alice", tok, nil); res.StatusCode != 200 || u["id"] != alice {
		t.Errorf("by username = %d %v", res.StatusCode, u)
	}
	if res, _ := call(t, f, "GET", "/api/v4/users/"+NewID(), tok, nil); res.StatusCode != 404 {
		t.Errorf("unknown user = %d", res.StatusCode)
	}
	res, dm := call(t, f, "POST", "/api/v4/channels/direct", tok, []string{f.BotUserID(), alice})
	if res.StatusCode != 201 || dm["type"] != "D" || dm["id"] != f.DirectChannel(alice, f.BotUserID()) {
		t.Errorf("direct = %d %v", res.StatusCode, dm)
	}
	res, ch := call(t, f, "GET", "/api/v4/teams/"+f.TeamID()+"/channels/name/town-square", tok, nil)
	if res.StatusCode != 200 || ch["id"] != town {
		t.Errorf("by name = %d %v", res.StatusCode, ch)
	}

	res, p := call(t, f, "POST", "/api/v4/posts", tok, map[string]any{"channel_id": town, "message": "hi", "pending_post_id": "x:1"})
	if res.StatusCode != 201 || p["user_id"] != f.BotUserID() || len(p["id"].(string)) != 26 {
		t.Fatalf("post = %d %v", res.StatusCode, p)
	}
	// The same pending_post_id again: the earlier post, not a new one.
	if _, again := call(t, f, "POST", "/api/v4/posts", tok, map[string]any{"channel_id": town, "message": "hi", "pending_post_id": "x:1"}); again["id"] != p["id"] {
		t.Errorf("resent post got a new id %v", again["id"])
	}
	if n := len(f.BotPosts()); n != 1 {
		t.Errorf("bot posts = %d", n)
	}
	if res, _ := call(t, f, "POST", "/api/v4/posts", tok, map[string]any{"channel_id": town, "message": "x", "root_id": NewID()}); res.StatusCode != 400 {
		t.Errorf("bad root = %d", res.StatusCode)
	}
	if res, _ := call(t, f, "POST", "/api/v4/reactions", tok, map[string]any{"user_id": f.BotUserID(), "post_id": p["id"], "emoji_name": "eyes"}); res.StatusCode != 200 {
		t.Errorf("reaction = %d", res.StatusCode)
	}
	if rs := f.Reactions(); len(rs) != 1 || rs[0].EmojiName != "eyes" {
		t.Errorf("reactions = %+v", rs)
	}

	f.RateLimit("POST /api/v4/posts", 1, 1500*time.Millisecond)
	res, _ = call(t, f, "POST", "/api/v4/posts", tok, map[string]any{"channel_id": town, "message": "x"})
	if res.StatusCode != 429 || res.Header.Get("Retry-After") != "2" || res.Header.Get("X-Ratelimit-Reset") != "2" || res.Header.Get("X-Ratelimit-Remaining") != "0" {
		t.Errorf("rate limit = %d %v", res.StatusCode, res.Header)
	}
	f.RateLimitResetOnly("POST /api/v4/posts", 1, time.Second)
	res, _ = call(t, f, "POST", "/api/v4/posts", tok, map[string]any{"channel_id": town, "message": "x"})
	if res.StatusCode != 429 || res.Header.Get("Retry-After") != "" || res.Header.Get("X-Ratelimit-Reset") != "1" {
		t.Errorf("reset-only rate limit = %d %v", res.StatusCode, res.Header)
	}
	f.FailNext("GET /api/v4/users/me", 1, 503)
	if res, _ := call(t, f, "GET", "/api/v4/users/me", tok, nil); res.StatusCode != 503 {
		t.Errorf("injected failure = %d", res.StatusCode)
	}
	if n := f.Calls("POST /api/v4/posts"); n != 5 {
		t.Errorf("post calls = %d", n)
	}
}

type wsClient struct {
	t  *testing.T
	ws *websocket.Conn
}

func dial(t *testing.T, f *Server, query string) *wsClient {
	t.Helper()
	url := strings.Replace(f.URL(), "http", "ws", 1) + "/api/v4/websocket" + query
	ws, _, err := websocket.Dial(t.Context(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &wsClient{t: t, ws: ws}
}

func (c *wsClient) send(v any) {
	b, _ := json.Marshal(v)
	if err := c.ws.Write(c.t.Context(), websocket.MessageText, b); err != nil {
		c.t.Fatal(err)
	}
}

func (c *wsClient) next() map[string]any {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.t.Context(), 5*time.Second)
	defer cancel()
	_, b, err := c.ws.Read(ctx)
	if err != nil {
		c.t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

func (c *wsClient) auth(token string) map[string]any {
	c.send(map[string]any{"seq": 1, "action": "authentication_challenge", "data": map[string]string{"token": token}})
	return c.next()
}

func TestWebSocketStreamAndResume(t *testing.T) {
	f := New(Options{})
	defer f.Close()
	alice := f.AddUser(User{Username: "alice"})
	town := f.AddChannel(Channel{Name: "town-square", DisplayName: "Town Square"})

	c := dial(t, f, "")
	if r := c.auth(f.BotToken()); r["status"] != "OK" || r["seq_reply"] != float64(1) {
		t.Fatalf("auth reply = %v", r)
	}
	hello := c.next()
	connID := hello["data"].(map[string]any)["connection_id"].(string)
	if hello["event"] != "hello" || hello["seq"] != float64(0) || connID == "" {
		t.Fatalf("hello = %v", hello)
	}
	p, err := f.Post(Post{ChannelID: town, UserID: alice, Message: "hey @openclaw"})
	if err != nil {
		t.Fatal(err)
	}
	ev := c.next()
	data := ev["data"].(map[string]any)
	if ev["event"] != "posted" || ev["seq"] != float64(1) || data["channel_type"] != "O" || data["sender_name"] != "@alice" || data["team_id"] != f.TeamID() {
		t.Fatalf("posted = %v", ev)
	}
	var post map[string]any
	if err := json.Unmarshal([]byte(data["post"].(string)), &post); err != nil || post["id"] != p.ID || post["message"] != "hey @openclaw" {
		t.Errorf("post = %v (%v)", post, err)
	}
	if data["mentions"] != `["`+f.BotUserID()+`"]` {
		t.Errorf("mentions = %v", data["mentions"])
	}

	// Dropped; two posts while away; resumed from seq 2: both replayed.
	f.DropWebSockets()
	p2, _ := f.Post(Post{ChannelID: town, UserID: alice, Message: "two"})
	p3, _ := f.Post(Post{ChannelID: town, UserID: alice, Message: "three"})
	c = dial(t, f, "?connection_id="+connID+"&sequence_number=2")
	if r := c.auth(f.BotToken()); r["status"] != "OK" {
		t.Fatalf("auth reply = %v", r)
	}
	for _, want := range []struct {
		seq float64
		id  string
	}{{2, p2.ID}, {3, p3.ID}} {
		ev := c.next()
		var post map[string]any
		_ = json.Unmarshal([]byte(ev["data"].(map[string]any)["post"].(string)), &post)
		if ev["event"] != "posted" || ev["seq"] != want.seq || post["id"] != want.id {
			t.Errorf("replayed %v, want seq %v post %s", ev, want.seq, want.id)
		}
	}

	// A server that forgot the session starts over with hello.
	f.ForgetSessions()
	c = dial(t, f, "?connection_id="+connID+"&sequence_number=4")
	c.auth(f.BotToken())
	if h := c.next(); h["event"] != "hello" || h["data"].(map[string]any)["connection_id"] == connID {
		t.Errorf("after restart = %v, want a new hello", h)
	}
	if opened, _ := f.WebSockets(); opened != 3 {
		t.Errorf("opened = %d", opened)
	}

	bad := dial(t, f, "")
	if r := bad.auth("wrong"); r["status"] != "FAIL" {
		t.Errorf("bad token reply = %v", r)
	}
}

func TestRateLimitWindow(t *testing.T) {
	f := New(Options{})
	defer f.Close()
	town := f.AddChannel(Channel{Name: "town-square"})
	tok := f.BotToken()
	post := func() *http.Response {
		res, _ := call(t, f, "POST", "/api/v4/posts", tok, map[string]any{"channel_id": town, "message": "x"})
		return res
	}

	f.RateLimit("POST /api/v4/posts", 1, time.Second)
	if res := post(); res.StatusCode != 429 {
		t.Fatalf("limited post = %d, want 429", res.StatusCode)
	}
	// Posting again at once, before the reset, is refused and counted.
	res := post()
	if res.StatusCode != 429 || res.Header.Get("Retry-After") != "1" || f.RateLimitViolations() != 1 {
		t.Fatalf("early retry = %d %v, violations %d; want 429, Retry-After 1, 1", res.StatusCode, res.Header, f.RateLimitViolations())
	}
	// Other routes are not limited.
	if res, _ := call(t, f, "GET", "/api/v4/users/me", tok, nil); res.StatusCode != 200 {
		t.Fatalf("users/me during the limit = %d", res.StatusCode)
	}
	time.Sleep(time.Second)
	if res := post(); res.StatusCode != 201 {
		t.Fatalf("post after the reset = %d, want 201", res.StatusCode)
	}
	if f.RateLimitViolations() != 1 || len(f.BotPosts()) != 1 {
		t.Fatalf("violations %d, bot posts %d; want 1 and 1", f.RateLimitViolations(), len(f.BotPosts()))
	}
}
