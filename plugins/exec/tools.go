package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	hclog "github.com/hashicorp/go-hclog"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

// execTools serves exec and process.
type execTools struct {
	getenv  func(string) string
	environ func() []string
	now     func() time.Time
	jobs    *registry

	config atomic.Pointer[pluginConfig]
	logger atomic.Pointer[hclog.Logger]
}

func newExecTools(getenv func(string) string, environ func() []string, now func() time.Time) *execTools {
	t := &execTools{getenv: getenv, environ: environ, now: now}
	t.config.Store(&pluginConfig{})
	l := hclog.NewNullLogger()
	t.logger.Store(&l)
	t.jobs = newRegistry(now, t.log)
	return t
}

func (t *execTools) log() hclog.Logger { return *t.logger.Load() }

// configure takes plugins.entries.exec.config.
func (t *execTools) configure(_ context.Context, cfg pluginsdk.Config) error {
	pc, err := decodePluginConfig(cfg.JSON)
	if err != nil {
		return err
	}
	t.config.Store(&pc)
	if cfg.Host != nil {
		l := cfg.Host.Logger()
		t.logger.Store(&l)
	}
	return nil
}

// shutdown ends every command still running.
func (t *execTools) shutdown() { t.jobs.shutdown() }

const schemaExec = `{"type":"object","properties":{
"command":{"type":"string","description":"Shell command to run."},
"workdir":{"type":"string","description":"Working directory, relative to the workspace (default: the workspace)."},
"env":{"type":"object","additionalProperties":{"type":"string"},"description":"Environment variables to add."},
"yieldMs":{"type":"number","description":"Move the command to the background after this many milliseconds (default 10000)."},
"background":{"type":"boolean","description":"Start in the background at once and return a sessionId for process."},
"timeoutSeconds":{"type":"number","description":"Kill the command and its children after this many seconds (default tools.exec.timeoutSeconds, 1800; 0 disables)."},
"pty":{"type":"boolean","description":"Ask for a terminal (not available here; the command runs without one)."},
"host":{"type":"string","enum":["auto","gateway","sandbox","node"],"description":"Where to run: auto or gateway."},
"ask":{"type":"string","enum":["off","on-miss","always"],"description":"Ask for approval more strictly than configured."},
"elevated":{"type":"boolean","description":"Run outside the workspace confinement, if this sender may."}},
"required":["command"]}`

const schemaProcess = `{"type":"object","properties":{
"action":{"type":"string","enum":["list","poll","log","write","send-keys","submit","paste","kill","clear","remove"]},
"sessionId":{"type":"string","description":"The session exec returned."},
"data":{"type":"string","description":"write: text for stdin."},
"eof":{"type":"boolean","description":"write: close stdin after the data."},
"timeout":{"type":"number","description":"poll: wait up to this many milliseconds for new output (max 30000)."},
"offset":{"type":"integer","description":"log: first line (1-based)."},
"limit":{"type":"integer","description":"log: number of lines."},
"keys":{"type":"array","items":{"type":"string"},"description":"send-keys: key names such as Enter, Tab, Up, C-c, C-d."},
"literal":{"type":"string","description":"send-keys: literal text."},
"hex":{"type":"array","items":{"type":"string"},"description":"send-keys: bytes as hex."},
"text":{"type":"string","description":"paste: text to send."}},
"required":["action"]}`

func (t *execTools) Tools(context.Context) ([]pluginsdk.ToolSpec, error) {
	g := []string{"group:runtime"}
	return []pluginsdk.ToolSpec{
		{Name: "exec", Groups: g, Parameters: json.RawMessage(schemaExec),
			Description: "Run a shell command in the agent workspace. Finished commands return their output; a command still running after yieldMs (or started with background) returns a sessionId to use with process."},
		{Name: "process", Groups: g, Parameters: json.RawMessage(schemaProcess),
			Description: "Manage background exec sessions: list, poll (new output and exit status), log (retained output by line), write (stdin), send-keys, submit, paste, kill, clear, remove."},
	}, nil
}

func (t *execTools) Invoke(ctx context.Context, call pluginsdk.ToolCall, progress func(pluginsdk.ToolProgress)) (pluginsdk.ToolResult, error) {
	var res pluginsdk.ToolResult
	switch call.Tool {
	case "exec", "bash":
		res = t.exec(ctx, call)
	case "process":
		res = t.process(ctx, call)
	default:
		return failf("unknown tool %q (this plugin provides exec and process)", call.Tool), nil
	}
	return t.withNotices(call.Context.AgentID, res), nil
}

// withNotices appends exits of background sessions the agent has not been
// told about: until the host can push them, the next call carries them.
func (t *execTools) withNotices(agent string, res pluginsdk.ToolResult) pluginsdk.ToolResult {
	ns := t.jobs.takeNotices(agent)
	if len(ns) == 0 {
		return res
	}
	res.Content += "\n\n" + strings.Join(ns, "\n")
	var details map[string]any
	if len(res.Details) > 0 {
		_ = json.Unmarshal(res.Details, &details)
	}
	if details == nil {
		details = map[string]any{}
	}
	details["exitNotices"] = ns
	if b, err := json.Marshal(details); err == nil {
		res.Details = b
	}
	return res
}

func failf(format string, args ...any) pluginsdk.ToolResult {
	return pluginsdk.ToolResult{Content: fmt.Sprintf(format, args...), IsError: true}
}

func result(content string, isError bool, details map[string]any) pluginsdk.ToolResult {
	res := pluginsdk.ToolResult{Content: content, IsError: isError}
	if details != nil {
		if b, err := json.Marshal(details); err == nil {
			res.Details = b
		}
	}
	return res
}
