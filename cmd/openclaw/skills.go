package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"

	"github.com/tidwall/gjson"
	"github.com/urfave/cli/v2"

	"github.com/openclaw-go/openclaw/core/config"
	"github.com/openclaw-go/openclaw/core/skills"
	"github.com/openclaw-go/openclaw/registry"
)

func skillsCommand() *cli.Command {
	return &cli.Command{
		Name:  "skills",
		Usage: "list, check, install and update skills",
		Subcommands: []*cli.Command{
			{
				Name:      "install",
				Usage:     "install a skill from the registries into the managed skills folder",
				ArgsUsage: "NAME[@VERSION]",
				Flags: append([]cli.Flag{
					&cli.BoolFlag{Name: "with-deps", Usage: "also install the tool plugins the skill requires"},
					&cli.BoolFlag{Name: "force", Usage: "reinstall, or replace a same-named skill folder"},
					acceptFlag(),
				}, registryFlags()...),
				Action: skillsInstall,
			},
			{
				Name:   "list",
				Usage:  "list skills from every location, highest precedence first",
				Flags:  []cli.Flag{jsonFlag(), &cli.BoolFlag{Name: "eligible", Usage: "only eligible skills"}},
				Action: skillsList,
			},
			{
				Name:      "info",
				Usage:     "show one skill",
				ArgsUsage: "NAME",
				Flags:     []cli.Flag{jsonFlag()},
				Action:    skillsInfo,
			},
			{
				Name:   "check",
				Usage:  "which skills are eligible here, and what the others miss",
				Flags:  []cli.Flag{jsonFlag()},
				Action: skillsCheck,
			},
			{
				Name:      "update",
				Usage:     "update managed skills (the lock file's version wins unless --upgrade)",
				ArgsUsage: "[NAME...]",
				Flags: append([]cli.Flag{
					&cli.BoolFlag{Name: "all", Usage: "update every installed skill"},
					&cli.BoolFlag{Name: "upgrade", Usage: "move to the newest version in the recorded range"},
				}, registryFlags()...),
				Action: skillsUpdate,
			},
			{
				Name:      "uninstall",
				Usage:     "remove a managed skill installed from a registry",
				ArgsUsage: "NAME",
				Action:    skillsUninstall,
			},
			{
				Name:      "search",
				Usage:     "search the registries for skills",
				ArgsUsage: "[TERM]",
				Flags:     append([]cli.Flag{jsonFlag(), &cli.IntFlag{Name: "limit", Value: 20, Usage: "show at most this many"}}, registryFlags()...),
				Action:    func(c *cli.Context) error { return registrySearch(c, "skill") },
			},
		},
	}
}

func skillsInstall(c *cli.Context) error {
	if c.NArg() != 1 {
		return cli.Exit("usage: openclaw skills install NAME[@VERSION] [--with-deps]", 2)
	}
	env, err := newInstaller(c)
	if err != nil {
		return err
	}
	results, err := env.in.InstallSkill(c.Context, registry.SkillRequest{
		Spec: c.Args().First(), WithDeps: c.Bool("with-deps"), Force: c.Bool("force"), AcceptCapabilities: c.Bool("accept-capabilities"),
	})
	for _, r := range results {
		printResult(c, "installed", r)
	}
	return err
}

func skillsUpdate(c *cli.Context) error {
	env, err := newInstaller(c)
	if err != nil {
		return err
	}
	results, err := env.in.UpdateSkills(c.Context, registry.UpdateRequest{Targets: c.Args().Slice(), All: c.Bool("all"), Upgrade: c.Bool("upgrade")})
	for _, r := range results {
		printResult(c, "updated", r)
	}
	return err
}

func skillsUninstall(c *cli.Context) error {
	if c.NArg() != 1 {
		return cli.Exit("usage: openclaw skills uninstall NAME", 2)
	}
	env, err := newInstaller(c)
	if err != nil {
		return err
	}
	res, err := env.in.UninstallSkill(c.Context, c.Args().First())
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "uninstalled skill %s %s\n", res.Package, res.Version)
	return nil
}

// skillView is a skill with its verdict, as list/info/check print it.
type skillView struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Source      string   `json:"source"`
	Dir         string   `json:"dir"`
	Version     string   `json:"version,omitempty"`
	Eligible    bool     `json:"eligible"`
	Reasons     []string `json:"reasons,omitempty"`
	Shadows     []string `json:"shadows,omitempty"`
}

