// Package plugincatalog finds plugins and reads their manifests without
// executing anything: bundled next to the gateway binary, installed under the
// state directory, and folders named in config plugins.load.paths.
package plugincatalog

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/openclaw-go/openclaw/pluginsdk/manifest"
)

// Source says where a plugin was found.
type Source string

// Sources, from the lowest to the highest precedence: a plugin id found in
// several places is taken from the highest.
const (
	SourceBundled   Source = "bundled"
	SourceInstalled Source = "installed"
	SourceLinked    Source = "linked"
	SourcePath      Source = "path"
)

var precedence = map[Source]int{SourceBundled: 0, SourceInstalled: 1, SourceLinked: 2, SourcePath: 3}

// Entry is one discovered plugin.
type Entry struct {
	ID       string
	Manifest *manifest.Manifest
	Dir      string
	Source   Source
	// Executable is the binary's path.
	Executable string
	// SHA256 is the hex digest the binary must have at every exec: from the
	// lock file for installed plugins, SHA256SUMS for bundled ones, and the
	// digest at discovery for development paths.
	SHA256 string
	// Package and Version as installed (lock file) or as the manifest says.
	Package string
	Version string
	// Enabled is false when config disables the plugin; Reason says why.
	Enabled bool
	Reason  string
	// Shadowed lists the lower-precedence copies of the same id.
	Shadowed []string
}

// Problem is a plugin that could not be read.
type Problem struct {
	Dir string
	Err error
}

func (p Problem) Error() string { return fmt.Sprintf("%s: %v", p.Dir, p.Err) }

// Installed is a plugin recorded in the lock file.
type Installed struct {
	Package string
	Version string
	Dir     string
	SHA256  string
	Linked  bool
}

// Options say where to look.
type Options struct {
	// BundledDir is the folder of bundled plugins (bin/plugins beside the
	// openclaw binary). Empty skips it.
	BundledDir string
	// Installed lists what the lock file records.
	Installed []Installed
	// LoadPaths are config plugins.load.paths: a plugin folder, or a folder
	// of plugin folders.
	LoadPaths []string
	// Entries is config plugins.entries, for enabled flags.
	Entries map[string]EntryConfig
	// Allow and Deny are config plugins.allow / plugins.deny.
	Allow []string
	Deny  []string
	// Enabled is config plugins.enabled; false disables every plugin.
	Enabled *bool
}

// EntryConfig is plugins.entries.<id>.
type EntryConfig struct {
	Enabled *bool             `json:"enabled,omitempty"`
	Config  json.RawMessage   `json:"config,omitempty"`
	Env     map[string]string `json:"env,omitempty"`
}

// Catalog is the result of one discovery.
type Catalog struct {
	entries  map[string]*Entry
	problems []Problem
}

// Discover scans every source. A broken plugin is a Problem, not a failure:
// one bad folder must not hide the others.
func Discover(opts Options) *Catalog {
	c := &Catalog{entries: map[string]*Entry{}}
	if opts.BundledDir != "" {
		c.scanParent(opts.BundledDir, SourceBundled)
	}
	for _, in := range opts.Installed {
		src := SourceInstalled
		if in.Linked {
			src = SourceLinked
		}
		e, err := readEntry(in.Dir, src)
		if err != nil {
			c.problems = append(c.problems, Problem{Dir: in.Dir, Err: err})
			continue
		}
		e.Package, e.Version = in.Package, in.Version
		if in.SHA256 != "" {
			e.SHA256 = in.SHA256
		}
		if e.SHA256 == "" && in.Linked {
			if e.SHA256, err = FileSHA256(e.Executable); err != nil {
				c.problems = append(c.problems, Problem{Dir: in.Dir, Err: err})
				continue
			}
		}
		if e.SHA256 == "" {
			c.problems = append(c.problems, Problem{Dir: in.Dir, Err: errors.New("the lock file records no executable hash for this platform; reinstall the plugin")})
			continue
		}
		c.add(e)
	}
	for _, p := range opts.LoadPaths {
		if _, err := os.Stat(filepath.Join(p, manifest.FileName)); err == nil {
			c.addDir(p, SourcePath)
			continue
		}
		c.scanParent(p, SourcePath)
	}
	c.applyPolicy(opts)
	return c
}

func (c *Catalog) scanParent(dir string, src Source) {
	items, err := os.ReadDir(dir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			c.problems = append(c.problems, Problem{Dir: dir, Err: err})
		}
		return
	}
	for _, it := range items {
		if it.IsDir() {
			sub := filepath.Join(dir, it.Name())
			if _, err := os.Stat(filepath.Join(sub, manifest.FileName)); err == nil {
				c.addDir(sub, src)
			}
		}
	}
}

