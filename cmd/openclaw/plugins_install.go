package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/hashicorp/go-hclog"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/openclaw-go/openclaw/core/config"
	"github.com/openclaw-go/openclaw/core/daemon"
	"github.com/openclaw-go/openclaw/core/plugincatalog"
	"github.com/openclaw-go/openclaw/core/pluginhost"
	"github.com/openclaw-go/openclaw/pluginsdk/contract"
	"github.com/openclaw-go/openclaw/pluginsdk/manifest"
	"github.com/openclaw-go/openclaw/registry"
	"github.com/openclaw-go/openclaw/registry/progress"
)

// registryFlags choose registries and keys for one command, over config.
func registryFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "registry", EnvVars: []string{"OPENCLAW_REGISTRY"},
			Usage: "registry URL or folder to use instead of plugins.registries (repeatable)"},
		&cli.StringSliceFlag{Name: "trusted-key", EnvVars: []string{"OPENCLAW_REGISTRY_TRUSTED_KEYS"},
			Usage: "extra trusted publisher key, ed25519:<base64> (repeatable; adds to plugins.registry.trustedKeys)"},
	}
}

func acceptFlag() cli.Flag {
	return &cli.BoolFlag{Name: "accept-capabilities", Usage: "grant the capabilities the plugin declares without asking"}
}

func jsonFlag() cli.Flag { return &cli.BoolFlag{Name: "json", Usage: "print JSON"} }

// pluginsManageCommands are the plugins verbs that change what is installed.
func pluginsManageCommands() []*cli.Command {
	return []*cli.Command{
		{
			Name:      "install",
			Usage:     "install a plugin from a registry, a folder or a .tar.gz bundle",
			ArgsUsage: "@scope/name[@range] | DIR | BUNDLE.tar.gz",
			Description: "Ranges follow npm: 1.4.2, ^1.4, ~1.4, \">=1.2, <2\". The newest version that runs on this\n" +
				"gateway and platform is chosen, verified against its signature and checksums before\n" +
				"unpacking, and recorded in the lock file. Folders and bundles are not signed: they\n" +
				"need --force when no terminal can confirm them.",
			Flags: append([]cli.Flag{
				&cli.BoolFlag{Name: "link", Aliases: []string{"l"}, Usage: "use the plugin folder in place (development)"},
				&cli.BoolFlag{Name: "force", Usage: "install from an unsigned source, or replace an installed plugin"},
				acceptFlag(),
			}, registryFlags()...),
			Action: pluginsInstall,
		},
		{
			Name:      "update",
			Usage:     "update installed plugins (the lock file's version wins unless --upgrade)",
			ArgsUsage: "[ID...]",
			Flags: append([]cli.Flag{
				&cli.BoolFlag{Name: "all", Usage: "update every installed plugin"},
				&cli.BoolFlag{Name: "upgrade", Usage: "move to the newest version in the recorded range"},
				acceptFlag(),
			}, registryFlags()...),
			Action: pluginsUpdate,
		},
		{
			Name:      "uninstall",
			Usage:     "remove a plugin's files, lock entry and enabled flag",
			ArgsUsage: "ID",
			Flags:     []cli.Flag{&cli.BoolFlag{Name: "purge", Usage: "also remove its settings and data"}},
			Action:    pluginsUninstall,
		},
		{
			Name:      "enable",
			Usage:     "enable installed plugins",
			ArgsUsage: "ID...",
			Flags:     []cli.Flag{acceptFlag()},
			Action:    func(c *cli.Context) error { return pluginsSetEnabled(c, true) },
		},
		{
			Name:      "disable",
			Usage:     "disable installed plugins",
			ArgsUsage: "ID...",
			Action:    func(c *cli.Context) error { return pluginsSetEnabled(c, false) },
		},
		{
			Name:   "doctor",
			Usage:  "verify every installed plugin and skill against the lock file",
			Flags:  []cli.Flag{jsonFlag()},
			Action: pluginsDoctor,
		},
		{
			Name:      "search",
			Usage:     "search the registries",
			ArgsUsage: "[TERM]",
			Flags:     append([]cli.Flag{jsonFlag(), &cli.IntFlag{Name: "limit", Value: 20, Usage: "show at most this many"}}, registryFlags()...),
			Action:    func(c *cli.Context) error { return registrySearch(c, "plugin") },
		},
		{
			Name:      "mirror",
			Usage:     "write an offline registry of everything in the lock file",
			ArgsUsage: "DIR",
			Flags:     registryFlags(),
			Action:    pluginsMirror,
		},
	}
}

