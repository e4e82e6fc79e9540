package skillsource

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/core/pluginhost"
	"github.com/openclaw-go/openclaw/core/skills"
	pluginv1 "github.com/openclaw-go/openclaw/proto/openclaw/plugin/v1"
)

// PluginSkillsDir is the folder under the state directory where plugin
// skills are written.
const PluginSkillsDir = "plugin-skills"

// Bounds on what one plugin may write, as for managed skill bundles.
const (
	maxSkillFiles    = 256
	maxSkillFileSize = 1 << 20
	maxSkillBytes    = 8 << 20
)

// listRetry is how long a plugin whose skills could not be listed is left
// alone before it is asked again.
const listRetry = 30 * time.Second

var pluginIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// pluginSkills is what one plugin process provides. A restarted plugin is
// a new process (pid and start time) and is listed and written again.
type pluginSkills struct {
	pid           int
	started       time.Time
	dir           string
	requiredTools map[string][]string
	failedAt      time.Time
	err           error
}

// pluginRoot is a plugin's written skills folder.
type pluginRoot struct {
	plugin        string
	dir           string
	requiredTools map[string][]string
}

// pluginRoots lists (and writes, when new) the skills of every running
// skill plugin, in plugin id order.
func (s *Source) pluginRoots(ctx context.Context) []pluginRoot {
	if s.opts.Plugins == nil {
		return nil
	}
	// One refresh at a time: two turns must not write a plugin's folder
	// at once.
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	live := map[string]bool{}
	for _, p := range s.opts.Plugins.Running() {
		if p == nil || p.Skill == nil || !p.HasKind("skill") {
			continue
		}
		live[p.ID] = true
		s.mu.Lock()
		cached := s.plugins[p.ID]
		s.mu.Unlock()
		if cached != nil && cached.pid == p.Pid && cached.started.Equal(p.Started) &&
			(cached.err == nil || s.opts.Now().Sub(cached.failedAt) < listRetry) {
			continue
		}
		entry := s.loadPlugin(ctx, p)
		s.mu.Lock()
		s.plugins[p.ID] = entry
		s.mu.Unlock()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []pluginRoot
	for id, ps := range s.plugins {
		if !live[id] {
			delete(s.plugins, id)
			if ps.dir != "" {
				// A stopped plugin's skills leave the prompt with it.
				_ = os.RemoveAll(ps.dir)
			}
			continue
		}
		if ps.err == nil && ps.dir != "" {
			out = append(out, pluginRoot{plugin: id, dir: ps.dir, requiredTools: ps.requiredTools})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].plugin < out[j].plugin })
	return out
}

func (s *Source) loadPlugin(ctx context.Context, p *pluginhost.Running) *pluginSkills {
	entry := &pluginSkills{pid: p.Pid, started: p.Started}
	fail := func(err error) *pluginSkills {
		entry.err, entry.failedAt = err, s.opts.Now()
		s.log.Warn("cannot load plugin skills; they are unavailable", "plugin", p.ID, "error", err)
		return entry
	}
	if !pluginIDPattern.MatchString(p.ID) {
		return fail(fmt.Errorf("plugin id %q cannot name a folder", p.ID))
	}
	lctx, cancel := context.WithTimeout(ctx, s.opts.ListTimeout)
	defer cancel()
	resp, err := p.Skill.ListSkills(lctx, &pluginv1.ListSkillsRequest{})
	if err != nil {
		return fail(fmt.Errorf("list skills: %w", err))
	}
	dir, required, problems, err := materialise(s.root, p.ID, resp.GetSkills())
	for _, pr := range problems {
		s.log.Warn("plugin skill skipped", "plugin", p.ID, "problem", pr)
	}
	if err != nil {
		return fail(err)
	}
	entry.dir, entry.requiredTools = dir, required
	s.log.Debug("wrote plugin skills", "plugin", p.ID, "dir", dir, "skills", len(required))
	return entry
}

