package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestWebhookMode(t *testing.T) {
	r := newRig(t)
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	cfg := map[string]any{"webhookUrl": base + "/tg-hook", "webhookSecret": "s3cr3t_token-1", "webhookPath": "/tg-hook", "webhookPort": port}
	r.start(t, cfg)
	st := r.waitConnected(t, "default")
	want(t, st.Mode, "webhook")
	set, err := r.bot.WaitCall(ctx(t), "setWebhook", nil)
	if err != nil {
		t.Fatal(err)
	}
	if set.Params["url"] != base+"/tg-hook" || set.Params["secret_token"] != "s3cr3t_token-1" {
		t.Fatalf("setWebhook params = %v", set.Params)
	}

	t.Run("delivery", func(t *testing.T) {
		in := r.bot.SendPrivate(alice, "via webhook")
		m := r.next(t)
		want(t, m.MessageID, itoa(in.MessageID))
		want(t, m.PeerKind, pluginsdk.PeerDM)
		if err := r.bot.WaitDrained(ctx(t)); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("secret and health", func(t *testing.T) {
		post := func(secret, body string) *http.Response {
			req, _ := http.NewRequest(http.MethodPost, base+"/tg-hook", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if secret != "" {
				req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res
		}
		update := `{"update_id":1,"message":{"message_id":900,"date":1700000000,"chat":{"id":1002,"type":"private"},"from":{"id":1002,"is_bot":false,"first_name":"Bob"},"text":"direct"}}`
		if res := post("", update); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("no secret: %d", res.StatusCode)
		}
		if res := post("wrong", update); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong secret: %d", res.StatusCode)
		}
		if res := post("s3cr3t_token-1", "not json"); res.StatusCode != http.StatusBadRequest {
			t.Fatalf("bad body: %d", res.StatusCode)
		}
		res := post("s3cr3t_token-1", update)
		if res.StatusCode != http.StatusOK || res.Header.Get("X-Openclaw-Delivery-Accepted") != "durable" {
			t.Fatalf("good call: %d %v", res.StatusCode, res.Header)
		}
		want(t, r.next(t).MessageID, "900")
		hres, err := http.Get(base + "/healthz")
		if err != nil || hres.StatusCode != http.StatusOK {
			t.Fatalf("healthz: %v %v", hres, err)
		}
		hres.Body.Close()
	})

	t.Run("refused by the gateway means redelivered", func(t *testing.T) {
		r.h.Host.FailEmits(errors.New("queue full"))
		in := r.bot.SendPrivate(alice, "try again later")
		err := until(ctx(t), func() bool {
			for _, d := range r.bot.Deliveries() {
				if d.Status == http.StatusServiceUnavailable {
					return true
				}
			}
			return false
		})
		if err != nil {
			t.Fatalf("no refused delivery: %+v", r.bot.Deliveries())
		}
		r.h.Host.FailEmits(nil)
		want(t, r.next(t).MessageID, itoa(in.MessageID))
		if err := r.bot.WaitDrained(ctx(t)); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("back to polling", func(t *testing.T) {
		if err := r.h.StopAccount(ctx(t), channelID, "default"); err != nil {
			t.Fatal(err)
		}
		r.start(t, nil)
		if _, err := r.bot.WaitCall(ctx(t), "deleteWebhook", nil); err != nil {
			t.Fatal(err)
		}
		if info := r.bot.WebhookInfo(); info.URL != "" {
			t.Fatalf("webhook still set: %+v", info)
		}
		in := r.bot.SendPrivate(alice, "polling again")
		want(t, r.next(t).MessageID, itoa(in.MessageID))
	})
}

func TestWebhookConfigErrors(t *testing.T) {
	tests := []struct {
		cfg  map[string]any
		want string
	}{
		{map[string]any{"webhookUrl": "https://x.test/h"}, "webhookSecret: required"},
		{map[string]any{"webhookUrl": "https://x.test/h", "webhookSecret": "has spaces"}, "webhookSecret: Telegram accepts"},
		{map[string]any{"webhookUrl": "https://x.test/h", "webhookSecret": "ok", "webhookPath": "/healthz"}, "reserved for health checks"},
		{map[string]any{"webhookUrl": "https://x.test/h", "webhookSecret": "ok", "webhookPath": "hook"}, "must start with '/'"},
		{map[string]any{"webhookUrl": "ftp://x.test/h", "webhookSecret": "ok"}, "webhookUrl"},
	}
	for _, tt := range tests {
		tt.cfg["botToken"] = "123456789:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		_, err := parseSettings(pluginsdk.Account{ID: "default", Config: mustJSON(t, tt.cfg)})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want %q", tt.cfg, err, tt.want)
		}
	}
}
