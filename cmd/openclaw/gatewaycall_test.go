package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/openclaw-go/openclaw/core/gateway"
	"github.com/openclaw-go/openclaw/core/gateway/auth"
	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/gateway/backend/backendtest"
)

const cliToken = "cli-test-token"

// syncBuffer is a bytes.Buffer safe to read while a command writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// clientApp is the app with the gateway client commands mounted where the
// gateway command group and a channels group will carry them.
func clientApp() *cli.App {
	app := newApp()
	var gw *cli.Command
	for _, cmd := range app.Commands {
		if cmd.Name == "gateway" {
			gw = cmd
		}
	}
	have := map[string]bool{}
	for _, sub := range gw.Subcommands {
		have[sub.Name] = true
	}
	for _, sub := range gatewayClientCommands() {
		if !have[sub.Name] {
			gw.Subcommands = append(gw.Subcommands, sub)
		}
	}
	app.Commands = append(app.Commands, &cli.Command{Name: "channels-test", Subcommands: []*cli.Command{channelsStatusCommand()}})
	return app
}

func runClient(ctx context.Context, t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	code = runClientInto(ctx, out, errOut, args...)
	return out.String(), errOut.String(), code
}

func runClientInto(ctx context.Context, out, errOut *syncBuffer, args ...string) int {
	app := clientApp()
	app.Writer, app.ErrWriter = out, errOut
	app.ExitErrHandler = func(*cli.Context, error) {}
	err := app.RunContext(ctx, append([]string{"openclaw"}, args...))
	var exit cli.ExitCoder
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		errOut.Write([]byte(err.Error()))
		return exit.ExitCode()
	default:
		errOut.Write([]byte(err.Error()))
		return 1
	}
}

// startGateway runs a gateway over fakes and writes a config that points
// the CLI at it (gateway.port and gateway.auth.token), as a user's would.
func startGateway(t *testing.T) (*backendtest.Fakes, *gateway.Server, string) {
	t.Helper()
	_, state := isolate(t)
	t.Setenv("OPENCLAW_GATEWAY_TOKEN", "")
	t.Setenv("OPENCLAW_GATEWAY_PORT", "")
	t.Setenv("OPENCLAW_GATEWAY_URL", "")
	fakes := backendtest.New()
	srv, err := gateway.New(gateway.Options{Services: fakes.Services(), Version: "9.8.7", StateDir: state, Port: -1,
		Auth: auth.Settings{Mode: auth.ModeToken, Token: cliToken}, Listen: &gateway.ListenOptions{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(context.Background()); err != nil {
		t.Fatal(err)
	}
	go srv.Serve()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx, "test over")
	})
	cfg := fmt.Sprintf(`{"gateway":{"mode":"local","port":%d,"auth":{"mode":"token","token":%q}}}`, srv.Port(), cliToken)
	if err := os.MkdirAll(state, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(state, "openclaw.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return fakes, srv, state
}

func TestHealthAndStatusCommands(t *testing.T) {
	startGateway(t)
	ctx := t.Context()
	out, errOut, code := runClient(ctx, t, "health")
	if code != 0 || !strings.Contains(out, "Health: ok") || !strings.Contains(out, "Telegram") || !strings.Contains(out, "Plugins: 1 loaded (telegram)") {
		t.Fatalf("health: %d %q %q", code, out, errOut)
	}
	out, _, code = runClient(ctx, t, "health", "--json")
	var h map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &h) != nil || h["ok"] != true {
		t.Fatalf("health --json: %d %q", code, out)
	}
	out, errOut, code = runClient(ctx, t, "status")
	if code != 0 || !strings.Contains(out, "v9.8.7") || !strings.Contains(out, "Agents: main (default)") {
		t.Fatalf("status: %d %q %q", code, out, errOut)
	}
	out, _, code = runClient(ctx, t, "status", "--json", "--deep")
	var st map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil || st["gateway"].(map[string]any)["reachable"] != true || st["health"] == nil {
		t.Fatalf("status --json --deep: %d %q", code, out)
	}
}

func TestGatewayStatusAndCall(t *testing.T) {
	fakes, srv, _ := startGateway(t)
	ctx := t.Context()
	out, errOut, code := runClient(ctx, t, "gateway", "status", "--require-rpc")
	if code != 0 || !strings.Contains(out, "Reachable: yes") || !strings.Contains(out, "Version: 9.8.7") || !strings.Contains(out, "Read probe: ok") {
		t.Fatalf("gateway status: %d %q %q", code, out, errOut)
	}
	// Flags after the method, as OpenClaw documents them.
	fakes.Logs.Append("a", "b", "c")
	out, errOut, code = runClient(ctx, t, "gateway", "call", "logs.tail", "--params", `{"limit": 2}`)
	var tail map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &tail) != nil || len(tail["lines"].([]any)) != 2 {
		t.Fatalf("gateway call logs.tail: %d %q %q", code, out, errOut)
	}
	_, errOut, code = runClient(ctx, t, "gateway", "call", "no.such")
	if code != 1 || !strings.Contains(errOut, "unknown method: no.such") {
		t.Fatalf("unknown method: %d %q", code, errOut)
	}
	out, _, code = runClient(ctx, t, "gateway", "call", "no.such", "--json")
	if code != 1 || !strings.Contains(out, `"code": "INVALID_REQUEST"`) {
		t.Fatalf("unknown method --json: %d %q", code, out)
	}
	_, errOut, code = runClient(ctx, t, "gateway", "call", "health", "--params", "[1]")
	if code != 1 || !strings.Contains(errOut, "--params must be a JSON object") {
		t.Fatalf("bad params: %d %q", code, errOut)
	}
	out, _, code = runClient(ctx, t, "gateway", "call", "agent", "--expect-final", "--params", `{"message":"two stage","idempotencyKey":"x1"}`)
	if code != 0 || !strings.Contains(out, `"status": "ok"`) || !strings.Contains(out, "echo: two stage") {
		t.Fatalf("call --expect-final: %d %q", code, out)
	}
	// --url needs explicit credentials; with them it works.
	url := srv.URL()
	if _, errOut, code = runClient(ctx, t, "gateway", "call", "health", "--url", url); code != 1 || !strings.Contains(errOut, "--url needs --token") {
		t.Fatalf("--url without token: %d %q", code, errOut)
	}
	if _, errOut, code = runClient(ctx, t, "gateway", "call", "health", "--url", url, "--token", cliToken); code != 0 {
		t.Fatalf("--url with token: %d %q", code, errOut)
	}
	if _, errOut, code = runClient(ctx, t, "gateway", "call", "health", "--url", url, "--token", "wrong"); code != 1 || !strings.Contains(errOut, "token mismatch") {
		t.Fatalf("--url with wrong token: %d %q", code, errOut)
	}
}

