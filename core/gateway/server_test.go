package gateway

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/core/apitokens"
	"github.com/openclaw-go/openclaw/core/gateway/auth"
	"github.com/openclaw-go/openclaw/core/gateway/backend/backendtest"
	"github.com/openclaw-go/openclaw/core/gateway/client"
	"github.com/openclaw-go/openclaw/core/gateway/webhooks"
)

const testToken = "gateway-test-token"

type running struct {
	srv   *Server
	fakes *backendtest.Fakes
	done  chan error
	base  string // http://127.0.0.1:port
}

// start runs a gateway on an ephemeral loopback port over fakes.
func start(t *testing.T, mutate func(*Options)) *running {
	t.Helper()
	fakes := backendtest.New()
	opts := Options{
		Services: fakes.Services(), Version: "0.1.0-test", StateDir: t.TempDir(), Port: -1,
		Auth:   auth.Settings{Mode: auth.ModeToken, Token: testToken},
		Listen: &ListenOptions{Retries: 0},
	}
	opts.Config.HTTP.Endpoints.ChatCompletions.Enabled = true
	if mutate != nil {
		mutate(&opts)
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := &running{srv: srv, fakes: fakes, done: make(chan error, 1)}
	go func() { r.done <- srv.Serve() }()
	r.base = "http://127.0.0.1:" + strconv.Itoa(srv.Port())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx, "test over")
	})
	return r
}

