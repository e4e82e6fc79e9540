package apis_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/models/apis"
	"github.com/openclaw-go/openclaw/e2e/fakemodel"
)

// Every test here runs against each wire format.
var allAPIs = []string{models.APIOpenAICompletions, models.APIOpenAIResponses, models.APIAnthropicMessages}

func connect(t *testing.T, srv *fakemodel.Server, api string, mod func(*models.Endpoint)) models.Provider {
	t.Helper()
	ep := models.Endpoint{Provider: "fake", API: api, BaseURL: srv.OpenAIBaseURL(), APIKey: "sk-test", HTTPClient: http.DefaultClient}
	if api == models.APIAnthropicMessages {
		ep.BaseURL = srv.AnthropicBaseURL()
	}
	if mod != nil {
		mod(&ep)
	}
	p, err := apis.Connect(ep)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func forEachAPI(t *testing.T, fn func(t *testing.T, api string)) {
	for _, api := range allAPIs {
		t.Run(api, func(t *testing.T) { fn(t, api) })
	}
}

type recorder struct {
	events []models.Event
}

func (r *recorder) on(ev models.Event) { r.events = append(r.events, ev) }

func (r *recorder) text(typ models.EventType) string {
	var b strings.Builder
	for _, ev := range r.events {
		if ev.Type == typ {
			b.WriteString(ev.Text)
		}
	}
	return b.String()
}

func (r *recorder) count(typ models.EventType) int {
	n := 0
	for _, ev := range r.events {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

func ask(text string) models.Request {
	return models.Request{Model: "m1", System: "be brief", Messages: []models.Message{models.UserMessage(text)}}
}

func TestPlainReply(t *testing.T) {
	forEachAPI(t, func(t *testing.T, api string) {
		srv := fakemodel.New(t)
		srv.Script(fakemodel.Reply{Text: "Hello there", Usage: &fakemodel.Usage{Input: 12, Output: 2, CacheRead: 4}})
		resp, err := connect(t, srv, api, nil).Stream(context.Background(), ask("hi"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.Message.Text(); got != "Hello there" {
			t.Errorf("text = %q", got)
		}
		if resp.FinishReason != models.FinishStop {
			t.Errorf("finish = %q", resp.FinishReason)
		}
		want := models.Usage{InputTokens: 12, OutputTokens: 2, CacheReadTokens: 4}
		if resp.Usage != want {
			t.Errorf("usage = %+v, want %+v", resp.Usage, want)
		}
		req := srv.Requests()[0]
		if req.Stream {
			t.Error("a nil onEvent must not ask for a stream")
		}
		if req.System != "be brief" || req.LastUserText() != "hi" || req.Model != "m1" {
			t.Errorf("request = system %q, user %q, model %q", req.System, req.LastUserText(), req.Model)
		}
		if req.APIKey() != "sk-test" {
			t.Errorf("key = %q", req.APIKey())
		}
	})
}

func TestStreamedReply(t *testing.T) {
	forEachAPI(t, func(t *testing.T, api string) {
		srv := fakemodel.New(t)
		srv.Script(fakemodel.Reply{Text: "one two three four five", Thinking: "let me think", Chunks: 4})
		var rec recorder
		resp, err := connect(t, srv, api, nil).Stream(context.Background(), ask("count"), rec.on)
		if err != nil {
			t.Fatal(err)
		}
		if !srv.Requests()[0].Stream {
			t.Error("a streaming call must ask for a stream")
		}
		if n := rec.count(models.EventText); n < 2 {
			t.Errorf("got %d text deltas, want several", n)
		}
		if got := rec.text(models.EventText); got != "one two three four five" {
			t.Errorf("streamed text = %q", got)
		}
		if got := rec.text(models.EventThinking); got != "let me think" {
			t.Errorf("streamed thinking = %q", got)
		}
		if got := resp.Message.Text(); got != "one two three four five" {
			t.Errorf("response text = %q", got)
		}
		last := rec.events[len(rec.events)-1]
		if last.Type != models.EventDone || last.FinishReason != models.FinishStop {
			t.Errorf("last event = %+v, want done/stop", last)
		}
		if rec.count(models.EventUsage) != 1 || resp.Usage.OutputTokens == 0 {
			t.Errorf("usage events = %d, usage = %+v", rec.count(models.EventUsage), resp.Usage)
		}
		if api == models.APIAnthropicMessages {
			var sig string
			for _, p := range resp.Message.Content {
				if p.Type == models.PartThinking {
					sig = p.Signature
				}
			}
			if sig == "" {
				t.Error("thinking signature lost")
			}
		}
	})
}

// The model asks for a tool, the result goes back, and the model answers.
func TestToolCallRoundTrip(t *testing.T) {
	for _, stream := range []bool{false, true} {
		name := "json"
		if stream {
			name = "sse"
		}
		t.Run(name, func(t *testing.T) {
			forEachAPI(t, func(t *testing.T, api string) {
				srv := fakemodel.New(t)
				srv.Script(
					fakemodel.Reply{ToolCalls: []fakemodel.ToolCall{
						{Name: "get_weather", Arguments: `{"city":"Paris","days":2}`},
						{Name: "get_time", Arguments: `{"zone":"CET"}`},
					}},
					fakemodel.Text("Sunny in Paris at noon."),
				)
				p := connect(t, srv, api, nil)
				req := ask("weather?")
				req.Tools = []models.ToolSpec{
					{Name: "get_weather", Description: "Weather", Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}}}`)},
					{Name: "get_time", Description: "Time"},
				}
				var rec recorder
				var on func(models.Event)
				if stream {
					on = rec.on
				}
				first, err := p.Stream(context.Background(), req, on)
				if err != nil {
					t.Fatal(err)
				}
				if first.FinishReason != models.FinishToolCalls {
					t.Errorf("finish = %q, want tool_calls", first.FinishReason)
				}
				calls := first.Message.ToolCalls
				if len(calls) != 2 || calls[0].Name != "get_weather" || calls[1].Name != "get_time" {
					t.Fatalf("calls = %+v", calls)
				}
				var args map[string]any
				if err := json.Unmarshal([]byte(calls[0].Arguments), &args); err != nil || args["city"] != "Paris" {
					t.Errorf("arguments = %q (%v)", calls[0].Arguments, err)
				}
				if calls[0].ID == "" || calls[0].ID == calls[1].ID {
					t.Errorf("call ids = %q, %q", calls[0].ID, calls[1].ID)
				}
				if stream {
					if n := rec.count(models.EventToolCall); n != 2 {
						t.Errorf("complete tool-call events = %d, want 2", n)
					}
					if rec.count(models.EventToolCallDelta) == 0 {
						t.Error("no tool-call deltas streamed")
					}
				}
				if got := srv.Requests()[0].Tools; len(got) != 2 || got[0] != "get_weather" {
					t.Errorf("tools sent = %v", got)
				}

				req.Messages = append(req.Messages, first.Message,
					models.ToolResultMessage(calls[0].ID, "sunny, 24C", false),
					models.ToolResultMessage(calls[1].ID, "12:00", false))
				second, err := p.Stream(context.Background(), req, on)
				if err != nil {
					t.Fatal(err)
				}
				if got := second.Message.Text(); got != "Sunny in Paris at noon." {
					t.Errorf("final text = %q", got)
				}
				results := srv.Requests()[1].ToolResults()
				if len(results) != 2 || results[0].Text != "sunny, 24C" || results[1].Text != "12:00" {
					t.Fatalf("tool results sent = %+v", results)
				}
				if results[0].ToolCallID != calls[0].ID || results[1].ToolCallID != calls[1].ID {
					t.Errorf("result ids = %q, %q; want %q, %q", results[0].ToolCallID, results[1].ToolCallID, calls[0].ID, calls[1].ID)
				}
			})
		})
	}
}

func TestErrorsClassified(t *testing.T) {
	tests := []struct {
		name       string
		reply      fakemodel.Reply
		reason     models.Reason
		status     int
		retryAfter time.Duration
	}{
		{"rate limit", fakemodel.RateLimited(7 * time.Second), models.ReasonRateLimit, 429, 7 * time.Second},
		{"server error", fakemodel.Fail(500, "internal error"), models.ReasonServerError, 500, 0},
		{"overloaded", fakemodel.Fail(529, "Overloaded"), models.ReasonOverloaded, 529, 0},
		{"bad key", fakemodel.Fail(401, "invalid x-api-key"), models.ReasonAuth, 401, 0},
		{"no model", fakemodel.Fail(404, "model: m1"), models.ReasonModelNotFound, 404, 0},
		{"context overflow", fakemodel.Fail(400, "prompt is too long: 250000 tokens > 200000 maximum"), models.ReasonContextOverflow, 400, 0},
		{"bad request", fakemodel.Fail(400, "messages.0.content: field required"), models.ReasonFormat, 400, 0},
		{"billing", fakemodel.Fail(400, "Your credit balance is too low"), models.ReasonBilling, 400, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachAPI(t, func(t *testing.T, api string) {
				srv := fakemodel.New(t)
				srv.Script(tt.reply)
				_, err := connect(t, srv, api, nil).Stream(context.Background(), ask("hi"), func(models.Event) {})
				var me *models.Error
				if !errors.As(err, &me) {
					t.Fatalf("err = %v, want *models.Error", err)
				}
				if me.Reason != tt.reason || me.Status != tt.status || me.RetryAfter != tt.retryAfter {
					t.Errorf("got reason %s status %d retry %s, want %s %d %s", me.Reason, me.Status, me.RetryAfter, tt.reason, tt.status, tt.retryAfter)
				}
				if !strings.Contains(err.Error(), tt.reply.Error) {
					t.Errorf("error %q does not carry the provider's message %q", err, tt.reply.Error)
				}
			})
		})
	}
}

func TestMalformedStreams(t *testing.T) {
	raw := map[string]string{
		models.APIOpenAICompletions: "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\ndata: {not json\n\n",
		models.APIOpenAIResponses:   "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"hi\"}\n\ndata: {not json\n\n",
		models.APIAnthropicMessages: "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{}}\n\ndata: {not json\n\n",
	}
	forEachAPI(t, func(t *testing.T, api string) {
		t.Run("bad json", func(t *testing.T) {
			srv := fakemodel.New(t)
			srv.Script(fakemodel.Reply{Raw: raw[api]})
			_, err := connect(t, srv, api, nil).Stream(context.Background(), ask("hi"), func(models.Event) {})
			if err == nil || !strings.Contains(err.Error(), "malformed_response") || !strings.Contains(err.Error(), "event 2") || !strings.Contains(err.Error(), "not JSON") {
				t.Fatalf("err = %v, want a malformed-response error naming the bad event", err)
			}
			if !models.ReasonOf(err).Failover() {
				t.Errorf("reason %s must let another model try", models.ReasonOf(err))
			}
		})
		t.Run("truncated", func(t *testing.T) {
			srv := fakemodel.New(t)
			srv.Script(fakemodel.Reply{Text: "half a reply", Truncate: true})
			_, err := connect(t, srv, api, nil).Stream(context.Background(), ask("hi"), func(models.Event) {})
			if models.ReasonOf(err) != models.ReasonMalformed || !strings.Contains(err.Error(), "stream ended") {
				t.Fatalf("err = %v, want a stream-ended error", err)
			}
		})
		t.Run("wrong path", func(t *testing.T) {
			srv := fakemodel.New(t)
			srv.Respond(func(fakemodel.Request) fakemodel.Reply { return fakemodel.Reply{} })
			p := connect(t, srv, api, func(ep *models.Endpoint) {
				ep.BaseURL = "http://" + strings.TrimPrefix(srv.URL, "http://") + "/nowhere"
			})
			_, err := p.Stream(context.Background(), ask("hi"), func(models.Event) {})
			if models.ReasonOf(err) != models.ReasonModelNotFound {
				t.Fatalf("err = %v, want a 404 classified as model_not_found", err)
			}
		})
	})
}

func TestHeadersAndParamsPassThrough(t *testing.T) {
	forEachAPI(t, func(t *testing.T, api string) {
		srv := fakemodel.New(t)
		srv.Script(fakemodel.Text("ok"))
		p := connect(t, srv, api, func(ep *models.Endpoint) {
			ep.Headers = map[string]string{"X-Proxy-Region": "us-west", "User-Agent": "KimiCLI/0.77"}
		})
		temp := 0.25
		req := ask("hi")
		req.Temperature = &temp
		req.MaxTokens = 321
		req.Params = map[string]any{
			"top_p":      0.9,
			"extra_body": map[string]any{"chat_template_kwargs": map[string]any{"enable_thinking": false}},
		}
		if _, err := p.Stream(context.Background(), req, nil); err != nil {
			t.Fatal(err)
		}
		got := srv.Requests()[0]
		if got.Header.Get("X-Proxy-Region") != "us-west" || got.Header.Get("User-Agent") != "KimiCLI/0.77" {
			t.Errorf("headers = %v", got.Header)
		}
		for field, want := range map[string]string{
			"top_p":                "0.9",
			"temperature":          "0.25",
			"chat_template_kwargs": `{"enable_thinking":false}`,
		} {
			if string(got.Fields[field]) != want {
				t.Errorf("%s = %s, want %s", field, got.Fields[field], want)
			}
		}
		if _, leaked := got.Fields["extra_body"]; leaked {
			t.Error("extra_body must be merged, not sent as a field")
		}
		if got.MaxTokens != 321 {
			t.Errorf("max tokens = %d", got.MaxTokens)
		}
	})
}

func TestImagesSent(t *testing.T) {
	forEachAPI(t, func(t *testing.T, api string) {
		srv := fakemodel.New(t)
		srv.Script(fakemodel.Text("a cat"))
		req := models.Request{Model: "m1", Messages: []models.Message{models.UserMessage("what is this?",
			models.Image{URL: "https://example.com/cat.png"},
			models.Image{MediaType: "image/png", Data: []byte("\x89PNG fake")})}}
		if _, err := connect(t, srv, api, nil).Stream(context.Background(), req, nil); err != nil {
			t.Fatal(err)
		}
		imgs := srv.Requests()[0].Messages[0].Images
		if len(imgs) != 2 || imgs[0] != "https://example.com/cat.png" || !strings.HasPrefix(imgs[1], "data:image/png;base64,") {
			t.Errorf("images = %q", imgs)
		}
	})
}

func TestAbortIsNotAFailure(t *testing.T) {
	forEachAPI(t, func(t *testing.T, api string) {
		srv := fakemodel.New(t)
		srv.Script(fakemodel.Reply{Text: "slow", Delay: time.Minute})
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			for len(srv.Requests()) == 0 {
				time.Sleep(time.Millisecond)
			}
			cancel()
		}()
		_, err := connect(t, srv, api, nil).Stream(ctx, ask("hi"), func(models.Event) {})
		if models.ReasonOf(err) != models.ReasonAborted {
			t.Fatalf("err = %v, want aborted", err)
		}
	})
}

func TestProviderTimeout(t *testing.T) {
	forEachAPI(t, func(t *testing.T, api string) {
		srv := fakemodel.New(t)
		srv.Script(fakemodel.Reply{Text: "slow", Delay: time.Minute})
		p := connect(t, srv, api, func(ep *models.Endpoint) { ep.Timeout = 50 * time.Millisecond })
		_, err := p.Stream(context.Background(), ask("hi"), nil)
		if models.ReasonOf(err) != models.ReasonTimeout || !strings.Contains(err.Error(), "timeoutSeconds") {
			t.Fatalf("err = %v, want a timeout naming timeoutSeconds", err)
		}
	})
}

func TestConnectUnknownAPI(t *testing.T) {
	if _, err := apis.Connect(models.Endpoint{Provider: "x", API: "google-generative-ai"}); err == nil {
		t.Fatal("want an error for an unsupported api")
	}
}

// Some OpenAI-compatible servers ignore "stream": true and answer with JSON;
// others answer with an HTML error page.
func TestStreamAnsweredWithoutEventStream(t *testing.T) {
	bodies := map[string]string{
		models.APIOpenAICompletions: `{"choices":[{"index":0,"message":{"role":"assistant","content":"plain json"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2}}`,
		models.APIOpenAIResponses:   `{"status":"completed","output":[{"type":"message","role":"assistant","content":[{"type":"output_text","text":"plain json"}]}],"usage":{"input_tokens":3,"output_tokens":2}}`,
		models.APIAnthropicMessages: `{"type":"message","role":"assistant","content":[{"type":"text","text":"plain json"}],"stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":2}}`,
	}
	forEachAPI(t, func(t *testing.T, api string) {
		for _, tt := range []struct {
			contentType, body string
			wantErr           bool
		}{
			{"application/json", bodies[api], false},
			{"text/html", "<html>proxy login</html>", true},
		} {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				_, _ = io.WriteString(w, tt.body)
			}))
			p, _ := apis.Connect(models.Endpoint{Provider: "fake", API: api, BaseURL: srv.URL})
			var rec recorder
			resp, err := p.Stream(context.Background(), ask("hi"), rec.on)
			srv.Close()
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), "expected an event stream") {
					t.Errorf("%s: err = %v, want a clear content-type error", tt.contentType, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", tt.contentType, err)
			}
			if resp.Message.Text() != "plain json" || rec.text(models.EventText) != "plain json" {
				t.Errorf("reply %q, streamed %q", resp.Message.Text(), rec.text(models.EventText))
			}
		}
	})
}
