package wsproto

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/coder/websocket"
)

var frameSeeds = []string{
	`{"type":"req","id":"1","method":"health","params":{}}`,
	`{"type":"req","id":"2","method":"status"}`,
	`{"type":"req","id":"3","method":"chat.send","params":{"sessionKey":"agent:main:main","message":"hi","idempotencyKey":"k"}}`,
	`{"type":"req","id":"4","method":"logs.tail","params":{"cursor":-1}}`,
	`{"type":"req","id":"5","method":"config.patch","params":{"raw":"{","baseHash":"x"}}`,
	`{"type":"req","id":"6","method":"nope"}`,
	`{"type":"req","id":"7","method":"sessions.list","params":{"limit":"x"}}`,
	`{"type":"req","id":"8","method":"agent.wait","params":{"runId":"r","timeoutMs":1}}`,
	`{"type":"req","id":"9","method":"send","params":{"to":"1","message":"m","idempotencyKey":"i"}}`,
	`{"type":"event","event":"x"}`,
	`{"type":"req","id":"","method":"health"}`,
	`{"type":"req","id":"a","method":"health","params":null,"traceparent":"00-x"}`,
	`{"type":"req","id":{"x":1},"method":"health"}`,
	`{}`, `[]`, `null`, `"str"`, `12`, ``, `{"type":"req"`, "\xff\xfe",
}

// FuzzFrame sends arbitrary frames on an authenticated connection. The
// server must answer every frame that carries an id, never send anything
// but well-formed frames, and keep the connection open.
func FuzzFrame(f *testing.F) {
	for _, s := range frameSeeds {
		f.Add([]byte(s))
	}
	e := newEnv(f, nil)
	var c *rawConn
	f.Cleanup(func() {
		if c != nil {
			c.ws.CloseNow()
		}
	})
	probe := 0
	f.Fuzz(func(t *testing.T, data []byte) {
		if c == nil {
			c = fuzzConnect(t, e.url)
		}
		probe++
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.ws.Write(ctx, websocket.MessageText, data); err != nil {
			t.Fatalf("write: %v", err)
		}
		id := fmt.Sprintf("probe-%d", probe)
		probeReq, _ := json.Marshal(map[string]any{"type": "req", "id": id, "method": "health"})
		if err := c.ws.Write(ctx, websocket.MessageText, probeReq); err != nil {
			t.Fatalf("write probe: %v", err)
		}
		for {
			_, raw, err := c.ws.Read(ctx)
			if err != nil {
				c = nil
				t.Fatalf("connection lost after frame %q: %v", data, err)
			}
			checkServerFrame(t, raw)
			var fr struct {
				Type string `json:"type"`
				ID   string `json:"id"`
				OK   bool   `json:"ok"`
			}
			_ = json.Unmarshal(raw, &fr)
			if fr.Type == "res" && fr.ID == id {
				if !fr.OK {
					t.Fatalf("health probe failed after frame %q: %s", data, raw)
				}
				return
			}
		}
	})
}

// FuzzHandshake sends an arbitrary first frame. The server must either
// accept it with hello-ok or refuse it and close, never hang or crash.
func FuzzHandshake(f *testing.F) {
	valid, _ := json.Marshal(map[string]any{"type": "req", "id": "c", "method": "connect", "params": connectReq(testToken)})
	f.Add(valid)
	for _, s := range frameSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"type":"req","id":"c","method":"connect","params":{"minProtocol":4,"maxProtocol":4,"client":{"id":"cli","version":"1","platform":"p","mode":"cli"},"auth":{"token":1}}}`))
	f.Add([]byte(`{"type":"req","id":"c","method":"connect","params":{"minProtocol":1e99,"maxProtocol":-1,"client":null}}`))
	e := newEnv(f, func(o *Options) { o.HandshakeTimeout = 2 * time.Second })
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, e.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.CloseNow()
		if _, _, err := ws.Read(ctx); err != nil {
			t.Fatalf("no challenge: %v", err)
		}
		if err := ws.Write(ctx, websocket.MessageText, data); err != nil {
			return // the server may already have closed on an oversize frame
		}
		for {
			_, raw, err := ws.Read(ctx)
			if err != nil {
				if ctx.Err() != nil {
					t.Fatalf("server neither answered nor closed for %q", data)
				}
				return // refused and closed
			}
			checkServerFrame(t, raw)
			var fr struct {
				Type    string          `json:"type"`
				OK      bool            `json:"ok"`
				Payload json.RawMessage `json:"payload"`
			}
			_ = json.Unmarshal(raw, &fr)
			if fr.Type == "res" && fr.OK {
				var h struct {
					Type string `json:"type"`
				}
				if json.Unmarshal(fr.Payload, &h); h.Type != "hello-ok" {
					t.Fatalf("connect answered with %s", raw)
				}
				return
			}
		}
	})
}

func fuzzConnect(t *testing.T, url string) *rawConn {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	ws.SetReadLimit(64 << 20)
	c := &rawConn{t: t, ws: ws}
	if _, _, err := ws.Read(ctx); err != nil {
		t.Fatal(err)
	}
	req, _ := json.Marshal(map[string]any{"type": "req", "id": "c", "method": "connect", "params": connectReq(testToken)})
	if err := ws.Write(ctx, websocket.MessageText, req); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ws.Read(ctx); err != nil {
		t.Fatal(err)
	}
	return c
}

// checkServerFrame asserts a server frame has the protocol's shape.
func checkServerFrame(t *testing.T, raw []byte) {
	t.Helper()
	var fr map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fr); err != nil {
		t.Fatalf("server sent invalid JSON: %q", raw)
	}
	var typ string
	_ = json.Unmarshal(fr["type"], &typ)
	switch typ {
	case "res":
		var id string
		if json.Unmarshal(fr["id"], &id); id == "" {
			t.Fatalf("response without id: %s", raw)
		}
		var ok bool
		if err := json.Unmarshal(fr["ok"], &ok); err != nil {
			t.Fatalf("response without ok: %s", raw)
		}
		if !ok {
			var e ErrorShape
			if err := json.Unmarshal(fr["error"], &e); err != nil || e.Code == "" || e.Message == "" {
				t.Fatalf("error response without code/message: %s", raw)
			}
		}
	case "event":
		var ev string
		if json.Unmarshal(fr["event"], &ev); ev == "" {
			t.Fatalf("event without name: %s", raw)
		}
	default:
		t.Fatalf("server frame of type %q: %s", typ, raw)
	}
}
