package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/openclaw-go/openclaw/core/gateway/client"
)

func logsCommand() *cli.Command {
	return &cli.Command{
		Name:  "logs",
		Usage: "tail the gateway's log over RPC",
		Flags: append(connFlags(30000),
			&cli.IntFlag{Name: "limit", Value: 200, Usage: "lines to show"},
			&cli.IntFlag{Name: "max-bytes", Value: 250000, Usage: "bytes to read at most"},
			&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "keep printing new lines"},
			&cli.IntFlag{Name: "interval", Value: 1000, Usage: "polling interval while following, in ms"},
			&cli.BoolFlag{Name: "json", Usage: "print line-delimited JSON records"},
			&cli.BoolFlag{Name: "plain", Usage: "print lines as they are"},
		),
		Action: runLogs,
	}
}

type logPrinter struct {
	out  io.Writer
	json bool
}

func (p logPrinter) lines(lines []string) {
	for _, l := range lines {
		if p.json {
			b, _ := json.Marshal(map[string]any{"type": "log", "line": l})
			fmt.Fprintln(p.out, string(b))
			continue
		}
		fmt.Fprintln(p.out, l)
	}
}

func (p logPrinter) notice(errOut io.Writer, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if p.json {
		b, _ := json.Marshal(map[string]any{"type": "notice", "message": msg})
		fmt.Fprintln(errOut, string(b))
		return
	}
	fmt.Fprintln(errOut, "[logs] "+msg)
}

type tailResult struct {
	File   string   `json:"file"`
	Cursor int64    `json:"cursor"`
	Size   int64    `json:"size"`
	Lines  []string `json:"lines"`
	Reset  bool     `json:"reset"`
}

func runLogs(c *cli.Context) error {
	a, err := parseArgs(c)
	if err != nil {
		return err
	}
	limit, maxBytes, interval := a.Int("limit"), a.Int("max-bytes"), a.Int("interval")
	switch {
	case limit < 1 || limit > 5000:
		return fmt.Errorf("--limit %d must be between 1 and 5000", limit)
	case maxBytes < 1 || maxBytes > 1_000_000:
		return fmt.Errorf("--max-bytes %d must be between 1 and 1000000", maxBytes)
	case interval < 100:
		return fmt.Errorf("--interval %d must be at least 100 ms", interval)
	}
	t, err := resolveTarget(c, a)
	if err != nil {
		return err
	}
	p := logPrinter{out: c.App.Writer, json: a.Bool("json")}
	errOut := c.App.ErrWriter
	if errOut == nil {
		errOut = os.Stderr
	}

	ctx, cancel := withTimeout(c, a)
	cl, err := dial(ctx, t, []string{"operator.read"}, nil)
	cancel()
	if err != nil {
		// A local gateway that is down still has its log file; explicit
		// URLs and --follow never fall back (a stale file would mislead).
		if !t.Explicit && !a.Bool("follow") {
			if lines, file, ferr := tailLocalLog(limit, maxBytes); ferr == nil {
				p.notice(errOut, "gateway unreachable; showing %s", file)
				p.lines(lines)
				return nil
			}
		}
		return err
	}
	defer func() {
		if cl != nil {
			cl.Close()
		}
	}()
	var res tailResult
	call := func(cursor int64) error {
		if cl == nil {
			return errors.New("not connected")
		}
		cctx, cancel := withTimeout(c, a)
		defer cancel()
		params := map[string]any{"limit": limit, "maxBytes": maxBytes}
		if cursor > 0 {
			params["cursor"] = cursor
		}
		return cl.Call(cctx, "logs.tail", params, &res)
	}
	if err := call(0); err != nil {
		return fmt.Errorf("logs.tail: %w", err)
	}
	p.lines(res.Lines)
	if !a.Bool("follow") {
		return nil
	}
	cursor := res.Cursor
	retries := 0
	for {
		select {
		case <-c.Context.Done():
			return nil
		case <-time.After(time.Duration(interval) * time.Millisecond):
		}
		res = tailResult{}
		err := call(cursor)
		if err == nil {
			if retries > 0 {
				p.notice(errOut, "gateway reconnected")
				retries = 0
			}
			if res.Reset {
				p.notice(errOut, "log file %s rotated or truncated; following from its start", res.File)
			}
			p.lines(res.Lines)
			cursor = res.Cursor
			continue
		}
		var ce *client.Error
		if errors.As(err, &ce) {
			return fmt.Errorf("logs.tail: %w", err) // the gateway refused: not transient
		}
		// Transient: reconnect with backoff, up to 8 times.
		retries++
		if retries > 8 {
			return fmt.Errorf("gave up following logs after 8 reconnect attempts: %w", err)
		}
		wait := min(time.Duration(1<<retries)*time.Second, 30*time.Second)
		p.notice(errOut, "connection lost (%v); reconnecting in %s (attempt %d/8)", err, wait, retries)
		select {
		case <-c.Context.Done():
			return nil
		case <-time.After(wait):
		}
		if cl != nil {
			cl.Close()
			cl = nil
		}
		dctx, cancel := context.WithTimeout(c.Context, a.timeout())
		if next, derr := dial(dctx, t, []string{"operator.read"}, nil); derr == nil {
			cl = next
		}
		cancel()
	}
}

// tailLocalLog reads the end of today's log file.
func tailLocalLog(limit, maxBytes int) ([]string, string, error) {
	file := filepath.Join(logDir(), fmt.Sprintf("openclaw-%s.log", time.Now().Format("2006-01-02")))
	f, err := os.Open(file)
	if err != nil {
		return nil, file, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, file, err
	}
	off := info.Size() - int64(maxBytes)
	if off > 0 {
		if _, err := f.Seek(off, io.SeekStart); err != nil {
			return nil, file, err
		}
	}
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for first := true; sc.Scan(); first = false {
		if first && off > 0 {
			continue // the seek landed inside this line
		}
		lines = append(lines, strings.TrimRight(sc.Text(), "\r"))
	}
	if len(lines) > limit {
		lines = lines[len(lines)-limit:]
	}
	return lines, file, sc.Err()
}
