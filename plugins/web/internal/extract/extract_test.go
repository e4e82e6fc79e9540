package extract

import (
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestGolden(t *testing.T) {
	base, _ := url.Parse("https://journal.example/2026/03/process-groups")
	tests := []struct {
		golden      string
		mode        Mode
		readability bool
		extractor   string
	}{
		{"article.md", Markdown, true, "readability"},
		{"article.txt", Text, true, "readability"},
		{"article-full.md", Markdown, false, "html"},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "article.html"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			res, err := HTML(f, Options{Mode: tt.mode, Base: base, Readability: tt.readability})
			if err != nil {
				t.Fatal(err)
			}
			if res.Title != "Understanding Process Groups | The Systems Journal" {
				t.Errorf("title = %q", res.Title)
			}
			if res.Extractor != tt.extractor {
				t.Errorf("extractor = %q, want %q", res.Extractor, tt.extractor)
			}
			path := filepath.Join("testdata", tt.golden)
			if *update {
				if err := os.WriteFile(path, []byte(res.Text+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if res.Text+"\n" != string(want) {
				t.Errorf("output differs from %s (run with -update after checking):\n%s", path, res.Text)
			}
		})
	}
}

func TestChromeIsDropped(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "article.html"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := HTML(f, Options{Mode: Markdown, Readability: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, junk := range []string{"cookies", "Popular posts", "All rights reserved", "analytics", "font-family", "Share on Twitter", "3 comments", "tracking pixel", "Archive"} {
		if strings.Contains(res.Text, junk) {
			t.Errorf("extracted text contains %q", junk)
		}
	}
	for _, keep := range []string{"## Creating a group", "[signals guide](/docs/signals)", "**process group**", "```go", "> A process that calls setsid", "| SIGKILL | 9 | no |", "  1. send `SIGKILL`,"} {
		if !strings.Contains(res.Text, keep) {
			t.Errorf("extracted text lacks %q", keep)
		}
	}
}

func TestSmallPages(t *testing.T) {
	tests := []struct {
		name, html, want string
		mode             Mode
	}{
		{"plain paragraph", `<html><body><p>Hello <b>world</b>, this is a short page.</p></body></html>`, "Hello **world**, this is a short page.", Markdown},
		{"spaces around links", `<p>See the<a href="https://x.test/a"> docs </a>now.</p>`, "See the [docs](https://x.test/a) now.", Markdown},
		{"javascript link", `<p>Click <a href="javascript:alert(1)">here</a> please, it is harmless.</p>`, "Click here please, it is harmless.", Markdown},
		{"text mode", `<h2>Title</h2><p>Some <a href="/x">link</a> and <code>code</code>.</p>`, "Title\n\nSome link and code.", Text},
		{"br", `<p>line one<br>line two</p>`, "line one\nline two", Markdown},
		{"hidden", `<p>visible text here</p><p hidden>secret</p><p style="display: none">gone</p><div aria-hidden="true">x</div>`, "visible text here", Markdown},
		{"empty", `<html><body></body></html>`, "", Markdown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := HTML(strings.NewReader(tt.html), Options{Mode: tt.mode, Readability: false})
			if err != nil {
				t.Fatal(err)
			}
			if res.Text != tt.want {
				t.Errorf("got %q, want %q", res.Text, tt.want)
			}
		})
	}
}
