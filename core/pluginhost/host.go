// Package pluginhost launches and supervises plugin processes: it verifies
// each binary before every exec, starts it with a scrubbed environment and
// AutoMTLS, serves it the host service, restarts it after crashes and parks
// it when it keeps crashing, and leaves no process behind.
package pluginhost

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"sync"

	hclog "github.com/hashicorp/go-hclog"

	"github.com/openclaw-go/openclaw/core/plugincatalog"
)

// ConfigSource hands each plugin its own config section and secrets.
type ConfigSource interface {
	PluginConfig(e *plugincatalog.Entry) (configJSON string, secrets map[string]string, env map[string]string)
}

// Options configure a Host.
type Options struct {
	Logger hclog.Logger
	// DataDir holds each plugin's private key-value store.
	DataDir        string
	GatewayVersion string
	Policy         Policy
	Config         ConfigSource
	Inbound        InboundSink
	Status         StatusSink
	// OnReady runs after every (re)start of a plugin.
	OnReady func(ctx context.Context, r *Running) error
}

// Host supervises a set of plugins.
type Host struct {
	opts Options

	mu   sync.Mutex
	sups map[string]*supervisor
	kvs  map[string]*kvStore
	// entries are what each supervisor was started from, to tell whether
	// a new catalog changes a plugin.
	entries map[string]*plugincatalog.Entry
}

// New returns a Host with no plugins.
func New(opts Options) *Host {
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.Policy == (Policy{}) {
		opts.Policy = DefaultPolicy()
	}
	return &Host{opts: opts, sups: map[string]*supervisor{}, kvs: map[string]*kvStore{}, entries: map[string]*plugincatalog.Entry{}}
}

// Start launches an enabled plugin. It returns at once; the supervisor
// starts the process in the background.
func (h *Host) Start(ctx context.Context, e *plugincatalog.Entry) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.sups[e.ID]; ok {
		return fmt.Errorf("plugin %s is already started", e.ID)
	}
	return h.startLocked(ctx, e, nil)
}

// startLocked starts a supervisor for e in the plugin's slot. With prev,
// the new process starts only once prev has stopped, and callers of Get
// wait for the new process meanwhile instead of finding no plugin. Call
// with h.mu held.
func (h *Host) startLocked(ctx context.Context, e *plugincatalog.Entry, prev *supervisor) error {
	kv, ok := h.kvs[e.ID]
	if !ok {
		var err error
		kv, err = openKV(filepath.Join(h.opts.DataDir, e.ID, "kv.json"))
		if err != nil {
			return err
		}
		h.kvs[e.ID] = kv
	}
	logger := h.opts.Logger.Named(e.ID)
	channels := map[string]bool{}
	for _, ch := range e.Manifest.Channels {
		channels[ch] = true
	}
	spec := launchSpec{
		entry:        e,
		logger:       logger,
		startTimeout: h.opts.Policy.StartTimeout,
		logLevel:     logLevelName(h.opts.Logger),
		gatewayVer:   h.opts.GatewayVersion,
		host: &hostService{
			id: e.ID, channels: channels, logger: logger, kv: kv,
			inbound: h.opts.Inbound, status: h.opts.Status,
		},
	}
	spec.config = func() (string, map[string]string) { return h.pluginConfig(e) }
	if h.opts.Config != nil {
		_, _, spec.env = h.opts.Config.PluginConfig(e)
	}
	s := newSupervisor(spec, h.opts.Policy, h.opts.OnReady)
	if prev != nil {
		s.after = prev.done
	}
	h.sups[e.ID] = s
	h.entries[e.ID] = e
	s.start(context.WithoutCancel(ctx))
	return nil
}

// replace puts a supervisor for e in the plugin's slot, then stops the one
// it replaces; the new process starts once the old one is gone.
func (h *Host) replace(ctx context.Context, e *plugincatalog.Entry) error {
	h.mu.Lock()
	prev := h.sups[e.ID]
	err := h.startLocked(ctx, e, prev)
	h.mu.Unlock()
	if err != nil {
		return err
	}
	if prev != nil {
		prev.stop()
	}
	return nil
}

func logLevelName(l hclog.Logger) string {
	switch {
	case l.IsTrace():
		return "trace"
	case l.IsDebug():
		return "debug"
	case l.IsInfo():
		return "info"
	case l.IsWarn():
		return "warn"
	}
	return "error"
}

// Stop stops one plugin and waits for its process to end.
func (h *Host) Stop(id string) {
	h.mu.Lock()
	s, ok := h.sups[id]
	delete(h.sups, id)
	delete(h.entries, id)
	h.mu.Unlock()
	if ok {
		s.stop()
	}
}

// StopAll stops every plugin in parallel.
func (h *Host) StopAll() {
	h.mu.Lock()
	sups := h.sups
	h.sups = map[string]*supervisor{}
	h.entries = map[string]*plugincatalog.Entry{}
	h.mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range sups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.stop()
		}()
	}
	wg.Wait()
}

