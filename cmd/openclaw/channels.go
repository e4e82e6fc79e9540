package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/openclaw-go/openclaw/core/config"
)

func channelsCommand() *cli.Command {
	return &cli.Command{
		Name:  "channels",
		Usage: "list, check, add and remove chat channels",
		Subcommands: []*cli.Command{
			{
				Name:   "list",
				Usage:  "list configured channels and the plugins that provide them",
				Flags:  []cli.Flag{jsonFlag()},
				Action: channelsList,
			},
			channelsStatusCommand(),
			{
				Name:      "add",
				Usage:     "configure a channel account",
				ArgsUsage: " ",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "channel", Required: true, Usage: "telegram, discord, slack, mattermost, …"},
					&cli.StringFlag{Name: "account", Usage: "account id (default: the channel's default account)"},
					&cli.StringFlag{Name: "token", Usage: "bot token (telegram botToken, discord token, slack/mattermost botToken)"},
					&cli.StringFlag{Name: "app-token", Usage: "Slack app-level token (Socket Mode)"},
					&cli.StringFlag{Name: "url", Usage: "server URL (mattermost baseUrl)"},
					&cli.StringFlag{Name: "dm-policy", Usage: "pairing, allowlist, open or disabled"},
					&cli.StringSliceFlag{Name: "allow-from", Usage: "sender ids allowed to DM (repeatable)"},
				},
				Action: channelsAdd,
			},
			{
				Name:      "remove",
				Usage:     "remove a channel, or one of its accounts",
				ArgsUsage: " ",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "channel", Required: true},
					&cli.StringFlag{Name: "account", Usage: "remove only this account"},
				},
				Action: channelsRemove,
			},
		},
	}
}

type channelRow struct {
	Channel  string   `json:"channel"`
	Plugin   string   `json:"plugin"`
	Enabled  bool     `json:"enabled"`
	Accounts []string `json:"accounts"`
	Problem  string   `json:"problem,omitempty"`
}

func channelsList(c *cli.Context) error {
	env, err := newConfigEnv(c, "")
	if err != nil {
		return err
	}
	raw, err := readEffective(c, env)
	if err != nil {
		return configError(c, err)
	}
	sections, _ := raw["channels"].(map[string]any)
	var rows []channelRow
	for name, v := range sections {
		if name == "defaults" {
			continue
		}
		sec, _ := v.(map[string]any)
		row := channelRow{Channel: name, Enabled: true}
		if e, ok := sec["enabled"].(bool); ok && !e {
			row.Enabled = false
		}
		row.Accounts = []string{"default"}
		if accts, ok := sec["accounts"].(map[string]any); ok && len(accts) > 0 {
			row.Accounts = row.Accounts[:0]
			for id := range accts {
				row.Accounts = append(row.Accounts, id)
			}
			sort.Strings(row.Accounts)
		}
		if env.cat != nil {
			if owner, ok := env.cat.ChannelOwner(name); ok {
				row.Plugin = owner.ID
				if !owner.Enabled {
					row.Problem = "plugin disabled: " + owner.Reason
				}
			} else {
				row.Problem = "no plugin installed (openclaw plugins install @openclaw/" + name + ")"
			}
		}
		rows = append(rows, row)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Channel < rows[j].Channel })
	if c.Bool("json") {
		writeJSON(c.App.Writer, map[string]any{"channels": rows})
		return nil
	}
	if len(rows) == 0 {
		fmt.Fprintln(c.App.Writer, "no channels configured (openclaw channels add --channel telegram --token …)")
		return nil
	}
	w := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "CHANNEL\tPLUGIN\tENABLED\tACCOUNTS\tNOTE")
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\t%v\t%s\t%s\n", r.Channel, r.Plugin, r.Enabled, strings.Join(r.Accounts, ","), r.Problem)
	}
	return w.Flush()
}

// tokenKey is the config key each channel keeps its bot token under.
var tokenKey = map[string]string{"discord": "token"}

func channelsAdd(c *cli.Context) error {
	ch := c.String("channel")
	prefix := "channels." + ch
	if a := c.String("account"); a != "" && a != "default" {
		prefix += ".accounts." + a
	}
	values := map[string]any{}
	if v := c.String("token"); v != "" {
		key := tokenKey[ch]
		if key == "" {
			key = "botToken"
		}
		values[key] = v
	}
	if v := c.String("app-token"); v != "" {
		values["appToken"] = v
	}
	if v := c.String("url"); v != "" {
		values["baseUrl"] = v
	}
	if v := c.String("dm-policy"); v != "" {
		values["dmPolicy"] = v
	}
	if v := c.StringSlice("allow-from"); len(v) > 0 {
		list := make([]any, len(v))
		for i, s := range v {
			list[i] = s
		}
		values["allowFrom"] = list
	}
	if len(values) == 0 {
		values["enabled"] = true
	}
	patch := map[string]any{}
	cur := patch
	parts := strings.Split(prefix, ".")
	for _, p := range parts[:len(parts)-1] {
		next := map[string]any{}
		cur[p] = next
		cur = next
	}
	cur[parts[len(parts)-1]] = values
	raw, err := json.Marshal(patch)
	if err != nil {
		return err
	}
	return writeConfig(c, "Configured "+prefix, func(env *configEnv) (*config.WriteResult, error) {
		return config.Patch(c.Context, env.opts.Path, raw, "", env.opts)
	})
}

func channelsRemove(c *cli.Context) error {
	key := "channels." + c.String("channel")
	if a := c.String("account"); a != "" {
		key += ".accounts." + a
	}
	return writeConfig(c, "Removed "+key, func(env *configEnv) (*config.WriteResult, error) {
		return config.Unset(c.Context, env.opts.Path, key, env.opts)
	})
}
