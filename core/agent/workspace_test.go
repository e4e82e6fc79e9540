package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEnsureWorkspace(t *testing.T) {
	t.Run("brand new", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "ws")
		if err := ensureWorkspace(dir, false); err != nil {
			t.Fatal(err)
		}
		for _, name := range append(seeded, FileBootstrap) {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil || len(b) == 0 || string(b) != templates[name] {
				t.Errorf("%s: %v (%d bytes)", name, err, len(b))
			}
		}
		if _, err := os.Stat(filepath.Join(dir, FileMemory)); err == nil {
			t.Error("MEMORY.md must not be created")
		}
		leftovers, _ := filepath.Glob(filepath.Join(dir, ".*tmp*"))
		if len(leftovers) > 0 {
			t.Errorf("temporary files left: %v", leftovers)
		}
	})
	t.Run("existing files are kept and BOOTSTRAP.md is not recreated", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, FileSoul), []byte("my soul"), 0o644)
		if err := ensureWorkspace(dir, false); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, FileSoul)); string(b) != "my soul" {
			t.Errorf("SOUL.md overwritten: %q", b)
		}
		if _, err := os.Stat(filepath.Join(dir, FileBootstrap)); err == nil {
			t.Error("BOOTSTRAP.md created in a workspace that was not new")
		}
		if _, err := os.Stat(filepath.Join(dir, FileAgents)); err != nil {
			t.Error("missing AGENTS.md not filled in")
		}
	})
	t.Run("skipBootstrap", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "ws")
		if err := ensureWorkspace(dir, true); err != nil {
			t.Fatal(err)
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 0 {
			t.Errorf("skipBootstrap created %d files", len(entries))
		}
	})
	t.Run("unwritable", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "file")
		os.WriteFile(file, nil, 0o644)
		err := ensureWorkspace(filepath.Join(file, "ws"), false)
		if err == nil || !strings.Contains(err.Error(), "create workspace") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestLoadContext(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) { os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644) }
	write(FileAgents, strings.Repeat("a", 50)+strings.Repeat("é", 50))
	write(FileSoul, "   \n")
	write(FileIdentity, "short")
	write(FileUser, strings.Repeat("u", 5000))
	write(FileMemory, "private memory")
	var c fileCache

	files, err := c.loadContext(dir, 60, 10000, false)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]contextFile{}
	var order []string
	for _, f := range files {
		got[f.Name] = f
		order = append(order, f.Name)
	}
	if strings.Join(order, ",") != "AGENTS.md,TOOLS.md,IDENTITY.md,USER.md,MEMORY.md" {
		t.Errorf("files = %v (blank SOUL.md skipped, missing TOOLS.md marked)", order)
	}
	a := got[FileAgents]
	if !a.Truncated || a.RawChars != 100 || !strings.HasPrefix(a.Content, strings.Repeat("a", 42)) || !strings.HasSuffix(a.Content, strings.Repeat("é", 12)) ||
		!strings.Contains(a.Content, "46 of 100 characters of AGENTS.md truncated") {
		t.Errorf("AGENTS.md = %+v", a)
	}
	if !got[FileTools].Missing {
		t.Error("TOOLS.md not marked missing")
	}
	if u := got[FileUser]; !u.Truncated || len([]rune(u.Content)) > 60+120 {
		t.Errorf("USER.md not capped: %d chars", len([]rune(u.Content)))
	}

	// USER.md has its own cap below the per-file one.
	files, _ = c.loadContext(dir, 20000, 60000, false)
	for _, f := range files {
		if f.Name == FileUser && (!f.Truncated || len([]rune(f.Content)) > userFileMaxChars+200) {
			t.Errorf("USER.md cap: truncated %v, %d chars", f.Truncated, len([]rune(f.Content)))
		}
	}

	// The total budget shortens later files.
	files, _ = c.loadContext(dir, 20000, 110, false)
	for _, f := range files {
		if f.Name == FileMemory && !strings.Contains(f.Content, "omitted") {
			t.Errorf("MEMORY.md past the total budget = %q", f.Content)
		}
	}

	// MEMORY.md stays out of groups; edits show up.
	files, _ = c.loadContext(dir, 20000, 60000, true)
	for _, f := range files {
		if f.Name == FileMemory {
			t.Error("MEMORY.md in a group prompt")
		}
	}
	write(FileIdentity, "changed and longer")
	files, _ = c.loadContext(dir, 20000, 60000, true)
	for _, f := range files {
		if f.Name == FileIdentity && f.Content != "changed and longer" {
			t.Errorf("stale cache: %q", f.Content)
		}
	}
}

func TestFileIdentity(t *testing.T) {
	tests := []struct {
		text string
		want Identity
	}{
		{templates[FileIdentity], Identity{}},
		{"- Name: Samantha\n- Emoji: 🦥\n- Theme: helpful sloth", Identity{Name: "Samantha", Emoji: "🦥", Theme: "helpful sloth"}},
		{"- **Name:** Clawd\n- **Vibe:** dry wit\n**Emoji**: 🦞", Identity{Name: "Clawd", Emoji: "🦞", Theme: "dry wit"}},
		{"Name: (pick something)\nname: Real", Identity{Name: "Real"}},
	}
	for _, tt := range tests {
		if got := fileIdentity(tt.text); got != tt.want {
			t.Errorf("fileIdentity(%q) = %+v, want %+v", tt.text, got, tt.want)
		}
	}
}
