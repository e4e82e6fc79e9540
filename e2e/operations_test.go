//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tg "github.com/openclaw-go/openclaw/e2e/fakes/telegram"
	"github.com/openclaw-go/openclaw/e2e/harness"
)

func writeConfig(t *testing.T, g *harness.Gateway, cfg map[string]any) {
	t.Helper()
	raw, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(g.StateDir, "openclaw.json")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// TestConfigHotReload: a valid edit applies without a restart (the
// response prefix appears, the plugin keeps its pid); an invalid edit is
// logged and the running config stays in force.
func TestConfigHotReload(t *testing.T) {
	fake := tg.NewServer()
	defer fake.Close()
	bot := fake.Bot()
	cfg := telegramConfig(fake.URL(), bot.Token())
	g := harness.StartGateway(t, harness.Options{Config: cfg})
	bot.SendPrivate(alice, "before")
	waitReply(t, bot, "echo: before")
	pid := waitPlugin(t, g, "openclaw-plugin-telegram", 0)

	if err := os.WriteFile(filepath.Join(g.StateDir, "openclaw.json"), []byte(`{ "gateway": { "port": "not a number" } }`), 0o600); err != nil {
		t.Fatal(err)
	}
	if !g.WaitLog("config change ignored", 30*time.Second) {
		t.Fatalf("an invalid edit was not reported\n%s", g.Logs())
	}
	bot.SendPrivate(alice, "still here")
	waitReply(t, bot, "echo: still here")

	cfg["messages"] = map[string]any{"responsePrefix": "[bot]"}
	writeConfig(t, g, cfg)
	if !g.WaitLog("config change applied", 30*time.Second) {
		t.Fatalf("the valid edit was not applied\n%s", g.Logs())
	}
	bot.SendPrivate(alice, "after")
	s := waitReply(t, bot, "echo: after")
	if !strings.HasPrefix(s.Text(), "[bot]") {
		t.Fatalf("reply %q lacks the new response prefix", s.Text())
	}
	if now := waitPlugin(t, g, "openclaw-plugin-telegram", 0); now != pid {
		t.Fatalf("the channel plugin was restarted (%d → %d) for a change that applies live", pid, now)
	}
}

// TestMessageSendCLI: `openclaw message send` delivers through the
// running gateway's channel plugin.
func TestMessageSendCLI(t *testing.T) {
	fake := tg.NewServer()
	defer fake.Close()
	bot := fake.Bot()
	g := harness.StartGateway(t, harness.Options{Config: telegramConfig(fake.URL(), bot.Token())})
	bot.AddChat(tg.PrivateChat(alice))
	waitPlugin(t, g, "openclaw-plugin-telegram", 0)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	// The plugin may still be connecting: the gateway waits for it.
	out, err := g.CLI(ctx, "message", "send", "--channel", "telegram", "--to", "4242", "hello from the CLI")
	if err != nil {
		t.Fatalf("message send: %v\n%s", err, out)
	}
	s := waitReply(t, bot, "hello from the CLI")
	if s.Message.Chat.ID != alice.ID {
		t.Fatalf("sent to chat %d, want %d", s.Message.Chat.ID, alice.ID)
	}
}

// TestCronRunCLI: a job added with the CLI is run on demand by the
// running gateway and its result is delivered to the channel target.
func TestCronRunCLI(t *testing.T) {
	fake := tg.NewServer()
	defer fake.Close()
	bot := fake.Bot()
	bot.AddChat(tg.PrivateChat(alice))
	g := harness.StartGateway(t, harness.Options{Config: telegramConfig(fake.URL(), bot.Token())})
	waitPlugin(t, g, "openclaw-plugin-telegram", 0)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	out, err := g.CLI(ctx, "cron", "add", "--name", "digest", "--every", "1d", "--message", "daily digest please",
		"--agent", "main", "--session", "isolated", "--announce", "--channel", "telegram", "--to", "4242", "--json")
	if err != nil {
		t.Fatalf("cron add: %v\n%s", err, out)
	}
	var job struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(out), &job); err != nil || job.ID == "" {
		t.Fatalf("cron add printed %q: %v", out, err)
	}
	if out, err := g.CLI(ctx, "cron", "list"); err != nil || !strings.Contains(out, "digest") {
		t.Fatalf("cron list: %v\n%s", err, out)
	}
	if out, err := g.CLI(ctx, "cron", "run", job.ID); err != nil {
		t.Fatalf("cron run: %v\n%s", err, out)
	}
	waitReply(t, bot, "echo: daily digest please")
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := g.CLI(ctx, "cron", "runs", job.ID)
		if err == nil && strings.Contains(out, "ok") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cron runs shows no finished run: %v\n%s", err, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
