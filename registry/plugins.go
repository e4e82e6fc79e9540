package registry

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	version "github.com/hashicorp/go-version"

	"github.com/openclaw-go/openclaw/pluginsdk/manifest"
	"github.com/openclaw-go/openclaw/registry/archive"
	"github.com/openclaw-go/openclaw/registry/constraint"
	"github.com/openclaw-go/openclaw/registry/index"
)

// ErrNotInstalled means the lock file has no such plugin or skill.
var ErrNotInstalled = errors.New("not installed")

// InstallRequest asks for one plugin.
type InstallRequest struct {
	// Spec is a registry spec ("@scope/name@^1.4"), a plugin folder or a
	// .tar.gz bundle; with Link, a plugin folder to use in place.
	Spec string
	Link bool
	// Force confirms an untrusted source and allows replacing an installed
	// plugin.
	Force              bool
	AcceptCapabilities bool
}

// staged is a verified plugin build ready to move into place.
type staged struct {
	pkg        string
	m          *manifest.Manifest
	constraint string
	source     string
	signedBy   string
	dir        string // unpacked files (empty for links)
	linked     bool
	hashes     map[string]Hashes
	skipped    []Skip
	notes      []string
}

// Install installs one plugin and enables it in config (or records it
// disabled, with the reason, when its required config is missing).
func (in *Installer) Install(ctx context.Context, req InstallRequest) (*Result, error) {
	s, err := in.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer s.end()
	return s.install(ctx, req)
}

func (s *session) install(ctx context.Context, req InstallRequest) (*Result, error) {
	in := s.in
	var spec Spec
	var err error
	if req.Link {
		if spec, err = localSpec(req.Spec); err == nil && spec.Kind != "path" {
			err = fmt.Errorf("--link needs a plugin folder, not %s", req.Spec)
		}
	} else {
		spec, err = ParseSpec(req.Spec)
	}
	if err != nil {
		return nil, err
	}
	if spec.Kind == "registry" {
		if e, ok := s.lock.Plugins[spec.Name]; ok && !req.Force {
			return nil, fmt.Errorf("%s %s is already installed; run `openclaw plugins update %s` to update it, or add --force to reinstall", spec.Name, e.Version, e.ID)
		}
	}
	st, err := in.newStaging()
	if err != nil {
		return nil, err
	}
	defer st.remove()
	var sp *staged
	switch {
	case req.Link:
		sp, err = s.stageLink(ctx, spec.Path, req)
	case spec.Kind == "registry":
		sp, err = s.stageRegistry(ctx, st, spec.Name, spec.Range, nil, req.AcceptCapabilities)
	default:
		sp, err = s.stageLocal(ctx, st, spec, req)
	}
	if err != nil {
		return nil, err
	}
	if prev, ok := s.lock.Plugins[sp.pkg]; ok && !req.Force {
		return nil, fmt.Errorf("%s %s is already installed from %s; add --force to replace it", sp.pkg, prev.Version, prev.Source)
	}
	return s.commitPlugin(ctx, sp)
}

