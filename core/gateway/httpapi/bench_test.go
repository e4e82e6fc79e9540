package httpapi

import (
	"bytes"
	"io"
	"net/http"
	"sort"
	"testing"
	"time"
)

// BenchmarkChatCompletionsOverhead measures POST /v1/chat/completions over
// an instant model (the fake answers without waiting), so the latency is
// the gateway's own overhead: auth, parsing, routing, the run registry and
// encoding. The goal is p50 ≤ 1 ms.
func BenchmarkChatCompletionsOverhead(b *testing.B) {
	for _, stream := range []bool{false, true} {
		name := "json"
		if stream {
			name = "sse"
		}
		b.Run(name, func(b *testing.B) {
			e := newEnv(b, nil)
			body := []byte(`{"model":"openclaw","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hello there"}]}`)
			if stream {
				body = []byte(`{"model":"openclaw","stream":true,"messages":[{"role":"user","content":"hello there"}]}`)
			}
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
			lat := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				req, _ := http.NewRequest("POST", e.hs.URL+"/v1/chat/completions", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("status %d", resp.StatusCode)
				}
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}
