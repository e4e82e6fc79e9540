package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/openclaw-go/openclaw/core/config"
	"github.com/openclaw-go/openclaw/core/configwatch"
	"github.com/openclaw-go/openclaw/core/plugincatalog"
)

// ErrRestart is returned by Run when a config change needs the gateway to
// restart; the caller builds a new Gateway and runs it in the same process.
var ErrRestart = errors.New("config change needs a gateway restart")

// Reconfigurer applies a new config live. Packages that keep config-derived
// state (routing rules, the agent's settings) register one.
type Reconfigurer func(ctx context.Context, cfg *config.Config) error

// OnReconfigure registers f to run on every live config change.
func (g *Gateway) OnReconfigure(f Reconfigurer) {
	g.reconfMu.Lock()
	defer g.reconfMu.Unlock()
	g.reconf = append(g.reconf, f)
}

// watch follows the config file and the lock file until ctx ends. It
// returns ErrRestart when a change needs a restart.
func (g *Gateway) watch(ctx context.Context, restart chan<- struct{}) {
	go func() {
		err := configwatch.Watch(ctx, g.paths.ConfigPath, configwatch.Options{
			Load: g.watchLoadOptions(), Initial: g.Config(), Logger: g.logger.Named("reload"),
		}, func(cfg *config.Config, err error) {
			if err != nil {
				g.logger.Error("config change ignored; the running config stays in force", "error", err)
				return
			}
			if g.applyConfig(ctx, cfg) {
				select {
				case restart <- struct{}{}:
				default:
				}
			}
		})
		if err != nil {
			g.logger.Warn("config hot reload unavailable", "error", err)
		}
	}()
	go g.watchLock(ctx)
}

// watchLoadOptions say how the config watcher loads each change: plugin
// sections are validated against the plugins discovered last, so a plugin
// installed while the gateway runs can be configured at once.
func (g *Gateway) watchLoadOptions() config.LoadOptions {
	return config.LoadOptions{Getenv: g.opts.Getenv, Home: g.opts.Home, WorkDir: g.opts.WorkDir, Plugins: liveCatalog{g}}
}

// liveCatalog answers schema lookups from the catalog in force.
type liveCatalog struct{ g *Gateway }

func (c liveCatalog) ChannelSchema(channel string) (string, json.RawMessage, bool) {
	return c.g.Catalog().ChannelSchema(channel)
}

func (c liveCatalog) PluginSchema(id string) (json.RawMessage, bool) {
	return c.g.Catalog().PluginSchema(id)
}

// applyConfig applies cfg and reports whether a restart is needed.
func (g *Gateway) applyConfig(ctx context.Context, cfg *config.Config) bool {
	old := g.Config()
	plan := configwatch.Classify(old, cfg)
	// Plugins come and go without a restart here: that is what the plugin
	// host is for. Only the rest of a restart plan forces one.
	restartPaths := withoutPrefix(plan.RestartPaths, "plugins")
	if len(plan.Pending) > 0 {
		g.logger.Warn("config change not applied under gateway.reload.mode", "mode", plan.Mode, "paths", plan.Pending)
	}
	if plan.Action == configwatch.ActionNone && len(plan.RestartPaths) == 0 {
		return false
	}
	if plan.Action == configwatch.ActionRestart && len(restartPaths) > 0 {
		g.logger.Info("config change needs a restart", "paths", restartPaths)
		g.cfg.Store(cfg)
		return true
	}
	g.logger.Info("applying config change", "paths", plan.Changed)
	g.reload(ctx)
	return false
}

func withoutPrefix(paths []string, prefix string) []string {
	var out []string
	for _, p := range paths {
		if p != prefix && !strings.HasPrefix(p, prefix+".") {
			out = append(out, p)
		}
	}
	return out
}

// reload rediscovers plugins, reloads the config, reconfigures channels
// and everything that registered, and makes the running plugins match.
func (g *Gateway) reload(ctx context.Context) {
	g.reloadMu.Lock()
	defer g.reloadMu.Unlock()
	// One load gives both the plugins installed now and the config
	// validated against them.
	cfg, cat, err := LoadConfig(ctx, g.opts)
	if err != nil {
		// The file changed again meanwhile, or the lock file names a
		// broken plugin: keep what runs.
		g.logger.Error("reload", "error", err)
		return
	}
	g.cfg.Store(cfg)
	g.catalog.Store(cat)
	oldSetups := g.Channels.Setups()
	g.configureChannels(cfg, cat)
	g.reconfMu.Lock()
	fns := append([]Reconfigurer(nil), g.reconf...)
	g.reconfMu.Unlock()
	for _, f := range fns {
		if err := f(ctx, cfg); err != nil {
			g.logger.Error("reconfigure", "error", err)
		}
	}
	for _, err := range g.Plugins.Reconcile(ctx, g.wanted(cat)) {
		g.logger.Error("plugin", "error", err)
	}
	if err := g.Channels.Apply(ctx, oldSetups); err != nil {
		g.logger.Error("channels", "error", err)
	}
	g.logger.Info("config change applied", "hash", cfg.Hash())
}

// watchLock reloads when `openclaw plugins install/update/uninstall`
// rewrites the lock file.
func (g *Gateway) watchLock(ctx context.Context) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		g.logger.Warn("plugin install watch unavailable", "error", err)
		return
	}
	defer w.Close()
	if err := w.Add(g.paths.StateDir); err != nil {
		g.logger.Warn("plugin install watch unavailable", "error", err)
		return
	}
	lock := filepath.Join(g.paths.StateDir, plugincatalog.LockFileName)
	var timer *time.Timer
	fire := make(chan struct{}, 1)
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-w.Events:
			if filepath.Clean(ev.Name) != lock {
				continue
			}
			if timer != nil {
				timer.Stop()
			}
			timer = time.AfterFunc(200*time.Millisecond, func() {
				select {
				case fire <- struct{}{}:
				default:
				}
			})
		case <-fire:
			g.logger.Info("installed plugins changed")
			g.reload(ctx)
		case err := <-w.Errors:
			g.logger.Warn("plugin install watch", "error", err)
		}
	}
}
