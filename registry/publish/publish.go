// Package publish is the registry's publishing side: it packs plugin and
// skill bundles, adds them to a registry folder (regenerating the indexes,
// the checksum list and its signature) and serves such a folder over HTTP.
// A published artifact is never rewritten.
package publish

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"time"

	"github.com/openclaw-go/openclaw/pluginsdk/atomicfile"
	"github.com/openclaw-go/openclaw/pluginsdk/manifest"
	"github.com/openclaw-go/openclaw/registry/archive"
	"github.com/openclaw-go/openclaw/registry/filelock"
	"github.com/openclaw-go/openclaw/registry/index"
	"github.com/openclaw-go/openclaw/registry/platform"
	"github.com/openclaw-go/openclaw/registry/signing"
)

// SkillFile is the file that makes a folder a skill.
const SkillFile = "SKILL.md"

// Options configure Publish.
type Options struct {
	// Dir is the registry folder; it is created if missing.
	Dir string
	Key ed25519.PrivateKey
	// ReadSkill parses SKILL.md of skill bundles.
	ReadSkill index.SkillReader
	// Now stamps new versions; nil means time.Now.
	Now func() time.Time
}

// Published reports one bundle.
type Published struct {
	Name     string
	Version  string
	Platform string
	// File is the artifact's path inside the registry folder.
	File string
	// Existed is true when the identical artifact was already published.
	Existed bool
}

// bundle is a checked bundle ready to add.
type bundle struct {
	src      string
	kind     string
	name     string
	platform string
	size     int64
	sha256   string
	version  index.Version
	file     string
}

// Publish adds bundles (.tar.gz files made by PackPlugin or PackSkill) to the
// registry folder. Either every bundle is added or, on error, none of the
// indexes change (artifacts copied before the error stay as orphans that a
// later publish of the same bundle reuses).
func Publish(ctx context.Context, opts Options, bundles []string) ([]Published, error) {
	if len(opts.Key) != ed25519.PrivateKeySize {
		return nil, errors.New("publish: a signing key is required")
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	lock, err := filelock.Acquire(ctx, filepath.Join(opts.Dir, ".publish.lock"), nil)
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	defer lock.Release()

	pkgs := map[string]*index.Package{}
	var out []Published
	for _, src := range bundles {
		b, err := inspect(src, opts.ReadSkill)
		if err != nil {
			return nil, fmt.Errorf("publish %s: %w", src, err)
		}
		b.version.Published = now().UTC().Format(time.RFC3339)
		pkg, ok := pkgs[b.name]
		if !ok {
			if pkg, err = loadPackage(opts.Dir, b.name, b.kind); err != nil {
				return nil, fmt.Errorf("publish %s: %w", src, err)
			}
			pkgs[b.name] = pkg
		}
		existed, err := add(pkg, b)
		if err != nil {
			return nil, fmt.Errorf("publish %s: %w", src, err)
		}
		rel := path.Join(index.PackageDir(b.name), b.version.Version, b.file)
		if !existed {
			if err := copyArtifact(b.src, filepath.Join(opts.Dir, filepath.FromSlash(rel))); err != nil {
				return nil, fmt.Errorf("publish %s: %w", src, err)
			}
		}
		out = append(out, Published{Name: b.name, Version: b.version.Version, Platform: b.platform, File: rel, Existed: existed})
	}
	names := make([]string, 0, len(pkgs))
	for n := range pkgs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := writePackage(opts.Dir, pkgs[n], opts.Key); err != nil {
			return nil, fmt.Errorf("publish %s: %w", n, err)
		}
	}
	if err := WriteRoot(opts.Dir); err != nil {
		return nil, err
	}
	return out, nil
}

// platformSuffix finds "_<os>_<arch>.tar.gz" at the end of a bundle name.
var platformSuffix = regexp.MustCompile(`_([a-z0-9]+)_([a-z0-9]+)\.(tar\.gz|tgz)$`)

