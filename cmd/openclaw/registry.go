package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/openclaw-go/openclaw/core/skills"
	"github.com/openclaw-go/openclaw/pluginsdk/atomicfile"
	"github.com/openclaw-go/openclaw/pluginsdk/manifest"
	"github.com/openclaw-go/openclaw/registry/index"
	"github.com/openclaw-go/openclaw/registry/platform"
	"github.com/openclaw-go/openclaw/registry/publish"
	"github.com/openclaw-go/openclaw/registry/signing"
)

func registryCommand() *cli.Command {
	return &cli.Command{
		Name:  "registry",
		Usage: "publish plugins and skills: keys, bundles, registry folders and a server for them",
		Subcommands: []*cli.Command{
			{
				Name:  "keygen",
				Usage: "make an ed25519 signing key pair (NAME.key, private; NAME.pub, for trustedKeys)",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "out", Value: ".", Usage: "folder for the key files"},
					&cli.StringFlag{Name: "name", Value: "registry", Usage: "file name stem"},
					&cli.BoolFlag{Name: "force", Usage: "overwrite existing key files"},
				},
				Action: registryKeygen,
			},
			{
				Name:      "pack",
				Usage:     "bundle a plugin (manifest + binary, one platform) or a skill folder as .tar.gz",
				ArgsUsage: "DIR",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "binary", Usage: "the plugin binary (default: the manifest's executable in DIR)"},
					&cli.StringFlag{Name: "platform", Usage: "os/arch the binary is built for (default: this machine's)"},
					&cli.StringFlag{Name: "out", Value: ".", Usage: "folder for the bundle"},
				},
				Action: registryPack,
			},
			{
				Name:      "publish",
				Usage:     "add bundles to a registry folder and re-sign its indexes",
				ArgsUsage: "BUNDLE...",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "key", Required: true, Usage: "private key file from `openclaw registry keygen`"},
					&cli.StringFlag{Name: "dir", Required: true, Usage: "registry folder"},
				},
				Action: registryPublish,
			},
			{
				Name:      "serve",
				Usage:     "serve a registry folder over HTTP",
				ArgsUsage: "DIR",
				Flags:     []cli.Flag{&cli.StringFlag{Name: "addr", Value: "127.0.0.1:8787", Usage: "listen address (port 0 picks a free one)"}},
				Action:    registryServe,
			},
		},
	}
}

func registryKeygen(c *cli.Context) error {
	dir, name := c.String("out"), c.String("name")
	keyPath, pubPath := filepath.Join(dir, name+".key"), filepath.Join(dir, name+".pub")
	if !c.Bool("force") {
		for _, p := range []string{keyPath, pubPath} {
			if _, err := os.Stat(p); err == nil {
				return fmt.Errorf("%s exists; refusing to overwrite a key (use --force)", p)
			}
		}
	}
	pub, priv, err := signing.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	pemKey, err := signing.MarshalPrivateKey(priv)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := atomicfile.Write(keyPath, pemKey, 0o600); err != nil {
		return err
	}
	line := signing.FormatPublicKey(pub)
	if err := atomicfile.Write(pubPath, []byte(line+"\n"), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "private key: %s (keep it secret)\npublic key:  %s\nkey id:      %s\n", keyPath, pubPath, signing.KeyID(pub))
	fmt.Fprintf(c.App.Writer, "users trust it by adding to plugins.registry.trustedKeys:\n  %s\n", line)
	return nil
}

func registryPack(c *cli.Context) error {
	if c.NArg() != 1 {
		return cli.Exit("usage: openclaw registry pack DIR [--binary PATH] [--platform os/arch] [--out DIR]", 2)
	}
	dir := c.Args().First()
	var out string
	var err error
	if _, statErr := os.Stat(filepath.Join(dir, manifest.FileName)); statErr == nil {
		plat := platform.Current()
		if s := c.String("platform"); s != "" {
			if plat, err = platform.Parse(s); err != nil {
				return err
			}
		}
		out, err = publish.PackPlugin(dir, c.String("binary"), plat, c.String("out"))
	} else if _, statErr := os.Stat(filepath.Join(dir, skills.FileName)); statErr == nil {
		out, err = publish.PackSkill(dir, c.String("out"), readSkillInfo)
	} else {
		return fmt.Errorf("%s holds neither %s nor %s", dir, manifest.FileName, skills.FileName)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(c.App.Writer, out)
	return nil
}

func registryPublish(c *cli.Context) error {
	if c.NArg() == 0 {
		return cli.Exit("usage: openclaw registry publish --key KEY --dir REGISTRY BUNDLE...", 2)
	}
	data, err := os.ReadFile(c.String("key"))
	if err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	key, err := signing.ParsePrivateKey(data)
	if err != nil {
		return fmt.Errorf("signing key %s: %w", c.String("key"), err)
	}
	res, err := publish.Publish(c.Context, publish.Options{Dir: c.String("dir"), Key: key, ReadSkill: readSkillInfo}, c.Args().Slice())
	if err != nil {
		return err
	}
	for _, p := range res {
		state := "published"
		if p.Existed {
			state = "already published"
		}
		fmt.Fprintf(c.App.Writer, "%s %s %s (%s): %s\n", state, p.Name, p.Version, p.Platform, p.File)
	}
	return nil
}

func registryServe(c *cli.Context) error {
	if c.NArg() != 1 {
		return cli.Exit("usage: openclaw registry serve DIR [--addr HOST:PORT]", 2)
	}
	dir := c.Args().First()
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("registry folder %s: %w", dir, errOr(err, fs.ErrInvalid))
	}
	ln, err := net.Listen("tcp", c.String("addr"))
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: publish.Handler(dir), ReadHeaderTimeout: 10 * time.Second}
	// The first line names the address, so scripts using port 0 can read it.
	fmt.Fprintf(c.App.Writer, "serving %s at http://%s/\n", dir, ln.Addr())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-c.Context.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func errOr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}

// readSkillInfo is what the registry needs from a SKILL.md, parsed the way
// the skills loader parses it.
func readSkillInfo(data []byte) (index.SkillInfo, error) {
	fm, _, err := skills.Parse(data, "")
	if err != nil {
		return index.SkillInfo{}, err
	}
	info := index.SkillInfo{Name: fm.Name, Version: fm.Version, Description: fm.Description}
	if fm.OpenClaw != nil {
		info.RequiresPlugins = fm.OpenClaw.Requires.Plugins
	}
	return info, nil
}
