//go:build linux

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/openclaw-go/openclaw/core/gateway"
	"github.com/openclaw-go/openclaw/core/gateway/auth"
	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/gateway/backend/backendtest"
	"github.com/openclaw-go/openclaw/core/gateway/wsproto"
)

const protocolSchemaURL = "https://openclaw.ai/protocol.schema.json"

// protocolSchema compiles definitions from @openclaw/gateway-protocol's
// protocol.schema.json.
type protocolSchema struct {
	t *testing.T
	c *jsonschema.Compiler

	mu    sync.Mutex
	cache map[string]*jsonschema.Schema
}

func loadProtocolSchema(t *testing.T) *protocolSchema {
	t.Helper()
	requireNPM(t, "@openclaw/gateway-protocol")
	path := filepath.Join(npmGatewayDir(), "node_modules", "@openclaw", "gateway-protocol", "protocol.schema.json")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	c := jsonschema.NewCompiler()
	c.UseRegexpEngine(ecmaRegexp)
	if err := c.AddResource(protocolSchemaURL, doc); err != nil {
		t.Fatal(err)
	}
	return &protocolSchema{t: t, c: c, cache: map[string]*jsonschema.Schema{}}
}

// check validates v (raw JSON) against a schema location ("" for the frame
// union at the root, or "#/definitions/Name").
func (p *protocolSchema) check(what, loc string, raw []byte) {
	p.t.Helper()
	p.mu.Lock()
	sch, ok := p.cache[loc]
	if !ok {
		var err error
		sch, err = p.c.Compile(protocolSchemaURL + loc)
		if err != nil {
			p.mu.Unlock()
			p.t.Fatalf("compile %s: %v", loc, err)
		}
		p.cache[loc] = sch
	}
	p.mu.Unlock()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		p.t.Errorf("%s: not JSON: %s", what, raw)
		return
	}
	if err := sch.Validate(inst); err != nil {
		p.t.Errorf("%s does not match %s: %v\n%s", what, loc, err, truncate(raw, 2000))
	}
}

// ecmaRegexp compiles the schema's ECMAScript patterns with Go's RE2:
// \uXXXX escapes are translated; patterns RE2 cannot express (lookaheads)
// match anything, so they are not enforced here. None of the fields this
// gateway sends is constrained by one.
func ecmaRegexp(pattern string) (jsonschema.Regexp, error) {
	translated := unicodeEscape.ReplaceAllString(pattern, `\x{$1}`)
	if re, err := regexp.Compile(translated); err == nil {
		return re, nil
	}
	return anyString(pattern), nil
}

var unicodeEscape = regexp.MustCompile(`\\u([0-9A-Fa-f]{4})`)

type anyString string

