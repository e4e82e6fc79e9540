package agent

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Bootstrap files, in the order the prompt shows them.
const (
	FileAgents    = "AGENTS.md"
	FileSoul      = "SOUL.md"
	FileTools     = "TOOLS.md"
	FileIdentity  = "IDENTITY.md"
	FileUser      = "USER.md"
	FileBootstrap = "BOOTSTRAP.md"
	FileMemory    = "MEMORY.md"
)

// contextFiles lists what the prompt injects. Required files that are
// missing inject a marker; optional ones are left out.
var contextFiles = []struct {
	name     string
	required bool
}{
	{FileAgents, true},
	{FileSoul, true},
	{FileTools, true},
	{FileIdentity, true},
	{FileUser, false},
	{FileBootstrap, false},
	{FileMemory, false},
}

// seeded are the files created in a new workspace. BOOTSTRAP.md is only
// written into a brand-new workspace, so deleting it after the first-run
// ritual is final.
var seeded = []string{FileAgents, FileSoul, FileTools, FileIdentity, FileUser}

var templates = map[string]string{
	FileAgents: `# AGENTS.md — how you work

This folder is your workspace and your memory. Read these files at the start
of every session; they are all you remember from earlier ones.

## Every session
- Read SOUL.md (who you are) and USER.md (who you help).
- Check memory/ for recent notes before asking the user to repeat themselves.

## Memory
- Write things worth keeping to memory/YYYY-MM-DD.md, and distilled,
  long-lived facts to MEMORY.md.
- If someone says "remember this", write it down; a mental note does not
  survive a restart.

## Safety
- Never share private data from this workspace with anyone but the user.
- Ask before doing anything that leaves the machine (sending email, posting
  in public) or that cannot be undone.

## Group chats
- You are a participant, not the user's voice. Answer when asked or when you
  add something useful; otherwise stay quiet.
`,
	FileSoul: `# SOUL.md — who you are

- Be genuinely helpful, not performatively helpful. Skip filler; do the work.
- Have opinions and share them when asked. Disagree politely when you should.
- Be resourceful: look things up, read the files, try it — then ask.
- Keep private things private. When in doubt, ask before acting in public.
- You are a guest in someone's life. Treat that access with care.

Edit this file as you learn who you are.
`,
	FileTools: `# TOOLS.md — local notes

Tools are offered by the gateway and its plugins; this file does not change
which exist. Use it for notes about this machine and how the user likes
tools used (preferred folders, device names, accounts, conventions).
`,
	FileIdentity: `# IDENTITY.md — who am I?

Fill this in during your first conversation.

- Name:
- Emoji:
- Theme:
`,
	FileUser: `# USER.md — who you help

- Name:
- What to call them:
- Time zone:
- Notes:
`,
	FileBootstrap: `# BOOTSTRAP.md — first run

You have just been switched on in a fresh workspace. In your first
conversation:

1. Introduce yourself briefly and ask the user what they would like to call
   you, and what kind of assistant they want.
2. Record your name, emoji and theme in IDENTITY.md, and what you learn about
   the user in USER.md.
3. Adjust SOUL.md if the user wants a different personality.
4. Delete this file when you are done; it will not come back.
`,
}

// ensureWorkspace creates the workspace and, unless skipBootstrap, any
// missing bootstrap file. Existing files are never overwritten.
func ensureWorkspace(dir string, skip bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create workspace %s: %w", dir, err)
	}
	if skip {
		return nil
	}
	brandNew := true
	for _, name := range seeded {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			brandNew = false
			break
		}
	}
	files := seeded
	if brandNew {
		files = append(append([]string(nil), seeded...), FileBootstrap)
	}
	for _, name := range files {
		if err := createFile(filepath.Join(dir, name), []byte(templates[name])); err != nil {
			return fmt.Errorf("seed workspace file: %w", err)
		}
	}
	return nil
}

