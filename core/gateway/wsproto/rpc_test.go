package wsproto

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
)

func TestUnknownMethodKeepsConnection(t *testing.T) {
	e := newEnv(t, nil)
	c := e.operator()
	res := c.call("no.such.method", map[string]any{})
	er := errOf(res)
	if res["ok"] != false || er["code"] != "INVALID_REQUEST" || er["message"] != "unknown method: no.such.method" {
		t.Fatalf("got %v", res)
	}
	// The connection is still usable.
	if p := c.ok("health", nil); p["ok"] != true {
		t.Fatalf("health after unknown method: %v", p)
	}
}

func TestBadFramesAfterHandshake(t *testing.T) {
	e := newEnv(t, nil)
	c := e.operator()
	// Unanswerable frames are dropped; the connection survives.
	for _, raw := range []string{`garbage`, `{"type":"req"`, `[]`, `{"type":"req","method":"health"}`, `{"id":5,"type":"req","method":"health"}`} {
		c.sendRaw([]byte(raw))
	}
	// Frames with an id get an error naming the problem.
	tests := []struct {
		frame string
		want  string
	}{
		{`{"type":"req","id":"a1","method":""}`, "method must be a non-empty string"},
		{`{"type":"req","id":"a2"}`, "method must be a non-empty string"},
		{`{"type":"res","id":"a3","ok":true}`, `type "res"`},
		{`{"type":"req","id":"a4","method":"health","bogus":1}`, `unexpected property "bogus"`},
		{`{"type":"req","id":"a5","method":"health","traceparent":"` + strings.Repeat("x", 129) + `"}`, "traceparent longer than 128"},
		{`{"type":"req","id":"a6","method":"health","params":"x"}`, "params must be an object"},
		{`{"type":"req","id":"a7","method":"logs.tail","params":{"limit":"ten"}}`, "limit must be a number"},
		{`{"type":"req","id":"a8","method":"connect","params":{}}`, "connect already completed"},
	}
	for _, tt := range tests {
		c.sendRaw([]byte(tt.frame))
		id := strings.Split(strings.Split(tt.frame, `"id":"`)[1], `"`)[0]
		res := c.res(id)
		msg, _ := errOf(res)["message"].(string)
		if res["ok"] != false || errOf(res)["code"] != "INVALID_REQUEST" || !strings.Contains(msg, tt.want) {
			t.Errorf("%s: got %v, want message containing %q", tt.frame, res, tt.want)
		}
	}
	if p := c.ok("health", nil); p["ok"] != true {
		t.Fatalf("connection unusable after bad frames: %v", p)
	}
	// A valid but short traceparent is accepted.
	c.send(map[string]any{"type": "req", "id": "tp", "method": "health", "traceparent": "00-garbage"})
	if res := c.res("tp"); res["ok"] != true {
		t.Fatalf("malformed short traceparent failed the request: %v", res)
	}
}

func TestMaxPayloadEnforced(t *testing.T) {
	const limit = 256 << 10
	e := newEnv(t, func(o *Options) { o.Policy.MaxPayload = limit })
	c := e.operator()
	// After the handshake, frames over 64 KiB but under maxPayload pass.
	c.send(map[string]any{"type": "req", "id": "mid", "method": "health", "params": map[string]any{"pad": strings.Repeat("x", 128<<10)}})
	if res := c.res("mid"); res["ok"] != true {
		t.Fatalf("128 KiB frame refused: %v", res)
	}
	c.send(map[string]any{"type": "req", "id": "big", "method": "health", "params": map[string]any{"pad": strings.Repeat("x", limit)}})
	if code, _ := c.closed(); code != websocket.StatusMessageTooBig {
		t.Fatalf("close code %d, want 1009", code)
	}
}

