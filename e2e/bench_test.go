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

// settleRSS waits for the process to settle and returns its RSS in MiB.
func settleRSS(pid int) float64 {
	time.Sleep(2 * time.Second)
	return float64(harness.RSSKiB(pid)) / 1024
}

func TestBenchIdleRSS(t *testing.T) {
	path := benchResults(t)
	core := harness.StartGateway(t, harness.Options{Config: map[string]any{}})
	coreRSS := settleRSS(core.Cmd.Process.Pid)
	start := time.Now()
	core.Kill()

	fake := tg.NewServer()
	defer fake.Close()
	g := harness.StartGateway(t, harness.Options{Config: telegramConfig(fake.URL(), fake.Bot().Token())})
	startup := time.Since(start)
	pid := waitPlugin(t, g, "openclaw-plugin-telegram", 0)
	gwRSS := settleRSS(g.Cmd.Process.Pid)
	plRSS := float64(harness.RSSKiB(pid)) / 1024
	record(t, path, "idleRSS", map[string]any{
		"coreOnlyMiB":          round(coreRSS),
		"gatewayWithTelegram":  round(gwRSS),
		"telegramPluginMiB":    round(plRSS),
		"coreAndTelegramMiB":   round(gwRSS + plRSS),
		"startToReadyWithTgMs": startup.Milliseconds(),
	})
}

func TestBenchTelegramRoundTrip(t *testing.T) {
	path := benchResults(t)
	fake := tg.NewServer()
	defer fake.Close()
	bot := fake.Bot()
	harness.StartGateway(t, harness.Options{Config: telegramConfig(fake.URL(), bot.Token())})
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

	// Throughput: many users at once.
	const users, each = 20, 20
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
		"note":               "includes the fake Bot API's long-poll delivery and HTTP on loopback, and the inbox fsync",
	})
}

func round(f float64) float64 { return float64(int(f*10+0.5)) / 10 }
