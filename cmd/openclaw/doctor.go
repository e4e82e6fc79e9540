package main

import (
	"crypto/rand"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/openclaw-go/openclaw/core/doctor"
)

func doctorCommand() *cli.Command {
	return &cli.Command{
		Name:  "doctor",
		Usage: "check the config, environment, plugins and state directory",
		Description: "Doctor only reads unless you pass --fix: then it applies the safe repairs it lists\n" +
			"(create missing directories, tighten permissions, generate the gateway token, move\n" +
			"retired config keys to their current names). Config edits keep openclaw.json.bak.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "fix", Aliases: []string{"repair"}, Usage: "apply the safe repairs"},
			&cli.BoolFlag{Name: "yes", Usage: "same as --fix, for scripts"},
			&cli.BoolFlag{Name: "json", Usage: "print JSON"},
		},
		Action: runDoctor,
	}
}

func runDoctor(c *cli.Context) error {
	env, err := newConfigEnv(c, "")
	if err != nil {
		return err
	}
	opts := doctor.Options{Load: env.opts, Random: rand.Reader}
	report := doctor.Run(c.Context, opts)
	fix := c.Bool("fix") || c.Bool("yes")

	var fixed []doctor.Finding
	var fixErr error
	if fix {
		fixed, fixErr = report.Fix(c.Context)
		report = doctor.Run(c.Context, opts)
	}
	if c.Bool("json") {
		out := map[string]any{"report": report, "errors": report.Errors(), "warnings": report.Warnings()}
		if fix {
			out["fixed"] = fixed
			if fixErr != nil {
				out["fixError"] = fixErr.Error()
			}
		}
		writeJSON(c.App.Writer, out)
	} else {
		printDoctor(c.App.Writer, report, fixed, fixErr, fix)
	}
	if report.Errors() > 0 || fixErr != nil {
		return cli.Exit("", 1)
	}
	return nil
}

func printDoctor(w io.Writer, r *doctor.Report, fixed []doctor.Finding, fixErr error, ranFix bool) {
	fmt.Fprintf(w, "Config: %s\nState:  %s\n\n", r.ConfigPath, r.StateDir)
	for _, f := range fixed {
		fmt.Fprintf(w, "  fixed: %s\n", f.Fix)
	}
	if fixErr != nil {
		fmt.Fprintf(w, "  could not fix: %v\n", fixErr)
	}
	if len(fixed) > 0 || fixErr != nil {
		fmt.Fprintln(w)
	}
	fixable := 0
	for _, f := range r.Findings {
		fmt.Fprintf(w, "%s %s\n", symbol(f.Severity), f.Message)
		if f.Fixable() {
			fixable++
			fmt.Fprintf(w, "    fix: %s\n", f.Fix)
		}
	}
	fmt.Fprintln(w)
	switch {
	case r.Errors() == 0 && r.Warnings() == 0:
		fmt.Fprintln(w, "No problems found.")
	default:
		fmt.Fprintf(w, "%d error(s), %d warning(s).\n", r.Errors(), r.Warnings())
	}
	if fixable > 0 && !ranFix {
		fmt.Fprintf(w, "Run \"openclaw doctor --fix\" to apply %d safe repair(s).\n", fixable)
	}
}

func symbol(s doctor.Severity) string {
	switch s {
	case doctor.Error:
		return "✗"
	case doctor.Warning:
		return "!"
	case doctor.Info:
		return "i"
	}
	return "✓"
}
