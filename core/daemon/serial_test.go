package daemon

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
)

func TestSerializerOrdersPerKeyAndBoundsParallelism(t *testing.T) {
	s := newSerializer(2)
	var mu sync.Mutex
	got := map[string][]int{}
	var running, peak atomic.Int32
	for i := range 50 {
		key := []string{"a", "b", "c"}[i%3]
		s.submit(context.Background(), key, func(context.Context) {
			n := running.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			mu.Lock()
			got[key] = append(got[key], i)
			mu.Unlock()
			running.Add(-1)
		})
	}
	s.wait()
	for key, seq := range got {
		for j := 1; j < len(seq); j++ {
			if seq[j] < seq[j-1] {
				t.Fatalf("key %s ran out of order: %v", key, seq)
			}
		}
	}
	if total := len(got["a"]) + len(got["b"]) + len(got["c"]); total != 50 {
		t.Fatalf("ran %d jobs, want 50", total)
	}
	if peak.Load() > 2 {
		t.Fatalf("peak parallelism %d, limit 2", peak.Load())
	}
}
