//go:build linux

package e2e

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	tg "github.com/openclaw-go/openclaw/e2e/fakes/telegram"
	"github.com/openclaw-go/openclaw/e2e/harness"
)

var alice = tg.User{ID: 4242, FirstName: "Alice", Username: "alice"}

// telegramConfig is a gateway config with the Telegram plugin pointed at
// apiRoot, DMs open, and the echo model selected explicitly.
func telegramConfig(apiRoot, token string) map[string]any {
	return map[string]any{
		"agents": map[string]any{"defaults": map[string]any{
			"model":         map[string]any{"primary": "echo/echo"},
			"skipBootstrap": true,
		}},
		"channels": map[string]any{"telegram": map[string]any{
			"botToken": token, "apiRoot": apiRoot,
			"dmPolicy": "open", "allowFrom": []any{"*"},
		}},
	}
}

func waitReply(t *testing.T, bot *tg.Bot, want string) tg.Sent {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	s, err := bot.WaitSent(ctx, func(s tg.Sent) bool { return strings.Contains(s.Text(), want) })
	if err != nil {
		t.Fatalf("no reply containing %q: %v (sent so far: %v)", want, err, sentTexts(bot))
	}
	return s
}

func sentTexts(bot *tg.Bot) []string {
	var out []string
	for _, s := range bot.Sent() {
		out = append(out, s.Text())
	}
	return out
}

func waitPlugin(t *testing.T, g *harness.Gateway, name string, not int) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if pid, ok := g.PluginPIDs()[name]; ok && pid != not {
			return pid
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("plugin %s not running (log:\n%s)", name, g.Logs())
	return 0
}

func TestTelegramEchoRoundTrip(t *testing.T) {
	fake := tg.NewServer()
	defer fake.Close()
	bot := fake.Bot()
	g := harness.StartGateway(t, harness.Options{Config: telegramConfig(fake.URL(), bot.Token())})

	in := bot.SendPrivate(alice, "hello gateway")
	s := waitReply(t, bot, "echo: hello gateway")
	if s.Message.Chat.ID != alice.ID {
		t.Errorf("reply went to chat %d, want %d", s.Message.Chat.ID, alice.ID)
	}
	if s.ReplyToMessageID != in.MessageID {
		t.Errorf("reply_to = %d, want %d (replyToMode first)", s.ReplyToMessageID, in.MessageID)
	}
	out, err := g.CLI(t.Context(), "plugins", "list")
	if err != nil || !strings.Contains(out, "telegram") || !strings.Contains(out, "bundled") {
		t.Fatalf("plugins list: %v\n%s", err, out)
	}
}

// TestTelegramPluginKilled: kill -9 of the plugin is logged, the plugin is
// restarted, and a message sent while it was down is still answered.
func TestTelegramPluginKilled(t *testing.T) {
	fake := tg.NewServer()
	defer fake.Close()
	bot := fake.Bot()
	g := harness.StartGateway(t, harness.Options{Config: telegramConfig(fake.URL(), bot.Token())})
	bot.SendPrivate(alice, "first")
	waitReply(t, bot, "echo: first")

	pid := waitPlugin(t, g, "openclaw-plugin-telegram", 0)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	bot.SendPrivate(alice, "while you were down")
	if !g.WaitLog("plugin stopped unexpectedly; restarting", 30*time.Second) {
		t.Fatalf("the gateway did not log the crash\n%s", g.Logs())
	}
	waitPlugin(t, g, "openclaw-plugin-telegram", pid)
	waitReply(t, bot, "echo: while you were down")
	bot.SendPrivate(alice, "after restart")
	waitReply(t, bot, "echo: after restart")
	n := 0
	for _, s := range bot.Sent() {
		if strings.Contains(s.Text(), "echo: first") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("the first message was answered %d times", n)
	}
}

