package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/openclaw-go/openclaw/core/gateway/client"
)

func agentCommand() *cli.Command {
	return &cli.Command{
		Name:  "agent",
		Usage: "run one agent turn through the gateway",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "url", Usage: "gateway WebSocket URL (needs --token or --password)"},
			&cli.StringFlag{Name: "token", Usage: "gateway token or API token"},
			&cli.StringFlag{Name: "password", Usage: "gateway password"},
			&cli.IntFlag{Name: "port", Usage: "local gateway port"},
			&cli.StringFlag{Name: "message", Aliases: []string{"m"}, Usage: "the message (required)"},
			&cli.StringFlag{Name: "message-file", Usage: "read the message from a file (- for stdin)"},
			&cli.StringFlag{Name: "agent", Usage: "agent id"},
			&cli.StringFlag{Name: "session-key", Usage: "session key"},
			&cli.StringFlag{Name: "session-id", Usage: "session id"},
			&cli.StringFlag{Name: "to", Usage: "delivery target"},
			&cli.StringFlag{Name: "model", Usage: "model for this run (provider/model)"},
			&cli.StringFlag{Name: "thinking", Usage: "thinking level"},
			&cli.BoolFlag{Name: "deliver", Usage: "also send the reply to the channel target"},
			&cli.StringFlag{Name: "channel", Usage: "delivery channel"},
			&cli.StringFlag{Name: "reply-to", Usage: "delivery target override"},
			&cli.StringFlag{Name: "reply-channel", Usage: "delivery channel override"},
			&cli.StringFlag{Name: "reply-account", Usage: "delivery account override"},
			&cli.IntFlag{Name: "timeout", Value: 600, Usage: "turn deadline in seconds (0: none)"},
			&cli.BoolFlag{Name: "json", Usage: "print the final result as JSON"},
		},
		Action: runAgent,
	}
}

func runAgent(c *cli.Context) error {
	a, err := parseArgs(c)
	if err != nil {
		return err
	}
	message := a.String("message")
	if f := a.String("message-file"); f != "" {
		if message != "" {
			return errors.New("give --message or --message-file, not both")
		}
		var b []byte
		if f == "-" {
			b, err = readAllStdin()
		} else {
			b, err = os.ReadFile(f)
		}
		if err != nil {
			return fmt.Errorf("--message-file: %w", err)
		}
		message = string(b)
	}
	if strings.TrimSpace(message) == "" {
		return errors.New("--message is required")
	}
	for _, sel := range []string{"agent", "session-key", "session-id", "to"} {
		if a.IsSet(sel) && strings.TrimSpace(a.String(sel)) == "" {
			return fmt.Errorf("--%s is empty; omit it instead", sel)
		}
	}
	timeoutSec := a.Int("timeout")
	if timeoutSec < 0 {
		return errors.New("--timeout must be >= 0")
	}
	params := map[string]any{"message": message, "idempotencyKey": idempotencyKey()}
	for flagName, key := range map[string]string{
		"agent": "agentId", "session-key": "sessionKey", "session-id": "sessionId", "to": "to", "model": "model",
		"thinking": "thinking", "channel": "channel", "reply-to": "replyTo", "reply-channel": "replyChannel", "reply-account": "replyAccountId",
	} {
		if v := strings.TrimSpace(a.String(flagName)); v != "" {
			params[key] = v
		}
	}
	if a.Bool("deliver") {
		params["deliver"] = true
	}
	if timeoutSec > 0 {
		params["timeout"] = timeoutSec
	}

	t, err := resolveTarget(c, a)
	if err != nil {
		return err
	}
	ctx := c.Context
	if timeoutSec > 0 {
		var cancel context.CancelFunc
		// A little beyond the turn's own deadline, so the gateway reports it.
		ctx, cancel = context.WithTimeout(ctx, time.Duration(timeoutSec)*time.Second+10*time.Second)
		defer cancel()
	}
	events := make(chan client.Event, 1024)
	cl, err := dial(ctx, t, []string{"operator.write"}, func(ev client.Event) {
		if ev.Event == "agent" {
			select {
			case events <- ev:
			default: // a terminal that cannot keep up loses deltas, not the result
			}
		}
	})
	if err != nil {
		return err
	}
	defer cl.Close()

	accepted := make(chan string, 1)
	type outcome struct {
		res map[string]any
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		var res map[string]any
		err := cl.CallFinal(ctx, "agent", params, &res, func(ack json.RawMessage) {
			var a struct {
				RunID string `json:"runId"`
			}
			_ = json.Unmarshal(ack, &a)
			accepted <- a.RunID
		})
		done <- outcome{res, err}
	}()

	streamed := false
	var runID string
	var early []client.Event
	show := func(ev client.Event) {
		var p struct {
			RunID  string `json:"runId"`
			Stream string `json:"stream"`
			Data   struct {
				Delta string `json:"delta"`
				Phase string `json:"phase"`
				Name  string `json:"name"`
			} `json:"data"`
		}
		if json.Unmarshal(ev.Payload, &p) != nil || p.RunID != runID || a.Bool("json") {
			return
		}
		switch p.Stream {
		case "assistant":
			fmt.Fprint(c.App.Writer, p.Data.Delta)
			streamed = true
		case "tool":
			if p.Data.Phase == "start" {
				fmt.Fprintf(c.App.ErrWriter, "[tool] %s\n", p.Data.Name)
			}
		}
	}
	for {
		select {
		case id := <-accepted:
			runID = id
			for _, ev := range early {
				show(ev)
			}
			early = nil
		case ev := <-events:
			if runID == "" {
				early = append(early, ev)
				continue
			}
			show(ev)
		case o := <-done:
			// Print what is still buffered before the result.
			for drained := false; !drained; {
				select {
				case ev := <-events:
					show(ev)
				default:
					drained = true
				}
			}
			return finishAgent(c, a, o.res, o.err, streamed)
		}
	}
}

func finishAgent(c *cli.Context, a *cmdArgs, res map[string]any, err error, streamed bool) error {
	if err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	if a.Bool("json") {
		printJSON(c, res)
	} else {
		if !streamed {
			if r, ok := res["result"].(map[string]any); ok {
				for _, p := range r["payloads"].([]any) {
					if m, ok := p.(map[string]any); ok {
						fmt.Fprint(c.App.Writer, m["text"])
					}
				}
			}
		}
		fmt.Fprintln(c.App.Writer)
	}
	if res["status"] != "ok" {
		msg, _ := res["error"].(string)
		if a.Bool("json") {
			msg = ""
		}
		return cli.Exit(msg, 1)
	}
	return nil
}

func readAllStdin() ([]byte, error) { return io.ReadAll(os.Stdin) }