func TestConcurrentRequestsAnsweredOutOfOrder(t *testing.T) {
	e := newEnv(t, nil)
	gate := make(chan struct{})
	e.fakes.Chat.Gate = gate
	c := e.operator()
	// A slow request first...
	c.send(map[string]any{"type": "req", "id": "slow", "method": "agent", "params": map[string]any{"message": "hi", "idempotencyKey": "k1"}})
	// ...then many fast ones.
	for i := range 20 {
		c.send(map[string]any{"type": "req", "id": fmt.Sprintf("fast%d", i), "method": "health"})
	}
	seen := map[string]bool{}
	var order []string
	for len(seen) < 21 { // 20 fast responses + the slow one's "accepted" ack
		f := c.next()
		if f["type"] != "res" {
			continue
		}
		id := f["id"].(string)
		if id == "slow" {
			if f["payload"].(map[string]any)["status"] != "accepted" {
				t.Fatalf("slow request answered before its run ended: %v", f)
			}
		}
		if !seen[id] {
			order = append(order, id)
		}
		seen[id] = true
	}
	close(gate)
	final := c.res("slow")
	if final["payload"].(map[string]any)["status"] != "ok" {
		t.Fatalf("final %v", final)
	}
	if order[len(order)-1] == "slow" && len(order) == 21 && order[0] == "slow" {
		t.Log("ack arrived first, as it may")
	}
	for i := range 20 {
		if !seen[fmt.Sprintf("fast%d", i)] {
			t.Fatalf("fast%d not answered", i)
		}
	}
}

func TestScopesEnforced(t *testing.T) {
	e := newEnv(t, nil)
	c, res := e.connect(connectReq(testToken, "operator.read"))
	if res["ok"] != true {
		t.Fatal(res)
	}
	for _, tt := range []struct{ method, scope string }{
		{"config.set", "operator.admin"},
		{"chat.send", "operator.write"},
		{"sessions.delete", "operator.admin"},
		{"send", "operator.write"},
	} {
		r := c.call(tt.method, map[string]any{})
		d, _ := errOf(r)["details"].(map[string]any)
		if errOf(r)["code"] != "FORBIDDEN" || d["code"] != "MISSING_SCOPE" || d["missingScope"] != tt.scope || errOf(r)["message"] != "missing scope: "+tt.scope {
			t.Errorf("%s: %v", tt.method, r)
		}
	}
	if p := c.ok("status", nil); p["ok"] != true {
		t.Fatal("read scope cannot call status")
	}
	// operator.write implies operator.read.
	w, _ := e.connect(connectReq(testToken, "operator.write"))
	if p := w.ok("sessions.list", nil); p == nil {
		t.Fatal("write scope cannot read")
	}
}

func TestCronAbsentWhenNotConfigured(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Services.Cron = nil })
	c, res := e.connect(connectReq(testToken))
	methods := toStrings(res["payload"].(map[string]any)["features"].(map[string]any)["methods"])
	if contains(methods, "cron.list") {
		t.Fatal("cron.list advertised without a cron service")
	}
	r := c.call("cron.list", nil)
	if errOf(r)["code"] != "UNAVAILABLE" {
		t.Fatalf("cron.list without cron: %v", r)
	}
	e2 := newEnv(t, nil)
	p := e2.operator().ok("cron.list", nil)
	if jobs := p["jobs"].([]any); len(jobs) != 1 || jobs[0].(map[string]any)["id"] != "daily" {
		t.Fatalf("cron.list: %v", p)
	}
}

