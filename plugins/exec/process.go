package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

type processArgs struct {
	Action    string           `json:"action"`
	SessionID string           `json:"sessionId"`
	Data      *string          `json:"data"`
	EOF       bool             `json:"eof"`
	Timeout   pluginsdk.Number `json:"timeout"`
	Offset    pluginsdk.Number `json:"offset"`
	Limit     pluginsdk.Number `json:"limit"`
	Keys      []string         `json:"keys"`
	Literal   string           `json:"literal"`
	Hex       []string         `json:"hex"`
	Text      *string          `json:"text"`
}

const (
	maxPollWait    = 30 * time.Second
	defaultLogTail = 200
	killGrace      = 2 * time.Second
)

func (t *execTools) process(ctx context.Context, call pluginsdk.ToolCall) pluginsdk.ToolResult {
	var args processArgs
	if len(call.Arguments) > 0 {
		if err := json.Unmarshal(call.Arguments, &args); err != nil {
			return failf("process: invalid arguments: %v", err)
		}
	}
	agent := call.Context.AgentID
	if args.Action == "list" {
		return t.list(agent)
	}
	switch args.Action {
	case "poll", "log", "write", "send-keys", "submit", "paste", "kill", "clear", "remove":
	case "":
		return failf("process: action is required (list, poll, log, write, send-keys, submit, paste, kill, clear or remove)")
	default:
		return failf("process: unknown action %q (expected list, poll, log, write, send-keys, submit, paste, kill, clear or remove)", args.Action)
	}
	if args.SessionID == "" {
		return failf("process %s: sessionId is required (exec returns it when a command keeps running; process list shows them)", args.Action)
	}
	j, err := t.jobs.get(agent, args.SessionID)
	if err != nil {
		return failf("process %s: %v", args.Action, err)
	}
	switch args.Action {
	case "poll":
		return t.poll(ctx, j, args)
	case "log":
		return t.logLines(j, args)
	case "kill":
		if _, done := j.proc.Exit(); done {
			return result(fmt.Sprintf("Session %s had already ended. %s", j.id, j.outcome()), false, t.state(j))
		}
		j.kill(killGrace)
		<-j.proc.Done()
		t.jobs.dropNotice(agent, j.id)
		return result(fmt.Sprintf("Killed session %s and its process group.", j.id), false, t.state(j))
	case "clear":
		if _, done := j.proc.Exit(); !done {
			return failf("process clear: session %s is still running; use kill first, or remove", j.id)
		}
		t.jobs.remove(j)
		return result(fmt.Sprintf("Cleared session %s.", j.id), false, nil)
	case "remove":
		if _, done := j.proc.Exit(); !done {
			j.kill(killGrace)
			<-j.proc.Done()
		}
		t.jobs.remove(j)
		return result(fmt.Sprintf("Removed session %s.", j.id), false, nil)
	}
	return t.input(j, args)
}

func (t *execTools) list(agent string) pluginsdk.ToolResult {
	jobs := t.jobs.list(agent)
	if len(jobs) == 0 {
		return result("No background sessions.", false, map[string]any{"sessions": []any{}})
	}
	var b strings.Builder
	var rows []map[string]any
	for _, j := range jobs {
		st := t.state(j)
		rows = append(rows, st)
		fmt.Fprintf(&b, "%s  %-9s  %6s  pid %-7d  %s\n", j.id, st["status"], (time.Duration(st["runtimeMs"].(int64)) * time.Millisecond).Round(time.Second), j.proc.Pid(), j.name())
	}
	return result(strings.TrimSuffix(b.String(), "\n"), false, map[string]any{"sessions": rows})
}

// state describes a job for details.
func (t *execTools) state(j *job) map[string]any {
	e, done := j.proc.Exit()
	end := t.now()
	if done {
		end = e.At
	}
	st := map[string]any{
		"sessionId": j.id, "status": j.status(), "pid": j.proc.Pid(), "name": j.name(), "command": j.command,
		"cwd": j.cwd, "runtimeMs": end.Sub(j.proc.Started()).Milliseconds(),
	}
	if done {
		st["exitCode"] = e.Code
		if e.Signal != "" {
			st["signal"] = e.Signal
		}
	} else if t.waitingForInput(j) {
		st["waitingForInput"] = true
	}
	return st
}

