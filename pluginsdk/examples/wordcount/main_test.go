package main

import (
	"encoding/json"
	"testing"

	"github.com/openclaw-go/openclaw/pluginsdk"
	"github.com/openclaw-go/openclaw/pluginsdk/plugintest"
)

func TestWordCount(t *testing.T) {
	h := plugintest.New(t, pluginsdk.Plugin{Manifest: manifest, Tools: wordCount{}})
	tools, err := h.Tools(t.Context())
	if err != nil || len(tools) != 1 || tools[0].Name != "word_count" {
		t.Fatalf("Tools() = %v, %v", tools, err)
	}
	tests := []struct{ text, want string }{
		{"", "0 words, 0 lines"},
		{"one two three", "3 words, 1 lines"},
		{"a b\nc\n", "3 words, 3 lines"},
	}
	for _, tt := range tests {
		args, _ := json.Marshal(map[string]string{"text": tt.text})
		res, progress, err := h.Invoke(t.Context(), pluginsdk.ToolCall{Tool: "word_count", Arguments: args})
		if err != nil {
			t.Fatalf("Invoke(%q): %v", tt.text, err)
		}
		if res.Content != tt.want || res.IsError {
			t.Errorf("Invoke(%q) = %+v, want %q", tt.text, res, tt.want)
		}
		if len(progress) != 1 {
			t.Errorf("Invoke(%q) progress = %v, want one report", tt.text, progress)
		}
	}
	res, _, err := h.Invoke(t.Context(), pluginsdk.ToolCall{Tool: "word_count", Arguments: json.RawMessage(`{`)})
	if err != nil || !res.IsError {
		t.Errorf("bad arguments: got %+v, %v; want an error result", res, err)
	}
}
