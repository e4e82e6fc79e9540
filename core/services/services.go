// Package services builds the gateway's message handling from its config:
// the model router, the session store, the tool registry, the agent runner,
// the routing rules and the pipeline that ties them to the channels. The
// daemon calls Build once per gateway start and Reconfigure on every live
// config change.
package services

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	hclog "github.com/hashicorp/go-hclog"

	"github.com/openclaw-go/openclaw/core/agent"
	"github.com/openclaw-go/openclaw/core/config"
	"github.com/openclaw-go/openclaw/core/cron"
	"github.com/openclaw-go/openclaw/core/daemon"
	"github.com/openclaw-go/openclaw/core/heartbeat"
	"github.com/openclaw-go/openclaw/core/inbox"
	"github.com/openclaw-go/openclaw/core/mcp"
	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/models/apis"
	"github.com/openclaw-go/openclaw/core/pipeline"
	"github.com/openclaw-go/openclaw/core/routing"
	"github.com/openclaw-go/openclaw/core/routing/pairing"
	"github.com/openclaw-go/openclaw/core/sessions"
	"github.com/openclaw-go/openclaw/core/skillsource"
	"github.com/openclaw-go/openclaw/core/tools"
)

// Services are the parts of a running gateway that answer messages.
type Services struct {
	Gateway   *daemon.Gateway
	Models    *models.Router
	Sessions  *sessions.Store
	Tools     *tools.Registry
	Agent     *agent.Runner
	Pairing   *pairing.Store
	Pipeline  *pipeline.Pipeline
	MCP       *mcp.Manager
	Cron      *cron.Service
	Heartbeat *heartbeat.Service
	Skills    *skillsource.Source

	logger       hclog.Logger
	skills       agent.SkillSource
	groupContext groupContext
	mu           sync.Mutex
}

// Build assembles the services for g and registers them for live config
// changes. It is daemon.New's handler constructor.
func Build(g *daemon.Gateway) (*Services, error) {
	s := &Services{Gateway: g, logger: g.Logger()}
	cfg := g.Config()
	state := g.Paths().StateDir
	var err error

	var sessCfg sessions.Config
	if err := cfg.Section("session", &sessCfg); err != nil {
		return nil, fmt.Errorf("config session: %w", err)
	}
	s.Sessions, err = sessions.Open(sessions.Options{StateDir: state, Config: sessCfg, Logger: s.logger.Named("sessions")})
	if err != nil {
		return nil, err
	}
	if s.Models, err = newRouter(cfg, s.logger); err != nil {
		return nil, err
	}
	s.Tools = tools.New(tools.Options{
		Plugins: g.Plugins, Logger: s.logger.Named("tools"),
		ToolConfig: func(t tools.Tool, _ tools.Invocation) string { return toolConfig(g.Config(), t) },
	})
	if s.Pairing, err = pairing.New(state, pairing.Options{}); err != nil {
		return nil, err
	}
	router, err := newRouting(cfg, s.Pairing, s.logger)
	if err != nil {
		return nil, err
	}
	opts, err := agentOptions(cfg, state)
	if err != nil {
		return nil, err
	}
	if s.Skills, err = s.buildSkills(cfg); err != nil {
		return nil, fmt.Errorf("skills: %w", err)
	}
	s.skills = s.Skills
	opts.Router, opts.Sessions, opts.Tools, opts.Skills = s.Models, s.Sessions, s.Tools, s.skills
	opts.Logger = s.logger.Named("agent")
	if s.Agent, err = agent.New(opts); err != nil {
		return nil, err
	}
	if err := s.registerCoreTools(cfg); err != nil {
		return nil, fmt.Errorf("core tools: %w", err)
	}
	if err := s.startMCP(context.Background(), cfg); err != nil {
		return nil, fmt.Errorf("mcp: %w", err)
	}
	if err := s.startCron(context.Background(), cfg); err != nil {
		return nil, fmt.Errorf("cron: %w", err)
	}
	var cc cron.Config
	_ = cfg.Section("cron", &cc)
	if cc.Active(os.Getenv) {
		if err := s.startHeartbeat(cfg); err != nil {
			return nil, fmt.Errorf("heartbeat: %w", err)
		}
	}
	s.Pipeline = pipeline.New(router, agentAdapter{s}, g.Channels, s.logger.Named("pipeline"))
	g.OnReconfigure(s.reconfigure)
	return s, nil
}

// Handle is the daemon's Handler.
func (s *Services) Handle(ctx context.Context, rec *inbox.Record) (<-chan error, error) {
	return s.Pipeline.Handle(ctx, rec)
}

