package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/openclaw-go/openclaw/core/config"
	"github.com/openclaw-go/openclaw/core/routing/pairing"
)

// pairingCommand approves DM pairing requests. It works on the state
// directory's files, so it needs no running gateway; a running gateway sees
// an approval on the sender's next message.
func pairingCommand() *cli.Command {
	channelFlag := &cli.StringFlag{Name: "channel", Usage: "channel id (telegram, discord, slack, …)"}
	accountFlag := &cli.StringFlag{Name: "account", Usage: "account id for multi-account channels"}
	return &cli.Command{
		Name:  "pairing",
		Usage: "approve who may send the bot direct messages",
		Subcommands: []*cli.Command{
			{
				Name:      "list",
				Usage:     "list pending pairing requests",
				ArgsUsage: "[CHANNEL]",
				Flags:     []cli.Flag{channelFlag, accountFlag, &cli.BoolFlag{Name: "json", Usage: "machine-readable output"}},
				Action:    pairingList,
			},
			{
				Name:      "approve",
				Usage:     "approve a pairing code and allow its sender",
				ArgsUsage: "[CHANNEL] CODE",
				Flags:     []cli.Flag{channelFlag, accountFlag},
				Action:    pairingApprove,
			},
		},
	}
}

func openPairingStore() (*pairing.Store, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return nil, fmt.Errorf("home directory: %w", err)
	}
	return pairing.New(config.ResolvePaths(os.Getenv, home).StateDir, pairing.Options{})
}

// pairingTarget reads the channel (positional or --channel, not both
// different) and --account.
func pairingTarget(c *cli.Context, positional string) (channel, account string, err error) {
	channel = strings.TrimSpace(c.String("channel"))
	if positional != "" {
		if channel != "" && !strings.EqualFold(channel, positional) {
			return "", "", cli.Exit(fmt.Sprintf("channel given twice: %q and --channel %q", positional, channel), 2)
		}
		channel = positional
	}
	account = c.String("account")
	if c.IsSet("account") && strings.TrimSpace(account) == "" {
		return "", "", cli.Exit("--account must not be blank", 2)
	}
	return strings.ToLower(channel), strings.TrimSpace(account), nil
}

// pairingArgs returns the positional arguments, applying flags written
// after them ("pairing list telegram --json", as OpenClaw's docs write it),
// which urfave/cli leaves among the arguments.
func pairingArgs(c *cli.Context) ([]string, error) {
	var pos []string
	args := c.Args().Slice()
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch name {
		case "json":
			if !hasVal {
				val = "true"
			}
		case "channel", "account":
			if !hasVal {
				if i+1 >= len(args) {
					return nil, cli.Exit(fmt.Sprintf("flag --%s needs a value", name), 2)
				}
				i++
				val = args[i]
			}
		default:
			return nil, cli.Exit(fmt.Sprintf("flag provided but not defined: %s", a), 2)
		}
		if err := c.Set(name, val); err != nil {
			return nil, cli.Exit(fmt.Sprintf("flag --%s: %v", name, err), 2)
		}
	}
	return pos, nil
}

type pairingRow struct {
	Channel    string            `json:"channel"`
	AccountID  string            `json:"accountId"`
	Code       string            `json:"code"`
	ID         string            `json:"id"`
	CreatedAt  string            `json:"createdAt"`
	LastSeenAt string            `json:"lastSeenAt"`
	Meta       map[string]string `json:"meta,omitempty"`
}

