package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/openclaw-go/openclaw/core/daemon"
	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/plugincatalog"
)

func pluginsCommand() *cli.Command {
	return &cli.Command{
		Name:  "plugins",
		Usage: "list, inspect, install and manage plugins",
		Subcommands: append([]*cli.Command{
			{
				Name:  "list",
				Usage: "list discovered plugins",
				Flags: append([]cli.Flag{
					&cli.BoolFlag{Name: "json", Usage: "print JSON"},
					&cli.BoolFlag{Name: "offline", Usage: "do not ask the registries for updates"},
				}, registryFlags()...),
				Action: pluginsList,
			},
			{
				Name:      "info",
				Usage:     "show one plugin",
				ArgsUsage: "ID",
				Flags:     []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print JSON"}},
				Action:    pluginsInfo,
			},
		}, pluginsManageCommands()...),
	}
}

// pluginRow is one plugin as `plugins list` shows it.
type pluginRow struct {
	ID          string   `json:"id"`
	Package     string   `json:"package"`
	Name        string   `json:"name,omitempty"`
	Description string   `json:"description,omitempty"`
	Version     string   `json:"version"`
	Kinds       []string `json:"kinds"`
	Channels    []string `json:"channels,omitempty"`
	Tools       []string `json:"tools,omitempty"`
	Source      string   `json:"source"`
	Dir         string   `json:"dir"`
	Executable  string   `json:"executable"`
	SHA256      string   `json:"sha256"`
	Enabled     bool     `json:"enabled"`
	State       string   `json:"state"`
	Reason      string   `json:"reason,omitempty"`
	Shadowed    []string `json:"shadowed,omitempty"`
	// Update is a newer version the plugin's recorded range allows.
	Update string `json:"updateAvailable,omitempty"`
}

// loadCatalog discovers plugins the way the gateway does. A config that
// does not validate still lists plugins: diagnostics must work on a broken
// setup.
func loadCatalog(c *cli.Context) (*plugincatalog.Catalog, error) {
	opts, err := daemonOptions(nil)
	if err != nil {
		return nil, err
	}
	_, cat, err := daemon.LoadConfig(c.Context, opts)
	if cat == nil {
		return nil, err
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "warning: config:", firstLine(err.Error()))
	}
	return cat, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func rowFor(e *plugincatalog.Entry) pluginRow {
	state := "enabled"
	if !e.Enabled {
		state = "disabled"
	}
	return pluginRow{
		ID: e.ID, Package: e.Package, Name: e.Manifest.Name, Description: e.Manifest.Description,
		Version: e.Version, Kinds: e.Manifest.Kinds, Channels: e.Manifest.Channels, Tools: e.Manifest.Tools,
		Source: string(e.Source), Dir: e.Dir, Executable: e.Executable, SHA256: e.SHA256,
		Enabled: e.Enabled, State: state, Reason: e.Reason, Shadowed: e.Shadowed,
	}
}

