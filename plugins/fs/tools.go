package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/openclaw-go/openclaw/plugins/fs/internal/workspace"
	"github.com/openclaw-go/openclaw/pluginsdk"
)

// limits are the plugin's size caps, set from plugins.entries.fs.config.
type limits struct {
	// MaxReadLines and MaxReadBytes bound what one read returns; the model
	// pages through longer files with offset.
	MaxReadLines int `json:"maxReadLines"`
	MaxReadBytes int `json:"maxReadBytes"`
	// MaxFileBytes bounds files that write, edit and apply_patch hold in
	// memory whole.
	MaxFileBytes int64 `json:"maxFileBytes"`
	// MaxImageBytes bounds an image read returns as an attachment.
	MaxImageBytes int64 `json:"maxImageBytes"`
}

var defaultLimits = limits{
	MaxReadLines:  2000,
	MaxReadBytes:  50 << 10,
	MaxFileBytes:  10 << 20,
	MaxImageBytes: 5 << 20,
}

// tools serves read, write, edit and apply_patch.
type tools struct {
	limits atomic.Pointer[limits]
}

func newTools() *tools {
	t := &tools{}
	l := defaultLimits
	t.limits.Store(&l)
	return t
}

// configure takes plugins.entries.fs.config; missing keys keep defaults.
func (t *tools) configure(_ context.Context, cfg pluginsdk.Config) error {
	l := defaultLimits
	if len(cfg.JSON) > 0 {
		dec := json.NewDecoder(strings.NewReader(string(cfg.JSON)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			return fmt.Errorf("plugins.entries.fs.config: %w", err)
		}
	}
	for name, v := range map[string]int64{"maxReadLines": int64(l.MaxReadLines), "maxReadBytes": int64(l.MaxReadBytes), "maxFileBytes": l.MaxFileBytes, "maxImageBytes": l.MaxImageBytes} {
		if v <= 0 {
			return fmt.Errorf("plugins.entries.fs.config.%s: must be a positive number, got %d", name, v)
		}
	}
	t.limits.Store(&l)
	return nil
}

const (
	schemaRead = `{"type":"object","properties":{
"path":{"type":"string","description":"File to read, relative to the workspace (or absolute inside it)."},
"offset":{"type":"integer","minimum":1,"description":"Line number to start at (1-based)."},
"limit":{"type":"integer","minimum":1,"description":"Maximum number of lines to return."}},
"required":["path"]}`
	schemaWrite = `{"type":"object","properties":{
"path":{"type":"string","description":"File to write, relative to the workspace (or absolute inside it). Parent directories are created."},
"content":{"type":"string","description":"The complete new content of the file."}},
"required":["path","content"]}`
	schemaEdit = `{"type":"object","properties":{
"path":{"type":"string","description":"File to edit, relative to the workspace (or absolute inside it)."},
"edits":{"type":"array","description":"One or more replacements, each matched against the original file; they must not overlap.","items":{"type":"object","properties":{
"oldText":{"type":"string","description":"Exact text to replace, including whitespace; must occur exactly once."},
"newText":{"type":"string","description":"Replacement text."}},"required":["oldText","newText"]}},
"oldText":{"type":"string","description":"Single-edit form: exact text to replace; must occur exactly once."},
"newText":{"type":"string","description":"Single-edit form: replacement text."}},
"required":["path"]}`
	schemaPatch = `{"type":"object","properties":{
"input":{"type":"string","description":"The whole patch, from *** Begin Patch to *** End Patch."}},
"required":["input"]}`
)

func (t *tools) Tools(context.Context) ([]pluginsdk.ToolSpec, error) {
	g := []string{"group:fs"}
	return []pluginsdk.ToolSpec{
		{Name: "read", Groups: g, Parameters: json.RawMessage(schemaRead),
			Description: "Read a file in the workspace. Text comes back as-is, at most 2000 lines or 50 KB per call; use offset and limit to page through longer files. Images come back as attachments."},
		{Name: "write", Groups: g, Parameters: json.RawMessage(schemaWrite),
			Description: "Create or overwrite a file in the workspace with the given content. The write is atomic."},
		{Name: "edit", Groups: g, Parameters: json.RawMessage(schemaEdit),
			Description: "Edit a file in the workspace by exact text replacement. Each oldText must match the file exactly (whitespace included) and occur once; add surrounding lines to make it unique."},
		{Name: "apply_patch", Groups: g, Parameters: json.RawMessage(schemaPatch),
			Description: "Apply a multi-file patch: *** Begin Patch, then *** Add File: / *** Update File: (optionally *** Move to:, then @@ chunks of ' ' context, '-' removed and '+' added lines) / *** Delete File: sections, then *** End Patch. Paths are relative to the workspace."},
	}, nil
}

// mutating are the tools a read-only workspace refuses.
var mutating = map[string]bool{"write": true, "edit": true, "apply_patch": true}

func (t *tools) Invoke(ctx context.Context, call pluginsdk.ToolCall, _ func(pluginsdk.ToolProgress)) (pluginsdk.ToolResult, error) {
	switch call.Tool {
	case "read", "write", "edit", "apply_patch":
	default:
		return failf("unknown tool %q (this plugin provides read, write, edit and apply_patch)", call.Tool), nil
	}
	if msg := accessProblem(call.Tool, call.Context.WorkspaceAccess); msg != "" {
		return failf("%s", msg), nil
	}
	ws, err := workspace.Open(call.Context.WorkspaceDir)
	if err != nil {
		return failf("%s: %v", call.Tool, err), nil
	}
	defer ws.Close()
	lim := *t.limits.Load()
	switch call.Tool {
	case "read":
		return t.read(ws, call.Arguments, lim), nil
	case "write":
		return t.write(ws, call.Arguments, lim), nil
	case "edit":
		return t.edit(ws, call.Arguments, lim), nil
	default:
		return t.applyPatch(ctx, ws, call.Arguments, lim), nil
	}
}

// accessProblem says why workspaceAccess forbids the tool, or "".
func accessProblem(tool, access string) string {
	switch access {
	case "", "rw":
		return ""
	case "ro":
		if mutating[tool] {
			return fmt.Sprintf("%s is not available: the workspace is read-only for this session (workspaceAccess \"ro\"); only read works", tool)
		}
		return ""
	case "none":
		return fmt.Sprintf("%s is not available: this session has no access to the agent workspace (workspaceAccess \"none\")", tool)
	}
	return fmt.Sprintf("%s is not available: unknown workspaceAccess %q (expected rw, ro or none)", tool, access)
}

func failf(format string, args ...any) pluginsdk.ToolResult {
	return pluginsdk.ToolResult{Content: fmt.Sprintf(format, args...), IsError: true}
}

func ok(content string, details any) pluginsdk.ToolResult {
	res := pluginsdk.ToolResult{Content: content}
	if details != nil {
		if b, err := json.Marshal(details); err == nil {
			res.Details = b
		}
	}
	return res
}

// decodeArgs reads a tool's arguments; a message for the model on failure.
func decodeArgs(tool string, raw json.RawMessage, v any) error {
	if len(raw) == 0 {
		raw = json.RawMessage(`{}`)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s: invalid arguments: %v", tool, err)
	}
	return nil
}

// pathArg is a tool's path, under OpenClaw's name or the file_path alias.
type pathArg struct {
	Path     string `json:"path"`
	FilePath string `json:"file_path"`
}

func (p pathArg) path() string {
	if p.Path != "" {
		return p.Path
	}
	return p.FilePath
}

// describeErr adds a hint to refusals of paths outside the workspace.
func describeErr(err error) string {
	if errors.Is(err, workspace.ErrOutside) {
		return err.Error() + "; file tools only reach files inside the agent workspace"
	}
	return err.Error()
}