func TestHealthStatusAndReadMethods(t *testing.T) {
	e := newEnv(t, nil)
	c := e.operator()

	h := c.ok("health", nil)
	if h["ok"] != true || h["defaultAgentId"] != "main" || !contains(toStrings(h["channelOrder"]), "telegram") {
		t.Fatalf("health %v", h)
	}
	probes := e.fakes.Health.Probes()
	c.ok("health", map[string]any{"probe": true})
	if e.fakes.Health.Probes() != probes+1 {
		t.Fatal("health probe:true did not run a live probe")
	}

	st := c.ok("status", nil)
	if st["version"] != "1.2.3-test" || st["defaultAgentId"] != "main" || st["gateway"].(map[string]any)["port"] != float64(18789) {
		t.Fatalf("status %v", st)
	}
	if _, ok := st["configPath"]; !ok {
		t.Fatal("admin status lacks configPath")
	}

	cs := c.ok("channels.status", map[string]any{"probe": true})
	acc := cs["channelAccounts"].(map[string]any)["telegram"].([]any)[0].(map[string]any)
	if acc["accountId"] != "default" || acc["probe"].(map[string]any)["ok"] != true {
		t.Fatalf("channels.status %v", cs)
	}
	if r := c.call("channels.status", map[string]any{"channel": "discord"}); errOf(r)["code"] != "INVALID_REQUEST" {
		t.Fatalf("unknown channel: %v", r)
	}

	models := c.ok("models.list", nil)["models"].([]any)
	if len(models) != 2 || models[0].(map[string]any)["provider"] != "openai" {
		t.Fatalf("models.list %v", models)
	}
	plugins := c.ok("plugins.list", nil)
	if plugins["plugins"].([]any)[0].(map[string]any)["id"] != "telegram" || plugins["mutationAllowed"] != false {
		t.Fatalf("plugins.list %v", plugins)
	}
	skills := c.ok("skills.status", map[string]any{"agentId": "research"})
	if skills["agentId"] != "research" || len(skills["skills"].([]any)) != 2 {
		t.Fatalf("skills.status %v", skills)
	}

	e.fakes.Logs.Append("third line")
	logs := c.ok("logs.tail", map[string]any{"limit": 2})
	if lines := toStrings(logs["lines"]); len(lines) != 2 || lines[1] != "third line" {
		t.Fatalf("logs.tail %v", logs)
	}
	cursor := logs["cursor"]
	e.fakes.Logs.Append("fourth line")
	more := c.ok("logs.tail", map[string]any{"cursor": cursor})
	if lines := toStrings(more["lines"]); len(lines) != 1 || lines[0] != "fourth line" {
		t.Fatalf("logs.tail follow %v", more)
	}
	if r := c.call("logs.tail", map[string]any{"limit": 10000}); errOf(r)["code"] != "INVALID_REQUEST" {
		t.Fatalf("logs.tail limit 10000: %v", r)
	}
}

func TestConfigMethods(t *testing.T) {
	e := newEnv(t, nil)
	c := e.operator()
	got := c.ok("config.get", nil)
	if !strings.Contains(got["raw"].(string), backend.RedactedValue) || strings.Contains(got["raw"].(string), "secret") {
		t.Fatalf("config.get raw not redacted: %v", got["raw"])
	}
	hash := got["hash"].(string)

	// A stale baseHash is refused.
	r := c.call("config.patch", map[string]any{"raw": `{"gateway":{"port":19000}}`, "baseHash": "stale"})
	if d, _ := errOf(r)["details"].(map[string]any); errOf(r)["code"] != "INVALID_REQUEST" || d["reason"] != "conflict" {
		t.Fatalf("stale patch: %v", r)
	}
	patched := c.ok("config.patch", map[string]any{"raw": `{"gateway":{"port":19000}}`, "baseHash": hash})
	if patched["hash"] == hash || patched["ok"] != true {
		t.Fatalf("patch %v", patched)
	}
	doc := e.fakes.Config.Doc()
	gw := doc["gateway"].(map[string]any)
	if gw["port"] != float64(19000) || gw["auth"].(map[string]any)["token"] != "secret" {
		t.Fatalf("patch did not merge: %v", doc)
	}
	// Validation problems come back with their paths.
	r = c.call("config.apply", map[string]any{"raw": `{"gateway":{"port":70000}}`})
	d, _ := errOf(r)["details"].(map[string]any)
	issues, _ := d["issues"].([]any)
	if errOf(r)["code"] != "INVALID_REQUEST" || len(issues) != 1 || issues[0].(map[string]any)["path"] != "gateway.port" {
		t.Fatalf("invalid apply: %v", r)
	}
	if r := c.call("config.set", map[string]any{}); !strings.Contains(errOf(r)["message"].(string), "raw is required") {
		t.Fatalf("set without raw: %v", r)
	}
	c.ok("config.set", map[string]any{"raw": `{"gateway":{"mode":"local"}}`})
	c.ok("config.apply", map[string]any{"raw": `{"gateway":{"mode":"local"}}`})
	if w := e.fakes.Config.Writes; w["set"] != 1 || w["apply"] != 1 || w["patch"] != 1 {
		t.Fatalf("writes %v", w)
	}
	if s := c.ok("config.schema", nil); s["version"] != "test" {
		t.Fatalf("schema %v", s)
	}
}

