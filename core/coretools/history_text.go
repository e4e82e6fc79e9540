package coretools

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/openclaw-go/openclaw/core/sessions"
)

// messageText renders a message for a model to read: text blocks, tool
// calls as one-line markers, image blocks as a note (their data is never
// returned), reasoning left out.
func messageText(m sessions.Message, withTools bool) string {
	var parts []string
	for _, c := range m.Content {
		switch c.Type {
		case sessions.BlockText:
			parts = append(parts, c.Text)
		case sessions.BlockImage:
			parts = append(parts, "[image "+c.MimeType+" omitted]")
		case sessions.BlockToolCall:
			if withTools {
				parts = append(parts, "[tool call "+c.Name+" "+string(c.Arguments)+"]")
			}
		}
	}
	return strings.Join(parts, "\n")
}

// secretPatterns find credential-looking text: provider API keys, bot
// tokens, bearer tokens and key=value pairs naming a secret.
var secretPatterns = []*regexp.Regexp{
	regexp.MustCompile(`\b(sk|rk|pk)-[A-Za-z0-9_-]{16,}`),
	regexp.MustCompile(`\bxox[abposr]-[A-Za-z0-9-]{10,}`),
	regexp.MustCompile(`\bgh[pousr]_[A-Za-z0-9]{20,}`),
	regexp.MustCompile(`\bgithub_pat_[A-Za-z0-9_]{20,}`),
	regexp.MustCompile(`\bAKIA[0-9A-Z]{16}\b`),
	regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{30,}`),
	regexp.MustCompile(`\b\d{6,12}:[A-Za-z0-9_-]{30,}`),
	regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9._~+/-]{16,}=*`),
	regexp.MustCompile(`(?i)\b([A-Za-z0-9_]*(?:api[_-]?key|token|secret|password|passwd))(\s*[:=]\s*)["']?[^\s"']{6,}`),
}

const redactedMark = "[redacted]"

// redact hides credential-looking text, even where log redaction is off.
func redact(s string) string {
	for i, re := range secretPatterns {
		if i == len(secretPatterns)-1 {
			s = re.ReplaceAllString(s, "${1}${2}"+redactedMark)
			continue
		}
		s = re.ReplaceAllString(s, redactedMark)
	}
	return s
}

// clip cuts s to at most n bytes on a rune boundary and marks the cut.
func clip(s string, n int) (out string, truncated bool, removed int) {
	if len(s) <= n {
		return s, false, 0
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + " …[truncated]", true, len(s) - cut
}
