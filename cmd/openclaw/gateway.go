package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	"github.com/urfave/cli/v2"

	"github.com/openclaw-go/openclaw/core/daemon"
	"github.com/openclaw-go/openclaw/core/plugincatalog"
)

func gatewayCommand() *cli.Command {
	return &cli.Command{
		Name:  "gateway",
		Usage: "run and manage the gateway",
		Subcommands: append([]*cli.Command{
			{
				Name:  "run",
				Usage: "run the gateway in the foreground (Ctrl-C stops it)",
				Flags: []cli.Flag{
					&cli.IntFlag{Name: "port", Usage: "port for HTTP and WebSocket (default: config gateway.port, else 18789)"},
					&cli.StringFlag{Name: "bind", Usage: "loopback, lan, tailnet, custom, or an IP address"},
					&cli.BoolFlag{Name: "force", Usage: "stop a previous gateway holding the port first"},
					&cli.StringFlag{Name: "auth", Usage: "token or password (default: config gateway.auth.mode, else token)"},
					&cli.StringFlag{Name: "token", Usage: "gateway token (default: OPENCLAW_GATEWAY_TOKEN, config, or a generated one)"},
					&cli.StringFlag{Name: "password", Usage: "gateway password for --auth password"},
					&cli.StringFlag{Name: "log-level", Value: "info", Usage: "trace, debug, info, warn or error"},
					&cli.BoolFlag{Name: "verbose", Usage: "same as --log-level debug"},
				},
				Action: runGateway,
			},
		}, gatewayExtraCommands()...),
	}
}

func runGateway(c *cli.Context) error {
	level := c.String("log-level")
	if c.Bool("verbose") {
		level = "debug"
	}
	logger, closeLog := newLogger(level)
	defer closeLog()
	opts, err := daemonOptions(logger)
	if err != nil {
		return err
	}
	run := serveOptions{
		port: c.Int("port"), bind: c.String("bind"), force: c.Bool("force"),
		auth: c.String("auth"), token: c.String("token"), password: c.String("password"),
	}
	return serveGateway(c.Context, opts, run)
}

// newLogger logs to stderr and, as JSON, to the day's log file that
// `openclaw logs` reads.
func newLogger(level string) (hclog.Logger, func()) {
	var out io.Writer = os.Stderr
	closeFn := func() {}
	if f, err := openLogFile(time.Now()); err == nil {
		out = io.MultiWriter(os.Stderr, f)
		closeFn = func() { f.Close() }
	}
	return hclog.New(&hclog.LoggerOptions{
		Name:            "gateway",
		Level:           hclog.LevelFromString(level),
		Output:          out,
		JSONFormat:      os.Getenv("OPENCLAW_LOG_FORMAT") == "json",
		IncludeLocation: false,
	}), closeFn
}

// logDir is where OpenClaw keeps its daily logs.
func logDir() string {
	if d := os.Getenv("OPENCLAW_LOG_DIR"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "openclaw")
}

func openLogFile(now time.Time) (*os.File, error) {
	dir := logDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return os.OpenFile(filepath.Join(dir, fmt.Sprintf("openclaw-%s.log", now.Format("2006-01-02"))), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
}

// daemonOptions fills the gateway options from this process.
func daemonOptions(logger hclog.Logger) (daemon.Options, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return daemon.Options{}, fmt.Errorf("home directory: %w", err)
	}
	wd, _ := os.Getwd()
	return daemon.Options{
		Version:           version,
		Logger:            logger,
		Getenv:            os.Getenv,
		Home:              home,
		WorkDir:           wd,
		BundledPluginsDir: bundledPluginsDir(),
		InstalledPlugins:  plugincatalog.InstalledFromLock,
	}, nil
}

// bundledPluginsDir is bin/plugins beside the openclaw binary, unless
// OPENCLAW_BUNDLED_PLUGINS_DIR says otherwise.
func bundledPluginsDir() string {
	if d := os.Getenv("OPENCLAW_BUNDLED_PLUGINS_DIR"); d != "" {
		return d
	}
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	return filepath.Join(filepath.Dir(exe), "plugins")
}
