// Package index defines the registry's static file format: the registry-wide
// list of packages, each package's version index, and the SHA256SUMS list
// whose ed25519 signature vouches for both the index and every artifact.
//
// A registry is a folder (or anything serving one over HTTP):
//
//	index.json                                 Root: every package, for search
//	packages/<name>/index.json                 Package: versions and artifacts
//	packages/<name>/SHA256SUMS                 sha256 of index.json and each artifact
//	packages/<name>/SHA256SUMS.sig             ed25519 signatures of SHA256SUMS
//	packages/<name>/<version>/<file>.tar.gz    artifacts
package index

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"

	version "github.com/hashicorp/go-version"

	"github.com/openclaw-go/openclaw/pluginsdk/manifest"
	"github.com/openclaw-go/openclaw/registry/platform"
)

// Format is the version of this file format. Readers refuse newer formats.
const Format = 1

// File names inside a registry.
const (
	IndexFile     = "index.json"
	SumsFile      = "SHA256SUMS"
	SignatureFile = "SHA256SUMS.sig"
	PackagesDir   = "packages"
)

// Package kinds.
const (
	KindPlugin = "plugin"
	KindSkill  = "skill"
)

var namePattern = regexp.MustCompile(`^(@[a-z0-9][a-z0-9._-]*/)?[a-z0-9][a-z0-9._-]*$`)

// ValidName reports whether name is an npm-style package name: "@scope/name"
// or a bare "name" (skills), lower-case.
func ValidName(name string) error {
	if len(name) > 214 || !namePattern.MatchString(name) || strings.Contains(name, "..") {
		return fmt.Errorf("package name %q: expected @scope/name or name (lower-case letters, digits, '.', '_', '-')", name)
	}
	return nil
}

// PackageDir is the package's folder relative to the registry root.
func PackageDir(name string) string { return path.Join(PackagesDir, name) }

// Root lists every package of a registry. It is not signed: search results
// are informational, and everything installed is checked against the
// package's own signed index.
type Root struct {
	Format   int         `json:"format"`
	Packages []RootEntry `json:"packages"`
}

// RootEntry summarises one package.
type RootEntry struct {
	Name        string   `json:"name"`
	Kind        string   `json:"kind"`
	ID          string   `json:"id,omitempty"`
	Description string   `json:"description,omitempty"`
	Latest      string   `json:"latest"`
	Versions    []string `json:"versions"`
}

// Package is a package's version index.
type Package struct {
	Format      int       `json:"format"`
	Name        string    `json:"name"`
	Kind        string    `json:"kind"`
	Description string    `json:"description,omitempty"`
	Versions    []Version `json:"versions"`
}

// Version is one published version.
type Version struct {
	Version string `json:"version"`
	// ID is the plugin's manifest id, or the skill's name.
	ID          string `json:"id"`
	Description string `json:"description,omitempty"`
	// Protocols are the plugin protocol majors the build speaks.
	Protocols []int `json:"protocols,omitempty"`
	// Gateway is the manifest's constraint on gateway versions.
	Gateway      string                `json:"gateway,omitempty"`
	Kinds        []string              `json:"kinds,omitempty"`
	Capabilities manifest.Capabilities `json:"capabilities,omitempty"`
	// Requires names packages this one needs (a skill's tool plugins), each
	// "name" or "name@range".
	Requires  []string `json:"requires,omitempty"`
	Published string   `json:"published,omitempty"`
	// Platforms maps "os/arch" (or "any") to the artifact for it.
	Platforms map[string]Artifact `json:"platforms"`
}

// Artifact is one downloadable bundle.
type Artifact struct {
	// URL is relative to the package folder, or absolute http(s).
	URL  string `json:"url"`
	Size int64  `json:"size"`
	// SHA256 is the hex digest of the archive.
	SHA256 string `json:"sha256"`
	// ExecutableSHA256 is the hex digest of the plugin binary inside, which
	// the gateway checks before every start.
	ExecutableSHA256 string `json:"executableSha256,omitempty"`
}

// SemVer parses v.Version.
func (v *Version) SemVer() (*version.Version, error) { return version.NewSemver(v.Version) }

