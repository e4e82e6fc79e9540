package backends

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/openclaw-go/openclaw/core/agent"
	"github.com/openclaw-go/openclaw/core/channels"
	"github.com/openclaw-go/openclaw/core/config"
	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/models/apis"
	"github.com/openclaw-go/openclaw/core/pluginhost"
	"github.com/openclaw-go/openclaw/core/sessions"
	"github.com/openclaw-go/openclaw/pluginsdk"
	pluginv1 "github.com/openclaw-go/openclaw/proto/openclaw/plugin/v1"
)

// echoConfig is the smallest config whose agent answers with the echo
// model.
const echoConfig = `{
  // the built-in deterministic model
  agents: { defaults: { model: { primary: "echo/echo" } } },
}`

// world is a gateway's parts built from a real config file in a temp dir.
type world struct {
	t        testing.TB
	dir      string
	state    string
	cfgPath  string
	cfg      *config.Config
	store    *sessions.Store
	router   *models.Router
	runner   *agent.Runner
	tools    agent.ToolSet
	connect  models.ConnectFunc
	channels *channels.Manager
	plugins  *fakePlugins
}

// newWorld writes cfg to a config file, loads it and builds a session
// store, a model router and an agent runner on it.
func newWorld(t testing.TB, cfg string) *world {
	t.Helper()
	dir := t.TempDir()
	w := &world{t: t, dir: dir, state: filepath.Join(dir, "state"), cfgPath: filepath.Join(dir, "state", "openclaw.json"), connect: apis.Connect}
	if err := os.MkdirAll(w.state, 0o700); err != nil {
		t.Fatal(err)
	}
	w.writeConfig(cfg)
	var err error
	w.store, err = sessions.Open(sessions.Options{StateDir: w.state, IndexFlushDelay: time.Millisecond, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.store.Close() })
	w.plugins = &fakePlugins{running: map[string]*pluginhost.Running{}}
	w.channels = channels.NewManager(w.plugins, nil)
	w.build()
	return w
}

func (w *world) writeConfig(cfg string) {
	w.t.Helper()
	if err := os.WriteFile(w.cfgPath, []byte(cfg), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) loadOptions() config.LoadOptions {
	return config.LoadOptions{Path: w.cfgPath, Getenv: w.getenv, Home: w.dir, SkipDotEnv: true}
}

func (w *world) getenv(k string) string {
	if k == "OPENCLAW_STATE_DIR" {
		return w.state
	}
	return ""
}

// build (re)loads the config and makes a new router and runner from it.
func (w *world) build() {
	w.t.Helper()
	cfg, err := config.Load(context.Background(), w.loadOptions())
	if err != nil {
		w.t.Fatalf("load config: %v", err)
	}
	w.cfg = cfg
	var mc models.Config
	var defaults models.AgentModels
	if err := cfg.Section("models", &mc); err != nil {
		w.t.Fatal(err)
	}
	if err := cfg.Section("agents.defaults", &defaults); err != nil {
		w.t.Fatal(err)
	}
	w.router, err = models.NewRouter(models.Options{Models: mc, Agents: defaults, Connect: w.connect, HTTPClient: &http.Client{}})
	if err != nil {
		w.t.Fatalf("model router: %v", err)
	}
	var o agent.Options
	if err := cfg.Section("agents", &o.Agents); err != nil {
		w.t.Fatal(err)
	}
	if err := cfg.Section("tools", &o.ToolPolicy); err != nil {
		w.t.Fatal(err)
	}
	o.Router, o.Sessions, o.Tools, o.StateDir, o.HomeDir = w.router, w.store, w.tools, w.state, w.dir
	if w.runner != nil {
		_ = w.runner.Close()
	}
	w.runner, err = agent.New(o)
	if err != nil {
		w.t.Fatalf("agent runner: %v", err)
	}
	r := w.runner
	w.t.Cleanup(func() { _ = r.Close() })
}

// deps are Deps over the world's parts.
func (w *world) deps() Deps {
	return Deps{
		Runner:        func() *agent.Runner { return w.runner },
		Sessions:      w.store,
		Channels:      w.channels,
		Plugins:       w.plugins,
		Models:        func() *models.Router { return w.router },
		Tools:         w.tools,
		ConfigPath:    w.cfgPath,
		ConfigLoad:    w.loadOptions(),
		CurrentConfig: func() *config.Config { return w.cfg },
		LogDir:        filepath.Join(w.dir, "logs"),
		Version:       "test",
	}
}

// fakePlugins is the channel manager's plugin lookup, with the plugin
// host's status view for the services that read it.
type fakePlugins struct {
	mu       sync.Mutex
	running  map[string]*pluginhost.Running
	statuses []pluginhost.Status
}

func (f *fakePlugins) Get(_ context.Context, id string) (*pluginhost.Running, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r, ok := f.running[id]; ok {
		return r, nil
	}
	return nil, &pluginhost.UnavailableError{ID: id, State: pluginhost.StateStopped, Reason: "not started"}
}

func (f *fakePlugins) Status(id string) (pluginhost.Status, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.statuses {
		if s.ID == id {
			return s, true
		}
	}
	return pluginhost.Status{}, false
}

func (f *fakePlugins) Statuses() []pluginhost.Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]pluginhost.Status(nil), f.statuses...)
}

// fakeChannel is a channel plugin's client side: it records sends and
// answers probes.
type fakeChannel struct {
	pluginv1.ChannelServiceClient
	mu      sync.Mutex
	sent    []*pluginv1.SendRequest
	sendErr error
	probe   *pluginv1.ProbeResponse
}

func (f *fakeChannel) Send(_ context.Context, in *pluginv1.SendRequest, _ ...grpc.CallOption) (*pluginv1.SendResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sendErr != nil {
		return nil, f.sendErr
	}
	f.sent = append(f.sent, in)
	return &pluginv1.SendResponse{MessageIds: []string{"m" + string(rune('0'+len(f.sent)))}}, nil
}

func (f *fakeChannel) Probe(_ context.Context, in *pluginv1.ProbeRequest, _ ...grpc.CallOption) (*pluginv1.ProbeResponse, error) {
	if f.probe == nil {
		return &pluginv1.ProbeResponse{Ok: true}, nil
	}
	return f.probe, nil
}

func (f *fakeChannel) requests() []*pluginv1.SendRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*pluginv1.SendRequest(nil), f.sent...)
}

// addChannel configures a channel with accounts served by a fake plugin
// and marks every account connected.
func (w *world) addChannel(channel string, accounts ...string) *fakeChannel {
	fc := &fakeChannel{}
	id := channel + "-plugin"
	w.plugins.mu.Lock()
	w.plugins.running[id] = &pluginhost.Running{ID: id, Channel: fc, Metadata: &pluginv1.GetMetadataResponse{Kinds: []string{"channel"}}}
	w.plugins.statuses = append(w.plugins.statuses, pluginhost.Status{ID: id, State: pluginhost.StateRunning})
	w.plugins.mu.Unlock()
	setups := w.channels.Setups()
	s := channels.Setup{Channel: channel, PluginID: id}
	for _, a := range accounts {
		s.Accounts = append(s.Accounts, channels.Account{Channel: channel, ID: a, Config: map[string]any{}})
		w.channels.AccountStatus(id, pluginsdk.AccountStatus{Channel: channel, AccountID: a, State: pluginsdk.StateConnected, BotUsername: a + "_bot"})
	}
	list := []channels.Setup{s}
	for _, old := range setups {
		list = append(list, old)
	}
	w.channels.Configure(list, nil)
	return fc
}
