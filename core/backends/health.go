package backends

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/heartbeat"
	"github.com/openclaw-go/openclaw/core/pluginhost"
	"github.com/openclaw-go/openclaw/core/sessions"
)

// recentSessions is how many recently updated sessions a summary names.
const recentSessions = 5

// healthService reports on whatever parts the gateway has.
type healthService struct {
	d        *Deps
	channels *channelService
}

// Snapshot implements backend.Health.
func (h *healthService) Snapshot(ctx context.Context, probe bool) (backend.HealthSnapshot, error) {
	snap := backend.HealthSnapshot{HotReload: h.hotReload()}
	plans := h.heartbeats()
	r := h.d.runner()
	if r != nil {
		snap.DefaultAgentID = r.DefaultAgent()
		if p, ok := plans[snap.DefaultAgentID]; ok {
			snap.HeartbeatSeconds = int(p.Every / time.Second)
		}
	}
	var err error
	if snap.Sessions, err = h.sessions(ctx, ""); err != nil {
		return snap, err
	}
	if r != nil {
		cfg, _ := h.d.agentsConfig()
		for _, id := range r.Agents() {
			entry, _ := findAgent(cfg, id)
			ah := backend.AgentHealth{AgentID: id, Name: entry.Name, IsDefault: id == snap.DefaultAgentID, Heartbeat: heartbeatInfo(plans[id])}
			if ah.Name == "" && entry.Identity != nil {
				ah.Name = entry.Identity.Name
			}
			if ah.Sessions, err = h.sessions(ctx, id); err != nil {
				return snap, err
			}
			snap.Agents = append(snap.Agents, ah)
		}
	}
	if h.channels != nil {
		if snap.Channels, err = h.channels.Status(ctx, backend.ChannelQuery{Probe: probe}); err != nil {
			return snap, fmt.Errorf("health: %w", err)
		}
	}
	snap.Plugins = h.plugins()
	return snap, nil
}

// Ready implements backend.Health: ready when every supervised plugin runs
// and every enabled channel account is running and connected.
func (h *healthService) Ready(ctx context.Context) backend.Readiness {
	var failing []string
	if h.d.Plugins != nil {
		for _, st := range h.d.Plugins.Statuses() {
			if st.State != pluginhost.StateRunning {
				failing = append(failing, "plugin:"+st.ID)
			}
		}
	}
	if h.channels != nil {
		chans, err := h.channels.Status(ctx, backend.ChannelQuery{})
		if err != nil {
			failing = append(failing, "channels")
		}
		for _, ch := range chans {
			for _, a := range ch.Accounts {
				if !a.Healthy() {
					failing = append(failing, "channel:"+ch.ID+":"+a.AccountID)
				}
			}
		}
	}
	return backend.Readiness{Ready: len(failing) == 0, Failing: failing}
}

// heartbeats resolves each agent's heartbeat; a config the heartbeat
// package rejects shows as no heartbeat (the scheduler logs why).
func (h *healthService) heartbeats() map[string]heartbeat.Plan {
	var cfg heartbeat.AgentsConfig
	if err := h.d.section("agents", &cfg); err != nil {
		return nil
	}
	plans, _ := heartbeat.Plans(cfg, time.Local)
	out := make(map[string]heartbeat.Plan, len(plans))
	for _, p := range plans {
		out[sessions.NormalizeAgentID(p.AgentID)] = p
	}
	return out
}

func heartbeatInfo(p heartbeat.Plan) backend.HeartbeatInfo {
	if p.AgentID == "" {
		return backend.HeartbeatInfo{}
	}
	info := backend.HeartbeatInfo{
		Enabled: p.Every > 0, EveryMs: p.Every.Milliseconds(), Prompt: p.Prompt, Target: p.Target, AckMaxChars: p.AckMaxChars,
	}
	if p.Every > 0 {
		info.Every = every(p.Every)
	}
	return info
}

// every writes a cadence as config does: "30m", "2h", else Go's form.
func every(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

// hotReload reports whether config changes are applied while running:
// gateway.reload.mode is not "off".
func (h *healthService) hotReload() bool {
	cfg := h.d.config()
	if cfg == nil {
		return false
	}
	return cfg.Get("gateway.reload.mode").String() != "off"
}

// sessions summarises the stored sessions of one agent, or of all.
func (h *healthService) sessions(ctx context.Context, agentID string) (backend.SessionSummary, error) {
	store := h.d.Sessions
	if store == nil {
		return backend.SessionSummary{}, nil
	}
	pathAgent := agentID
	if pathAgent == "" {
		pathAgent = sessions.DefaultAgentID
		if r := h.d.runner(); r != nil {
			pathAgent = r.DefaultAgent()
		}
	}
	all, err := store.List(ctx, sessions.ListOptions{AgentID: agentID})
	if err != nil {
		return backend.SessionSummary{}, fmt.Errorf("health: sessions: %w", err)
	}
	out := backend.SessionSummary{Path: filepath.Clean(store.IndexPath(pathAgent)), Count: len(all)}
	for _, ss := range page(all, 0, recentSessions) {
		out.Recent = append(out.Recent, backend.RecentSession{Key: ss.Key, UpdatedAt: fromMillis(ss.Entry.UpdatedAt)})
	}
	return out, nil
}

// plugins lists the running plugins and the ones that failed: parked by
// the host, or unreadable at discovery.
func (h *healthService) plugins() backend.PluginHealth {
	var out backend.PluginHealth
	if h.d.Plugins != nil {
		for _, st := range h.d.Plugins.Statuses() {
			switch st.State {
			case pluginhost.StateRunning:
				out.Loaded = append(out.Loaded, st.ID)
			case pluginhost.StateFailed:
				out.Errors = append(out.Errors, backend.PluginError{ID: st.ID, Origin: string(st.Source), Error: st.LastError})
			}
		}
	}
	if cat := h.d.catalog(); cat != nil {
		for _, p := range cat.Problems() {
			out.Errors = append(out.Errors, backend.PluginError{ID: filepath.Base(p.Dir), Error: p.Err.Error()})
		}
	}
	return out
}
