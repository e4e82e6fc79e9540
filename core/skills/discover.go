package skills

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Source is where a skill was found. Sources are listed from the highest
// precedence to the lowest: a skill name found in several places is taken
// from the first.
type Source string

const (
	SourceWorkspace Source = "workspace"       // <workspace>/skills
	SourceProject   Source = "project-agents"  // <workspace>/.agents/skills
	SourcePersonal  Source = "personal-agents" // ~/.agents/skills
	SourceManaged   Source = "managed"         // <state>/skills
	SourceBundled   Source = "bundled"         // shipped with the gateway
	SourceExtra     Source = "extra"           // skills.load.extraDirs and plugin skills
)

// maxDepth is how deep below a root SKILL.md files are found.
const maxDepth = 6

// Root is one folder skills load from.
type Root struct {
	Dir    string
	Source Source
}

// Locations name the folders skills load from.
type Locations struct {
	// Workspace is the agent workspace (agents.defaults.workspace).
	Workspace string
	// StateDir holds the managed skills folder.
	StateDir string
	// PersonalDir is ~/.agents/skills; leave it empty when the state
	// directory is not the default one, as OpenClaw does.
	PersonalDir string
	// BundledDir holds the skills shipped with the gateway.
	BundledDir string
	// ExtraDirs are skills.load.extraDirs followed by plugin skill folders.
	ExtraDirs []string
}

// Roots lists the locations in precedence order, highest first.
func (l Locations) Roots() []Root {
	var roots []Root
	add := func(dir string, src Source) {
		if dir != "" {
			roots = append(roots, Root{Dir: dir, Source: src})
		}
	}
	if l.Workspace != "" {
		add(filepath.Join(l.Workspace, "skills"), SourceWorkspace)
		add(filepath.Join(l.Workspace, ".agents", "skills"), SourceProject)
	}
	add(l.PersonalDir, SourcePersonal)
	if l.StateDir != "" {
		add(filepath.Join(l.StateDir, "skills"), SourceManaged)
	}
	add(l.BundledDir, SourceBundled)
	for _, d := range l.ExtraDirs {
		add(d, SourceExtra)
	}
	return roots
}

// Skill is one loaded skill.
type Skill struct {
	Name string
	// Key is the skills.entries key: metadata.openclaw.skillKey or Name.
	Key         string
	Dir         string
	Source      Source
	Frontmatter *Frontmatter
	// Body is the instructions after the frontmatter, with {baseDir}
	// replaced by the skill's folder.
	Body string
}

// Problem is a SKILL.md that could not be loaded. It does not stop its
// siblings from loading.
type Problem struct {
	Path string
	Err  error
}

func (p Problem) Error() string { return fmt.Sprintf("%s: %v", p.Path, p.Err) }

// Set is the result of discovery.
type Set struct {
	// Skills are the winners, sorted by name.
	Skills []*Skill
	// Shadowed are lower-precedence skills with a winner's name.
	Shadowed []*Skill
	Problems []Problem
}

// Lookup finds a skill by name, or by skills.entries key.
func (s *Set) Lookup(name string) (*Skill, bool) {
	for _, sk := range s.Skills {
		if sk.Name == name {
			return sk, true
		}
	}
	for _, sk := range s.Skills {
		if sk.Key == name {
			return sk, true
		}
	}
	return nil, false
}

// DiscoverOptions tune Discover.
type DiscoverOptions struct {
	// AllowSymlinkTargets are real folders skill folders may link into from
	// outside their root (skills.load.allowSymlinkTargets).
	AllowSymlinkTargets []string
	Limits              Limits
}

// Discover loads every skill under roots (given highest precedence first).
func Discover(roots []Root, opts DiscoverOptions) *Set {
	set := &Set{}
	seen := map[string]bool{}
	allowed := realPaths(opts.AllowSymlinkTargets)
	for _, root := range roots {
		for _, sk := range scanRoot(root, allowed, opts.Limits, set) {
			if seen[sk.Name] {
				set.Shadowed = append(set.Shadowed, sk)
				continue
			}
			seen[sk.Name] = true
			set.Skills = append(set.Skills, sk)
		}
	}
	sort.Slice(set.Skills, func(i, j int) bool { return set.Skills[i].Name < set.Skills[j].Name })
	return set
}

