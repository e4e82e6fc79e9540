package agent_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/core/agent"
	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/sessions"
	"github.com/openclaw-go/openclaw/core/tools"
)

// instant is a model that answers at once, so a benchmark measures the
// agent's own work.
type instant struct{}

func (instant) Stream(_ context.Context, req models.Request, onEvent func(models.Event)) (*models.Response, error) {
	usage := models.Usage{InputTokens: len(req.Messages), OutputTokens: 2}
	if onEvent != nil {
		onEvent(models.Event{Type: models.EventText, Text: "ok, noted"})
		onEvent(models.Event{Type: models.EventUsage, Usage: &usage})
		onEvent(models.Event{Type: models.EventDone, FinishReason: models.FinishStop})
	}
	return &models.Response{Message: models.AssistantMessage("ok, noted"), FinishReason: models.FinishStop, Usage: usage}, nil
}

func benchRunner(b *testing.B, maxConcurrent int) *agent.Runner {
	b.Helper()
	router, err := models.NewRouter(models.Options{
		Models: models.Config{Providers: map[string]models.ProviderConfig{
			"inst": {BaseURL: "http://127.0.0.1:9/v1", Models: []models.ModelConfig{{ID: "fast"}}},
		}},
		Agents:  models.AgentModels{Model: &models.Selection{Primary: "inst/fast"}},
		Connect: func(models.Endpoint) (models.Provider, error) { return instant{}, nil },
	})
	if err != nil {
		b.Fatal(err)
	}
	state := b.TempDir()
	// Without fsync: the benchmark measures the agent, not the disk.
	store, err := sessions.Open(sessions.Options{StateDir: state, NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	reg := tools.New(tools.Options{})
	reg.Register(noopTool())
	r, err := agent.New(agent.Options{
		Router: router, Sessions: store, Tools: reg, StateDir: state, Location: time.UTC,
		Agents: agent.AgentsConfig{Defaults: agent.AgentDefaults{MaxConcurrent: maxConcurrent}},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close() })
	return r
}

// BenchmarkTurnOverhead measures one turn of a 50-turn session with an
// instant model: session and history loading, prompt assembly with the
// workspace files, tool listing and policy, transcript appends. The target
// is 200 µs at the median.
func BenchmarkTurnOverhead(b *testing.B) {
	r := benchRunner(b, 1)
	ctx := context.Background()
	for i := range 50 {
		if _, err := r.RunTurn(ctx, agent.TurnRequest{Text: fmt.Sprintf("message %d of the warm-up", i)}, nil); err != nil {
			b.Fatal(err)
		}
	}
	req := agent.TurnRequest{Text: "how are you today?", HistoryLimit: 50, Channel: "telegram", ChatType: "direct"}
	durations := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if _, err := r.RunTurn(ctx, req, nil); err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(durations)
	if len(durations) > 0 {
		b.ReportMetric(float64(durations[len(durations)/2].Nanoseconds())/1e3, "p50-µs/turn")
	}
}

// BenchmarkConcurrentSessions serves 1,000 sessions at once per round and
// reports the heap left after each round beyond the first: it must not grow
// with the rounds (idle sessions keep no lane).
func BenchmarkConcurrentSessions(b *testing.B) {
	r := benchRunner(b, 8)
	const sessionsPerRound = 1000
	var wg sync.WaitGroup
	deliver := func(context.Context, agent.Reply) error { wg.Done(); return nil }
	round := func() {
		wg.Add(sessionsPerRound)
		for i := range sessionsPerRound {
			in := agent.Inbound{TurnRequest: agent.TurnRequest{
				SessionKey: fmt.Sprintf("agent:main:telegram:direct:%d", i), Text: "hello", Channel: "telegram", ChatType: "direct",
			}}
			if err := r.Submit(context.Background(), in, deliver); err != nil {
				b.Fatal(err)
			}
		}
		wg.Wait()
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	round()
	base := heap()
	b.ResetTimer()
	for b.Loop() {
		round()
	}
	b.StopTimer()
	for r.Lanes() > 0 {
		time.Sleep(time.Millisecond)
	}
	growth := int64(heap()) - int64(base)
	b.ReportMetric(float64(growth)/1024, "heap-growth-KiB")
	b.ReportMetric(float64(r.Lanes()), "lanes-left")
}
