package openai

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/models/wire"
)

func TestMaxTokensField(t *testing.T) {
	req := models.Request{Model: "m", MaxTokens: 100, Messages: []models.Message{models.UserMessage("hi")}}
	tests := []struct{ base, field string }{
		{"https://api.openai.com/v1", "max_completion_tokens"},
		{"http://localhost:11434/v1", "max_tokens"},
	}
	for _, tt := range tests {
		body, err := NewCompletions(models.Endpoint{BaseURL: tt.base}).body(req, false)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		if m[tt.field] != 100.0 || len(m) != 3 {
			t.Errorf("%s: body = %s, want only %s set", tt.base, body, tt.field)
		}
	}
}

func TestCompletionsMessages(t *testing.T) {
	req := models.Request{Model: "m", System: "sys", ToolChoice: "lookup",
		Tools: []models.ToolSpec{{Name: "lookup"}},
		Messages: []models.Message{
			models.UserMessage("q"),
			{Role: models.RoleAssistant, Content: []models.Part{{Type: models.PartThinking, Text: "private"}},
				ToolCalls: []models.ToolCall{{ID: "c1", Name: "lookup", Arguments: `{"q":1}`}}},
			models.ToolResultMessage("c1", "r", true),
		}}
	body, err := NewCompletions(models.Endpoint{BaseURL: "http://h/v1"}).body(req, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"messages":[{"role":"system","content":"sys"},{"role":"user","content":"q"},` +
			`{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"lookup","arguments":"{\"q\":1}"}}]},` +
			`{"role":"tool","content":"r","tool_call_id":"c1"}]`,
		`"parameters":{"type":"object","properties":{}}`,
		`"tool_choice":{"function":{"name":"lookup"},"type":"function"}`,
		`"stream_options":{"include_usage":true}`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("body %s\nlacks %s", body, want)
		}
	}
	if strings.Contains(string(body), "private") {
		t.Error("reasoning must not be replayed to chat completions")
	}
	if _, err := NewCompletions(models.Endpoint{}).body(models.Request{Messages: []models.Message{{Role: "robot"}}}, false); err == nil ||
		!strings.Contains(err.Error(), "messages[0]") {
		t.Errorf("unknown role: %v", err)
	}
}

// Servers differ in how they stream tool calls; all must assemble the same.
func TestCompletionsToolCallDialects(t *testing.T) {
	streams := map[string]string{
		"indexed deltas": `{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"a","function":{"name":"f","arguments":""}}]}}]}
{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"x\":"}}]}}]}
{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]}}]}
{"choices":[{"delta":{"tool_calls":[{"index":1,"id":"b","function":{"name":"g","arguments":"{}"}}]},"finish_reason":"tool_calls"}]}`,
		"whole calls without index": `{"choices":[{"delta":{"tool_calls":[{"id":"a","function":{"name":"f","arguments":"{\"x\":1}"}}]}}]}
{"choices":[{"delta":{"tool_calls":[{"id":"b","function":{"name":"g","arguments":"{}"}}]}}]}
{"choices":[{"delta":{},"finish_reason":"stop"}]}`,
	}
	for name, lines := range streams {
		var sse bytes.Buffer
		for _, l := range strings.Split(lines, "\n") {
			sse.WriteString("data: " + l + "\n\n")
		}
		b := wire.NewBuilder(nil)
		if err := NewCompletions(models.Endpoint{}).readStream(&sse, b, "m"); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		resp := b.Response()
		want := []models.ToolCall{{ID: "a", Name: "f", Arguments: `{"x":1}`}, {ID: "b", Name: "g", Arguments: "{}"}}
		if len(resp.Message.ToolCalls) != 2 || resp.Message.ToolCalls[0] != want[0] || resp.Message.ToolCalls[1] != want[1] {
			t.Errorf("%s: calls = %+v", name, resp.Message.ToolCalls)
		}
		if resp.FinishReason != models.FinishToolCalls {
			t.Errorf("%s: finish = %s", name, resp.FinishReason)
		}
	}
}

func TestCompletionsStreamEnd(t *testing.T) {
	tests := []struct {
		name, stream string
		wantErr      string
	}{
		{"finish without DONE", "data: {\"choices\":[{\"delta\":{\"content\":\"a\"},\"finish_reason\":\"stop\"}]}\n\n", ""},
		{"DONE without finish", "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: [DONE]\n\n", ""},
		{"cut off", "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n", "stream ended"},
		{"error event", "data: {\"error\":{\"message\":\"quota exceeded\",\"type\":\"insufficient_quota\"}}\n\n", "quota exceeded"},
		{"reasoning fields", "data: {\"choices\":[{\"delta\":{\"reasoning\":\"r1\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"reasoning_content\":\"r2\",\"content\":\"a\"},\"finish_reason\":\"length\"}]}\n\n", ""},
	}
	for _, tt := range tests {
		b := wire.NewBuilder(nil)
		err := NewCompletions(models.Endpoint{Provider: "p"}).readStream(strings.NewReader(tt.stream), b, "m")
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: err = %v, want %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	b := wire.NewBuilder(nil)
	_ = NewCompletions(models.Endpoint{}).readStream(strings.NewReader(tests[4].stream), b, "m")
	resp := b.Response()
	if resp.Message.Content[0].Text != "r1r2" || resp.FinishReason != models.FinishLength {
		t.Errorf("reasoning = %+v, finish %s", resp.Message.Content, resp.FinishReason)
	}
}

func TestResponsesBody(t *testing.T) {
	req := models.Request{Model: "m", System: "sys", MaxTokens: 50,
		Tools: []models.ToolSpec{{Name: "f", Parameters: json.RawMessage(`{"type":"object"}`)}},
		Messages: []models.Message{
			models.UserMessage("q"),
			models.AssistantMessage("calling", models.ToolCall{ID: "c1", Name: "f", Arguments: "{}"}),
			models.ToolResultMessage("c1", "done", false),
		}}
	body, err := NewResponses(models.Endpoint{}).body(req, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"instructions":"sys"`, `"store":false`, `"max_output_tokens":50`,
		`{"type":"message","role":"user","content":[{"type":"input_text","text":"q"}]}`,
		`{"type":"message","role":"assistant","content":[{"type":"output_text","text":"calling"}]}`,
		`{"type":"function_call","call_id":"c1","name":"f","arguments":"{}"}`,
		`{"type":"function_call_output","call_id":"c1","output":"done"}`,
		`{"type":"function","name":"f","parameters":{"type":"object"},"strict":false}`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("body %s\nlacks %s", body, want)
		}
	}
}

func TestResponsesFailedEvent(t *testing.T) {
	stream := "event: response.failed\ndata: {\"type\":\"response.failed\",\"response\":{\"status\":\"failed\",\"error\":{\"code\":\"rate_limit_exceeded\",\"message\":\"Rate limit reached\"}}}\n\n"
	err := NewResponses(models.Endpoint{Provider: "openai"}).readStream(strings.NewReader(stream), wire.NewBuilder(nil), "m")
	if models.ReasonOf(err) != models.ReasonRateLimit || !strings.Contains(err.Error(), "Rate limit reached") {
		t.Errorf("err = %v, want a rate limit", err)
	}
	stream = "event: error\ndata: {\"type\":\"error\",\"code\":\"server_error\",\"message\":\"oops\"}\n\n"
	err = NewResponses(models.Endpoint{Provider: "openai"}).readStream(strings.NewReader(stream), wire.NewBuilder(nil), "m")
	if models.ReasonOf(err) != models.ReasonServerError {
		t.Errorf("err = %v, want a server error", err)
	}
}