func (c *Catalog) addDir(dir string, src Source) {
	e, err := readEntry(dir, src)
	if err != nil {
		c.problems = append(c.problems, Problem{Dir: dir, Err: err})
		return
	}
	c.add(e)
}

func (c *Catalog) add(e *Entry) {
	old, ok := c.entries[e.ID]
	if ok && precedence[old.Source] > precedence[e.Source] {
		old.Shadowed = append(old.Shadowed, e.Dir)
		return
	}
	if ok {
		e.Shadowed = append(old.Shadowed, old.Dir)
	}
	c.entries[e.ID] = e
}

// readEntry reads a plugin folder's manifest and the hash to check the
// binary against.
func readEntry(dir string, src Source) (*Entry, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	m, err := manifest.Load(abs)
	if err != nil {
		return nil, err
	}
	e := &Entry{
		ID: m.ID, Manifest: m, Dir: abs, Source: src,
		Executable: m.ExecutablePath(abs), Package: m.Package, Version: m.Version, Enabled: true,
	}
	if e.Package == "" {
		e.Package = m.ID
	}
	if _, err := os.Stat(e.Executable); err != nil {
		return nil, fmt.Errorf("plugin %s: executable: %w", m.ID, err)
	}
	switch src {
	case SourceBundled:
		sum, err := readSHA256SUMS(filepath.Join(abs, "SHA256SUMS"), m.Executable)
		if err != nil {
			return nil, fmt.Errorf("plugin %s: %w", m.ID, err)
		}
		e.SHA256 = sum
	case SourcePath, SourceLinked:
		// A development folder has no install record: trust the binary as
		// found now, and refuse it if it changes before it is started.
		if sum, err := readSHA256SUMS(filepath.Join(abs, "SHA256SUMS"), m.Executable); err == nil {
			e.SHA256 = sum
		} else if sum, err := FileSHA256(e.Executable); err == nil {
			e.SHA256 = sum
		} else {
			return nil, err
		}
	}
	return e, nil
}

// readSHA256SUMS finds name's digest in a sha256sum-format file.
func readSHA256SUMS(path, name string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("read install record: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 2 && strings.TrimPrefix(fields[1], "*") == name {
			if _, err := hex.DecodeString(fields[0]); err != nil || len(fields[0]) != 64 {
				return "", fmt.Errorf("%s: malformed digest for %s", path, name)
			}
			return strings.ToLower(fields[0]), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return "", fmt.Errorf("%s lists no digest for %s", path, name)
}

// FileSHA256 returns the hex SHA-256 of a file.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (c *Catalog) applyPolicy(opts Options) {
	allow := toSet(opts.Allow)
	deny := toSet(opts.Deny)
	for id, e := range c.entries {
		switch {
		case opts.Enabled != nil && !*opts.Enabled:
			e.Enabled, e.Reason = false, "plugins.enabled is false"
		case deny[id]:
			e.Enabled, e.Reason = false, "listed in plugins.deny"
		case len(allow) > 0 && !allow[id]:
			e.Enabled, e.Reason = false, "not listed in plugins.allow"
		default:
			if ec, ok := opts.Entries[id]; ok && ec.Enabled != nil && !*ec.Enabled {
				e.Enabled, e.Reason = false, "disabled in plugins.entries."+id+".enabled"
			}
		}
	}
}

func toSet(list []string) map[string]bool {
	s := make(map[string]bool, len(list))
	for _, v := range list {
		s[v] = true
	}
	return s
}

// Entries returns every discovered plugin, sorted by id.
func (c *Catalog) Entries() []*Entry {
	out := make([]*Entry, 0, len(c.entries))
	for _, e := range c.entries {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Get returns the plugin with id.
func (c *Catalog) Get(id string) (*Entry, bool) {
	e, ok := c.entries[id]
	return e, ok
}

// Problems lists plugin folders that could not be read.
func (c *Catalog) Problems() []Problem { return c.problems }

// ChannelOwner returns the plugin providing channel.
func (c *Catalog) ChannelOwner(channel string) (*Entry, bool) {
	for _, e := range c.Entries() {
		for _, ch := range e.Manifest.Channels {
			if ch == channel {
				return e, true
			}
		}
	}
	return nil, false
}

// ChannelSchema returns the config JSON Schema of the plugin that provides
// channel.
func (c *Catalog) ChannelSchema(channel string) (string, json.RawMessage, bool) {
	e, ok := c.ChannelOwner(channel)
	if !ok {
		return "", nil, false
	}
	return e.ID, e.Manifest.ConfigSchema, true
}

// PluginSchema returns the config JSON Schema of plugin id.
func (c *Catalog) PluginSchema(id string) (json.RawMessage, bool) {
	e, ok := c.entries[id]
	if !ok {
		return nil, false
	}
	return e.Manifest.ConfigSchema, true
}
