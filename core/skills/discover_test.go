package skills

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeSkill(t *testing.T, dir, name, extra string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	md := "---\nname: " + name + "\ndescription: from " + dir + "\n" + extra + "---\nbody at {baseDir}\n"
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(md), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDiscoverPrecedenceAndLayout(t *testing.T) {
	base := t.TempDir()
	loc := Locations{
		Workspace:  filepath.Join(base, "ws"),
		StateDir:   filepath.Join(base, "state"),
		BundledDir: filepath.Join(base, "bundled"),
		ExtraDirs:  []string{filepath.Join(base, "extra")},
	}
	writeSkill(t, filepath.Join(base, "bundled", "weather"), "weather", "")
	writeSkill(t, filepath.Join(base, "state", "skills", "weather"), "weather", "")
	writeSkill(t, filepath.Join(base, "ws", "skills", "personal", "weather"), "weather", "") // grouped layout
	writeSkill(t, filepath.Join(base, "ws", ".agents", "skills", "notes"), "notes", "")
	writeSkill(t, filepath.Join(base, "extra", "notes"), "notes", "")
	writeSkill(t, filepath.Join(base, "bundled", "github"), "github", "")
	// Discovery stops below a SKILL.md: the nested one is not a skill.
	writeSkill(t, filepath.Join(base, "bundled", "github", "examples", "inner"), "inner", "")
	// A broken skill is reported; its siblings still load.
	os.MkdirAll(filepath.Join(base, "state", "skills", "broken"), 0o755)
	os.WriteFile(filepath.Join(base, "state", "skills", "broken", FileName), []byte("no frontmatter"), 0o644)
	// Hidden folders (like the installer's staging) are not scanned.
	writeSkill(t, filepath.Join(base, "state", "skills", ".staging", "op", "pkg"), "staged", "")

	set := Discover(loc.Roots(), DiscoverOptions{})
	var names []string
	for _, sk := range set.Skills {
		names = append(names, sk.Name+"@"+string(sk.Source))
	}
	if got := strings.Join(names, " "); got != "github@bundled notes@project-agents weather@workspace" {
		t.Errorf("skills = %s", got)
	}
	if len(set.Shadowed) != 3 {
		t.Errorf("shadowed = %d, want 3", len(set.Shadowed))
	}
	if len(set.Problems) != 1 || !strings.Contains(set.Problems[0].Path, "broken") {
		t.Errorf("problems = %v", set.Problems)
	}
	w, _ := set.Lookup("weather")
	if !strings.Contains(w.Body, filepath.Join(base, "ws", "skills", "personal", "weather")) {
		t.Errorf("{baseDir} not expanded: %q", w.Body)
	}
}

func TestDiscoverSymlinkContainment(t *testing.T) {
	base := t.TempDir()
	outside := filepath.Join(base, "outside", "linked")
	writeSkill(t, outside, "linked", "")
	ws := filepath.Join(base, "ws", "skills")
	managed := filepath.Join(base, "state", "skills")
	os.MkdirAll(ws, 0o755)
	os.MkdirAll(managed, 0o755)
	os.Symlink(outside, filepath.Join(ws, "linked"))
	os.Symlink(outside, filepath.Join(managed, "linked"))

	set := Discover([]Root{{Dir: ws, Source: SourceWorkspace}}, DiscoverOptions{})
	if len(set.Skills) != 0 || len(set.Problems) != 1 || !strings.Contains(set.Problems[0].Err.Error(), "allowSymlinkTargets") {
		t.Errorf("workspace symlink out: skills %v problems %v", set.Skills, set.Problems)
	}
	set = Discover([]Root{{Dir: ws, Source: SourceWorkspace}}, DiscoverOptions{AllowSymlinkTargets: []string{filepath.Join(base, "outside")}})
	if len(set.Skills) != 1 {
		t.Errorf("allowed target: %v %v", set.Skills, set.Problems)
	}
	set = Discover([]Root{{Dir: managed, Source: SourceManaged}}, DiscoverOptions{})
	if len(set.Skills) != 1 {
		t.Errorf("managed symlinked folder: %v %v", set.Skills, set.Problems)
	}
	// But a SKILL.md that points out of its own folder is refused.
	evil := filepath.Join(managed, "evil")
	os.MkdirAll(evil, 0o755)
	os.Symlink(filepath.Join(outside, FileName), filepath.Join(evil, FileName))
	set = Discover([]Root{{Dir: managed, Source: SourceManaged}}, DiscoverOptions{})
	if len(set.Problems) != 1 || !strings.Contains(set.Problems[0].Err.Error(), "outside the skill folder") {
		t.Errorf("SKILL.md symlink out: %v", set.Problems)
	}
}

func TestDiscoverFileSizeLimit(t *testing.T) {
	dir := t.TempDir()
	writeSkill(t, filepath.Join(dir, "big"), "big", "x: "+strings.Repeat("y", 200)+"\n")
	set := Discover([]Root{{Dir: dir, Source: SourceManaged}}, DiscoverOptions{Limits: Limits{MaxSkillFileBytes: 100}})
	if len(set.Skills) != 0 || len(set.Problems) != 1 {
		t.Errorf("size limit: %v %v", set.Skills, set.Problems)
	}
}
