package tools

import "context"

// Provider serves in-process tools whose set changes while the gateway
// runs, such as the tools of MCP servers. Unlike tools added with
// Register, a provider's tools keep their Plugin id, so policy entries can
// name the provider ("bundle-mcp") and group:plugins covers them.
type Provider interface {
	// ProvidedTools lists the tools available now. It is called on every
	// List and on calls to unknown names, so it should answer from memory.
	ProvidedTools(ctx context.Context) []CoreTool
}

// AddProvider adds p. When names clash, core tools win over provided tools,
// and provided tools over plugin tools.
func (r *Registry) AddProvider(p Provider) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.providers = append(r.providers, p)
}

// provided lists every provider's valid tools, first provider first.
func (r *Registry) provided(ctx context.Context) []CoreTool {
	r.mu.Lock()
	providers := append([]Provider(nil), r.providers...)
	r.mu.Unlock()
	var out []CoreTool
	for _, p := range providers {
		for _, t := range p.ProvidedTools(ctx) {
			if ValidName(t.Name) && t.Run != nil {
				out = append(out, t)
			}
		}
	}
	return out
}

// providedTool finds name among the provided tools that no core tool
// shadows.
func (r *Registry) providedTool(ctx context.Context, name string) (CoreTool, bool) {
	for _, t := range r.provided(ctx) {
		if t.Name == name {
			return t, true
		}
	}
	return CoreTool{}, false
}
