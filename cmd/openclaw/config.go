package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/urfave/cli/v2"

	"github.com/openclaw-go/openclaw/core/config"
	"github.com/openclaw-go/openclaw/core/configwatch"
	"github.com/openclaw-go/openclaw/core/daemon"
	"github.com/openclaw-go/openclaw/core/plugincatalog"
)

func configCommand() *cli.Command {
	showSecrets := &cli.BoolFlag{Name: "show-secrets", Usage: "print tokens, keys and passwords instead of " + config.Redacted}
	asJSON := &cli.BoolFlag{Name: "json", Usage: "print JSON"}
	return &cli.Command{
		Name:  "config",
		Usage: "read, change and check openclaw.json",
		Description: "Paths use gjson/sjson syntax: gateway.port, agents.list.0.id, and a leading ':' for a\n" +
			"numeric object key (channels.telegram.dms.:123456). Writes validate the whole config first,\n" +
			"replace the file atomically and keep the previous one as openclaw.json.bak.",
		Subcommands: []*cli.Command{
			{
				Name:      "get",
				Usage:     "print the value at a path (secrets redacted)",
				ArgsUsage: "PATH",
				Flags:     []cli.Flag{asJSON, showSecrets},
				Action:    configGet,
			},
			{
				Name:      "set",
				Usage:     "set the value at a path (the value is read as JSON5, else as a string)",
				ArgsUsage: "PATH VALUE",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "strict-json", Usage: "require the value to be strict JSON"},
				},
				Action: configSet,
			},
			{
				Name:      "unset",
				Usage:     "remove the value at a path",
				ArgsUsage: "PATH",
				Action:    configUnset,
			},
			{
				Name:  "patch",
				Usage: "merge a JSON5 merge patch into the config (objects merge, null deletes, lists replace)",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "file", Usage: "the patch file"},
					&cli.BoolFlag{Name: "stdin", Usage: "read the patch from standard input"},
				},
				Action: configPatch,
			},
			{
				Name:   "validate",
				Usage:  "check the config against the schema and installed plugins",
				Flags:  []cli.Flag{&cli.StringFlag{Name: "file", Usage: "check this file instead of the active config"}, asJSON},
				Action: configValidate,
			},
			{
				Name:   "schema",
				Usage:  "print the config's JSON Schema",
				Flags:  []cli.Flag{asJSON},
				Action: configSchema,
			},
			{
				Name:   "file",
				Usage:  "print the active config file's path",
				Flags:  []cli.Flag{asJSON},
				Action: configPrintFile,
			},
		},
	}
}

// configEnv is what the config commands need from this process: where the
// config is and which plugins are installed, found the way the gateway
// finds them.
type configEnv struct {
	opts config.LoadOptions
	cat  *plugincatalog.Catalog
}

func newConfigEnv(c *cli.Context, path string) (*configEnv, error) {
	dopts, err := daemonOptions(nil)
	if err != nil {
		return nil, err
	}
	if path != "" {
		dopts.ConfigPath = path
	}
	opts := config.LoadOptions{
		Path:    dopts.ConfigPath,
		Getenv:  dopts.Getenv,
		Home:    dopts.Home,
		WorkDir: dopts.WorkDir,
	}
	if opts.Path == "" {
		opts.Path = config.ResolvePaths(opts.Getenv, opts.Home).ConfigPath
	}
	// The catalog is wanted even when the config is invalid: it is what
	// the config is checked against.
	_, cat, _ := daemon.LoadConfig(c.Context, dopts)
	env := &configEnv{opts: opts, cat: cat}
	if cat != nil {
		env.opts.Plugins = cat
	}
	return env, nil
}

// sensitive lists secret fields the installed plugins declare.
func (e *configEnv) sensitive() []string {
	if e.cat == nil {
		return nil
	}
	var out []string
	for _, entry := range e.cat.Entries() {
		m := entry.Manifest
		for _, key := range m.SensitiveKeys() {
			for _, ch := range m.Channels {
				out = append(out, "channels."+ch+"."+key, "channels."+ch+".accounts.*."+key)
			}
			out = append(out, "plugins.entries."+entry.ID+".config."+key)
		}
	}
	return out
}

// positional splits a command's arguments into positional ones and boolean
// flags written after them ("config get PATH --json"), which the flag
// parser leaves alone once it has seen an argument.
func positional(c *cli.Context, flags ...string) (args []string, set map[string]bool) {
	set = map[string]bool{}
	for _, f := range flags {
		set[f] = c.Bool(f)
	}
	for _, a := range c.Args().Slice() {
		name := strings.TrimLeft(a, "-")
		if strings.HasPrefix(a, "--") {
			if _, known := set[name]; known {
				set[name] = true
				continue
			}
		}
		args = append(args, a)
	}
	return args, set
}

