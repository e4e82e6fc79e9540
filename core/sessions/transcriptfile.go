package sessions

import (
	"github.com/openclaw-go/openclaw/pluginsdk/atomicfile"

	"bytes"
	"container/list"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// A transcript is appended to with one write call per line and O_APPEND, so
// a process that dies mid-append leaves at most one unterminated line at the
// end of the file. Readers ignore an unterminated last line; the next open
// for appending truncates it away (and with it any zero bytes a power loss
// can leave behind) before writing, so every line that ends in '\n' is a
// complete JSON object.

// reverseLines calls fn with each newline-terminated, non-empty line of r,
// last line first, until fn returns false. An unterminated last line is a
// torn write and is skipped. fn must not keep the slice.
func reverseLines(r io.ReaderAt, size int64, fn func(line []byte) bool) error {
	const chunkSize = 64 << 10
	var carry []byte
	terminated := false // the bytes at end of file have no newline after them
	pos := size
	for pos > 0 {
		n := int64(chunkSize)
		if n > pos {
			n = pos
		}
		pos -= n
		data := make([]byte, n, n+int64(len(carry)))
		if _, err := r.ReadAt(data, pos); err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		data = append(data, carry...)
		for {
			i := bytes.LastIndexByte(data, '\n')
			if i < 0 {
				break
			}
			if line := data[i+1:]; terminated && len(line) > 0 {
				if !fn(line) {
					return nil
				}
			}
			terminated = true
			data = data[:i]
		}
		carry = data
	}
	if terminated && len(carry) > 0 {
		fn(carry)
	}
	return nil
}

// validTail returns the offset just past the last newline in f (0 when there
// is none): everything after it is a torn write.
func validTail(f io.ReaderAt, size int64) (int64, error) {
	const chunkSize = 4 << 10
	buf := make([]byte, chunkSize)
	for end := size; end > 0; {
		n := int64(chunkSize)
		if n > end {
			n = end
		}
		start := end - n
		if _, err := f.ReadAt(buf[:n], start); err != nil && !errors.Is(err, io.EOF) {
			return 0, err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			return start + int64(i) + 1, nil
		}
		end = start
	}
	return 0, nil
}

// lineKind is the record type and id of a transcript line, or ok=false when
// the line is not a parseable record.
func lineKind(line []byte) (typ, id string, ok bool) {
	var head struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	}
	if err := json.Unmarshal(line, &head); err != nil || head.Type == "" {
		return "", "", false
	}
	return head.Type, head.ID, true
}

// transcript is an open transcript file positioned for appending.
type transcript struct {
	id   string
	path string

	// Guarded by the store's per-key lock: one appender per session.
	f      *os.File
	lastID string // id of the last record, parent of the next one
	tail   tailCache

	// Guarded by handleCache.mu.
	refs    int
	evicted bool
	elem    *list.Element
}

