package anthropic

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/models/wire"
)

func TestURLAndAuth(t *testing.T) {
	tests := []struct {
		ep         models.Endpoint
		url, key   string
		authHeader string
	}{
		{models.Endpoint{BaseURL: "https://api.anthropic.com", APIKey: "k"}, "https://api.anthropic.com/v1/messages", "k", ""},
		{models.Endpoint{BaseURL: "https://api.minimax.io/anthropic/", APIKey: "k"}, "https://api.minimax.io/anthropic/v1/messages", "k", ""},
		{models.Endpoint{BaseURL: "http://proxy/v1", APIKey: "k", Bearer: true}, "http://proxy/v1/messages", "", "Bearer k"},
	}
	for _, tt := range tests {
		c := New(tt.ep)
		if got := c.url(); got != tt.url {
			t.Errorf("url = %s, want %s", got, tt.url)
		}
		h := c.header()
		if h.Get("x-api-key") != tt.key || h.Get("Authorization") != tt.authHeader || h.Get("anthropic-version") != Version {
			t.Errorf("headers = %v", h)
		}
	}
}

func TestBody(t *testing.T) {
	req := models.Request{Model: "claude", System: "sys", ToolChoice: "required",
		Tools: []models.ToolSpec{{Name: "f"}},
		Messages: []models.Message{
			models.SystemMessage("more rules"),
			models.UserMessage("q"),
			{Role: models.RoleAssistant, Content: []models.Part{
				{Type: models.PartThinking, Text: "signed", Signature: "s1"},
				{Type: models.PartThinking, Text: "unsigned"},
				models.TextPart("calling"),
			}, ToolCalls: []models.ToolCall{
				{ID: "call:1/x", Name: "f", Arguments: `{"a":1}`},
				{ID: "c2", Name: "f", Arguments: `not json`},
			}},
			models.ToolResultMessage("call:1/x", "r1", false),
			models.ToolResultMessage("c2", "r2", true),
			models.UserMessage("and?"),
		}}
	body, err := New(models.Endpoint{}).body(req, false)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		System    string          `json:"system"`
		MaxTokens int             `json:"max_tokens"`
		Messages  []message       `json:"messages"`
		Choice    json.RawMessage `json:"tool_choice"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if got.System != "sys\n\nmore rules" || got.MaxTokens != DefaultMaxTokens || string(got.Choice) != `{"type":"any"}` {
		t.Errorf("system %q, max_tokens %d, tool_choice %s", got.System, got.MaxTokens, got.Choice)
	}
	if len(got.Messages) != 3 {
		t.Fatalf("messages = %+v; tool results and the next user text must share one user turn", got.Messages)
	}
	asst := got.Messages[1].Content
	if asst[0].Type != "thinking" || asst[0].Signature != "s1" || asst[1].Type != "text" || len(asst) != 4 {
		t.Errorf("assistant blocks = %+v (unsigned thinking must be dropped)", asst)
	}
	if asst[2].ID != "call_1_x" || string(asst[3].Input) != `{"_invalid_arguments":"not json"}` {
		t.Errorf("tool_use = %+v / %s", asst[2], asst[3].Input)
	}
	user := got.Messages[2].Content
	if len(user) != 3 || user[0].ToolUseID != "call_1_x" || !user[1].IsError || user[2].Text != "and?" {
		t.Errorf("user turn = %+v", user)
	}
}

func TestImageBlocks(t *testing.T) {
	tests := []struct {
		img  models.Image
		want imageSource
	}{
		{models.Image{URL: "https://x/cat.png"}, imageSource{Type: "url", URL: "https://x/cat.png"}},
		{models.Image{URL: "data:image/jpeg;base64,QUJD"}, imageSource{Type: "base64", MediaType: "image/jpeg", Data: "QUJD"}},
		{models.Image{MediaType: "image/png", Data: []byte("ABC")}, imageSource{Type: "base64", MediaType: "image/png", Data: "QUJD"}},
	}
	for _, tt := range tests {
		if got := imageBlock(tt.img); *got.Source != tt.want {
			t.Errorf("imageBlock(%+v) = %+v, want %+v", tt.img, *got.Source, tt.want)
		}
	}
}

func TestStreamEvents(t *testing.T) {
	tests := []struct {
		name, stream string
		wantErr      string
		reason       models.Reason
	}{
		{"overloaded mid-stream", "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":3}}}\n\nevent: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n", "Overloaded", models.ReasonOverloaded},
		{"no message_stop", "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{}}\n\n", "message_stop", models.ReasonMalformed},
		{"block start without block", "data: {\"type\":\"content_block_start\",\"index\":0}\n\n", "content_block_start", models.ReasonMalformed},
	}
	for _, tt := range tests {
		err := New(models.Endpoint{Provider: "anthropic"}).readStream(strings.NewReader(tt.stream), wire.NewBuilder(nil), "m")
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) || models.ReasonOf(err) != tt.reason {
			t.Errorf("%s: err = %v, want %s mentioning %q", tt.name, err, tt.reason, tt.wantErr)
		}
	}

	// A tool_use block that carries its input whole, with no deltas.
	stream := `data: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t1","name":"f","input":{"a":1}}}

data: {"type":"content_block_stop","index":0}

data: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":7}}

data: {"type":"message_stop"}

`
	b := wire.NewBuilder(nil)
	if err := New(models.Endpoint{}).readStream(strings.NewReader(stream), b, "m"); err != nil {
		t.Fatal(err)
	}
	resp := b.Response()
	if len(resp.Message.ToolCalls) != 1 || resp.Message.ToolCalls[0].Arguments != `{"a":1}` || resp.Usage.OutputTokens != 7 || resp.FinishReason != models.FinishToolCalls {
		t.Errorf("resp = %+v", resp)
	}
}