func pairingList(c *cli.Context) error {
	args, err := pairingArgs(c)
	if err != nil {
		return err
	}
	if len(args) > 1 {
		return cli.Exit("usage: openclaw pairing list [CHANNEL] [--account ID] [--json]", 2)
	}
	first := ""
	if len(args) == 1 {
		first = args[0]
	}
	channel, account, err := pairingTarget(c, first)
	if err != nil {
		return err
	}
	store, err := openPairingStore()
	if err != nil {
		return err
	}
	channels := []string{channel}
	if channel == "" {
		if channels, err = store.Channels(); err != nil {
			return err
		}
	}
	rows := []pairingRow{}
	for _, ch := range channels {
		reqs, err := store.List(c.Context, ch, account)
		if err != nil {
			return err
		}
		for _, r := range reqs {
			rows = append(rows, pairingRow{Channel: ch, AccountID: r.AccountID(), Code: r.Code, ID: r.ID, CreatedAt: r.CreatedAt, LastSeenAt: r.LastSeenAt, Meta: r.Meta})
		}
	}

	if c.Bool("json") {
		out := map[string]any{"requests": rows}
		if channel != "" {
			out["channel"] = channel
		}
		return printJSON(c, out)
	}
	w := c.App.Writer
	if len(rows) == 0 {
		where := "any channel"
		if channel != "" {
			where = channel
		}
		fmt.Fprintf(w, "No pending pairing requests on %s.\n", where)
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHANNEL\tACCOUNT\tCODE\tSENDER\tNAME\tREQUESTED")
	now := time.Now()
	for _, r := range rows {
		name := r.Meta["name"]
		if u := r.Meta["username"]; u != "" {
			name = strings.TrimSpace(name + " @" + strings.TrimPrefix(u, "@"))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Channel, r.AccountID, r.Code, r.ID, pairingDash(name), pairingAge(now, r.CreatedAt))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nApprove with: openclaw pairing approve <channel> <code>")
	return nil
}

func pairingApprove(c *cli.Context) error {
	args, err := pairingArgs(c)
	if err != nil {
		return err
	}
	var positional, code string
	switch len(args) {
	case 1:
		code = args[0]
	case 2:
		positional, code = args[0], args[1]
	default:
		return cli.Exit("usage: openclaw pairing approve [CHANNEL] CODE [--account ID]", 2)
	}
	channel, account, err := pairingTarget(c, positional)
	if err != nil {
		return err
	}
	if strings.TrimSpace(code) == "" {
		return cli.Exit("the pairing code is empty", 2)
	}
	store, err := openPairingStore()
	if err != nil {
		return err
	}
	if channel == "" {
		if channel, err = pairingChannelWithCode(c.Context, store, code, account); err != nil {
			return err
		}
	}
	req, err := store.Approve(c.Context, channel, code, account)
	if errors.Is(err, pairing.ErrNoSuchCode) {
		return cli.Exit(err.Error(), 1)
	}
	if err != nil {
		return err
	}
	who := req.ID
	if name := req.Meta["name"]; name != "" {
		who += " (" + name + ")"
	}
	fmt.Fprintf(c.App.Writer, "Approved %s sender %s on account %s.\n", channel, who, req.AccountID())
	fmt.Fprintln(c.App.Writer, "A running gateway admits them from their next message.")
	return nil
}

// pairingChannelWithCode finds the one channel holding a pending code, for
// `approve CODE` without a channel.
func pairingChannelWithCode(ctx context.Context, store *pairing.Store, code, account string) (string, error) {
	channels, err := store.Channels()
	if err != nil {
		return "", err
	}
	var found []string
	for _, ch := range channels {
		reqs, err := store.List(ctx, ch, account)
		if err != nil {
			return "", err
		}
		for _, r := range reqs {
			if strings.EqualFold(r.Code, strings.TrimSpace(code)) {
				found = append(found, ch)
				break
			}
		}
	}
	switch len(found) {
	case 0:
		return "", cli.Exit(fmt.Sprintf("no pending pairing request with code %q on any channel (codes expire after an hour; see `openclaw pairing list`)", strings.ToUpper(strings.TrimSpace(code))), 1)
	case 1:
		return found[0], nil
	}
	return "", cli.Exit(fmt.Sprintf("code %q is pending on several channels (%s); name one: openclaw pairing approve <channel> <code>", code, strings.Join(found, ", ")), 2)
}

func pairingAge(now time.Time, stamp string) string {
	t, err := time.Parse(time.RFC3339, stamp)
	if err != nil {
		return stamp
	}
	switch d := now.Sub(t); {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	default:
		return fmt.Sprintf("%dh%02dm ago", int(d.Hours()), int(d.Minutes())%60)
	}
}

func pairingDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
