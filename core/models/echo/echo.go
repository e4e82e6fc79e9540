// Package echo is the built-in deterministic provider (model ref "echo/echo").
// It answers "echo: " followed by the last user message's text, streamed in a
// few pieces, with usage counted in words. It makes no network calls and is
// chosen only when a config names it, for tests and smoke runs.
package echo

import (
	"context"
	"strings"

	"github.com/openclaw-go/openclaw/core/models"
)

// Prefix starts every reply.
const Prefix = "echo: "

// Provider is the echo provider.
type Provider struct{}

// New returns the echo provider.
func New() Provider { return Provider{} }

// Stream implements models.Provider.
func (Provider) Stream(ctx context.Context, req models.Request, onEvent func(models.Event)) (*models.Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, &models.Error{Provider: "echo", Model: req.Model, Reason: models.ReasonAborted, Err: err}
	}
	reply := Prefix + lastUserText(req.Messages)
	if onEvent != nil {
		for _, piece := range pieces(reply, 3) {
			onEvent(models.Event{Type: models.EventText, Text: piece})
		}
	}
	usage := models.Usage{InputTokens: promptWords(req), OutputTokens: len(strings.Fields(reply))}
	if onEvent != nil {
		onEvent(models.Event{Type: models.EventUsage, Usage: &usage})
		onEvent(models.Event{Type: models.EventDone, FinishReason: models.FinishStop})
	}
	return &models.Response{
		Message:      models.AssistantMessage(reply),
		FinishReason: models.FinishStop,
		Usage:        usage,
	}, nil
}

func lastUserText(msgs []models.Message) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == models.RoleUser {
			return msgs[i].Text()
		}
	}
	return ""
}

func promptWords(req models.Request) int {
	n := len(strings.Fields(req.System))
	for _, m := range req.Messages {
		n += len(strings.Fields(m.Text()))
	}
	return n
}

// pieces splits s into at most n pieces on rune boundaries.
func pieces(s string, n int) []string {
	r := []rune(s)
	size := (len(r) + n - 1) / n
	if size == 0 {
		return []string{s}
	}
	var out []string
	for len(r) > 0 {
		k := min(size, len(r))
		out = append(out, string(r[:k]))
		r = r[k:]
	}
	return out
}