func TestChannelsMessageAndAgentCommands(t *testing.T) {
	fakes, _, _ := startGateway(t)
	ctx := t.Context()
	out, errOut, code := runClient(ctx, t, "channels-test", "status", "--probe")
	if code != 0 || !strings.Contains(out, "Telegram") || !strings.Contains(out, "probe ok") || fakes.Channels.Probes() == 0 {
		t.Fatalf("channels status --probe: %d %q %q", code, out, errOut)
	}
	out, errOut, code = runClient(ctx, t, "message", "send", "--channel", "telegram", "--to", "12345", "hello", "there")
	if code != 0 || !strings.Contains(out, "Sent to telegram:12345") {
		t.Fatalf("message send: %d %q %q", code, out, errOut)
	}
	if sent := fakes.Channels.Sent(); len(sent) != 1 || sent[0].Text != "hello there" || sent[0].To != "12345" {
		t.Fatalf("sent %+v", sent)
	}
	if _, _, code = runClient(ctx, t, "message", "send", "-t", "telegram:777", "-m", "prefixed"); code != 0 || fakes.Channels.Sent()[1].Channel != "telegram" || fakes.Channels.Sent()[1].To != "777" {
		t.Fatalf("prefixed target: %d %+v", code, fakes.Channels.Sent())
	}
	for _, bad := range [][]string{{"message", "send", "hi"}, {"message", "send", "--to", "1"}, {"message", "send", "--to", "1", "--channel", " ", "x"}} {
		if _, _, code := runClient(ctx, t, bad...); code == 0 {
			t.Errorf("%v succeeded", bad)
		}
	}

	out, errOut, code = runClient(ctx, t, "agent", "--message", "plan my day", "--agent", "research")
	if code != 0 || strings.TrimSpace(out) != "echo: plan my day" {
		t.Fatalf("agent: %d %q %q", code, out, errOut)
	}
	if req := fakes.Chat.Requests()[0]; req.AgentID != "research" || req.Message != "plan my day" {
		t.Fatalf("run %+v", req)
	}
	out, _, code = runClient(ctx, t, "agent", "-m", "json please", "--json")
	var res map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res["status"] != "ok" {
		t.Fatalf("agent --json: %d %q", code, out)
	}
	fakes.Chat.Err = &backend.RunError{Kind: "timeout", Message: "too slow"}
	_, errOut, code = runClient(ctx, t, "agent", "-m", "fail")
	if code != 1 || !strings.Contains(errOut, "too slow") {
		t.Fatalf("failing agent: %d %q", code, errOut)
	}
	if _, _, code = runClient(ctx, t, "agent"); code == 0 {
		t.Fatal("agent without --message succeeded")
	}
	if _, errOut, code = runClient(ctx, t, "agent", "-m", "x", "--agent", " "); code == 0 || !strings.Contains(errOut, "--agent is empty") {
		t.Fatalf("blank selector: %d %q", code, errOut)
	}
}