func TestServesWebSocketAndHTTPOnOnePort(t *testing.T) {
	g := start(t, nil)
	ctx := t.Context()
	for _, path := range []string{"", "/ws"} {
		c, err := client.Dial(ctx, client.Options{URL: g.srv.URL() + path, Token: testToken})
		if err != nil {
			t.Fatalf("dial %q: %v", path, err)
		}
		var h map[string]any
		if err := c.Call(ctx, "health", nil, &h); err != nil || h["ok"] != true {
			t.Fatalf("health over WS: %v %v", h, err)
		}
		if c.Hello().Server.Version != "0.1.0-test" {
			t.Fatalf("hello %+v", c.Hello())
		}
		c.Close()
	}
	resp, err := http.Get(g.base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"status":"live"`) {
		t.Fatalf("healthz %d %s", resp.StatusCode, body)
	}
	req, _ := http.NewRequest("GET", g.base+"/api/v1/status", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("REST status: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestSecondGatewayOnBusyPort(t *testing.T) {
	g := start(t, nil)
	port := g.srv.Port()
	second, err := New(Options{Services: backendtest.New().Services(), Port: port, Auth: auth.Settings{Mode: auth.ModeToken, Token: "x"}, Listen: &ListenOptions{Retries: 1, Interval: 10 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Shutdown(t.Context(), "test")
	err = second.Listen(t.Context())
	want := fmt.Sprintf("another gateway instance is already listening on ws://127.0.0.1:%d", port)
	if !errors.Is(err, ErrAddressInUse) || !strings.Contains(err.Error(), want) {
		t.Fatalf("busy port: %v", err)
	}
}

func TestAPITokensAcceptedEverywhere(t *testing.T) {
	g := start(t, nil)
	store := apitokens.Open(apitokens.DefaultPath(g.srv.opts.StateDir), apitokens.Options{})
	tok, secret, err := store.Create("my-dev-client", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	c, err := client.Dial(ctx, client.Options{URL: g.srv.URL(), Token: secret})
	if err != nil {
		t.Fatalf("API token refused over WS: %v", err)
	}
	c.Close()
	req, _ := http.NewRequest("POST", g.base+"/v1/chat/completions", strings.NewReader(`{"model":"openclaw","messages":[{"role":"user","content":"hi"}]}`))
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("API token refused over HTTP: %v %v", resp, err)
	}
	resp.Body.Close()
	if _, err := store.Revoke(tok.ID); err != nil {
		t.Fatal(err)
	}
	_, err = client.Dial(ctx, client.Options{URL: g.srv.URL(), Token: secret})
	var ce *client.Error
	if !errors.As(err, &ce) || ce.DetailCode() != "AUTH_TOKEN_MISMATCH" || !strings.Contains(ce.Message, "revoked") {
		t.Fatalf("revoked token: %v", err)
	}
}

func TestGracefulShutdownDrainsInFlightRequests(t *testing.T) {
	g := start(t, nil)
	gate := make(chan struct{})
	g.fakes.Chat.Gate = gate
	type result struct {
		status int
		body   string
		err    error
	}
	res := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("POST", g.base+"/v1/chat/completions", strings.NewReader(`{"model":"openclaw","messages":[{"role":"user","content":"finish me"}]}`))
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			res <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		res <- result{status: resp.StatusCode, body: string(b)}
	}()
	for g.srv.runs.Active() == 0 {
		time.Sleep(time.Millisecond)
	}
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		shut <- g.srv.Shutdown(ctx, "test drain")
	}()
	// New connections are refused while the old request drains.
	deadline := time.Now().Add(5 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", strings.TrimPrefix(g.base, "http://"), 100*time.Millisecond)
		if err != nil {
			break
		}
		conn.Close()
		if time.Now().After(deadline) {
			t.Fatal("listener still accepting during shutdown")
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case err := <-shut:
		t.Fatalf("shutdown returned with a request in flight: %v", err)
	default:
	}
	close(gate)
	r := <-res
	if r.err != nil || r.status != 200 || !strings.Contains(r.body, "echo: finish me") {
		t.Fatalf("in-flight request: %+v", r)
	}
	if err := <-shut; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if err := <-g.done; err != nil {
		t.Fatalf("serve: %v", err)
	}
}

func TestShutdownDeadlineCancelsStuckRuns(t *testing.T) {
	g := start(t, nil)
	g.fakes.Chat.Gate = make(chan struct{}) // never released
	c, err := client.Dial(t.Context(), client.Options{URL: g.srv.URL(), Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	var ack map[string]any
	if err := c.Call(t.Context(), "chat.send", map[string]any{"sessionKey": "agent:main:main", "message": "stuck", "idempotencyKey": "k"}, &ack); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err = g.srv.Shutdown(ctx, "deadline")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want a deadline error", err)
	}
	if g.srv.runs.Active() != 0 {
		t.Fatal("stuck run survived shutdown")
	}
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("client connection not closed by shutdown")
	}
}

func TestWebhookOnFinishedRun(t *testing.T) {
	var mu sync.Mutex
	var got []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("X-OpenClaw-Event"))
		mu.Unlock()
	}))
	defer hook.Close()
	state := t.TempDir()
	store, _ := webhooks.OpenStore(webhooks.DefaultPath(state), nil)
	if _, err := store.Create(webhooks.NewInput{URL: hook.URL, Events: []string{"message.created"}}); err != nil {
		t.Fatal(err)
	}
	g := start(t, func(o *Options) { o.StateDir = state })
	req, _ := http.NewRequest("POST", g.base+"/api/v1/messages", strings.NewReader(`{"content":"hello"}`))
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	resp.Body.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.srv.Shutdown(ctx, "flush webhooks"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0] != "message.created" {
		t.Fatalf("webhook deliveries %v", got)
	}
}

func TestTLSWithGeneratedCertificate(t *testing.T) {
	g := start(t, func(o *Options) { o.Config.TLS.Enabled = true })
	if !strings.HasPrefix(g.srv.URL(), "wss://") || g.srv.TLSFingerprint() == "" {
		t.Fatalf("url %s fingerprint %q", g.srv.URL(), g.srv.TLSFingerprint())
	}
	certPath, keyPath := DefaultTLSPaths(g.srv.opts.StateDir)
	pem, err := os.ReadFile(certPath)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(keyPath); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file %v %v", info, err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	c, err := client.Dial(t.Context(), client.Options{URL: g.srv.URL(), Token: testToken, HTTPClient: hc})
	if err != nil {
		t.Fatalf("wss dial: %v", err)
	}
	c.Close()
	// A half-present pair is refused rather than replaced.
	if err := os.Remove(certPath); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadTLS(TLSConfig{Enabled: true}, g.srv.opts.StateDir, nil); err == nil || !strings.Contains(err.Error(), "only one of") {
		t.Fatalf("half pair: %v", err)
	}
}

// TestHelperListener is not a test: FreePort's test runs it as a child
// process that holds a port.
func TestHelperListener(t *testing.T) {
	addr := os.Getenv("GATEWAY_TEST_HOLD_ADDR")
	if addr == "" {
		t.Skip("helper process only")
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		os.Exit(3)
	}
	defer l.Close()
	fmt.Println("listening")
	select {} // until killed
}

func TestFreePortStopsTheHolder(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperListener$")
	cmd.Env = append(os.Environ(), "GATEWAY_TEST_HOLD_ADDR=127.0.0.1:"+strconv.Itoa(port))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	buf := make([]byte, 64)
	if n, _ := out.Read(buf); !strings.Contains(string(buf[:n]), "listening") {
		t.Fatalf("helper did not start: %q", buf[:n])
	}
	holders, err := PortHolders(port)
	if err != nil {
		t.Fatal(err)
	}
	if len(holders) != 1 || holders[0].PID != cmd.Process.Pid {
		t.Fatalf("holders %+v, want pid %d", holders, cmd.Process.Pid)
	}
	stopped, err := FreePort(t.Context(), port, ForceOptions{Grace: 3 * time.Second})
	if err != nil || len(stopped) != 1 {
		t.Fatalf("FreePort = %+v, %v", stopped, err)
	}
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		t.Fatal("holder still running")
	}
	// The port is usable again.
	g := start(t, func(o *Options) { o.Port = port })
	if g.srv.Port() != port {
		t.Fatalf("port %d", g.srv.Port())
	}
	if stopped, err := FreePort(t.Context(), 1, ForceOptions{}); err != nil || len(stopped) != 0 {
		t.Fatalf("free port with no holder: %v %v", stopped, err)
	}
}
