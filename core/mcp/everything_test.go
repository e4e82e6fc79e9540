package mcp

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/core/tools"
)

// everythingDir is where e2e/setup-npm-mcp.sh installs the MCP reference
// server, relative to the module root.
const everythingDir = "e2e/testdata/mcp"

// everything returns node and the reference server's entry point, or
// skips the test saying how to get them.
func everything(t *testing.T) (node, script string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("skipping: node is not installed; the MCP reference server needs Node 18 or newer")
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("skipping: no module root above the working directory")
		}
		dir = parent
	}
	script = filepath.Join(dir, everythingDir, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js")
	if _, err := os.Stat(script); err != nil {
		t.Skipf("skipping: @modelcontextprotocol/server-everything is not installed (run e2e/setup-npm-mcp.sh): %v", err)
	}
	return node, script
}

func TestEverythingServerOverStdio(t *testing.T) {
	node, script := everything(t)
	m := startManager(t, Options{
		Config: Config{Servers: map[string]ServerConfig{
			"everything": {Command: node, Args: []string{script, "stdio"}, Env: map[string]string{"OPENCLAW_MCP_MARK": "from-config"}},
		}},
		Environ: os.Environ(),
	})
	if st := m.Status()[0]; st.State != StateReady {
		t.Fatalf("status = %+v", st)
	}
	reg := tools.New(tools.Options{})
	reg.AddProvider(m)
	listed := map[string]bool{}
	for _, tl := range reg.List(t.Context()) {
		listed[tl.Name] = true
	}
	for _, want := range []string{"everything__echo", "everything__get-sum", "everything__get-tiny-image", "everything__get-env"} {
		if !listed[want] {
			t.Errorf("%s not listed (have %v)", want, listed)
		}
	}
	tests := []struct {
		tool, args, want string
		media            string
	}{
		{"everything__echo", `{"message":"hello from Go"}`, "Echo: hello from Go", ""},
		{"everything__get-sum", `{"a":2,"b":40}`, "42", ""},
		{"everything__get-tiny-image", `{}`, "[image image/png attached]", "image/png"},
		{"everything__get-env", `{}`, "from-config", ""},
	}
	for _, tt := range tests {
		res := call(t, reg, tt.tool, tt.args)
		if res.IsError || !strings.Contains(res.Content, tt.want) {
			t.Errorf("%s = %+v, want %q", tt.tool, res, tt.want)
		}
		if tt.media != "" && (len(res.Media) != 1 || res.Media[0].MimeType != tt.media || len(res.Media[0].Data) < 100) {
			t.Errorf("%s media = %v", tt.tool, res.Media)
		}
	}
	if res := call(t, reg, "everything__get-sum", `{"a":"two"}`); !res.IsError {
		t.Errorf("bad arguments accepted: %+v", res)
	}
}

func TestEverythingServerOverHTTP(t *testing.T) {
	node, script := everything(t)
	tests := []struct{ mode, transport, path string }{
		{"streamableHttp", TransportStreamable, "/mcp"},
		{"sse", TransportSSE, "/sse"},
	}
	for _, tt := range tests {
		t.Run(tt.transport, func(t *testing.T) {
			port := serveEverything(t, node, script, tt.mode)
			m := startManager(t, Options{Config: Config{Servers: map[string]ServerConfig{
				"remote": {
					URL: "http://127.0.0.1:" + strconv.Itoa(port) + tt.path, Transport: tt.transport,
					Headers: map[string]string{"X-OpenClaw-Test": "1"},
				},
			}}})
			if st := m.Status()[0]; st.State != StateReady {
				t.Fatalf("status = %+v", st)
			}
			reg := tools.New(tools.Options{})
			reg.AddProvider(m)
			if res := call(t, reg, "remote__echo", `{"message":"over http"}`); res.Content != "Echo: over http" {
				t.Fatalf("echo = %+v", res)
			}
		})
	}
}

// serveEverything runs the reference server in an HTTP mode on a free
// port until the test ends.
func serveEverything(t *testing.T, node, script, mode string) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	cmd := exec.Command(node, script, mode)
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port))
	isolate(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		signalGroup(cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for {
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			_ = c.Close()
			return port
		}
		if ctx.Err() != nil {
			t.Fatalf("reference server did not listen on %d: %v", port, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
