package cron

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

type hookServer struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []RunEntry
	auth   []string
	status int
}

func newHookServer(t *testing.T) *hookServer {
	h := &hookServer{status: http.StatusOK}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		var e RunEntry
		json.Unmarshal(data, &e)
		h.mu.Lock()
		h.bodies = append(h.bodies, e)
		h.auth = append(h.auth, r.Header.Get("Authorization"))
		status := h.status
		h.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(h.Close)
	return h
}

func TestWebhookDelivery(t *testing.T) {
	hook := newHookServer(t)
	h := newHarness(t, func(o *Options) {
		o.Config.WebhookToken = "s3cret"
		o.Config.WebhookSsrfPolicy.AllowedHostnames = []string{"127.0.0.1"}
	})
	h.start()
	in := every(time.Minute, "deploy digest")
	in.Delivery = &Delivery{Mode: DeliverWebhook, To: hook.URL + "/cron"}
	j := h.add(in)
	h.clock.Advance(time.Minute)
	h.settle()
	hook.mu.Lock()
	defer hook.mu.Unlock()
	if len(hook.bodies) != 1 || hook.bodies[0].JobID != j.ID || hook.bodies[0].Summary != "report for deploy digest" || hook.bodies[0].Status != StatusOK {
		t.Fatalf("webhook received %+v", hook.bodies)
	}
	if hook.auth[0] != "Bearer s3cret" {
		t.Fatalf("authorization %q", hook.auth[0])
	}
	if r := h.runs(j.ID); r[0].DeliveryStatus != DeliveryDelivered || r[0].CompletionStatus != CompletionSucceeded {
		t.Fatalf("history %+v", r[0])
	}
}

func TestWebhookRefusesPrivateAddresses(t *testing.T) {
	hook := newHookServer(t)
	h := newHarness(t, nil)
	h.start()
	in := every(time.Minute, "x")
	in.Delivery = &Delivery{Mode: DeliverWebhook, To: hook.URL}
	j := h.add(in)
	h.clock.Advance(time.Minute)
	h.settle()
	r := h.runs(j.ID)
	if len(r) != 1 || r[0].DeliveryStatus != DeliveryNotDelivered || !strings.Contains(r[0].DeliveryError, "private or special address") ||
		r[0].CompletionStatus != CompletionFailed {
		t.Fatalf("history %+v", r)
	}
	hook.mu.Lock()
	defer hook.mu.Unlock()
	if len(hook.bodies) != 0 {
		t.Fatalf("a loopback webhook was called without being allowed")
	}
}

func TestWebhookErrorStatusAndEmptyOutput(t *testing.T) {
	hook := newHookServer(t)
	hook.status = http.StatusBadGateway
	h := newHarness(t, func(o *Options) { o.Config.WebhookSsrfPolicy.DangerouslyAllowPrivateNetwork = true })
	calls := 0
	h.runner.respond = func(RunRequest) (RunResult, error) {
		calls++
		if calls == 1 {
			return RunResult{Output: "   "}, nil
		}
		return RunResult{}, errBoom
	}
	h.start()
	in := every(time.Minute, "x")
	in.Delivery = &Delivery{Mode: DeliverWebhook, To: hook.URL}
	j := h.add(in)
	h.clock.Advance(time.Minute)
	h.settle()
	h.clock.Advance(time.Minute)
	h.settle()
	r := h.runs(j.ID)
	if len(r) != 2 {
		t.Fatalf("history %+v", r)
	}
	// An empty successful run posts nothing.
	if r[0].DeliverySuppressionReason != "empty" || r[0].CompletionStatus != CompletionSucceeded {
		t.Fatalf("empty run %+v", r[0])
	}
	// A failed run posts its error; the receiver's 502 is recorded.
	if r[1].Status != StatusError || !strings.Contains(r[1].DeliveryError, "502") {
		t.Fatalf("failed run %+v", r[1])
	}
	hook.mu.Lock()
	defer hook.mu.Unlock()
	if len(hook.bodies) != 1 || hook.bodies[0].Error != "boom" {
		t.Fatalf("webhook bodies %+v", hook.bodies)
	}
}

func TestSpecialAddresses(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1": true, "10.1.2.3": true, "192.168.0.1": true, "172.16.5.5": true, "169.254.169.254": true,
		"100.64.0.1": true, "0.0.0.0": true, "::1": true, "fe80::1": true, "fc00::1": true,
		"93.184.216.34": false, "2606:4700::1111": false, "8.8.8.8": false,
	} {
		if got := special(netip.MustParseAddr(addr)); got != want {
			t.Errorf("special(%s) = %v, want %v", addr, got, want)
		}
	}
}