// open opens (creating if needed) and repairs the transcript, and learns the
// id of its last record. header is written when the file has no complete
// line yet.
func (t *transcript) open(header func() ([]byte, error), syncWrites bool) (repaired int64, err error) {
	f, err := os.OpenFile(t.path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return 0, fmt.Errorf("open transcript %s: %w", t.path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	st, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("stat transcript %s: %w", t.path, err)
	}
	size := st.Size()
	end, err := validTail(f, size)
	if err != nil {
		return 0, fmt.Errorf("read transcript %s: %w", t.path, err)
	}
	if end < size {
		if err := f.Truncate(end); err != nil {
			return 0, fmt.Errorf("repair torn tail of transcript %s: %w", t.path, err)
		}
		if err := f.Sync(); err != nil {
			return 0, fmt.Errorf("sync transcript %s: %w", t.path, err)
		}
		repaired = size - end
	}
	if end == 0 {
		line, err := header()
		if err != nil {
			return repaired, err
		}
		if _, err := f.Write(line); err != nil {
			return repaired, fmt.Errorf("write transcript header %s: %w", t.path, err)
		}
		if syncWrites {
			if err := f.Sync(); err != nil {
				return repaired, fmt.Errorf("sync transcript %s: %w", t.path, err)
			}
		}
		if size == 0 && syncWrites {
			// A new file: make its directory entry durable once.
			if err := atomicfile.SyncDir(dirOf(t.path)); err != nil {
				return repaired, err
			}
		}
		t.f, t.lastID = f, ""
		t.tail = tailCache{complete: true} // nothing came before
		return repaired, nil
	}
	lastID := ""
	err = reverseLines(f, end, func(line []byte) bool {
		typ, id, ok := lineKind(line)
		if !ok {
			return true // a damaged line in the middle; keep looking
		}
		if typ != RecordSession {
			lastID = id
		}
		return false
	})
	if err != nil {
		return repaired, fmt.Errorf("read transcript %s: %w", t.path, err)
	}
	t.f, t.lastID = f, lastID
	return repaired, nil
}

// write appends one line with a single write call.
func (t *transcript) write(line []byte, syncWrites bool) error {
	n, err := t.f.Write(line)
	if err != nil {
		if n > 0 {
			// A short write left a partial line; cut it off so the next line
			// starts cleanly. If this fails too, the next open repairs it.
			if st, serr := t.f.Stat(); serr == nil {
				_ = t.f.Truncate(st.Size() - int64(n))
			}
		}
		return fmt.Errorf("append to transcript %s: %w", t.path, err)
	}
	if syncWrites {
		if err := t.f.Sync(); err != nil {
			return fmt.Errorf("sync transcript %s: %w", t.path, err)
		}
	}
	return nil
}

func (t *transcript) close() error {
	if t.f == nil {
		return nil
	}
	err := t.f.Close()
	t.f = nil
	return err
}

// handleCache keeps at most max transcripts open, least recently used closed
// first. A transcript in use is never closed under its user; it is closed
// when released instead.
type handleCache struct {
	mu  sync.Mutex
	max int
	lru *list.List // front = most recently used; values are *transcript
	m   map[string]*transcript
}

func newHandleCache(max int) *handleCache {
	return &handleCache{max: max, lru: list.New(), m: make(map[string]*transcript)}
}

// acquire returns the transcript for a session id, creating an unopened one
// when it is not cached.
func (c *handleCache) acquire(id, path string) *transcript {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[id]
	if ok {
		c.lru.MoveToFront(t.elem)
	} else {
		t = &transcript{id: id, path: path}
		t.elem = c.lru.PushFront(t)
		c.m[id] = t
	}
	t.refs++
	c.evictLocked()
	return t
}

func (c *handleCache) release(t *transcript) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t.refs--
	if t.evicted && t.refs == 0 {
		t.close()
	}
	c.evictLocked()
}

// forget closes and drops a session's transcript (reset, delete). The caller
// holds the session's key lock, so no appender is using it.
func (c *handleCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[id]
	if !ok {
		return
	}
	c.removeLocked(t)
}

func (c *handleCache) removeLocked(t *transcript) {
	c.lru.Remove(t.elem)
	delete(c.m, t.id)
	t.evicted = true
	if t.refs == 0 {
		t.close()
	}
}

func (c *handleCache) evictLocked() {
	for e := c.lru.Back(); e != nil && c.lru.Len() > c.max; {
		prev := e.Prev()
		if t := e.Value.(*transcript); t.refs == 0 {
			c.removeLocked(t)
		}
		e = prev
	}
}

func (c *handleCache) closeAll() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, t := range c.m {
		c.lru.Remove(t.elem)
		t.evicted = true
		if err := t.close(); err != nil {
			errs = append(errs, err)
		}
	}
	c.m = make(map[string]*transcript)
	return errors.Join(errs...)
}

func (c *handleCache) open() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}