// stageRegistry resolves, downloads, verifies and unpacks a registry build.
// pinned, when set, is the lock's entry whose exact version and artifact
// hash the download must match.
func (s *session) stageRegistry(ctx context.Context, st *staging, name string, rng constraint.Range, pinned *LockEntry, accept bool) (*staged, error) {
	in := s.in
	f, err := in.client.Package(ctx, name)
	if err != nil {
		return nil, err
	}
	if f.Package.Kind != index.KindPlugin {
		return nil, fmt.Errorf("%s is a %s, not a plugin (use `openclaw skills install %s`)", name, f.Package.Kind, name)
	}
	v, skipped, err := in.pick(f.Package, rng, pinned)
	if err != nil {
		return nil, err
	}
	if other, ok := s.lock.Plugin(v.ID); ok && other.Package != name {
		return nil, fmt.Errorf("%s provides plugin id %q, which %s already provides; uninstall %s first", name, v.ID, other.Package, other.Package)
	}
	var accepted *manifest.Capabilities
	if prev, ok := s.lock.Plugins[name]; ok {
		accepted = prev.Capabilities
	}
	if err := in.consent(ctx, fmt.Sprintf("%s %s", name, v.Version), v.Capabilities, accepted, accept); err != nil {
		return nil, err
	}
	art := v.Platforms[in.target.platform]
	if pinned != nil {
		if want, ok := pinned.Hashes[in.target.platform]; ok && want.Artifact != "" && want.Artifact != art.SHA256 {
			return nil, fmt.Errorf("%s %s for %s: the registry's artifact (sha256 %s) is not the one in the lock file (sha256 %s); refusing to install a changed release",
				name, v.Version, in.target.platform, art.SHA256, want.Artifact)
		}
	}
	file, err := in.download(ctx, st, f, art, fmt.Sprintf("%s %s", name, v.Version))
	if err != nil {
		return nil, err
	}
	dir, err := in.unpack(st, file)
	if err != nil {
		return nil, fmt.Errorf("install %s %s: %w", name, v.Version, err)
	}
	m, err := checkPluginDir(dir, name, v)
	if err != nil {
		return nil, fmt.Errorf("install %s %s: %w", name, v.Version, err)
	}
	if got, err := fileSHA256(m.ExecutablePath(dir)); err != nil || got != art.ExecutableSHA256 {
		return nil, fmt.Errorf("install %s %s: the executable's sha256 %s does not match the signed index (%s)", name, v.Version, got, art.ExecutableSHA256)
	}
	hashes := map[string]Hashes{}
	for key, a := range v.Platforms {
		hashes[key] = Hashes{Artifact: a.SHA256, Executable: a.ExecutableSHA256}
	}
	if err := addTree(hashes, in.target.platform, dir); err != nil {
		return nil, err
	}
	c := rng.String()
	if pinned != nil {
		c = pinned.Constraint
	}
	sp := &staged{pkg: name, m: m, constraint: c, source: f.Registry, signedBy: f.KeyID, dir: dir, hashes: hashes, skipped: skipped}
	for _, sk := range skipped {
		sp.notes = append(sp.notes, fmt.Sprintf("skipped newer %s %s: %s", name, sk.Version, sk.Reason))
	}
	if in.warnDev && v.Gateway != "" {
		sp.notes = append(sp.notes, fmt.Sprintf("gateway version %q is not a release version; %s's gateway requirement %q was not checked", in.opts.GatewayVersion, name, v.Gateway))
	}
	return sp, nil
}

// pick chooses the version to install: the pinned one, or the newest in rng
// that runs here.
func (in *Installer) pick(pkg *index.Package, rng constraint.Range, pinned *LockEntry) (*index.Version, []Skip, error) {
	if pinned == nil {
		return selectVersion(pkg, rng, in.target)
	}
	v, ok := pkg.Find(pinned.Version)
	if !ok {
		return nil, nil, fmt.Errorf("%s %s (from the lock file) is no longer published", pkg.Name, pinned.Version)
	}
	if reasons := incompatibilities(pkg.Kind, v, in.target); len(reasons) > 0 {
		return nil, nil, fmt.Errorf("%s %s (from the lock file) cannot be installed here: %s", pkg.Name, v.Version, strings.Join(reasons, "; "))
	}
	return v, nil, nil
}

// checkPluginDir checks the unpacked manifest against the signed index.
func checkPluginDir(dir, name string, v *index.Version) (*manifest.Manifest, error) {
	m, err := manifest.Load(dir)
	if err != nil {
		return nil, err
	}
	switch {
	case m.ID != v.ID:
		return nil, fmt.Errorf("bundle's manifest id %q differs from the index (%q)", m.ID, v.ID)
	case m.Version != v.Version:
		return nil, fmt.Errorf("bundle's manifest version %s differs from the index (%s)", m.Version, v.Version)
	case m.Package != "" && m.Package != name:
		return nil, fmt.Errorf("bundle's manifest package %q differs from the index (%q)", m.Package, name)
	case !reflect.DeepEqual(normalizeCaps(m.Capabilities), normalizeCaps(v.Capabilities)):
		return nil, errors.New("bundle's declared capabilities differ from the signed index")
	}
	if err := makeExecutable(m.ExecutablePath(dir)); err != nil {
		return nil, err
	}
	return m, nil
}