// waitingForInput guesses that a quiet process with open stdin is waiting
// for input.
func (t *execTools) waitingForInput(j *job) bool {
	if !j.proc.StdinOpen() {
		return false
	}
	idle := 15 * time.Second
	if v, err := strconv.ParseInt(t.getenv("OPENCLAW_PROCESS_INPUT_WAIT_IDLE_MS"), 10, 64); err == nil && v > 0 {
		idle = time.Duration(v) * time.Millisecond
	}
	_, last := j.proc.Out.Stats()
	if last.IsZero() {
		last = j.proc.Started()
	}
	return t.now().Sub(last) > idle
}

// statusLine ends poll and log answers.
func (t *execTools) statusLine(j *job) string {
	if _, done := j.proc.Exit(); done {
		return j.outcome()
	}
	st := t.state(j)
	line := fmt.Sprintf("Still running (pid %d, for %s).", j.proc.Pid(), (time.Duration(st["runtimeMs"].(int64)) * time.Millisecond).Round(time.Second))
	if st["waitingForInput"] == true {
		line += " No output for a while and stdin is open: it may be waiting for input (use process write)."
	}
	return line
}

func (t *execTools) poll(ctx context.Context, j *job, args processArgs) pluginsdk.ToolResult {
	wait := time.Duration(0)
	if args.Timeout.Set {
		wait = min(max(time.Duration(args.Timeout.Value)*time.Millisecond, 0), maxPollWait)
	}
	changed := j.proc.Out.Changed()
	if _, done := j.proc.Exit(); !done && wait > 0 && !j.proc.Out.Pending() {
		timer := time.NewTimer(wait)
		select {
		case <-changed:
		case <-j.proc.Done():
		case <-timer.C:
		case <-ctx.Done():
		}
		timer.Stop()
	}
	_, done := j.proc.Exit()
	text, dropped := j.proc.Out.Drain()
	var b strings.Builder
	if dropped > 0 {
		fmt.Fprintf(&b, "[%d bytes of output since the last poll were dropped; use log for the retained output]\n", dropped)
	}
	if text == "" {
		b.WriteString("(no new output)\n")
	} else {
		b.WriteString(text)
		if !strings.HasSuffix(text, "\n") {
			b.WriteString("\n")
		}
	}
	b.WriteString("\n")
	b.WriteString(t.statusLine(j))
	if done {
		t.jobs.dropNotice(j.agent, j.id)
	}
	st := t.state(j)
	st["output"] = text
	st["droppedBytes"] = dropped
	return result(b.String(), false, st)
}

func (t *execTools) logLines(j *job, args processArgs) pluginsdk.ToolResult {
	tail, dropped := j.proc.Out.Tail()
	var lines []string
	if tail != "" {
		lines = strings.Split(strings.TrimSuffix(tail, "\n"), "\n")
	}
	n := len(lines)
	from, to := max(n-defaultLogTail, 0), n
	if args.Offset.Set {
		if args.Offset.Value < 1 {
			return failf("process log: offset must be 1 or more (lines are numbered from 1)")
		}
		from, to = min(int(args.Offset.Value)-1, n), n
	}
	if args.Limit.Set {
		if args.Limit.Value < 1 {
			return failf("process log: limit must be 1 or more")
		}
		to = min(from+int(args.Limit.Value), n)
	}
	var b strings.Builder
	if dropped > 0 {
		fmt.Fprintf(&b, "[%d earlier bytes were discarded at the retention cap and cannot be recovered]\n", dropped)
	}
	if n == 0 {
		b.WriteString("(no output yet)\n")
	} else {
		b.WriteString(strings.Join(lines[from:to], "\n"))
		b.WriteString("\n")
		if from > 0 || to < n {
			fmt.Fprintf(&b, "[lines %d-%d of %d retained; use offset and limit to page]\n", from+1, to, n)
		}
	}
	b.WriteString("\n")
	b.WriteString(t.statusLine(j))
	if _, done := j.proc.Exit(); done {
		t.jobs.dropNotice(j.agent, j.id)
	}
	st := t.state(j)
	st["totalLines"] = n
	return result(b.String(), false, st)
}

