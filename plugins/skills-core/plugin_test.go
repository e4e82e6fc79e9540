package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/pluginsdk"
	"github.com/openclaw-go/openclaw/pluginsdk/plugintest"
)

func harness(t *testing.T, now time.Time, cfg string) *plugintest.Harness {
	t.Helper()
	notes := newDailyNote(func() time.Time { return now })
	h := plugintest.New(t, pluginsdk.Plugin{Manifest: manifest, Skills: bundle{}, Tools: notes, Configure: notes.configure})
	if err := h.Configure(t.Context(), cfg); err != nil {
		t.Fatalf("configure %s: %v", cfg, err)
	}
	return h
}

func TestSkillsAreServedWithTheirFiles(t *testing.T) {
	h := harness(t, time.Now(), `{}`)
	list, err := h.Skills(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Skills []string }
	if err := json.Unmarshal(manifest, &m); err != nil {
		t.Fatal(err)
	}
	if len(list) != len(m.Skills) {
		t.Fatalf("served %d skills, manifest lists %v", len(list), m.Skills)
	}
	nameLine := regexp.MustCompile(`(?m)^name: ([a-z0-9-]+)$`)
	descLine := regexp.MustCompile(`(?m)^description: \S.{10,}$`)
	for i, sk := range list {
		if sk.Name != m.Skills[i] && !strings.Contains(strings.Join(m.Skills, ","), sk.Name) {
			t.Errorf("skill %s not in the manifest", sk.Name)
		}
		if !strings.HasPrefix(sk.SkillMD, "---\n") {
			t.Errorf("%s: SKILL.md has no frontmatter", sk.Name)
		}
		if got := nameLine.FindStringSubmatch(sk.SkillMD); got == nil || got[1] != sk.Name {
			t.Errorf("%s: frontmatter name %v", sk.Name, got)
		}
		if !descLine.MatchString(sk.SkillMD) {
			t.Errorf("%s: no description", sk.Name)
		}
		if len(sk.RequiredTools) == 0 {
			t.Errorf("%s: no required tools", sk.Name)
		}
		// Every relative link in the instructions points at a shipped file.
		for _, link := range regexp.MustCompile(`\]\(([a-z][^)#:]*)\)`).FindAllStringSubmatch(sk.SkillMD, -1) {
			if _, ok := sk.Files[link[1]]; !ok {
				t.Errorf("%s links to %s, which it does not ship", sk.Name, link[1])
			}
		}
	}
	tools, err := h.Tools(t.Context())
	if err != nil || len(tools) != 1 || tools[0].Name != "daily_note" {
		t.Fatalf("tools = %v, %v", tools, err)
	}
}

func TestDailyNote(t *testing.T) {
	now := time.Date(2026, 3, 14, 9, 5, 0, 0, time.UTC)
	h := harness(t, now, `{"timezone":"UTC"}`)
	ws := t.TempDir()
	invoke := func(args string, access string) pluginsdk.ToolResult {
		t.Helper()
		res, _, err := h.Invoke(t.Context(), pluginsdk.ToolCall{Tool: "daily_note", Arguments: json.RawMessage(args),
			Context: pluginsdk.CallContext{WorkspaceDir: ws, WorkspaceAccess: access}})
		if err != nil {
			t.Fatalf("invoke %s: %v", args, err)
		}
		return res
	}
	steps := []struct {
		args    string
		access  string
		want    string
		isError bool
	}{
		{args: `{"text":"Moved the weekly sync to Thursdays."}`, want: "Added to memory/2026-03-14.md under Log."},
		{args: `{"text":"Send the contract to Dana","section":"Tasks"}`, want: "under Tasks"},
		{args: `{"text":"Renew the domain\nbefore April","section":"tasks"}`, want: "under tasks"},
		{args: `{"text":"Use Postgres"}`, want: "under Log"},
		{args: `{"text":"Yesterday's call went well","date":"2026-03-13"}`, want: "memory/2026-03-13.md"},
		{args: `{"text":""}`, want: "text is empty", isError: true},
		{args: `{"text":"x","date":"14.03.2026"}`, want: "use YYYY-MM-DD", isError: true},
		{args: `{"text":"x","date":"2026-02-30"}`, want: "not a calendar day", isError: true},
		{args: `{"text":"x","section":"## injected\n# title"}`, want: "short plain heading", isError: true},
		{args: `{"text":"x","path":"/etc/passwd"}`, want: "unknown field", isError: true},
		{args: `{"text":"read-only"}`, access: "ro", want: "read-only", isError: true},
		{args: `{"text":"none"}`, access: "none", want: "no workspace access", isError: true},
	}
	for _, s := range steps {
		res := invoke(s.args, s.access)
		if res.IsError != s.isError || !strings.Contains(res.Content, s.want) {
			t.Fatalf("%s: %+v, want %q (error %v)", s.args, res, s.want, s.isError)
		}
	}
	got, err := os.ReadFile(filepath.Join(ws, "memory", "2026-03-14.md"))
	if err != nil {
		t.Fatal(err)
	}
	want := "# 2026-03-14\n\n## Log\n- 09:05 Moved the weekly sync to Thursdays.\n- 09:05 Use Postgres\n\n## Tasks\n- 09:05 Send the contract to Dana\n- 09:05 Renew the domain\n  before April\n"
	if string(got) != want {
		t.Errorf("note =\n%s\nwant\n%s", got, want)
	}
	if _, err := os.Stat(filepath.Join(ws, "memory", "2026-03-13.md")); err != nil {
		t.Errorf("dated note missing: %v", err)
	}
	if tmp, _ := filepath.Glob(filepath.Join(ws, "memory", ".daily-note-*")); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}

