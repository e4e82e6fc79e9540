package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/plugins/exec/internal/cmdpolicy"
	"github.com/openclaw-go/openclaw/plugins/exec/internal/proc"
	"github.com/openclaw-go/openclaw/pluginsdk"
)

type execArgs struct {
	Command        string            `json:"command"`
	Workdir        string            `json:"workdir"`
	Env            map[string]string `json:"env"`
	YieldMs        pluginsdk.Number  `json:"yieldMs"`
	Background     bool              `json:"background"`
	TimeoutSeconds pluginsdk.Number  `json:"timeoutSeconds"`
	// Timeout is the older spelling of timeoutSeconds.
	Timeout  pluginsdk.Number `json:"timeout"`
	Pty      bool             `json:"pty"`
	Host     string           `json:"host"`
	Node     string           `json:"node"`
	Ask      string           `json:"ask"`
	Elevated bool             `json:"elevated"`
}

// foregroundMargin is kept between backgrounding a command and the host's
// deadline for the call, so the answer still reaches it.
const foregroundMargin = 500 * time.Millisecond

func (t *execTools) exec(ctx context.Context, call pluginsdk.ToolCall) pluginsdk.ToolResult {
	var args execArgs
	if len(call.Arguments) > 0 {
		if err := json.Unmarshal(call.Arguments, &args); err != nil {
			return failf("exec: invalid arguments: %v", err)
		}
	}
	if strings.TrimSpace(args.Command) == "" {
		return failf("exec: command is required")
	}
	cfg, err := decodeExecConfig(call.Context.ToolConfig)
	if err != nil {
		return failf("exec: %v", err)
	}
	pc := *t.config.Load()
	lim := resolveLimits(cfg, pc, t.getenv)
	cc := call.Context

	if msg := checkHost(args.Host, cfg.Host, args.Node); msg != "" {
		return failf("exec: %s", msg)
	}
	if args.Ask != "" && !cmdpolicy.ValidAsk(args.Ask) {
		return failf("exec: ask must be off, on-miss or always, got %q", args.Ask)
	}
	if args.Elevated && !cc.Elevated {
		return result("exec: elevated mode is not available for this sender, so the command was not run. "+
			"An operator can allow it with tools.elevated.enabled: true and by adding the sender to tools.elevated.allowFrom.<channel>. "+
			"Without elevated, commands run inside the agent workspace.", true, map[string]any{"status": "denied", "reason": "elevated-unavailable"})
	}
	elevated := args.Elevated && cc.Elevated
	if !elevated {
		switch cc.WorkspaceAccess {
		case "", "rw":
		case "ro", "none":
			return result(fmt.Sprintf("exec: this session's workspace access is %q, and a shell command cannot be held to that here (no sandbox runtime), so it was not run. "+
				"Use read for files; an operator can grant workspace access \"rw\" or allow elevated mode for this sender.", cc.WorkspaceAccess), true,
				map[string]any{"status": "denied", "reason": "workspace-access"})
		default:
			return failf("exec: unknown workspaceAccess %q (expected rw, ro or none)", cc.WorkspaceAccess)
		}
	}
	dir, err := resolveWorkdir(cc.WorkspaceDir, args.Workdir, elevated)
	if err != nil {
		return failf("exec: %v", err)
	}
	env, err := t.commandEnv(cfg, args.Env, cc)
	if err != nil {
		return failf("exec: %v", err)
	}
	pol := buildPolicy(cfg, pc, cc.AgentID, args.Ask, cc.Channel != "", t.getenv("HOME"))
	if d := pol.Evaluate(args.Command, cmdpolicy.Env{Dir: dir, Path: envValue(env, "PATH")}); d.Verdict != cmdpolicy.Allow {
		return refusal(d, pol, cfg, cc.AgentID)
	}

	timeout := lim.timeout
	if args.Timeout.Set {
		timeout = seconds(args.Timeout.Value)
	}
	if args.TimeoutSeconds.Set {
		timeout = seconds(args.TimeoutSeconds.Value)
	}
	if timeout < 0 {
		return failf("exec: timeoutSeconds must not be negative (0 disables the timeout)")
	}
	yield := lim.yield
	if args.YieldMs.Set {
		yield = min(max(time.Duration(args.YieldMs.Value)*time.Millisecond, 10*time.Millisecond), 120*time.Second)
	}
	if deadline, ok := ctx.Deadline(); ok {
		yield = max(min(yield, time.Until(deadline)-foregroundMargin), 10*time.Millisecond)
	}

	p, err := proc.Start(proc.Spec{
		Shell: t.shell(pc), Command: args.Command, Dir: dir, Env: env,
		MaxOutput: lim.maxOutput, MaxPending: lim.maxPending, Now: t.now,
	})
	if err != nil {
		return failf("exec: %v", err)
	}
	notify := cfg.NotifyOnExit == nil || *cfg.NotifyOnExit
	j := &job{
		id: newID(), agent: cc.AgentID, command: args.Command, cwd: dir, proc: p,
		timeout: timeout, ttl: lim.ttl, notify: notify, notifyEmpty: cfg.NotifyOnExitEmptySuccess,
	}
	t.jobs.add(j)
	t.log().Debug("exec started", "session", j.id, "agent", j.agent, "pid", p.Pid(), "elevated", elevated)

	var notes []string
	if args.Pty {
		notes = append(notes, "pty is not available here; the command ran without a terminal.")
	}
	if args.Background {
		return t.running(j, notes)
	}
	yieldTimer := time.NewTimer(yield)
	defer yieldTimer.Stop()
	select {
	case <-p.Done():
	case <-yieldTimer.C:
		if _, done := p.Exit(); !done {
			return t.running(j, notes)
		}
	case <-ctx.Done():
		// The turn was cancelled: a foreground command stops with it.
		p.Kill()
		<-p.Done()
		t.jobs.remove(j)
		return result(fmt.Sprintf("exec: the call was cancelled (%v) and the command was killed with its process group.", ctx.Err()), true,
			map[string]any{"status": statusKilled, "cwd": dir})
	}
	t.jobs.remove(j)
	return finished(j, notes)
}

