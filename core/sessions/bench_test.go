package sessions

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
)

func seedTurns(b *testing.B, s *Store, key string, turns int) {
	b.Helper()
	ctx := context.Background()
	for i := range turns {
		if _, err := s.Append(ctx, key,
			TextMessage(RoleUser, fmt.Sprintf("question %d: what about the thing we discussed earlier?", i)),
			assistant(fmt.Sprintf("answer %d: here is a reasonably sized reply with a few sentences of text in it.", i), 1200, 80),
		); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTurn is the session work of one agent turn on a 50-turn session:
// load the last 50 turns for the prompt, append the user message and the
// reply.
func BenchmarkTurn(b *testing.B) {
	for _, sync := range []bool{false, true} {
		b.Run(fmt.Sprintf("fsync=%v", sync), func(b *testing.B) {
			ctx := context.Background()
			s := openStore(b, b.TempDir(), newClock(), func(o *Options) { o.NoSync = !sync })
			key := "agent:main:telegram:direct:42"
			seedTurns(b, s, key, 50)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if _, err := s.LastTurns(ctx, key, 50); err != nil {
					b.Fatal(err)
				}
				if _, err := s.Append(ctx, key, TextMessage(RoleUser, "next question")); err != nil {
					b.Fatal(err)
				}
				if _, err := s.Append(ctx, key, assistant("next answer", 1200, 80)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLastTurns50 loads the last 50 turns of sessions of growing
// length: the cost follows the turns read, not the file size.
func BenchmarkLastTurns50(b *testing.B) {
	for _, total := range []int{50, 500} {
		b.Run(fmt.Sprintf("session=%d", total), func(b *testing.B) {
			ctx := context.Background()
			s := openStore(b, b.TempDir(), newClock(), func(o *Options) { o.NoSync = true })
			key := "agent:main:main"
			seedTurns(b, s, key, total)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				msgs, err := s.LastTurns(ctx, key, 50)
				if err != nil || len(msgs) != 100 {
					b.Fatalf("%d messages, %v", len(msgs), err)
				}
			}
		})
	}
}

// BenchmarkManySessions appends round-robin across 1,000 existing sessions
// with the default handle cache (128), so every append reopens a transcript:
// the worst case. It reports the open files and heap left behind.
func BenchmarkManySessions(b *testing.B) {
	ctx := context.Background()
	s := openStore(b, b.TempDir(), newClock(), func(o *Options) { o.NoSync = true })
	const n = 1000
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("agent:main:telegram:direct:%d", i)
		if _, err := s.Append(ctx, keys[i], TextMessage(RoleUser, "first")); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := s.Append(ctx, keys[i%n], TextMessage(RoleUser, "hello")); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(s.handles.open()), "open-files")
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
}

func BenchmarkBuildKey(b *testing.B) {
	p := KeyParams{AgentID: "main", Channel: "telegram", AccountID: "work", ChatType: "direct", PeerID: "123456789", DMScope: DMScopePerAccountChannelPeer}
	b.ReportAllocs()
	for b.Loop() {
		BuildKey(p)
	}
}

// BenchmarkConcurrentSessions has all cores append to and read the last 50
// turns of 1,000 existing sessions at once.
func BenchmarkConcurrentSessions(b *testing.B) {
	ctx := context.Background()
	s := openStore(b, b.TempDir(), newClock(), func(o *Options) { o.NoSync = true })
	const n = 1000
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("agent:main:slack:direct:u%d", i)
		if _, err := s.Append(ctx, keys[i], TextMessage(RoleUser, "first")); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	var next atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := keys[next.Add(1)%n]
			if _, err := s.Append(ctx, key, TextMessage(RoleUser, "hello")); err != nil {
				b.Error(err)
				return
			}
			if _, err := s.LastTurns(ctx, key, 50); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(s.handles.open()), "open-files")
}