// installerEnv is an Installer plus the config it edits.
type installerEnv struct {
	in  *registry.Installer
	cfg *configFile
}

// newInstaller wires the registry client to this process: state directory,
// config, terminal prompts and progress bars.
func newInstaller(c *cli.Context) (*installerEnv, error) {
	opts, err := daemonOptions(nil)
	if err != nil {
		return nil, err
	}
	cf := &configFile{ctx: c.Context, opts: opts}
	cfg, err := cf.load()
	if err != nil {
		return nil, fmt.Errorf("%w\nfix the config first (openclaw doctor), then retry", err)
	}
	var pc struct {
		Registries []string `json:"registries"`
		Registry   struct {
			TrustedKeys []string `json:"trustedKeys"`
		} `json:"registry"`
	}
	if err := cfg.Section("plugins", &pc); err != nil {
		return nil, fmt.Errorf("config plugins: %w", err)
	}
	registries := pc.Registries
	if flag := nonEmpty(c.StringSlice("registry")); len(flag) > 0 {
		registries = flag
	}
	protocols := make([]int, contract.ProtocolVersion)
	for i := range protocols {
		protocols[i] = i + 1
	}
	interactive := term.IsTerminal(int(os.Stdin.Fd())) && term.IsTerminal(int(os.Stderr.Fd()))
	ro := registry.Options{
		StateDir:         cfg.Paths.StateDir,
		GatewayVersion:   version,
		ProtocolVersions: protocols,
		Registries:       registries,
		TrustedKeys:      append(pc.Registry.TrustedKeys, nonEmpty(c.StringSlice("trusted-key"))...),
		Config:           cf,
		Prompter:         &terminalPrompter{in: bufio.NewReader(os.Stdin), out: os.Stderr, interactive: interactive},
		ReadSkill:        readSkillInfo,
		Getenv:           os.Getenv,
		Logger:           hclog.New(&hclog.LoggerOptions{Name: "openclaw", Level: hclog.Warn, Output: os.Stderr}),
		Waiting: func(pid int) {
			fmt.Fprintf(os.Stderr, "waiting for another install to finish (pid %d)…\n", pid)
		},
		TryStart: tryStart,
	}
	if term.IsTerminal(int(os.Stderr.Fd())) {
		ro.Progress = func(label string, total int64) registry.Progress { return progress.New(os.Stderr, label, total) }
	}
	in, err := registry.New(ro)
	if err != nil {
		return nil, err
	}
	return &installerEnv{in: in, cfg: cf}, nil
}

// tryStart starts a staged plugin build once, the way the gateway starts
// it, and stops it again. A running gateway picks up every install at once,
// so a build that cannot start must not replace one that can.
func tryStart(ctx context.Context, dir string, m *manifest.Manifest, executableSHA256 string) error {
	e := &plugincatalog.Entry{
		ID: m.ID, Manifest: m, Dir: dir, Executable: m.ExecutablePath(dir), SHA256: executableSHA256,
		Package: m.Package, Version: m.Version, Enabled: true,
	}
	_, err := pluginhost.Probe(ctx, e, nil, pluginhost.DefaultPolicy().StartTimeout)
	return err
}

// nonEmpty drops blank values, such as those of an empty environment variable.
func nonEmpty(xs []string) []string {
	var out []string
	for _, x := range xs {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// configFile edits openclaw.json through the config package, which checks
// the result against the schema and writes it atomically.
type configFile struct {
	ctx  context.Context
	opts daemon.Options
	cfg  *config.Config
	cat  *plugincatalog.Catalog
}

func (f *configFile) load() (*config.Config, error) {
	cfg, cat, err := daemon.LoadConfig(f.ctx, f.opts)
	if err != nil {
		return nil, err
	}
	f.cfg, f.cat = cfg, cat
	return cfg, nil
}

// Get reads the effective value at path.
func (f *configFile) Get(path []string) (any, bool, error) {
	if f.cfg == nil {
		if _, err := f.load(); err != nil {
			return nil, false, err
		}
	}
	var cur any = f.cfg.Raw
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false, nil
		}
		if cur, ok = m[p]; !ok {
			return nil, false, nil
		}
	}
	return cur, true, nil
}