func normalizeCaps(c manifest.Capabilities) manifest.Capabilities {
	norm := func(xs []string) []string {
		if len(xs) == 0 {
			return nil
		}
		out := append([]string(nil), xs...)
		sort.Strings(out)
		return out
	}
	return manifest.Capabilities{Network: norm(c.Network), HostServices: norm(c.HostServices), Secrets: norm(c.Secrets), Exec: c.Exec}
}

func makeExecutable(p string) error {
	fi, err := os.Lstat(p)
	if err != nil {
		return fmt.Errorf("executable: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("executable %s is not a regular file", filepath.Base(p))
	}
	return os.Chmod(p, 0o755)
}

func addTree(hashes map[string]Hashes, key, dir string) error {
	tree, err := TreeSHA256(dir)
	if err != nil {
		return err
	}
	h := hashes[key]
	h.Tree = tree
	hashes[key] = h
	return nil
}

// stageLocal copies a plugin folder or unpacks a bundle file.
func (s *session) stageLocal(ctx context.Context, st *staging, spec Spec, req InstallRequest) (*staged, error) {
	in := s.in
	source := spec.Kind + ":" + spec.Path
	warning, err := in.confirmSource(ctx, spec.Path, req.Force)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(st.dir, "pkg")
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	hashes := map[string]Hashes{}
	var artifactSum string
	if spec.Kind == "archive" {
		if artifactSum, err = fileSHA256(spec.Path); err != nil {
			return nil, err
		}
		f, err := os.Open(spec.Path)
		if err != nil {
			return nil, err
		}
		err = archive.Extract(f, dir, in.opts.FS, in.opts.Limits)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("install from %s: %w", spec.Path, err)
		}
	} else if err := archive.CopyTree(spec.Path, dir, in.opts.FS, in.opts.Limits); err != nil {
		return nil, fmt.Errorf("install from %s: %w", spec.Path, err)
	}
	m, err := manifest.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("install from %s: %w", spec.Path, err)
	}
	exe := m.ExecutablePath(dir)
	if err := makeExecutable(exe); err != nil {
		return nil, fmt.Errorf("install from %s: %w", spec.Path, err)
	}
	if err := s.checkLocalManifest(ctx, m, req); err != nil {
		return nil, err
	}
	exeSum, err := fileSHA256(exe)
	if err != nil {
		return nil, err
	}
	hashes[in.target.platform] = Hashes{Artifact: artifactSum, Executable: exeSum}
	if err := addTree(hashes, in.target.platform, dir); err != nil {
		return nil, err
	}
	return &staged{pkg: packageOf(m), m: m, source: source, dir: dir, hashes: hashes, notes: []string{warning}}, nil
}

// stageLink uses a development folder in place.
func (s *session) stageLink(ctx context.Context, dir string, req InstallRequest) (*staged, error) {
	warning, err := s.in.confirmSource(ctx, dir, req.Force)
	if err != nil {
		return nil, err
	}
	m, err := manifest.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("link %s: %w", dir, err)
	}
	if _, err := os.Stat(m.ExecutablePath(dir)); err != nil {
		return nil, fmt.Errorf("link %s: build the plugin first: %w", dir, err)
	}
	if err := s.checkLocalManifest(ctx, m, req); err != nil {
		return nil, err
	}
	notes := []string{warning, "linked plugins are not hash-checked before start; rebuild freely while developing"}
	return &staged{pkg: packageOf(m), m: m, source: "link:" + dir, dir: dir, linked: true, notes: notes}, nil
}

