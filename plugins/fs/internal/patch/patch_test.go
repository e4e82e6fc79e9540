package patch

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Hunk
	}{
		{
			name: "every operation",
			in: `*** Begin Patch
*** Add File: docs/new.txt
+line 1
+line 2
*** Update File: src/app.ts
@@ function main() {
-old line
+new line
*** Update File: src/old-name.ts
*** Move to: src/new-name.ts
@@
 context line
-old
+new
*** Update File: src/tail.ts
@@
+appended last line
*** End of File
*** Delete File: obsolete.txt
*** End Patch`,
			want: []Hunk{
				{Op: Add, Path: "docs/new.txt", Contents: "line 1\nline 2\n"},
				{Op: Update, Path: "src/app.ts", Chunks: []Chunk{{Context: "function main() {", Old: []string{"old line"}, New: []string{"new line"}}}},
				{Op: Update, Path: "src/old-name.ts", MoveTo: "src/new-name.ts", Chunks: []Chunk{{Old: []string{"context line", "old"}, New: []string{"context line", "new"}}}},
				{Op: Update, Path: "src/tail.ts", Chunks: []Chunk{{New: []string{"appended last line"}, EOF: true}}},
				{Op: Delete, Path: "obsolete.txt"},
			},
		},
		{
			name: "first chunk without @@, blank line as context, CRLF, heredoc",
			in:   "<<'EOF'\r\n*** Begin Patch\r\n*** Update File: a.txt\r\n a\r\n\r\n-b\r\n+B\r\n*** End Patch\r\nEOF\r\n",
			want: []Hunk{{Op: Update, Path: "a.txt", Chunks: []Chunk{{Old: []string{"a", "", "b"}, New: []string{"a", "", "B"}}}}},
		},
		{
			name: "two chunks in one file, blank lines between",
			in:   "*** Begin Patch\n*** Update File: a.txt\n@@ one\n-x\n+X\n\n@@ two\n-y\n+Y\n*** End Patch",
			want: []Hunk{{Op: Update, Path: "a.txt", Chunks: []Chunk{
				{Context: "one", Old: []string{"x", ""}, New: []string{"X", ""}},
				{Context: "two", Old: []string{"y"}, New: []string{"Y"}},
			}}},
		},
		{
			name: "empty add",
			in:   "*** Begin Patch\n*** Add File: empty.txt\n*** End Patch",
			want: []Hunk{{Op: Add, Path: "empty.txt"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse =\n%#v\nwant\n%#v", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"no begin", "*** Update File: a\n@@\n-a\n+b\n*** End Patch", `first line must be "*** Begin Patch"`},
		{"no end", "*** Begin Patch\n*** Delete File: a", `last line must be "*** End Patch"`},
		{"empty patch", "*** Begin Patch\n*** End Patch", "changes no files"},
		{"bad header", "*** Begin Patch\n*** Frobnicate File: a\n*** End Patch", `"*** Frobnicate File: a" is not a hunk header`},
		{"update with no chunks", "*** Begin Patch\n*** Update File: a\n*** End Patch", "changes nothing"},
		{"bad chunk line", "*** Begin Patch\n*** Update File: a\n@@\nxyz\n*** End Patch", `unexpected line "xyz"`},
		{"second chunk needs @@", "*** Begin Patch\n*** Update File: a\n-a\n+b\n*** Add File: b\n+x\n*** Update File: c\n@@\n-a\n+b\n*** End Patch", ""},
		{"eof with no lines", "*** Begin Patch\n*** Update File: a\n@@\n*** End of File\n*** End Patch", "no lines before"},
		{"add without path", "*** Begin Patch\n*** Add File: \n+x\n*** End Patch", "names no file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.in)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Parse: unexpected error %v", err)
				}
				return
			}
			var pe *Error
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestApplyChunks(t *testing.T) {
	tests := []struct {
		name, original, patch, want string
	}{
		{
			name:     "replace one line",
			original: "a\nb\nc\n",
			patch:    "@@\n a\n-b\n+B\n c",
			want:     "a\nB\nc\n",
		},
		{
			name:     "context line picks the second occurrence",
			original: "func one() {\n\treturn 1\n}\nfunc two() {\n\treturn 1\n}\n",
			patch:    "@@ func two() {\n-\treturn 1\n+\treturn 2",
			want:     "func one() {\n\treturn 1\n}\nfunc two() {\n\treturn 2\n}\n",
		},
		{
			name:     "two chunks",
			original: "1\n2\n3\n4\n5\n",
			patch:    "@@\n-2\n+two\n@@\n-4\n+four",
			want:     "1\ntwo\n3\nfour\n5\n",
		},
		{
			name:     "pure addition appends",
			original: "a\nb\n",
			patch:    "@@\n+c\n*** End of File",
			want:     "a\nb\nc\n",
		},
		{
			name:     "end of file anchors to the last occurrence",
			original: "x\ny\nx\n",
			patch:    "@@\n-x\n+z\n*** End of File",
			want:     "x\ny\nz\n",
		},
		{
			name:     "missing final newline is added",
			original: "a\nb",
			patch:    "@@\n-b\n+c",
			want:     "a\nc\n",
		},
		{
			name:     "trailing whitespace differences still match",
			original: "a   \nb\n",
			patch:    "@@\n-a\n+A",
			want:     "A\nb\n",
		},
		{
			name:     "typographic punctuation still matches",
			original: "say \u201chi\u201d \u2014 now\n",
			patch:    "@@\n-say \"hi\" - now\n+say hello",
			want:     "say hello\n",
		},
		{
			name:     "CRLF preserved",
			original: "a\r\nb\r\n",
			patch:    "@@\n-b\n+c",
			want:     "a\r\nc\r\n",
		},
		{
			name:     "trailing empty context line tolerated",
			original: "a\nb\n",
			patch:    "@@\n a\n-b\n+c\n ",
			want:     "a\nc\n",
		},
		{
			name:     "delete lines",
			original: "keep\ndrop1\ndrop2\nkeep2\n",
			patch:    "@@\n keep\n-drop1\n-drop2\n keep2",
			want:     "keep\nkeep2\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hunks, err := Parse("*** Begin Patch\n*** Update File: f\n" + tt.patch + "\n*** End Patch")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got, err := ApplyChunks("f", tt.original, hunks[0].Chunks)
			if err != nil {
				t.Fatalf("ApplyChunks: %v", err)
			}
			if got != tt.want {
				t.Errorf("ApplyChunks = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestApplyChunksErrors(t *testing.T) {
	tests := []struct{ name, original, patch, want string }{
		{"old lines missing", "a\nb\n", "@@\n-zzz\n+y", "not found in order"},
		{"context missing", "a\nb\n", "@@ nowhere\n-a\n+b", `context line "nowhere" not found`},
		{"chunks out of order", "1\n2\n3\n", "@@\n-3\n+three\n@@\n-1\n+one", "chunk 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hunks, err := Parse("*** Begin Patch\n*** Update File: f\n" + tt.patch + "\n*** End Patch")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			_, err = ApplyChunks("f", tt.original, hunks[0].Chunks)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ApplyChunks error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
