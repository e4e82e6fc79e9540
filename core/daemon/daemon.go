// Package daemon assembles the gateway process: it loads the config, finds
// and supervises plugins, accepts inbound messages durably, hands them to the
// message handler in order per conversation, and serves the API.
package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	"github.com/tidwall/gjson"

	"github.com/openclaw-go/openclaw/core/channels"
	"github.com/openclaw-go/openclaw/core/config"
	"github.com/openclaw-go/openclaw/core/inbox"
	"github.com/openclaw-go/openclaw/core/plugincatalog"
	"github.com/openclaw-go/openclaw/core/pluginhost"
	"github.com/openclaw-go/openclaw/pluginsdk"
	"github.com/openclaw-go/openclaw/pluginsdk/manifest"
)

// Handler answers inbound messages. Handle is called once for every
// accepted message, in order within a conversation, and returns once the
// message is queued for its agent; done reports when the message has been
// fully handled (its turn ran and the reply was delivered). Only then is it
// marked done, so a crash before that replays it on the next start.
type Handler interface {
	Handle(ctx context.Context, rec *inbox.Record) (done <-chan error, err error)
}

// Options configure the gateway process.
type Options struct {
	Version string
	Logger  hclog.Logger
	Getenv  func(string) string
	Home    string
	WorkDir string
	// ConfigPath overrides the resolved config path.
	ConfigPath string
	// BundledPluginsDir holds the plugins shipped with the binary.
	BundledPluginsDir string
	// InstalledPlugins reads the lock file's records; nil means none.
	InstalledPlugins func(stateDir string) ([]plugincatalog.Installed, error)
	Policy           pluginhost.Policy
}

// Gateway is a running gateway process.
type Gateway struct {
	opts   Options
	logger hclog.Logger
	paths  config.Paths

	cfg     atomic.Pointer[config.Config]
	catalog atomic.Pointer[plugincatalog.Catalog]

	Plugins  *pluginhost.Host
	Channels *channels.Manager
	Inbox    *inbox.Inbox
	handler  Handler

	started time.Time
	workers *serializer
	pending sync.WaitGroup

	closeOnce sync.Once
	reloadMu  sync.Mutex
	reconfMu  sync.Mutex
	reconf    []Reconfigurer
}

// Config returns the config in force.
func (g *Gateway) Config() *config.Config { return g.cfg.Load() }

// Catalog returns the plugins discovered last.
func (g *Gateway) Catalog() *plugincatalog.Catalog { return g.catalog.Load() }

// Paths are the state directory and config path.
func (g *Gateway) Paths() config.Paths { return g.paths }

// Started is when the gateway started.
func (g *Gateway) Started() time.Time { return g.started }

// Version is the gateway's version.
func (g *Gateway) Version() string { return g.opts.Version }

// Getenv, Home and WorkDir are the environment the config is loaded with.
func (g *Gateway) Getenv() func(string) string { return g.opts.Getenv }

// Home is the user's home directory.
func (g *Gateway) Home() string { return g.opts.Home }

// WorkDir is the directory whose .env file is loaded.
func (g *Gateway) WorkDir() string { return g.opts.WorkDir }

// Logger is the gateway's root logger.
func (g *Gateway) Logger() hclog.Logger { return g.logger }

// LoadConfig discovers plugins and loads the config they validate. It is
// what `gateway run` and the diagnostic commands share.
func LoadConfig(ctx context.Context, opts Options) (*config.Config, *plugincatalog.Catalog, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	paths := config.ResolvePaths(getenv, opts.Home)
	if opts.ConfigPath != "" {
		paths.ConfigPath = opts.ConfigPath
	}
	var installed []plugincatalog.Installed
	if opts.InstalledPlugins != nil {
		var err error
		installed, err = opts.InstalledPlugins(paths.StateDir)
		if err != nil {
			return nil, nil, fmt.Errorf("read installed plugins: %w", err)
		}
	}
	catOpts := plugincatalog.Options{BundledDir: opts.BundledPluginsDir, Installed: installed}
	cat := plugincatalog.Discover(catOpts)
	load := func(c *plugincatalog.Catalog) (*config.Config, error) {
		return config.Load(ctx, config.LoadOptions{
			Path: paths.ConfigPath, Getenv: getenv, Home: opts.Home, WorkDir: opts.WorkDir, Plugins: c,
		})
	}
	cfg, err := load(cat)
	if err != nil {
		return nil, cat, err
	}
	// Config may name more plugin folders and the enabled flags; discover
	// again with them, and validate against what that finds.
	var pc struct {
		Enabled *bool    `json:"enabled"`
		Allow   []string `json:"allow"`
		Deny    []string `json:"deny"`
		Load    struct {
			Paths []string `json:"paths"`
		} `json:"load"`
		Entries map[string]plugincatalog.EntryConfig `json:"entries"`
	}
	if err := cfg.Section("plugins", &pc); err != nil {
		return nil, cat, fmt.Errorf("config plugins: %w", err)
	}
	for i, p := range pc.Load.Paths {
		pc.Load.Paths[i] = config.ExpandHome(p, opts.Home)
		if !filepath.IsAbs(pc.Load.Paths[i]) {
			pc.Load.Paths[i] = filepath.Join(filepath.Dir(cfg.Path), pc.Load.Paths[i])
		}
	}
	catOpts.LoadPaths, catOpts.Entries = pc.Load.Paths, pc.Entries
	catOpts.Allow, catOpts.Deny, catOpts.Enabled = pc.Allow, pc.Deny, pc.Enabled
	cat = plugincatalog.Discover(catOpts)
	if len(pc.Load.Paths) > 0 {
		if cfg, err = load(cat); err != nil {
			return nil, cat, err
		}
	}
	return cfg, cat, nil
}