// checkLocalManifest applies the registry's compatibility and consent rules
// to a manifest that came without an index.
func (s *session) checkLocalManifest(ctx context.Context, m *manifest.Manifest, req InstallRequest) error {
	in := s.in
	v := &index.Version{Version: m.Version, Protocols: m.ProtocolVersions, Gateway: m.Gateway,
		Platforms: map[string]index.Artifact{in.target.platform: {}}}
	if reasons := incompatibilities(index.KindPlugin, v, in.target); len(reasons) > 0 {
		return fmt.Errorf("%s %s cannot run here: %s", m.ID, m.Version, strings.Join(reasons, "; "))
	}
	pkg := packageOf(m)
	if other, ok := s.lock.Plugin(m.ID); ok && other.Package != pkg {
		return fmt.Errorf("plugin id %q is already provided by %s; uninstall it first", m.ID, other.Package)
	}
	// Local sources have no recorded integrity, so earlier consent cannot
	// carry over: ask every time.
	return in.consent(ctx, fmt.Sprintf("%s %s", m.ID, m.Version), m.Capabilities, nil, req.AcceptCapabilities)
}

func packageOf(m *manifest.Manifest) string {
	if m.Package != "" {
		return m.Package
	}
	return m.ID
}

// commitPlugin tries the staged build (Options.TryStart), moves it into
// place, records it in the lock file and sets its enablement in config. A
// failure before the lock is written restores the previous files.
func (s *session) commitPlugin(ctx context.Context, sp *staged) (*Result, error) {
	in := s.in
	prev := s.lock.Plugins[sp.pkg]
	entry := &LockEntry{
		Package: sp.pkg, ID: sp.m.ID, Version: sp.m.Version, Constraint: sp.constraint, Source: sp.source,
		Linked: sp.linked, Executable: sp.m.Executable, SignedBy: sp.signedBy, InstalledAt: in.now(), Hashes: sp.hashes,
	}
	caps := sp.m.Capabilities
	if !caps.Empty() {
		entry.Capabilities = &caps
	}
	var sw *swap
	if sp.linked {
		entry.Dir = sp.dir
	} else {
		if in.opts.TryStart != nil {
			if err := in.opts.TryStart(ctx, sp.dir, sp.m, sp.hashes[in.target.platform].Executable); err != nil {
				return nil, fmt.Errorf("%s %s does not start here, so it was not installed: %w", sp.pkg, sp.m.Version, err)
			}
		}
		entry.Dir = path.Join(PluginsDir, sp.pkg, sp.m.Version)
		var err error
		if sw, err = in.moveIntoPlace(sp.dir, entry.Path(in.opts.StateDir), sp.hashes[in.target.platform].Tree); err != nil {
			return nil, err
		}
	}
	enabled, reason, err := s.enablement(sp.m, prev)
	if err != nil {
		return nil, rollbackErr(sw, err)
	}
	entry.DisabledReason = reason
	s.lock.Plugins[sp.pkg] = entry
	if err := s.saveLock(); err != nil {
		if prev != nil {
			s.lock.Plugins[sp.pkg] = prev
		} else {
			delete(s.lock.Plugins, sp.pkg)
		}
		return nil, rollbackErr(sw, err)
	}
	if sw != nil {
		sw.finish()
	}
	res := &Result{Package: sp.pkg, ID: sp.m.ID, Version: sp.m.Version, Source: sp.source, Dir: entry.Path(in.opts.StateDir),
		Enabled: enabled, DisabledReason: reason, Skipped: sp.skipped, Notes: sp.notes}
	if prev != nil {
		res.Previous = prev.Version
	}
	if err := in.opts.Config.Set(entryPath(sp.m.ID, "enabled"), enabled); err != nil {
		return res, fmt.Errorf("%s %s is installed, but recording it in config failed: %w", sp.pkg, sp.m.Version, err)
	}
	in.prune(sp.pkg, entry, prev)
	return res, nil
}

func rollbackErr(sw *swap, err error) error {
	if sw == nil {
		return err
	}
	if uerr := sw.undo(); uerr != nil {
		return fmt.Errorf("%w (and restoring the previous install failed: %v)", err, uerr)
	}
	return err
}

// enablement decides the enabled flag: an explicit enabled:false in config
// is kept; missing required config disables with a reason; else enabled.
func (s *session) enablement(m *manifest.Manifest, prev *LockEntry) (bool, string, error) {
	missing, err := missingConfig(s.in.opts.Config, m, s.in.opts.Getenv)
	if err != nil {
		return false, "", err
	}
	if len(missing) > 0 {
		return false, "missing required config: " + strings.Join(missing, "; "), nil
	}
	v, ok, err := s.in.opts.Config.Get(entryPath(m.ID, "enabled"))
	if err != nil {
		return false, "", err
	}
	if ok && v == false && (prev == nil || prev.DisabledReason == "") {
		return false, "", nil
	}
	return true, "", nil
}

