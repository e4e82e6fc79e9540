package main

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// markdownToHTML renders the Markdown agents write as Telegram HTML: the
// subset Telegram can show (bold, italic, strikethrough, spoiler, inline
// code, code blocks with a language, links, quotes), with headings shown
// bold and list bullets kept as text. Everything else is escaped and shown
// as written, so the output always parses.
func markdownToHTML(md string) string {
	lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
	out := make([]string, 0, len(lines))
	for i := 0; i < len(lines); {
		line := lines[i]
		if marker, lang, ok := openFence(line); ok {
			j := i + 1
			for j < len(lines) && !closesFence(lines[j], marker) {
				j++
			}
			body := escapeHTML(strings.Join(lines[i+1:min(j, len(lines))], "\n"))
			if lang != "" {
				out = append(out, `<pre><code class="language-`+escapeAttr(lang)+`">`+body+"</code></pre>")
			} else {
				out = append(out, "<pre>"+body+"</pre>")
			}
			i = j + 1
			continue
		}
		if isQuote(line) {
			var quoted []string
			for i < len(lines) && isQuote(lines[i]) {
				q := strings.TrimPrefix(strings.TrimLeft(lines[i], " "), ">")
				quoted = append(quoted, strings.TrimPrefix(q, " "))
				i++
			}
			out = append(out, "<blockquote>"+markdownToHTML(strings.Join(quoted, "\n"))+"</blockquote>")
			continue
		}
		out = append(out, renderLine(line))
		i++
	}
	return strings.Join(out, "\n")
}

var (
	headingLine = regexp.MustCompile(`^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$`)
	bulletLine  = regexp.MustCompile(`^(\s*)[-*+]\s+(.*)$`)
	ruleLine    = regexp.MustCompile(`^ {0,3}([-*_])(\s*([-*_])){2,}\s*$`)
)

func renderLine(line string) string {
	if m := headingLine.FindStringSubmatch(line); m != nil {
		return "<b>" + renderInline(m[1]) + "</b>"
	}
	if ruleLine.MatchString(line) {
		return "———"
	}
	if m := bulletLine.FindStringSubmatch(line); m != nil {
		return m[1] + "• " + renderInline(m[2])
	}
	return renderInline(line)
}

func isQuote(line string) bool { return strings.HasPrefix(strings.TrimLeft(line, " "), ">") }

// openFence recognises ``` or ~~~ (three or more) with an optional language.
func openFence(line string) (marker, lang string, ok bool) {
	t := strings.TrimLeft(line, " ")
	if len(line)-len(t) > 3 || len(t) < 3 || (t[0] != '`' && t[0] != '~') {
		return "", "", false
	}
	n := 0
	for n < len(t) && t[n] == t[0] {
		n++
	}
	if n < 3 {
		return "", "", false
	}
	info := strings.TrimSpace(t[n:])
	if t[0] == '`' && strings.Contains(info, "`") {
		return "", "", false
	}
	lang, _, _ = strings.Cut(info, " ")
	return t[:n], lang, true
}

func closesFence(line, marker string) bool {
	t := strings.TrimSpace(line)
	return strings.HasPrefix(t, marker) && strings.Trim(t, marker[:1]) == ""
}

// emphasis are the inline markers, longest first.
var emphasis = []struct{ marker, tag string }{
	{"**", "b"}, {"__", "b"}, {"~~", "s"}, {"||", "tg-spoiler"}, {"*", "i"}, {"_", "i"},
}

func renderInline(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && strings.IndexByte(`\`+"`"+`*_{}[]()#+-.!|~>`, s[i+1]) >= 0:
			b.WriteString(escapeHTML(s[i+1 : i+2]))
			i += 2
			continue
		case c == '`':
			if html, next, ok := codeSpan(s, i); ok {
				b.WriteString(html)
				i = next
				continue
			}
		case c == '[':
			if html, next, ok := link(s, i); ok {
				b.WriteString(html)
				i = next
				continue
			}
		case c == '*' || c == '_' || c == '~' || c == '|':
			if html, next, ok := emphasised(s, i); ok {
				b.WriteString(html)
				i = next
				continue
			}
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		b.WriteString(escapeHTML(s[i : i+size]))
		i += size
	}
	return b.String()
}

