package wsproto

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/openclaw-go/openclaw/core/gateway/client"
)

// BenchmarkConcurrentClients connects 1,000 authenticated clients and keeps
// them connected through several heartbeat rounds (tick events and
// ping/pong keepalives). It reports the memory and goroutines each client
// costs, measured in this process, so the in-process client's own reader
// goroutine and buffers are included in the figures.
func BenchmarkConcurrentClients(b *testing.B) {
	const clients = 1000
	const tick = 200 * time.Millisecond
	for range b.N {
		e := newEnv(b, func(o *Options) { o.Policy.TickInterval = tick })
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		goBefore := runtime.NumGoroutine()

		start := time.Now()
		conns := make([]*websocket.Conn, clients)
		var ticks atomic.Int64
		var wg sync.WaitGroup
		ctx, cancel := context.WithCancel(context.Background())
		sem := make(chan struct{}, 32) // connect in parallel, not all at once
		errs := make(chan error, clients)
		for i := range clients {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				ws, err := benchConnect(ctx, e.url)
				if err != nil {
					errs <- err
					return
				}
				conns[i] = ws
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		connectTime := time.Since(start)
		// Readers answer pings and count ticks, as real clients do.
		var readers sync.WaitGroup
		for _, ws := range conns {
			readers.Add(1)
			go func() {
				defer readers.Done()
				for {
					_, data, err := ws.Read(ctx)
					if err != nil {
						return
					}
					if len(data) > 30 && string(data[:30]) == `{"type":"event","event":"tick"` {
						ticks.Add(1)
					}
				}
			}()
		}
		time.Sleep(5 * tick)
		if got := e.srv.Connections(); got != clients {
			b.Fatalf("%d clients connected after heartbeats, want %d", got, clients)
		}
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		goAfter := runtime.NumGoroutine()

		b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/clients, "live-heap-bytes/client")
		b.ReportMetric(float64(goAfter-goBefore)/clients, "goroutines/client")
		b.ReportMetric(float64(connectTime.Milliseconds()), "connect-all-ms")
		b.ReportMetric(float64(ticks.Load())/clients, "ticks/client")

		cancel()
		for _, ws := range conns {
			ws.CloseNow()
		}
		readers.Wait()
	}
}

func benchConnect(ctx context.Context, url string) (*websocket.Conn, error) {
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, err
	}
	if _, _, err := ws.Read(ctx); err != nil {
		return nil, err
	}
	req, _ := json.Marshal(map[string]any{"type": "req", "id": "c", "method": "connect", "params": connectReq(testToken, "operator.read")})
	if err := ws.Write(ctx, websocket.MessageText, req); err != nil {
		return nil, err
	}
	_, data, err := ws.Read(ctx)
	if err != nil {
		return nil, err
	}
	var res struct {
		OK bool `json:"ok"`
	}
	if json.Unmarshal(data, &res); !res.OK {
		return nil, fmt.Errorf("connect refused: %s", data)
	}
	return ws, nil
}

// BenchmarkHealthRoundTrip measures one health RPC over an open
// connection: request out, response back. It reports p50 and p99.
func BenchmarkHealthRoundTrip(b *testing.B) {
	e := newEnv(b, nil)
	ctx := context.Background()
	c, err := client.Dial(ctx, client.Options{URL: e.url, Token: testToken})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	// Warm the health cache so the figure is the protocol's cost.
	if err := c.Call(ctx, "health", nil, nil); err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		if err := c.Call(ctx, "health", nil, nil); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	reportPercentiles(b, lat)
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) }
	b.ReportMetric(p(0.50), "p50-µs")
	b.ReportMetric(p(0.99), "p99-µs")
}
