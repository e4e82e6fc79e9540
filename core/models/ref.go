package models

import (
	"fmt"
	"sort"
	"strings"
)

// Ref names a model: "provider/model", optionally pinned to an auth profile
// with "@profile".
type Ref struct {
	Provider string
	Model    string
	// Profile pins the auth profile to try first; empty means any.
	Profile string
}

// String returns "provider/model".
func (r Ref) String() string { return r.Provider + "/" + r.Model }

// ParseRef splits "provider/model" at the first slash, so model ids that
// contain slashes (OpenRouter's "openrouter/meta-llama/llama-3.3-70b") keep
// them. Provider ids are case-insensitive; model ids are kept as written.
func ParseRef(s string) (Ref, error) {
	s = strings.TrimSpace(s)
	provider, model, ok := strings.Cut(s, "/")
	if !ok || strings.TrimSpace(provider) == "" || strings.TrimSpace(model) == "" {
		return Ref{}, fmt.Errorf("model ref %q: want \"provider/model\"", s)
	}
	return Ref{Provider: normalizeProvider(provider), Model: strings.TrimSpace(model)}, nil
}

// resolve turns what a user or config wrote (a ref, an alias, "provider/alias",
// a bare model id, any of them with "@profile") into a Ref. agent may be nil.
func (r *Router) resolve(s string, agent *AgentModels) (Ref, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Ref{}, fmt.Errorf("empty model ref")
	}
	name, profile := r.splitProfile(s)
	ref, err := r.resolveName(name, agent)
	if err != nil {
		return Ref{}, err
	}
	ref.Profile = profile
	return ref, nil
}

// splitProfile separates an "@profile" suffix, but only when it names a
// configured auth profile: model ids may contain "@" themselves.
func (r *Router) splitProfile(s string) (name, profile string) {
	i := strings.LastIndexByte(s, '@')
	if i <= 0 {
		return s, ""
	}
	p := s[i+1:]
	if _, ok := r.auth.Profiles[p]; ok {
		return s[:i], p
	}
	provider, _, _ := strings.Cut(s[:i], "/")
	if full := normalizeProvider(provider) + ":" + p; r.auth.Profiles[full].Provider != "" {
		return s[:i], full
	}
	return s, ""
}

func (r *Router) resolveName(s string, agent *AgentModels) (Ref, error) {
	if provider, model, ok := strings.Cut(s, "/"); ok {
		ref, err := ParseRef(s)
		if err != nil {
			return Ref{}, err
		}
		// "provider/alias": an exact model id of that provider keeps its
		// identity; otherwise an alias pointing into the provider wins.
		if r.configuredModel(ref.Provider, ref.Model) == nil {
			if target, ok := r.alias(model, agent); ok && target.Provider == normalizeProvider(provider) {
				return target, nil
			}
		}
		return ref, nil
	}
	if ref, ok := r.alias(s, agent); ok {
		return ref, nil
	}
	if ref, ok := r.uniqueModel(s); ok {
		return ref, nil
	}
	// The deprecated last resort: the default primary's provider.
	if r.defaults.Model != nil {
		if p, err := ParseRef(r.defaults.Model.Primary); err == nil {
			return Ref{Provider: p.Provider, Model: s}, nil
		}
	}
	return Ref{}, fmt.Errorf("model %q is not a \"provider/model\" ref, a configured alias, or a model id of a configured provider", s)
}

// alias looks a name up, case-insensitively, in the agent's models, then the
// defaults', then the built-in shorthands.
func (r *Router) alias(name string, agent *AgentModels) (Ref, bool) {
	for _, am := range []*AgentModels{agent, &r.defaults} {
		if am == nil {
			continue
		}
		// Sorted so that two entries claiming one alias resolve the same way
		// every time.
		keys := make([]string, 0, len(am.Models))
		for k := range am.Models {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if a := am.Models[k].Alias; a != "" && strings.EqualFold(a, name) {
				if ref, err := ParseRef(k); err == nil {
					return ref, true
				}
			}
		}
	}
	if target, ok := builtinAlias(strings.ToLower(name)); ok {
		ref, _ := ParseRef(target)
		if listed(r.defaults.Models, ref) || agent != nil && listed(agent.Models, ref) {
			return ref, true
		}
	}
	return Ref{}, false
}

// uniqueModel finds the one configured provider that lists model id s,
// preferring an exact-case match to a case-insensitive one.
func (r *Router) uniqueModel(s string) (Ref, bool) {
	for _, fold := range []bool{false, true} {
		var found []Ref
		for _, p := range r.providerIDs() {
			for _, m := range r.cfg.Providers[p].Models {
				if m.ID == s || fold && strings.EqualFold(m.ID, s) {
					found = append(found, Ref{Provider: p, Model: m.ID})
				}
			}
		}
		if len(found) == 1 {
			return found[0], true
		}
		if len(found) > 1 {
			return Ref{}, false
		}
	}
	return Ref{}, false
}

func listed(m map[string]ModelEntry, ref Ref) bool {
	if _, ok := m[ref.String()]; ok {
		return true
	}
	for k := range m {
		if r, err := ParseRef(k); err == nil && r == ref {
			return true
		}
	}
	return false
}
