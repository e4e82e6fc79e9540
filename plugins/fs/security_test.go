package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPathEscapes tries every way out of the workspace with every tool and
// checks both the refusal and that nothing outside changed.
func TestPathEscapes(t *testing.T) {
	e := newEnv(t)
	secret := filepath.Join(e.outside, "secret.txt")
	if err := os.WriteFile(secret, []byte("secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{
		"etc":         "/etc",             // symlinked parent dir to a system dir
		"out":         e.outside,          // symlinked parent dir beside the workspace
		"secret-link": secret,             // symlinked file outside
		"up":          "../outside",       // relative symlink climbing out
		"passwd-link": "/etc/passwd",      // symlinked system file
		"nested/up":   "../../outside",    // symlink one level down
		"abs-inside":  e.ws + "/ok.txt",   // absolute symlink (os.Root refuses these too)
		"chain":       "secret-link",      // link to a link that leaves
		"dangling":    "../outside/new",   // dangling link pointing out
		"dir/../up2":  "../outside/x.txt", // plain name after cleaning
	}
	e.put(t, "ok.txt", "fine\n")
	if err := os.MkdirAll(filepath.Join(e.ws, "nested"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(e.ws, filepath.Clean(name))); err != nil {
			t.Fatal(err)
		}
	}
	paths := []string{
		"../outside/secret.txt",
		"../outside/new.txt",
		"nested/../../outside/secret.txt",
		secret,
		filepath.Join(e.outside, "new.txt"),
		"/etc/passwd",
		"~/secret.txt",
		"etc/passwd",
		"etc/hostname-new",
		"out/secret.txt",
		"out/new.txt",
		"secret-link",
		"up/secret.txt",
		"up/new.txt",
		"passwd-link",
		"nested/up/secret.txt",
		"abs-inside",
		"chain",
		"dangling",
		"up2",
	}
	// Deleting a final symlink removes the link itself, which is allowed
	// (and checked below); every other operation on these paths must fail.
	finalLinks := map[string]bool{"secret-link": true, "passwd-link": true, "abs-inside": true, "chain": true, "dangling": true, "up2": true}
	for _, p := range paths {
		calls := []struct {
			tool string
			args map[string]any
		}{
			{"read", map[string]any{"path": p}},
			{"write", map[string]any{"path": p, "content": "pwned\n"}},
			{"edit", map[string]any{"path": p, "oldText": "secret", "newText": "pwned"}},
			{"apply_patch", map[string]any{"input": "*** Begin Patch\n*** Update File: " + p + "\n@@\n-secret\n+pwned\n*** End Patch"}},
			{"apply_patch", map[string]any{"input": "*** Begin Patch\n*** Add File: " + p + "\n+pwned\n*** End Patch"}},
			{"apply_patch", map[string]any{"input": "*** Begin Patch\n*** Update File: ok.txt\n*** Move to: " + p + "\n@@\n-fine\n+pwned\n*** End Patch"}},
		}
		if !finalLinks[p] {
			calls = append(calls, struct {
				tool string
				args map[string]any
			}{"apply_patch", map[string]any{"input": "*** Begin Patch\n*** Delete File: " + p + "\n*** End Patch"}})
		}
		for _, c := range calls {
			res := e.call(t, c.tool, c.args)
			if !res.IsError {
				t.Errorf("%s %v: not refused: %s", c.tool, c.args, res.Content)
			}
			if strings.Contains(res.Content, "root:") || strings.Contains(res.Content, "secret\n") {
				t.Errorf("%s %q: leaked content: %q", c.tool, p, res.Content)
			}
		}
	}
	if got := e.get(t, "ok.txt"); got != "fine\n" {
		t.Errorf("ok.txt changed by a refused move: %q", got)
	}
	if b, _ := os.ReadFile(secret); string(b) != "secret\n" {
		t.Errorf("outside file changed: %q", b)
	}
	entries, _ := os.ReadDir(e.outside)
	if len(entries) != 1 {
		t.Errorf("files appeared outside the workspace: %v", entries)
	}
	for name := range links {
		fi, err := os.Lstat(filepath.Join(e.ws, filepath.Clean(name)))
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("symlink %s was replaced or removed (%v)", name, err)
		}
	}
	// Deleting a link that points out removes the link, not its target.
	mustOK(t, "delete link", e.call(t, "apply_patch", map[string]any{"input": "*** Begin Patch\n*** Delete File: secret-link\n*** End Patch"}))
	if _, err := os.Lstat(filepath.Join(e.ws, "secret-link")); !os.IsNotExist(err) {
		t.Errorf("link still there: %v", err)
	}
	if b, err := os.ReadFile(secret); err != nil || string(b) != "secret\n" {
		t.Errorf("deleting the link touched its target: %q %v", b, err)
	}
}

