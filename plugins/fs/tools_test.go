package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/pluginsdk"
	pluginmanifest "github.com/openclaw-go/openclaw/pluginsdk/manifest"
	"github.com/openclaw-go/openclaw/pluginsdk/plugintest"
)

func TestManifestAgreesWithTools(t *testing.T) {
	m, err := pluginmanifest.Parse(manifest)
	if err != nil {
		t.Fatal(err)
	}
	if m.Capabilities.Exec || len(m.Capabilities.Network) > 0 {
		t.Errorf("fs declares capabilities it does not use: %+v", m.Capabilities)
	}
	newEnv(t).h.CheckTools(t, manifest, "group:fs")
}

func TestRead(t *testing.T) {
	e := newEnv(t)
	var lines []string
	for i := 1; i <= 30; i++ {
		lines = append(lines, fmt.Sprintf("line %d", i))
	}
	e.put(t, "thirty.txt", strings.Join(lines, "\n")+"\n")
	e.put(t, "crlf.txt", "a\r\nb\r\n")
	e.put(t, "empty.txt", "")
	e.put(t, "noeol.txt", "x\ny")
	e.put(t, "bin.dat", "ab\x00cd")
	e.put(t, "latin1.txt", "caf\xe9 au lait\n")
	if err := os.Mkdir(filepath.Join(e.ws, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    map[string]any
		want    string
		wantErr string
	}{
		{"whole file", map[string]any{"path": "noeol.txt"}, "x\ny", ""},
		{"crlf trimmed", map[string]any{"path": "crlf.txt"}, "a\nb", ""},
		{"offset and limit", map[string]any{"path": "thirty.txt", "offset": 5, "limit": 2}, "line 5\nline 6\n\n[Showing lines 5-6 of 30. Use offset=7 to continue.]", ""},
		{"offset to end", map[string]any{"path": "thirty.txt", "offset": 29}, "line 29\nline 30", ""},
		{"numeric strings accepted", map[string]any{"path": "thirty.txt", "offset": "30", "limit": "5"}, "line 30", ""},
		{"file_path alias", map[string]any{"file_path": "noeol.txt"}, "x\ny", ""},
		{"absolute path inside", map[string]any{"path": filepath.Join(e.ws, "noeol.txt")}, "x\ny", ""},
		{"empty", map[string]any{"path": "empty.txt"}, "[empty.txt is empty]", ""},
		{"offset past end", map[string]any{"path": "thirty.txt", "offset": 31}, "", "beyond the end of the file (30 lines)"},
		{"offset zero", map[string]any{"path": "thirty.txt", "offset": 0}, "", "offset must be 1 or more"},
		{"binary", map[string]any{"path": "bin.dat"}, "", "binary file"},
		{"invalid utf-8", map[string]any{"path": "latin1.txt"}, "", "binary file"},
		{"directory", map[string]any{"path": "dir"}, "", "is a directory"},
		{"missing", map[string]any{"path": "nope.txt"}, "", "no such file"},
		{"no path", map[string]any{}, "", "path is empty"},
		{"bad offset type", map[string]any{"path": "thirty.txt", "offset": "x"}, "", "invalid arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.call(t, "read", tt.args)
			if tt.wantErr != "" {
				mustFail(t, tt.name, res)
				if !strings.Contains(res.Content, tt.wantErr) {
					t.Errorf("error %q lacks %q", res.Content, tt.wantErr)
				}
				return
			}
			mustOK(t, tt.name, res)
			if res.Content != tt.want {
				t.Errorf("content = %q, want %q", res.Content, tt.want)
			}
		})
	}
}

