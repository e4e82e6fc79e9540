package main

import (
	"strings"
	"testing"
	"unicode/utf8"

	tgfake "github.com/openclaw-go/openclaw/e2e/fakes/telegram"
)

func TestMarkdownToHTML(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"a < b && c > d", "a &lt; b &amp;&amp; c &gt; d"},
		{"**bold** and __also__", "<b>bold</b> and <b>also</b>"},
		{"*it* and _it_", "<i>it</i> and <i>it</i>"},
		{"~~gone~~ ||secret||", "<s>gone</s> <tg-spoiler>secret</tg-spoiler>"},
		{"snake_case_name and 2 * 3 * 4", "snake_case_name and 2 * 3 * 4"},
		{"**unclosed", "**unclosed"},
		{"`a <b>` and ``x ` y``", "<code>a &lt;b&gt;</code> and <code>x ` y</code>"},
		{"**bold `code` inside**", "<b>bold <code>code</code> inside</b>"},
		{"[docs](https://example.com/a?b=1&c=\"2\")", `<a href="https://example.com/a?b=1&amp;c=&quot;2&quot;">docs</a>`},
		{"[x](javascript:alert(1))", "[x](javascript:alert(1))"},
		{"[**bold link**](https://x.test)", `<a href="https://x.test"><b>bold link</b></a>`},
		{`\*not italic\*`, "*not italic*"},
		{"# Title\n## Sub", "<b>Title</b>\n<b>Sub</b>"},
		{"- one\n* two\n  + nested", "• one\n• two\n  • nested"},
		{"> quoted **text**\n> more\nafter", "<blockquote>quoted <b>text</b>\nmore</blockquote>\nafter"},
		{"```go\nif a < b {\n}\n```\nafter", "<pre><code class=\"language-go\">if a &lt; b {\n}</code></pre>\nafter"},
		{"```\n**not bold**\n```", "<pre>**not bold**</pre>"},
		{"```\nunclosed fence", "<pre>unclosed fence</pre>"},
		{"---", "———"},
		{"émoji 🙂 _ok_", "émoji 🙂 <i>ok</i>"},
	}
	for _, tt := range tests {
		if got := markdownToHTML(tt.in); got != tt.want {
			t.Errorf("markdownToHTML(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

// FuzzMarkdownToHTML checks that whatever the model writes, the HTML the
// plugin sends is accepted by Telegram's parser (as the fake implements it)
// and never grows the visible text.
func FuzzMarkdownToHTML(f *testing.F) {
	for _, s := range []string{"**a** _b_ `c`", "[l](https://x.test)", "```go\nx\n```", "> q\n- l", "a & <b>", "||s|| ~~t~~", "***x***"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, md string) {
		if !utf8.ValidString(md) {
			return
		}
		html := markdownToHTML(md)
		plain, err := tgfake.ParseHTML(html)
		if err != nil {
			t.Fatalf("markdownToHTML(%q) = %q, rejected by Telegram: %v", md, html, err)
		}
		if len([]rune(plain)) > len([]rune(strings.ReplaceAll(md, "\r\n", "\n"))) {
			t.Fatalf("visible text grew: %q -> %q", md, plain)
		}
	})
}

func TestMarkdownOutputAlwaysParses(t *testing.T) {
	inputs := []string{
		"**a *b* c**", "_a **b** c_", "**a", "a**", "`", "``", "[a](", "[a](https://x.test", "<script>", "&amp;",
		"> > nested", "* * *", "```\n```", "~~~\nx\n~~~", "|| a ||", "__init__.py", "1 < 2 > 0 & 3",
	}
	for _, md := range inputs {
		html := markdownToHTML(md)
		if _, err := tgfake.ParseHTML(html); err != nil {
			t.Errorf("markdownToHTML(%q) = %q: Telegram would reject it: %v", md, html, err)
		}
	}
}
