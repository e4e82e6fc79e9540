package agent_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/openclaw-go/openclaw/core/agent"
	"github.com/openclaw-go/openclaw/core/plugincatalog"
	"github.com/openclaw-go/openclaw/core/pluginhost"
	"github.com/openclaw-go/openclaw/e2e/fakemodel"
)

// TestRealToolPlugin runs a turn whose tool call goes to the example
// word-count plugin running as its own process under the plugin host.
func TestRealToolPlugin(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a plugin binary")
	}
	dir := t.TempDir()
	src := filepath.Join("..", "..", "pluginsdk", "examples", "wordcount")
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "openclaw-plugin-wordcount"), "./"+src)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build example plugin: %v\n%s", err, out)
	}
	manifest, err := os.ReadFile(filepath.Join(src, "openclaw.plugin.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "openclaw.plugin.json"), manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	cat := plugincatalog.Discover(plugincatalog.Options{LoadPaths: []string{dir}})
	if len(cat.Problems()) > 0 {
		t.Fatalf("discover: %v", cat.Problems())
	}
	entry, ok := cat.Get("wordcount")
	if !ok {
		t.Fatal("wordcount plugin not discovered")
	}
	host := pluginhost.New(pluginhost.Options{
		Logger:  hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: testLog{t}}),
		DataDir: t.TempDir(), GatewayVersion: "0.1.0",
	})
	t.Cleanup(host.StopAll)
	if err := host.Start(t.Context(), entry); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	if _, err := host.WaitRunning(ctx, "wordcount"); err != nil {
		t.Fatal(err)
	}

	e := newEnv(t, setup{plugins: host})
	e.srv.Script(fakemodel.Call("word_count", `{"text":"one two three\nfour"}`), fakemodel.Text("Four words on two lines."))
	res, err := e.runner.RunTurn(ctx, agent.TurnRequest{Text: "count these words"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "Four words on two lines." || len(res.ToolCalls) != 1 {
		t.Fatalf("result = %+v", res)
	}
	tr := e.srv.Requests()[1].ToolResults()
	if len(tr) != 1 || tr[0].Text != "4 words, 2 lines" || tr[0].IsError {
		t.Fatalf("tool result from the plugin = %+v", tr)
	}
	if got := roles(e.transcript(res.SessionKey)); got != "user,assistant+calls,toolResult,assistant" {
		t.Errorf("transcript = %s", got)
	}
}
