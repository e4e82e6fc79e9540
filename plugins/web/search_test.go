package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/pluginsdk"
	"github.com/openclaw-go/openclaw/pluginsdk/plugintest"
)

// fakeBrave answers like Brave's web search API and records the queries.
type fakeBrave struct {
	*httptest.Server
	hits    atomic.Int64
	last    atomic.Pointer[http.Request]
	status  int
	results string
}

func newFakeBrave(t *testing.T) *fakeBrave {
	t.Helper()
	f := &fakeBrave{status: 200, results: `{"type":"search","web":{"type":"search","results":[
{"title":"The <strong>OpenClaw</strong> gateway","url":"https://openclaw.example/","description":"A <strong>self-hosted</strong> assistant &amp; gateway.","page_age":"2026-02-01T10:00:00","profile":{"name":"OpenClaw"},"meta_url":{"hostname":"openclaw.example"}},
{"title":"Docs","url":"https://docs.openclaw.example/tools","description":"Tools reference.","age":"2 days ago","meta_url":{"hostname":"docs.openclaw.example"}},
{"title":"Bad","url":"javascript:alert(1)","description":"dropped"}]}}`}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.hits.Add(1)
		f.last.Store(r.Clone(r.Context()))
		if r.URL.Path != "/res/v1/web/search" || r.Header.Get("X-Subscription-Token") != "test-key" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		w.Write([]byte(f.results))
	}))
	t.Cleanup(f.Close)
	return f
}

func TestSearchWithoutKey(t *testing.T) {
	e := newEnv(t)
	res, _ := e.call(t, "web_search", map[string]any{"query": "openclaw"}, "")
	out := searchOut(t, res)
	if !res.IsError || out.Kind != "error" || out.Error != "missing_api_key" || !strings.Contains(out.Message, "plugins.entries.web.config.webSearch.apiKey") || !strings.Contains(out.Message, "BRAVE_API_KEY") {
		t.Errorf("got %s", res.Content)
	}
}

func TestSearchBrave(t *testing.T) {
	b := newFakeBrave(t)
	e := newEnv(t)
	if err := e.h.Configure(t.Context(), `{"webSearch":{"apiKey":"test-key","baseUrl":"`+b.URL+`/"}}`); err != nil {
		t.Fatal(err)
	}
	res, _ := e.call(t, "web_search", map[string]any{"query": " openclaw gateway ", "count": 3, "country": "de", "language": "en", "freshness": "week"}, `{"search":{"provider":"brave"}}`)
	if res.IsError {
		t.Fatalf("error: %s", res.Content)
	}
	out := searchOut(t, res)
	if out.Kind != "results" || out.Provider != "brave" || out.Query != "openclaw gateway" || out.Count != 2 || out.ExternalContent == nil || !out.ExternalContent.Untrusted {
		t.Errorf("output = %+v", out)
	}
	first := out.Results[0]
	if first.Title != "The OpenClaw gateway" || first.Snippet != "A self-hosted assistant & gateway." || first.URL != "https://openclaw.example/" || first.SiteName != "OpenClaw" || first.Published != "2026-02-01T10:00:00" {
		t.Errorf("first result = %+v", first)
	}
	if out.Results[1].Published != "" || out.Results[1].SiteName != "docs.openclaw.example" {
		t.Errorf("relative ages are not publication dates: %+v", out.Results[1])
	}
	q := b.last.Load().URL.Query()
	if q.Get("q") != "openclaw gateway" || q.Get("count") != "3" || q.Get("country") != "DE" || q.Get("search_lang") != "en" || q.Get("freshness") != "pw" {
		t.Errorf("query sent = %v", q)
	}

	// The same query comes from the cache.
	again, _ := e.call(t, "web_search", map[string]any{"query": "openclaw gateway", "count": 3, "country": "de", "language": "en", "freshness": "week"}, "")
	if !searchOut(t, again).Cached || b.hits.Load() != 1 {
		t.Errorf("cache: cached=%v hits=%d", searchOut(t, again).Cached, b.hits.Load())
	}
	e.call(t, "web_search", map[string]any{"query": "openclaw gateway", "date_after": "2026-01-01", "date_before": "2026-02-01"}, `{"search":{"cacheTtlMinutes":0}}`)
	if got := b.last.Load().URL.Query().Get("freshness"); got != "2026-01-01to2026-02-01" {
		t.Errorf("date range freshness = %q", got)
	}
}

