package config

import (
	"github.com/openclaw-go/openclaw/pluginsdk/atomicfile"

	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// BackupSuffix names the copy of the previous config kept on every write.
const BackupSuffix = ".bak"

// WriteFileAtomic replaces path with data so that readers see either the old
// or the new content, never a mix: the data goes to a temporary file in the
// same directory, is flushed to disk, and is renamed over path. When path
// already exists, its previous content is first saved as path.bak (also
// atomically) and its permissions are kept; new files are created 0600
// because configs hold secrets. It returns the backup's path, if any.
func WriteFileAtomic(path string, data []byte) (backup string, err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	perm := fs.FileMode(0o600)
	if info, err := os.Stat(path); err == nil {
		perm = info.Mode().Perm()
		prev, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("write %s: read previous content: %w", path, err)
		}
		backup = path + BackupSuffix
		if err := replaceFile(backup, prev, perm); err != nil {
			return "", fmt.Errorf("write %s: keep backup: %w", path, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if err := replaceFile(path, data, perm); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return backup, nil
}

func replaceFile(path string, data []byte, perm fs.FileMode) error {
	return atomicfile.Write(path, data, perm)
}
