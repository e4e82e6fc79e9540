package registry

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/openclaw-go/openclaw/registry/constraint"
	"github.com/openclaw-go/openclaw/registry/index"
	"github.com/openclaw-go/openclaw/registry/platform"
)

// SkillRequest asks for one skill from a registry.
type SkillRequest struct {
	// Spec is "name" or "name@range".
	Spec string
	// WithDeps also installs the tool plugins the skill requires.
	WithDeps bool
	// Force replaces a skill folder of the same name that was not installed
	// from a registry, or reinstalls an installed skill.
	Force              bool
	AcceptCapabilities bool
}

// InstallSkill installs a skill into the managed skills folder
// (<state>/skills/<name>). Results come back for the skill and, with
// WithDeps, for each plugin installed for it.
func (in *Installer) InstallSkill(ctx context.Context, req SkillRequest) ([]*Result, error) {
	spec, err := ParseSpec(req.Spec)
	if err != nil {
		return nil, err
	}
	if spec.Kind != "registry" {
		return nil, fmt.Errorf("skills install takes a registry name such as weather or weather@^1.2, not %s", req.Spec)
	}
	s, err := in.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer s.end()
	if e, ok := s.lock.Skills[spec.Name]; ok && !req.Force {
		return nil, fmt.Errorf("skill %s %s is already installed; run `openclaw skills update %s`, or add --force to reinstall", spec.Name, e.Version, spec.Name)
	}
	res, err := s.installSkill(ctx, spec.Name, spec.Range, nil, req.Force)
	if err != nil {
		return nil, err
	}
	deps, notes, err := s.skillDeps(ctx, s.lock.Skills[spec.Name], req)
	res.Notes = append(res.Notes, notes...)
	return append([]*Result{res}, deps...), err
}

func (s *session) installSkill(ctx context.Context, name string, rng constraint.Range, pinned *LockEntry, force bool) (*Result, error) {
	in := s.in
	if in.opts.ReadSkill == nil {
		return nil, errors.New("skills: no SKILL.md reader configured")
	}
	target := filepath.Join(in.opts.StateDir, SkillsDir, filepath.FromSlash(name))
	prev := s.lock.Skills[name]
	if prev == nil && !force {
		if _, err := os.Stat(target); err == nil {
			return nil, fmt.Errorf("%s already exists and was not installed from a registry; add --force to replace it", target)
		}
	}
	f, err := in.client.Package(ctx, name)
	if err != nil {
		return nil, err
	}
	if f.Package.Kind != index.KindSkill {
		return nil, fmt.Errorf("%s is a %s, not a skill (use `openclaw plugins install %s`)", name, f.Package.Kind, name)
	}
	var v *index.Version
	var skipped []Skip
	if pinned != nil {
		var ok bool
		if v, ok = f.Package.Find(pinned.Version); !ok {
			return nil, fmt.Errorf("%s %s (from the lock file) is no longer published", name, pinned.Version)
		}
	} else if v, skipped, err = selectVersion(f.Package, rng, in.skillTarget()); err != nil {
		return nil, err
	}
	art := v.Platforms[platform.Any]
	if pinned != nil {
		if want := pinned.Hashes[platform.Any].Artifact; want != "" && want != art.SHA256 {
			return nil, fmt.Errorf("skill %s %s: the registry's artifact (sha256 %s) is not the one in the lock file (sha256 %s); refusing to install a changed release", name, v.Version, art.SHA256, want)
		}
	}
	st, err := in.newStaging()
	if err != nil {
		return nil, err
	}
	defer st.remove()
	file, err := in.download(ctx, st, f, art, fmt.Sprintf("%s %s", name, v.Version))
	if err != nil {
		return nil, err
	}
	dir, err := in.unpack(st, file)
	if err != nil {
		return nil, fmt.Errorf("install skill %s %s: %w", name, v.Version, err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "SKILL.md"))
	if err != nil {
		return nil, fmt.Errorf("install skill %s %s: bundle has no SKILL.md", name, v.Version)
	}
	info, err := in.opts.ReadSkill(data)
	if err != nil {
		return nil, fmt.Errorf("install skill %s %s: SKILL.md: %w", name, v.Version, err)
	}
	if info.Name != v.ID {
		return nil, fmt.Errorf("install skill %s %s: SKILL.md names %q, the index %q", name, v.Version, info.Name, v.ID)
	}
	tree, err := TreeSHA256(dir)
	if err != nil {
		return nil, err
	}
	sw, err := in.moveIntoPlace(dir, target, tree)
	if err != nil {
		return nil, err
	}
	c := rng.String()
	if pinned != nil {
		c = pinned.Constraint
	}
	entry := &LockEntry{
		Package: name, ID: v.ID, Version: v.Version, Constraint: c, Source: f.Registry,
		Dir: path.Join(SkillsDir, name), SignedBy: f.KeyID, Requires: v.Requires, InstalledAt: in.now(),
		Hashes: map[string]Hashes{platform.Any: {Artifact: art.SHA256, Tree: tree}},
	}
	s.lock.Skills[name] = entry
	if err := s.saveLock(); err != nil {
		if prev != nil {
			s.lock.Skills[name] = prev
		} else {
			delete(s.lock.Skills, name)
		}
		return nil, rollbackErr(sw, err)
	}
	sw.finish()
	res := &Result{Package: name, ID: v.ID, Version: v.Version, Source: f.Registry, Dir: entry.Path(in.opts.StateDir), Enabled: true, Skipped: skipped}
	if prev != nil {
		res.Previous = prev.Version
	}
	for _, sk := range skipped {
		res.Notes = append(res.Notes, fmt.Sprintf("skipped newer %s %s: %s", name, sk.Version, sk.Reason))
	}
	return res, nil
}

