//go:build linux

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/e2e/fakemodel"
	tg "github.com/openclaw-go/openclaw/e2e/fakes/telegram"
	"github.com/openclaw-go/openclaw/e2e/harness"
)

// TestMCPToolThroughGateway: an MCP server configured in mcp.servers (the
// reference server-everything over stdio) appears to the agent as a tool,
// and the model's call reaches it and comes back.
func TestMCPToolThroughGateway(t *testing.T) {
	script := filepath.Join(harness.Root(), "e2e", "testdata", "mcp", "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js")
	if _, err := os.Stat(script); err != nil {
		t.Skip("@modelcontextprotocol/server-everything is not installed (make e2e-deps)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed (make e2e-deps)")
	}
	fake := tg.NewServer()
	defer fake.Close()
	bot := fake.Bot()
	model := fakemodel.New(t)
	model.Respond(func(r fakemodel.Request) fakemodel.Reply {
		if res := r.ToolResults(); len(res) > 0 {
			return fakemodel.Text("the sum tool said: " + res[len(res)-1].Text)
		}
		return fakemodel.Reply{ToolCalls: []fakemodel.ToolCall{{Name: "everything__get-sum", Arguments: `{"a":19,"b":23}`}}}
	})
	cfg := modelConfig(fake.URL(), bot.Token(), model)
	cfg["mcp"] = map[string]any{"servers": map[string]any{
		"everything": map[string]any{"command": node, "args": []any{script, "stdio"}},
	}}
	g := harness.StartGateway(t, harness.Options{Config: cfg})
	if !g.WaitLog("MCP server ready", 60*time.Second) {
		t.Fatalf("the MCP server did not come up\n%s", g.Logs())
	}
	bot.SendPrivate(alice, "add 19 and 23")
	s := waitReply(t, bot, "the sum tool said:")
	if !strings.Contains(s.Text(), "42") {
		t.Fatalf("reply %q does not carry the MCP tool's result", s.Text())
	}
	offered := false
	for _, r := range model.Requests() {
		for _, name := range r.Tools {
			offered = offered || name == "everything__get-sum"
		}
	}
	if !offered {
		t.Fatal("the MCP server's tools were not offered to the model")
	}
}
