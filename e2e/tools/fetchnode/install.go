package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// stampName records, inside the install folder, which pins it holds.
const stampName = ".fetchnode-stamp"

// npmPath is where npm lives in a Node.js distribution, and so here.
const npmPath = "lib/node_modules/npm"

type config struct {
	Dir      string
	Registry string
	GOOS     string
	GOARCH   string
	Force    bool
	Log      io.Writer
	Terminal bool         // draw progress in place
	Client   *http.Client // nil: one with a response header timeout
}

type pkg struct {
	name, version string
	into          string // folder inside the install, slash-separated
}

// install puts the pinned Node.js and npm into cfg.Dir unless they are
// there already. Everything is assembled and checked in a folder beside
// cfg.Dir and moved into place last, so an interrupted run leaves the
// previous install, or none, never a half-written one.
func install(ctx context.Context, cfg config) error {
	nodeName, nodeVersion, err := nodePackage(cfg.GOOS, cfg.GOARCH)
	if err != nil {
		return err
	}
	pkgs := []pkg{
		{name: nodeName, version: nodeVersion, into: "."},
		{name: "npm", version: npmVersion, into: npmPath},
	}
	stamp := stampFor(pkgs)
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return fmt.Errorf("install folder %q: %w", cfg.Dir, err)
	}
	if !cfg.Force && upToDate(dir, stamp) {
		fmt.Fprintf(cfg.Log, "fetchnode: Node.js %s and npm %s already in %s\n", nodeVersion, npmVersion, dir)
		return nil
	}

	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", parent, err)
	}
	work, err := os.MkdirTemp(parent, ".fetchnode-*")
	if err != nil {
		return fmt.Errorf("create work folder: %w", err)
	}
	defer os.RemoveAll(work)
	tree := filepath.Join(work, "tree")

	client := cfg.Client
	if client == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = time.Minute
		client = &http.Client{Transport: t}
	}
	reg := registry{base: cfg.Registry, client: client, log: cfg.Log, terminal: cfg.Terminal}
	for _, p := range pkgs {
		if err := fetch(ctx, reg, p, work, filepath.Join(tree, filepath.FromSlash(p.into))); err != nil {
			return err
		}
	}
	if err := writeLaunchers(tree); err != nil {
		return err
	}
	if err := checkNode(ctx, filepath.Join(tree, "bin", "node"), nodeVersion); err != nil {
		return fmt.Errorf("%s@%s: %w", nodeName, nodeVersion, err)
	}
	if err := writeFileSync(filepath.Join(tree, stampName), []byte(stamp), 0o644); err != nil {
		return err
	}
	if err := replaceDir(dir, tree, work); err != nil {
		return err
	}
	fmt.Fprintf(cfg.Log, "fetchnode: installed Node.js %s and npm %s into %s\n", nodeVersion, npmVersion, dir)
	return nil
}

func stampFor(pkgs []pkg) string {
	var b strings.Builder
	for _, p := range pkgs {
		fmt.Fprintf(&b, "%s@%s\n", p.name, p.version)
	}
	return b.String()
}

func upToDate(dir, stamp string) bool {
	got, err := os.ReadFile(filepath.Join(dir, stampName))
	if err != nil || string(got) != stamp {
		return false
	}
	for _, f := range []string{"bin/node", "bin/npm", "bin/npx", npmPath + "/bin/npm-cli.js"} {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
			return false
		}
	}
	return true
}

// fetch downloads p, verifies it, and only then unpacks it into dst.
func fetch(ctx context.Context, reg registry, p pkg, work, dst string) error {
	m, err := reg.manifest(ctx, p.name, p.version)
	if err != nil {
		return err
	}
	tgz := filepath.Join(work, p.name+".tgz")
	if err := reg.download(ctx, m, tgz); err != nil {
		return err
	}
	defer os.Remove(tgz)
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return fmt.Errorf("unpack %s@%s: %w", p.name, p.version, err)
	}
	f, err := os.Open(tgz)
	if err != nil {
		return fmt.Errorf("unpack %s@%s: %w", p.name, p.version, err)
	}
	defer f.Close()
	if err := unpack(f, dst); err != nil {
		return fmt.Errorf("unpack %s@%s: %w", p.name, p.version, err)
	}
	return nil
}

// launcher runs one of npm's entry scripts with the node beside it. It
// finds both relative to itself, so the install folder can move.
const launcher = `#!/bin/sh
# Runs %[1]s with the Node.js installed beside this script.
bin=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd -P) || exit 1
exec "$bin/node" "$bin/../` + npmPath + `/bin/%[1]s-cli.js" "$@"
`

func writeLaunchers(tree string) error {
	for _, name := range []string{"npm", "npx"} {
		cli := filepath.Join(tree, filepath.FromSlash(npmPath), "bin", name+"-cli.js")
		if _, err := os.Stat(cli); err != nil {
			return fmt.Errorf("npm@%s has no bin/%s-cli.js: %w", npmVersion, name, err)
		}
		p := filepath.Join(tree, "bin", name)
		if err := writeFileSync(p, fmt.Appendf(nil, launcher, name), 0o755); err != nil {
			return err
		}
	}
	return nil
}

// checkNode runs the new node once, so a binary this machine cannot run
// (too old a C library, wrong CPU) fails here with its own message rather
// than later inside a test.
func checkNode(ctx context.Context, node, version string) error {
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, node, "--version")
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("node does not run on this machine: %w: %s", err, strings.TrimSpace(errOut.String()))
	}
	if got := strings.TrimSpace(out.String()); got != "v"+version {
		return fmt.Errorf("node --version says %q, want v%s", got, version)
	}
	return nil
}

func writeFileSync(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// replaceDir moves tree to dir, moving a previous dir aside into work
// first (work is removed afterwards).
func replaceDir(dir, tree, work string) error {
	old := filepath.Join(work, "old")
	if err := os.Rename(dir, old); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("move previous install %s aside: %w", dir, err)
	}
	if err := os.Rename(tree, dir); err != nil {
		_ = os.Rename(old, dir) // put the previous install back if there was one
		return fmt.Errorf("move new install into %s: %w", dir, err)
	}
	return nil
}
