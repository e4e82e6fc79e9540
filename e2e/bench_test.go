//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	tg "github.com/openclaw-go/openclaw/e2e/fakes/telegram"
	"github.com/openclaw-go/openclaw/e2e/harness"
)

// The TestBench* tests are measurements, not checks: they run only when
// OPENCLAW_BENCH_RESULTS names the file to merge their numbers into
// (`make bench` does). Shared machines are noisy; read the numbers as
// orders of magnitude.

func benchResults(t *testing.T) string {
	path := os.Getenv("OPENCLAW_BENCH_RESULTS")
	if path == "" {
		t.Skip("measurement; set OPENCLAW_BENCH_RESULTS (make bench)")
	}
	return path
}

var resultsMu sync.Mutex

// record merges values into the results file under section.
func record(t *testing.T, path, section string, values map[string]any) {
	resultsMu.Lock()
	defer resultsMu.Unlock()
	all := map[string]any{}
	if raw, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(raw, &all)
	}
	values["measuredAt"] = time.Now().UTC().Format(time.RFC3339)
	all[section] = values
	raw, _ := json.MarshalIndent(all, "", "  ")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %v", section, values)
}

func pct(samples []time.Duration, q float64) float64 {
	s := append([]time.Duration(nil), samples...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return float64(s[int(q*float64(len(s)-1))].Microseconds()) / 1000
}

// settleRSS waits for the process to settle (the gateway returns start-up
// garbage to the OS two seconds after it is ready) and returns its RSS and
// anonymous RSS in MiB.
func settleRSS(pid int) (rss, anon float64) {
	time.Sleep(4 * time.Second)
	return float64(harness.RSSKiB(pid)) / 1024, float64(harness.AnonKiB(pid)) / 1024
}

func TestBenchIdleRSS(t *testing.T) {
	path := benchResults(t)
	// Core only: no plugins at all (an empty bundled folder).
	core := harness.StartGateway(t, harness.Options{Config: map[string]any{},
		Env: map[string]string{"OPENCLAW_BUNDLED_PLUGINS_DIR": t.TempDir()}})
	coreRSS, coreAnon := settleRSS(core.Cmd.Process.Pid)
	core.Kill()

	fake := tg.NewServer()
	defer fake.Close()
	start := time.Now()
	g := harness.StartGateway(t, harness.Options{Config: telegramConfig(fake.URL(), fake.Bot().Token())})
	startup := time.Since(start)
	pid := waitPlugin(t, g, "openclaw-plugin-telegram", 0)
	gwRSS, gwAnon := settleRSS(g.Cmd.Process.Pid)
	plRSS, plAnon := float64(harness.RSSKiB(pid))/1024, float64(harness.AnonKiB(pid))/1024
	record(t, path, "idleRSS", map[string]any{
		"coreOnlyMiB":            round(coreRSS),
		"coreOnlyAnonMiB":        round(coreAnon),
		"gatewayWithTelegramMiB": round(gwRSS),
		"telegramPluginMiB":      round(plRSS),
		"telegramPluginAnonMiB":  round(plAnon),
		"coreAndTelegramMiB":     round(gwRSS + plRSS),
		"coreAndTelegramAnonMiB": round(gwAnon + plAnon),
		"startToReadyWithTgMs":   startup.Milliseconds(),
		"note":                   "RSS includes the binaries' file-backed pages (shared page cache); Anon is heap and stacks only",
	})
}

func TestBenchTelegramRoundTrip(t *testing.T) {
	path := benchResults(t)
	fake := tg.NewServer()
	defer fake.Close()
	bot := fake.Bot()
	cfg := telegramConfig(fake.URL(), bot.Token())
	// One session per sender, as a bot serving many people is set up
	// (the default "main" scope shares one session, and one queue, across
	// every DM).
	cfg["session"] = map[string]any{"dmScope": "per-channel-peer"}
	// Telegram merges a sender's bursts for 300 ms by default (as OpenClaw
	// does); the measurement is of the gateway, not of that wait.
	cfg["messages"] = map[string]any{"inbound": map[string]any{"debounceMs": 0}}
	harness.StartGateway(t, harness.Options{Config: cfg})
	bot.SendPrivate(alice, "warm up")
	waitReply(t, bot, "echo: warm up")

	const n = 200
	samples := make([]time.Duration, 0, n)
	for i := range n {
		text := fmt.Sprintf("seq %d", i)
		start := time.Now()
		bot.SendPrivate(alice, text)
		waitReply(t, bot, "echo: "+text)
		samples = append(samples, time.Since(start))
	}

	// Throughput: many conversations at once. One message per user: within
	// one conversation the queue folds messages that arrive during a turn
	// into one (messages.queue.mode collect), as OpenClaw does.
	const users, each = 400, 1
	var wg sync.WaitGroup
	start := time.Now()
	for u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := tg.User{ID: int64(10000 + u), FirstName: fmt.Sprint("u", u)}
			for i := range each {
				bot.SendPrivate(user, fmt.Sprintf("u%d m%d", u, i))
			}
		}()
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	defer cancel()
	for {
		got := 0
		for _, s := range bot.Sent() {
			if strings.HasPrefix(s.Text(), "echo: u") {
				got++
			}
		}
		if got >= users*each {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("only %d of %d replies", got, users*each)
		case <-time.After(20 * time.Millisecond):
		}
	}
	elapsed := time.Since(start)
	record(t, path, "telegramRoundTrip", map[string]any{
		"sequentialMessages": n,
		"p50Ms":              pct(samples, 0.50),
		"p99Ms":              pct(samples, 0.99),
		"concurrentMessages": users * each,
		"messagesPerSecond":  round(float64(users*each) / elapsed.Seconds()),
		"note":               "messages.inbound.debounceMs 0; includes the fake Bot API's long-poll delivery and HTTP on loopback, the inbox and transcript fsyncs",
	})
}

func round(f float64) float64 { return float64(int(f*10+0.5)) / 10 }