func TestChatSendStreamsAndHistory(t *testing.T) {
	e := newEnv(t, nil)
	c := e.operator()
	ack := c.ok("chat.send", map[string]any{"sessionKey": "agent:main:main", "message": "hello there", "idempotencyKey": "i1"})
	runID, _ := ack["runId"].(string)
	if runID == "" || ack["status"] != "started" {
		t.Fatalf("chat.send ack %v", ack)
	}
	var deltas []string
	var final map[string]any
	for final == nil {
		p := c.event("chat", func(p map[string]any) bool { return p["runId"] == runID })
		switch p["state"] {
		case "delta":
			deltas = append(deltas, p["deltaText"].(string))
			msg := p["message"].(map[string]any)["content"].([]any)[0].(map[string]any)["text"].(string)
			if msg != strings.Join(deltas, "") {
				t.Fatalf("cumulative message %q != deltas %q", msg, deltas)
			}
		case "final":
			final = p
		case "status":
		default:
			t.Fatalf("unexpected chat event %v", p)
		}
	}
	text := final["message"].(map[string]any)["content"].([]any)[0].(map[string]any)["text"]
	if text != "echo: hello there" || strings.Join(deltas, "") != "echo: hello there" || final["sessionKey"] != "agent:main:main" {
		t.Fatalf("final %v deltas %q", final, deltas)
	}
	// A retry with the same idempotency key joins the same run.
	again := c.ok("chat.send", map[string]any{"sessionKey": "agent:main:main", "message": "hello there", "idempotencyKey": "i1"})
	if again["runId"] != runID || again["runStarted"] != false {
		t.Fatalf("retry started a new run: %v", again)
	}
	if n := len(e.fakes.Chat.Requests()); n != 1 {
		t.Fatalf("%d runs, want 1", n)
	}

	hist := c.ok("chat.history", map[string]any{"sessionKey": "agent:main:main"})
	msgs := hist["messages"].([]any)
	if len(msgs) != 2 || msgs[1].(map[string]any)["role"] != "assistant" {
		t.Fatalf("history %v", hist)
	}
	// A limit keeps the newest messages, as OpenClaw's clients expect.
	last := c.ok("chat.history", map[string]any{"sessionKey": "agent:main:main", "limit": 1})["messages"].([]any)
	if len(last) != 1 || last[0].(map[string]any)["role"] != "assistant" {
		t.Fatalf("history limit 1 = %v, want the assistant's reply", last)
	}
	for _, bad := range []map[string]any{
		{"message": "x", "idempotencyKey": "k"},
		{"sessionKey": "s", "idempotencyKey": "k"},
		{"sessionKey": "s", "message": "x"},
		{"sessionKey": "s", "message": "  ", "idempotencyKey": "k"},
	} {
		if r := c.call("chat.send", bad); errOf(r)["code"] != "INVALID_REQUEST" {
			t.Errorf("chat.send %v accepted: %v", bad, r)
		}
	}
}

