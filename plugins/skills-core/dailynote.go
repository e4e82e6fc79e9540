package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

// noteConfig is plugins.entries.skills-core.config.
type noteConfig struct {
	NotesDir     string `json:"notesDir"`
	Timezone     string `json:"timezone"`
	MaxNoteBytes int64  `json:"maxNoteBytes"`
}

var defaultNoteConfig = noteConfig{NotesDir: "memory", MaxNoteBytes: 1 << 20}

// dailyNote is the daily_note tool: it appends a timestamped entry to
// <workspace>/<notesDir>/<YYYY-MM-DD>.md, under a section heading.
type dailyNote struct {
	now func() time.Time

	mu  sync.Mutex // guards cfg and loc, and serialises writes
	cfg noteConfig
	loc *time.Location
}

func newDailyNote(now func() time.Time) *dailyNote {
	if now == nil {
		now = time.Now
	}
	return &dailyNote{now: now, cfg: defaultNoteConfig, loc: time.Local}
}

func (d *dailyNote) configure(_ context.Context, cfg pluginsdk.Config) error {
	c := defaultNoteConfig
	if len(cfg.JSON) > 0 {
		dec := json.NewDecoder(bytes.NewReader(cfg.JSON))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return fmt.Errorf("plugins.entries.skills-core.config: %w", err)
		}
	}
	if c.NotesDir == "" {
		c.NotesDir = defaultNoteConfig.NotesDir
	}
	if !filepath.IsLocal(filepath.FromSlash(c.NotesDir)) {
		return fmt.Errorf("plugins.entries.skills-core.config.notesDir: %q must be a folder inside the workspace", c.NotesDir)
	}
	if c.MaxNoteBytes <= 0 {
		c.MaxNoteBytes = defaultNoteConfig.MaxNoteBytes
	}
	loc := time.Local
	if c.Timezone != "" {
		l, err := time.LoadLocation(c.Timezone)
		if err != nil {
			return fmt.Errorf("plugins.entries.skills-core.config.timezone: %q is not a known time zone", c.Timezone)
		}
		loc = l
	}
	d.mu.Lock()
	d.cfg, d.loc = c, loc
	d.mu.Unlock()
	return nil
}

const dailyNoteSchema = `{
  "type": "object",
  "properties": {
    "text": {"type": "string", "description": "The entry: one short line that makes sense on its own."},
    "section": {"type": "string", "description": "Section heading to put it under: Log (default), Tasks, Decisions or another name."},
    "date": {"type": "string", "description": "Day of the note as YYYY-MM-DD; today when omitted."}
  },
  "required": ["text"],
  "additionalProperties": false
}`

func (d *dailyNote) Tools(context.Context) ([]pluginsdk.ToolSpec, error) {
	return []pluginsdk.ToolSpec{{
		Name:        "daily_note",
		Description: "Append a timestamped entry to the workspace's daily note (memory/YYYY-MM-DD.md) under a section such as Log, Tasks or Decisions.",
		Parameters:  json.RawMessage(dailyNoteSchema),
		Groups:      []string{"group:memory"},
	}}, nil
}

type noteArgs struct {
	Text    string `json:"text"`
	Section string `json:"section"`
	Date    string `json:"date"`
}

var (
	datePattern    = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	sectionPattern = regexp.MustCompile(`^[\p{L}\p{N} _'&/-]{1,40}$`)
)

func fail(format string, args ...any) (pluginsdk.ToolResult, error) {
	return pluginsdk.ToolResult{Content: fmt.Sprintf(format, args...), IsError: true}, nil
}