func pluginsList(c *cli.Context) error {
	cat, err := loadCatalog(c)
	if err != nil {
		return err
	}
	live := runningPlugins(c)
	rows := []pluginRow{}
	for _, e := range cat.Entries() {
		r := rowFor(e)
		if info, ok := live[e.ID]; ok && info.Runtime != "" {
			r.State = info.Runtime
			if info.Restarts > 0 {
				r.State += fmt.Sprintf(", %d restarts", info.Restarts)
			}
			if info.Error != "" {
				r.Reason = info.Error
			}
		} else if live != nil && e.Enabled {
			r.State = "enabled, not running"
		}
		rows = append(rows, r)
	}
	if !c.Bool("offline") {
		updatesFor(c, rows)
	}
	if c.Bool("json") {
		return printJSON(c, map[string]any{"plugins": rows, "problems": problems(cat)})
	}
	w := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tVERSION\tKINDS\tSOURCE\tSTATE\tUPDATE")
	for _, r := range rows {
		state := r.State
		if r.Reason != "" {
			state += " (" + r.Reason + ")"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Version, strings.Join(r.Kinds, ","), r.Source, state, r.Update)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if len(rows) == 0 {
		fmt.Fprintln(c.App.Writer, "no plugins found (core only)")
	}
	for _, p := range cat.Problems() {
		fmt.Fprintf(c.App.ErrWriter, "problem: %v\n", p)
	}
	return nil
}

// updatesFor fills in newer versions for plugins installed from a
// registry, within a short time: an unreachable registry leaves the column
// empty rather than holding up the list.
func updatesFor(c *cli.Context, rows []pluginRow) {
	installed := false
	for _, r := range rows {
		installed = installed || r.Source == string(plugincatalog.SourceInstalled)
	}
	if !installed {
		return
	}
	env, err := newInstaller(c)
	if err != nil {
		fmt.Fprintln(c.App.ErrWriter, "note: could not check for updates:", firstLine(err.Error()))
		return
	}
	ctx, cancel := context.WithTimeout(c.Context, 3*time.Second)
	defer cancel()
	for i, r := range rows {
		if r.Source != string(plugincatalog.SourceInstalled) {
			continue
		}
		v, err := env.in.Available(ctx, r.Package)
		if err != nil {
			fmt.Fprintf(c.App.ErrWriter, "note: could not check %s for updates: %s\n", r.Package, firstLine(err.Error()))
			continue
		}
		rows[i].Update = v
	}
}

// runningPlugins asks a running local gateway what its plugin processes
// are doing; nil when no gateway answers.
func runningPlugins(c *cli.Context) map[string]backend.PluginInfo {
	t, err := resolveTarget(c, &cmdArgs{c: c, set: map[string]bool{}})
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(c.Context, 1500*time.Millisecond)
	defer cancel()
	cl, err := dial(ctx, t, []string{"operator.read"}, nil)
	if err != nil {
		return nil
	}
	defer cl.Close()
	var res struct {
		Plugins []backend.PluginInfo `json:"plugins"`
	}
	if err := cl.Call(ctx, "plugins.list", map[string]any{}, &res); err != nil {
		return nil
	}
	out := map[string]backend.PluginInfo{}
	for _, p := range res.Plugins {
		out[p.ID] = p
	}
	return out
}

func problems(cat *plugincatalog.Catalog) []map[string]string {
	out := []map[string]string{}
	for _, p := range cat.Problems() {
		out = append(out, map[string]string{"dir": p.Dir, "error": p.Err.Error()})
	}
	return out
}

func pluginsInfo(c *cli.Context) error {
	id := c.Args().First()
	if id == "" {
		return cli.Exit("usage: openclaw plugins info ID", 2)
	}
	cat, err := loadCatalog(c)
	if err != nil {
		return err
	}
	e, ok := cat.Get(id)
	if !ok {
		for _, cand := range cat.Entries() {
			if cand.Package == id {
				e, ok = cand, true
			}
		}
	}
	if !ok {
		return cli.Exit(fmt.Sprintf("plugin %q not found; `openclaw plugins list` shows what is installed", id), 1)
	}
	r := rowFor(e)
	if c.Bool("json") {
		return printJSON(c, map[string]any{"plugin": r, "manifest": e.Manifest})
	}
	w := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', 0)
	field := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%s:\t%s\n", k, v)
		}
	}
	field("ID", r.ID)
	field("Package", r.Package)
	field("Name", r.Name)
	field("Description", r.Description)
	field("Version", r.Version)
	field("Kinds", strings.Join(r.Kinds, ", "))
	field("Channels", strings.Join(r.Channels, ", "))
	field("Tools", strings.Join(r.Tools, ", "))
	field("Protocols", fmt.Sprint(e.Manifest.ProtocolVersions))
	field("Gateway", e.Manifest.Gateway)
	field("Source", r.Source)
	field("Folder", r.Dir)
	field("Executable", r.Executable)
	field("SHA-256", r.SHA256)
	state := r.State
	if r.Reason != "" {
		state += " (" + r.Reason + ")"
	}
	field("State", state)
	caps := e.Manifest.Capabilities
	field("Network", strings.Join(caps.Network, ", "))
	field("Host services", strings.Join(caps.HostServices, ", "))
	field("Secrets", strings.Join(caps.Secrets, ", "))
	if caps.Exec {
		field("Runs programs", "yes")
	}
	for _, s := range r.Shadowed {
		field("Shadows", s)
	}
	return w.Flush()
}

func printJSON(c *cli.Context, v any) error {
	enc := json.NewEncoder(c.App.Writer)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
