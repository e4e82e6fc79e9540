package backends

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/openclaw-go/openclaw/core/agent"
	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/mcp"
	"github.com/openclaw-go/openclaw/core/sessions"
	"github.com/openclaw-go/openclaw/core/toolpolicy"
	"github.com/openclaw-go/openclaw/core/tools"
)

// toolService runs one tool outside a turn, under the policy the agent's
// turns apply (tools.*, the agent's tools, byProvider for its primary
// model). The HTTP deny list is the gateway's own business.
type toolService struct{ d *Deps }

// Invoke implements backend.Tools.
func (t *toolService) Invoke(ctx context.Context, call backend.ToolInvocation) (backend.ToolResult, error) {
	name := strings.TrimSpace(call.Name)
	if name == "" {
		return backend.ToolResult{}, fmt.Errorf("invoke tool: no tool named: %w", backend.ErrInvalid)
	}
	agentID := t.agentFor(call)
	cfg, err := t.d.agentsConfig()
	if err != nil {
		return backend.ToolResult{}, fmt.Errorf("invoke tool %s: %w", name, err)
	}
	entry, _ := findAgent(cfg, agentID)
	tool, ok := findTool(t.d.Tools.List(ctx), name)
	if !ok {
		return backend.ToolResult{}, fmt.Errorf("tool %q is not provided by the gateway or any running plugin: %w", name, backend.ErrNotFound)
	}
	var global toolpolicy.Config
	if err := t.d.section("tools", &global); err != nil {
		return backend.ToolResult{}, fmt.Errorf("invoke tool %s: %w", name, err)
	}
	ref, _ := t.d.primaryRef(entry)
	if allowed, by := toolpolicy.Resolve(global, entry.Tools, ref.Provider, ref.Model).Decide(tool.PolicyTool()); !allowed {
		// Hidden from the agent, so absent here too.
		return backend.ToolResult{}, fmt.Errorf("tool %q is not available to agent %q (blocked by %s): %w", name, agentID, by, backend.ErrNotFound)
	}
	args, err := json.Marshal(call.Args)
	if err != nil || call.Args == nil {
		args = []byte("{}")
	}
	if err := checkArgs(tool, args); err != nil {
		return backend.ToolResult{}, fmt.Errorf("tool %s: %w", name, err)
	}
	inv := tools.Invocation{AgentID: agentID, SessionKey: call.SessionKey, Channel: call.Channel, WorkspaceAccess: workspaceAccess(cfg, entry)}
	if r := t.d.runner(); r != nil {
		inv.WorkspaceDir, _ = r.Workspace(agentID)
	}
	res := t.d.Tools.Invoke(ctx, tools.Call{ID: callID(call.IdempotencyKey), Name: name, Arguments: string(args), Context: inv}, nil)
	if err := ctx.Err(); err != nil {
		return backend.ToolResult{}, fmt.Errorf("tool %s: %w", name, err)
	}
	out, err := toolOutput(res)
	if err != nil {
		return backend.ToolResult{}, fmt.Errorf("tool %s: %w", name, err)
	}
	return backend.ToolResult{Output: out, Source: toolSource(tool)}, nil
}

// agentFor is the agent named, else the one the session key names, else
// the default agent.
func (t *toolService) agentFor(call backend.ToolInvocation) string {
	if id := strings.TrimSpace(call.AgentID); id != "" {
		return sessions.NormalizeAgentID(id)
	}
	if p, ok := sessions.ParseKey(call.SessionKey); ok {
		return p.AgentID
	}
	if r := t.d.runner(); r != nil {
		return r.DefaultAgent()
	}
	return sessions.DefaultAgentID
}

func findTool(list []tools.Tool, name string) (tools.Tool, bool) {
	for _, tl := range list {
		if tl.Name == name {
			return tl, true
		}
	}
	return tools.Tool{}, false
}

// checkArgs validates arguments against the tool's JSON Schema. A schema
// that does not compile is the tool's problem; the call goes ahead.
func checkArgs(tool tools.Tool, args []byte) error {
	if len(bytes.TrimSpace(tool.Parameters)) == 0 {
		return nil
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(tool.Parameters))
	if err != nil {
		return nil
	}
	c := jsonschema.NewCompiler()
	url := "urn:openclaw:tool:" + tool.Name
	if c.AddResource(url, doc) != nil {
		return nil
	}
	sch, err := c.Compile(url)
	if err != nil {
		return nil
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(args))
	if err != nil {
		return fmt.Errorf("arguments are not JSON: %w", backend.ErrInvalid)
	}
	err = sch.Validate(v)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var problems []string
	for _, u := range ve.BasicOutput().Errors {
		if u.Error == nil {
			continue
		}
		where := u.InstanceLocation
		if where == "" {
			where = "/"
		}
		problems = append(problems, where+": "+u.Error.String())
	}
	if len(problems) == 0 {
		problems = []string{ve.Error()}
	}
	return fmt.Errorf("arguments do not match the tool's schema: %s: %w", strings.Join(problems, "; "), backend.ErrInvalid)
}

// workspaceAccess is the agent's sandbox.workspaceAccess, as its turns
// hand it to tools.
func workspaceAccess(c agent.AgentsConfig, e agent.AgentEntry) string {
	switch {
	case e.Sandbox != nil && e.Sandbox.WorkspaceAccess != "":
		return e.Sandbox.WorkspaceAccess
	case c.Defaults.Sandbox != nil && c.Defaults.Sandbox.WorkspaceAccess != "":
		return c.Defaults.Sandbox.WorkspaceAccess
	}
	return "rw"
}

// callID derives a stable call id from the idempotency key, so a retried
// request reaches the tool as the same call.
func callID(idempotencyKey string) string {
	if idempotencyKey == "" {
		return "http_" + randomHex(8)
	}
	sum := sha256.Sum256([]byte(idempotencyKey))
	return "http_" + hex.EncodeToString(sum[:8])
}

// toolOutput shapes a result as OpenClaw's tool results: text content,
// details, and isError for a failure the tool reported.
func toolOutput(res tools.Result) (json.RawMessage, error) {
	out := map[string]any{"content": []map[string]any{{"type": "text", "text": res.Content}}}
	if res.IsError {
		out["isError"] = true
	}
	if d := bytes.TrimSpace(res.Details); len(d) > 0 && json.Valid(d) {
		out["details"] = json.RawMessage(d)
	}
	if len(res.Media) > 0 {
		media := make([]map[string]any, 0, len(res.Media))
		for _, m := range res.Media {
			item := map[string]any{"kind": m.Kind, "mimeType": m.MimeType, "fileName": m.FileName}
			if m.URL != "" {
				item["url"] = m.URL
			}
			media = append(media, item)
		}
		out["media"] = media
	}
	return json.Marshal(out)
}

func toolSource(t tools.Tool) string {
	switch t.Plugin {
	case "":
		return "core"
	case mcp.PluginID:
		return "mcp"
	}
	return "plugin"
}
