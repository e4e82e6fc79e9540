package main

import (
	"context"
	"errors"

	"github.com/openclaw-go/openclaw/core/daemon"
)

// serveOptions are `gateway run`'s flags.
type serveOptions struct {
	port  int
	bind  string
	force bool
}

// serveGateway runs the gateway until ctx ends, rebuilding it in-process
// when a config change needs a restart.
func serveGateway(ctx context.Context, opts daemon.Options, run serveOptions) error {
	for {
		g, err := daemon.New(ctx, opts, newMessageHandler)
		if err != nil {
			return err
		}
		err = g.Run(ctx)
		if errors.Is(err, daemon.ErrRestart) && ctx.Err() == nil {
			opts.Logger.Info("restarting gateway for a config change")
			continue
		}
		return err
	}
}
