// Command fetchnode installs a pinned Node.js and npm into a folder, so the
// end-to-end tests that run npm-published emulators work on a machine that
// has only Go. Both come from the npm registry as ordinary packages; each
// tarball is checked against the registry's sha512 integrity before a byte
// of it is unpacked.
//
// Usage:
//
//	go run ./e2e/tools/fetchnode -dir .tools/node
//
// The result is laid out like an official Node.js distribution: bin/node,
// lib/node_modules/npm, and bin/npm and bin/npx scripts that run them. A
// second run with the same pins does nothing. NPM_CONFIG_REGISTRY overrides
// the registry.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"
)

func main() {
	dir := flag.String("dir", ".tools/node", "folder to install Node.js and npm into")
	force := flag.Bool("force", false, "reinstall even if the pinned versions are already there")
	timeout := flag.Duration("timeout", 15*time.Minute, "give up after this long")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "fetchnode: unexpected arguments %q\n", flag.Args())
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	cfg := config{
		Dir:      *dir,
		Registry: registryURL(os.Getenv),
		GOOS:     runtime.GOOS,
		GOARCH:   runtime.GOARCH,
		Force:    *force,
		Log:      os.Stderr,
		Terminal: isTerminal(os.Stderr),
	}
	if err := install(ctx, cfg); err != nil {
		fmt.Fprintf(os.Stderr, "fetchnode: %v\n", err)
		os.Exit(1)
	}
}

// registryURL is the registry npm itself would use: npm reads its config
// from the environment case-insensitively.
func registryURL(getenv func(string) string) string {
	for _, k := range []string{"NPM_CONFIG_REGISTRY", "npm_config_registry"} {
		if v := getenv(k); v != "" {
			return v
		}
	}
	return "https://registry.npmjs.org/"
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