func (a anyString) String() string          { return string(a) }
func (a anyString) MatchString(string) bool { return true }

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// TestProtocolSchemaConformance records every frame of a session
// that exercises the handshake, each method, streamed chat and agent
// events, ticks, errors and shutdown, and validates each against
// OpenClaw's published protocol schema.
func TestProtocolSchemaConformance(t *testing.T) {
	schema := loadProtocolSchema(t)
	fakes := backendtest.New()
	fakes.Chat.ToolCalls = []backend.ToolCall{{ID: "t1", Name: "weather", Args: json.RawMessage(`{"city":"Oslo"}`), Result: "sunny"}}
	srv, err := gateway.New(gateway.Options{
		Services: fakes.Services(), Version: "0.0.0-e2e", StateDir: t.TempDir(), Port: -1,
		Auth: auth.Settings{Mode: auth.ModeToken, Token: "schema-token"}, Listen: &gateway.ListenOptions{},
		Policy: wsproto.Policy{TickInterval: 100 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(context.Background()); err != nil {
		t.Fatal(err)
	}
	go srv.Serve()
	defer srv.Shutdown(context.Background(), "test over")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, srv.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	ws.SetReadLimit(64 << 20)
	read := func() map[string]json.RawMessage {
		_, data, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		schema.check("server frame", "", data)
		var f map[string]json.RawMessage
		json.Unmarshal(data, &f)
		return f
	}
	send := func(v any) {
		b, _ := json.Marshal(v)
		schema.check("client frame", "#/definitions/RequestFrame", b)
		if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
			t.Fatal(err)
		}
	}
	str := func(raw json.RawMessage) string {
		var s string
		json.Unmarshal(raw, &s)
		return s
	}

	ch := read()
	if str(ch["event"]) != "connect.challenge" {
		t.Fatalf("first frame %v", ch)
	}
	connect := map[string]any{
		"minProtocol": 4, "maxProtocol": 4, "role": "operator", "scopes": []string{"operator.admin"}, "caps": []string{},
		"client": map[string]any{"id": "cli", "version": "2026.9.6", "platform": "linux", "deviceFamily": "Linux", "mode": "cli", "instanceId": "e2e"},
		"auth":   map[string]any{"token": "schema-token"},
	}
	b, _ := json.Marshal(connect)
	schema.check("connect params", "#/definitions/ConnectParams", b)
	send(map[string]any{"type": "req", "id": "1:connect", "method": "connect", "params": connect})
	hello := read()
	schema.check("hello-ok", "#/definitions/HelloOk", hello["payload"])

	// Each method once; results with a published schema are checked
	// against it.
	resultSchemas := map[string]string{
		"channels.status": "#/definitions/ChannelsStatusResult",
		"models.list":     "#/definitions/ModelsListResult",
		"logs.tail":       "#/definitions/LogsTailResult",
		"plugins.list":    "#/definitions/PluginsListResult",
		"sessions.delete": "#/definitions/SessionsDeleteResult",
		"config.schema":   "#/definitions/ConfigSchemaResponse",
	}
	paramSchemas := map[string]string{
		"chat.send": "#/definitions/ChatSendParams", "chat.history": "#/definitions/ChatHistoryParams",
		"chat.abort": "#/definitions/ChatAbortParams", "sessions.list": "#/definitions/SessionsListParams",
		"sessions.reset": "#/definitions/SessionsResetParams", "sessions.delete": "#/definitions/SessionsDeleteParams",
		"channels.status": "#/definitions/ChannelsStatusParams", "models.list": "#/definitions/ModelsListParams",
		"logs.tail": "#/definitions/LogsTailParams", "config.patch": "#/definitions/ConfigPatchParams",
		"send": "#/definitions/SendParams", "agent": "#/definitions/AgentParams", "cron.list": "#/definitions/CronListParams",
		"skills.status": "#/definitions/SkillsStatusParams",
	}
	calls := []struct {
		method string
		params map[string]any
		ok     bool
	}{
		{"health", map[string]any{}, true},
		{"status", map[string]any{}, true},
		{"config.get", map[string]any{}, true},
		{"config.schema", map[string]any{}, true},
		{"config.patch", map[string]any{"raw": `{"gateway":{"port":19001}}`}, true},
		{"channels.status", map[string]any{"probe": true}, true},
		{"models.list", map[string]any{}, true},
		{"logs.tail", map[string]any{"limit": 10}, true},
		{"plugins.list", map[string]any{}, true},
		{"skills.status", map[string]any{"agentId": "main"}, true},
		{"cron.list", map[string]any{"limit": 10}, true},
		{"chat.send", map[string]any{"sessionKey": "agent:main:schema", "message": "hi there", "idempotencyKey": "s1"}, true},
		{"chat.history", map[string]any{"sessionKey": "agent:main:schema", "limit": 10}, true},
		{"sessions.list", map[string]any{"limit": 10}, true},
		{"send", map[string]any{"to": "42", "message": "out", "channel": "telegram", "idempotencyKey": "m1"}, true},
		{"agent", map[string]any{"message": "go", "idempotencyKey": "a1"}, true},
		{"chat.abort", map[string]any{"sessionKey": "agent:main:schema"}, true},
		{"sessions.reset", map[string]any{"key": "agent:main:schema"}, true},
		{"sessions.delete", map[string]any{"key": "agent:main:schema"}, true},
		{"no.such.method", map[string]any{}, false},
		{"sessions.delete", map[string]any{"key": "agent:main:gone"}, false},
	}
	seen := map[string]bool{}
	for i, c := range calls {
		if loc, ok := paramSchemas[c.method]; ok {
			b, _ := json.Marshal(c.params)
			schema.check(c.method+" params", loc, b)
		}
		id := "r" + string(rune('a'+i))
		send(map[string]any{"type": "req", "id": id, "method": c.method, "params": c.params})
		for {
			f := read()
			if typ := str(f["type"]); typ == "event" {
				seen[str(f["event"])] = true
				checkEventPayload(schema, str(f["event"]), f["payload"])
				continue
			}
			if str(f["id"]) != id {
				continue
			}
			var ok bool
			json.Unmarshal(f["ok"], &ok)
			var payload struct {
				Status string `json:"status"`
			}
			json.Unmarshal(f["payload"], &payload)
			if c.method == "agent" && payload.Status == "accepted" {
				continue // the two-stage agent method: wait for the final response
			}
			if ok != c.ok {
				t.Errorf("%s: ok=%v, want %v: %s", c.method, ok, c.ok, f["error"])
			}
			if ok {
				if loc, has := resultSchemas[c.method]; has {
					schema.check(c.method+" result", loc, f["payload"])
				}
			} else {
				schema.check(c.method+" error", "#/definitions/ErrorShape", f["error"])
			}
			break
		}
	}
	// Keep reading until ticks and the chat/agent streams have been seen.
	deadline := time.Now().Add(10 * time.Second)
	for !(seen["tick"] && seen["chat"] && seen["agent"]) {
		if time.Now().After(deadline) {
			t.Fatalf("events seen: %v", seen)
		}
		f := read()
		if str(f["type"]) == "event" {
			seen[str(f["event"])] = true
			checkEventPayload(schema, str(f["event"]), f["payload"])
		}
	}
	// Shutdown announces itself with a schema-valid event.
	go srv.Shutdown(context.Background(), "restart")
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			if !seen["shutdown"] {
				t.Fatalf("connection closed without a shutdown event: %v", err)
			}
			break
		}
		schema.check("server frame", "", data)
		var f map[string]json.RawMessage
		json.Unmarshal(data, &f)
		if str(f["event"]) == "shutdown" {
			seen["shutdown"] = true
			checkEventPayload(schema, "shutdown", f["payload"])
		}
	}
}

func checkEventPayload(s *protocolSchema, event string, payload json.RawMessage) {
	loc := map[string]string{
		"tick": "#/definitions/TickEvent", "shutdown": "#/definitions/ShutdownEvent",
		"chat": "#/definitions/ChatEvent", "agent": "#/definitions/AgentEvent",
	}[event]
	if loc != "" {
		s.check(event+" event payload", loc, payload)
	}
	if strings.HasPrefix(event, "connect.") {
		s.t.Errorf("%s after the handshake", event)
	}
}
