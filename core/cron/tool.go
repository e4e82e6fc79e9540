package cron

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/openclaw-go/openclaw/core/tools"
)

// ToolName is the core tool's name; OpenClaw also calls it "automations".
const ToolName = "cron"

const toolDescription = `Manage this gateway's scheduled jobs. Actions: status; list (includeDisabled); get, remove, runs (jobId); add (job); update (jobId, patch); run (jobId, mode). ` +
	`A job has a schedule ({kind:"at",at:ISO time or "20m"} | {kind:"every",everyMs} | {kind:"cron",expr,tz}), ` +
	`a payload ({kind:"agentTurn",message} runs an agent turn; {kind:"systemEvent",text} with sessionTarget "main" adds a note to the main session) ` +
	`and a delivery ({mode:"announce",channel,to} | {mode:"none"}); without a delivery, the result is announced to the conversation the job was created from. ` +
	`Before adding, list to avoid duplicates, and confirm the schedule with the user in plain words.`

// toolParameters is the JSON Schema of the tool's arguments.
const toolParameters = `{
  "type": "object",
  "properties": {
    "action": {"type": "string", "enum": ["status", "list", "get", "add", "update", "remove", "run", "runs"]},
    "jobId": {"type": "string", "description": "The job for get, update, remove, run and runs."},
    "includeDisabled": {"type": "boolean", "description": "list: include disabled jobs."},
    "job": {
      "type": "object",
      "description": "add: the new job.",
      "properties": {
        "name": {"type": "string"},
        "description": {"type": "string"},
        "agentId": {"type": "string", "description": "Defaults to the calling agent."},
        "schedule": {
          "type": "object",
          "properties": {
            "kind": {"type": "string", "enum": ["at", "every", "cron"]},
            "at": {"type": "string", "description": "ISO 8601 time, or a delay such as 20m."},
            "everyMs": {"type": "integer", "minimum": 1000},
            "expr": {"type": "string", "description": "Cron expression, 5 fields (or 6 with seconds first)."},
            "tz": {"type": "string", "description": "IANA time zone for expr."}
          },
          "required": ["kind"]
        },
        "sessionTarget": {"type": "string", "description": "isolated (default for agentTurn), main (systemEvent), current or session:<key>."},
        "wakeMode": {"type": "string", "enum": ["now", "next-heartbeat"]},
        "payload": {
          "type": "object",
          "properties": {
            "kind": {"type": "string", "enum": ["agentTurn", "systemEvent"]},
            "message": {"type": "string"},
            "text": {"type": "string"},
            "model": {"type": "string"},
            "thinking": {"type": "string"},
            "timeoutSeconds": {"type": "number", "minimum": 0}
          },
          "required": ["kind"]
        },
        "delivery": {
          "type": "object",
          "properties": {
            "mode": {"type": "string", "enum": ["announce", "none", "webhook"]},
            "channel": {"type": "string", "description": "Channel id, or last."},
            "to": {"type": "string"},
            "accountId": {"type": "string"},
            "bestEffort": {"type": "boolean"}
          },
          "required": ["mode"]
        },
        "enabled": {"type": "boolean"},
        "deleteAfterRun": {"type": "boolean"}
      },
      "required": ["name", "schedule", "payload"]
    },
    "patch": {"type": "object", "description": "update: fields to change; null clears an optional field."},
    "mode": {"type": "string", "enum": ["force", "due", "if-enabled"], "description": "run: force (default) runs now."},
    "runId": {"type": "string", "description": "runs: one run only."},
    "limit": {"type": "integer", "minimum": 1, "maximum": 200}
  },
  "required": ["action"]
}`

// toolArgs are the tool's arguments.
type toolArgs struct {
	Action          string          `json:"action"`
	JobID           string          `json:"jobId"`
	ID              string          `json:"id"`
	IncludeDisabled bool            `json:"includeDisabled"`
	Job             json.RawMessage `json:"job"`
	Patch           json.RawMessage `json:"patch"`
	Mode            string          `json:"mode"`
	RunID           string          `json:"runId"`
	Limit           int             `json:"limit"`
}

// Tool is the cron core tool for the agent's tool registry.
func (s *Service) Tool() tools.CoreTool {
	return tools.CoreTool{
		Tool: tools.Tool{Name: ToolName, Description: toolDescription, Parameters: json.RawMessage(toolParameters)},
		Run: func(ctx context.Context, call tools.Call, _ func(tools.Progress)) (tools.Result, error) {
			out, err := s.InvokeTool(ctx, call.Context.AgentID, call.Context.SessionKey, []byte(call.Arguments))
			if err != nil {
				return tools.Result{Content: err.Error(), IsError: true}, nil
			}
			return tools.Result{Content: out}, nil
		},
	}
}

// ToolSpec returns the tool's name, description and parameter schema.
func ToolSpec() (name, description string, params json.RawMessage) {
	return ToolName, toolDescription, json.RawMessage(toolParameters)
}