func configGet(c *cli.Context) error {
	args, flags := positional(c, "json", "show-secrets")
	if len(args) != 1 || args[0] == "" {
		return cli.Exit("usage: openclaw config get PATH [--json] [--show-secrets]", 2)
	}
	path := args[0]
	env, err := newConfigEnv(c, "")
	if err != nil {
		return err
	}
	env.opts.AllowMissingEnv = true
	raw, err := readEffective(c, env)
	if err != nil {
		return err
	}
	if !flags["show-secrets"] {
		raw = config.Redact(raw, env.sensitive())
	}
	data, _ := json.Marshal(raw)
	r := gjson.GetBytes(data, path)
	if !r.Exists() {
		info := config.DescribePath(path)
		msg := fmt.Sprintf("%s is not set; the runtime default applies", path)
		if !info.Known {
			msg = fmt.Sprintf("%s is not a config path (see: openclaw config schema)", path)
		}
		if flags["json"] {
			writeJSON(c.App.Writer, map[string]any{"ok": false, "error": msg})
			return cli.Exit("", 1)
		}
		return cli.Exit(msg, 1)
	}
	if flags["json"] {
		writeJSON(c.App.Writer, r.Value())
		return nil
	}
	switch r.Type {
	case gjson.String:
		fmt.Fprintln(c.App.Writer, r.String())
	case gjson.JSON:
		writeJSON(c.App.Writer, r.Value())
	default:
		fmt.Fprintln(c.App.Writer, r.Raw)
	}
	return nil
}

// readEffective returns the loaded configuration, or, when it does not
// load, the file as written so that diagnostics still work.
func readEffective(c *cli.Context, env *configEnv) (map[string]any, error) {
	cfg, err := config.Load(c.Context, env.opts)
	if err == nil {
		return cfg.Raw, nil
	}
	file, ferr := config.ReadFile(env.opts)
	if ferr != nil || file.ParseError != nil {
		return nil, err
	}
	fmt.Fprintf(c.App.ErrWriter, "warning: the config does not validate; showing the file as written (run: openclaw config validate)\n")
	return file.Tree, nil
}

func configSet(c *cli.Context) error {
	args, flags := positional(c, "strict-json")
	if len(args) != 2 || args[0] == "" {
		return cli.Exit("usage: openclaw config set PATH VALUE [--strict-json]", 2)
	}
	path, text := args[0], args[1]
	var value any
	if flags["strict-json"] {
		if err := json.Unmarshal([]byte(text), &value); err != nil {
			return cli.Exit(fmt.Sprintf("value is not strict JSON: %v", err), 2)
		}
	} else {
		value = config.ParseValue(text)
	}
	return writeConfig(c, "Updated "+path, func(env *configEnv) (*config.WriteResult, error) {
		return config.Set(c.Context, env.opts.Path, path, value, env.opts)
	})
}

func configUnset(c *cli.Context) error {
	if c.NArg() != 1 || c.Args().First() == "" {
		return cli.Exit("usage: openclaw config unset PATH", 2)
	}
	path := c.Args().First()
	return writeConfig(c, "Removed "+path, func(env *configEnv) (*config.WriteResult, error) {
		return config.Unset(c.Context, env.opts.Path, path, env.opts)
	})
}

func configPatch(c *cli.Context) error {
	var patch []byte
	var err error
	switch {
	case c.Bool("stdin"):
		patch, err = io.ReadAll(io.LimitReader(c.App.Reader, 1<<20+1))
		if err == nil && len(patch) > 1<<20 {
			err = errors.New("a patch on standard input is limited to 1 MiB")
		}
	case c.String("file") != "":
		patch, err = readLimited(c.String("file"), 8<<20)
	default:
		return cli.Exit("usage: openclaw config patch --file PATCH.json5 (or --stdin)", 2)
	}
	if err != nil {
		return fmt.Errorf("read patch: %w", err)
	}
	return writeConfig(c, "Patched the config", func(env *configEnv) (*config.WriteResult, error) {
		file, err := config.ReadFile(env.opts)
		if err != nil {
			return nil, err
		}
		return config.Patch(c.Context, file.Path, patch, file.Hash, env.opts)
	})
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d MiB", path, limit>>20)
	}
	return data, nil
}