func entryPath(id string, rest ...string) []string {
	return append([]string{"plugins", "entries", id}, rest...)
}

// configSection is where a plugin's own config lives.
func configSection(m *manifest.Manifest) []string {
	if m.HasKind(manifest.KindChannel) && len(m.Channels) > 0 {
		return []string{"channels", m.Channels[0]}
	}
	return entryPath(m.ID, "config")
}

// missingConfig lists required keys that neither config nor environment set.
func missingConfig(cfg Config, m *manifest.Manifest, getenv func(string) string) ([]string, error) {
	var missing []string
	section := configSection(m)
	for _, rk := range m.RequiredConfig {
		p := append(append([]string(nil), section...), strings.Split(rk.Key, ".")...)
		v, ok, err := cfg.Get(p)
		if err != nil {
			return nil, err
		}
		if ok && v != nil && v != "" {
			continue
		}
		fromEnv := false
		for _, e := range rk.Env {
			if getenv(e) != "" {
				fromEnv = true
				break
			}
		}
		if fromEnv {
			continue
		}
		msg := strings.Join(p, ".")
		if len(rk.Env) > 0 {
			msg += " (or set " + strings.Join(rk.Env, " or ") + ")"
		}
		missing = append(missing, msg)
	}
	return missing, nil
}

// prune removes version folders other than the new one and the one it
// replaced: a running gateway may still execute the previous binary while it
// switches over.
func (in *Installer) prune(pkg string, cur, prev *LockEntry) {
	dir := filepath.Join(in.opts.StateDir, PluginsDir, filepath.FromSlash(pkg))
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	keep := map[string]bool{cur.Version: true}
	if prev != nil && !prev.Linked {
		keep[prev.Version] = true
	}
	for _, e := range entries {
		if _, err := version.NewSemver(e.Name()); err != nil || keep[e.Name()] || !e.IsDir() {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			in.log.Warn("could not remove an old plugin version", "dir", filepath.Join(dir, e.Name()), "error", err)
		}
	}
}

// UpdateRequest selects plugins to update.
type UpdateRequest struct {
	// Targets are plugin ids or package names; All selects every plugin.
	Targets []string
	All     bool
	// Upgrade moves to the newest version in the recorded range; without it
	// the lock file's exact version wins and update only repairs or
	// completes the install (for example from a lock file made elsewhere).
	Upgrade            bool
	AcceptCapabilities bool
}

// Update updates the selected plugins, one at a time; a failure of one does
// not stop the others, and every failure is in the returned error.
func (in *Installer) Update(ctx context.Context, req UpdateRequest) ([]*Result, error) {
	s, err := in.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer s.end()
	entries, err := selectEntries(s.lock.Plugins, req.Targets, req.All, "plugin")
	if err != nil {
		return nil, err
	}
	var results []*Result
	var errs []error
	for _, e := range entries {
		r, err := s.update(ctx, e, req)
		if err != nil {
			errs = append(errs, fmt.Errorf("update %s: %w", e.ID, err))
			continue
		}
		results = append(results, r)
	}
	return results, errors.Join(errs...)
}

func selectEntries(m map[string]*LockEntry, targets []string, all bool, kind string) ([]*LockEntry, error) {
	if all {
		return sorted(m), nil
	}
	if len(targets) == 0 {
		return nil, fmt.Errorf("name the %ss to update, or use --all", kind)
	}
	var out []*LockEntry
	seen := map[string]bool{}
	for _, t := range targets {
		var e *LockEntry
		if x, ok := m[t]; ok {
			e = x
		} else {
			for _, x := range m {
				if x.ID == t {
					e = x
				}
			}
		}
		if e == nil {
			return nil, fmt.Errorf("%s %q is not installed", kind, t)
		}
		if !seen[e.Package] {
			seen[e.Package] = true
			out = append(out, e)
		}
	}
	return out, nil
}