func TestGatewaySIGTERMStopsPlugins(t *testing.T) {
	fake := tg.NewServer()
	defer fake.Close()
	g := harness.StartGateway(t, harness.Options{Config: telegramConfig(fake.URL(), fake.Bot().Token())})
	pid := waitPlugin(t, g, "openclaw-plugin-telegram", 0)
	g.Signal(syscall.SIGTERM)
	if err := g.Wait(20 * time.Second); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("gateway did not stop on SIGTERM: %v", err)
		}
	}
	if alive(pid) {
		t.Fatalf("plugin %d still running after the gateway stopped", pid)
	}
}

func TestGatewaySIGKILLLeavesNoOrphans(t *testing.T) {
	fake := tg.NewServer()
	defer fake.Close()
	g := harness.StartGateway(t, harness.Options{Config: telegramConfig(fake.URL(), fake.Bot().Token())})
	pid := waitPlugin(t, g, "openclaw-plugin-telegram", 0)
	// Kill only the gateway, not its process group: the plugin must notice
	// on its own.
	if err := g.Cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = g.Wait(10 * time.Second)
	deadline := time.Now().Add(10 * time.Second)
	for alive(pid) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if alive(pid) {
		t.Fatalf("plugin %d survived its gateway's SIGKILL", pid)
	}
}

// TestTamperedPluginRefused: a bundled plugin whose binary changed after
// the build is refused with a clear error, and the gateway keeps running.
func TestTamperedPluginRefused(t *testing.T) {
	harness.Build(t)
	dir := t.TempDir()
	src := filepath.Join(harness.Bin(), "plugins", "telegram")
	dst := filepath.Join(dir, "telegram")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"openclaw.plugin.json", "SHA256SUMS", "openclaw-plugin-telegram"} {
		raw, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "openclaw-plugin-telegram" {
			raw = append(raw, "tampered"...)
		}
		if err := os.WriteFile(filepath.Join(dst, name), raw, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	fake := tg.NewServer()
	defer fake.Close()
	g := harness.StartGateway(t, harness.Options{
		Config: telegramConfig(fake.URL(), fake.Bot().Token()),
		Env:    map[string]string{"OPENCLAW_BUNDLED_PLUGINS_DIR": dir},
	})
	if !g.WaitLog("does not match its install record", 30*time.Second) {
		t.Fatalf("no integrity error logged\n%s", g.Logs())
	}
	if pids := g.PluginPIDs(); len(pids) != 0 {
		t.Fatalf("a tampered plugin is running: %v", pids)
	}
}

// TestTelegramEmulator runs the same round trip against the independent
// npm emulator telegram-test-api.
func TestTelegramEmulator(t *testing.T) {
	em, err := tg.StartEmulator(t.Context(), tg.EmulatorOptions{})
	if errors.Is(err, tg.ErrEmulatorUnavailable) {
		t.Skipf("telegram-test-api not installed (make e2e-deps): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer em.Close()
	token := tg.TokenFor(5550001)
	harness.StartGateway(t, harness.Options{Config: telegramConfig(em.URL(), token)})
	user := tg.User{ID: 777, FirstName: "Bob", Username: "bob"}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	if err := em.SendUserMessage(ctx, token, user, tg.PrivateChat(user), "ping emulator"); err != nil {
		t.Fatal(err)
	}
	for {
		msgs, err := em.BotMessages(ctx, token, user.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if strings.Contains(m.Message.Text, "echo: ping emulator") {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no reply from the gateway through the emulator: %v", msgs)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func alive(pid int) bool {
	raw, err := os.ReadFile(filepath.Join("/proc", itoa(pid), "stat"))
	if err != nil {
		return false
	}
	s := string(raw)
	if c := strings.LastIndexByte(s, ')'); c > 0 {
		f := strings.Fields(s[c+1:])
		return len(f) > 0 && f[0] != "Z"
	}
	return false
}

func itoa(n int) string { return strconv.Itoa(n) }
