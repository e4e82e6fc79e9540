//go:build linux

package pluginhost

import (
	"context"
	"sort"
	"testing"
	"time"

	hclog "github.com/hashicorp/go-hclog"

	pluginv1 "github.com/openclaw-go/openclaw/proto/openclaw/plugin/v1"
)

// percentiles reports p50 and p99 of samples as benchmark metrics.
func percentiles(b *testing.B, samples []time.Duration, unit string) {
	if len(samples) == 0 {
		return
	}
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	at := func(q float64) time.Duration { return samples[int(q*float64(len(samples)-1))] }
	b.ReportMetric(float64(at(0.50).Microseconds()), "p50-µs"+unit)
	b.ReportMetric(float64(at(0.99).Microseconds()), "p99-µs"+unit)
}

// BenchmarkColdStart measures spawn → handshake (AutoMTLS) → metadata →
// configure, i.e. until the plugin answers its first RPC.
func BenchmarkColdStart(b *testing.B) {
	dir := benchPlugin(b)
	e := benchEntry(b, dir)
	spec := launchSpec{
		entry: e, logger: hclog.NewNullLogger(), startTimeout: 15 * time.Second,
		host:   &hostService{id: e.ID, logger: hclog.NewNullLogger(), kv: &kvStore{data: map[string][]byte{}}},
		config: func() (string, map[string]string) { return "{}", nil },
	}
	var samples []time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		r, err := launch(context.Background(), spec)
		if err != nil {
			b.Fatal(err)
		}
		samples = append(samples, time.Since(start))
		b.StopTimer()
		r.stop(2 * time.Second)
		b.StartTimer()
	}
	percentiles(b, samples, "")
}

// BenchmarkUnaryRPC measures a host → plugin round trip (Health).
func BenchmarkUnaryRPC(b *testing.B) {
	dir := benchPlugin(b)
	e := benchEntry(b, dir)
	spec := launchSpec{
		entry: e, logger: hclog.NewNullLogger(), startTimeout: 15 * time.Second,
		host:   &hostService{id: e.ID, logger: hclog.NewNullLogger(), kv: &kvStore{data: map[string][]byte{}}},
		config: func() (string, map[string]string) { return "{}", nil },
	}
	r, err := launch(context.Background(), spec)
	if err != nil {
		b.Fatal(err)
	}
	defer r.stop(2 * time.Second)
	ctx := context.Background()
	samples := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if _, err := r.Plugin.Health(ctx, &pluginv1.HealthRequest{}); err != nil {
			b.Fatal(err)
		}
		samples = append(samples, time.Since(start))
	}
	percentiles(b, samples, "")
}

// BenchmarkToolInvoke measures a tool call through the plugin boundary,
// stream and all, for a tool that does almost no work.
func BenchmarkToolInvoke(b *testing.B) {
	dir := benchPlugin(b)
	e := benchEntry(b, dir)
	spec := launchSpec{
		entry: e, logger: hclog.NewNullLogger(), startTimeout: 15 * time.Second,
		host:   &hostService{id: e.ID, logger: hclog.NewNullLogger(), kv: &kvStore{data: map[string][]byte{}}},
		config: func() (string, map[string]string) { return "{}", nil },
	}
	r, err := launch(context.Background(), spec)
	if err != nil {
		b.Fatal(err)
	}
	defer r.stop(2 * time.Second)
	ctx := context.Background()
	samples := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		stream, err := r.Tool.Invoke(ctx, &pluginv1.InvokeRequest{Tool: "word_count", ArgumentsJson: `{"text":"a b"}`})
		if err != nil {
			b.Fatal(err)
		}
		for {
			ev, err := stream.Recv()
			if err != nil {
				b.Fatal(err)
			}
			if ev.GetResult() != nil {
				break
			}
		}
		samples = append(samples, time.Since(start))
	}
	percentiles(b, samples, "")
}
