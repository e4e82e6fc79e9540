package pluginhost

import (
	"github.com/openclaw-go/openclaw/pluginsdk/atomicfile"

	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// maxKVBytes bounds one plugin's store; it is for cursors and small state.
const maxKVBytes = 8 << 20

// kvStore is a plugin's private key-value store: one JSON file rewritten
// atomically on every change, small and crash-safe.
type kvStore struct {
	mu   sync.Mutex
	path string
	data map[string][]byte
	size int
}

func openKV(path string) (*kvStore, error) {
	s := &kvStore{path: path, data: map[string][]byte{}}
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open plugin store: %w", err)
	}
	if err := json.Unmarshal(raw, &s.data); err != nil {
		return nil, fmt.Errorf("plugin store %s is corrupt: %w", path, err)
	}
	for k, v := range s.data {
		s.size += len(k) + len(v)
	}
	return s, nil
}

func (s *kvStore) get(key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.data[key]
	return v, ok
}

func (s *kvStore) set(key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, had := s.data[key]
	size := s.size + len(value) - len(old)
	if !had {
		size += len(key)
	}
	if size > maxKVBytes {
		return fmt.Errorf("plugin store full (%d bytes max)", maxKVBytes)
	}
	s.data[key] = append([]byte(nil), value...)
	if err := s.flush(); err != nil {
		if had {
			s.data[key] = old
		} else {
			delete(s.data, key)
		}
		return err
	}
	s.size = size
	return nil
}

func (s *kvStore) delete(key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, had := s.data[key]
	if !had {
		return nil
	}
	delete(s.data, key)
	if err := s.flush(); err != nil {
		s.data[key] = old
		return err
	}
	s.size -= len(key) + len(old)
	return nil
}

func (s *kvStore) list(prefix string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	for k := range s.data {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

func (s *kvStore) flush() error {
	raw, err := json.Marshal(s.data)
	if err != nil {
		return err
	}
	return writeFileAtomic(s.path, raw, 0o600)
}

// writeFileAtomic replaces path, creating its folder first, so a crash
// leaves either the old or the new content, never a mix.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return atomicfile.Write(path, data, perm)
}