// Reconcile makes the running set match entries: new enabled plugins
// start, removed or disabled ones stop, and changed ones (new version, new
// binary, new folder) are replaced.
func (h *Host) Reconcile(ctx context.Context, entries []*plugincatalog.Entry) []error {
	want := map[string]*plugincatalog.Entry{}
	for _, e := range entries {
		if e.Enabled {
			want[e.ID] = e
		}
	}
	h.mu.Lock()
	var stop []string
	var upgrade []*plugincatalog.Entry
	for id, old := range h.entries {
		e, ok := want[id]
		switch {
		case !ok:
			stop = append(stop, id)
		case changed(old, e):
			upgrade = append(upgrade, e)
		}
	}
	h.mu.Unlock()
	for _, id := range stop {
		h.Stop(id)
	}
	var errs []error
	for _, e := range upgrade {
		if err := h.Upgrade(ctx, e); err != nil {
			errs = append(errs, err)
		}
	}
	for id, e := range want {
		h.mu.Lock()
		_, running := h.sups[id]
		h.mu.Unlock()
		if !running {
			if err := h.Start(ctx, e); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errs
}

func changed(a, b *plugincatalog.Entry) bool {
	return a.Dir != b.Dir || a.SHA256 != b.SHA256 || a.Version != b.Version || a.Executable != b.Executable
}

// Restart replaces a plugin's process, e.g. after its config changed.
func (h *Host) Restart(ctx context.Context, id string) error {
	h.mu.Lock()
	e, ok := h.entries[id]
	h.mu.Unlock()
	if !ok {
		return fmt.Errorf("plugin %s is not started", id)
	}
	return h.replace(ctx, e)
}

// Get returns a running plugin, waiting for a restart in progress up to
// ctx's deadline.
func (h *Host) Get(ctx context.Context, id string) (*Running, error) {
	h.mu.Lock()
	s, ok := h.sups[id]
	h.mu.Unlock()
	if !ok {
		return nil, &UnavailableError{ID: id, State: StateStopped, Reason: "not started"}
	}
	return s.current(ctx)
}

// WaitRunning waits until plugin id is running or ctx ends.
func (h *Host) WaitRunning(ctx context.Context, id string) (*Running, error) {
	return h.Get(ctx, id)
}

// Statuses lists every supervised plugin, sorted by id.
func (h *Host) Statuses() []Status {
	h.mu.Lock()
	sups := make([]*supervisor, 0, len(h.sups))
	for _, s := range h.sups {
		sups = append(sups, s)
	}
	h.mu.Unlock()
	out := make([]Status, 0, len(sups))
	for _, s := range sups {
		out = append(out, s.snapshot())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Status returns one plugin's status.
func (h *Host) Status(id string) (Status, bool) {
	h.mu.Lock()
	s, ok := h.sups[id]
	h.mu.Unlock()
	if !ok {
		return Status{}, false
	}
	return s.snapshot(), true
}

// Running returns every plugin running now.
func (h *Host) Running() []*Running {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []*Running
	for _, s := range h.sups {
		s.mu.Lock()
		if s.running != nil {
			out = append(out, s.running)
		}
		s.mu.Unlock()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Upgrade replaces a running plugin with a new build or version. The new
// binary is first started on trial (verified, cross-checked, configured)
// and stopped again; only if that works is the old process stopped and the
// new one started for good, and calls made during the switch wait for the
// new process. A new version that cannot start leaves the old one running
// and returns why.
func (h *Host) Upgrade(ctx context.Context, e *plugincatalog.Entry) error {
	h.mu.Lock()
	old, running := h.entries[e.ID]
	kv := h.kvs[e.ID]
	h.mu.Unlock()
	if !running {
		return h.Start(ctx, e)
	}
	if !changed(old, e) {
		return nil
	}
	if kv == nil {
		var err error
		if kv, err = openKV(filepath.Join(h.opts.DataDir, e.ID, "kv.json")); err != nil {
			return err
		}
	}
	logger := h.opts.Logger.Named(e.ID)
	trial := launchSpec{
		entry: e, logger: logger, startTimeout: h.opts.Policy.StartTimeout,
		logLevel: logLevelName(h.opts.Logger), gatewayVer: h.opts.GatewayVersion,
		// The trial sees no inbound sink: it must not take messages.
		host:   &hostService{id: e.ID, channels: map[string]bool{}, logger: logger, kv: kv},
		config: func() (string, map[string]string) { return h.pluginConfig(e) },
	}
	r, err := launch(ctx, trial)
	if err != nil {
		return fmt.Errorf("upgrade %s to %s: new version failed to start, keeping %s: %w", e.ID, e.Version, old.Version, err)
	}
	r.stop(h.opts.Policy.StopDeadline)
	return h.replace(ctx, e)
}

func (h *Host) pluginConfig(e *plugincatalog.Entry) (string, map[string]string) {
	if h.opts.Config == nil {
		return "{}", nil
	}
	cfg, secrets, _ := h.opts.Config.PluginConfig(e)
	return cfg, secrets
}
