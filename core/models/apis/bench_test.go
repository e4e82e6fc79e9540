package apis_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/models/apis"
	"github.com/openclaw-go/openclaw/e2e/fakemodel"
)

// cannedTransport answers every request with the same recorded stream, so
// the benchmark measures the client's parsing and assembly, not the network.
type cannedTransport struct{ body []byte }

func (c cannedTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: 200,
		Header:     http.Header{"Content-Type": {"text/event-stream"}},
		Body:       io.NopCloser(bytes.NewReader(c.body)),
	}, nil
}

const benchDeltas = 1000

// recordStream captures one streamed reply of benchDeltas text pieces and a
// tool call from the fake server.
func recordStream(b *testing.B, api string) []byte {
	srv := fakemodel.New(b)
	srv.Script(fakemodel.Reply{
		Text:      strings.Repeat("word ", benchDeltas),
		Chunks:    benchDeltas,
		ToolCalls: []fakemodel.ToolCall{{Name: "lookup", Arguments: `{"query":"something reasonably long to search for"}`}},
	})
	var rec bytes.Buffer
	p, err := apis.Connect(models.Endpoint{Provider: "fake", API: api, BaseURL: baseURL(srv, api),
		HTTPClient: &http.Client{Transport: recordingTransport{&rec}}})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := p.Stream(context.Background(), ask("go"), func(models.Event) {}); err != nil {
		b.Fatal(err)
	}
	return rec.Bytes()
}

func baseURL(srv *fakemodel.Server, api string) string {
	if api == models.APIAnthropicMessages {
		return srv.AnthropicBaseURL()
	}
	return srv.OpenAIBaseURL()
}

type recordingTransport struct{ buf *bytes.Buffer }

func (t recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.TeeReader(resp.Body, t.buf), resp.Body}
	return resp, nil
}

// BenchmarkStreamParse is the client-side cost of a streamed reply: SSE
// framing, JSON decoding of each event, and assembly into a Response.
func BenchmarkStreamParse(b *testing.B) {
	for _, api := range allAPIs {
		b.Run(api, func(b *testing.B) {
			body := recordStream(b, api)
			p, _ := apis.Connect(models.Endpoint{Provider: "fake", API: api, BaseURL: "http://canned/v1",
				HTTPClient: &http.Client{Transport: cannedTransport{body}}})
			req := ask("go")
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				n := 0
				resp, err := p.Stream(context.Background(), req, func(ev models.Event) { n++ })
				if err != nil {
					b.Fatal(err)
				}
				if len(resp.Message.ToolCalls) != 1 || n < benchDeltas {
					b.Fatalf("got %d events, %d calls", n, len(resp.Message.ToolCalls))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchDeltas, "ns/delta")
		})
	}
}