func (d *dailyNote) Invoke(ctx context.Context, call pluginsdk.ToolCall, _ func(pluginsdk.ToolProgress)) (pluginsdk.ToolResult, error) {
	if call.Tool != "daily_note" {
		return fail("unknown tool %q", call.Tool)
	}
	var a noteArgs
	dec := json.NewDecoder(bytes.NewReader(call.Arguments))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return fail("arguments: %v (expected {\"text\": \"...\", \"section\"?: \"...\", \"date\"?: \"YYYY-MM-DD\"})", err)
	}
	a.Text = strings.TrimSpace(a.Text)
	a.Section = strings.TrimSpace(a.Section)
	switch {
	case a.Text == "":
		return fail("text is empty: give the entry to add")
	case len(a.Text) > 4000:
		return fail("text is %d bytes; keep an entry under 4000", len(a.Text))
	case a.Section != "" && !sectionPattern.MatchString(a.Section):
		return fail("section %q: use a short plain heading such as Tasks or Decisions", a.Section)
	}
	if a.Section == "" {
		a.Section = "Log"
	}
	switch call.Context.WorkspaceAccess {
	case "ro":
		return fail("the workspace is read-only for this agent (sandbox workspaceAccess: ro); notes cannot be written")
	case "none":
		return fail("this agent has no workspace access (sandbox workspaceAccess: none)")
	}
	if call.Context.WorkspaceDir == "" {
		return fail("no workspace: daily notes live in the agent workspace")
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now().In(d.loc)
	day := now.Format(time.DateOnly)
	if a.Date != "" {
		if !datePattern.MatchString(a.Date) {
			return fail("date %q: use YYYY-MM-DD", a.Date)
		}
		if _, err := time.Parse(time.DateOnly, a.Date); err != nil {
			return fail("date %q is not a calendar day", a.Date)
		}
		day = a.Date
	}
	rel := filepath.Join(filepath.FromSlash(d.cfg.NotesDir), day+".md")
	path, err := confined(call.Context.WorkspaceDir, rel)
	if err != nil {
		return fail("%v", err)
	}
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fail("read %s: %v", filepath.ToSlash(rel), err)
	}
	if int64(len(old)) > d.cfg.MaxNoteBytes {
		return fail("%s is larger than %d bytes (maxNoteBytes); start a new file or trim it", filepath.ToSlash(rel), d.cfg.MaxNoteBytes)
	}
	entry := "- " + now.Format("15:04") + " " + strings.ReplaceAll(a.Text, "\n", "\n  ")
	next := appendEntry(string(old), day, a.Section, entry)
	if err := writeAtomic(path, []byte(next)); err != nil {
		return fail("write %s: %v", filepath.ToSlash(rel), err)
	}
	details, _ := json.Marshal(map[string]string{"path": filepath.ToSlash(rel), "date": day, "section": a.Section, "entry": entry})
	return pluginsdk.ToolResult{Content: fmt.Sprintf("Added to %s under %s.", filepath.ToSlash(rel), a.Section), Details: details}, nil
}

// appendEntry adds entry at the end of the "## section" part of note,
// creating the note's title and the section when missing.
func appendEntry(note, day, section, entry string) string {
	if strings.TrimSpace(note) == "" {
		note = "# " + day + "\n"
	}
	lines := strings.Split(strings.TrimRight(note, "\n"), "\n")
	heading := "## " + section
	start := -1
	for i, l := range lines {
		if strings.EqualFold(strings.TrimSpace(l), heading) {
			start = i
			break
		}
	}
	if start < 0 {
		return strings.Join(lines, "\n") + "\n\n" + heading + "\n" + entry + "\n"
	}
	// The section ends at the next heading of level one or two.
	end := len(lines)
	for i := start + 1; i < len(lines); i++ {
		if strings.HasPrefix(lines[i], "# ") || strings.HasPrefix(lines[i], "## ") {
			end = i
			break
		}
	}
	// Insert after the section's last non-blank line.
	at := end
	for at > start+1 && strings.TrimSpace(lines[at-1]) == "" {
		at--
	}
	out := append([]string{}, lines[:at]...)
	out = append(out, entry)
	if at < len(lines) && at == end && end < len(lines) {
		out = append(out, "")
	}
	out = append(out, lines[at:]...)
	return strings.Join(out, "\n") + "\n"
}

// confined returns workspace/rel after making sure neither the notes
// folder nor the note leaves the workspace through a symlink or "..".
func confined(workspace, rel string) (string, error) {
	if !filepath.IsLocal(rel) {
		return "", fmt.Errorf("%s is outside the workspace", rel)
	}
	root, err := filepath.EvalSymlinks(workspace)
	if err != nil {
		return "", fmt.Errorf("workspace %s: %v", workspace, err)
	}
	dir := filepath.Join(root, filepath.Dir(rel))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %v", filepath.Dir(rel), err)
	}
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %v", filepath.Dir(rel), err)
	}
	if r, err := filepath.Rel(root, realDir); err != nil || !filepath.IsLocal(r) && r != "." {
		return "", fmt.Errorf("%s resolves outside the workspace; refusing to write there", filepath.Dir(rel))
	}
	path := filepath.Join(realDir, filepath.Base(rel))
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file (a symlink or folder); refusing to write it", rel)
	}
	return path, nil
}

// writeAtomic replaces path with data through a synced temporary file in
// the same folder, so a crash leaves the old note or the new one.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".daily-note-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
