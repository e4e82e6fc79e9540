// Package coretools implements the tools that need the gateway's own
// state and so run inside it rather than in a plugin: sessions_list,
// sessions_history, sessions_send, session_status (the session tools),
// message (send through any configured channel) and gateway (read the
// running config). Names, parameters and result shapes follow OpenClaw's,
// so prompts, skills and tools.allow/deny written for it keep working.
package coretools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/openclaw-go/openclaw/core/agent"
	"github.com/openclaw-go/openclaw/core/channels"
	"github.com/openclaw-go/openclaw/core/config"
	"github.com/openclaw-go/openclaw/core/sessions"
	"github.com/openclaw-go/openclaw/core/tools"
)

// SessionStore is the session store as the session tools use it;
// *sessions.Store is one.
type SessionStore interface {
	List(ctx context.Context, o sessions.ListOptions) ([]sessions.Session, error)
	Get(ctx context.Context, key string) (sessions.Session, error)
	Update(ctx context.Context, key string, fn func(*sessions.Entry) error) (sessions.Session, error)
	History(ctx context.Context, key string, o sessions.HistoryOptions) ([]sessions.Record, error)
}

// Runner runs agent turns; *agent.Runner is one.
type Runner interface {
	RunTurn(ctx context.Context, req agent.TurnRequest, sink func(agent.Event)) (*agent.TurnResult, error)
	// ActiveRun reports the run in progress in a session.
	ActiveRun(sessionKey string) (runID string, ok bool)
}

// Channels delivers messages through channel plugins; *channels.Manager
// is one.
type Channels interface {
	Deliver(ctx context.Context, d channels.Delivery) (channels.Result, error)
	Setups() map[string]channels.Setup
}

// ConfigSource returns the config the gateway runs with.
type ConfigSource interface {
	Current() *config.Config
}

// Config mirrors the keys of the tools section the core tools read.
type Config struct {
	Sessions     SessionsConfig     `json:"sessions,omitempty"`
	AgentToAgent AgentToAgentConfig `json:"agentToAgent,omitempty"`
}

// SessionsConfig is tools.sessions.
type SessionsConfig struct {
	// Visibility is self, tree, agent or all (the default).
	Visibility string `json:"visibility,omitempty"`
}

// AgentToAgentConfig is tools.agentToAgent.
type AgentToAgentConfig struct {
	// Enabled gates cross-agent access; on unless set to false.
	Enabled *bool `json:"enabled,omitempty"`
	// Allow, when it has entries, lists the agent ids (or "*" patterns)
	// that may take part in a cross-agent call, on both ends.
	Allow []string `json:"allow,omitempty"`
}

// Options are what the core tools work with. A tool whose dependency is nil
// is not offered: the session tools need Sessions (and sessions_send also
// Runner), message needs Channels, gateway needs Config.
type Options struct {
	Sessions SessionStore
	Runner   Runner
	Channels Channels
	Config   ConfigSource
	// SensitivePaths are extra config paths whose values config.get hides
	// (secrets of plugin sections, from plugin manifests).
	SensitivePaths []string
	// SetModel checks a model reference for session_status's model
	// parameter and returns the provider and model to store; nil refuses
	// model changes.
	SetModel func(agentID, ref string) (provider, model string, err error)
	// Tools is the tools.* config (visibility, agent-to-agent policy).
	Tools Config
	// Now is the clock; time.Now when nil.
	Now    func() time.Time
	Logger hclog.Logger
}

// Tools returns every core tool whose dependencies are present.
func Tools(opts Options) []tools.CoreTool {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	var out []tools.CoreTool
	if opts.Sessions != nil {
		out = append(out, sessionsList(opts), sessionsHistory(opts), sessionStatus(opts))
		if opts.Runner != nil {
			out = append(out, sessionsSend(opts))
		}
	}
	if opts.Channels != nil {
		out = append(out, message(opts))
	}
	if opts.Config != nil {
		out = append(out, gateway(opts))
	}
	return out
}

// Register adds the core tools to reg.
func Register(reg *tools.Registry, opts Options) error {
	for _, t := range Tools(opts) {
		if err := reg.Register(t); err != nil {
			return fmt.Errorf("register core tools: %w", err)
		}
	}
	return nil
}

// decode reads a call's arguments strictly: an unknown parameter is an
// error naming it, so the model learns the right spelling.
func decode(call tools.Call, v any) error {
	args := strings.TrimSpace(call.Arguments)
	if args == "" || args == "null" {
		args = "{}"
	}
	dec := json.NewDecoder(strings.NewReader(args))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid arguments for %s: %v", call.Name, err)
	}
	return nil
}

// jsonResult is a result whose content is the JSON the tool answers with,
// as OpenClaw's tools return it; Details carries the same object.
func jsonResult(v any) tools.Result {
	data, err := json.Marshal(v)
	if err != nil {
		return errorf("encode result: %v", err)
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, data, "", "  ") != nil {
		pretty.Reset()
		pretty.Write(data)
	}
	return tools.Result{Content: pretty.String(), Details: data}
}

func errorf(format string, args ...any) tools.Result {
	return tools.Result{Content: fmt.Sprintf(format, args...), IsError: true}
}

// count is an integer parameter that also accepts 10.0 and "10", since
// models send all three.
type count int

func (c *count) UnmarshalJSON(data []byte) error {
	s := strings.Trim(strings.TrimSpace(string(data)), `"`)
	if s == "" || s == "null" {
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != float64(int64(f)) {
		return fmt.Errorf("%s is not a whole number", string(data))
	}
	*c = count(f)
	return nil
}

// params builds a parameters object schema.
func params(props string, required ...string) json.RawMessage {
	req, _ := json.Marshal(required)
	if len(required) == 0 {
		req = []byte("[]")
	}
	return json.RawMessage(`{"type":"object","properties":{` + props + `},"required":` + string(req) + `,"additionalProperties":false}`)
}

func ms(t int64) any {
	if t == 0 {
		return nil
	}
	return t
}