func TestReadCaps(t *testing.T) {
	e := newEnv(t)
	if err := e.h.Configure(t.Context(), `{"maxReadLines": 3, "maxReadBytes": 20}`); err != nil {
		t.Fatal(err)
	}
	e.put(t, "five.txt", "1\n2\n3\n4\n5\n")
	res := e.call(t, "read", map[string]any{"path": "five.txt", "limit": 100})
	mustOK(t, "line cap", res)
	if res.Content != "1\n2\n3\n\n[Showing lines 1-3 of 5. Use offset=4 to continue.]" {
		t.Errorf("line cap: %q", res.Content)
	}
	e.put(t, "wide.txt", "aaaaaaaaaa\nbbbbbbbbbb\ncccccccccc\n")
	res = e.call(t, "read", map[string]any{"path": "wide.txt"})
	mustOK(t, "byte cap", res)
	if !strings.HasPrefix(res.Content, "aaaaaaaaaa\n\n[Showing lines 1-1 of 3. Use offset=2") {
		t.Errorf("byte cap: %q", res.Content)
	}
	e.put(t, "long.txt", strings.Repeat("é", 30)+"\nnext\n")
	res = e.call(t, "read", map[string]any{"path": "long.txt"})
	mustOK(t, "long line", res)
	first, _, _ := strings.Cut(res.Content, "\n")
	if len(first) > 20 || !strings.HasPrefix(first, "éééé") || !strings.Contains(res.Content, "longer than 20 bytes") || !strings.Contains(res.Content, "offset=2") {
		t.Errorf("long line: %q", res.Content)
	}
	if err := e.h.Configure(t.Context(), `{"maxReadLines": 0}`); err == nil {
		t.Error("maxReadLines 0 accepted")
	}
	if err := e.h.Configure(t.Context(), `{"maxReadLine": 5}`); err == nil {
		t.Error("unknown config key accepted")
	}
}

func TestReadImage(t *testing.T) {
	e := newEnv(t)
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	e.put(t, "pic.png", buf.String())
	res := e.call(t, "read", map[string]any{"path": "pic.png"})
	mustOK(t, "read image", res)
	if len(res.Media) != 1 || res.Media[0].MimeType != "image/png" || !bytes.Equal(res.Media[0].Data, buf.Bytes()) {
		t.Fatalf("image media = %+v", res.Media)
	}
}

