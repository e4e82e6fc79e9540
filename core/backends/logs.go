package backends

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
)

// Defaults of logs.tail when the caller sets no limits.
const (
	defaultLogLines = 200
	defaultLogBytes = 250_000
)

// logService reads today's log file, openclaw-YYYY-MM-DD.log in dir. The
// cursor is a byte offset into it; followers poll with the cursor they got.
type logService struct {
	dir string
	now func() time.Time
}

// logFileName is the name of the daily log file for t.
func logFileName(t time.Time) string { return "openclaw-" + t.Format("2006-01-02") + ".log" }

// Tail implements backend.Logs. Cursor zero returns the last Limit lines
// within the last MaxBytes; a cursor returns the complete lines written
// since. A cursor past the end means the file rotated or shrank: reading
// starts over at its beginning and Reset says so. Lines still being
// written (no newline yet) wait for the next call.
func (l *logService) Tail(ctx context.Context, q backend.LogQuery) (backend.LogChunk, error) {
	if q.Cursor < 0 || q.Limit < 0 || q.MaxBytes < 0 {
		return backend.LogChunk{}, fmt.Errorf("tail log: cursor, limit and maxBytes must not be negative: %w", backend.ErrInvalid)
	}
	limit, maxBytes := q.Limit, q.MaxBytes
	if limit == 0 {
		limit = defaultLogLines
	}
	if maxBytes == 0 {
		maxBytes = defaultLogBytes
	}
	path := filepath.Join(l.dir, logFileName(l.now()))
	chunk := backend.LogChunk{File: path, Lines: []string{}}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		chunk.Reset = q.Cursor > 0
		return chunk, nil
	}
	if err != nil {
		return chunk, fmt.Errorf("tail log: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return chunk, fmt.Errorf("tail log %s: %w", path, err)
	}
	chunk.Size = st.Size()
	if err := ctx.Err(); err != nil {
		return chunk, err
	}
	from := q.Cursor
	if from > chunk.Size {
		from, chunk.Reset = 0, true
	}
	if from == 0 && !chunk.Reset {
		err = tailLines(f, &chunk, limit, maxBytes)
	} else {
		err = readLines(f, &chunk, from, limit, maxBytes)
	}
	if err != nil {
		return chunk, fmt.Errorf("tail log %s: %w", path, err)
	}
	return chunk, nil
}

// tailLines fills chunk with the file's last complete lines.
func tailLines(f *os.File, chunk *backend.LogChunk, limit, maxBytes int) error {
	start := max(0, chunk.Size-int64(maxBytes))
	buf := make([]byte, chunk.Size-start)
	if _, err := f.ReadAt(buf, start); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	end := bytes.LastIndexByte(buf, '\n') + 1
	if start > 0 {
		// The window starts inside a line: skip to the next one.
		skip := bytes.IndexByte(buf, '\n') + 1
		if skip == 0 || skip > end {
			// One line longer than the window: nothing whole to show.
			chunk.Cursor, chunk.Truncated = chunk.Size, true
			return nil
		}
		buf, start, end = buf[skip:], start+int64(skip), end-skip
		chunk.Truncated = true
	}
	lines := splitLines(buf[:end])
	if len(lines) > limit {
		lines, chunk.Truncated = lines[len(lines)-limit:], true
	}
	chunk.Lines, chunk.Cursor = lines, start+int64(end)
	return nil
}

// readLines fills chunk with the complete lines after from.
func readLines(f *os.File, chunk *backend.LogChunk, from int64, limit, maxBytes int) error {
	n := min(chunk.Size-from, int64(maxBytes))
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, from); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	used := 0
	for len(chunk.Lines) < limit && used < len(buf) {
		i := bytes.IndexByte(buf[used:], '\n')
		if i < 0 {
			if used == 0 && int64(len(buf)) == int64(maxBytes) {
				// A line longer than maxBytes would stall a follower:
				// hand it over cut.
				chunk.Lines = append(chunk.Lines, strings.TrimRight(string(buf), "\r"))
				used = len(buf)
			}
			break
		}
		chunk.Lines = append(chunk.Lines, strings.TrimRight(string(buf[used:used+i]), "\r"))
		used += i + 1
	}
	chunk.Cursor = from + int64(used)
	// More is waiting when a whole line was left in the window or the
	// window ended before the file did; a line still being written is not
	// "more".
	chunk.Truncated = bytes.IndexByte(buf[used:], '\n') >= 0 || from+n < chunk.Size
	return nil
}

func splitLines(b []byte) []string {
	if len(b) == 0 {
		return []string{}
	}
	parts := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	for i, p := range parts {
		parts[i] = strings.TrimRight(p, "\r")
	}
	return parts
}
