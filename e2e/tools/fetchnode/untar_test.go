package main

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestUnpack(t *testing.T) {
	tests := []struct {
		name    string
		entries []entry
		want    map[string]string // path -> content; "!" prefix marks executable
		wantErr string
	}{
		{
			name: "package prefix is dropped",
			entries: []entry{
				{name: "package/", typ: tar.TypeDir},
				file("package/package.json", "{}"),
				exe("package/bin/node", "#!/bin/sh\n"),
				{name: "package/share/doc/", typ: tar.TypeDir},
				file("package/include/node/v8.h", "// v8"),
			},
			want: map[string]string{"package.json": "{}", "bin/node": "!#!/bin/sh\n", "include/node/v8.h": "// v8"},
		},
		{
			name:    "any leading folder name is dropped",
			entries: []entry{file("node-v24/README.md", "hi")},
			want:    map[string]string{"README.md": "hi"},
		},
		{
			name:    "file beside the package folder is dropped",
			entries: []entry{file("evil", "x"), file("package/ok", "ok")},
			want:    map[string]string{"ok": "ok"},
		},
		{
			name:    "later duplicate wins",
			entries: []entry{file("package/a", "one"), exe("package/a", "two")},
			want:    map[string]string{"a": "!two"},
		},
		{
			name:    "dot-dot out of the folder",
			entries: []entry{file("package/ok", "ok"), file("package/../../evil", "x")},
			wantErr: "leaves the package folder",
		},
		{
			name:    "dot-dot that stays inside is still refused",
			entries: []entry{file("package/a/../b", "x")},
			wantErr: "leaves the package folder",
		},
		{
			name:    "absolute path",
			entries: []entry{file("/tmp/evil", "x")},
			wantErr: "absolute",
		},
		{
			name:    "backslash path",
			entries: []entry{file(`package\..\..\evil`, "x")},
			wantErr: "not slash-separated",
		},
		{
			name:    "symlink",
			entries: []entry{{name: "package/lnk", typ: tar.TypeSymlink, link: "../.."}, file("package/lnk/evil", "x")},
			wantErr: "unsupported tar entry type",
		},
		{
			name:    "hard link",
			entries: []entry{{name: "package/passwd", typ: tar.TypeLink, link: "/etc/passwd"}},
			wantErr: "unsupported tar entry type",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The unpack folder sits two deep, so anything written
			// outside it shows up in base.
			base := t.TempDir()
			dir := filepath.Join(base, "a", "out")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			err := unpack(bytes.NewReader(makeTgz(t, tt.entries...)), dir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("unpack error = %v, want it to mention %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatalf("unpack: %v", err)
			}
			assertOnly(t, base, dir, tt.want)
		})
	}
}

// assertOnly checks that base holds no file outside dir and that dir holds
// exactly want when want is non-nil.
func assertOnly(t *testing.T, base, dir string, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	err := filepath.Walk(base, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || strings.HasPrefix(rel, "..") {
			t.Errorf("file written outside the unpack folder: %s", p)
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if fi.Mode()&0o111 != 0 {
			b = append([]byte("!"), b...)
		}
		got[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want == nil {
		return
	}
	if len(got) != len(want) {
		t.Errorf("unpacked %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestUnpackRejectsNonGzip(t *testing.T) {
	err := unpack(strings.NewReader("not a tarball"), t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "gzip") {
		t.Fatalf("unpack error = %v, want a gzip error", err)
	}
}