// materialise writes a plugin's skills to root/<plugin>/<skill>/ and
// returns that plugin folder. It is written whole in a staging folder and
// renamed into place, so a reader never sees half a skill. Skills with a
// bad name, an escaping file path or too much data are skipped and
// reported; the others are still written.
func materialise(root, pluginID string, list []*pluginv1.Skill) (dir string, required map[string][]string, problems []error, err error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", nil, nil, fmt.Errorf("create %s: %w", root, err)
	}
	staging, err := os.MkdirTemp(root, ".staging-"+pluginID+"-")
	if err != nil {
		return "", nil, nil, fmt.Errorf("stage plugin skills: %w", err)
	}
	defer os.RemoveAll(staging) // a no-op once renamed
	required = map[string][]string{}
	for _, sk := range list {
		name := sk.GetName()
		if _, dup := required[name]; dup {
			problems = append(problems, fmt.Errorf("skill %q: the plugin lists it twice", name))
			continue
		}
		if err := writeSkill(staging, sk); err != nil {
			problems = append(problems, fmt.Errorf("skill %q: %w", name, err))
			continue
		}
		required[name] = sk.GetRequiredTools()
	}
	if err := syncDir(staging); err != nil {
		return "", nil, problems, err
	}
	dir = filepath.Join(root, pluginID)
	old := ""
	if _, err := os.Stat(dir); err == nil {
		old = staging + ".old"
		if err := os.Rename(dir, old); err != nil {
			return "", nil, problems, fmt.Errorf("replace %s: %w", dir, err)
		}
	}
	if err := os.Rename(staging, dir); err != nil {
		return "", nil, problems, fmt.Errorf("install %s: %w", dir, err)
	}
	if old != "" {
		_ = os.RemoveAll(old)
	}
	_ = syncDir(root)
	return dir, required, problems, nil
}

// writeSkill writes one skill below dir after checking every name and
// path in it.
func writeSkill(dir string, sk *pluginv1.Skill) error {
	name := sk.GetName()
	if err := skills.ValidName(name); err != nil {
		return err
	}
	fm, _, err := skills.Parse([]byte(sk.GetSkillMd()), name)
	if err != nil {
		return fmt.Errorf("SKILL.md: %w", err)
	}
	if fm.Name != name {
		return fmt.Errorf("SKILL.md names the skill %q", fm.Name)
	}
	files := sk.GetFiles()
	if len(files)+1 > maxSkillFiles {
		return fmt.Errorf("%d files; at most %d", len(files)+1, maxSkillFiles)
	}
	total := len(sk.GetSkillMd())
	paths := make([]string, 0, len(files))
	for p, data := range files {
		clean := filepath.FromSlash(p)
		switch {
		case !filepath.IsLocal(clean):
			return fmt.Errorf("file %q: paths must stay inside the skill folder", p)
		case strings.EqualFold(filepath.Clean(clean), skills.FileName):
			return fmt.Errorf("file %q: SKILL.md comes from the skill_md field", p)
		case len(data) > maxSkillFileSize:
			return fmt.Errorf("file %q: %d bytes; at most %d", p, len(data), maxSkillFileSize)
		}
		total += len(data)
		paths = append(paths, p)
	}
	if total > maxSkillBytes {
		return fmt.Errorf("%d bytes in all; at most %d", total, maxSkillBytes)
	}
	skillDir := filepath.Join(dir, name)
	write := func() error {
		if err := writeFile(filepath.Join(skillDir, skills.FileName), []byte(sk.GetSkillMd())); err != nil {
			return err
		}
		sort.Strings(paths)
		for _, p := range paths {
			if err := writeFile(filepath.Join(skillDir, filepath.FromSlash(p)), files[p]); err != nil {
				return err
			}
		}
		return nil
	}
	if err := write(); err != nil {
		_ = os.RemoveAll(skillDir)
		return err
	}
	return nil
}

// writeFile creates path with data, synced to disk.
func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// resetDir empties dir, leaving it in place.
func resetDir(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("clear %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	return nil
}