func TestChatAbort(t *testing.T) {
	e := newEnv(t, nil)
	e.fakes.Chat.Gate = make(chan struct{})
	c := e.operator()
	ack := c.ok("chat.send", map[string]any{"sessionKey": "agent:main:s1", "message": "long job", "idempotencyKey": "a1"})
	ab := c.ok("chat.abort", map[string]any{"sessionKey": "agent:main:s1"})
	if ab["aborted"] != true || toStrings(ab["runIds"])[0] != ack["runId"] {
		t.Fatalf("abort %v", ab)
	}
	p := c.event("chat", func(p map[string]any) bool { return p["runId"] == ack["runId"] && p["state"] != "status" })
	if p["state"] != "aborted" {
		t.Fatalf("after abort got %v", p)
	}
	if len(e.fakes.Chat.Aborts()) != 1 {
		t.Fatal("chat.abort did not reach the chat service")
	}
}

func TestChatErrorEvent(t *testing.T) {
	e := newEnv(t, nil)
	e.fakes.Chat.Err = &backend.RunError{Kind: "rate_limit", Message: "provider rate limited", Retryable: true}
	c := e.operator()
	ack := c.ok("chat.send", map[string]any{"sessionKey": "k", "message": "x", "idempotencyKey": "e1"})
	p := c.event("chat", func(p map[string]any) bool {
		return p["runId"] == ack["runId"] && (p["state"] == "error" || p["state"] == "final")
	})
	if p["state"] != "error" || p["errorKind"] != "rate_limit" || p["errorMessage"] != "provider rate limited" {
		t.Fatalf("error event %v", p)
	}
}

func TestAgentTwoStageAndWait(t *testing.T) {
	e := newEnv(t, nil)
	c := e.operator()
	c.send(map[string]any{"type": "req", "id": "ag", "method": "agent", "params": map[string]any{"message": "do it", "agentId": "research", "idempotencyKey": "ag1"}})
	ack := c.res("ag")["payload"].(map[string]any)
	if ack["status"] != "accepted" || ack["runId"] == "" {
		t.Fatalf("ack %v", ack)
	}
	final := c.res("ag")["payload"].(map[string]any)
	if final["status"] != "ok" || final["runId"] != ack["runId"] {
		t.Fatalf("final %v", final)
	}
	payloads := final["result"].(map[string]any)["payloads"].([]any)
	if payloads[0].(map[string]any)["text"] != "echo: do it" {
		t.Fatalf("payloads %v", payloads)
	}
	if got := e.fakes.Chat.Requests()[0]; got.AgentID != "research" {
		t.Fatalf("agent id not passed: %+v", got)
	}
	w := c.ok("agent.wait", map[string]any{"runId": ack["runId"]})
	if w["status"] != "ok" {
		t.Fatalf("agent.wait %v", w)
	}
	if r := c.call("agent.wait", map[string]any{"runId": "run_nope"}); errOf(r)["code"] != "INVALID_REQUEST" {
		t.Fatalf("agent.wait unknown: %v", r)
	}
	if r := c.call("agent", map[string]any{"message": "x"}); !strings.Contains(errOf(r)["message"].(string), "idempotencyKey is required") {
		t.Fatalf("agent without key: %v", r)
	}
}

