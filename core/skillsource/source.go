// Package skillsource decides which skills an agent has in a turn. It
// merges the skill folders OpenClaw loads from (workspace, project,
// personal, managed <state>/skills, bundled, skills.load.extraDirs) with the
// skills running skill plugins provide, which it writes to
// <state>/plugin-skills/<plugin>/<skill>/ so the model can read their files.
// It applies the skills.* config, eligibility (binaries, env, config, OS,
// the tools a plugin skill needs), the agent's skills allowlist and a
// channel's or group's skills filter, and resolves $skill-name references
// in a user's message.
//
// Plugin skills exist only while their plugin runs, so only the running
// gateway reports them (Status, behind skills.status); `openclaw skills
// check` reads the skill folders on disk and does not list them.
package skillsource

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/openclaw-go/openclaw/core/agent"
	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/pluginhost"
	"github.com/openclaw-go/openclaw/core/skills"
)

// SourcePlugin labels skills a running plugin provides.
const SourcePlugin = "plugin"

// PluginSource lists the plugins running now; *pluginhost.Host is one.
type PluginSource interface {
	Running() []*pluginhost.Running
}

// Options configure a Source.
type Options struct {
	// StateDir is the state directory: managed skills live in
	// <StateDir>/skills, plugin skills are written below
	// <StateDir>/plugin-skills. Required.
	StateDir string
	// BundledDir holds the skills shipped with the gateway; PersonalDir is
	// ~/.agents/skills (leave it empty unless the state directory is the
	// default one, as OpenClaw does).
	BundledDir  string
	PersonalDir string
	// Home expands "~" in skills.load paths.
	Home string
	// Config is the skills.* section.
	Config skills.Config
	// Env is what eligibility checks look at; its Config field is set from
	// Config.
	Env skills.Env
	// Plugins supplies skill plugins; nil means file skills only.
	Plugins PluginSource
	// ToolAvailable reports whether a tool a plugin skill needs can be
	// called; nil skips that check.
	ToolAvailable func(name string) bool
	// AgentSkills returns an agent's skills allowlist (agents.*.skills):
	// nil for no restriction, an empty list for no skills.
	AgentSkills func(agentID string) []string
	// Workspace returns an agent's workspace, for Status.
	Workspace func(agentID string) (string, error)
	Logger    hclog.Logger
	// ListTimeout bounds asking one plugin for its skills; 10 s when zero.
	ListTimeout time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Source is the skills of every location and running plugin. It is safe
// for concurrent use.
type Source struct {
	opts Options
	log  hclog.Logger
	root string // <state>/plugin-skills

	loadMu  sync.Mutex
	mu      sync.Mutex
	plugins map[string]*pluginSkills
}

// New returns a Source. Plugin skill folders left by an earlier gateway run
// are removed: plugins write theirs again when they start.
func New(opts Options) (*Source, error) {
	if strings.TrimSpace(opts.StateDir) == "" {
		return nil, fmt.Errorf("skill source: the state directory is empty")
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.ListTimeout <= 0 {
		opts.ListTimeout = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.Env.Config = opts.Config
	s := &Source{
		opts: opts, log: opts.Logger.Named("skills"),
		root: filepath.Join(opts.StateDir, PluginSkillsDir), plugins: map[string]*pluginSkills{},
	}
	if err := resetDir(s.root); err != nil {
		return nil, fmt.Errorf("skill source: %w", err)
	}
	return s, nil
}

// Request says whose skills a turn gets.
type Request struct {
	AgentID   string
	Workspace string
	// ChannelSkills is the channel's or group's skills filter
	// (routing.Decision.Skills): nil for none, an empty list for no skills.
	ChannelSkills []string
}

// Entry is one skill and its verdict for a request.
type Entry struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Key is the skills.entries key.
	Key string `json:"key"`
	// Source is workspace, project-agents, personal-agents, managed,
	// bundled, extra or plugin.
	Source string `json:"source"`
	// Plugin is the id of the plugin providing the skill.
	Plugin string `json:"plugin,omitempty"`
	Dir    string `json:"dir"`
	// Location is the SKILL.md the model reads.
	Location string `json:"location"`
	// Eligible: the skill's requirements are met here.
	Eligible bool `json:"eligible"`
	// Allowed: the agent's allowlist and the channel filter let it in.
	Allowed bool `json:"allowed"`
	// Disabled: skills.entries.<key>.enabled is false.
	Disabled bool `json:"disabled,omitempty"`
	// ModelInvocable is false for disable-model-invocation skills, which
	// stay out of the prompt but can still be referenced by name.
	ModelInvocable bool `json:"modelInvocable"`
	UserInvocable  bool `json:"userInvocable"`
	// Reasons explain why the skill is not eligible or not allowed.
	Reasons []string `json:"reasons,omitempty"`
	// Missing lists what unmet requirements name (binaries, variables…).
	Missing []string `json:"missing,omitempty"`
	// RequiredTools are the tools a plugin skill says it needs.
	RequiredTools []string `json:"requiredTools,omitempty"`

	skill *skills.Skill
}

// Usable reports whether the skill can be used in the turn.
func (e Entry) Usable() bool { return e.Eligible && e.Allowed }

// Snapshot is every skill with its verdict for one request.
type Snapshot struct {
	Entries  []Entry
	Shadowed []Entry
	Problems []skills.Problem
	getenv   func(string) string
	entries  map[string]skills.EntryConfig
}

// Resolve discovers skills and judges each for req.
func (s *Source) Resolve(ctx context.Context, req Request) (*Snapshot, error) {
	pluginRoots := s.pluginRoots(ctx)
	loc := skills.Locations{
		Workspace:   req.Workspace,
		StateDir:    s.opts.StateDir,
		PersonalDir: s.opts.PersonalDir,
		BundledDir:  s.opts.BundledDir,
	}
	roots := loc.Roots()
	// Plugin skills rank with the extra folders, above skills.load.extraDirs.
	for _, pr := range pluginRoots {
		roots = append(roots, skills.Root{Dir: pr.dir, Source: skills.SourceExtra})
	}
	for _, d := range s.opts.Config.Load.ExtraDirs {
		roots = append(roots, skills.Root{Dir: expandHome(d, s.opts.Home), Source: skills.SourceExtra})
	}
	targets := make([]string, len(s.opts.Config.Load.AllowSymlinkTargets))
	for i, d := range s.opts.Config.Load.AllowSymlinkTargets {
		targets[i] = expandHome(d, s.opts.Home)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	set := skills.Discover(roots, skills.DiscoverOptions{AllowSymlinkTargets: targets, Limits: s.opts.Config.Limits})

	var agentAllow []string
	if s.opts.AgentSkills != nil {
		agentAllow = s.opts.AgentSkills(req.AgentID)
	}
	snap := &Snapshot{Problems: set.Problems, getenv: s.opts.Env.Getenv, entries: s.opts.Config.Entries}
	for _, sk := range set.Skills {
		snap.Entries = append(snap.Entries, s.judge(sk, pluginRoots, agentAllow, req.ChannelSkills))
	}
	for _, sk := range set.Shadowed {
		snap.Shadowed = append(snap.Shadowed, s.judge(sk, pluginRoots, agentAllow, req.ChannelSkills))
	}
	return snap, nil
}

func (s *Source) judge(sk *skills.Skill, pluginRoots []pluginRoot, agentAllow, channelAllow []string) Entry {
	e := Entry{
		Name: sk.Name, Description: sk.Frontmatter.Description, Key: sk.Key, Source: string(sk.Source),
		Dir: sk.Dir, Location: filepath.Join(sk.Dir, skills.FileName),
		ModelInvocable: !sk.Frontmatter.DisableModelInvocation, UserInvocable: sk.Frontmatter.UserInvocable,
		skill: sk,
	}
	for _, pr := range pluginRoots {
		if within(sk.Dir, pr.dir) {
			e.Source, e.Plugin, e.RequiredTools = SourcePlugin, pr.plugin, pr.requiredTools[sk.Name]
		}
	}
	el := skills.Check(sk, s.opts.Env)
	e.Eligible = el.Eligible
	for _, r := range el.Reasons {
		e.Reasons = append(e.Reasons, r.Message)
		e.Missing = append(e.Missing, r.Missing...)
		if r.Kind == skills.ReasonDisabled {
			e.Disabled = true
		}
	}
	if s.opts.ToolAvailable != nil && len(e.RequiredTools) > 0 {
		var missing []string
		for _, t := range e.RequiredTools {
			if !s.opts.ToolAvailable(t) {
				missing = append(missing, t)
			}
		}
		if len(missing) > 0 {
			e.Eligible = false
			e.Reasons = append(e.Reasons, fmt.Sprintf("needs tools that are not available: %s", strings.Join(missing, ", ")))
			e.Missing = append(e.Missing, missing...)
		}
	}
	e.Allowed = true
	if !listed(agentAllow, sk.Name) {
		e.Allowed = false
		e.Reasons = append(e.Reasons, "not in this agent's skills list (agents.*.skills)")
	}
	if !listed(channelAllow, sk.Name) {
		e.Allowed = false
		e.Reasons = append(e.Reasons, "not in this channel's or group's skills list")
	}
	return e
}

// listed reports whether a nil-means-all allowlist contains name.
func listed(allow []string, name string) bool {
	if allow == nil {
		return true
	}
	for _, a := range allow {
		if strings.EqualFold(strings.TrimSpace(a), name) {
			return true
		}
	}
	return false
}

// Prompt lists the skills the system prompt offers: usable and not hidden
// from the model, sorted by name.
func (sn *Snapshot) Prompt() []agent.Skill {
	var out []agent.Skill
	for _, e := range sn.Entries {
		if e.Usable() && e.ModelInvocable {
			out = append(out, agent.Skill{Name: e.Name, Description: e.Description, Location: e.Location})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup finds an entry by skill name.
func (sn *Snapshot) Lookup(name string) (Entry, bool) {
	for _, e := range sn.Entries {
		if e.Name == name {
			return e, true
		}
	}
	return Entry{}, false
}

// EligibleSkills lists the eligible, model-visible skills of an agent's
// workspace and the running plugins. It implements agent.SkillSource; the
// agent applies its own allowlist and a group's filter on top.
func (s *Source) EligibleSkills(ctx context.Context, agentID, workspace string) ([]agent.Skill, error) {
	snap, err := s.Resolve(ctx, Request{AgentID: agentID, Workspace: workspace})
	if err != nil {
		return nil, err
	}
	var out []agent.Skill
	for _, e := range snap.Entries {
		if e.Eligible && e.ModelInvocable {
			out = append(out, agent.Skill{Name: e.Name, Description: e.Description, Location: e.Location})
		}
	}
	return out, nil
}

// Status reports an agent's skills for skills.status; plugin skills appear
// while their plugin runs. It implements backend.Skills.
func (s *Source) Status(ctx context.Context, q backend.SkillQuery) (backend.SkillsReport, error) {
	rep := backend.SkillsReport{AgentID: q.AgentID, Skills: []backend.SkillInfo{}}
	if s.opts.Workspace != nil {
		ws, err := s.opts.Workspace(q.AgentID)
		if err != nil {
			return rep, fmt.Errorf("skills status: %w", err)
		}
		rep.WorkspaceDir = ws
	}
	snap, err := s.Resolve(ctx, Request{AgentID: q.AgentID, Workspace: rep.WorkspaceDir})
	if err != nil {
		return rep, fmt.Errorf("skills status: %w", err)
	}
	for _, e := range snap.Entries {
		info := backend.SkillInfo{Name: e.Name, Description: e.Description, Source: e.Source, Eligible: e.Usable(), Disabled: e.Disabled}
		if !e.Usable() {
			info.Missing = append(info.Missing, e.Reasons...)
		}
		rep.Skills = append(rep.Skills, info)
	}
	return rep, nil
}

func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

func expandHome(path, home string) string {
	if home == "" {
		return path
	}
	if path == "~" {
		return home
	}
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		return filepath.Join(home, rest)
	}
	return path
}
