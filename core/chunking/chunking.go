// Package chunking splits a reply into messages that fit a channel's limits,
// the way OpenClaw does: prefer paragraph, then line, then sentence, then word
// boundaries; never break inside a code fence unless forced, and then close
// and reopen the fence so every message is valid Markdown.
package chunking

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Mode is channels.<id>.streaming.chunkMode.
type Mode string

// Modes.
const (
	// ModeLength fills each message up to the limit.
	ModeLength Mode = "length"
	// ModeNewline sends each paragraph (blank-line separated) on its own,
	// falling back to length splitting for paragraphs over the limit.
	ModeNewline Mode = "newline"
)

// Options are a channel's limits.
type Options struct {
	// Limit is the maximum characters (runes) per message; 0 means no limit.
	Limit int
	// MaxLines is a soft cap on lines per message; 0 means none.
	MaxLines int
	Mode     Mode
}

// Split returns the messages to send for text, none for blank text.
func Split(text string, opts Options) []string {
	text = strings.TrimRight(text, " \t\r\n")
	if strings.TrimSpace(text) == "" {
		return nil
	}
	var pieces []string
	if opts.Mode == ModeNewline {
		for _, p := range splitParagraphs(text) {
			pieces = append(pieces, splitLength(p, opts)...)
		}
		return pieces
	}
	return splitLength(text, opts)
}

// splitParagraphs splits on blank lines outside code fences.
func splitParagraphs(text string) []string {
	var out []string
	var cur []string
	inFence := false
	for _, ln := range strings.Split(text, "\n") {
		if isFence(ln) {
			inFence = !inFence
		}
		if !inFence && strings.TrimSpace(ln) == "" {
			if len(cur) > 0 {
				out = append(out, strings.Join(cur, "\n"))
				cur = nil
			}
			continue
		}
		cur = append(cur, ln)
	}
	if len(cur) > 0 {
		out = append(out, strings.Join(cur, "\n"))
	}
	return out
}

func isFence(line string) bool {
	t := strings.TrimSpace(line)
	return strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~")
}

// fenceOpen returns the fence line a cut at the end of text leaves open.
func fenceOpen(text string) string {
	open := ""
	for _, ln := range strings.Split(text, "\n") {
		if isFence(ln) {
			if open == "" {
				open = strings.TrimSpace(ln)
			} else {
				open = ""
			}
		}
	}
	return open
}

func splitLength(text string, opts Options) []string {
	var out []string
	for text != "" {
		chunk, rest := cut(text, opts)
		if open := fenceOpen(chunk); open != "" && rest != "" && opts.Limit > 8 && utf8.RuneCountInString(chunk)+4 > opts.Limit {
			tighter := opts
			tighter.Limit -= 4
			chunk, rest = cut(text, tighter)
		}
		// Reopening must still shorten what is left, or a fence line as
		// long as the limit would loop forever; then a plain cut it is.
		if open := fenceOpen(chunk); open != "" && rest != "" && len(open)+1+len(rest) < len(text) {
			marker := open[:3]
			chunk = strings.TrimRight(chunk, "\n") + "\n" + marker
			rest = open + "\n" + rest
		}
		if strings.TrimSpace(chunk) != "" {
			out = append(out, strings.TrimRight(chunk, " \t\n"))
		}
		text = strings.TrimLeft(rest, "\n")
		if text != "" && strings.TrimSpace(text) == "" {
			break
		}
	}
	return out
}

// cut takes the longest acceptable first message from text.
func cut(text string, opts Options) (string, string) {
	limit := opts.Limit
	// Leave room to close a fence the cut may leave open.
	const fenceRoom = 4
	fits := limit <= 0 || utf8.RuneCountInString(text) <= limit
	if fits && (opts.MaxLines <= 0 || strings.Count(text, "\n")+1 <= opts.MaxLines) {
		return text, ""
	}
	window := text
	if limit > 0 && !fits {
		window = prefixRunes(text, limit)
		if fenceOpen(window) != "" || strings.Contains(window, "```") || strings.Contains(window, "~~~") {
			window = prefixRunes(text, max(limit-fenceRoom, 1))
		}
	}
	// A chunk that starts by reopening a fence must carry more than the
	// fence line, or splitting would never advance.
	floor := 0
	if first, _, ok := strings.Cut(text, "\n"); ok && isFence(first) {
		floor = len(first) + 1
	}
	if opts.MaxLines > 0 {
		if i := nthIndex(window, '\n', opts.MaxLines); i > floor {
			window = window[:i]
			return window, text[len(window):]
		}
	}
	if i := bestBreak(window, floor); i > floor {
		return text[:i], text[i:]
	}
	return window, text[len(window):]
}

// bestBreak finds the split point preferring paragraph, line, sentence and
// then word boundaries, outside code fences where possible, in the back
// half of window so messages stay reasonably full.
func bestBreak(window string, minimum int) int {
	floor := max(len(window)/2, minimum)
	candidates := []func(string) int{
		func(s string) int { return lastOutsideFence(s, "\n\n", 2) },
		func(s string) int { return lastOutsideFence(s, "\n", 1) },
		lastSentenceEnd,
		lastSpace,
	}
	for _, find := range candidates {
		if i := find(window); i >= floor && i > minimum {
			return i
		}
	}
	for _, find := range candidates {
		if i := find(window); i > minimum {
			return i
		}
	}
	return 0
}

// lastOutsideFence returns the index after the last sep not inside a code
// fence, or -1.
func lastOutsideFence(s, sep string, width int) int {
	best := -1
	inFence := false
	off := 0
	for _, ln := range strings.SplitAfter(s, "\n") {
		if isFence(ln) {
			inFence = !inFence
		}
		off += len(ln)
		if !inFence && strings.HasSuffix(s[:off], sep) && off < len(s) {
			best = off
		}
	}
	if best < 0 && width == 1 {
		// Inside a fence, a line break is still better than a word break.
		if i := strings.LastIndex(s, "\n"); i >= 0 {
			return i + 1
		}
	}
	return best
}

func lastSentenceEnd(s string) int {
	for i := len(s) - 2; i > 0; i-- {
		if (s[i] == '.' || s[i] == '!' || s[i] == '?') && s[i+1] == ' ' {
			return i + 2
		}
	}
	return -1
}

func lastSpace(s string) int {
	i := strings.LastIndexFunc(s, unicode.IsSpace)
	if i <= 0 {
		return -1
	}
	return i + 1
}

func prefixRunes(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

func nthIndex(s string, b byte, n int) int {
	count := 0
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			count++
			if count == n {
				return i
			}
		}
	}
	return -1
}