// codeSpan renders `code` (any number of backticks) starting at s[i].
func codeSpan(s string, i int) (string, int, bool) {
	n := 0
	for i+n < len(s) && s[i+n] == '`' {
		n++
	}
	fence := s[i : i+n]
	for j := i + n; j < len(s); {
		k := strings.Index(s[j:], fence)
		if k < 0 {
			break
		}
		k += j
		end := k + n
		if end < len(s) && s[end] == '`' { // a longer run does not close
			for end < len(s) && s[end] == '`' {
				end++
			}
			j = end
			continue
		}
		code := s[i+n : k]
		if len(code) >= 2 && code[0] == ' ' && code[len(code)-1] == ' ' && strings.TrimSpace(code) != "" {
			code = code[1 : len(code)-1]
		}
		if code == "" {
			return "", 0, false
		}
		return "<code>" + escapeHTML(code) + "</code>", end, true
	}
	return "", 0, false
}

// link renders [text](url) starting at s[i]; only web, mail and tg links
// become links, so a model cannot smuggle other schemes into an href.
func link(s string, i int) (string, int, bool) {
	depth, j := 0, i
	for ; j < len(s); j++ {
		if s[j] == '\\' {
			j++
			continue
		}
		if s[j] == '[' {
			depth++
		} else if s[j] == ']' {
			depth--
			if depth == 0 {
				break
			}
		}
	}
	if j >= len(s)-1 || s[j+1] != '(' {
		return "", 0, false
	}
	text := s[i+1 : j]
	depth = 0
	k := j + 1
	for ; k < len(s); k++ {
		if s[k] == '(' {
			depth++
		} else if s[k] == ')' {
			depth--
			if depth == 0 {
				break
			}
		}
	}
	if k >= len(s) || text == "" {
		return "", 0, false
	}
	dest := strings.TrimSpace(s[j+2 : k])
	if sp := strings.IndexAny(dest, " \t"); sp >= 0 { // drop a "title"
		dest = dest[:sp]
	}
	dest = strings.TrimSuffix(strings.TrimPrefix(dest, "<"), ">")
	lower := strings.ToLower(dest)
	if !(strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://") ||
		strings.HasPrefix(lower, "tg://") || strings.HasPrefix(lower, "mailto:")) {
		return "", 0, false
	}
	return `<a href="` + escapeAttr(dest) + `">` + renderInline(text) + "</a>", k + 1, true
}

// emphasised renders **bold**, __bold__, *italic*, _italic_, ~~strike~~
// and ||spoiler|| starting at s[i]. Markers must hug their text, and
// underscores must sit at word edges, so snake_case and 2 * 3 stay text.
func emphasised(s string, i int) (string, int, bool) {
	for _, e := range emphasis {
		m := e.marker
		if !strings.HasPrefix(s[i:], m) {
			continue
		}
		start := i + len(m)
		if start >= len(s) || isSpace(s[start]) || (m[0] == '_' && i > 0 && isWord(s[i-1])) {
			return "", 0, false
		}
		for j := start + 1; j <= len(s)-len(m); j++ {
			if !strings.HasPrefix(s[j:], m) || isSpace(s[j-1]) {
				continue
			}
			end := j + len(m)
			if len(m) == 1 && end < len(s) && s[end] == m[0] {
				j++ // part of a double marker
				continue
			}
			if m[0] == '_' && end < len(s) && isWord(s[end]) {
				continue
			}
			return "<" + e.tag + ">" + renderInline(s[start:j]) + "</" + e.tag + ">", end, true
		}
		return "", 0, false
	}
	return "", 0, false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' }

func isWord(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

var (
	htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
)

func escapeHTML(s string) string { return htmlEscaper.Replace(s) }
func escapeAttr(s string) string { return attrEscaper.Replace(s) }