// TestSymlinksInside checks that links which stay in the workspace work,
// and that writing through one changes its target, not the link.
func TestSymlinksInside(t *testing.T) {
	e := newEnv(t)
	e.put(t, "real/file.txt", "one\n")
	if err := os.Symlink("real", filepath.Join(e.ws, "alias")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real/file.txt", filepath.Join(e.ws, "file-link")); err != nil {
		t.Fatal(err)
	}
	res := e.call(t, "read", map[string]any{"path": "alias/file.txt"})
	mustOK(t, "read through dir alias", res)
	if res.Content != "one" {
		t.Errorf("read through alias = %q", res.Content)
	}
	mustOK(t, "write through file link", e.call(t, "write", map[string]any{"path": "file-link", "content": "two\n"}))
	if got := e.get(t, "real/file.txt"); got != "two\n" {
		t.Errorf("target after write through link = %q", got)
	}
	if fi, err := os.Lstat(filepath.Join(e.ws, "file-link")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link itself was replaced: %v", err)
	}
	mustOK(t, "edit through dir alias", e.call(t, "edit", map[string]any{"path": "alias/file.txt", "oldText": "two", "newText": "three"}))
	if got := e.get(t, "real/file.txt"); got != "three\n" {
		t.Errorf("after edit = %q", got)
	}
	// apply_patch refuses to create files through an aliased parent.
	res = e.call(t, "apply_patch", map[string]any{"input": "*** Begin Patch\n*** Add File: alias/new.txt\n+x\n*** End Patch"})
	mustFail(t, "add through alias", res)
	if !strings.Contains(res.Content, "symlink") {
		t.Errorf("add through alias: message does not say why: %s", res.Content)
	}
}

func TestWorkspaceAccess(t *testing.T) {
	e := newEnv(t)
	e.put(t, "a.txt", "hello\n")
	mutations := map[string]any{
		"write":       map[string]any{"path": "a.txt", "content": "changed\n"},
		"edit":        map[string]any{"path": "a.txt", "oldText": "hello", "newText": "changed"},
		"apply_patch": map[string]any{"input": "*** Begin Patch\n*** Delete File: a.txt\n*** End Patch"},
	}
	tests := []struct {
		access    string
		readOK    bool
		wantInMsg string
	}{
		{"ro", true, `read-only`},
		{"none", false, `"none"`},
		{"bogus", false, `unknown workspaceAccess "bogus"`},
	}
	for _, tt := range tests {
		t.Run(tt.access, func(t *testing.T) {
			res := e.callAccess(t, "read", map[string]any{"path": "a.txt"}, tt.access)
			if res.IsError == tt.readOK {
				t.Errorf("read with %q: IsError=%v: %s", tt.access, res.IsError, res.Content)
			}
			for tool, args := range mutations {
				res := e.callAccess(t, tool, args, tt.access)
				mustFail(t, tool+" with "+tt.access, res)
				if !strings.Contains(res.Content, tt.wantInMsg) {
					t.Errorf("%s with %q: message %q lacks %q", tool, tt.access, res.Content, tt.wantInMsg)
				}
			}
			if got := e.get(t, "a.txt"); got != "hello\n" {
				t.Errorf("file changed under %q access: %q", tt.access, got)
			}
		})
	}
	// The default (empty) access is read-write.
	mustOK(t, "write with default access", e.callAccess(t, "write", map[string]any{"path": "a.txt", "content": "x"}, ""))
}

func TestNoWorkspace(t *testing.T) {
	e := newEnv(t)
	e.ws = ""
	res := e.call(t, "read", map[string]any{"path": "a.txt"})
	mustFail(t, "read without workspace", res)
	if !strings.Contains(res.Content, "no workspace") {
		t.Errorf("message = %q", res.Content)
	}
	e.ws = "relative/dir"
	mustFail(t, "relative workspace", e.call(t, "read", map[string]any{"path": "a.txt"}))
}
