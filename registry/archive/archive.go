// Package archive packs plugin and skill bundles (.tar.gz) and unpacks them
// safely: every entry must stay inside the target folder, symlinks may not
// point out of it or be written through, hard links and device files are
// refused, and the total size and file count are bounded.
package archive

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// FS is the filesystem Extract writes to. Tests inject failures through it
// (a full disk, a failing directory); OS is the real one.
type FS interface {
	MkdirAll(path string, perm fs.FileMode) error
	// Create makes a new file; it fails if the path exists.
	Create(path string, perm fs.FileMode) (io.WriteCloser, error)
	Symlink(target, path string) error
	Lstat(path string) (fs.FileInfo, error)
}

// OS writes to the real filesystem and syncs every file it closes, so a
// bundle renamed into place after Extract is on disk, not only in cache.
type OS struct{}

func (OS) MkdirAll(p string, perm fs.FileMode) error { return os.MkdirAll(p, perm) }
func (OS) Symlink(target, p string) error            { return os.Symlink(target, p) }
func (OS) Lstat(p string) (fs.FileInfo, error)       { return os.Lstat(p) }

func (OS) Create(p string, perm fs.FileMode) (io.WriteCloser, error) {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return nil, err
	}
	return syncCloser{f}, nil
}

type syncCloser struct{ *os.File }

func (f syncCloser) Close() error {
	if err := f.File.Sync(); err != nil {
		f.File.Close()
		return err
	}
	return f.File.Close()
}

// Limits bound what an archive may unpack to.
type Limits struct {
	MaxFiles int
	MaxBytes int64
}

// DefaultLimits suit plugin binaries and skill folders.
func DefaultLimits() Limits { return Limits{MaxFiles: 10000, MaxBytes: 1 << 30} }

// UnsafeEntryError names an archive entry that would escape the target or
// is of a kind we refuse.
type UnsafeEntryError struct {
	Name   string
	Reason string
}

func (e *UnsafeEntryError) Error() string {
	return fmt.Sprintf("unsafe archive entry %q: %s", e.Name, e.Reason)
}

// Extract unpacks a .tar.gz stream into dest, which must exist and be empty.
func Extract(r io.Reader, dest string, fsys FS, lim Limits) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("unpack: not a gzip stream: %w", err)
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	var files int
	var written int64
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("unpack: read archive: %w", err)
		}
		name, err := cleanName(hdr.Name)
		if err != nil {
			return err
		}
		if name == "" {
			continue // the archive's own root folder
		}
		files++
		if files > lim.MaxFiles {
			return fmt.Errorf("unpack: archive has more than %d entries", lim.MaxFiles)
		}
		target := filepath.Join(dest, filepath.FromSlash(name))
		if err := checkParents(fsys, dest, name); err != nil {
			return err
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := fsys.MkdirAll(target, 0o755); err != nil {
				return fmt.Errorf("unpack %s: %w", name, err)
			}
		case tar.TypeReg:
			if hdr.Size > lim.MaxBytes-written {
				return fmt.Errorf("unpack %s: archive expands beyond %d bytes", name, lim.MaxBytes)
			}
			if err := writeFile(fsys, target, fileMode(hdr.FileInfo().Mode()), tr, hdr.Size); err != nil {
				return fmt.Errorf("unpack %s: %w", name, err)
			}
			written += hdr.Size
		case tar.TypeSymlink:
			if err := checkLinkTarget(name, hdr.Linkname); err != nil {
				return err
			}
			if err := fsys.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return fmt.Errorf("unpack %s: %w", name, err)
			}
			if err := fsys.Symlink(hdr.Linkname, target); err != nil {
				return fmt.Errorf("unpack %s: %w", name, err)
			}
		case tar.TypeLink:
			return &UnsafeEntryError{Name: hdr.Name, Reason: "hard links are not allowed"}
		default:
			return &UnsafeEntryError{Name: hdr.Name, Reason: fmt.Sprintf("entry type %q is not allowed", hdr.Typeflag)}
		}
	}
	return nil
}

// cleanName returns the slash path of an entry relative to the archive root,
// or an error if it is absolute or climbs out with "..".
func cleanName(raw string) (string, error) {
	switch {
	case raw == "":
		return "", &UnsafeEntryError{Name: raw, Reason: "empty name"}
	case strings.ContainsAny(raw, "\\\x00"):
		return "", &UnsafeEntryError{Name: raw, Reason: "backslash or NUL in name"}
	case strings.HasPrefix(raw, "/") || filepath.IsAbs(raw) || (len(raw) > 1 && raw[1] == ':'):
		return "", &UnsafeEntryError{Name: raw, Reason: "absolute path"}
	}
	for _, seg := range strings.Split(raw, "/") {
		if seg == ".." {
			return "", &UnsafeEntryError{Name: raw, Reason: "path leaves the target folder (\"..\")"}
		}
	}
	name := path.Clean(raw)
	if name == "." {
		return "", nil
	}
	return name, nil
}

// checkParents refuses entries whose folder path runs through a symlink
// unpacked earlier: writing through it could land outside dest.
func checkParents(fsys FS, dest, name string) error {
	dir := path.Dir(name)
	if dir == "." {
		return nil
	}
	cur := dest
	for _, seg := range strings.Split(dir, "/") {
		cur = filepath.Join(cur, seg)
		fi, err := fsys.Lstat(cur)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("unpack %s: %w", name, err)
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return &UnsafeEntryError{Name: name, Reason: "path runs through a symlink in the archive"}
		}
	}
	return nil
}

