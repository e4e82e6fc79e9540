package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/core/gateway/auth"
	"github.com/openclaw-go/openclaw/core/gateway/backend/backendtest"
	"github.com/openclaw-go/openclaw/core/gateway/client"
	"github.com/openclaw-go/openclaw/core/gateway/wsproto"
)

func server(t *testing.T) (string, *backendtest.Fakes) {
	t.Helper()
	fakes := backendtest.New()
	a, _ := auth.New(auth.Settings{Mode: auth.ModeToken, Token: "tok"}, nil, nil)
	srv, err := wsproto.New(wsproto.Options{Services: fakes.Services(), Auth: a, Version: "1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close(context.Background(), "done", 0)
		hs.Close()
	})
	return hs.URL, fakes
}

func TestWebSocketURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:18789":    "ws://127.0.0.1:18789",
		"https://gw.example/x":      "wss://gw.example/x",
		"ws://h:1":                  "ws://h:1",
		" wss://h:2 ":               "wss://h:2",
		"ftp://h":                   "",
		"ws://":                     "",
		"127.0.0.1:18789/no/scheme": "",
	} {
		got, err := client.WebSocketURL(in)
		if (err != nil) != (want == "") || got != want {
			t.Errorf("WebSocketURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestDialCallEventsAndClose(t *testing.T) {
	url, _ := server(t)
	ctx := t.Context()
	var mu sync.Mutex
	var chat []string
	c, err := client.Dial(ctx, client.Options{URL: url, Token: "tok", OnEvent: func(ev client.Event) {
		if ev.Event == "chat" {
			var p struct {
				State string `json:"state"`
			}
			json.Unmarshal(ev.Payload, &p)
			mu.Lock()
			chat = append(chat, p.State)
			mu.Unlock()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	h := c.Hello()
	if h.Protocol != 4 || h.Server.Version != "1.0.0" || h.Auth.Scopes[0] != "operator.admin" || h.Policy.TickIntervalMs != 15000 {
		t.Fatalf("hello %+v", h)
	}
	var raw json.RawMessage
	if err := c.Call(ctx, "health", nil, &raw); err != nil || !strings.Contains(string(raw), `"ok":true`) {
		t.Fatalf("health: %s %v", raw, err)
	}
	var accepted string
	var final map[string]any
	err = c.CallFinal(ctx, "agent", map[string]any{"message": "hi", "idempotencyKey": "k"}, &final, func(p json.RawMessage) {
		var a struct{ Status string }
		json.Unmarshal(p, &a)
		accepted = a.Status
	})
	if err != nil || accepted != "accepted" || final["status"] != "ok" {
		t.Fatalf("agent: %v %q %v", err, accepted, final)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(chat)
		last := ""
		if n > 0 {
			last = chat[n-1]
		}
		mu.Unlock()
		if last == "final" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("chat events %v", chat)
		}
		time.Sleep(5 * time.Millisecond)
	}
	err = c.Call(ctx, "nope", nil, nil)
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Code != "INVALID_REQUEST" {
		t.Fatalf("unknown method: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := c.Call(ctx, "health", nil, nil); !errors.Is(err, client.ErrClosed) {
		t.Fatalf("call after close: %v", err)
	}
}

func TestDialRefused(t *testing.T) {
	url, _ := server(t)
	_, err := client.Dial(t.Context(), client.Options{URL: url, Token: "wrong"})
	var ce *client.Error
	if !errors.As(err, &ce) || ce.DetailCode() != "AUTH_TOKEN_MISMATCH" {
		t.Fatalf("wrong token: %v", err)
	}
	if _, err := client.Dial(t.Context(), client.Options{URL: "ws://127.0.0.1:1", Token: "x", HandshakeTimeout: time.Second}); err == nil {
		t.Fatal("dial to a closed port succeeded")
	}
}

func TestConcurrentCalls(t *testing.T) {
	url, _ := server(t)
	c, err := client.Dial(t.Context(), client.Options{URL: url, Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out map[string]any
			errs <- c.Call(t.Context(), "status", nil, &out)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}
