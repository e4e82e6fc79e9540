package main

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// maxUnpacked bounds what one package may unpack to. Node's is about
// 200 MB; the cap stops a compression bomb from filling the disk.
const maxUnpacked = 2 << 30

// unpack extracts an npm package tarball into dir, dropping the leading
// path element ("package/") as npm does. Only regular files and folders
// are accepted: a name that would land outside dir is an error, and
// writes go through an os.Root, so nothing escapes dir even by a path the
// name check missed.
func unpack(r io.Reader, dir string) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("read gzip: %w", err)
	}
	defer zr.Close()
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()

	tr := tar.NewReader(zr)
	var total int64
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read tar: %w", err)
		}
		name, err := entryPath(hdr.Name)
		if err != nil {
			return err
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			if name == "" {
				continue
			}
			if err := root.MkdirAll(name, 0o755); err != nil {
				return fmt.Errorf("unpack %s: %w", hdr.Name, err)
			}
		case tar.TypeReg:
			if name == "" {
				continue // a file beside the package folder; npm drops it too
			}
			total += hdr.Size
			if total > maxUnpacked {
				return fmt.Errorf("unpack %s: package unpacks to more than %d bytes", hdr.Name, int64(maxUnpacked))
			}
			if err := writeEntry(root, name, hdr, tr); err != nil {
				return fmt.Errorf("unpack %s: %w", hdr.Name, err)
			}
		case tar.TypeXGlobalHeader:
			continue
		default:
			return fmt.Errorf("unpack %s: unsupported tar entry type %q (only files and folders are accepted)", hdr.Name, hdr.Typeflag)
		}
	}
}

// entryPath turns a tar entry name into a slash-separated path relative to
// the unpack folder, without the leading element. It is "" for the leading
// element itself.
func entryPath(name string) (string, error) {
	if name == "" || strings.ContainsRune(name, 0) {
		return "", fmt.Errorf("unsafe tar entry name %q", name)
	}
	if strings.HasPrefix(name, "/") || strings.Contains(name, `\`) || filepath.IsAbs(name) || filepath.VolumeName(name) != "" {
		return "", fmt.Errorf("unsafe tar entry name %q: absolute or not slash-separated", name)
	}
	for _, elem := range strings.Split(name, "/") {
		if elem == ".." {
			return "", fmt.Errorf("unsafe tar entry name %q: leaves the package folder", name)
		}
	}
	clean := path.Clean(name)
	_, rest, _ := strings.Cut(clean, "/")
	return rest, nil
}

func writeEntry(root *os.Root, name string, hdr *tar.Header, r io.Reader) error {
	if dir := path.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	mode := os.FileMode(0o644)
	if hdr.Mode&0o111 != 0 {
		mode = 0o755
	}
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.CopyN(f, r, hdr.Size); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	// OpenFile leaves the mode of a file listed twice as it was.
	return root.Chmod(name, mode)
}