// checkLinkTarget allows only relative symlinks that resolve inside the root.
func checkLinkTarget(name, target string) error {
	if target == "" || strings.HasPrefix(target, "/") || filepath.IsAbs(target) || strings.ContainsAny(target, "\\\x00") {
		return &UnsafeEntryError{Name: name, Reason: fmt.Sprintf("symlink to %q points outside the target folder", target)}
	}
	resolved := path.Join(path.Dir(name), target)
	if resolved == ".." || strings.HasPrefix(resolved, "../") {
		return &UnsafeEntryError{Name: name, Reason: fmt.Sprintf("symlink to %q points outside the target folder", target)}
	}
	return nil
}

// fileMode keeps only the executable bit's meaning: 0755 or 0644.
func fileMode(m fs.FileMode) fs.FileMode {
	if m&0o111 != 0 {
		return 0o755
	}
	return 0o644
}

func writeFile(fsys FS, target string, mode fs.FileMode, r io.Reader, size int64) error {
	if err := fsys.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	w, err := fsys.Create(target, mode)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return errors.New("entry appears twice in the archive")
		}
		return err
	}
	n, err := io.Copy(w, io.LimitReader(r, size))
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("archive truncated: %d of %d bytes", n, size)
	}
	return nil
}

// File is one entry to pack.
type File struct {
	// Name is the slash path inside the archive.
	Name string
	// Path is the file on disk; empty for a folder.
	Path  string
	IsDir bool
	Mode  fs.FileMode
}

// DirFiles lists a folder's files and sub-folders for Pack. Symlinks and
// special files are refused: a bundle holds plain files only.
func DirFiles(dir string) ([]File, error) {
	var files []File
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		name := filepath.ToSlash(rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			files = append(files, File{Name: name, IsDir: true, Mode: 0o755})
		case info.Mode().IsRegular():
			files = append(files, File{Name: name, Path: p, Mode: fileMode(info.Mode())})
		default:
			return fmt.Errorf("%s: only regular files and folders can be packed (found %s)", p, info.Mode().Type())
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	return files, nil
}

// Pack writes files as a .tar.gz with fixed owners and times, so packing the
// same files twice gives the same bytes (and the same SHA-256).
func Pack(w io.Writer, files []File) error {
	sorted := append([]File(nil), files...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(zw)
	epoch := time.Unix(0, 0).UTC()
	for _, f := range sorted {
		if _, err := cleanName(f.Name); err != nil {
			return fmt.Errorf("pack: %w", err)
		}
		hdr := &tar.Header{Name: f.Name, ModTime: epoch, Format: tar.FormatPAX, Uname: "", Gname: ""}
		if f.IsDir {
			hdr.Typeflag, hdr.Name, hdr.Mode = tar.TypeDir, f.Name+"/", 0o755
			if err := tw.WriteHeader(hdr); err != nil {
				return fmt.Errorf("pack %s: %w", f.Name, err)
			}
			continue
		}
		if err := packFile(tw, hdr, f); err != nil {
			return fmt.Errorf("pack %s: %w", f.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("pack: %w", err)
	}
	return zw.Close()
}

func packFile(tw *tar.Writer, hdr *tar.Header, f File) error {
	src, err := os.Open(f.Path)
	if err != nil {
		return err
	}
	defer src.Close()
	info, err := src.Stat()
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", f.Path)
	}
	mode := f.Mode
	if mode == 0 {
		mode = fileMode(info.Mode())
	}
	hdr.Typeflag, hdr.Size, hdr.Mode = tar.TypeReg, info.Size(), int64(fileMode(mode))
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	n, err := io.Copy(tw, src)
	if err != nil {
		return err
	}
	if n != info.Size() {
		return fmt.Errorf("%s changed while packing", f.Path)
	}
	return nil
}

// CopyTree copies a plugin or skill folder into dest (which must exist)
// through fsys, with the same rules as Extract.
func CopyTree(src, dest string, fsys FS, lim Limits) error {
	files, err := DirFiles(src)
	if err != nil {
		return err
	}
	if len(files) > lim.MaxFiles {
		return fmt.Errorf("copy %s: more than %d entries", src, lim.MaxFiles)
	}
	var written int64
	for _, f := range files {
		target := filepath.Join(dest, filepath.FromSlash(f.Name))
		if f.IsDir {
			if err := fsys.MkdirAll(target, 0o755); err != nil {
				return fmt.Errorf("copy %s: %w", f.Name, err)
			}
			continue
		}
		if err := copyOne(fsys, f, target, lim.MaxBytes-written, &written); err != nil {
			return fmt.Errorf("copy %s: %w", f.Name, err)
		}
	}
	return nil
}

func copyOne(fsys FS, f File, target string, budget int64, written *int64) error {
	in, err := os.Open(f.Path)
	if err != nil {
		return err
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return err
	}
	if info.Size() > budget {
		return errors.New("folder is larger than the install limit")
	}
	*written += info.Size()
	return writeFile(fsys, target, f.Mode, in, info.Size())
}
