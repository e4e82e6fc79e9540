package cron

import (
	"github.com/openclaw-go/openclaw/pluginsdk/atomicfile"

	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// storeVersion is the jobs.json format version.
const storeVersion = 1

// jobsFile is the content of jobs.json.
type jobsFile struct {
	Version int    `json:"version"`
	Jobs    []*Job `json:"jobs"`
}

// fileSig identifies one version of the file cheaply, so a reader can tell
// whether someone else wrote it without reading it.
type fileSig struct {
	exists bool
	size   int64
	mod    time.Time
	ino    uint64
}

// store is jobs.json. The gateway and the CLI both edit it, so every
// read-modify-write cycle holds an advisory lock on a sibling file, and
// every write replaces the file atomically: readers never see half a file
// and need no lock.
type store struct {
	path string
}

func (s *store) lockPath() string { return s.path + ".lock" }

// lock takes the store's exclusive lock, creating its directory.
func (s *store) lock() (unlock func(), err error) {
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return nil, fmt.Errorf("create cron store directory: %w", err)
	}
	return lockFile(s.lockPath())
}

func (s *store) stat() (fileSig, error) {
	fi, err := os.Stat(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return fileSig{}, nil
	}
	if err != nil {
		return fileSig{}, fmt.Errorf("stat cron store %s: %w", s.path, err)
	}
	return fileSig{exists: true, size: fi.Size(), mod: fi.ModTime(), ino: inode(fi)}, nil
}

// read loads the file; a missing file is an empty store.
func (s *store) read() (*jobsFile, fileSig, error) {
	sig, err := s.stat()
	if err != nil || !sig.exists {
		return &jobsFile{Version: storeVersion}, sig, err
	}
	data, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return &jobsFile{Version: storeVersion}, fileSig{}, nil
	}
	if err != nil {
		return nil, sig, fmt.Errorf("read cron store %s: %w", s.path, err)
	}
	f, err := decodeJobsFile(data)
	if err != nil {
		return nil, sig, fmt.Errorf("cron store %s: %w", s.path, err)
	}
	return f, sig, nil
}

func decodeJobsFile(data []byte) (*jobsFile, error) {
	f := &jobsFile{}
	if len(bytes.TrimSpace(data)) == 0 {
		return &jobsFile{Version: storeVersion}, nil
	}
	if err := json.Unmarshal(data, f); err != nil {
		return nil, describeJSONError(data, err)
	}
	if f.Version > storeVersion {
		return nil, fmt.Errorf("version %d is newer than this gateway understands (%d)", f.Version, storeVersion)
	}
	f.Version = storeVersion
	seen := map[string]int{}
	kept := f.Jobs[:0]
	for i, j := range f.Jobs {
		if j == nil {
			continue
		}
		if prev, dup := seen[j.ID]; dup {
			return nil, fmt.Errorf("jobs[%d]: id %q repeats jobs[%d]", i, j.ID, prev)
		}
		seen[j.ID] = i
		kept = append(kept, j)
	}
	f.Jobs = kept
	return f, nil
}

// describeJSONError turns a byte offset into a line and column.
func describeJSONError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var off int64
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	default:
		return err
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := int(off) - bytes.LastIndexByte(data[:off], '\n')
	return fmt.Errorf("line %d column %d: %w", line, col, err)
}

// write replaces the file with f.
func (s *store) write(f *jobsFile) (fileSig, error) {
	data, err := encodeJobsFile(f)
	if err != nil {
		return fileSig{}, fmt.Errorf("encode cron store: %w", err)
	}
	if err := atomicfile.Write(s.path, data, 0o600); err != nil {
		return fileSig{}, fmt.Errorf("write cron store %s: %w", s.path, err)
	}
	return s.stat()
}

// encodeJobsFile writes one job per line: readable and diffable, and much
// cheaper than indenting every field of a large store.
func encodeJobsFile(f *jobsFile) ([]byte, error) {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "{\n  \"version\": %d,\n  \"jobs\": [", f.Version)
	for i, j := range f.Jobs {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString("\n    ")
		line, err := json.Marshal(j)
		if err != nil {
			return nil, err
		}
		buf.Write(line)
	}
	if len(f.Jobs) > 0 {
		buf.WriteString("\n  ")
	}
	buf.WriteString("]\n}\n")
	return buf.Bytes(), nil
}
