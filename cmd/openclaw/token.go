package main

import (
	"errors"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/openclaw-go/openclaw/core/apitokens"
	"github.com/openclaw-go/openclaw/core/config"
)

func tokenCommand() *cli.Command {
	return &cli.Command{
		Name:  "token",
		Usage: "named API tokens for the gateway's HTTP and WebSocket APIs",
		Subcommands: []*cli.Command{
			{
				Name:  "create",
				Usage: "issue a token (shown once; only its hash is stored)",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "name", Usage: "what the token is for (required)"},
					&cli.StringFlag{Name: "expires-in", Value: "90d", Usage: "lifetime: 30d, 12h, 2w, 1y, or never"},
					&cli.BoolFlag{Name: "json", Usage: "print JSON"},
				},
				Action: tokenCreate,
			},
			{
				Name:   "list",
				Usage:  "list tokens",
				Flags:  []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print JSON"}},
				Action: tokenList,
			},
			{
				Name:      "revoke",
				Usage:     "revoke a token by id or name",
				ArgsUsage: "ID|NAME",
				Action:    tokenRevoke,
			},
		},
	}
}

// tokenStore opens the API token store of this machine's state directory.
func tokenStore() (*apitokens.Store, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return nil, fmt.Errorf("home directory: %w", err)
	}
	state := config.ResolvePaths(os.Getenv, home).StateDir
	return apitokens.Open(apitokens.DefaultPath(state), apitokens.Options{}), nil
}

func tokenCreate(c *cli.Context) error {
	a, err := parseArgs(c)
	if err != nil {
		return err
	}
	if a.String("name") == "" {
		return errors.New("--name is required")
	}
	ttl, err := apitokens.ParseLifetime(a.String("expires-in"))
	if err != nil {
		return fmt.Errorf("--expires-in: %w", err)
	}
	store, err := tokenStore()
	if err != nil {
		return err
	}
	tok, secret, err := store.Create(a.String("name"), ttl)
	if err != nil {
		return err
	}
	if a.Bool("json") {
		return printJSON(c, map[string]any{"id": tok.ID, "name": tok.Name, "token": secret, "createdAt": tok.CreatedAt, "expiresAt": tok.ExpiresAt})
	}
	w := c.App.Writer
	fmt.Fprintf(w, "Bearer %s\n\n", secret)
	fmt.Fprintf(w, "Token %q (id %s) created; expires %s.\n", tok.Name, tok.ID, expiry(tok.ExpiresAt))
	fmt.Fprintln(w, "Save it now: only its hash is stored. Send it as Authorization: Bearer <token>.")
	return nil
}

func expiry(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.Local().Format("2006-01-02 15:04")
}

func tokenList(c *cli.Context) error {
	a, err := parseArgs(c)
	if err != nil {
		return err
	}
	store, err := tokenStore()
	if err != nil {
		return err
	}
	toks, err := store.List()
	if err != nil {
		return err
	}
	now := time.Now()
	if a.Bool("json") {
		out := make([]map[string]any, 0, len(toks))
		for _, t := range toks {
			out = append(out, map[string]any{"id": t.ID, "name": t.Name, "status": t.Status(now), "createdAt": t.CreatedAt, "expiresAt": t.ExpiresAt, "revokedAt": t.RevokedAt})
		}
		return printJSON(c, out)
	}
	if len(toks) == 0 {
		fmt.Fprintln(c.App.Writer, "No API tokens. Create one with: openclaw token create --name NAME --expires-in 30d")
		return nil
	}
	tw := tabwriter.NewWriter(c.App.Writer, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSTATUS\tCREATED\tEXPIRES")
	for _, t := range toks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Status(now), t.CreatedAt.Local().Format("2006-01-02 15:04"), expiry(t.ExpiresAt))
	}
	return tw.Flush()
}

func tokenRevoke(c *cli.Context) error {
	a, err := parseArgs(c)
	if err != nil {
		return err
	}
	if len(a.pos) != 1 {
		return errors.New("usage: openclaw token revoke ID|NAME")
	}
	store, err := tokenStore()
	if err != nil {
		return err
	}
	tok, err := store.Revoke(a.pos[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "Revoked token %q (id %s). Clients using it are refused from now on.\n", tok.Name, tok.ID)
	return nil
}