func TestSearchKeySources(t *testing.T) {
	b := newFakeBrave(t)
	tests := []struct {
		name, plugin, config string
		env                  map[string]string
	}{
		{"environment", `{"webSearch":{"baseUrl":"` + b.URL + `"}}`, "", map[string]string{"BRAVE_API_KEY": "test-key"}},
		{"legacy tools.web.search.apiKey", `{"webSearch":{"baseUrl":"` + b.URL + `"}}`, `{"search":{"apiKey":"test-key"}}`, nil},
		{"search subtree alone", `{"webSearch":{"baseUrl":"` + b.URL + `"}}`, `{"apiKey":"test-key","maxResults":1}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			for k, v := range tt.env {
				e.env[k] = v
			}
			if err := e.h.Configure(t.Context(), tt.plugin); err != nil {
				t.Fatal(err)
			}
			res, _ := e.call(t, "web_search", map[string]any{"query": tt.name}, tt.config)
			if res.IsError || searchOut(t, res).Count == 0 {
				t.Errorf("got %s", res.Content)
			}
		})
	}
}

func TestSearchErrors(t *testing.T) {
	b := newFakeBrave(t)
	tests := []struct {
		name, plugin, config string
		args                 map[string]any
		status               int
		want                 string
	}{
		{"wrong key", `{"webSearch":{"apiKey":"nope","baseUrl":"` + b.URL + `"}}`, "", map[string]any{"query": "x"}, 200, "rejected the API key (HTTP 401)"},
		{"rate limit", `{"webSearch":{"apiKey":"test-key","baseUrl":"` + b.URL + `"}}`, "", map[string]any{"query": "x"}, 429, "rate limit"},
		{"server error", `{"webSearch":{"apiKey":"test-key","baseUrl":"` + b.URL + `"}}`, "", map[string]any{"query": "x"}, 502, "HTTP 502"},
		{"other provider", `{"webSearch":{"apiKey":"k"}}`, `{"search":{"provider":"perplexity"}}`, map[string]any{"query": "x"}, 200, "provider_unavailable"},
		{"disabled", `{"webSearch":{"apiKey":"k"}}`, `{"search":{"enabled":false}}`, map[string]any{"query": "x"}, 200, "disabled"},
		{"no query", `{"webSearch":{"apiKey":"k"}}`, "", map[string]any{"query": "  "}, 200, "query is required"},
		{"date_before alone", `{"webSearch":{"apiKey":"k"}}`, "", map[string]any{"query": "x", "date_before": "2026-01-01"}, 200, "needs date_after"},
		{"bad date", `{"webSearch":{"apiKey":"k"}}`, "", map[string]any{"query": "x", "date_after": "yesterday"}, 200, "YYYY-MM-DD"},
		{"bad freshness", `{"webSearch":{"apiKey":"k"}}`, "", map[string]any{"query": "x", "freshness": "hour"}, 200, "freshness must be"},
		{"ui_lang without region", `{"webSearch":{"apiKey":"k"}}`, "", map[string]any{"query": "x", "ui_lang": "en"}, 200, "needs a region"},
		{"public http base", `{"webSearch":{"apiKey":"k","baseUrl":"http://search.example"}}`, "", map[string]any{"query": "x"}, 200, "plain http"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b.status = tt.status
			e := newEnv(t)
			if err := e.h.Configure(t.Context(), tt.plugin); err != nil {
				t.Fatal(err)
			}
			res, _ := e.call(t, "web_search", tt.args, tt.config)
			if !res.IsError || !strings.Contains(res.Content, tt.want) {
				t.Errorf("got %v %q, want an error containing %q", res.IsError, res.Content, tt.want)
			}
		})
	}
}

// BenchmarkToolCall measures a trivial call (web_search with no key, which
// answers at once) through the real gRPC harness: host → plugin → result.
func BenchmarkToolCall(b *testing.B) {
	tl := newWebTools(func(string) string { return "" }, time.Now, nil)
	h := plugintest.New(b, pluginsdk.Plugin{Manifest: manifest, Tools: tl, Configure: tl.configure})
	call := pluginsdk.ToolCall{Tool: "web_search", Arguments: json.RawMessage(`{"query":"x"}`)}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		_, _, err := h.Invoke(b.Context(), call)
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
