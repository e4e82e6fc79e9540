package chunking

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name string
		text string
		opts Options
		want []string
	}{
		{"blank", "  \n ", Options{Limit: 10}, nil},
		{"fits", "hello", Options{Limit: 10}, []string{"hello"}},
		{"word boundary", "aaaa bbbb cccc", Options{Limit: 10}, []string{"aaaa bbbb", "cccc"}},
		{"paragraph first", "one two.\n\nthree four five", Options{Limit: 20}, []string{"one two.", "three four five"}},
		{"newline mode", "a\n\nb\n\nc", Options{Limit: 100, Mode: ModeNewline}, []string{"a", "b", "c"}},
		{"max lines", "1\n2\n3\n4\n5", Options{Limit: 100, MaxLines: 2}, []string{"1\n2", "3\n4", "5"}},
		{"hard break", "abcdefghijklmnop", Options{Limit: 8}, []string{"abcdefgh", "ijklmnop"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Split(tt.text, tt.opts)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("Split(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestSplitRespectsLimitAndKeepsText(t *testing.T) {
	var b strings.Builder
	for i := range 300 {
		b.WriteString("Sentence number ")
		b.WriteString(strings.Repeat("x", i%13))
		b.WriteString(". ")
		if i%7 == 0 {
			b.WriteString("\n\n")
		}
	}
	text := b.String()
	for _, limit := range []int{50, 200, 2000, 4096} {
		chunks := Split(text, Options{Limit: limit})
		for _, c := range chunks {
			if n := utf8.RuneCountInString(c); n > limit {
				t.Fatalf("limit %d: chunk of %d runes", limit, n)
			}
		}
		if got, want := strings.Join(strings.Fields(strings.Join(chunks, " ")), " "), strings.Join(strings.Fields(text), " "); got != want {
			t.Fatalf("limit %d: text changed by splitting", limit)
		}
	}
}

func TestSplitCodeFenceReopened(t *testing.T) {
	code := "```go\n" + strings.Repeat("fmt.Println(1)\n", 20) + "```"
	chunks := Split("Here:\n\n"+code, Options{Limit: 120})
	if len(chunks) < 2 {
		t.Fatalf("chunks = %d", len(chunks))
	}
	for i, c := range chunks {
		if strings.Count(c, "```")%2 != 0 {
			t.Errorf("chunk %d has an unbalanced fence:\n%s", i, c)
		}
		if utf8.RuneCountInString(c) > 120 {
			t.Errorf("chunk %d too long", i)
		}
	}
	if !strings.HasPrefix(chunks[2], "```go") {
		t.Errorf("continued chunk does not reopen the fence with its language: %q", chunks[2][:10])
	}
}

func TestSplitMultibyte(t *testing.T) {
	text := strings.Repeat("日本語のテキスト", 100)
	for _, c := range Split(text, Options{Limit: 50}) {
		if !utf8.ValidString(c) || utf8.RuneCountInString(c) > 50 {
			t.Fatalf("bad chunk %q", c)
		}
	}
}

func FuzzSplit(f *testing.F) {
	f.Add("hello world\n\n```\ncode\n```", 10, 2)
	f.Fuzz(func(t *testing.T, text string, limit, lines int) {
		if limit < 8 || limit > 5000 || lines < 0 || lines > 100 || !utf8.ValidString(text) {
			return
		}
		for _, c := range Split(text, Options{Limit: limit, MaxLines: lines}) {
			if utf8.RuneCountInString(c) > limit {
				t.Fatalf("chunk over limit: %d > %d", utf8.RuneCountInString(c), limit)
			}
		}
	})
}
