package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

func messageCommand() *cli.Command {
	return &cli.Command{
		Name:  "message",
		Usage: "send messages to chat channels",
		Subcommands: []*cli.Command{{
			Name:      "send",
			Usage:     "deliver a message to a channel target through the gateway",
			ArgsUsage: "[TEXT]",
			Flags: append(connFlags(30000),
				&cli.StringFlag{Name: "channel", Usage: "channel id (telegram, discord, slack, ...); optional with one channel"},
				&cli.StringFlag{Name: "to", Aliases: []string{"target", "t"}, Usage: "recipient: chat, user or channel id"},
				&cli.StringFlag{Name: "message", Aliases: []string{"m"}, Usage: "message text (or give it as TEXT)"},
				&cli.StringFlag{Name: "account", Usage: "channel account id"},
				&cli.StringSliceFlag{Name: "media", Usage: "media URL to attach (repeatable)"},
				&cli.StringFlag{Name: "reply-to", Usage: "message id to reply to"},
				&cli.StringFlag{Name: "thread-id", Usage: "thread to post in"},
				&cli.BoolFlag{Name: "silent", Usage: "send without a notification"},
				&cli.BoolFlag{Name: "json", Usage: "print JSON"},
			),
			Action: runMessageSend,
		}},
	}
}

func runMessageSend(c *cli.Context) error {
	a, err := parseArgs(c)
	if err != nil {
		return err
	}
	text := a.String("message")
	if len(a.pos) > 0 {
		if text != "" {
			return errors.New("give the text either as TEXT or with --message, not both")
		}
		text = strings.Join(a.pos, " ")
	}
	to := strings.TrimSpace(a.String("to"))
	channel := strings.TrimSpace(a.String("channel"))
	media := a.StringSlice("media")
	switch {
	case to == "":
		return errors.New("--to is required (the chat, user or channel to send to)")
	case a.IsSet("channel") && channel == "":
		return errors.New("--channel is empty; omit it to use the only configured channel")
	case strings.TrimSpace(text) == "" && len(media) == 0:
		return errors.New("nothing to send: give TEXT, --message or --media")
	}
	// A channel-prefixed target ("telegram:12345") names its channel.
	if channel == "" {
		if ch, rest, ok := strings.Cut(to, ":"); ok && !strings.Contains(ch, " ") && rest != "" && isChannelName(ch) {
			channel, to = ch, rest
		}
	}
	t, err := resolveTarget(c, a)
	if err != nil {
		return err
	}
	ctx, cancel := withTimeout(c, a)
	defer cancel()
	cl, err := dial(ctx, t, []string{"operator.write"}, nil)
	if err != nil {
		return err
	}
	defer cl.Close()
	params := map[string]any{"to": to, "message": text, "idempotencyKey": idempotencyKey()}
	for k, v := range map[string]string{"channel": channel, "accountId": a.String("account"), "replyToId": a.String("reply-to"), "threadId": a.String("thread-id")} {
		if v != "" {
			params[k] = v
		}
	}
	if len(media) > 0 {
		params["mediaUrls"] = media
	}
	if a.Bool("silent") {
		params["silent"] = true
	}
	var res map[string]any
	if err := cl.Call(ctx, "send", params, &res); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	if a.Bool("json") {
		return printJSON(c, res)
	}
	fmt.Fprintf(c.App.Writer, "Sent to %v:%v", res["channel"], res["to"])
	if id, _ := res["messageId"].(string); id != "" {
		fmt.Fprintf(c.App.Writer, " (message %s)", id)
	}
	fmt.Fprintln(c.App.Writer)
	return nil
}

func isChannelName(s string) bool {
	switch s {
	case "telegram", "discord", "slack", "mattermost", "whatsapp", "signal", "matrix", "msteams", "googlechat", "imessage":
		return true
	}
	return false
}