// New loads the config and prepares the gateway without starting anything.
func New(ctx context.Context, opts Options, newHandler func(*Gateway) (Handler, error)) (*Gateway, error) {
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	cfg, cat, err := LoadConfig(ctx, opts)
	if err != nil {
		return nil, err
	}
	g := &Gateway{opts: opts, logger: opts.Logger, paths: cfg.Paths, started: time.Now()}
	g.cfg.Store(cfg)
	g.catalog.Store(cat)
	for _, p := range cat.Problems() {
		g.logger.Warn("plugin not loaded", "dir", p.Dir, "error", p.Err)
	}
	for k, v := range cfg.Env {
		if _, ok := os.LookupEnv(k); !ok {
			_ = os.Setenv(k, v)
		}
	}
	if err := os.MkdirAll(g.paths.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	g.Inbox, err = inbox.Open(filepath.Join(g.paths.StateDir, "inbox"), inbox.Options{})
	if err != nil {
		return nil, err
	}
	// The plugin host reports to the channel manager, and the manager
	// delivers through the host: build one, then complete the other.
	g.Channels = channels.NewManager(nil, g.logger.Named("channels"))
	g.Plugins = pluginhost.New(pluginhost.Options{
		Logger:         g.logger.Named("plugin"),
		DataDir:        filepath.Join(g.paths.StateDir, "plugin-data"),
		GatewayVersion: opts.Version,
		Policy:         opts.Policy,
		Config:         pluginConfig{g},
		Inbound:        g.Inbox,
		Status:         g.Channels,
		OnReady:        g.Channels.OnReady,
	})
	g.Channels.SetPlugins(g.Plugins)
	g.configureChannels(cfg, cat)
	if newHandler != nil {
		if g.handler, err = newHandler(g); err != nil {
			g.Inbox.Close()
			return nil, err
		}
	}
	return g, nil
}

// configureChannels decides which accounts each channel plugin runs.
func (g *Gateway) configureChannels(cfg *config.Config, cat *plugincatalog.Catalog) {
	var sections map[string]json.RawMessage
	_ = cfg.Section("channels", &sections)
	var setups []channels.Setup
	required := map[string][]channels.RequiredKey{}
	for ch, raw := range sections {
		if ch == "defaults" {
			continue
		}
		var section map[string]any
		if err := json.Unmarshal(raw, &section); err != nil {
			continue
		}
		owner, ok := cat.ChannelOwner(ch)
		if !ok {
			g.logger.Warn("channel configured but no plugin provides it", "channel", ch, "install", "openclaw plugins install @openclaw/"+ch)
			continue
		}
		if !owner.Enabled {
			g.logger.Warn("channel configured but its plugin is disabled", "channel", ch, "plugin", owner.ID, "reason", owner.Reason)
			continue
		}
		var req []channels.RequiredKey
		for _, rk := range owner.Manifest.RequiredConfig {
			req = append(req, channels.RequiredKey{Key: rk.Key, Env: rk.Env})
		}
		required[ch] = req
		accts, err := channels.Accounts(ch, section, req, g.opts.Getenv)
		if err != nil {
			g.logger.Error("channel config", "channel", ch, "error", err)
			continue
		}
		setups = append(setups, channels.Setup{Channel: ch, PluginID: owner.ID, Accounts: accts})
		for _, a := range accts {
			if miss := channels.MissingKeys(a, req); len(miss) > 0 {
				g.logger.Warn("account not started: required config missing", "channel", ch, "account", a.ID, "missing", miss)
			}
		}
	}
	g.Channels.Configure(setups, required)
}

// wanted lists the enabled plugins worth running: channel plugins whose
// channels are configured, and every tool and skill plugin.
func (g *Gateway) wanted(cat *plugincatalog.Catalog) []*plugincatalog.Entry {
	var out []*plugincatalog.Entry
	for _, e := range cat.Entries() {
		if !e.Enabled {
			continue
		}
		need := e.Manifest.HasKind(manifest.KindTool) || e.Manifest.HasKind(manifest.KindSkill)
		for _, ch := range e.Manifest.Channels {
			if s, ok := g.Channels.Setup(ch); ok && s.PluginID == e.ID && len(s.Accounts) > 0 {
				need = true
			}
		}
		if need {
			out = append(out, e)
		}
	}
	return out
}

// Run starts the plugins and the message loop and blocks until ctx ends,
// then stops everything within the plugins' stop deadline.
func (g *Gateway) Run(ctx context.Context) error {
	if g.handler == nil {
		return errors.New("gateway has no message handler")
	}
	for _, err := range g.Plugins.Reconcile(ctx, g.wanted(g.Catalog())) {
		g.logger.Error("plugin not started", "error", err)
	}
	maxConcurrent := 4
	if v := g.Config().Get("agents.defaults.maxConcurrent"); v.Exists() && v.Int() > 0 {
		maxConcurrent = int(v.Int())
	}
	g.workers = newSerializer(maxConcurrent)
	loopCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	restart := make(chan struct{}, 1)
	g.watch(loopCtx, restart)
	var runErr error
	go func() {
		select {
		case <-restart:
			runErr = ErrRestart
			cancel()
		case <-loopCtx.Done():
		}
	}()
	g.logger.Info("gateway ready", "version", g.opts.Version, "state", g.paths.StateDir, "plugins", len(g.Catalog().Entries()))
	// Start-up (schema compilation, config decoding) leaves garbage the
	// runtime would hand back to the OS only minutes later; an idle
	// gateway should not sit on it.
	go func() {
		select {
		case <-time.After(2 * time.Second):
			debug.FreeOSMemory()
		case <-loopCtx.Done():
		}
	}()
	for {
		rec, err := g.Inbox.Next(loopCtx)
		if err != nil {
			break
		}
		g.workers.submit(loopCtx, conversationKey(rec), func(ctx context.Context) {
			g.handle(ctx, rec)
		})
	}
	g.shutdown()
	return runErr
}

func conversationKey(rec *inbox.Record) string {
	m := rec.Message
	return m.Channel + "/" + m.AccountID + "/" + string(m.PeerKind) + "/" + m.PeerID + "/" + m.ThreadID
}

func (g *Gateway) handle(ctx context.Context, rec *inbox.Record) {
	done, err := g.handler.Handle(ctx, rec)
	if err == nil && done != nil {
		g.pending.Add(1)
		go func() {
			defer g.pending.Done()
			var err error
			select {
			case err = <-done:
			case <-ctx.Done():
			}
			g.finish(ctx, rec, err)
		}()
		return
	}
	g.finish(ctx, rec, err)
}

func (g *Gateway) finish(ctx context.Context, rec *inbox.Record, err error) {
	if ctx.Err() != nil {
		// Shutting down: leave the message pending, it is replayed on
		// the next start.
		return
	}
	if err != nil {
		g.logger.Error("message not handled", "channel", rec.Message.Channel, "peer", rec.Message.PeerID, "message", rec.Message.MessageID, "error", err)
	}
	if err := g.Inbox.Done(rec.Seq); err != nil {
		g.logger.Error("inbox", "error", err)
	}
}

func (g *Gateway) shutdown() {
	g.logger.Info("stopping plugins")
	g.Plugins.StopAll()
	if g.workers != nil {
		g.workers.wait()
	}
	g.pending.Wait()
	g.Close()
}

// Close releases what New opened; Run calls it on its way out, and a
// caller that never runs the gateway calls it instead.
func (g *Gateway) Close() {
	g.closeOnce.Do(func() {
		if c, ok := g.handler.(interface{ Close() error }); ok {
			if err := c.Close(); err != nil {
				g.logger.Warn("close", "error", err)
			}
		}
		_ = g.Inbox.Close()
	})
}

// Handler is the message handler New built.
func (g *Gateway) Handler() Handler { return g.handler }

// pluginConfig hands each plugin only its own section: channel plugins get
// nothing here (accounts carry their config), others plugins.entries.<id>.config.
type pluginConfig struct{ g *Gateway }

func (p pluginConfig) PluginConfig(e *plugincatalog.Entry) (string, map[string]string, map[string]string) {
	var entry plugincatalog.EntryConfig
	_ = p.g.Config().Section("plugins.entries."+gjson.Escape(e.ID), &entry)
	cfg := "{}"
	if len(entry.Config) > 0 {
		cfg = string(entry.Config)
	}
	return cfg, nil, entry.Env
}

// Inbound is how tests and the API inject a message as if a channel had
// sent it.
func (g *Gateway) Inbound(ctx context.Context, pluginID string, msg pluginsdk.InboundMessage) (bool, error) {
	return g.Inbox.Accept(ctx, pluginID, msg)
}