func realPaths(dirs []string) []string {
	var out []string
	for _, d := range dirs {
		if r, err := filepath.EvalSymlinks(d); err == nil {
			out = append(out, r)
		}
	}
	return out
}

func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// scanRoot finds SKILL.md files below root, stopping below each one found.
func scanRoot(root Root, allowed []string, lim Limits, set *Set) []*Skill {
	realRoot, err := filepath.EvalSymlinks(root.Dir)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			set.Problems = append(set.Problems, Problem{Path: root.Dir, Err: err})
		}
		return nil
	}
	// Managed and personal roots may hold symlinked skill folders that live
	// anywhere; other roots only reach outside through allowed targets.
	linksAnywhere := root.Source == SourceManaged || root.Source == SourcePersonal
	var found []*Skill
	var walk func(dir string, depth int)
	walk = func(dir string, depth int) {
		if len(found) >= lim.candidates() {
			return
		}
		real, err := filepath.EvalSymlinks(dir)
		if err != nil {
			set.Problems = append(set.Problems, Problem{Path: dir, Err: err})
			return
		}
		if !linksAnywhere && !within(real, realRoot) && !withinAny(real, allowed) {
			set.Problems = append(set.Problems, Problem{Path: dir, Err: fmt.Errorf("resolves to %s, outside %s (allow it with skills.load.allowSymlinkTargets)", real, root.Dir)})
			return
		}
		file := filepath.Join(dir, FileName)
		if fi, err := os.Stat(file); err == nil && fi.Mode().IsRegular() {
			sk, err := load(dir, real, root.Source, lim)
			if err != nil {
				set.Problems = append(set.Problems, Problem{Path: file, Err: err})
			} else {
				found = append(found, sk)
			}
			return
		}
		if depth >= maxDepth {
			return
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			set.Problems = append(set.Problems, Problem{Path: dir, Err: err})
			return
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") || e.Name() == "node_modules" {
				continue
			}
			p := filepath.Join(dir, e.Name())
			if fi, err := os.Stat(p); err == nil && fi.IsDir() {
				walk(p, depth+1)
			}
		}
	}
	walk(root.Dir, 0)
	return found
}

func withinAny(path string, dirs []string) bool {
	for _, d := range dirs {
		if within(path, d) {
			return true
		}
	}
	return false
}

// load reads one skill folder; the SKILL.md must be a regular file inside
// the folder's real path and no larger than the limit.
func load(dir, realDir string, src Source, lim Limits) (*Skill, error) {
	file := filepath.Join(dir, FileName)
	realFile, err := filepath.EvalSymlinks(file)
	if err != nil {
		return nil, err
	}
	if !within(realFile, realDir) {
		return nil, fmt.Errorf("resolves to %s, outside the skill folder", realFile)
	}
	f, err := os.Open(realFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, lim.fileBytes()+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > lim.fileBytes() {
		return nil, fmt.Errorf("larger than %d bytes (skills.limits.maxSkillFileBytes)", lim.fileBytes())
	}
	fm, body, err := Parse(data, filepath.Base(dir))
	if err != nil {
		return nil, err
	}
	sk := &Skill{Name: fm.Name, Key: fm.Name, Dir: dir, Source: src, Frontmatter: fm, Body: strings.ReplaceAll(body, "{baseDir}", dir)}
	if fm.OpenClaw != nil && fm.OpenClaw.SkillKey != "" {
		sk.Key = fm.OpenClaw.SkillKey
	}
	return sk, nil
}

// Load reads a single skill folder, for install and info.
func Load(dir string) (*Skill, error) {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, err
	}
	return load(dir, real, "", Limits{})
}
