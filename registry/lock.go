package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/openclaw-go/openclaw/pluginsdk/atomicfile"
	"github.com/openclaw-go/openclaw/pluginsdk/manifest"
	"github.com/openclaw-go/openclaw/registry/platform"
)

// LockFileName is the lock file's name inside the state directory.
const LockFileName = "openclaw.lock"

// LockFormat is the lock file's format version. Older formats are upgraded
// on load; newer ones are refused rather than half understood.
const LockFormat = 1

// Lock records what is installed: per package the exact version, the range
// the user asked for, where it came from and the hashes of its artifact and
// executable for every platform the registry lists, so the same lock file
// reproduces the install on another machine.
type Lock struct {
	Format  int                   `json:"format"`
	Plugins map[string]*LockEntry `json:"plugins"`
	Skills  map[string]*LockEntry `json:"skills"`
}

// LockEntry is one installed package.
type LockEntry struct {
	// Package is the registry name (the map key); for plugins installed
	// from a folder without a package name it is the plugin id.
	Package string `json:"-"`
	// ID is the plugin's manifest id (plugins.entries.<id>) or the skill name.
	ID      string `json:"id"`
	Version string `json:"version"`
	// Constraint is the version range the user asked for ("" = newest).
	Constraint string `json:"constraint,omitempty"`
	// Source is the registry URL that served the package, or "path:<dir>",
	// "archive:<file>" or "link:<dir>" for local installs.
	Source string `json:"source"`
	// Dir holds the installed files. It is relative to the state directory
	// (slash-separated) for copied installs and absolute for linked ones;
	// use Path to get a usable path in either case.
	Dir    string `json:"dir"`
	Linked bool   `json:"linked,omitempty"`
	// Executable is the plugin binary's file name inside Dir.
	Executable string `json:"executable,omitempty"`
	// SignedBy is the id of the key whose signature verified the package.
	SignedBy string `json:"signedBy,omitempty"`
	// Capabilities are the capabilities the user accepted for this plugin.
	Capabilities *manifest.Capabilities `json:"capabilities,omitempty"`
	// Requires lists packages a skill needs (its tool plugins).
	Requires []string `json:"requires,omitempty"`
	// DisabledReason says why install left the plugin disabled.
	DisabledReason string `json:"disabledReason,omitempty"`
	InstalledAt    string `json:"installedAt,omitempty"`
	// Hashes maps "os/arch" (or "any" for skills) to hex SHA-256 digests.
	Hashes map[string]Hashes `json:"hashes,omitempty"`
}

// Hashes are one platform's digests.
type Hashes struct {
	// Artifact is the downloaded .tar.gz.
	Artifact string `json:"artifact,omitempty"`
	// Executable is the plugin binary inside it.
	Executable string `json:"executable,omitempty"`
	// Tree is the hash of the unpacked files (see TreeSHA256); recorded for
	// the platform that was actually unpacked here.
	Tree string `json:"tree,omitempty"`
}

// ExecutableSHA256 is the recorded hash of the plugin binary for a platform,
// for the host to pass to go-plugin's SecureConfig before every start.
// Linked plugins have none: they are rebuilt at will during development.
func (e *LockEntry) ExecutableSHA256(goos, goarch string) (string, bool) {
	h, ok := e.Hashes[platform.Platform{OS: goos, Arch: goarch}.Key()]
	if !ok || h.Executable == "" {
		return "", false
	}
	return h.Executable, true
}

// Path is the absolute folder of the installed files.
func (e *LockEntry) Path(stateDir string) string {
	if filepath.IsAbs(e.Dir) {
		return e.Dir
	}
	return filepath.Join(stateDir, filepath.FromSlash(e.Dir))
}

// SourceKind is "registry", "path", "archive" or "link".
func (e *LockEntry) SourceKind() string {
	if k, _, ok := strings.Cut(e.Source, ":"); ok && (k == "path" || k == "archive" || k == "link") {
		return k
	}
	return "registry"
}

// NewLock returns an empty lock.
func NewLock() *Lock {
	return &Lock{Format: LockFormat, Plugins: map[string]*LockEntry{}, Skills: map[string]*LockEntry{}}
}

// LoadLock reads a lock file. A missing file is an empty lock.
func LoadLock(path string) (*Lock, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return NewLock(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read lock file: %w", err)
	}
	l, err := ParseLock(data)
	if err != nil {
		return nil, fmt.Errorf("lock file %s: %w", path, err)
	}
	return l, nil
}

// ParseLock decodes and checks lock file bytes.
func ParseLock(data []byte) (*Lock, error) {
	l := NewLock()
	if err := json.Unmarshal(data, l); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	if l.Format < 1 || l.Format > LockFormat {
		return nil, fmt.Errorf("format %d is not supported (this version reads format %d); upgrade openclaw", l.Format, LockFormat)
	}
	if l.Plugins == nil {
		l.Plugins = map[string]*LockEntry{}
	}
	if l.Skills == nil {
		l.Skills = map[string]*LockEntry{}
	}
	var errs []error
	for kind, m := range map[string]map[string]*LockEntry{"plugins": l.Plugins, "skills": l.Skills} {
		for name, e := range m {
			if e == nil {
				errs = append(errs, fmt.Errorf("%s.%s: empty entry", kind, name))
				continue
			}
			e.Package = name
			if e.ID == "" || e.Version == "" || e.Dir == "" || e.Source == "" {
				errs = append(errs, fmt.Errorf("%s.%s: id, version, dir and source are required", kind, name))
			}
			if !e.Linked && (filepath.IsAbs(e.Dir) || strings.Contains(e.Dir, "..")) {
				errs = append(errs, fmt.Errorf("%s.%s: dir %q must be inside the state directory", kind, name, e.Dir))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return l, nil
}

// Save writes the lock atomically.
func (l *Lock) Save(path string) error {
	l.Format = LockFormat
	data, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return fmt.Errorf("encode lock file: %w", err)
	}
	return atomicfile.Write(path, append(data, '\n'), 0o600)
}

// Entries lists the installed plugins sorted by package name.
func (l *Lock) Entries() []*LockEntry { return sorted(l.Plugins) }

// SkillEntries lists the installed skills sorted by name.
func (l *Lock) SkillEntries() []*LockEntry { return sorted(l.Skills) }

func sorted(m map[string]*LockEntry) []*LockEntry {
	out := make([]*LockEntry, 0, len(m))
	for _, e := range m {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Package < out[j].Package })
	return out
}

// Plugin finds an installed plugin by package name or manifest id.
func (l *Lock) Plugin(nameOrID string) (*LockEntry, bool) {
	if e, ok := l.Plugins[nameOrID]; ok {
		return e, true
	}
	for _, e := range l.Plugins {
		if e.ID == nameOrID {
			return e, true
		}
	}
	return nil, false
}

// Skill finds an installed skill by name.
func (l *Lock) Skill(name string) (*LockEntry, bool) {
	e, ok := l.Skills[name]
	return e, ok
}