// input handles write, send-keys, submit and paste. There is no terminal:
// bytes go to the command's stdin, Enter is a newline, C-c interrupts the
// process group and C-d closes stdin.
func (t *execTools) input(j *job, args processArgs) pluginsdk.ToolResult {
	if _, done := j.proc.Exit(); done {
		return failf("process %s: session %s has ended. %s", args.Action, j.id, j.outcome())
	}
	var data []byte
	closeAfter, interrupt := false, false
	switch args.Action {
	case "write":
		if args.Data == nil && !args.EOF {
			return failf("process write: data is required (or eof: true to close stdin)")
		}
		if args.Data != nil {
			data = []byte(*args.Data)
		}
		closeAfter = args.EOF
	case "submit":
		data = []byte("\n")
	case "paste":
		if args.Text == nil {
			return failf("process paste: text is required")
		}
		data = []byte(*args.Text)
	case "send-keys":
		data = []byte(args.Literal)
		for _, h := range args.Hex {
			b, err := hex.DecodeString(strings.TrimPrefix(strings.ToLower(h), "0x"))
			if err != nil {
				return failf("process send-keys: hex %q is not hexadecimal bytes", h)
			}
			data = append(data, b...)
		}
		for _, k := range args.Keys {
			seq, action, ok := keySequence(k)
			if !ok {
				return failf("process send-keys: unknown key %q (known: Enter, Tab, Escape, Space, Backspace, Up, Down, Left, Right, Home, End, C-a … C-z)", k)
			}
			data = append(data, seq...)
			switch action {
			case "interrupt":
				interrupt = true
			case "eof":
				closeAfter = true
			}
		}
		if len(data) == 0 && !interrupt && !closeAfter {
			return failf("process send-keys: give keys, literal or hex")
		}
	}
	if len(data) > 0 {
		if err := j.proc.Write(data); err != nil {
			return failf("process %s: writing to session %s failed: %v", args.Action, j.id, err)
		}
	}
	if closeAfter {
		j.proc.CloseStdin()
	}
	if interrupt {
		if err := j.proc.Interrupt(); err != nil {
			return failf("process send-keys: %v", err)
		}
	}
	msg := fmt.Sprintf("Sent %d bytes to session %s.", len(data), j.id)
	if closeAfter {
		msg += " Stdin is closed."
	}
	if interrupt {
		msg += " Interrupted (SIGINT)."
	}
	return result(msg+" Use poll to see what it printed.", false, map[string]any{"sessionId": j.id, "bytes": len(data)})
}

// keySequence maps a key name to bytes, or to an action a terminal would
// take for it.
func keySequence(k string) (seq []byte, action string, ok bool) {
	named := map[string]string{
		"enter": "\n", "return": "\n", "tab": "\t", "escape": "\x1b", "esc": "\x1b", "space": " ",
		"backspace": "\x7f", "up": "\x1b[A", "down": "\x1b[B", "right": "\x1b[C", "left": "\x1b[D",
		"home": "\x1b[H", "end": "\x1b[F",
	}
	if s, ok := named[strings.ToLower(k)]; ok {
		return []byte(s), "", true
	}
	if rest, found := strings.CutPrefix(k, "C-"); found && len(rest) == 1 {
		c := rest[0] | 0x20
		switch {
		case c == 'c':
			return nil, "interrupt", true
		case c == 'd':
			return nil, "eof", true
		case c >= 'a' && c <= 'z':
			return []byte{c - 'a' + 1}, "", true
		}
	}
	return nil, "", false
}
