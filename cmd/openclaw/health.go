package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"
)

func healthCommand() *cli.Command {
	return &cli.Command{
		Name:  "health",
		Usage: "ask the running gateway for its health snapshot",
		Flags: append(connFlags(60000),
			&cli.BoolFlag{Name: "json", Usage: "print JSON"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"debug"}, Usage: "run live channel probes and show connection details"},
		),
		Action: runHealth,
	}
}

func runHealth(c *cli.Context) error {
	a, cl, t, ctx, cancel, err := connect(c, []string{"operator.read"}, nil)
	if err != nil {
		return err
	}
	defer cancel()
	defer cl.Close()
	var h map[string]any
	if err := cl.Call(ctx, "health", map[string]any{"probe": a.Bool("verbose")}, &h); err != nil {
		return fmt.Errorf("health: %w", err)
	}
	if a.Bool("json") {
		return printJSON(c, h)
	}
	w := c.App.Writer
	if a.Bool("verbose") {
		fmt.Fprintf(w, "Gateway: %s (v%s, conn %s)\n", t.URL, cl.Hello().Server.Version, cl.Hello().Server.ConnID)
	}
	ok := "ok"
	if h["ok"] != true {
		ok = "NOT OK"
	}
	fmt.Fprintf(w, "Health: %s (%v ms)\n", ok, h["durationMs"])
	if def, _ := h["defaultAgentId"].(string); def != "" {
		fmt.Fprintf(w, "Default agent: %s\n", def)
	}
	printChannels(w, h)
	if p, ok := h["plugins"].(map[string]any); ok {
		loaded := strs(p["loaded"])
		fmt.Fprintf(w, "Plugins: %d loaded", len(loaded))
		if len(loaded) > 0 {
			fmt.Fprintf(w, " (%s)", strings.Join(loaded, ", "))
		}
		fmt.Fprintln(w)
		if errs, _ := p["errors"].([]any); len(errs) > 0 {
			for _, e := range errs {
				m, _ := e.(map[string]any)
				fmt.Fprintf(w, "  ! %v: %v\n", m["id"], m["error"])
			}
		}
	}
	if s, ok := h["sessions"].(map[string]any); ok {
		fmt.Fprintf(w, "Sessions: %v\n", s["count"])
	}
	return nil
}

// printChannels prints the channels of a health or channels.status
// payload: channelOrder, channelLabels and per-account state.
func printChannels(w io.Writer, payload map[string]any) {
	order := strs(payload["channelOrder"])
	labels, _ := payload["channelLabels"].(map[string]any)
	accounts, _ := payload["channelAccounts"].(map[string]any)
	summary, _ := payload["channels"].(map[string]any)
	if len(order) == 0 {
		fmt.Fprintln(w, "Channels: none configured")
		return
	}
	fmt.Fprintln(w, "Channels:")
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	for _, id := range order {
		label := id
		if l, ok := labels[id].(string); ok && l != "" {
			label = l
		}
		accs, _ := accounts[id].([]any)
		if len(accs) == 0 {
			s, _ := summary[id].(map[string]any)
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", label, "-", channelState(s))
			continue
		}
		for _, acc := range accs {
			m, _ := acc.(map[string]any)
			fmt.Fprintf(tw, "  %s\t%v\t%s\n", label, m["accountId"], channelState(m))
		}
	}
	tw.Flush()
}

func channelState(m map[string]any) string {
	if m == nil {
		return "unknown"
	}
	state := "stopped"
	switch {
	case m["enabled"] == false:
		state = "disabled"
	case m["connected"] == true:
		state = "OK"
	case m["running"] == true:
		state = "WARN: running, not connected"
	}
	if p, ok := m["probe"].(map[string]any); ok {
		if p["ok"] == true {
			state += fmt.Sprintf(" (probe ok, %v ms)", p["elapsedMs"])
		} else {
			state += fmt.Sprintf(" (probe failed: %v)", p["error"])
		}
	}
	if e, _ := m["lastError"].(string); e != "" {
		state += " — " + e
	}
	return state
}

func strs(v any) []string {
	arr, _ := v.([]any)
	out := make([]string, 0, len(arr))
	for _, x := range arr {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
