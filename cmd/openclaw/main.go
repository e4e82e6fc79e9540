// Command openclaw is the OpenClaw gateway and its command line.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newApp().RunContext(ctx, os.Args); err != nil {
		var exit cli.ExitCoder
		if errors.As(err, &exit) {
			if msg := err.Error(); msg != "" {
				fmt.Fprintln(os.Stderr, "error:", msg)
			}
			os.Exit(exit.ExitCode())
		}
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func newApp() *cli.App {
	return &cli.App{
		Name:                 "openclaw",
		Usage:                "your own AI assistant gateway",
		Version:              version,
		EnableBashCompletion: true,
		HideHelpCommand:      true,
		Commands: []*cli.Command{
			gatewayCommand(),
			pluginsCommand(),
			pairingCommand(),
			registryCommand(),
			skillsCommand(),
			configCommand(),
			doctorCommand(),
			healthCommand(), statusCommand(), logsCommand(), messageCommand(), agentCommand(), tokenCommand(),
			cronCommand(),
			channelsCommand(),
		},
	}
}