func (s *session) update(ctx context.Context, e *LockEntry, req UpdateRequest) (*Result, error) {
	in := s.in
	base := &Result{Package: e.Package, ID: e.ID, Version: e.Version, Previous: e.Version, Source: e.Source, Dir: e.Path(in.opts.StateDir), Unchanged: true}
	if e.SourceKind() != "registry" {
		base.Notes = append(base.Notes, fmt.Sprintf("installed from %s; reinstall from its source to update it", e.Source))
		return base, nil
	}
	intact := verifyPlugin(in.opts.StateDir, e, in.target.platform) == nil
	rng, err := constraint.Parse(e.Constraint)
	if err != nil {
		return nil, fmt.Errorf("recorded range: %w", err)
	}
	var pinned *LockEntry
	if !req.Upgrade {
		if intact {
			base.Notes = append(base.Notes, in.newerNote(ctx, e, rng)...)
			return base, nil
		}
		pinned = e
	}
	st, err := in.newStaging()
	if err != nil {
		return nil, err
	}
	defer st.remove()
	if req.Upgrade && intact {
		f, err := in.client.Package(ctx, e.Package)
		if err != nil {
			return nil, err
		}
		v, skipped, err := in.pick(f.Package, rng, nil)
		if err != nil {
			return nil, err
		}
		if v.Version == e.Version {
			for _, sk := range skipped {
				base.Notes = append(base.Notes, fmt.Sprintf("skipped newer %s: %s", sk.Version, sk.Reason))
			}
			return base, nil
		}
	}
	sp, err := s.stageRegistry(ctx, st, e.Package, rng, pinned, req.AcceptCapabilities)
	if err != nil {
		return nil, err
	}
	sp.constraint = e.Constraint
	return s.commitPlugin(ctx, sp)
}

// newerNote says when a newer version in range is available.
func (in *Installer) newerNote(ctx context.Context, e *LockEntry, rng constraint.Range) []string {
	newer, err := in.newer(ctx, e, rng)
	if err != nil {
		return []string{fmt.Sprintf("could not check for newer versions: %v", err)}
	}
	if newer == "" {
		return nil
	}
	return []string{fmt.Sprintf("%s %s is available (the lock file keeps %s); run with --upgrade to install it", e.Package, newer, e.Version)}
}

// Available returns the newest version of an installed plugin that its
// recorded range, this gateway and this platform allow, when it is newer
// than the installed one; "" when there is none or the plugin was not
// installed from a registry.
func (in *Installer) Available(ctx context.Context, pkg string) (string, error) {
	lock, err := LoadLock(filepath.Join(in.opts.StateDir, LockFileName))
	if err != nil {
		return "", err
	}
	e, ok := lock.Plugin(pkg)
	if !ok {
		return "", fmt.Errorf("%s: %w", pkg, ErrNotInstalled)
	}
	if e.SourceKind() != "registry" {
		return "", nil
	}
	rng, err := constraint.Parse(e.Constraint)
	if err != nil {
		return "", fmt.Errorf("recorded range: %w", err)
	}
	return in.newer(ctx, e, rng)
}

func (in *Installer) newer(ctx context.Context, e *LockEntry, rng constraint.Range) (string, error) {
	f, err := in.client.Package(ctx, e.Package)
	if err != nil {
		return "", err
	}
	v, _, err := selectVersion(f.Package, rng, in.target)
	if err != nil || v.Version == e.Version {
		return "", nil
	}
	cur, err1 := version.NewSemver(e.Version)
	nv, err2 := version.NewSemver(v.Version)
	if err1 != nil || err2 != nil || !nv.GreaterThan(cur) {
		return "", nil
	}
	return v.Version, nil
}