// running answers for a command left in the background.
func (t *execTools) running(j *job, notes []string) pluginsdk.ToolResult {
	j.setBackgrounded()
	tail, _ := j.proc.Out.Tail()
	const shown = 2000
	if len(tail) > shown {
		tail = "…" + strings.ToValidUTF8(tail[len(tail)-shown:], "")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Command still running (session %s, pid %d). Use process with sessionId %q: poll for new output and the exit status, write to send input, kill to stop it.", j.id, j.proc.Pid(), j.id)
	if j.timeout > 0 {
		fmt.Fprintf(&b, " It will be killed after %s in total.", j.timeout)
	}
	if tail != "" {
		b.WriteString("\n\nOutput so far:\n")
		b.WriteString(tail)
	}
	for _, n := range notes {
		b.WriteString("\n")
		b.WriteString(n)
	}
	return result(b.String(), false, map[string]any{
		"status": statusRunning, "sessionId": j.id, "pid": j.proc.Pid(), "cwd": j.cwd, "tail": tail,
	})
}

// finished answers for a command that ended in the foreground.
func finished(j *job, notes []string) pluginsdk.ToolResult {
	e, _ := j.proc.Exit()
	out, dropped := j.proc.Out.Tail()
	st := j.status()
	var b strings.Builder
	if dropped > 0 {
		fmt.Fprintf(&b, "[%d earlier bytes of output were dropped; showing the last %d]\n", dropped, len(out))
	}
	b.WriteString(out)
	if st == statusCompleted {
		if out == "" {
			b.WriteString("(no output)")
		}
	} else {
		if out != "" && !strings.HasSuffix(out, "\n") {
			b.WriteString("\n")
		}
		b.WriteString("\n")
		b.WriteString(j.outcome())
	}
	for _, n := range notes {
		b.WriteString("\n")
		b.WriteString(n)
	}
	details := map[string]any{
		"status": st, "exitCode": e.Code, "cwd": j.cwd,
		"durationMs": e.At.Sub(j.proc.Started()).Milliseconds(), "truncated": dropped > 0,
	}
	if e.Signal != "" {
		details["signal"] = e.Signal
	}
	return result(b.String(), st != statusCompleted, details)
}

// refusal explains a denied command and how an operator could allow it.
func refusal(d cmdpolicy.Decision, pol cmdpolicy.Policy, cfg execConfig, agent string) pluginsdk.ToolResult {
	modeName := cfg.Mode
	if modeName == "" {
		modeName = fmt.Sprintf("security=%s, ask=%s", pol.Security, pol.Ask)
	}
	agentKey := agent
	if agentKey == "" {
		agentKey = "<agentId>"
	}
	allowHint := fmt.Sprintf("add the executable to the allowlist (plugins.entries.exec.config.approvals.agents.%s.allowlist: [{\"pattern\": \"/path/to/bin\"}])", agentKey)
	if len(d.Misses) > 0 {
		allowHint = fmt.Sprintf("add %s to the allowlist (plugins.entries.exec.config.approvals.agents.%s.allowlist, e.g. {\"pattern\": %q})", strings.Join(d.Misses, ", "), agentKey, d.Misses[0])
	}
	details := map[string]any{"reason": d.Reason, "security": pol.Security, "ask": pol.Ask, "askFallback": pol.AskFallback}
	if len(d.Misses) > 0 {
		details["misses"] = d.Misses
	}
	switch {
	case d.Verdict == cmdpolicy.NeedsApproval:
		details["status"] = "approval-unavailable"
		return result(fmt.Sprintf("exec: this command needs approval because %s, and no approver can be reached from this tool, so it was not run (askFallback %q). "+
			"Tell the user what you want to run and why. To let such commands run, an operator can %s, set tools.exec.mode to \"full\", "+
			"or set askFallback (in plugins.entries.exec.config.approvals) to \"allowlist\" or \"full\".",
			d.Reason, pol.AskFallback, allowHint), true, details)
	case pol.Security == cmdpolicy.SecurityDeny:
		details["status"] = "denied"
		return result(fmt.Sprintf("exec: running commands is disabled (%s). An operator can set tools.exec.mode to \"allowlist\", \"ask\" or \"full\" to enable it.", modeName), true, details)
	}
	details["status"] = "denied"
	return result(fmt.Sprintf("exec: command not allowed: %s. In allowlist mode (%s) only allowlisted executables and safe bins (stdin-only filters) run, "+
		"in simple pipelines and && / || / ; chains without redirection or command substitution. To allow it, an operator can %s, or set tools.exec.mode to \"ask\" or \"full\".",
		d.Reason, modeName, allowHint), true, details)
}

// checkHost refuses execution targets this plugin cannot serve.
func checkHost(arg, configured, node string) string {
	host := arg
	if host == "" || host == "auto" {
		host = configured
	}
	switch host {
	case "", "auto", "gateway":
	case "sandbox":
		return "host \"sandbox\" needs a sandbox runtime, and none is configured here; omit host or use \"gateway\""
	case "node":
		return "host \"node\" (paired device execution) is not available from this plugin; omit host or use \"gateway\""
	default:
		return fmt.Sprintf("unknown host %q (expected auto, gateway, sandbox or node; it is not a hostname)", host)
	}
	if node != "" {
		return "node is only meaningful with host \"node\", which is not available from this plugin"
	}
	return ""
}

// resolveWorkdir returns the real directory a command runs in. Without
// elevated mode it must lie inside the workspace, symlinks resolved.
func resolveWorkdir(workspace, workdir string, elevated bool) (string, error) {
	if workspace == "" && (!elevated || workdir == "") {
		return "", fmt.Errorf("no workspace directory is set for this call")
	}
	if workspace != "" && !filepath.IsAbs(workspace) {
		return "", fmt.Errorf("workspace directory %q is not an absolute path", workspace)
	}
	dir := workdir
	switch {
	case dir == "" || dir == ".":
		dir = workspace
	case filepath.IsAbs(dir):
	case workspace == "":
		return "", fmt.Errorf("workdir %q is relative and there is no workspace to resolve it against", workdir)
	default:
		dir = filepath.Join(workspace, dir)
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		if workdir == "" {
			return "", fmt.Errorf("workspace directory %s: %w", workspace, unwrapPath(err))
		}
		return "", fmt.Errorf("workdir %q: %w", workdir, unwrapPath(err))
	}
	fi, err := os.Stat(real)
	if err != nil {
		return "", fmt.Errorf("workdir %q: %w", workdir, unwrapPath(err))
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("workdir %q is not a directory", workdir)
	}
	if elevated {
		return real, nil
	}
	wsReal, err := filepath.EvalSymlinks(workspace)
	if err != nil {
		return "", fmt.Errorf("workspace directory %s: %w", workspace, unwrapPath(err))
	}
	if real != wsReal && !strings.HasPrefix(real, wsReal+string(filepath.Separator)) {
		return "", fmt.Errorf("workdir %q is outside the agent workspace; commands run inside the workspace unless elevated mode is on for this sender", workdir)
	}
	return real, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// blockedEnv are variables a call may not set: they would change which
// binary runs or inject code into it.
func blockedEnv(k string) string {
	switch {
	case k == "PATH":
		return "env.PATH cannot be overridden (an operator can add directories with tools.exec.pathPrepend)"
	case strings.HasPrefix(k, "LD_") || strings.HasPrefix(k, "DYLD_"):
		return fmt.Sprintf("env.%s: dynamic loader variables cannot be set", k)
	case k == "MANPAGER":
		return "env.MANPAGER cannot be set"
	}
	return ""
}

// commandEnv is the plugin's environment plus OPENCLAW_SHELL, the call's
// channel identity, tools.exec.pathPrepend and the call's own variables.
func (t *execTools) commandEnv(cfg execConfig, extra map[string]string, cc pluginsdk.CallContext) ([]string, error) {
	env := slices.Clone(t.environ())
	set := func(k, v string) {
		prefix := k + "="
		env = slices.DeleteFunc(env, func(kv string) bool { return strings.HasPrefix(kv, prefix) })
		env = append(env, prefix+v)
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := extra[k]
		if k == "" || strings.ContainsAny(k, "=\x00") || strings.ContainsRune(v, 0) {
			return nil, fmt.Errorf("env: %q is not a valid variable", k)
		}
		if msg := blockedEnv(k); msg != "" {
			return nil, fmt.Errorf("%s", msg)
		}
		if k == "PAGER" || k == "GIT_PAGER" {
			// "cat" or empty disables paging; any other pager could name a
			// program to run.
			if v != "cat" && v != "" {
				return nil, fmt.Errorf("env.%s: only \"cat\" or an empty value is accepted", k)
			}
			v = ""
		}
		set(k, v)
	}
	if len(cfg.PathPrepend) > 0 {
		home := t.getenv("HOME")
		var dirs []string
		for _, d := range cfg.PathPrepend {
			if strings.HasPrefix(d, "~/") {
				if home == "" {
					continue
				}
				d = filepath.Join(home, d[2:])
			}
			dirs = append(dirs, d)
		}
		if p := envValue(env, "PATH"); p != "" {
			dirs = append(dirs, p)
		}
		set("PATH", strings.Join(dirs, string(filepath.ListSeparator)))
	}
	set("OPENCLAW_SHELL", "exec")
	if cc.Channel != "" {
		ident, _ := json.Marshal(map[string]string{"channel": cc.Channel, "senderId": cc.SenderID})
		set("OPENCLAW_CHANNEL_CONTEXT", string(ident))
	}
	return env, nil
}

func envValue(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return ""
}

// shell picks the shell commands run in: the configured one, else $SHELL
// (bash rather than fish, whose syntax differs), else /bin/sh.
func (t *execTools) shell(pc pluginConfig) string {
	if pc.Shell != "" {
		return pc.Shell
	}
	if sh := t.getenv("SHELL"); sh != "" && filepath.IsAbs(sh) {
		if filepath.Base(sh) != "fish" {
			return sh
		}
		for _, alt := range []string{"/bin/bash", "/usr/bin/bash"} {
			if _, err := os.Stat(alt); err == nil {
				return alt
			}
		}
	}
	return "/bin/sh"
}
