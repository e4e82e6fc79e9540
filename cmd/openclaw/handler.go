package main

import (
	"github.com/urfave/cli/v2"

	"github.com/openclaw-go/openclaw/core/agent"
	"github.com/openclaw-go/openclaw/core/backends"
	"github.com/openclaw-go/openclaw/core/config"
	"github.com/openclaw-go/openclaw/core/daemon"
	"github.com/openclaw-go/openclaw/core/gateway"
	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/services"
)

// apiServices is what the API fronts: the real packages behind the
// gateway's service interfaces. A gateway without message services (it
// failed to build them) still serves health, config and plugins.
func apiServices(g *daemon.Gateway, svc *services.Services) gateway.Services {
	deps := backends.Deps{
		Channels:      g.Channels,
		Plugins:       g.Plugins,
		Catalog:       g.Catalog,
		ConfigPath:    g.Paths().ConfigPath,
		ConfigLoad:    config.LoadOptions{Getenv: g.Getenv(), Home: g.Home(), WorkDir: g.WorkDir()},
		CurrentConfig: g.Config,
		LogDir:        logDir(),
		Version:       g.Version(),
		Logger:        g.Logger().Named("api"),
	}
	if svc != nil {
		deps.Runner = func() *agent.Runner { return svc.Runner() }
		deps.Sessions = svc.Sessions
		deps.Models = func() *models.Router { return svc.Router() }
		deps.Tools = svc.Tools
		deps.Skills = svc.Skills
		deps.Cron = svc.Cron
	}
	return backends.New(deps)
}

func gatewayExtraCommands() []*cli.Command { return gatewayClientCommands() }
