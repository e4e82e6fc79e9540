package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/openclaw-go/openclaw/core/daemon"
	"github.com/openclaw-go/openclaw/core/gateway"
	"github.com/openclaw-go/openclaw/core/services"
)

// serveOptions are `gateway run`'s flags.
type serveOptions struct {
	port     int
	bind     string
	force    bool
	auth     string
	token    string
	password string
}

// drainTimeout bounds a graceful shutdown of the API.
const drainTimeout = 10 * time.Second

// serveGateway runs the gateway until ctx ends, rebuilding it in-process
// when a config change needs a restart.
func serveGateway(ctx context.Context, opts daemon.Options, run serveOptions) error {
	for {
		err := serveOnce(ctx, opts, run)
		if errors.Is(err, daemon.ErrRestart) && ctx.Err() == nil {
			opts.Logger.Info("restarting gateway for a config change")
			run.force = false
			continue
		}
		return err
	}
}

func serveOnce(ctx context.Context, opts daemon.Options, run serveOptions) error {
	g, err := daemon.New(ctx, opts, newMessageHandler)
	if err != nil {
		return err
	}
	srv, err := newAPIServer(ctx, g, run)
	if err != nil {
		g.Close()
		return err
	}
	if run.force {
		if holders, err := gateway.FreePort(ctx, srv.Port(), gateway.ForceOptions{}); err != nil {
			g.Close()
			return fmt.Errorf("--force: %w", err)
		} else if len(holders) > 0 {
			opts.Logger.Info("stopped the previous gateway", "port", srv.Port(), "pids", holders)
		}
	}
	if err := srv.Listen(ctx); err != nil {
		g.Close()
		return err
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve() }()
	opts.Logger.Info("listening", "url", srv.URL())
	runErr := g.Run(ctx)
	dctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	if err := srv.Shutdown(dctx, "gateway stopping"); err != nil {
		opts.Logger.Warn("api shutdown", "error", err)
	}
	return runErr
}

func newMessageHandler(g *daemon.Gateway) (daemon.Handler, error) {
	return services.Build(g)
}

// newAPIServer builds the HTTP and WebSocket server from the config and
// `gateway run`'s flags.
func newAPIServer(ctx context.Context, g *daemon.Gateway, run serveOptions) (*gateway.Server, error) {
	cfg, err := gateway.ConfigFromRoot(g.Config().Raw)
	if err != nil {
		return nil, err
	}
	if run.bind != "" {
		if ip := net.ParseIP(run.bind); ip != nil {
			cfg.Bind, cfg.CustomBindHost = "custom", run.bind
		} else {
			cfg.Bind = run.bind
		}
	}
	port, err := gateway.ResolvePort(run.port, os.Getenv, cfg)
	if err != nil {
		return nil, err
	}
	authSettings, generated, err := gateway.ResolveAuth(cfg, gateway.AuthFlags{Mode: run.auth, Token: run.token, Password: run.password}, os.Getenv, g.Paths().StateDir)
	if err != nil {
		return nil, err
	}
	if generated {
		g.Logger().Info("generated a gateway token", "file", gateway.TokenFile(g.Paths().StateDir))
	}
	svc, _ := g.Handler().(*services.Services)
	return gateway.New(gateway.Options{
		Config: cfg, Services: apiServices(g, svc), Version: g.Version(), Logger: g.Logger(),
		StateDir: g.Paths().StateDir, ConfigPath: g.Paths().ConfigPath, Port: port, Auth: authSettings,
	})
}
