package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/openclaw-go/openclaw/plugins/web/internal/netguard"
	"github.com/openclaw-go/openclaw/pluginsdk"
)

// webTools serves web_fetch and web_search.
type webTools struct {
	getenv   func(string) string
	now      func() time.Time
	resolver netguard.Resolver
	// progressAfter is how long a fetch runs before it says so.
	progressAfter time.Duration

	pages    *cache[page]
	searches *cache[searchOutput]
	config   atomic.Pointer[pluginConfig]
}

func newWebTools(getenv func(string) string, now func() time.Time, resolver netguard.Resolver) *webTools {
	t := &webTools{
		getenv: getenv, now: now, resolver: resolver, progressAfter: 5 * time.Second,
		pages: newCache[page](100, now), searches: newCache[searchOutput](200, now),
	}
	t.config.Store(&pluginConfig{})
	return t
}

// configure takes plugins.entries.web.config.
func (t *webTools) configure(_ context.Context, cfg pluginsdk.Config) error {
	pc, err := decodePluginConfig(cfg.JSON)
	if err != nil {
		return err
	}
	t.config.Store(&pc)
	return nil
}

const schemaFetch = `{"type":"object","properties":{
"url":{"type":"string","description":"HTTP or HTTPS URL to fetch."},
"extractMode":{"type":"string","enum":["markdown","text"],"description":"Output format of the extracted main content (default markdown)."},
"maxChars":{"type":"number","minimum":100,"description":"Truncate the output to this many characters (capped by tools.web.fetch.maxCharsCap)."}},
"required":["url"]}`

const schemaSearch = `{"type":"object","properties":{
"query":{"type":"string","description":"Search query."},
"count":{"type":"number","minimum":1,"maximum":10,"description":"Number of results (1-10, default 5)."},
"country":{"type":"string","description":"2-letter country code, e.g. US or DE."},
"language":{"type":"string","description":"ISO 639-1 language code for results, e.g. en."},
"search_lang":{"type":"string","description":"Brave search-language code, e.g. en-gb."},
"ui_lang":{"type":"string","description":"UI language with region, e.g. en-US."},
"freshness":{"type":"string","enum":["day","week","month","year"],"description":"Only results from the last day, week, month or year."},
"date_after":{"type":"string","description":"Only results published after this date (YYYY-MM-DD)."},
"date_before":{"type":"string","description":"Only results published before this date (YYYY-MM-DD); needs date_after."}},
"required":["query"]}`

func (t *webTools) Tools(context.Context) ([]pluginsdk.ToolSpec, error) {
	g := []string{"group:web", "group:openclaw"}
	return []pluginsdk.ToolSpec{
		{Name: "web_search", Groups: g, Parameters: json.RawMessage(schemaSearch),
			Description: "Search the web with the configured provider (Brave). Returns titles, URLs and snippets; fetch a result with web_fetch to read it."},
		{Name: "web_fetch", Groups: g, Parameters: json.RawMessage(schemaFetch),
			Description: "Fetch a URL with a plain HTTP GET (no JavaScript) and return its readable main content as Markdown or text. Private and local addresses are refused."},
	}, nil
}

func (t *webTools) Invoke(ctx context.Context, call pluginsdk.ToolCall, progress func(pluginsdk.ToolProgress)) (pluginsdk.ToolResult, error) {
	switch call.Tool {
	case "web_fetch":
		return t.fetch(ctx, call, progress), nil
	case "web_search":
		return t.search(ctx, call), nil
	}
	return failf("unknown tool %q (this plugin provides web_fetch and web_search)", call.Tool), nil
}

func failf(format string, args ...any) pluginsdk.ToolResult {
	return pluginsdk.ToolResult{Content: fmt.Sprintf(format, args...), IsError: true}
}

// jsonResult answers with v as JSON, for the model and in details.
func jsonResult(v any, isError bool) pluginsdk.ToolResult {
	b, err := json.Marshal(v)
	if err != nil {
		return failf("encode result: %v", err)
	}
	return pluginsdk.ToolResult{Content: string(b), Details: b, IsError: isError}
}

// externalContent marks text that came from the web, not from the user.
type externalContent struct {
	Untrusted bool   `json:"untrusted"`
	Source    string `json:"source"`
	Wrapped   bool   `json:"wrapped"`
	Provider  string `json:"provider,omitempty"`
}

const (
	markerBegin = "<<<EXTERNAL_UNTRUSTED_CONTENT"
	markerEnd   = "<<<END_EXTERNAL_UNTRUSTED_CONTENT"
)

// wrapper delimits untrusted text with markers carrying a random id, so a
// page cannot close the block early and speak as the tool; marker text
// already in the page is defused.
type wrapper struct {
	begin, end string
}

func newWrapper(source string) wrapper {
	var b [6]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	return wrapper{
		begin: fmt.Sprintf("%s id=%q>>>\nSource: %s\n---\n", markerBegin, id, source),
		end:   fmt.Sprintf("\n%s id=%q>>>", markerEnd, id),
	}
}

func (w wrapper) overhead() int {
	return utf8.RuneCountInString(w.begin) + utf8.RuneCountInString(w.end)
}

func (w wrapper) wrap(s string) string {
	s = strings.ReplaceAll(s, markerEnd, "[end marker removed]")
	s = strings.ReplaceAll(s, markerBegin, "[begin marker removed]")
	return w.begin + s + w.end
}

// truncateChars cuts s to at most n characters.
func truncateChars(s string, n int) (string, bool) {
	if n < 0 {
		n = 0
	}
	if utf8.RuneCountInString(s) <= n {
		return s, false
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos], true
		}
		i++
	}
	return s, false
}

// lateProgress reports once if a call is still running after d; stop
// makes sure it never fires after the call has answered.
func lateProgress(d time.Duration, progress func(pluginsdk.ToolProgress), msg string) (stop func()) {
	var mu sync.Mutex
	done := false
	timer := time.AfterFunc(d, func() {
		mu.Lock()
		defer mu.Unlock()
		if !done {
			progress(pluginsdk.ToolProgress{Message: msg})
		}
	})
	return func() {
		timer.Stop()
		mu.Lock()
		done = true
		mu.Unlock()
	}
}
