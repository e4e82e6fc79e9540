package wire

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/core/models"
)

func TestMergeParams(t *testing.T) {
	body := []byte(`{"model":"m","temperature":0.5,"stream":true}`)
	out, err := MergeParams(body, map[string]any{
		"temperature": 0.1,
		"top_k":       40,
		"extraBody":   map[string]any{"stream": false, "vendor": "x"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"model": "m", "temperature": 0.1, "top_k": 40.0, "stream": false, "vendor": "x"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if _, ok := got["extraBody"]; ok {
		t.Error("extraBody sent as a field")
	}
	if _, err := MergeParams(body, map[string]any{"extra_body": "nope"}); err == nil || !strings.Contains(err.Error(), "extra_body") {
		t.Errorf("err = %v, want one naming extra_body", err)
	}
	same, _ := MergeParams(body, nil)
	if string(same) != string(body) {
		t.Error("no params must leave the body alone")
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		h    http.Header
		want time.Duration
	}{
		{http.Header{"Retry-After": {"12"}}, 12 * time.Second},
		{http.Header{"Retry-After": {"1.5"}}, 1500 * time.Millisecond},
		{http.Header{"Retry-After-Ms": {"250"}, "Retry-After": {"9"}}, 250 * time.Millisecond},
		{http.Header{"Retry-After": {now.Add(time.Minute).Format(http.TimeFormat)}}, time.Minute},
		{http.Header{"Retry-After": {"soon"}}, 0},
		{http.Header{}, 0},
	}
	for _, tt := range tests {
		if got := RetryAfter(tt.h, now); got != tt.want {
			t.Errorf("RetryAfter(%v) = %s, want %s", tt.h, got, tt.want)
		}
	}
}

func TestErrorMessageShapes(t *testing.T) {
	tests := []struct{ body, msg, kind string }{
		{`{"error":{"message":"bad key","type":"invalid_request_error","code":"invalid_api_key"}}`, "bad key", "invalid_request_error invalid_api_key"},
		{`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, "Overloaded", "overloaded_error "},
		{`{"error":"plain text"}`, "plain text", ""},
		{`{"message":"top level"}`, "top level", ""},
		{`<html>`, "", ""},
	}
	for _, tt := range tests {
		msg, kind := errorMessage([]byte(tt.body))
		if msg != tt.msg || kind != tt.kind {
			t.Errorf("errorMessage(%s) = %q, %q; want %q, %q", tt.body, msg, kind, tt.msg, tt.kind)
		}
	}
}

func TestBuilder(t *testing.T) {
	var events []models.Event
	b := NewBuilder(func(ev models.Event) { events = append(events, ev) })
	b.Thinking("hmm ")
	b.Thinking("ok")
	b.ThinkingSignature("sig")
	b.Text("Hello ")
	b.Text("world")
	b.ToolCallStart(1, "call_a", "get_")
	b.ToolCallStart(1, "", "weather")
	b.ToolCallArgs(1, `{"city":`)
	b.ToolCallArgs(1, `"Oslo"}`)
	b.ToolCallStart(2, "call_b", "noop")
	b.Usage(models.Usage{InputTokens: 10})
	b.Usage(models.Usage{OutputTokens: 4})
	resp := b.Response()

	if len(resp.Message.Content) != 2 || resp.Message.Content[0].Text != "hmm ok" || resp.Message.Content[0].Signature != "sig" ||
		resp.Message.Text() != "Hello world" {
		t.Errorf("content = %+v", resp.Message.Content)
	}
	calls := resp.Message.ToolCalls
	if len(calls) != 2 || calls[0] != (models.ToolCall{ID: "call_a", Name: "get_weather", Arguments: `{"city":"Oslo"}`}) ||
		calls[1].Arguments != "{}" {
		t.Errorf("calls = %+v", calls)
	}
	if resp.FinishReason != models.FinishToolCalls {
		t.Errorf("finish = %s, want tool_calls when calls are present", resp.FinishReason)
	}
	if resp.Usage.InputTokens != 10 || resp.Usage.OutputTokens != 4 {
		t.Errorf("usage = %+v", resp.Usage)
	}
	var complete int
	for _, ev := range events {
		if ev.Type == models.EventToolCall {
			complete++
		}
	}
	if complete != 2 || events[len(events)-1].Type != models.EventDone || events[len(events)-2].Type != models.EventUsage {
		t.Errorf("events = %+v", events)
	}
}