// createFile writes a new file atomically and only if it does not exist:
// the content goes to a temporary file that is synced and then hard-linked
// into place, which fails when the name is taken.
func createFile(path string, data []byte) error {
	if _, err := os.Lstat(path); err == nil {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	name := tmp.Name()
	defer os.Remove(name)
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	if err := os.Chmod(name, 0o644); err != nil {
		return fmt.Errorf("chmod %s: %w", path, err)
	}
	if err := os.Link(name, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return nil // not supported everywhere; the link itself is done
	}
	defer d.Close()
	_ = d.Sync()
	return nil
}

// contextFile is one bootstrap file as the prompt shows it.
type contextFile struct {
	Name      string
	Content   string
	Missing   bool
	Truncated bool
	// RawChars is the file's length in characters before truncation.
	RawChars int
}

// fileCache keeps workspace files read for prompts, keyed by path and
// checked against size and modification time on every use, so an edit
// shows up in the next turn without rereading unchanged files.
type fileCache struct {
	mu    sync.Mutex
	files map[string]cachedFile
}

type cachedFile struct {
	size    int64
	modTime time.Time
	text    string
	chars   int
}

// read returns a file's text; ok is false when it does not exist.
func (c *fileCache) read(path string) (text string, chars int, ok bool, err error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", 0, false, nil
	}
	if err != nil {
		return "", 0, false, err
	}
	if st.IsDir() {
		return "", 0, false, fmt.Errorf("%s is a directory", path)
	}
	c.mu.Lock()
	f, hit := c.files[path]
	c.mu.Unlock()
	if hit && f.size == st.Size() && f.modTime.Equal(st.ModTime()) {
		return f.text, f.chars, true, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", 0, false, err
	}
	text = strings.ToValidUTF8(string(raw), "\uFFFD")
	f = cachedFile{size: st.Size(), modTime: st.ModTime(), text: text, chars: utf8.RuneCountInString(text)}
	c.mu.Lock()
	if c.files == nil {
		c.files = map[string]cachedFile{}
	}
	c.files[path] = f
	c.mu.Unlock()
	return f.text, f.chars, true, nil
}

// loadContext reads the bootstrap files of a workspace for the prompt,
// capping each at perFile characters (USER.md at its own smaller cap) and
// all of them at total. MEMORY.md is private: it is left out of group
// conversations.
func (c *fileCache) loadContext(dir string, perFile, total int, group bool) ([]contextFile, error) {
	var out []contextFile
	budget := total
	for _, f := range contextFiles {
		if f.name == FileMemory && group {
			continue
		}
		text, chars, ok, err := c.read(filepath.Join(dir, f.name))
		if err != nil {
			return nil, fmt.Errorf("read workspace file %s: %w", f.name, err)
		}
		if !ok {
			if f.required {
				out = append(out, contextFile{Name: f.name, Missing: true})
			}
			continue
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		limit := perFile
		if f.name == FileUser {
			limit = min(limit, userFileMaxChars)
		}
		limit = min(limit, budget)
		cf := contextFile{Name: f.name, Content: text, RawChars: chars}
		if chars > limit {
			cf.Content = truncateMiddle(text, chars, limit, f.name)
			cf.Truncated = true
		}
		budget -= min(chars, limit)
		out = append(out, cf)
	}
	return out, nil
}

// truncateMiddle keeps the head and the tail of a long file, the parts that
// usually matter, with a marker in between saying what was cut.
func truncateMiddle(text string, chars, limit int, name string) string {
	if limit <= 0 {
		return fmt.Sprintf("[%s omitted: the bootstrap size limit is used up; read the file for its %d characters]", name, chars)
	}
	head := limit * 7 / 10
	tail := limit * 2 / 10
	r := []rune(text)
	return string(r[:head]) +
		fmt.Sprintf("\n\n[… %d of %d characters of %s truncated; read the file for the full text …]\n\n", chars-head-tail, chars, name) +
		string(r[len(r)-tail:])
}

// fileIdentity reads name, emoji and theme from IDENTITY.md lines such as
// "- Name: Samantha" or "**Emoji:** 🦥". Placeholders are ignored.
func fileIdentity(text string) Identity {
	var id Identity
	for _, line := range strings.Split(text, "\n") {
		m := identityLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		v := strings.TrimSpace(strings.Trim(strings.TrimSpace(m[2]), "*_`"))
		if v == "" || strings.HasPrefix(v, "(") || strings.HasPrefix(v, "<") || strings.HasPrefix(v, "[") {
			continue
		}
		switch strings.ToLower(m[1]) {
		case "name":
			if id.Name == "" {
				id.Name = v
			}
		case "emoji":
			if id.Emoji == "" {
				id.Emoji = v
			}
		case "theme", "vibe":
			if id.Theme == "" {
				id.Theme = v
			}
		}
	}
	return id
}

var identityLine = regexp.MustCompile(`(?i)^\s*(?:[-*+]\s*)?\**\s*(name|emoji|theme|vibe)\s*\**\s*:\s*\**(.*)$`)

func expandHome(p, home string) string {
	if p == "~" {
		return home
	}
	if strings.HasPrefix(p, "~/") && home != "" {
		return filepath.Join(home, p[2:])
	}
	return p
}

func joinPath(elem ...string) string { return filepath.Join(elem...) }

func loadLocation(name string) (*time.Location, error) { return time.LoadLocation(name) }
