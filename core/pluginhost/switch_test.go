//go:build linux

package pluginhost

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/core/plugincatalog"
)

// TestSwitchKeepsCallersWaiting replaces a running plugin while another
// goroutine keeps asking for it: every Get must return a running plugin
// (the old or the new one), never "not started".
func TestSwitchKeepsCallersWaiting(t *testing.T) {
	for _, tc := range []struct {
		name string
		swap func(ctx context.Context, t *testing.T, h *Host) error
	}{
		{"upgrade", func(ctx context.Context, t *testing.T, h *Host) error {
			return h.Upgrade(ctx, entryFor(t, examplePlugin(t)))
		}},
		{"restart", func(ctx context.Context, t *testing.T, h *Host) error {
			return h.Restart(ctx, "wordcount")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHost(t, fastPolicy())
			if err := h.Start(t.Context(), entryFor(t, examplePlugin(t))); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
			defer cancel()
			old, err := h.Get(ctx, "wordcount")
			if err != nil {
				t.Fatal(err)
			}
			stop := make(chan struct{})
			var wg sync.WaitGroup
			var mu sync.Mutex
			var failures []error
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					gctx, gcancel := context.WithTimeout(ctx, 30*time.Second)
					_, err := h.Get(gctx, "wordcount")
					gcancel()
					if err != nil {
						mu.Lock()
						failures = append(failures, err)
						mu.Unlock()
					}
				}
			}()
			if err := tc.swap(ctx, t, h); err != nil {
				t.Fatal(err)
			}
			cur, err := h.Get(ctx, "wordcount")
			close(stop)
			wg.Wait()
			if err != nil || cur.Pid == old.Pid {
				t.Fatalf("the process was not replaced: %v", err)
			}
			if processAlive(old.Pid) {
				t.Errorf("old process %d still alive", old.Pid)
			}
			if len(failures) > 0 {
				t.Fatalf("Get failed %d times during the switch, first: %v", len(failures), failures[0])
			}
		})
	}
}

func TestProbe(t *testing.T) {
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, e *plugincatalog.Entry)
		wantErr error  // errors.Is target, when set
		errText string // substring of the error, when set
	}{
		{name: "starts", prepare: func(*testing.T, *plugincatalog.Entry) {}},
		{name: "exits at once", prepare: func(t *testing.T, e *plugincatalog.Entry) {
			if err := os.WriteFile(e.Executable, []byte("#!/bin/sh\nexit 3\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			e.SHA256, _ = plugincatalog.FileSHA256(e.Executable)
		}, errText: "start plugin wordcount"},
		{name: "tampered", prepare: func(t *testing.T, e *plugincatalog.Entry) {
			e.SHA256 = strings.Repeat("0", 64)
		}, wantErr: ErrIntegrity},
		{name: "manifest disagrees", prepare: func(t *testing.T, e *plugincatalog.Entry) {
			e.Manifest.Version = "9.9.9"
		}, wantErr: errMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := entryFor(t, examplePlugin(t))
			m := *e.Manifest
			e.Manifest = &m
			tc.prepare(t, e)
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			meta, err := Probe(ctx, e, nil, 15*time.Second)
			switch {
			case tc.wantErr == nil && tc.errText == "":
				if err != nil || meta.GetId() != "wordcount" {
					t.Fatalf("Probe = %v, %v; want the plugin's metadata", meta, err)
				}
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Fatalf("Probe error = %v, want %v", err, tc.wantErr)
			case tc.errText != "" && (err == nil || !strings.Contains(err.Error(), tc.errText)):
				t.Fatalf("Probe error = %v, want one saying %q", err, tc.errText)
			}
			if pids := running(e.Executable); len(pids) > 0 {
				t.Fatalf("Probe left processes running: %v", pids)
			}
		})
	}
}

// running lists live processes executing exe.
func running(exe string) []string {
	var out []string
	entries, _ := os.ReadDir("/proc")
	for _, d := range entries {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		if target, err := os.Readlink(filepath.Join("/proc", d.Name(), "exe")); err == nil && target == exe && processAlive(pid) {
			out = append(out, d.Name())
		}
	}
	return out
}
