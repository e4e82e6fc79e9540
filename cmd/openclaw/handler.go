package main

import (
	"errors"

	"github.com/urfave/cli/v2"

	"github.com/openclaw-go/openclaw/core/daemon"
)

func newMessageHandler(g *daemon.Gateway) (daemon.Handler, error) {
	return nil, errors.New("agent runtime not wired yet")
}

func gatewayExtraCommands() []*cli.Command { return nil }