// PlatformKeys lists the version's platforms, sorted.
func (v *Version) PlatformKeys() []string {
	keys := make([]string, 0, len(v.Platforms))
	for k := range v.Platforms {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Find returns the named version.
func (p *Package) Find(v string) (*Version, bool) {
	for i := range p.Versions {
		if p.Versions[i].Version == v {
			return &p.Versions[i], true
		}
	}
	return nil, false
}

// SortVersions orders versions newest first.
func (p *Package) SortVersions() {
	sort.SliceStable(p.Versions, func(i, j int) bool {
		a, errA := version.NewSemver(p.Versions[i].Version)
		b, errB := version.NewSemver(p.Versions[j].Version)
		if errA != nil || errB != nil {
			return p.Versions[i].Version > p.Versions[j].Version
		}
		return a.GreaterThan(b)
	})
}

var hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ValidSHA256 reports whether s is a lower-case hex SHA-256 digest.
func ValidSHA256(s string) bool { return hexSHA256.MatchString(s) }

// ParsePackage decodes and validates a package index.
func ParsePackage(data []byte) (*Package, error) {
	var p Package
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("parse package index: %w", err)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// Validate checks every field and reports all problems at once.
func (p *Package) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if p.Format > Format || p.Format < 1 {
		bad("format: %d is not supported (this client reads format %d)", p.Format, Format)
	}
	if err := ValidName(p.Name); err != nil {
		bad("name: %v", err)
	}
	if p.Kind != KindPlugin && p.Kind != KindSkill {
		bad("kind: %q (expected plugin or skill)", p.Kind)
	}
	seen := map[string]bool{}
	for i, v := range p.Versions {
		where := fmt.Sprintf("versions[%d] (%s)", i, v.Version)
		if _, err := version.NewSemver(v.Version); err != nil {
			bad("%s: not a semantic version", where)
		}
		if seen[v.Version] {
			bad("%s: listed twice", where)
		}
		seen[v.Version] = true
		if v.ID == "" {
			bad("%s: id is empty", where)
		}
		if p.Kind == KindPlugin && len(v.Protocols) == 0 {
			bad("%s: protocols is empty", where)
		}
		if v.Gateway != "" {
			if _, err := version.NewConstraint(v.Gateway); err != nil {
				bad("%s: gateway %q is not a constraint", where, v.Gateway)
			}
		}
		if len(v.Platforms) == 0 {
			bad("%s: no platforms", where)
		}
		for key, a := range v.Platforms {
			w := where + " platform " + key
			if !platform.ValidKey(key) || (p.Kind == KindSkill) != (key == platform.Any) {
				bad("%s: invalid platform key for a %s", w, p.Kind)
			}
			if err := checkURL(a.URL); err != nil {
				bad("%s: %v", w, err)
			}
			if a.Size <= 0 {
				bad("%s: size %d", w, a.Size)
			}
			if !ValidSHA256(a.SHA256) {
				bad("%s: sha256 %q is not a hex SHA-256", w, a.SHA256)
			}
			if p.Kind == KindPlugin && !ValidSHA256(a.ExecutableSHA256) {
				bad("%s: executableSha256 %q is not a hex SHA-256", w, a.ExecutableSHA256)
			}
		}
	}
	return errors.Join(errs...)
}

// checkURL accepts absolute http(s) URLs and relative paths that stay inside
// the package folder.
func checkURL(raw string) error {
	if raw == "" {
		return errors.New("url is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("url %q: %w", raw, err)
	}
	if u.IsAbs() {
		if u.Scheme != "http" && u.Scheme != "https" {
			return fmt.Errorf("url %q: only http and https are allowed", raw)
		}
		return nil
	}
	if u.Host != "" || strings.HasPrefix(u.Path, "/") {
		return fmt.Errorf("url %q: a relative url must be a path inside the package folder", raw)
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == ".." {
			return fmt.Errorf("url %q: must not leave the package folder", raw)
		}
	}
	return nil
}

// ParseRoot decodes the registry-wide index.
func ParseRoot(data []byte) (*Root, error) {
	var r Root
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("parse registry index: %w", err)
	}
	if r.Format > Format || r.Format < 1 {
		return nil, fmt.Errorf("registry index format %d is not supported (this client reads format %d)", r.Format, Format)
	}
	return &r, nil
}

// Marshal renders an index file: indented JSON with a final newline, so
// diffs of a registry folder stay readable.
func Marshal(v any) ([]byte, error) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// Sums maps a file (relative to the package folder, or an artifact's absolute
// URL) to its hex SHA-256.
type Sums map[string]string

// ParseSums reads "<hex sha256>  <file>" lines (sha256sum's format).
func ParseSums(data []byte) (Sums, error) {
	s := Sums{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		sum, name, ok := strings.Cut(line, "  ")
		if !ok || !ValidSHA256(sum) || name == "" {
			return nil, fmt.Errorf("%s line %d: expected \"<sha256>  <file>\"", SumsFile, n)
		}
		if _, dup := s[name]; dup {
			return nil, fmt.Errorf("%s line %d: %s listed twice", SumsFile, n, name)
		}
		s[name] = sum
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", SumsFile, err)
	}
	return s, nil
}

// Bytes renders the list sorted by file name, the exact bytes that are signed.
func (s Sums) Bytes() []byte {
	names := make([]string, 0, len(s))
	for n := range s {
		names = append(names, n)
	}
	sort.Strings(names)
	var b bytes.Buffer
	for _, n := range names {
		fmt.Fprintf(&b, "%s  %s\n", s[n], n)
	}
	return b.Bytes()
}

// HexSHA256 is a convenience for the lower-case hex encoding of a digest.
func HexSHA256(sum []byte) string { return hex.EncodeToString(sum) }

// SkillInfo is what the registry needs to know about a skill bundle, read
// from its SKILL.md by the caller's parser.
type SkillInfo struct {
	Name        string
	Version     string
	Description string
	// RequiresPlugins names tool plugins the skill needs ("@scope/name[@range]").
	RequiresPlugins []string
}

// SkillReader parses a SKILL.md into SkillInfo. The registry takes it as a
// function so the skill format stays owned by the skills package.
type SkillReader func(skillMD []byte) (SkillInfo, error)
