package wsproto

import (
	"context"
	"sync"
	"time"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
)

// healthCache reuses a health snapshot for a while: every connect carries
// one in hello-ok, and rebuilding it per connection would make reconnect
// storms expensive. Explicit probes always run fresh.
type healthCache struct {
	svc backend.Health
	ttl time.Duration

	mu  sync.Mutex
	at  time.Time
	val map[string]any
	ver int64
}

func (h *healthCache) version() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ver
}

// get returns a snapshot no older than the TTL, or a fresh probe.
func (h *healthCache) get(ctx context.Context, probe bool) (map[string]any, error) {
	if h.svc == nil {
		return map[string]any{"ok": true, "ts": time.Now().UnixMilli(), "durationMs": 0}, nil
	}
	h.mu.Lock()
	if !probe && h.val != nil && time.Since(h.at) < h.ttl {
		v := h.val
		h.mu.Unlock()
		return v, nil
	}
	h.mu.Unlock()
	start := time.Now()
	snap, err := h.svc.Snapshot(ctx, probe)
	if err != nil {
		return nil, err
	}
	val := HealthPayload(snap, start, time.Since(start))
	h.mu.Lock()
	h.val, h.at = val, time.Now()
	h.ver++
	h.mu.Unlock()
	return val, nil
}

// forHello returns a snapshot for hello-ok without letting a slow health
// source stall the handshake.
func (h *healthCache) forHello(ctx context.Context) map[string]any {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	v, err := h.get(ctx, false)
	if err != nil {
		return map[string]any{"ok": true, "ts": time.Now().UnixMilli(), "durationMs": 0}
	}
	return v
}

// HealthPayload shapes a snapshot like OpenClaw's health result (the
// hello-ok snapshot.health schema).
func HealthPayload(snap backend.HealthSnapshot, at time.Time, took time.Duration) map[string]any {
	loaded := snap.Plugins.Loaded
	if loaded == nil {
		loaded = []string{}
	}
	perrs := make([]map[string]any, 0, len(snap.Plugins.Errors))
	for _, e := range snap.Plugins.Errors {
		origin := e.Origin
		if origin == "" {
			origin = "installed"
		}
		perrs = append(perrs, map[string]any{"id": e.ID, "origin": origin, "activated": false, "error": e.Error})
	}
	reload := "disabled"
	if snap.HotReload {
		reload = "active"
	}
	out := map[string]any{
		"ok":               true,
		"ts":               at.UnixMilli(),
		"durationMs":       took.Milliseconds(),
		"plugins":          map[string]any{"loaded": loaded, "errors": perrs},
		"configReload":     map[string]any{"hotReloadStatus": reload},
		"heartbeatSeconds": snap.HeartbeatSeconds,
		"sessions":         sessionSummary(snap.Sessions, at),
	}
	cs := channelsStatus(snap.Channels, at)
	out["channels"], out["channelOrder"], out["channelLabels"] = cs["channels"], cs["channelOrder"], cs["channelLabels"]
	if snap.DefaultAgentID != "" {
		out["defaultAgentId"] = snap.DefaultAgentID
	}
	if len(snap.Agents) > 0 {
		agents := make([]map[string]any, 0, len(snap.Agents))
		for _, a := range snap.Agents {
			hb := a.Heartbeat
			var everyMs any
			if hb.EveryMs > 0 {
				everyMs = hb.EveryMs
			}
			entry := map[string]any{
				"agentId": a.AgentID, "isDefault": a.IsDefault,
				"heartbeat": map[string]any{"enabled": hb.Enabled, "every": hb.Every, "everyMs": everyMs, "prompt": hb.Prompt, "target": hb.Target, "ackMaxChars": hb.AckMaxChars},
				"sessions":  sessionSummary(a.Sessions, at),
			}
			if a.Name != "" {
				entry["name"] = a.Name
			}
			agents = append(agents, entry)
		}
		out["agents"] = agents
	}
	return out
}

func sessionSummary(s backend.SessionSummary, now time.Time) map[string]any {
	recent := make([]map[string]any, 0, len(s.Recent))
	for _, r := range s.Recent {
		var updated, age any
		if !r.UpdatedAt.IsZero() {
			updated, age = r.UpdatedAt.UnixMilli(), max(0, now.Sub(r.UpdatedAt).Milliseconds())
		}
		recent = append(recent, map[string]any{"key": r.Key, "updatedAt": updated, "age": age})
	}
	return map[string]any{"path": s.Path, "count": s.Count, "recent": recent}
}

// channelsStatus shapes channel state like OpenClaw's ChannelsStatusResult.
func channelsStatus(chans []backend.ChannelStatus, now time.Time) map[string]any {
	order := make([]string, 0, len(chans))
	labels := map[string]string{}
	summary := map[string]any{}
	accounts := map[string]any{}
	defaults := map[string]string{}
	meta := make([]map[string]any, 0, len(chans))
	for _, ch := range chans {
		order = append(order, ch.ID)
		label := ch.Label
		if label == "" {
			label = ch.ID
		}
		labels[ch.ID] = label
		meta = append(meta, map[string]any{"id": ch.ID, "label": label, "detailLabel": label})
		if ch.DefaultAccountID != "" {
			defaults[ch.ID] = ch.DefaultAccountID
		}
		var configured, running, connected bool
		lastError := ""
		list := make([]map[string]any, 0, len(ch.Accounts))
		for _, a := range ch.Accounts {
			configured = configured || a.Configured
			running = running || a.Running
			connected = connected || a.Connected
			if lastError == "" {
				lastError = a.LastError
			}
			list = append(list, accountStatus(a))
		}
		s := map[string]any{"configured": configured, "running": running, "connected": connected}
		if lastError != "" {
			s["lastError"] = lastError
		}
		summary[ch.ID] = s
		accounts[ch.ID] = list
	}
	return map[string]any{
		"ts": now.UnixMilli(), "channelOrder": order, "channelLabels": labels, "channelMeta": meta,
		"channels": summary, "channelAccounts": accounts, "channelDefaultAccountId": defaults,
	}
}

func accountStatus(a backend.AccountStatus) map[string]any {
	m := map[string]any{
		"accountId": a.AccountID, "enabled": a.Enabled, "configured": a.Configured,
		"running": a.Running, "connected": a.Connected, "healthy": a.Healthy(),
	}
	if a.Name != "" {
		m["name"] = a.Name
	}
	if a.Lifecycle != "" {
		m["lifecycle"] = a.Lifecycle
	}
	if a.LastError != "" {
		m["lastError"] = a.LastError
	}
	if !a.LastInboundAt.IsZero() {
		m["lastInboundAt"] = a.LastInboundAt.UnixMilli()
	}
	if !a.LastOutboundAt.IsZero() {
		m["lastOutboundAt"] = a.LastOutboundAt.UnixMilli()
	}
	if a.Probe != nil {
		m["probe"] = a.Probe
	}
	return m
}