// writeConfig runs one write and reports what it means for a running
// gateway.
func writeConfig(c *cli.Context, done string, write func(*configEnv) (*config.WriteResult, error)) error {
	env, err := newConfigEnv(c, "")
	if err != nil {
		return err
	}
	// This shell may lack variables the gateway's environment has: an
	// unresolved ${VAR} is worth a warning, not a refused edit.
	env.opts.AllowMissingEnv = true
	before, _ := config.Load(c.Context, env.opts)
	file, _ := config.ReadFile(env.opts)
	res, err := write(env)
	if err != nil {
		return configError(c, err)
	}
	out := c.App.Writer
	if !res.Changed {
		fmt.Fprintln(out, "No change.")
		return nil
	}
	if file != nil && config.HasComments(file.Data) {
		fmt.Fprintf(c.App.ErrWriter, "note: %s was rewritten as JSON; its comments were not kept (previous file: %s)\n", res.Config.Path, res.Backup)
	}
	fmt.Fprintf(out, "%s in %s\n", done, res.Config.Path)
	for _, w := range res.Config.Warnings {
		fmt.Fprintf(c.App.ErrWriter, "warning: %s\n", w)
	}
	fmt.Fprintln(out, reloadHint(before, res.Config))
	return nil
}

func reloadHint(before, after *config.Config) string {
	if before == nil {
		return "Restart the gateway to apply."
	}
	plan := configwatch.Classify(before, after)
	switch {
	case plan.Action == configwatch.ActionRestart || len(plan.Pending) > 0:
		return "Restart the gateway to apply."
	case plan.Action == configwatch.ActionHot:
		return "Change will apply without restarting the gateway."
	}
	return "No gateway restart needed."
}

// configError prints config problems one per line and fails.
func configError(c *cli.Context, err error) error {
	problems := config.Problems(err)
	if len(problems) == 0 {
		return err
	}
	w := c.App.ErrWriter
	fmt.Fprintln(w, "The config was not changed; the result would be invalid:")
	for _, p := range problems {
		fmt.Fprintf(w, "  ✗ %s\n", p)
	}
	return cli.Exit("", 1)
}

type validateOutput struct {
	OK       bool             `json:"ok"`
	Path     string           `json:"path"`
	Exists   bool             `json:"exists"`
	Problems []config.Problem `json:"problems,omitempty"`
	Warnings []config.Problem `json:"warnings,omitempty"`
	Error    string           `json:"error,omitempty"`
}

func configValidate(c *cli.Context) error {
	path := c.String("file")
	if path != "" {
		if _, err := os.Stat(path); err != nil {
			return cli.Exit(fmt.Sprintf("cannot read %s: %v", path, err), 1)
		}
	}
	env, err := newConfigEnv(c, path)
	if err != nil {
		return err
	}
	res := validateOutput{Path: env.opts.Path}
	cfg, err := config.Load(c.Context, env.opts)
	switch {
	case err == nil:
		res.OK, res.Exists, res.Warnings, res.Path = true, cfg.Exists, cfg.Warnings, cfg.Path
	default:
		res.Exists = true
		res.Problems = config.Problems(err)
		if len(res.Problems) == 0 {
			res.Error = err.Error()
		}
	}
	if c.Bool("json") {
		writeJSON(c.App.Writer, res)
		if !res.OK {
			return cli.Exit("", 1)
		}
		return nil
	}
	out := c.App.Writer
	switch {
	case res.OK && !res.Exists:
		fmt.Fprintf(out, "No config file at %s; the built-in defaults apply.\n", res.Path)
	case res.OK:
		fmt.Fprintf(out, "Config valid: %s\n", res.Path)
	case res.Error != "":
		fmt.Fprintf(out, "Config invalid: %s\n", res.Error)
	default:
		fmt.Fprintf(out, "Config invalid: %s\n", res.Path)
		for _, p := range res.Problems {
			fmt.Fprintf(out, "  ✗ %s\n", p)
		}
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(out, "  ! %s\n", w)
	}
	if !res.OK {
		return cli.Exit("", 1)
	}
	return nil
}

func configSchema(c *cli.Context) error {
	_, err := c.App.Writer.Write(config.Schema())
	return err
}

func configPrintFile(c *cli.Context) error {
	dopts, err := daemonOptions(nil)
	if err != nil {
		return err
	}
	path := config.ResolvePaths(dopts.Getenv, dopts.Home).ConfigPath
	if c.Bool("json") {
		writeJSON(c.App.Writer, map[string]string{"path": path})
		return nil
	}
	fmt.Fprintln(c.App.Writer, path)
	return nil
}

// writeJSON prints v indented, without escaping &, < and > (URLs and
// templates in config values stay readable).
func writeJSON(w io.Writer, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(w, "%q\n", strings.TrimSpace(err.Error()))
		return
	}
	w.Write(b.Bytes())
}
