package configwatch

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/core/config"
)

type delivery struct {
	cfg *config.Config
	err error
}

// startWatch runs Watch on a fresh config directory and returns the channel
// of deliveries. The deadline in next() only bounds a failing test; nothing
// asserts on how fast a delivery arrives.
func startWatch(t *testing.T, files map[string]string) (string, func() delivery) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "openclaw.json")
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan delivery, 16)
	ready := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		opts := Options{Load: config.LoadOptions{Home: dir, SkipDotEnv: true}, Ready: func() { close(ready) }}
		err := Watch(ctx, path, opts, func(c *config.Config, err error) {
			ch <- delivery{c, err}
		})
		if err != nil {
			t.Errorf("Watch: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })
	select {
	case <-ready:
	case <-time.After(20 * time.Second):
		t.Fatal("watch did not start")
	}
	return dir, func() delivery {
		select {
		case d := <-ch:
			return d
		case <-time.After(20 * time.Second):
			t.Fatal("no reload delivered")
			return delivery{}
		}
	}
}

func TestWatchDeliversValidAndInvalidEdits(t *testing.T) {
	dir, next := startWatch(t, map[string]string{
		"openclaw.json": `{ gateway: { reload: { debounceMs: 20 } } }`,
	})
	path := filepath.Join(dir, "openclaw.json")

	write := func(content string) {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(`{ gateway: { reload: { debounceMs: 20 } }, session: { dmScope: "per-peer" } }`)
	d := next()
	if d.err != nil || d.cfg.Get("session.dmScope").String() != "per-peer" {
		t.Fatalf("first edit: %+v", d)
	}

	write(`{ gateway: { reload: { debounceMs: 20 } }, session: { dmScope: "nope" } }`)
	d = next()
	if d.err == nil || !strings.Contains(d.err.Error(), "session.dmScope") {
		t.Fatalf("invalid edit must deliver its error, got %+v", d)
	}

	// An atomic replace (what config set does) is seen too.
	if _, err := config.WriteFileAtomic(path, []byte(`{ gateway: { reload: { debounceMs: 20 } }, session: { dmScope: "main" } }`)); err != nil {
		t.Fatal(err)
	}
	d = next()
	if d.err != nil || d.cfg.Get("session.dmScope").String() != "main" {
		t.Fatalf("atomic replace: %+v", d)
	}
}

func TestWatchFollowsIncludes(t *testing.T) {
	dir, next := startWatch(t, map[string]string{
		"openclaw.json": `{ gateway: { reload: { debounceMs: 20 } }, session: { "$include": "session.json5" } }`,
		"session.json5": `{ dmScope: "main" }`,
	})
	if err := os.WriteFile(filepath.Join(dir, "session.json5"), []byte(`{ dmScope: "per-channel-peer" }`), 0o600); err != nil {
		t.Fatal(err)
	}
	d := next()
	if d.err != nil || d.cfg.Get("session.dmScope").String() != "per-channel-peer" {
		t.Fatalf("include edit: %+v", d)
	}
}

func TestWatchNeedsItsDirectory(t *testing.T) {
	err := Watch(context.Background(), filepath.Join(t.TempDir(), "missing", "openclaw.json"), Options{}, func(*config.Config, error) {})
	if err == nil {
		t.Fatal("watching a config in a missing directory must fail")
	}
}

func TestDebounceFromConfig(t *testing.T) {
	if got := debounceFor(nil, 0); got != DefaultDebounce {
		t.Errorf("default = %v", got)
	}
	if got := debounceFor(loadJSON5(t, `{ gateway: { reload: { debounceMs: 750 } } }`), 0); got != 750*time.Millisecond {
		t.Errorf("from config = %v", got)
	}
	if got := debounceFor(nil, time.Second); got != time.Second {
		t.Errorf("override = %v", got)
	}
}
