// Package workspace confines file access to one directory tree: the agent's
// workspace. Paths are checked twice: lexically, so a `..` or an absolute
// path outside the tree gets a clear refusal before anything is touched, and
// again by os.Root at the moment of each operation, which walks every
// component with openat and refuses any symlink that leads out of the tree.
// The second check is what makes the first one safe against a directory
// being swapped for a symlink between check and use.
package workspace

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrOutside marks a path that leads out of the workspace, lexically or
// through a symlink.
var ErrOutside = errors.New("outside the workspace")

// maxLinkHops bounds how many final-component symlinks a write follows, as
// the kernel bounds path resolution.
const maxLinkHops = 40

// Dir is an open workspace.
type Dir struct {
	root *os.Root
	// dirs are the spellings of the workspace's absolute path that an
	// absolute argument may start with: as given and with symlinks resolved.
	dirs []string
}

// Open opens the workspace at dir, which must be an absolute path to an
// existing directory.
func Open(dir string) (*Dir, error) {
	if dir == "" {
		return nil, errors.New("no workspace directory is set for this call")
	}
	if !filepath.IsAbs(dir) {
		return nil, fmt.Errorf("workspace directory %q is not an absolute path", dir)
	}
	clean := filepath.Clean(dir)
	real, err := filepath.EvalSymlinks(clean)
	if err != nil {
		return nil, fmt.Errorf("workspace directory %s: %w", clean, err)
	}
	root, err := os.OpenRoot(real)
	if err != nil {
		return nil, fmt.Errorf("open workspace %s: %w", clean, err)
	}
	d := &Dir{root: root, dirs: []string{clean}}
	if real != clean {
		d.dirs = append(d.dirs, real)
	}
	return d, nil
}

// Close releases the workspace's directory handle.
func (d *Dir) Close() error { return d.root.Close() }

// Rel turns a path as the model wrote it (relative to the workspace, or
// absolute) into a clean path relative to the workspace root. It refuses
// paths that lexically leave the workspace.
func (d *Dir) Rel(p string) (string, error) {
	if strings.TrimSpace(p) == "" {
		return "", errors.New("path is empty")
	}
	if strings.ContainsRune(p, 0) {
		return "", fmt.Errorf("path %q contains a NUL byte", p)
	}
	if p == "~" || strings.HasPrefix(p, "~/") {
		return "", fmt.Errorf("path %q: %w (~ is the home directory; write ./~/… for a folder named ~)", p, ErrOutside)
	}
	if filepath.IsAbs(p) {
		clean := filepath.Clean(p)
		for _, dir := range d.dirs {
			if clean == dir {
				return ".", nil
			}
			if rel, ok := strings.CutPrefix(clean, dir+string(filepath.Separator)); ok {
				return rel, nil
			}
		}
		return "", fmt.Errorf("path %q: %w", p, ErrOutside)
	}
	clean := filepath.Clean(p)
	if clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("path %q: %w (it climbs above the workspace with ..)", p, ErrOutside)
	}
	return clean, nil
}

// explain turns os.Root's escape refusal into ErrOutside and names the path
// as the model wrote it.
func explain(op, rel string, err error) error {
	if err == nil {
		return nil
	}
	if isEscape(err) {
		return fmt.Errorf("%s %s: %w (a symlink on the way leads out of it, or is absolute)", op, rel, ErrOutside)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s %s: %w", op, rel, pe.Err)
	}
	return fmt.Errorf("%s %s: %w", op, rel, err)
}

// isEscape recognises os.Root's refusal; the error value is unexported, so
// its text is the only handle.
func isEscape(err error) bool {
	return err != nil && strings.Contains(err.Error(), "path escapes from parent")
}

// Stat follows symlinks that stay inside the workspace.
func (d *Dir) Stat(rel string) (fs.FileInfo, error) {
	fi, err := d.root.Stat(rel)
	return fi, explain("stat", rel, err)
}

// Lstat does not follow a final symlink.
func (d *Dir) Lstat(rel string) (fs.FileInfo, error) {
	fi, err := d.root.Lstat(rel)
	return fi, explain("stat", rel, err)
}

// Exists reports whether rel names anything, a dangling symlink included.
func (d *Dir) Exists(rel string) (bool, error) {
	_, err := d.root.Lstat(rel)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, explain("stat", rel, err)
	}
}

// Open opens a file for reading.
func (d *Dir) Open(rel string) (*os.File, error) {
	f, err := d.root.Open(rel)
	return f, explain("open", rel, err)
}

