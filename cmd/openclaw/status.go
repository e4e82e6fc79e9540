package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
)

func statusCommand() *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "gateway, agents, sessions and channels at a glance",
		Flags: append(connFlags(60000),
			&cli.BoolFlag{Name: "json", Usage: "print JSON"},
			&cli.BoolFlag{Name: "deep", Usage: "run live channel probes"},
			&cli.BoolFlag{Name: "all", Usage: "full report (implies --deep)"},
		),
		Action: runStatus,
	}
}

// channelsStatusCommand is `openclaw channels status`; mount it under the
// channels command group.
func channelsStatusCommand() *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "channel accounts and their state, from the running gateway",
		Flags: append(connFlags(60000),
			&cli.BoolFlag{Name: "probe", Usage: "run live checks per account"},
			&cli.StringFlag{Name: "channel", Usage: "only this channel"},
			&cli.BoolFlag{Name: "json", Usage: "print JSON"},
		),
		Action: runChannelsStatus,
	}
}

func runStatus(c *cli.Context) error {
	a, err := parseArgs(c)
	if err != nil {
		return err
	}
	t, err := resolveTarget(c, a)
	if err != nil {
		return err
	}
	deep := a.Bool("deep") || a.Bool("all")
	out := map[string]any{"gateway": map[string]any{"url": t.URL, "reachable": false}, "stateDir": t.StateDir}
	ctx, cancel := withTimeout(c, a)
	defer cancel()
	cl, derr := dial(ctx, t, []string{"operator.read"}, nil)
	var st map[string]any
	if derr == nil {
		defer cl.Close()
		if err := cl.Call(ctx, "status", map[string]any{"deep": deep}, &st); err != nil {
			derr = fmt.Errorf("status: %w", err)
		} else {
			out["gateway"] = map[string]any{"url": t.URL, "reachable": true, "version": st["version"], "uptimeMs": st["uptimeMs"]}
			for k, v := range st {
				if _, taken := out[k]; !taken {
					out[k] = v
				}
			}
		}
	}
	if derr != nil {
		out["gateway"].(map[string]any)["error"] = derr.Error()
	}
	if a.Bool("json") {
		return printJSON(c, out)
	}
	w := c.App.Writer
	if derr != nil {
		fmt.Fprintf(w, "Gateway: %s — unreachable\n  %s\nState: %s\n", t.URL, derr, t.StateDir)
		return nil
	}
	up := time.Duration(toInt(st["uptimeMs"])) * time.Millisecond
	fmt.Fprintf(w, "Gateway: %s — v%v, up %s", t.URL, st["version"], up.Round(time.Second))
	if st["ready"] == false {
		fmt.Fprintf(w, ", NOT READY (%s)", strings.Join(strs(st["failing"]), ", "))
	}
	fmt.Fprintln(w)
	if gw, ok := st["gateway"].(map[string]any); ok {
		fmt.Fprintf(w, "Bind: %v, auth %v, %v connection(s), %v active run(s)\n", gw["bind"], gw["authMode"], gw["connections"], gw["activeRuns"])
	}
	if agents, ok := st["agents"].([]any); ok {
		var names []string
		for _, ag := range agents {
			m, _ := ag.(map[string]any)
			name := fmt.Sprint(m["id"])
			if m["default"] == true {
				name += " (default)"
			}
			if model, _ := m["model"].(string); model != "" {
				name += " " + model
			}
			names = append(names, name)
		}
		fmt.Fprintf(w, "Agents: %s\n", strings.Join(names, "; "))
	}
	if s, ok := st["sessions"].(map[string]any); ok {
		fmt.Fprintf(w, "Sessions: %v\n", s["count"])
		recent, _ := s["recent"].([]any)
		for _, r := range recent {
			m, _ := r.(map[string]any)
			age := time.Duration(toInt(m["age"])) * time.Millisecond
			fmt.Fprintf(w, "  %v  (%s ago)\n", m["key"], age.Round(time.Second))
		}
	}
	src := st
	if h, ok := st["health"].(map[string]any); ok {
		src = h
	}
	printChannels(w, src)
	if p, ok := st["plugins"].(map[string]any); ok {
		fmt.Fprintf(w, "Plugins: %d loaded", len(strs(p["loaded"])))
		if errs, _ := p["errors"].([]any); len(errs) > 0 {
			fmt.Fprintf(w, ", %d failing", len(errs))
		}
		fmt.Fprintln(w)
	}
	return nil
}

func runChannelsStatus(c *cli.Context) error {
	a, cl, _, ctx, cancel, err := connect(c, []string{"operator.read"}, nil)
	if err != nil {
		return err
	}
	defer cancel()
	defer cl.Close()
	params := map[string]any{"probe": a.Bool("probe")}
	if ch := a.String("channel"); ch != "" {
		params["channel"] = ch
	}
	if a.Bool("probe") {
		params["timeoutMs"] = max(1000, int(a.timeout().Milliseconds())-1000)
	}
	var res map[string]any
	if err := cl.Call(ctx, "channels.status", params, &res); err != nil {
		return fmt.Errorf("channels status: %w", err)
	}
	if a.Bool("json") {
		return printJSON(c, res)
	}
	printChannels(c.App.Writer, res)
	return nil
}

func toInt(v any) int64 {
	switch n := v.(type) {
	case float64:
		return int64(n)
	case int64:
		return n
	case int:
		return int64(n)
	}
	return 0
}