func TestLogsCommand(t *testing.T) {
	fakes, _, _ := startGateway(t)
	fakes.Logs.Append("line one", "line two")
	out, errOut, code := runClient(t.Context(), t, "logs", "--limit", "2")
	if code != 0 || out != "line one\nline two\n" {
		t.Fatalf("logs: %d %q %q", code, out, errOut)
	}
	out, _, _ = runClient(t.Context(), t, "logs", "--json", "--limit", "1")
	if strings.TrimSpace(out) != `{"line":"line two","type":"log"}` {
		t.Fatalf("logs --json: %q", out)
	}
	if _, errOut, code := runClient(t.Context(), t, "logs", "--limit", "0"); code == 0 || !strings.Contains(errOut, "--limit") {
		t.Fatalf("bad limit: %d %q", code, errOut)
	}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- runClientInto(ctx, stdout, stderr, "logs", "--follow", "--interval", "100", "--limit", "1")
	}()
	deadline := time.Now().Add(10 * time.Second)
	fakes.Logs.Append("followed line")
	for !strings.Contains(stdout.String(), "followed line") {
		if time.Now().After(deadline) {
			t.Fatalf("follow never printed the new line: %q %q", stdout.String(), stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("follow exit %d: %q", code, stderr.String())
	}
}

func TestTokenCommandsAndUse(t *testing.T) {
	_, srv, _ := startGateway(t)
	ctx := t.Context()
	out, errOut, code := runClient(ctx, t, "token", "create", "--name", "my-dev-client", "--expires-in", "30d")
	if code != 0 || !strings.HasPrefix(out, "Bearer ocat_") {
		t.Fatalf("token create: %d %q %q", code, out, errOut)
	}
	secret := strings.TrimPrefix(strings.SplitN(out, "\n", 2)[0], "Bearer ")
	if _, errOut, code := runClient(ctx, t, "gateway", "call", "health", "--url", srv.URL(), "--token", secret); code != 0 {
		t.Fatalf("API token refused: %q", errOut)
	}
	out, _, _ = runClient(ctx, t, "token", "list")
	if !strings.Contains(out, "my-dev-client") || !strings.Contains(out, "active") {
		t.Fatalf("token list: %q", out)
	}
	if _, errOut, code := runClient(ctx, t, "token", "create", "--name", "x", "--expires-in", "soon"); code == 0 || !strings.Contains(errOut, "--expires-in") {
		t.Fatalf("bad lifetime: %d %q", code, errOut)
	}
	if _, _, code := runClient(ctx, t, "token", "revoke", "my-dev-client"); code != 0 {
		t.Fatal("revoke failed")
	}
	if _, errOut, code := runClient(ctx, t, "gateway", "call", "health", "--url", srv.URL(), "--token", secret); code != 1 || !strings.Contains(errOut, "revoked") {
		t.Fatalf("revoked token: %d %q", code, errOut)
	}
	out, _, _ = runClient(ctx, t, "token", "list", "--json")
	if !strings.Contains(out, `"status": "revoked"`) {
		t.Fatalf("token list --json: %q", out)
	}
}

func TestUnreachableGateway(t *testing.T) {
	isolate(t)
	t.Setenv("OPENCLAW_GATEWAY_URL", "")
	t.Setenv("OPENCLAW_GATEWAY_PORT", strconv.Itoa(freePort(t)))
	t.Setenv("OPENCLAW_GATEWAY_TOKEN", "x")
	_, errOut, code := runClient(t.Context(), t, "health", "--timeout", "2000")
	if code != 1 || !strings.Contains(errOut, "gateway unreachable at ws://127.0.0.1:") {
		t.Fatalf("health with no gateway: %d %q", code, errOut)
	}
	out, _, code := runClient(t.Context(), t, "gateway", "status", "--json")
	if code != 0 || !strings.Contains(out, `"reachable": false`) {
		t.Fatalf("gateway status with no gateway: %d %q", code, out)
	}
	if _, _, code := runClient(t.Context(), t, "gateway", "status", "--require-rpc"); code != 1 {
		t.Fatal("--require-rpc succeeded without a gateway")
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	srv, err := gateway.New(gateway.Options{Port: -1, Auth: auth.Settings{Mode: auth.ModeToken, Token: "x"}, Listen: &gateway.ListenOptions{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(t.Context()); err != nil {
		t.Fatal(err)
	}
	p := srv.Port()
	srv.Shutdown(t.Context(), "probe")
	return p
}