// Set writes value at path. The plugin catalog is re-read first so the new
// value is validated against what is installed now.
func (f *configFile) Set(path []string, value any) error {
	if _, err := f.load(); err != nil {
		return err
	}
	_, err := config.Set(f.ctx, f.cfg.Path, configKey(path), value, f.loadOptions())
	f.cfg = nil
	return err
}

// Delete removes path; a path that is not set is not an error.
func (f *configFile) Delete(path []string) error {
	if _, err := f.load(); err != nil {
		return err
	}
	_, err := config.Unset(f.ctx, f.cfg.Path, configKey(path), f.loadOptions())
	f.cfg = nil
	if errors.Is(err, config.ErrNotSet) {
		return nil
	}
	return err
}

func (f *configFile) loadOptions() config.LoadOptions {
	return config.LoadOptions{Getenv: f.opts.Getenv, Home: f.opts.Home, WorkDir: f.opts.WorkDir, Plugins: f.cat}
}

// configKey renders key segments as a gjson/sjson path, escaping the
// characters those paths give meaning to (plugin ids may contain dots).
func configKey(path []string) string {
	parts := make([]string, len(path))
	for i, p := range path {
		var b strings.Builder
		for _, r := range p {
			if strings.ContainsRune(`.*?|#@!\:`, r) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		s := b.String()
		if s != "" && strings.Trim(s, "0123456789") == "" {
			s = ":" + s // a numeric object key, not an array index
		}
		parts[i] = s
	}
	return strings.Join(parts, ".")
}

// terminalPrompter asks on the terminal; without one it answers nothing and
// the installer asks for the explicit flags instead.
type terminalPrompter struct {
	in          *bufio.Reader
	out         io.Writer
	interactive bool
}

func (p *terminalPrompter) Interactive() bool { return p.interactive }

func (p *terminalPrompter) Confirm(ctx context.Context, question string) (bool, error) {
	fmt.Fprintf(p.out, "%s [y/N] ", question)
	line, err := p.in.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, ctx.Err()
}

func pluginsInstall(c *cli.Context) error {
	if c.NArg() != 1 {
		return cli.Exit("usage: openclaw plugins install @scope/name[@range] | DIR | BUNDLE.tar.gz", 2)
	}
	env, err := newInstaller(c)
	if err != nil {
		return err
	}
	res, err := env.in.Install(c.Context, registry.InstallRequest{
		Spec: c.Args().First(), Link: c.Bool("link"), Force: c.Bool("force"), AcceptCapabilities: c.Bool("accept-capabilities"),
	})
	if res != nil {
		printResult(c, "installed", res)
	}
	return err
}

func pluginsUpdate(c *cli.Context) error {
	env, err := newInstaller(c)
	if err != nil {
		return err
	}
	results, err := env.in.Update(c.Context, registry.UpdateRequest{
		Targets: c.Args().Slice(), All: c.Bool("all"), Upgrade: c.Bool("upgrade"), AcceptCapabilities: c.Bool("accept-capabilities"),
	})
	for _, r := range results {
		printResult(c, "updated", r)
	}
	return err
}

func pluginsUninstall(c *cli.Context) error {
	if c.NArg() != 1 {
		return cli.Exit("usage: openclaw plugins uninstall ID [--purge]", 2)
	}
	env, err := newInstaller(c)
	if err != nil {
		return err
	}
	res, err := env.in.Uninstall(c.Context, c.Args().First(), c.Bool("purge"))
	if res != nil {
		fmt.Fprintf(c.App.Writer, "uninstalled %s %s (%s)\n", res.Package, res.Version, res.ID)
		if !c.Bool("purge") {
			fmt.Fprintf(c.App.Writer, "kept its settings; `openclaw plugins uninstall %s --purge` would remove them\n", res.ID)
		}
	}
	return err
}

func pluginsSetEnabled(c *cli.Context, enabled bool) error {
	if c.NArg() == 0 {
		return cli.Exit("usage: openclaw plugins enable|disable ID...", 2)
	}
	env, err := newInstaller(c)
	if err != nil {
		return err
	}
	word := map[bool]string{true: "enabled", false: "disabled"}[enabled]
	// In the order given, stopping at the first failure; earlier changes stay.
	for _, id := range c.Args().Slice() {
		res, err := env.in.SetEnabled(c.Context, id, enabled, c.Bool("accept-capabilities"))
		if errors.Is(err, registry.ErrNotInstalled) {
			// Not from a registry: bundled plugins and plugins.load.paths
			// folders are found by the catalog and only need the flag.
			err = env.cfg.setDiscovered(id, enabled, err)
			res = &registry.Result{ID: id}
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(c.App.Writer, "%s %s\n", word, res.ID)
	}
	return nil
}

// setDiscovered sets the enabled flag of a plugin the catalog knows but the
// lock file does not; notInstalled is returned when the catalog does not
// know it either.
func (f *configFile) setDiscovered(id string, enabled bool, notInstalled error) error {
	if _, err := f.load(); err != nil {
		return err
	}
	if _, ok := f.cat.Get(id); !ok {
		return notInstalled
	}
	return f.Set([]string{"plugins", "entries", id, "enabled"}, enabled)
}

func pluginsDoctor(c *cli.Context) error {
	env, err := newInstaller(c)
	if err != nil {
		return err
	}
	rep, err := env.in.Doctor(c.Context)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		if err := printJSON(c, rep); err != nil {
			return err
		}
	} else {
		for _, f := range rep.Findings {
			fmt.Fprintf(c.App.Writer, "problem: %s\n", f)
		}
		fmt.Fprintf(c.App.Writer, "checked %d plugins and %d skills against %s: %d problems\n", rep.Plugins, rep.Skills, env.in.LockPath(), len(rep.Findings))
	}
	if len(rep.Findings) > 0 {
		return cli.Exit("", 1)
	}
	return nil
}

func registrySearch(c *cli.Context, kind string) error {
	env, err := newInstaller(c)
	if err != nil {
		return err
	}
	results, errs := env.in.Search(c.Context, strings.Join(c.Args().Slice(), " "), kind)
	for _, e := range errs {
		fmt.Fprintln(c.App.ErrWriter, "warning:", e)
	}
	if limit := c.Int("limit"); limit > 0 && len(results) > limit {
		results = results[:limit]
	}
	if c.Bool("json") {
		return printJSON(c, map[string]any{"results": results})
	}
	if len(results) == 0 {
		fmt.Fprintln(c.App.Writer, "no matches")
		return nil
	}
	w := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tVERSION\tDESCRIPTION\tINSTALL")
	for _, r := range results {
		verb := "plugins"
		if r.Kind == "skill" {
			verb = "skills"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\topenclaw %s install %s\n", r.Name, r.Latest, r.Description, verb, r.Name)
	}
	return w.Flush()
}

func pluginsMirror(c *cli.Context) error {
	if c.NArg() != 1 {
		return cli.Exit("usage: openclaw plugins mirror DIR", 2)
	}
	env, err := newInstaller(c)
	if err != nil {
		return err
	}
	rep, err := env.in.Mirror(c.Context, c.Args().First())
	if rep != nil {
		for _, s := range rep.Skipped {
			fmt.Fprintln(c.App.ErrWriter, "skipped:", s)
		}
		fmt.Fprintf(c.App.Writer, "mirrored %d packages (%d artifacts) into %s\n", len(rep.Packages), rep.Artifacts, c.Args().First())
	}
	return err
}

// printResult reports one install or update.
func printResult(c *cli.Context, verb string, r *registry.Result) {
	out := c.App.Writer
	for _, n := range r.Notes {
		fmt.Fprintln(c.App.ErrWriter, "note:", n)
	}
	switch {
	case r.Unchanged:
		fmt.Fprintf(out, "%s %s is up to date\n", r.Package, r.Version)
		return
	case r.Previous != "" && r.Previous != r.Version:
		fmt.Fprintf(out, "%s %s %s → %s (%s)\n", verb, r.Package, r.Previous, r.Version, r.ID)
	default:
		fmt.Fprintf(out, "%s %s %s (%s) from %s\n", verb, r.Package, r.Version, r.ID, r.Source)
	}
	if r.DisabledReason != "" {
		fmt.Fprintf(out, "left disabled: %s; then run `openclaw plugins enable %s`\n", r.DisabledReason, r.ID)
	} else if !r.Enabled && r.ID != "" {
		fmt.Fprintf(out, "disabled in config; run `openclaw plugins enable %s` to use it\n", r.ID)
	}
}
