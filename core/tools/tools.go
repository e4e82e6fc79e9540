// Package tools is the registry of tools the agent can call: tools served by
// running tool plugins, listed once per plugin start, and core tools that
// other gateway packages register in-process. It dispatches a call to
// whoever serves the tool, with the caller's context and a timeout, and
// turns every failure (a plugin crashing mid-call included) into an error
// result the model can read, so a turn always completes.
//
// Which tools a turn may see is decided by package toolpolicy; the
// registry serves whatever it is asked for.
package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/toolpolicy"
)

// Tool describes a tool the model may call.
type Tool struct {
	Name        string
	Description string
	// Parameters is the JSON Schema of the arguments object.
	Parameters json.RawMessage
	// Groups are extra policy groups ("group:fs") the tool belongs to.
	Groups []string
	// Plugin is the id of the plugin serving the tool; empty for core
	// tools.
	Plugin string
}

// Spec is the tool as the model sees it.
func (t Tool) Spec() models.ToolSpec {
	return models.ToolSpec{Name: t.Name, Description: t.Description, Parameters: t.Parameters}
}

// PolicyTool is the tool as the policy sees it.
func (t Tool) PolicyTool() toolpolicy.Tool {
	return toolpolicy.Tool{Name: t.Name, Plugin: t.Plugin, Groups: t.Groups}
}

// Invocation says who called a tool and where, so tools can enforce their
// own rules.
type Invocation struct {
	AgentID      string
	SessionKey   string
	WorkspaceDir string
	Channel      string
	SenderID     string
	// Elevated is set when the sender may run elevated (host) commands.
	Elevated bool
	// WorkspaceAccess is "rw" (default), "ro" or "none".
	WorkspaceAccess string
}

// Call is one tool call.
type Call struct {
	// ID pairs the call with its result.
	ID   string
	Name string
	// Arguments is the JSON text the model produced.
	Arguments string
	Context   Invocation
	// Timeout bounds the call; zero means the registry's default. The
	// caller's context deadline applies as well.
	Timeout time.Duration
}

// Progress is an intermediate report from a running tool.
type Progress struct {
	Message string
	Output  string
}

// Media is a file a tool produced.
type Media struct {
	URL      string
	MimeType string
	FileName string
	Kind     string
	Data     []byte
}

// Result is what the model reads back.
type Result struct {
	Content string
	IsError bool
	// Details is metadata for UIs and logs, not for the model.
	Details json.RawMessage
	Media   []Media
}

// errorResult is a failure the model reads as the tool's result.
func errorResult(format string, args ...any) Result {
	return Result{Content: fmt.Sprintf(format, args...), IsError: true}
}

// CoreTool is a tool implemented inside the gateway (sessions_list, message,
// cron, …).
type CoreTool struct {
	Tool
	// Run executes a call. A returned error becomes an error result; use
	// Result.IsError for failures the tool explains itself.
	Run func(ctx context.Context, call Call, progress func(Progress)) (Result, error)
}

// validName is what every model API accepts as a function name.
var validName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ValidName reports whether name can be offered to models.
func ValidName(name string) bool { return validName.MatchString(name) }