func TestWrite(t *testing.T) {
	e := newEnv(t)
	mustOK(t, "create nested", e.call(t, "write", map[string]any{"path": "a/b/c.txt", "content": "hi\n"}))
	if got := e.get(t, "a/b/c.txt"); got != "hi\n" {
		t.Errorf("content = %q", got)
	}
	p := filepath.Join(e.ws, "a/b/c.txt")
	if err := os.Chmod(p, 0o600); err != nil {
		t.Fatal(err)
	}
	mustOK(t, "overwrite", e.call(t, "write", map[string]any{"path": "a/b/c.txt", "content": ""}))
	fi, err := os.Stat(p)
	if err != nil || fi.Size() != 0 || fi.Mode().Perm() != 0o600 {
		t.Errorf("after overwrite: %v, %v (want empty, mode 0600)", fi, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	mustFail(t, "no content", e.call(t, "write", map[string]any{"path": "x.txt"}))
	mustFail(t, "onto a directory", e.call(t, "write", map[string]any{"path": "a/b", "content": "x"}))
	if err := e.h.Configure(t.Context(), `{"maxFileBytes": 4}`); err != nil {
		t.Fatal(err)
	}
	res := e.call(t, "write", map[string]any{"path": "big.txt", "content": "12345"})
	mustFail(t, "over the cap", res)
	if _, err := os.Stat(filepath.Join(e.ws, "big.txt")); !os.IsNotExist(err) {
		t.Errorf("oversized write left a file: %v", err)
	}
}

func TestEdit(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		args    map[string]any
		want    string
		wantErr string
	}{
		{"single", "a\nb\nc\n", map[string]any{"oldText": "b", "newText": "B"}, "a\nB\nc\n", ""},
		{"edits list", "one two three\n", map[string]any{"edits": []map[string]string{{"oldText": "one", "newText": "1"}, {"oldText": "three", "newText": "3"}}}, "1 two 3\n", ""},
		{"claude spelling", "x = 1\n", map[string]any{"old_string": "1", "new_string": "2"}, "x = 2\n", ""},
		{"multi-line", "func f() {\n\treturn 1\n}\n", map[string]any{"oldText": "\treturn 1\n}", "newText": "\treturn 2\n}"}, "func f() {\n\treturn 2\n}\n", ""},
		{"crlf kept", "a\r\nb\r\nc\r\n", map[string]any{"oldText": "a\nb", "newText": "x\ny"}, "x\r\ny\r\nc\r\n", ""},
		{"bom kept", "\uFEFFhello\n", map[string]any{"oldText": "hello", "newText": "bye"}, "\uFEFFbye\n", ""},
		{"delete text", "keep drop keep\n", map[string]any{"oldText": " drop", "newText": ""}, "keep keep\n", ""},
		{"not found", "a\n", map[string]any{"oldText": "zzz", "newText": "y"}, "", "could not find"},
		{"whitespace must match", "a  b\n", map[string]any{"oldText": "a b", "newText": "y"}, "", "could not find"},
		{"not unique", "x x\n", map[string]any{"oldText": "x", "newText": "y"}, "", "occurs 2 times"},
		{"overlap", "abcdef\n", map[string]any{"edits": []map[string]string{{"oldText": "abc", "newText": "1"}, {"oldText": "cde", "newText": "2"}}}, "", "overlap"},
		{"identical", "a\n", map[string]any{"oldText": "a", "newText": "a"}, "", "no changes made"},
		{"empty old", "a\n", map[string]any{"oldText": "", "newText": "b"}, "", "empty oldText"},
		{"nothing to do", "a\n", map[string]any{}, "", "give edits"},
		{"half an edit", "a\n", map[string]any{"edits": []map[string]string{{"oldText": "a"}}}, "", "needs both oldText and newText"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.put(t, "f.txt", tt.file)
			tt.args["path"] = "f.txt"
			res := e.call(t, "edit", tt.args)
			if tt.wantErr != "" {
				mustFail(t, tt.name, res)
				if !strings.Contains(res.Content, tt.wantErr) {
					t.Errorf("error %q lacks %q", res.Content, tt.wantErr)
				}
				if got := e.get(t, "f.txt"); got != tt.file {
					t.Errorf("failed edit changed the file to %q", got)
				}
				return
			}
			mustOK(t, tt.name, res)
			if got := e.get(t, "f.txt"); got != tt.want {
				t.Errorf("file = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestApplyPatch(t *testing.T) {
	e := newEnv(t)
	e.put(t, "src/app.ts", "function main() {\n  const foo = 1\n  return foo\n}\n")
	e.put(t, "src/old-name.ts", "export const a = 1\n")
	e.put(t, "obsolete.txt", "bye\n")
	if err := os.Chmod(filepath.Join(e.ws, "src/old-name.ts"), 0o600); err != nil {
		t.Fatal(err)
	}
	input := `*** Begin Patch
*** Add File: docs/new.txt
+line 1
+line 2
*** Update File: src/app.ts
@@ function main() {
-  const foo = 1
+  const foo = 2
*** Update File: src/old-name.ts
*** Move to: src/new-name.ts
@@
-export const a = 1
+export const a = 2
*** Delete File: obsolete.txt
*** End Patch`
	res := e.call(t, "apply_patch", map[string]any{"input": input})
	mustOK(t, "apply", res)
	want := "Success. Updated the following files:\nA docs/new.txt\nM src/app.ts\nM src/old-name.ts -> src/new-name.ts\nD obsolete.txt"
	if res.Content != want {
		t.Errorf("summary = %q, want %q", res.Content, want)
	}
	checks := map[string]string{
		"docs/new.txt":    "line 1\nline 2\n",
		"src/app.ts":      "function main() {\n  const foo = 2\n  return foo\n}\n",
		"src/new-name.ts": "export const a = 2\n",
	}
	for p, c := range checks {
		if got := e.get(t, p); got != c {
			t.Errorf("%s = %q, want %q", p, got, c)
		}
	}
	for _, gone := range []string{"src/old-name.ts", "obsolete.txt"} {
		if _, err := os.Lstat(filepath.Join(e.ws, gone)); !os.IsNotExist(err) {
			t.Errorf("%s still exists: %v", gone, err)
		}
	}
	if fi, err := os.Stat(filepath.Join(e.ws, "src/new-name.ts")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("moved file mode: %v %v", fi, err)
	}
}

// TestApplyPatchAllOrNothing checks that a patch failing in a later hunk
// changes nothing, and the other refusals the format documents.
func TestApplyPatchAllOrNothing(t *testing.T) {
	tests := []struct {
		name, input, wantErr string
	}{
		{"late hunk does not match", "*** Begin Patch\n*** Add File: new.txt\n+x\n*** Update File: a.txt\n@@\n-nope\n+y\n*** End Patch", "not found in order"},
		{"add over existing", "*** Begin Patch\n*** Add File: a.txt\n+x\n*** End Patch", "already exists"},
		{"move onto existing", "*** Begin Patch\n*** Update File: a.txt\n*** Move to: b.txt\n@@\n-a\n+x\n*** End Patch", "already exists"},
		{"delete missing", "*** Begin Patch\n*** Delete File: nope.txt\n*** End Patch", "no such file"},
		{"update missing", "*** Begin Patch\n*** Update File: nope.txt\n@@\n-a\n+b\n*** End Patch", "no such file"},
		{"update after delete", "*** Begin Patch\n*** Delete File: a.txt\n*** Update File: a.txt\n@@\n-a\n+b\n*** End Patch", "deleted earlier"},
		{"parse error", "*** Begin Patch\n*** Nope: a.txt\n*** End Patch", "not a hunk header"},
		{"missing input", "", "input is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.put(t, "a.txt", "a\n")
			e.put(t, "b.txt", "b\n")
			res := e.call(t, "apply_patch", map[string]any{"input": tt.input})
			mustFail(t, tt.name, res)
			if !strings.Contains(res.Content, tt.wantErr) {
				t.Errorf("error %q lacks %q", res.Content, tt.wantErr)
			}
			if e.get(t, "a.txt") != "a\n" || e.get(t, "b.txt") != "b\n" {
				t.Error("a failed patch changed files")
			}
			if _, err := os.Stat(filepath.Join(e.ws, "new.txt")); !os.IsNotExist(err) {
				t.Error("a failed patch created a file")
			}
		})
	}
}

func TestApplyPatchReplaceInOnePatch(t *testing.T) {
	e := newEnv(t)
	e.put(t, "a.txt", "old\n")
	res := e.call(t, "apply_patch", map[string]any{"input": "*** Begin Patch\n*** Delete File: a.txt\n*** Add File: a.txt\n+new\n*** Update File: a.txt\n@@\n-new\n+newer\n*** End Patch"})
	mustOK(t, "delete, add, update", res)
	if got := e.get(t, "a.txt"); got != "newer\n" {
		t.Errorf("a.txt = %q", got)
	}
}

func TestUnknownTool(t *testing.T) {
	e := newEnv(t)
	mustFail(t, "unknown", e.call(t, "rm", map[string]any{}))
}

// BenchmarkToolCall measures a trivial read through the real gRPC harness
// (host → plugin → result) and reports the latency percentiles.
func BenchmarkToolCall(b *testing.B) {
	ws := b.TempDir()
	if err := os.WriteFile(filepath.Join(ws, "a.txt"), []byte("x\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	tl := newTools()
	h := plugintest.New(b, pluginsdk.Plugin{Manifest: manifest, Tools: tl, Configure: tl.configure})
	call := pluginsdk.ToolCall{Tool: "read", Arguments: json.RawMessage(`{"path":"a.txt"}`),
		Context: pluginsdk.CallContext{WorkspaceDir: ws, WorkspaceAccess: "rw"}}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		res, _, err := h.Invoke(b.Context(), call)
		lat = append(lat, time.Since(start))
		if err != nil || res.IsError {
			b.Fatalf("%v %+v", err, res)
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