// inspect unpacks a bundle into a temporary folder (with the same safety
// checks an install applies) and reads what the index needs from it.
func inspect(src string, readSkill index.SkillReader) (*bundle, error) {
	data, err := os.ReadFile(src)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	b := &bundle{src: src, size: int64(len(data)), sha256: index.HexSHA256(sum[:])}
	tmp, err := os.MkdirTemp("", "openclaw-publish-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	f, err := os.Open(src)
	if err != nil {
		return nil, err
	}
	err = archive.Extract(f, tmp, archive.OS{}, archive.DefaultLimits())
	f.Close()
	if err != nil {
		return nil, err
	}
	switch {
	case exists(filepath.Join(tmp, manifest.FileName)):
		return b, inspectPlugin(b, tmp)
	case exists(filepath.Join(tmp, SkillFile)):
		if readSkill == nil {
			return nil, errors.New("skill bundles need a SKILL.md reader")
		}
		return b, inspectSkill(b, tmp, readSkill)
	}
	return nil, fmt.Errorf("bundle has neither %s nor %s at its root", manifest.FileName, SkillFile)
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func inspectPlugin(b *bundle, dir string) error {
	m, err := manifest.Load(dir)
	if err != nil {
		return err
	}
	if m.Package == "" {
		return fmt.Errorf("%s: \"package\" is required to publish (for example \"@you/%s\")", manifest.FileName, m.ID)
	}
	exe := filepath.Join(dir, m.Executable)
	exeSum, err := fileSHA256(exe)
	if err != nil {
		return fmt.Errorf("executable %s: %w", m.Executable, err)
	}
	plat, err := bundlePlatform(b.src, exe)
	if err != nil {
		return err
	}
	b.kind, b.name, b.platform = index.KindPlugin, m.Package, plat.Key()
	b.file = fmt.Sprintf("%s_%s_%s_%s.tar.gz", m.ID, m.Version, plat.OS, plat.Arch)
	b.version = index.Version{
		Version: m.Version, ID: m.ID, Description: m.Description, Protocols: m.ProtocolVersions,
		Gateway: m.Gateway, Kinds: m.Kinds, Capabilities: m.Capabilities,
		Platforms: map[string]index.Artifact{plat.Key(): {
			URL: m.Version + "/" + b.file, Size: b.size, SHA256: b.sha256, ExecutableSHA256: exeSum,
		}},
	}
	return nil
}

// bundlePlatform reads the platform from the bundle's name and checks it
// against the executable's header when the header tells one.
func bundlePlatform(src, exe string) (platform.Platform, error) {
	var named *platform.Platform
	if m := platformSuffix.FindStringSubmatch(filepath.Base(src)); m != nil {
		p := platform.Platform{OS: m[1], Arch: m[2]}
		if err := p.Validate(); err != nil {
			return platform.Platform{}, fmt.Errorf("bundle name: %w", err)
		}
		named = &p
	}
	f, err := os.Open(exe)
	if err != nil {
		return platform.Platform{}, err
	}
	defer f.Close()
	detected, ok := platform.Detect(f)
	switch {
	case named != nil && ok && *named != detected:
		return platform.Platform{}, fmt.Errorf("bundle is named for %s but its executable is built for %s", named, detected)
	case named != nil:
		return *named, nil
	case ok:
		return detected, nil
	}
	return platform.Platform{}, errors.New("cannot tell which platform the executable is for: name the bundle <id>_<version>_<os>_<arch>.tar.gz")
}

func inspectSkill(b *bundle, dir string, readSkill index.SkillReader) error {
	data, err := os.ReadFile(filepath.Join(dir, SkillFile))
	if err != nil {
		return err
	}
	info, err := readSkill(data)
	if err != nil {
		return fmt.Errorf("%s: %w", SkillFile, err)
	}
	if err := index.ValidName(info.Name); err != nil {
		return fmt.Errorf("%s: %w", SkillFile, err)
	}
	if info.Version == "" {
		return fmt.Errorf("%s: a \"version\" is required to publish a skill", SkillFile)
	}
	b.kind, b.name, b.platform = index.KindSkill, info.Name, platform.Any
	b.file = fmt.Sprintf("%s_%s.tar.gz", path.Base(info.Name), info.Version)
	b.version = index.Version{
		Version: info.Version, ID: info.Name, Description: info.Description, Requires: info.RequiresPlugins,
		Platforms: map[string]index.Artifact{platform.Any: {URL: info.Version + "/" + b.file, Size: b.size, SHA256: b.sha256}},
	}
	return nil
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", errors.New("not a regular file")
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return index.HexSHA256(h.Sum(nil)), nil
}

// loadPackage reads the package's current index, checking it against its
// checksum list so a publish never builds on a damaged index.
func loadPackage(dir, name, kind string) (*index.Package, error) {
	pdir := filepath.Join(dir, filepath.FromSlash(index.PackageDir(name)))
	data, err := os.ReadFile(filepath.Join(pdir, index.IndexFile))
	if errors.Is(err, fs.ErrNotExist) {
		return &index.Package{Format: index.Format, Name: name, Kind: kind}, nil
	}
	if err != nil {
		return nil, err
	}
	sumsData, err := os.ReadFile(filepath.Join(pdir, index.SumsFile))
	if err != nil {
		return nil, fmt.Errorf("existing package index has no checksum list: %w", err)
	}
	sums, err := index.ParseSums(sumsData)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	if sums[index.IndexFile] != index.HexSHA256(sum[:]) {
		return nil, fmt.Errorf("existing %s does not match its %s; refusing to build on it", index.IndexFile, index.SumsFile)
	}
	pkg, err := index.ParsePackage(data)
	if err != nil {
		return nil, err
	}
	if pkg.Kind != kind {
		return nil, fmt.Errorf("%s is already published as a %s, not a %s", name, pkg.Kind, kind)
	}
	return pkg, nil
}

// add merges a bundle into the package. A new platform may join an existing
// version only if everything else about the version is identical; an
// existing artifact may only be "re-added" byte for byte.
func add(pkg *index.Package, b *bundle) (existed bool, err error) {
	art := b.version.Platforms[b.platform]
	cur, ok := pkg.Find(b.version.Version)
	if !ok {
		pkg.Versions = append(pkg.Versions, b.version)
		pkg.SortVersions()
		return false, nil
	}
	if !sameRelease(cur, &b.version) {
		return false, fmt.Errorf("%s %s is already published with different metadata; published versions are never rewritten, publish a new version", pkg.Name, cur.Version)
	}
	if old, ok := cur.Platforms[b.platform]; ok {
		if old.SHA256 == art.SHA256 {
			return true, nil
		}
		return false, fmt.Errorf("%s %s for %s is already published with different content; published versions are never rewritten", pkg.Name, cur.Version, b.platform)
	}
	cur.Platforms[b.platform] = art
	return false, nil
}

func sameRelease(a, b *index.Version) bool {
	return a.ID == b.ID && a.Gateway == b.Gateway && a.Description == b.Description &&
		reflect.DeepEqual(a.Protocols, b.Protocols) && reflect.DeepEqual(a.Kinds, b.Kinds) &&
		reflect.DeepEqual(a.Capabilities, b.Capabilities) && reflect.DeepEqual(a.Requires, b.Requires)
}

func copyArtifact(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if old, err := os.ReadFile(dst); err == nil {
		// An orphan from an earlier failed publish: reuse it only if identical.
		if string(old) != string(data) {
			return fmt.Errorf("%s exists with different content", dst)
		}
		return nil
	}
	return atomicfile.Write(dst, data, 0o644)
}

// writePackage writes index.json, SHA256SUMS and its signature.
func writePackage(dir string, pkg *index.Package, key ed25519.PrivateKey) error {
	if pkg.Description == "" && len(pkg.Versions) > 0 {
		pkg.Description = pkg.Versions[0].Description
	}
	if err := pkg.Validate(); err != nil {
		return err
	}
	data, err := index.Marshal(pkg)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	sums := index.Sums{index.IndexFile: index.HexSHA256(sum[:])}
	for _, v := range pkg.Versions {
		for _, a := range v.Platforms {
			sums[a.URL] = a.SHA256
		}
	}
	sumsData := sums.Bytes()
	sig := signing.FormatSignatures([]signing.Signature{signing.Sign(key, sumsData)})
	pdir := filepath.Join(dir, filepath.FromSlash(index.PackageDir(pkg.Name)))
	if err := os.MkdirAll(pdir, 0o755); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{index.IndexFile, data}, {index.SumsFile, sumsData}, {index.SignatureFile, sig}} {
		if err := atomicfile.Write(filepath.Join(pdir, f.name), f.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// WriteRoot regenerates the registry-wide index.json from every package
// index under packages/.
func WriteRoot(dir string) error {
	root := index.Root{Format: index.Format, Packages: []index.RootEntry{}}
	pkgRoot := filepath.Join(dir, index.PackagesDir)
	err := filepath.WalkDir(pkgRoot, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == pkgRoot {
			return filepath.SkipAll
		}
		if err != nil {
			return err
		}
		if d.IsDir() || d.Name() != index.IndexFile {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		pkg, err := index.ParsePackage(data)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		pkg.SortVersions()
		e := index.RootEntry{Name: pkg.Name, Kind: pkg.Kind, Description: pkg.Description}
		for _, v := range pkg.Versions {
			e.Versions = append(e.Versions, v.Version)
		}
		if len(pkg.Versions) > 0 {
			e.Latest, e.ID = pkg.Versions[0].Version, pkg.Versions[0].ID
		}
		root.Packages = append(root.Packages, e)
		return filepath.SkipDir
	})
	if err != nil {
		return fmt.Errorf("index registry %s: %w", dir, err)
	}
	sort.Slice(root.Packages, func(i, j int) bool { return root.Packages[i].Name < root.Packages[j].Name })
	data, err := index.Marshal(root)
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, index.IndexFile), data, 0o644)
}