func TestDailyNoteStaysInTheWorkspace(t *testing.T) {
	outside := t.TempDir()
	tests := []struct {
		name  string
		setup func(ws string)
		want  string
	}{
		{"notes folder is a symlink out", func(ws string) { _ = os.Symlink(outside, filepath.Join(ws, "memory")) }, "resolves outside the workspace"},
		{"note is a symlink out", func(ws string) {
			_ = os.MkdirAll(filepath.Join(ws, "memory"), 0o755)
			_ = os.Symlink(filepath.Join(outside, "x.md"), filepath.Join(ws, "memory", "2026-03-14.md"))
		}, "not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := t.TempDir()
			tt.setup(ws)
			h := harness(t, time.Date(2026, 3, 14, 9, 5, 0, 0, time.UTC), `{"timezone":"UTC"}`)
			res, _, err := h.Invoke(t.Context(), pluginsdk.ToolCall{Tool: "daily_note", Arguments: json.RawMessage(`{"text":"x"}`),
				Context: pluginsdk.CallContext{WorkspaceDir: ws}})
			if err != nil || !res.IsError || !strings.Contains(res.Content, tt.want) {
				t.Fatalf("result = %+v, %v; want an error containing %q", res, err, tt.want)
			}
			if entries, _ := os.ReadDir(outside); len(entries) != 0 {
				t.Fatalf("wrote outside the workspace: %v", entries)
			}
		})
	}
}

func TestConfigure(t *testing.T) {
	notes := newDailyNote(nil)
	h := plugintest.New(t, pluginsdk.Plugin{Manifest: manifest, Skills: bundle{}, Tools: notes, Configure: notes.configure})
	tests := []struct{ cfg, wantErr string }{
		{`{"notesDir":"journal","timezone":"Europe/Berlin"}`, ""},
		{`{"notesDir":"../outside"}`, "inside the workspace"},
		{`{"notesDir":"/abs"}`, "inside the workspace"},
		{`{"timezone":"Mars/Olympus"}`, "not a known time zone"},
		{`{"colour":"blue"}`, "unknown field"},
	}
	for _, tt := range tests {
		err := h.Configure(t.Context(), tt.cfg)
		if (tt.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("Configure(%s) = %v, want %q", tt.cfg, err, tt.wantErr)
		}
	}
}

func TestAppendEntry(t *testing.T) {
	tests := []struct{ note, section, want string }{
		{"", "Log", "# D\n\n## Log\n- e\n"},
		{"# D\n\n## Log\n- a\n", "Log", "# D\n\n## Log\n- a\n- e\n"},
		{"# D\n\n## Log\n- a\n\n## Tasks\n- t\n", "Log", "# D\n\n## Log\n- a\n- e\n\n## Tasks\n- t\n"},
		{"# D\n\n## Log\n- a\n## Tasks\n- t\n", "Log", "# D\n\n## Log\n- a\n- e\n\n## Tasks\n- t\n"},
		{"# D\n\n## Log\n- a\n", "Ideas", "# D\n\n## Log\n- a\n\n## Ideas\n- e\n"},
		{"# D\n\n## Log\n\n\n", "Log", "# D\n\n## Log\n- e\n"},
	}
	for _, tt := range tests {
		if got := appendEntry(tt.note, "D", tt.section, "- e"); got != tt.want {
			t.Errorf("appendEntry(%q, %s) =\n%q\nwant\n%q", tt.note, tt.section, got, tt.want)
		}
	}
}