// Uninstall removes a plugin's files, lock entry and config entry. The
// plugin's own settings (its config section and data folder) are user data
// and stay unless purge is set.
func (in *Installer) Uninstall(ctx context.Context, target string, purge bool) (*Result, error) {
	s, err := in.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer s.end()
	e, ok := s.lock.Plugin(target)
	if !ok {
		return nil, fmt.Errorf("plugin %q is %w", target, ErrNotInstalled)
	}
	m, _ := manifest.Load(e.Path(in.opts.StateDir))
	delete(s.lock.Plugins, e.Package)
	if err := s.saveLock(); err != nil {
		return nil, err
	}
	res := &Result{Package: e.Package, ID: e.ID, Version: e.Version, Source: e.Source, Dir: e.Path(in.opts.StateDir)}
	if !e.Linked {
		if err := os.RemoveAll(filepath.Join(in.opts.StateDir, PluginsDir, filepath.FromSlash(e.Package))); err != nil {
			return res, fmt.Errorf("remove %s: %w", e.Package, err)
		}
		removeEmptyParents(filepath.Join(in.opts.StateDir, PluginsDir), filepath.Dir(filepath.Join(in.opts.StateDir, PluginsDir, filepath.FromSlash(e.Package))))
	}
	cfg := in.opts.Config
	if purge {
		if err := cfg.Delete(entryPath(e.ID)); err != nil {
			return res, err
		}
		if m != nil && m.HasKind(manifest.KindChannel) {
			for _, ch := range m.Channels {
				if err := cfg.Delete([]string{"channels", ch}); err != nil {
					return res, err
				}
			}
		}
		if err := os.RemoveAll(filepath.Join(in.opts.StateDir, pluginDataDir, e.ID)); err != nil {
			return res, err
		}
		return res, nil
	}
	v, ok, err := cfg.Get(entryPath(e.ID))
	if err != nil || !ok {
		return res, err
	}
	if m, isMap := v.(map[string]any); isMap {
		if _, hasFlag := m["enabled"]; len(m) == 0 || len(m) == 1 && hasFlag {
			// Nothing but the flag: drop the whole entry.
			return res, cfg.Delete(entryPath(e.ID))
		}
	}
	return res, cfg.Delete(entryPath(e.ID, "enabled"))
}

// removeEmptyParents removes dir and its parents up to (not including) stop
// while they are empty (the "@scope" folder of a removed scoped package).
func removeEmptyParents(stop, dir string) {
	for dir != stop && strings.HasPrefix(dir, stop) {
		if err := os.Remove(dir); err != nil {
			return
		}
		dir = filepath.Dir(dir)
	}
}

// SetEnabled enables or disables an installed plugin in config. Enabling
// checks required config and capability consent first.
func (in *Installer) SetEnabled(ctx context.Context, target string, enabled, accept bool) (*Result, error) {
	s, err := in.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer s.end()
	e, ok := s.lock.Plugin(target)
	if !ok {
		return nil, fmt.Errorf("plugin %q is %w (installed: %s)", target, ErrNotInstalled, strings.Join(ids(s.lock), ", "))
	}
	res := &Result{Package: e.Package, ID: e.ID, Version: e.Version, Source: e.Source, Dir: e.Path(in.opts.StateDir), Enabled: enabled}
	if enabled {
		m, err := manifest.Load(e.Path(in.opts.StateDir))
		if err != nil {
			return nil, err
		}
		missing, err := missingConfig(in.opts.Config, m, in.opts.Getenv)
		if err != nil {
			return nil, err
		}
		if len(missing) > 0 {
			return nil, fmt.Errorf("cannot enable %s: missing required config: %s", e.ID, strings.Join(missing, "; "))
		}
		if err := in.consent(ctx, fmt.Sprintf("%s %s", e.Package, e.Version), m.Capabilities, e.Capabilities, accept); err != nil {
			return nil, err
		}
		if e.DisabledReason != "" {
			e.DisabledReason = ""
			if !m.Capabilities.Empty() {
				caps := m.Capabilities
				e.Capabilities = &caps
			}
			if err := s.saveLock(); err != nil {
				return nil, err
			}
		}
	}
	if err := in.opts.Config.Set(entryPath(e.ID, "enabled"), enabled); err != nil {
		return nil, err
	}
	return res, nil
}

func ids(l *Lock) []string {
	var out []string
	for _, e := range l.Entries() {
		out = append(out, e.ID)
	}
	if len(out) == 0 {
		return []string{"none"}
	}
	return out
}