// skillTarget is the machine target for skills, which run anywhere.
func (in *Installer) skillTarget() target {
	t := in.target
	t.platform = platform.Any
	return t
}

// skillDeps installs (with WithDeps) or names the plugins a skill requires
// that are not installed.
func (s *session) skillDeps(ctx context.Context, e *LockEntry, req SkillRequest) (results []*Result, notes []string, err error) {
	var errs []error
	for _, dep := range e.Requires {
		spec, err := ParseSpec(dep)
		if err != nil || spec.Kind != "registry" {
			errs = append(errs, fmt.Errorf("skill %s requires %q, which is not a plugin name", e.ID, dep))
			continue
		}
		if _, ok := s.lock.Plugins[spec.Name]; ok {
			continue
		}
		if !req.WithDeps {
			notes = append(notes, fmt.Sprintf("skill %s needs plugin %s, which is not installed: rerun with --with-deps or run `openclaw plugins install %s`", e.ID, dep, dep))
			continue
		}
		r, err := s.install(ctx, InstallRequest{Spec: dep, AcceptCapabilities: req.AcceptCapabilities})
		if err != nil {
			errs = append(errs, fmt.Errorf("install %s for skill %s: %w", dep, e.ID, err))
			continue
		}
		results = append(results, r)
	}
	return results, notes, errors.Join(errs...)
}

// MissingPlugins lists the plugins an installed skill requires that the lock
// file does not have.
func (l *Lock) MissingPlugins(skill *LockEntry) []string {
	var missing []string
	for _, dep := range skill.Requires {
		name := dep
		if i := strings.LastIndex(dep, "@"); i > 0 {
			name = dep[:i]
		}
		if _, ok := l.Plugin(name); !ok {
			missing = append(missing, dep)
		}
	}
	return missing
}

// UpdateSkills updates managed skills; see UpdateRequest for Upgrade.
func (in *Installer) UpdateSkills(ctx context.Context, req UpdateRequest) ([]*Result, error) {
	s, err := in.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer s.end()
	entries, err := selectEntries(s.lock.Skills, req.Targets, req.All, "skill")
	if err != nil {
		return nil, err
	}
	var results []*Result
	var errs []error
	for _, e := range entries {
		r, err := s.updateSkill(ctx, e, req)
		if err != nil {
			errs = append(errs, fmt.Errorf("update skill %s: %w", e.ID, err))
			continue
		}
		results = append(results, r)
	}
	return results, errors.Join(errs...)
}

func (s *session) updateSkill(ctx context.Context, e *LockEntry, req UpdateRequest) (*Result, error) {
	in := s.in
	base := &Result{Package: e.Package, ID: e.ID, Version: e.Version, Previous: e.Version, Source: e.Source, Dir: e.Path(in.opts.StateDir), Unchanged: true, Enabled: true}
	rng, err := constraint.Parse(e.Constraint)
	if err != nil {
		return nil, fmt.Errorf("recorded range: %w", err)
	}
	intact := verifySkill(in.opts.StateDir, e) == nil
	if !req.Upgrade {
		if intact {
			if f, err := in.client.Package(ctx, e.Package); err == nil {
				if v, _, err := selectVersion(f.Package, rng, in.skillTarget()); err == nil && v.Version != e.Version {
					base.Notes = append(base.Notes, fmt.Sprintf("%s %s is available (the lock file keeps %s); run with --upgrade to install it", e.Package, v.Version, e.Version))
				}
			}
			return base, nil
		}
		return s.installSkill(ctx, e.Package, rng, e, true)
	}
	if intact {
		f, err := in.client.Package(ctx, e.Package)
		if err != nil {
			return nil, err
		}
		v, _, err := selectVersion(f.Package, rng, in.skillTarget())
		if err != nil {
			return nil, err
		}
		if v.Version == e.Version {
			return base, nil
		}
	}
	return s.installSkill(ctx, e.Package, rng, nil, true)
}

// UninstallSkill removes a managed skill installed from a registry.
func (in *Installer) UninstallSkill(ctx context.Context, name string) (*Result, error) {
	s, err := in.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer s.end()
	e, ok := s.lock.Skills[name]
	if !ok {
		return nil, fmt.Errorf("skill %q was not installed from a registry (only managed skills installed with `openclaw skills install` can be uninstalled)", name)
	}
	delete(s.lock.Skills, name)
	if err := s.saveLock(); err != nil {
		return nil, err
	}
	dir := e.Path(in.opts.StateDir)
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("remove %s: %w", dir, err)
	}
	removeEmptyParents(filepath.Join(in.opts.StateDir, SkillsDir), filepath.Dir(dir))
	return &Result{Package: e.Package, ID: e.ID, Version: e.Version, Source: e.Source, Dir: dir}, nil
}