// loadSkills discovers skills the way the gateway does and checks each one.
func loadSkills(c *cli.Context) ([]skillView, []skills.Problem, error) {
	opts, err := daemonOptions(nil)
	if err != nil {
		return nil, nil, err
	}
	cf := &configFile{ctx: c.Context, opts: opts}
	cfg, err := cf.load()
	if err != nil {
		return nil, nil, err
	}
	var sc skills.Config
	if err := cfg.Section("skills", &sc); err != nil {
		return nil, nil, fmt.Errorf("config skills: %w", err)
	}
	stateDir := cfg.Paths.StateDir
	workspace := cfg.Get("agents.defaults.workspace").String()
	if workspace == "" {
		workspace = filepath.Join(stateDir, "workspace")
	}
	loc := skills.Locations{
		Workspace:  config.ExpandHome(workspace, opts.Home),
		StateDir:   stateDir,
		BundledDir: bundledSkillsDir(),
	}
	if stateDir == filepath.Join(opts.Home, ".openclaw") {
		loc.PersonalDir = filepath.Join(opts.Home, ".agents", "skills")
	}
	for _, d := range sc.Load.ExtraDirs {
		loc.ExtraDirs = append(loc.ExtraDirs, config.ExpandHome(d, opts.Home))
	}
	targets := make([]string, len(sc.Load.AllowSymlinkTargets))
	for i, d := range sc.Load.AllowSymlinkTargets {
		targets[i] = config.ExpandHome(d, opts.Home)
	}
	set := skills.Discover(loc.Roots(), skills.DiscoverOptions{AllowSymlinkTargets: targets, Limits: sc.Limits})
	lock, err := registry.LoadLock(filepath.Join(stateDir, registry.LockFileName))
	if err != nil {
		return nil, nil, err
	}
	env := skills.Env{
		GOOS:            runtime.GOOS,
		LookPath:        exec.LookPath,
		Getenv:          os.Getenv,
		ConfigTruthy:    func(path string) bool { return truthy(cfg.Get(path)) },
		PluginInstalled: func(name string) bool { _, ok := lock.Plugin(name); return ok },
		Config:          sc,
	}
	shadows := map[string][]string{}
	for _, sk := range set.Shadowed {
		shadows[sk.Name] = append(shadows[sk.Name], fmt.Sprintf("%s (%s)", sk.Dir, sk.Source))
	}
	var views []skillView
	for _, sk := range set.Skills {
		v := skillView{Name: sk.Name, Description: sk.Frontmatter.Description, Source: string(sk.Source), Dir: sk.Dir,
			Version: sk.Frontmatter.Version, Shadows: shadows[sk.Name]}
		if e, ok := lock.Skill(sk.Name); ok && sk.Source == skills.SourceManaged {
			v.Version = e.Version
		}
		el := skills.Check(sk, env)
		v.Eligible = el.Eligible
		for _, r := range el.Reasons {
			v.Reasons = append(v.Reasons, r.Message)
		}
		views = append(views, v)
	}
	return views, set.Problems, nil
}

// truthy follows JavaScript, as OpenClaw's requires.config does.
func truthy(r gjson.Result) bool {
	switch r.Type {
	case gjson.True, gjson.JSON:
		return true
	case gjson.Number:
		return r.Num != 0
	case gjson.String:
		return r.Str != ""
	}
	return false
}

// bundledSkillsDir is skills/ beside the openclaw binary, unless
// OPENCLAW_BUNDLED_SKILLS_DIR says otherwise.
func bundledSkillsDir() string {
	if d := os.Getenv("OPENCLAW_BUNDLED_SKILLS_DIR"); d != "" {
		return d
	}
	return filepath.Join(filepath.Dir(bundledPluginsDir()), "skills")
}

func skillsList(c *cli.Context) error {
	views, problems, err := loadSkills(c)
	if err != nil {
		return err
	}
	if c.Bool("eligible") {
		var keep []skillView
		for _, v := range views {
			if v.Eligible {
				keep = append(keep, v)
			}
		}
		views = keep
	}
	if c.Bool("json") {
		return printJSON(c, map[string]any{"skills": nonNil(views), "problems": problemStrings(problems)})
	}
	w := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tSOURCE\tSTATUS\tDESCRIPTION")
	for _, v := range views {
		status := "ready"
		if !v.Eligible {
			status = "missing requirements"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", v.Name, v.Source, status, strings.ReplaceAll(v.Description, "\t", " "))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	for _, p := range problems {
		fmt.Fprintln(c.App.ErrWriter, "problem:", p)
	}
	return nil
}

func skillsInfo(c *cli.Context) error {
	if c.NArg() != 1 {
		return cli.Exit("usage: openclaw skills info NAME", 2)
	}
	views, _, err := loadSkills(c)
	if err != nil {
		return err
	}
	for _, v := range views {
		if v.Name != c.Args().First() {
			continue
		}
		if c.Bool("json") {
			return printJSON(c, v)
		}
		w := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', 0)
		fmt.Fprintf(w, "Name:\t%s\nDescription:\t%s\nSource:\t%s\nFolder:\t%s\n", v.Name, v.Description, v.Source, v.Dir)
		if v.Version != "" {
			fmt.Fprintf(w, "Version:\t%s\n", v.Version)
		}
		status := "ready"
		if !v.Eligible {
			status = "not eligible: " + strings.Join(v.Reasons, "; ")
		}
		fmt.Fprintf(w, "Status:\t%s\n", status)
		for _, s := range v.Shadows {
			fmt.Fprintf(w, "Overrides:\t%s\n", s)
		}
		return w.Flush()
	}
	return cli.Exit(fmt.Sprintf("skill %q not found; `openclaw skills list` shows what is available", c.Args().First()), 1)
}

func skillsCheck(c *cli.Context) error {
	views, problems, err := loadSkills(c)
	if err != nil {
		return err
	}
	var ready, missing []skillView
	for _, v := range views {
		if v.Eligible {
			ready = append(ready, v)
		} else {
			missing = append(missing, v)
		}
	}
	if c.Bool("json") {
		return printJSON(c, map[string]any{"eligible": nonNil(ready), "missing": nonNil(missing), "problems": problemStrings(problems)})
	}
	out := c.App.Writer
	fmt.Fprintf(out, "Eligible (%d):\n", len(ready))
	for _, v := range ready {
		fmt.Fprintf(out, "  %s (%s)\n", v.Name, v.Source)
	}
	fmt.Fprintf(out, "Missing requirements (%d):\n", len(missing))
	for _, v := range missing {
		fmt.Fprintf(out, "  %s (%s): %s\n", v.Name, v.Source, strings.Join(v.Reasons, "; "))
	}
	if len(problems) > 0 {
		fmt.Fprintf(out, "Could not load (%d):\n", len(problems))
		for _, p := range problems {
			fmt.Fprintf(out, "  %s\n", p)
		}
	}
	return nil
}

func nonNil(v []skillView) []skillView {
	if v == nil {
		return []skillView{}
	}
	return v
}

func problemStrings(ps []skills.Problem) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.Error())
	}
	return out
}
