package configwatch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/hashicorp/go-hclog"
	"github.com/openclaw-go/openclaw/core/config"
)

// DefaultDebounce applies when the config does not set
// gateway.reload.debounceMs.
const DefaultDebounce = config.DefaultReloadDebounceMs * time.Millisecond

// Options configure Watch.
type Options struct {
	// Load says how to reload the config (environment, plugins, …). Its
	// Path is overridden by Watch's path argument.
	Load config.LoadOptions
	// Initial is the config in force. Watch reports only changes relative
	// to it; when nil, Watch loads the current file first.
	Initial *config.Config
	// Debounce overrides gateway.reload.debounceMs when positive.
	Debounce time.Duration
	// Logger receives reload events; nil discards them.
	Logger hclog.Logger
	// Ready, when set, is called once the watch is in place: an edit made
	// after it returns will be seen.
	Ready func()
}

// Watch watches the config file at path and every file it includes until
// ctx ends. After each burst of changes settles, it reloads and calls fn
// with the new config when its content changed, or with the error when the
// edit is invalid (the caller keeps its running config). fn runs on Watch's
// goroutine, one call at a time. Watch returns nil when ctx ends, or an error
// if watching cannot start.
func Watch(ctx context.Context, path string, opts Options, fn func(*config.Config, error)) error {
	log := opts.Logger
	if log == nil {
		log = hclog.NewNullLogger()
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("watch config %s: %w", path, err)
	}
	opts.Load.Path = abs

	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch config %s: %w", abs, err)
	}
	defer w.Close()

	cur := opts.Initial
	if cur == nil {
		if c, err := config.Load(ctx, opts.Load); err == nil {
			cur = c
		} else {
			log.Warn("current config is invalid; waiting for a valid edit", "path", abs, "error", err)
		}
	}
	s := &watchState{w: w, log: log, root: abs, dirs: map[string]bool{}}
	files := []string{abs}
	if cur != nil {
		files = cur.Files
	}
	if err := s.track(files); err != nil {
		if !s.dirs[filepath.Dir(abs)] {
			return fmt.Errorf("watch config %s: %w", abs, err)
		}
		log.Warn("cannot watch an included file", "error", err)
	}

	lastHash := ""
	if cur != nil {
		lastHash = cur.Hash()
	}
	lastErr := ""
	debounce := debounceFor(cur, opts.Debounce)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	if opts.Ready != nil {
		opts.Ready()
	}

	for {
		select {
		case <-ctx.Done():
			return nil
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			log.Warn("config watcher error", "error", err)
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if ev.Op == fsnotify.Chmod || !s.files[filepath.Clean(ev.Name)] {
				continue
			}
			timer.Reset(debounce)
		case <-timer.C:
			next, err := config.Load(ctx, opts.Load)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				if err.Error() != lastErr {
					lastErr = err.Error()
					log.Error("config reload skipped: invalid config; the running config stays in force", "path", abs, "error", err)
					fn(nil, err)
				}
				continue
			}
			lastErr = ""
			if err := s.track(next.Files); err != nil {
				log.Warn("cannot watch an included file", "error", err)
			}
			debounce = debounceFor(next, opts.Debounce)
			if next.Hash() == lastHash {
				continue
			}
			lastHash = next.Hash()
			log.Info("config changed", "path", abs, "hash", lastHash)
			fn(next, nil)
		}
	}
}

// watchState tracks which files matter. It watches their directories, not
// the files: editors and atomic writers replace a file by renaming another
// over it, which would silently end a watch on the file itself.
type watchState struct {
	w     *fsnotify.Watcher
	log   hclog.Logger
	root  string
	files map[string]bool
	dirs  map[string]bool
}

func (s *watchState) track(files []string) error {
	s.files = map[string]bool{s.root: true}
	var errs []error
	for _, f := range append([]string{s.root}, files...) {
		f = filepath.Clean(f)
		s.files[f] = true
		dir := filepath.Dir(f)
		if s.dirs[dir] {
			continue
		}
		if err := s.w.Add(dir); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				errs = append(errs, fmt.Errorf("directory %s does not exist", dir))
				continue
			}
			errs = append(errs, err)
			continue
		}
		s.dirs[dir] = true
	}
	return errors.Join(errs...)
}

func debounceFor(cfg *config.Config, override time.Duration) time.Duration {
	if override > 0 {
		return override
	}
	if cfg != nil {
		if ms := cfg.Get("gateway.reload.debounceMs"); ms.Exists() && ms.Int() >= 0 {
			return time.Duration(ms.Int()) * time.Millisecond
		}
	}
	return DefaultDebounce
}