// ReadFile reads a regular file of at most max bytes.
func (d *Dir) ReadFile(rel string, max int64) ([]byte, error) {
	f, err := d.Open(rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, explain("stat", rel, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("read %s: not a regular file", rel)
	}
	if fi.Size() > max {
		return nil, fmt.Errorf("read %s: file is %d bytes, over the %d-byte limit", rel, fi.Size(), max)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, explain("read", rel, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("read %s: file grew over the %d-byte limit", rel, max)
	}
	return data, nil
}

// WriteFile replaces rel with data atomically: a temporary file in the same
// directory is written, synced and renamed over the target, so a reader sees
// the old content or the new, never a torn mix. Missing parent directories
// are created. A final symlink is followed only while it stays inside the
// workspace; the rename then replaces its target, never the world outside.
func (d *Dir) WriteFile(rel string, data []byte) error {
	target, err := d.resolveFinal(rel)
	if err != nil {
		return err
	}
	dir := filepath.Dir(target)
	if dir != "." {
		if err := d.root.MkdirAll(dir, 0o755); err != nil {
			return explain("create directory", dir, err)
		}
	}
	perm := fs.FileMode(0o644)
	if fi, err := d.root.Lstat(target); err == nil {
		if fi.IsDir() {
			return fmt.Errorf("write %s: is a directory", rel)
		}
		if fi.Mode().IsRegular() {
			perm = fi.Mode().Perm()
		}
	}
	tmp := filepath.Join(dir, "."+filepath.Base(target)+".tmp-"+strconv.FormatUint(rand.Uint64(), 36))
	// O_EXCL never follows a symlink planted at the temporary name.
	f, err := d.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return explain("write", rel, err)
	}
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = d.root.Rename(tmp, target)
	}
	if werr != nil {
		_ = d.root.Remove(tmp)
		return explain("write", rel, werr)
	}
	d.syncDir(dir)
	return nil
}

// syncDir makes a rename durable. Failure is ignored: the data is already
// safely in place on every filesystem that refuses a directory fsync.
func (d *Dir) syncDir(dir string) {
	if f, err := d.root.Open(dir); err == nil {
		_ = f.Sync()
		_ = f.Close()
	}
}

// resolveFinal follows a chain of relative symlinks at the last component
// of rel, refusing one that leaves the workspace or is absolute. Directories on the way are left to
// os.Root, which checks them at the moment of use.
func (d *Dir) resolveFinal(rel string) (string, error) {
	cur := rel
	for range maxLinkHops {
		fi, err := d.root.Lstat(cur)
		if errors.Is(err, fs.ErrNotExist) {
			return cur, nil
		}
		if err != nil {
			return "", explain("stat", cur, err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return cur, nil
		}
		target, err := d.root.Readlink(cur)
		if err != nil {
			return "", explain("read link", cur, err)
		}
		if filepath.IsAbs(target) {
			// os.Root refuses absolute links for every other operation;
			// writes refuse them too, so a path behaves the same for all.
			return "", fmt.Errorf("%s is a symlink to the absolute path %s: %w (only relative links inside it are followed)", rel, target, ErrOutside)
		}
		next, err := d.Rel(filepath.Join(filepath.Dir(cur), target))
		if err != nil {
			return "", fmt.Errorf("%s is a symlink to %s: %w", rel, target, ErrOutside)
		}
		cur = next
	}
	return "", fmt.Errorf("%s: too many levels of symbolic links", rel)
}

// CheckPlainParents refuses a new file whose parent directories include a
// symlink, even one inside the workspace: creating through an alias makes
// it too easy to put a file somewhere other than where it was named.
func (d *Dir) CheckPlainParents(rel string) error {
	parts := strings.Split(filepath.Dir(rel), string(filepath.Separator))
	cur := ""
	for _, p := range parts {
		if p == "." || p == "" {
			continue
		}
		cur = filepath.Join(cur, p)
		fi, err := d.root.Lstat(cur)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return explain("stat", cur, err)
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return fmt.Errorf("%s: parent %s is a symlink; name the real directory instead", rel, cur)
		}
		if !fi.IsDir() {
			return fmt.Errorf("%s: parent %s is not a directory", rel, cur)
		}
	}
	return nil
}

// Remove deletes a file; a symlink is removed itself, not its target.
func (d *Dir) Remove(rel string) error {
	fi, err := d.root.Lstat(rel)
	if err != nil {
		return explain("delete", rel, err)
	}
	if fi.IsDir() {
		return fmt.Errorf("delete %s: is a directory", rel)
	}
	if err := d.root.Remove(rel); err != nil {
		return explain("delete", rel, err)
	}
	d.syncDir(filepath.Dir(rel))
	return nil
}

// Rename moves from to to inside the workspace, creating to's parents.
func (d *Dir) Rename(from, to string) error {
	if dir := filepath.Dir(to); dir != "." {
		if err := d.root.MkdirAll(dir, 0o755); err != nil {
			return explain("create directory", dir, err)
		}
	}
	if err := d.root.Rename(from, to); err != nil {
		return explain("move "+from+" to", to, err)
	}
	d.syncDir(filepath.Dir(to))
	return nil
}
