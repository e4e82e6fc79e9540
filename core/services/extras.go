package services

import (
	"context"
	"os"
	"os/exec"
	"runtime"

	"github.com/openclaw-go/openclaw/core/agent"
	"github.com/openclaw-go/openclaw/core/config"
	"github.com/openclaw-go/openclaw/core/coretools"
	"github.com/openclaw-go/openclaw/core/mcp"
	"github.com/openclaw-go/openclaw/core/skills"
	"github.com/openclaw-go/openclaw/core/skillsource"
)

// runnerProxy lets tools built once reach whichever runner is in force.
type runnerProxy struct{ s *Services }

func (p runnerProxy) RunTurn(ctx context.Context, req agent.TurnRequest, sink func(agent.Event)) (*agent.TurnResult, error) {
	return p.s.runner().RunTurn(ctx, req, sink)
}

func (p runnerProxy) ActiveRun(key string) (string, bool) { return p.s.runner().ActiveRun(key) }

func (p runnerProxy) Workspace(agentID string) (string, error) {
	return p.s.runner().Workspace(agentID)
}

// configHolder gives tools the config in force.
type configHolder struct{ s *Services }

func (c configHolder) Current() *config.Config { return c.s.Gateway.Config() }

// buildSkills makes the agent's skill source: skill folders plus the
// skills of running skill plugins.
func (s *Services) buildSkills(cfg *config.Config) (*skillsource.Source, error) {
	var sc skills.Config
	if err := cfg.Section("skills", &sc); err != nil {
		return nil, err
	}
	home, _ := os.UserHomeDir()
	return skillsource.New(skillsource.Options{
		StateDir: s.Gateway.Paths().StateDir, Home: home, Config: sc,
		Env: skills.Env{
			GOOS: runtime.GOOS, LookPath: exec.LookPath, Getenv: os.Getenv,
			ConfigTruthy: func(path string) bool { return s.Gateway.Config().Get(path).Bool() },
			PluginInstalled: func(name string) bool {
				_, ok := s.Gateway.Catalog().Get(name)
				return ok
			},
		},
		Plugins:       s.Gateway.Plugins,
		ToolAvailable: func(name string) bool { return s.toolAvailable(name) },
		Workspace:     runnerProxy{s}.Workspace,
		Logger:        s.logger,
	})
}

func (s *Services) toolAvailable(name string) bool {
	for _, t := range s.Tools.List(context.Background()) {
		if t.Name == name {
			return true
		}
	}
	return false
}

// registerCoreTools adds the tools that need the gateway's own state.
func (s *Services) registerCoreTools(cfg *config.Config) error {
	var tc coretools.Config
	if err := cfg.Section("tools", &tc); err != nil {
		return err
	}
	return coretools.Register(s.Tools, coretools.Options{
		Sessions: s.Sessions, Runner: runnerProxy{s}, Channels: s.Gateway.Channels,
		Config: configHolder{s}, Tools: tc, Logger: s.logger.Named("coretools"),
	})
}

// startMCP starts the configured MCP servers and offers their tools.
func (s *Services) startMCP(ctx context.Context, cfg *config.Config) error {
	var mc mcp.Config
	if err := cfg.Section("mcp", &mc); err != nil {
		return err
	}
	home, _ := os.UserHomeDir()
	s.MCP = mcp.New(mcp.Options{Config: mc, Logger: s.logger.Named("mcp"), Environ: os.Environ(), Home: home, Version: s.Gateway.Version()})
	s.MCP.Start(ctx)
	s.Tools.AddProvider(s.MCP)
	return nil
}