func TestSessionsMethods(t *testing.T) {
	e := newEnv(t, nil)
	c := e.operator()
	c.ok("chat.send", map[string]any{"sessionKey": "agent:main:a", "message": "one", "idempotencyKey": "s1"})
	c.event("chat", func(p map[string]any) bool { return p["state"] == "final" })
	list := c.ok("sessions.list", nil)
	if list["totalCount"] != float64(1) || list["sessions"].([]any)[0].(map[string]any)["key"] != "agent:main:a" {
		t.Fatalf("sessions.list %v", list)
	}
	row := list["sessions"].([]any)[0].(map[string]any)
	reset := c.ok("sessions.reset", map[string]any{"key": "agent:main:a"})
	if reset["sessionId"] == row["sessionId"] {
		t.Fatal("reset kept the session id")
	}
	if r := c.call("sessions.reset", map[string]any{"key": "agent:main:a", "expectedSessionId": row["sessionId"]}); errOf(r)["details"].(map[string]any)["reason"] != "session-changed" {
		t.Fatalf("stale reset: %v", r)
	}
	del := c.ok("sessions.delete", map[string]any{"key": "agent:main:a"})
	if del["deleted"] != true || del["key"] != "agent:main:a" {
		t.Fatalf("delete %v", del)
	}
	r := c.call("sessions.delete", map[string]any{"key": "agent:main:a"})
	if d, _ := errOf(r)["details"].(map[string]any); d["reason"] != "not-found" {
		t.Fatalf("delete twice: %v", r)
	}
}

func TestSendMethod(t *testing.T) {
	e := newEnv(t, nil)
	c := e.operator()
	res := c.ok("send", map[string]any{"to": "12345", "message": "hi", "channel": "telegram", "idempotencyKey": "m1"})
	if res["channel"] != "telegram" || res["messageId"] == "" {
		t.Fatalf("send %v", res)
	}
	if sent := e.fakes.Channels.Sent(); len(sent) != 1 || sent[0].To != "12345" || sent[0].Text != "hi" {
		t.Fatalf("sent %+v", sent)
	}
	if r := c.call("send", map[string]any{"to": "1", "message": "x", "channel": "irc", "idempotencyKey": "m2"}); errOf(r)["code"] != "INVALID_REQUEST" {
		t.Fatalf("unknown channel: %v", r)
	}
}

func TestTickEvents(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Policy.TickInterval = 20 * time.Millisecond })
	c := e.operator()
	var last float64
	for range 2 {
		f := c.next()
		for f["event"] != "tick" {
			f = c.next()
		}
		seq := f["seq"].(float64)
		if seq <= last {
			t.Fatalf("event seq %v after %v", seq, last)
		}
		last = seq
		if _, ok := f["payload"].(map[string]any)["ts"].(float64); !ok {
			t.Fatalf("tick without ts: %v", f)
		}
	}
}

func TestShutdownEventAndClose(t *testing.T) {
	e := newEnv(t, nil)
	c := e.operator()
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- e.srv.Close(ctx, "restart", 2*time.Second)
	}()
	p := c.event("shutdown", nil)
	if p["reason"] != "restart" || p["restartExpectedMs"] != float64(2000) {
		t.Fatalf("shutdown %v", p)
	}
	if code, _ := c.closed(); code != websocket.StatusServiceRestart {
		t.Fatalf("close code %d, want 1012", code)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestSlowConsumerDisconnected(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Policy.MaxBufferedBytes = 1 << 20 })
	c := e.operator() // never reads again
	_ = c
	payload := map[string]any{"blob": strings.Repeat("x", 64<<10)}
	deadline := time.Now().Add(20 * time.Second)
	for e.srv.Connections() > 0 {
		if time.Now().After(deadline) {
			t.Fatal("a client that never reads was not disconnected")
		}
		for range 64 {
			e.srv.Broadcast("test", payload)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestUnaddressedRunNamesTheMainSession(t *testing.T) {
	e := newEnv(t, nil)
	c := e.operator()
	c.send(map[string]any{"type": "req", "id": "a", "method": "agent", "params": map[string]any{"message": "x", "agentId": "research", "idempotencyKey": "u1"}})
	p := c.event("chat", func(p map[string]any) bool { return p["state"] == "final" })
	if p["sessionKey"] != "agent:research:main" {
		t.Fatalf("chat event sessionKey %q", p["sessionKey"])
	}
	if got := e.fakes.Chat.Requests()[0].SessionKey; got != "agent:research:main" {
		t.Fatalf("run session key %q", got)
	}
}