// reconfigure applies a live config change: new routing rules, a new model
// router, new agent settings.
func (s *Services) reconfigure(ctx context.Context, cfg *config.Config) error {
	router, err := newRouting(cfg, s.Pairing, s.logger)
	if err != nil {
		return err
	}
	mr, err := newRouter(cfg, s.logger)
	if err != nil {
		return err
	}
	opts, err := agentOptions(cfg, s.Gateway.Paths().StateDir)
	if err != nil {
		return err
	}
	s.Pipeline.SetRouter(router)
	if s.Heartbeat != nil {
		var ac heartbeat.AgentsConfig
		if err := cfg.Section("agents", &ac); err == nil {
			if plans, err := heartbeat.Plans(ac, time.Local); err == nil {
				s.Heartbeat.Reconfigure(plans)
			}
		}
	}
	var mc mcp.Config
	if err := cfg.Section("mcp", &mc); err == nil && s.MCP != nil {
		s.MCP.Apply(mc)
	}
	opts.Router, opts.Sessions, opts.Tools, opts.Skills = mr, s.Sessions, s.Tools, s.skills
	opts.Logger = s.logger.Named("agent")
	runner, err := agent.New(opts)
	if err != nil {
		return err
	}
	s.mu.Lock()
	old := s.Agent
	s.Models, s.Agent = mr, runner
	s.mu.Unlock()
	// Turns already running finish on the old runner; new messages go to
	// the new one.
	go retire(old)
	return nil
}

// retire closes a replaced runner once its sessions are idle.
func retire(r *agent.Runner) {
	deadline := time.Now().Add(10 * time.Minute)
	for r.Lanes() > 0 && time.Now().Before(deadline) {
		time.Sleep(time.Second)
	}
	_ = r.Close()
}

// Runner is the agent runner in force; it changes on a config reload.
func (s *Services) Runner() *agent.Runner { return s.runner() }

// Router is the model router in force; it changes on a config reload.
func (s *Services) Router() *models.Router {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Models
}

// runner is the agent runner in force.
func (s *Services) runner() *agent.Runner {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Agent
}

// Close releases the session store and the agent.
func (s *Services) Close() error {
	if s.MCP != nil {
		s.MCP.Stop()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if s.Heartbeat != nil {
		_ = s.Heartbeat.Close(ctx)
	}
	if s.Cron != nil {
		_ = s.Cron.Close(ctx)
	}
	_ = s.runner().Close()
	return s.Sessions.Close()
}

func newRouter(cfg *config.Config, logger hclog.Logger) (*models.Router, error) {
	var mc models.Config
	if err := cfg.Section("models", &mc); err != nil {
		return nil, fmt.Errorf("config models: %w", err)
	}
	var defaults models.AgentModels
	if err := cfg.Section("agents.defaults", &defaults); err != nil {
		return nil, fmt.Errorf("config agents.defaults: %w", err)
	}
	var auth models.AuthConfig
	if err := cfg.Section("auth", &auth); err != nil {
		return nil, fmt.Errorf("config auth: %w", err)
	}
	return models.NewRouter(models.Options{
		Models: mc, Agents: defaults, Auth: auth, Connect: apis.Connect,
		LookupEnv: os.LookupEnv, HTTPClient: &http.Client{}, Logger: logger.Named("models"),
	})
}

func newRouting(cfg *config.Config, p *pairing.Store, logger hclog.Logger) (*routing.Router, error) {
	var rc routing.Config
	if err := json.Unmarshal(cfg.JSON(), &rc); err != nil {
		return nil, fmt.Errorf("config routing: %w", err)
	}
	return routing.New(rc, routing.Options{Pairing: p, Logger: logger.Named("routing")})
}

func agentOptions(cfg *config.Config, state string) (agent.Options, error) {
	var o agent.Options
	if err := cfg.Section("agents", &o.Agents); err != nil {
		return o, fmt.Errorf("config agents: %w", err)
	}
	if err := cfg.Section("messages", &o.Messages); err != nil {
		return o, fmt.Errorf("config messages: %w", err)
	}
	if err := cfg.Section("tools", &o.ToolPolicy); err != nil {
		return o, fmt.Errorf("config tools: %w", err)
	}
	var sess struct {
		ResetTriggers []string `json:"resetTriggers"`
	}
	_ = cfg.Section("session", &sess)
	o.ResetTriggers = sess.ResetTriggers
	o.StateDir = state
	o.HomeDir, _ = os.UserHomeDir()
	return o, nil
}

// toolConfig is the tools.* subtree a plugin tool sees: tools.<tool name>
// (e.g. tools.exec), else tools.<plugin's group>, else {}.
func toolConfig(cfg *config.Config, t tools.Tool) string {
	for _, path := range []string{"tools." + t.Name, "tools." + t.Plugin} {
		if v := cfg.Get(path); v.Exists() && v.IsObject() {
			return v.Raw
		}
	}
	return "{}"
}
