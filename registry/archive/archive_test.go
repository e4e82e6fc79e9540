package archive

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

type entry struct {
	name     string
	typ      byte
	body     string
	linkname string
	mode     int64
}

func makeTarGz(t *testing.T, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		mode := e.mode
		if mode == 0 {
			mode = 0o644
		}
		hdr := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: mode, Linkname: e.linkname, Size: int64(len(e.body))}
		if e.typ != tar.TypeReg {
			hdr.Size = 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if e.typ == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func TestExtractAcceptsOrdinaryBundles(t *testing.T) {
	data := makeTarGz(t, []entry{
		{name: "./", typ: tar.TypeDir},
		{name: "./openclaw.plugin.json", typ: tar.TypeReg, body: "{}"},
		{name: "./bin/plugin", typ: tar.TypeReg, body: "#!/bin/sh\n", mode: 0o4755},
		{name: "docs/", typ: tar.TypeDir},
		{name: "docs/README", typ: tar.TypeReg, body: "hi"},
		{name: "docs/readme-link", typ: tar.TypeSymlink, linkname: "README"},
		{name: "bin/up", typ: tar.TypeSymlink, linkname: "../docs/README"},
	})
	dest := t.TempDir()
	if err := Extract(bytes.NewReader(data), dest, OS{}, DefaultLimits()); err != nil {
		t.Fatalf("Extract: %v", err)
	}
	fi, err := os.Stat(filepath.Join(dest, "bin", "plugin"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o755 || fi.Mode()&fs.ModeSetuid != 0 {
		t.Errorf("mode = %v, want 0755 without setuid", fi.Mode())
	}
	if b, _ := os.ReadFile(filepath.Join(dest, "docs", "readme-link")); string(b) != "hi" {
		t.Errorf("symlink inside the bundle: read %q", b)
	}
}

func TestExtractRefusesEscapes(t *testing.T) {
	tests := []struct {
		name    string
		entries []entry
		want    string
	}{
		{"dot-dot", []entry{{name: "../evil", typ: tar.TypeReg, body: "x"}}, ".."},
		{"nested dot-dot", []entry{{name: "a/../../evil", typ: tar.TypeReg, body: "x"}}, ".."},
		{"absolute", []entry{{name: "/etc/evil", typ: tar.TypeReg, body: "x"}}, "absolute"},
		{"symlink absolute", []entry{{name: "link", typ: tar.TypeSymlink, linkname: "/etc/passwd"}}, "outside"},
		{"symlink climbs", []entry{{name: "a/link", typ: tar.TypeSymlink, linkname: "../../outside"}}, "outside"},
		{"write through symlink", []entry{
			{name: "dir", typ: tar.TypeSymlink, linkname: "."},
			{name: "dir/file", typ: tar.TypeReg, body: "x"},
		}, "through a symlink"},
		{"overwrite via duplicate", []entry{
			{name: "f", typ: tar.TypeSymlink, linkname: "g"},
			{name: "f", typ: tar.TypeReg, body: "x"},
		}, "twice"},
		{"hard link", []entry{{name: "h", typ: tar.TypeLink, linkname: "/etc/passwd"}}, "hard links"},
		{"device", []entry{{name: "dev", typ: tar.TypeChar}}, "not allowed"},
		{"backslash", []entry{{name: `..\evil`, typ: tar.TypeReg, body: "x"}}, "backslash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			dest := filepath.Join(parent, "dest")
			os.Mkdir(dest, 0o755)
			err := Extract(bytes.NewReader(makeTarGz(t, tt.entries)), dest, OS{}, DefaultLimits())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Extract error = %v, want one mentioning %q", err, tt.want)
			}
			if _, err := os.Lstat(filepath.Join(parent, "evil")); err == nil {
				t.Fatal("a file escaped the target folder")
			}
		})
	}
}

func TestExtractLimits(t *testing.T) {
	big := makeTarGz(t, []entry{{name: "a", typ: tar.TypeReg, body: strings.Repeat("x", 100)}})
	if err := Extract(bytes.NewReader(big), t.TempDir(), OS{}, Limits{MaxFiles: 10, MaxBytes: 50}); err == nil || !strings.Contains(err.Error(), "expands beyond") {
		t.Fatalf("size limit: %v", err)
	}
	many := makeTarGz(t, []entry{{name: "a", typ: tar.TypeReg}, {name: "b", typ: tar.TypeReg}})
	if err := Extract(bytes.NewReader(many), t.TempDir(), OS{}, Limits{MaxFiles: 1, MaxBytes: 50}); err == nil || !strings.Contains(err.Error(), "more than 1") {
		t.Fatalf("file limit: %v", err)
	}
	if err := Extract(strings.NewReader("not gzip"), t.TempDir(), OS{}, DefaultLimits()); err == nil {
		t.Fatal("garbage accepted")
	}
	truncated := big[:len(big)/2]
	if err := Extract(bytes.NewReader(truncated), t.TempDir(), OS{}, DefaultLimits()); err == nil {
		t.Fatal("truncated archive accepted")
	}
}

// fullDisk fails every write once budget bytes have been written.
type fullDisk struct {
	OS
	budget int
}

func (d *fullDisk) Create(p string, perm fs.FileMode) (io.WriteCloser, error) {
	w, err := d.OS.Create(p, perm)
	if err != nil {
		return nil, err
	}
	return &limitedWriter{w: w, d: d}, nil
}

type limitedWriter struct {
	w io.WriteCloser
	d *fullDisk
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if len(p) > l.d.budget {
		n, _ := l.w.Write(p[:l.d.budget])
		l.d.budget = 0
		return n, &fs.PathError{Op: "write", Path: "file", Err: syscall.ENOSPC}
	}
	l.d.budget -= len(p)
	return l.w.Write(p)
}

func (l *limitedWriter) Close() error { return l.w.Close() }

func TestExtractDiskFull(t *testing.T) {
	data := makeTarGz(t, []entry{
		{name: "a", typ: tar.TypeReg, body: strings.Repeat("a", 1000)},
		{name: "b", typ: tar.TypeReg, body: strings.Repeat("b", 1000)},
	})
	err := Extract(bytes.NewReader(data), t.TempDir(), &fullDisk{budget: 1500}, DefaultLimits())
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "unpack b") {
		t.Fatalf("Extract error = %v, want ENOSPC naming entry b", err)
	}
}

