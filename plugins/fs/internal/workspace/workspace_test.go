package workspace

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestRel(t *testing.T) {
	base := t.TempDir()
	real := filepath.Join(base, "real")
	if err := os.Mkdir(real, 0o755); err != nil {
		t.Fatal(err)
	}
	alias := filepath.Join(base, "alias")
	if err := os.Symlink(real, alias); err != nil {
		t.Fatal(err)
	}
	d, err := Open(alias)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tests := []struct {
		in, want string
		outside  bool
	}{
		{"a.txt", "a.txt", false},
		{"./a/../b.txt", "b.txt", false},
		{".", ".", false},
		{"./~/x", "~/x", false},
		{filepath.Join(alias, "x/y"), "x/y", false},
		{filepath.Join(real, "x"), "x", false},
		{alias, ".", false},
		{"..", "", true},
		{"../real/a.txt", "", true},
		{"a/../../b", "", true},
		{"/etc/passwd", "", true},
		{real + "-sibling/x", "", true},
		{"~/x", "", true},
		{"~", "", true},
	}
	for _, tt := range tests {
		got, err := d.Rel(tt.in)
		if tt.outside {
			if !errors.Is(err, ErrOutside) {
				t.Errorf("Rel(%q) = %q, %v; want ErrOutside", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Rel(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "  ", "a\x00b"} {
		if _, err := d.Rel(bad); err == nil {
			t.Errorf("Rel(%q) accepted", bad)
		}
	}
}

func TestOpenRefusesBadDirs(t *testing.T) {
	for _, dir := range []string{"", "relative", filepath.Join(t.TempDir(), "missing")} {
		if d, err := Open(dir); err == nil {
			d.Close()
			t.Errorf("Open(%q) succeeded", dir)
		}
	}
}

func TestWriteFileRefusesLinkOut(t *testing.T) {
	base := t.TempDir()
	ws := filepath.Join(base, "ws")
	outside := filepath.Join(base, "outside.txt")
	if err := os.Mkdir(ws, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(outside, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../outside.txt", filepath.Join(ws, "link")); err != nil {
		t.Fatal(err)
	}
	d, err := Open(ws)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.WriteFile("link", []byte("x")); !errors.Is(err, ErrOutside) {
		t.Fatalf("WriteFile through link out: %v", err)
	}
	if b, _ := os.ReadFile(outside); string(b) != "keep" {
		t.Errorf("outside file = %q", b)
	}
	if err := d.CheckPlainParents("a/b/c.txt"); err != nil {
		t.Errorf("CheckPlainParents on missing dirs: %v", err)
	}
	if err := os.Symlink(".", filepath.Join(ws, "self")); err != nil {
		t.Fatal(err)
	}
	if err := d.CheckPlainParents("self/c.txt"); err == nil {
		t.Error("CheckPlainParents accepted a symlinked parent")
	}
}
