package backends

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/pluginhost"
)

// pluginService lists the discovered plugins with what the host knows of
// their processes.
type pluginService struct{ d *Deps }

// List implements backend.Plugins. Plugins that could not be read are
// listed too, in state "error", named by their folder.
func (p *pluginService) List(context.Context) ([]backend.PluginInfo, error) {
	cat := p.d.catalog()
	if cat == nil {
		return nil, fmt.Errorf("list plugins: no plugin catalog yet: %w", backend.ErrUnavailable)
	}
	var out []backend.PluginInfo
	for _, e := range cat.Entries() {
		info := backend.PluginInfo{
			ID: e.ID, Name: e.ID, PackageName: e.Package, Version: e.Version, Origin: string(e.Source),
			Installed: true, Enabled: e.Enabled, State: "enabled",
		}
		if m := e.Manifest; m != nil {
			if m.Name != "" {
				info.Name = m.Name
			}
			info.Description, info.Kind = m.Description, m.Kinds
		}
		st, supervised := p.status(e.ID)
		if supervised {
			info.Runtime, info.Pid, info.Restarts = string(st.State), st.Pid, st.Restarts
		}
		switch {
		case !e.Enabled:
			info.State = "disabled"
		case supervised && st.State == pluginhost.StateFailed:
			info.State, info.Error = "error", st.LastError
		case supervised && st.State == pluginhost.StateRestarting:
			// Still enabled and coming back; say why it went down.
			info.Error = st.LastError
		}
		out = append(out, info)
	}
	for _, pr := range cat.Problems() {
		id := filepath.Base(pr.Dir)
		out = append(out, backend.PluginInfo{ID: id, Name: id, Installed: true, State: "error", Error: pr.Err.Error()})
	}
	return out, nil
}

func (p *pluginService) status(id string) (pluginhost.Status, bool) {
	if p.d.Plugins == nil {
		return pluginhost.Status{}, false
	}
	return p.d.Plugins.Status(id)
}
