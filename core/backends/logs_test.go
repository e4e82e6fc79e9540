package backends

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
)

func TestLogsTail(t *testing.T) {
	day := time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
	const content = "one\ntwo\r\nthree\nfour\nfive\nhalf-writ"
	offset := func(line string) int64 { return int64(strings.Index(content, line)) }
	tests := []struct {
		name      string
		q         backend.LogQuery
		lines     []string
		cursor    int64
		truncated bool
		reset     bool
		err       error
	}{
		{"tail", backend.LogQuery{}, []string{"one", "two", "three", "four", "five"}, offset("half"), false, false, nil},
		{"tail limited", backend.LogQuery{Limit: 2}, []string{"four", "five"}, offset("half"), true, false, nil},
		{"tail within bytes", backend.LogQuery{MaxBytes: 20}, []string{"four", "five"}, offset("half"), true, false, nil},
		{"follow", backend.LogQuery{Cursor: offset("three")}, []string{"three", "four", "five"}, offset("half"), false, false, nil},
		{"follow limited", backend.LogQuery{Cursor: offset("two"), Limit: 1}, []string{"two"}, offset("three"), true, false, nil},
		{"follow within bytes", backend.LogQuery{Cursor: offset("two"), MaxBytes: 12}, []string{"two", "three"}, offset("four"), true, false, nil},
		{"caught up", backend.LogQuery{Cursor: offset("half")}, []string{}, offset("half"), false, false, nil},
		{"rotated", backend.LogQuery{Cursor: 10_000, Limit: 2}, []string{"one", "two"}, offset("three"), true, true, nil},
		{"negative", backend.LogQuery{Cursor: -1}, nil, 0, false, false, backend.ErrInvalid},
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "openclaw-2026-05-04.log")
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := New(Deps{LogDir: dir, Now: func() time.Time { return day }}).Logs
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := logs.Tail(context.Background(), tt.q)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if strings.Join(got.Lines, "|") != strings.Join(tt.lines, "|") || got.Cursor != tt.cursor || got.Truncated != tt.truncated || got.Reset != tt.reset {
				t.Fatalf("Tail = %+v, want lines %q cursor %d truncated %v reset %v", got, tt.lines, tt.cursor, tt.truncated, tt.reset)
			}
			if got.File != file || got.Size != int64(len(content)) {
				t.Fatalf("file %s size %d", got.File, got.Size)
			}
		})
	}

	// The rest of the last line arrives, and a follower gets it whole.
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("ten\nsix\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	got, err := logs.Tail(context.Background(), backend.LogQuery{Cursor: offset("half")})
	if err != nil || strings.Join(got.Lines, "|") != "half-written|six" || got.Cursor != got.Size {
		t.Fatalf("after append: %+v, %v", got, err)
	}
}

func TestLogsTailEdges(t *testing.T) {
	day := time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	logs := New(Deps{LogDir: dir, Now: func() time.Time { return day }}).Logs
	ctx := context.Background()

	got, err := logs.Tail(ctx, backend.LogQuery{Cursor: 5})
	if err != nil || !got.Reset || len(got.Lines) != 0 || !strings.HasSuffix(got.File, "openclaw-2026-05-04.log") {
		t.Fatalf("no file yet: %+v, %v", got, err)
	}

	long := strings.Repeat("x", 40)
	if err := os.WriteFile(filepath.Join(dir, "openclaw-2026-05-04.log"), []byte(long+"\nshort\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A line longer than maxBytes is handed over cut, so a follower moves on.
	got, err = logs.Tail(ctx, backend.LogQuery{Cursor: 1, MaxBytes: 10})
	if err != nil || len(got.Lines) != 1 || got.Lines[0] != long[1:11] || got.Cursor != 11 || !got.Truncated {
		t.Fatalf("long line: %+v, %v", got, err)
	}
	// A tail window inside that long line shows only whole lines.
	got, err = logs.Tail(ctx, backend.LogQuery{MaxBytes: 8})
	if err != nil || strings.Join(got.Lines, "|") != "short" || got.Cursor != got.Size || !got.Truncated {
		t.Fatalf("tail: %+v, %v", got, err)
	}
}
