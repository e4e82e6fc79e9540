package registry

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/openclaw-go/openclaw/pluginsdk/atomicfile"
	"github.com/openclaw-go/openclaw/registry/index"
	"github.com/openclaw-go/openclaw/registry/publish"
	"github.com/openclaw-go/openclaw/registry/remote"
)

// MirrorReport says what a mirror holds.
type MirrorReport struct {
	Packages  []string
	Artifacts int
	// Skipped names packages that could not be mirrored, and why.
	Skipped []string
}

// Mirror writes an offline registry into dir holding every package in the
// lock file that came from a registry: its signed index files, copied byte
// for byte so the signature still verifies, and the artifacts of the locked
// version for every platform. Point plugins.registries at dir (or serve it
// with `openclaw registry serve`) on a machine without network access.
func (in *Installer) Mirror(ctx context.Context, dir string) (*MirrorReport, error) {
	lock, err := LoadLock(in.LockPath())
	if err != nil {
		return nil, err
	}
	rep := &MirrorReport{}
	entries := append(lock.Entries(), lock.SkillEntries()...)
	for _, e := range entries {
		if e.SourceKind() != "registry" {
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: installed from %s, not a registry", e.Package, e.Source))
			continue
		}
		n, err := in.mirrorPackage(ctx, dir, e)
		if err != nil {
			return rep, fmt.Errorf("mirror %s: %w", e.Package, err)
		}
		rep.Packages = append(rep.Packages, e.Package+"@"+e.Version)
		rep.Artifacts += n
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return rep, err
	}
	if err := publish.WriteRoot(dir); err != nil {
		return rep, err
	}
	return rep, nil
}

func (in *Installer) mirrorPackage(ctx context.Context, dir string, e *LockEntry) (int, error) {
	f, err := in.client.Package(ctx, e.Package)
	if err != nil {
		return 0, err
	}
	v, ok := f.Package.Find(e.Version)
	if !ok {
		return 0, fmt.Errorf("%s is no longer published", e.Version)
	}
	pdir := filepath.Join(dir, filepath.FromSlash(index.PackageDir(e.Package)))
	n := 0
	for _, key := range v.PlatformKeys() {
		a := v.Platforms[key]
		if u, err := url.Parse(a.URL); err != nil || u.IsAbs() {
			return n, fmt.Errorf("artifact %s is hosted elsewhere (%s); a mirror can only hold artifacts the index names by relative path", key, a.URL)
		}
		dst := filepath.Join(pdir, filepath.FromSlash(a.URL))
		if got, err := fileSHA256(dst); err == nil && got == a.SHA256 {
			n++
			continue
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return n, err
		}
		if err := in.downloadTo(ctx, f, a, dst); err != nil {
			return n, err
		}
		n++
	}
	if err := os.MkdirAll(pdir, 0o755); err != nil {
		return n, err
	}
	for _, file := range []struct {
		name string
		data []byte
	}{{index.IndexFile, f.IndexBytes}, {index.SumsFile, f.SumsBytes}, {index.SignatureFile, f.SigBytes}} {
		if len(file.data) == 0 {
			return n, errors.New("registry returned an empty " + file.name)
		}
		if err := atomicfile.Write(filepath.Join(pdir, file.name), file.data, 0o644); err != nil {
			return n, err
		}
	}
	return n, nil
}

// downloadTo streams a verified artifact to dst, replacing it atomically.
func (in *Installer) downloadTo(ctx context.Context, f *remote.Fetched, a index.Artifact, dst string) error {
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".download-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	err = in.client.Download(ctx, f, a, tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return err
	}
	return atomicfile.SyncDir(filepath.Dir(dst))
}