// compactJob is a job as the tool lists it.
type compactJob struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Enabled       bool      `json:"enabled"`
	AgentID       string    `json:"agentId,omitempty"`
	Schedule      Schedule  `json:"schedule"`
	ScheduleKind  string    `json:"scheduleKind"`
	NextRunAt     *string   `json:"nextRunAt"`
	NextRunAtMs   int64     `json:"nextRunAtMs,omitempty"`
	LastRunAt     *string   `json:"lastRunAt"`
	LastRunStatus string    `json:"lastRunStatus,omitempty"`
	Delivery      *Delivery `json:"delivery,omitempty"`
}

// InvokeTool runs one call of the cron tool with JSON arguments on behalf
// of agentID in sessionKey, and returns the JSON result text.
func (s *Service) InvokeTool(ctx context.Context, agentID, sessionKey string, argsJSON []byte) (string, error) {
	var a toolArgs
	if err := json.Unmarshal(argsJSON, &a); err != nil {
		return "", fmt.Errorf("arguments are not a JSON object: %w", err)
	}
	id := a.JobID
	if id == "" {
		id = a.ID
	}
	needID := func() error {
		if id == "" {
			return fmt.Errorf("action %s needs jobId", a.Action)
		}
		return nil
	}
	var out any
	var err error
	switch a.Action {
	case "status":
		out, err = s.Status(ctx)
	case "list":
		var res ListResult
		res, err = s.List(ctx, ListQuery{IncludeDisabled: a.IncludeDisabled, Limit: a.Limit})
		jobs := make([]compactJob, 0, len(res.Jobs))
		for _, v := range res.Jobs {
			jobs = append(jobs, compact(v))
		}
		out = map[string]any{"jobs": jobs, "total": res.Total, "hasMore": res.HasMore}
	case "get":
		if err = needID(); err == nil {
			out, err = s.Get(ctx, id)
		}
	case "add":
		out, err = s.toolAdd(ctx, agentID, sessionKey, a, argsJSON)
	case "update":
		if err = needID(); err == nil {
			if len(bytes.TrimSpace(a.Patch)) == 0 {
				err = errors.New("action update needs patch")
				break
			}
			out, err = s.Update(ctx, id, a.Patch)
		}
	case "remove":
		if err = needID(); err == nil {
			out, err = s.Remove(ctx, id)
		}
	case "run":
		if err = needID(); err == nil {
			out, err = s.Run(ctx, RunParams{JobRef: JobRef{ID: id}, Mode: a.Mode})
		}
	case "runs":
		if err = needID(); err == nil {
			out, err = s.Runs(ctx, RunsQuery{JobRef: JobRef{ID: id}, RunID: a.RunID, Limit: a.Limit})
		}
	case "":
		err = errors.New("action is required (status, list, get, add, update, remove, run, runs)")
	default:
		err = fmt.Errorf("unknown action %q (status, list, get, add, update, remove, run, runs)", a.Action)
	}
	if err != nil {
		return "", err
	}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode result: %w", err)
	}
	return string(data), nil
}

// toolAdd creates a job for the calling agent. Models often put the job's
// fields beside action instead of under job; both are accepted.
func (s *Service) toolAdd(ctx context.Context, agentID, sessionKey string, a toolArgs, argsJSON []byte) (JobView, error) {
	raw := a.Job
	if len(bytes.TrimSpace(raw)) == 0 {
		var flat map[string]json.RawMessage
		_ = json.Unmarshal(argsJSON, &flat)
		for _, k := range []string{"action", "jobId", "id", "includeDisabled", "patch", "mode", "runId", "limit"} {
			delete(flat, k)
		}
		raw, _ = json.Marshal(flat)
	}
	var in AddInput
	if err := Decode(raw, &in); err != nil {
		return JobView{}, fmt.Errorf("job: %w", err)
	}
	if in.AgentID == "" {
		in.AgentID = agentID
	}
	if in.SessionKey == "" {
		in.SessionKey = sessionKey
	}
	return s.Add(ctx, in)
}

func compact(v JobView) compactJob {
	c := compactJob{ID: v.ID, Name: v.label(), Enabled: v.Enabled, AgentID: v.AgentID, Schedule: v.Schedule,
		ScheduleKind: v.Schedule.Kind, NextRunAtMs: v.State.NextRunAtMs, LastRunStatus: v.State.LastRunStatus,
		Delivery: v.Delivery}
	if ms := v.State.NextRunAtMs; ms > 0 {
		t := time.UnixMilli(ms).UTC().Format(time.RFC3339)
		c.NextRunAt = &t
	}
	if ms := v.State.LastRunAtMs; ms > 0 {
		t := time.UnixMilli(ms).UTC().Format(time.RFC3339)
		c.LastRunAt = &t
	}
	return c
}
