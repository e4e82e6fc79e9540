// Command openclaw-plugin-wordcount is a complete, minimal tool plugin: the
// place to start when writing one.
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

//go:embed openclaw.plugin.json
var manifest []byte

func main() {
	pluginsdk.Serve(pluginsdk.Plugin{Manifest: manifest, Tools: wordCount{}})
}

type wordCount struct{}

func (wordCount) Tools(context.Context) ([]pluginsdk.ToolSpec, error) {
	return []pluginsdk.ToolSpec{{
		Name:        "word_count",
		Description: "Count the words and lines of a text.",
		Parameters:  json.RawMessage(`{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]}`),
	}}, nil
}

func (wordCount) Invoke(_ context.Context, call pluginsdk.ToolCall, progress func(pluginsdk.ToolProgress)) (pluginsdk.ToolResult, error) {
	if call.Tool != "word_count" {
		return pluginsdk.ToolResult{Content: "unknown tool " + call.Tool, IsError: true}, nil
	}
	var args struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal(call.Arguments, &args); err != nil {
		return pluginsdk.ToolResult{Content: "arguments: " + err.Error(), IsError: true}, nil
	}
	progress(pluginsdk.ToolProgress{Message: "counting"})
	lines := 0
	if args.Text != "" {
		lines = strings.Count(args.Text, "\n") + 1
	}
	return pluginsdk.ToolResult{Content: fmt.Sprintf("%d words, %d lines", len(strings.Fields(args.Text)), lines)}, nil
}