func TestPackRoundTripIsDeterministic(t *testing.T) {
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "sub", "empty"), 0o755)
	os.WriteFile(filepath.Join(src, "run"), []byte("#!/bin/sh\n"), 0o755)
	os.WriteFile(filepath.Join(src, "sub", "data.txt"), []byte("data"), 0o600)
	files, err := DirFiles(src)
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if err := Pack(&a, files); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(filepath.Join(src, "run"), fixedTime, fixedTime)
	if err := Pack(&b, files); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("packing the same files twice gave different bytes")
	}
	dest := t.TempDir()
	if err := Extract(&a, dest, OS{}, DefaultLimits()); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dest, "run")); err != nil || fi.Mode().Perm() != 0o755 {
		t.Fatalf("run: %v %v", fi, err)
	}
	if fi, err := os.Stat(filepath.Join(dest, "sub", "empty")); err != nil || !fi.IsDir() {
		t.Fatalf("empty dir not kept: %v", err)
	}
	copyDest := t.TempDir()
	if err := CopyTree(src, copyDest, OS{}, DefaultLimits()); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(copyDest, "sub", "data.txt")); string(b) != "data" {
		t.Fatalf("CopyTree: %q", b)
	}
}

var fixedTime = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func TestDirFilesRefusesSymlinks(t *testing.T) {
	src := t.TempDir()
	os.Symlink("/etc/passwd", filepath.Join(src, "link"))
	if _, err := DirFiles(src); err == nil {
		t.Fatal("symlink accepted")
	}
}
