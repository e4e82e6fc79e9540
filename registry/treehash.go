package registry

import (
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// TreeSHA256 hashes a folder's contents: one "<sha256>  <mode>  <path>" line
// per file, sorted by path, hashed again. Times and owners do not count, so
// the same bundle unpacked twice gives the same hash.
func TreeSHA256(dir string) (string, error) {
	type line struct{ path, text string }
	var lines []line
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			lines = append(lines, line{rel, fmt.Sprintf("dir  %s/", rel)})
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			lines = append(lines, line{rel, fmt.Sprintf("link  %s -> %s", rel, target)})
		case info.Mode().IsRegular():
			sum, err := fileSHA256(p)
			if err != nil {
				return err
			}
			mode := "644"
			if info.Mode()&0o111 != 0 {
				mode = "755"
			}
			lines = append(lines, line{rel, fmt.Sprintf("%s  %s  %s", sum, mode, rel)})
		default:
			return fmt.Errorf("%s: unexpected file type %s", p, info.Mode().Type())
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hash %s: %w", dir, err)
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i].path < lines[j].path })
	h := sha256.New()
	for _, l := range lines {
		io.WriteString(h, l.text+"\n")
	}
	return fmt.Sprintf("%x", h.Sum(nil)), nil
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", p, err)
	}
	return fmt.Sprintf("%x", h.Sum(nil)), nil
}
