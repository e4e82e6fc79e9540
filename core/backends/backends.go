// Package backends implements the gateway API's services (package
// core/gateway/backend) on the real core: the agent runner, the session
// store, the config file, the channel manager, the plugin host and catalog,
// the model router, the tool registry, the cron scheduler and the daily log
// files. Each service lives in its own file and depends only on the parts
// it needs; New leaves a service out (nil) when its parts are missing, so
// the gateway answers its methods with UNAVAILABLE instead of failing.
package backends

import (
	"time"

	hclog "github.com/hashicorp/go-hclog"

	"github.com/openclaw-go/openclaw/core/agent"
	"github.com/openclaw-go/openclaw/core/channels"
	"github.com/openclaw-go/openclaw/core/config"
	"github.com/openclaw-go/openclaw/core/cron"
	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/plugincatalog"
	"github.com/openclaw-go/openclaw/core/pluginhost"
	"github.com/openclaw-go/openclaw/core/sessions"
)

// PluginHost reports the supervised plugins; *pluginhost.Host is one.
type PluginHost interface {
	Status(id string) (pluginhost.Status, bool)
	Statuses() []pluginhost.Status
}

// Deps are the parts of a running gateway the services are built on.
// Values that a config reload replaces are passed as functions returning
// the one in force. Every field may be left zero; see New for what each
// service needs.
type Deps struct {
	// Runner returns the agent runner in force.
	Runner func() *agent.Runner
	// Sessions is the session store.
	Sessions *sessions.Store
	// Channels is the channel manager.
	Channels *channels.Manager
	// Plugins is the plugin host.
	Plugins PluginHost
	// Catalog returns the plugins discovered last.
	Catalog func() *plugincatalog.Catalog
	// Models returns the model router in force.
	Models func() *models.Router
	// Tools is the tool registry (*tools.Registry).
	Tools agent.ToolSet
	// Skills reports skills; *skillsource.Source implements it already.
	Skills backend.Skills
	// Cron is the scheduler; nil when cron is off.
	Cron *cron.Service

	// ConfigPath is the config file. ConfigLoad says what the loader may
	// see (environment, home, plugin schemas); when its Plugins is nil the
	// current Catalog validates plugin sections.
	ConfigPath string
	ConfigLoad config.LoadOptions
	// CurrentConfig returns the config in force.
	CurrentConfig func() *config.Config

	// LogDir holds the daily log files openclaw-YYYY-MM-DD.log.
	LogDir string
	// Version is the gateway's version, reported with the config schema.
	Version string
	// Now is the clock; time.Now when nil.
	Now    func() time.Time
	Logger hclog.Logger
}

// New builds the services. A service is nil when what it needs is missing:
// Chat and Agents need Runner; Sessions needs Sessions; Config needs
// ConfigPath; Channels needs Channels; Plugins needs Catalog; Models needs
// Models; Tools needs Tools; Logs needs LogDir; Cron needs Cron. Skills is
// passed through. Health is always there and reports what it can see.
func New(d Deps) backend.Services {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = hclog.NewNullLogger()
	}
	p := &d
	var out backend.Services
	var ch *channelService
	if d.Channels != nil {
		ch = &channelService{d: p}
		out.Channels = ch
	}
	if d.Runner != nil {
		out.Chat = &chatService{d: p, channels: ch}
		out.Agents = &agentService{d: p}
	}
	if d.Sessions != nil {
		out.Sessions = &sessionService{d: p}
	}
	if d.ConfigPath != "" {
		out.Config = &configService{d: p}
	}
	if d.Catalog != nil {
		out.Plugins = &pluginService{d: p}
	}
	if d.Models != nil {
		out.Models = &modelService{d: p}
	}
	if d.Skills != nil {
		out.Skills = d.Skills
	}
	if d.Tools != nil {
		out.Tools = &toolService{d: p}
	}
	if d.LogDir != "" {
		out.Logs = &logService{dir: d.LogDir, now: d.Now}
	}
	if d.Cron != nil {
		out.Cron = &cronService{svc: d.Cron}
	}
	out.Health = &healthService{d: p, channels: ch}
	return out
}

// runner returns the runner in force, or nil.
func (d *Deps) runner() *agent.Runner {
	if d.Runner == nil {
		return nil
	}
	return d.Runner()
}

// router returns the model router in force, or nil.
func (d *Deps) router() *models.Router {
	if d.Models == nil {
		return nil
	}
	return d.Models()
}

// config returns the config in force, or nil.
func (d *Deps) config() *config.Config {
	if d.CurrentConfig == nil {
		return nil
	}
	return d.CurrentConfig()
}

// catalog returns the current plugin catalog, or nil.
func (d *Deps) catalog() *plugincatalog.Catalog {
	if d.Catalog == nil {
		return nil
	}
	return d.Catalog()
}

// section decodes a subtree of the config in force into v; v keeps its
// value when there is no config or no such subtree.
func (d *Deps) section(path string, v any) error {
	cfg := d.config()
	if cfg == nil {
		return nil
	}
	return cfg.Section(path, v)
}

// page cuts one page out of items; a zero limit keeps the rest.
func page[T any](items []T, offset, limit int) []T {
	if offset > len(items) {
		offset = len(items)
	}
	items = items[offset:]
	if limit > 0 && limit < len(items) {
		items = items[:limit]
	}
	return items
}

// fromMillis turns Unix milliseconds into a time; zero stays zero.
func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}
