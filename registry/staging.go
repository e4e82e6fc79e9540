package registry

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/openclaw-go/openclaw/pluginsdk/atomicfile"
)

// staging is a private folder for one download and unpack. Everything in it
// is disposable: an install that dies leaves it behind and the next
// operation removes it.
type staging struct {
	dir string
}

func (in *Installer) stagingRoot() string { return filepath.Join(in.opts.StateDir, stagingDir) }

func (in *Installer) newStaging() (*staging, error) {
	root := in.stagingRoot()
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("staging: %w", err)
	}
	dir, err := os.MkdirTemp(root, "op-")
	if err != nil {
		return nil, fmt.Errorf("staging: %w", err)
	}
	return &staging{dir: dir}, nil
}

func (st *staging) remove() {
	if st != nil {
		os.RemoveAll(st.dir)
	}
}

// journal records a move into place until the lock file commits it, so an
// install killed between the renames and the lock write can be undone.
type journal struct {
	// Target and Backup are relative to the state directory.
	Target string `json:"target"`
	Backup string `json:"backup,omitempty"`
	// Tree is the new files' TreeSHA256; the move is committed once the lock
	// file records it for Target.
	Tree string `json:"tree"`
}

// swap is a move into place that can still be undone.
type swap struct {
	in   *Installer
	path string // the journal file
	j    journal
}

func randomName(prefix string) string {
	var b [8]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// moveIntoPlace renames the staged folder src to dst (absolute), moving an
// existing dst aside first.
func (in *Installer) moveIntoPlace(src, dst, tree string) (*swap, error) {
	rel, err := filepath.Rel(in.opts.StateDir, dst)
	if err != nil || strings.HasPrefix(rel, "..") {
		return nil, fmt.Errorf("install target %s is outside the state directory", dst)
	}
	sw := &swap{in: in, path: filepath.Join(in.stagingRoot(), randomName("journal-")+".json")}
	sw.j = journal{Target: filepath.ToSlash(rel), Tree: tree}
	_, statErr := os.Lstat(dst)
	exists := statErr == nil
	if exists {
		sw.j.Backup = filepath.ToSlash(filepath.Join(stagingDir, randomName("backup-")))
	}
	data, _ := json.Marshal(sw.j)
	if err := atomicfile.Write(sw.path, data, 0o600); err != nil {
		return nil, err
	}
	if exists {
		if err := os.Rename(dst, sw.abs(sw.j.Backup)); err != nil {
			os.Remove(sw.path)
			return nil, fmt.Errorf("move previous %s aside: %w", rel, err)
		}
	}
	parent := filepath.Dir(dst)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		sw.undo()
		return nil, fmt.Errorf("install into %s: %w", rel, err)
	}
	if err := os.Rename(src, dst); err != nil {
		sw.undo()
		return nil, fmt.Errorf("install into %s: %w", rel, err)
	}
	if err := atomicfile.SyncDir(parent); err != nil {
		sw.undo()
		return nil, err
	}
	return sw, nil
}

func (sw *swap) abs(rel string) string {
	return filepath.Join(sw.in.opts.StateDir, filepath.FromSlash(rel))
}

// undo puts the previous files back.
func (sw *swap) undo() error {
	err := rollback(sw.in.opts.StateDir, sw.j)
	os.Remove(sw.path)
	return err
}

// finish drops the backup once the lock file records the new files.
func (sw *swap) finish() {
	if sw.j.Backup != "" {
		os.RemoveAll(sw.abs(sw.j.Backup))
	}
	os.Remove(sw.path)
}

func rollback(stateDir string, j journal) error {
	target := filepath.Join(stateDir, filepath.FromSlash(j.Target))
	if err := os.RemoveAll(target); err != nil {
		return fmt.Errorf("roll back %s: %w", j.Target, err)
	}
	if j.Backup == "" {
		return nil
	}
	backup := filepath.Join(stateDir, filepath.FromSlash(j.Backup))
	if _, err := os.Lstat(backup); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err := os.Rename(backup, target); err != nil {
		return fmt.Errorf("restore previous %s: %w", j.Target, err)
	}
	return nil
}

// recoverStaging runs with the install lock held, so nothing else is using
// the staging area: it settles every journal a dead install left (keeping
// moves the lock file committed, undoing the rest) and deletes everything
// else there.
func (in *Installer) recoverStaging() error {
	root := in.stagingRoot()
	entries, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("staging: %w", err)
	}
	var lock *Lock
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "journal-") {
			continue
		}
		p := filepath.Join(root, e.Name())
		data, err := os.ReadFile(p)
		var j journal
		if err == nil {
			err = json.Unmarshal(data, &j)
		}
		if err != nil || j.Target == "" || strings.Contains(j.Target, "..") || strings.Contains(j.Backup, "..") {
			in.log.Warn("ignoring unreadable install journal", "file", p, "error", err)
			os.Remove(p)
			continue
		}
		if lock == nil {
			if lock, err = LoadLock(in.LockPath()); err != nil {
				return err
			}
		}
		if committed(lock, in.opts.StateDir, j) {
			in.log.Info("completing an interrupted install", "target", j.Target)
		} else {
			in.log.Info("undoing an interrupted install", "target", j.Target)
			if err := rollback(in.opts.StateDir, j); err != nil {
				return err
			}
		}
		os.Remove(p)
	}
	entries, _ = os.ReadDir(root)
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(root, e.Name())); err != nil {
			return fmt.Errorf("clean staging: %w", err)
		}
	}
	return nil
}

// committed reports whether the lock records j's new files at j's target.
func committed(lock *Lock, stateDir string, j journal) bool {
	target := filepath.Join(stateDir, filepath.FromSlash(j.Target))
	for _, m := range []map[string]*LockEntry{lock.Plugins, lock.Skills} {
		for _, e := range m {
			if e.Linked || e.Path(stateDir) != target {
				continue
			}
			for _, h := range e.Hashes {
				if h.Tree != "" && h.Tree == j.Tree {
					return true
				}
			}
		}
	}
	return false
}
