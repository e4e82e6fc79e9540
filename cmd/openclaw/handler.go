package main

import (
	"github.com/openclaw-go/openclaw/core/daemon"
	"github.com/openclaw-go/openclaw/core/gateway"
	"github.com/openclaw-go/openclaw/core/services"
	"github.com/urfave/cli/v2"
)

// apiServices is what the API fronts.
func apiServices(g *daemon.Gateway, svc *services.Services) gateway.Services {
	return gateway.Services{}
}

func gatewayExtraCommands() []*cli.Command { return gatewayClientCommands() }
