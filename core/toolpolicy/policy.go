// Package toolpolicy decides which tools an agent may call, the way
// OpenClaw's tool policy does: a base profile (tools.profile), allow and deny
// lists that accept tool names, plugin ids, "group:" names and "*"
// wildcards, per-provider restrictions (tools.byProvider) and per-agent
// overrides (agents.list[].tools). Every layer must let a tool through, so a
// deny anywhere wins.
package toolpolicy

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Rules is one scope's selection: the top of `tools`, one
// tools.byProvider entry, or an agent's tools block.
type Rules struct {
	// Profile is minimal, coding, messaging or full; empty means no base
	// filter.
	Profile string `json:"profile,omitempty"`
	// Allow, when not empty, is the only set of tools the scope lets
	// through.
	Allow []string `json:"allow,omitempty"`
	// AlsoAllow adds to the profile's selection.
	AlsoAllow []string `json:"alsoAllow,omitempty"`
	// Deny removes tools; it wins over every allow.
	Deny []string `json:"deny,omitempty"`
}

// Config mirrors the policy keys of the `tools` subtree, and of
// agents.list[].tools.
type Config struct {
	Rules
	// ByProvider restricts tools further for a provider ("anthropic") or
	// one model ("openai/gpt-5.4"); keys are case-insensitive and a model
	// key wins over its provider's.
	ByProvider map[string]Rules `json:"byProvider,omitempty"`
}

// Validate reports every problem, each naming its key under path
// ("tools", "agents.list[2].tools").
func (c Config) Validate(path string) error {
	errs := c.Rules.validate(path)
	keys := make([]string, 0, len(c.ByProvider))
	for k := range c.ByProvider {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		sub := fmt.Sprintf("%s.byProvider[%q]", path, k)
		if strings.TrimSpace(k) == "" {
			errs = append(errs, fmt.Errorf("%s: empty provider key", sub))
		}
		errs = append(errs, c.ByProvider[k].validate(sub)...)
	}
	return errors.Join(errs...)
}

func (r Rules) validate(path string) []error {
	var errs []error
	if _, ok := ProfileEntries(r.Profile); !ok {
		errs = append(errs, fmt.Errorf("%s.profile: %q is not one of minimal, coding, messaging, full", path, r.Profile))
	}
	if len(r.Allow) > 0 && len(r.AlsoAllow) > 0 {
		errs = append(errs, fmt.Errorf("%s: allow and alsoAllow cannot both be set; merge alsoAllow into allow, or use profile with alsoAllow", path))
	}
	for key, list := range map[string][]string{"allow": r.Allow, "alsoAllow": r.AlsoAllow, "deny": r.Deny} {
		for i, e := range list {
			e = strings.ToLower(strings.TrimSpace(e))
			switch {
			case e == "":
				errs = append(errs, fmt.Errorf("%s.%s[%d]: empty entry", path, key, i))
			case strings.HasPrefix(e, "group:") && !strings.Contains(e, "*"):
				if _, ok := GroupMembers(e); !ok {
					errs = append(errs, fmt.Errorf("%s.%s[%d]: unknown tool group %q", path, key, i, e))
				}
			}
		}
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return errs
}

// Tool is what the policy looks at.
type Tool struct {
	Name string
	// Plugin is the id of the plugin serving the tool; empty for core
	// tools. Policy entries may name it to cover all its tools.
	Plugin string
	// Groups are extra "group:" names the tool declares itself a member of.
	Groups []string
}

// Policy is the effective policy for one agent calling one model. The zero
// value and nil allow everything.
type Policy struct {
	layers []layer
}

type layer struct {
	// source names the config key, for explanations.
	source   string
	hasAllow bool
	allow    []matcher
	deny     []matcher
}

// Resolve builds the policy for an agent (nil for none) calling model of
// provider. Layers apply in OpenClaw's order: base profile, provider
// profile, tools allow/deny, tools.byProvider allow/deny, the agent's
// allow/deny, the agent's byProvider allow/deny.
func Resolve(global Config, agent *Config, provider, model string) *Policy {
	var a Config
	if agent != nil {
		a = *agent
	}
	gp, gpKey := global.forProvider(provider, model)
	ap, apKey := a.forProvider(provider, model)

	p := &Policy{}
	profile, profileSrc := global.Profile, "tools.profile"
	if a.Profile != "" {
		profile, profileSrc = a.Profile, "agent tools.profile"
	}
	also := global.AlsoAllow
	if len(a.AlsoAllow) > 0 {
		also = a.AlsoAllow
	}
	p.addProfile(profileSrc, profile, also)

	pprofile, pprofileSrc := gp.Profile, "tools.byProvider["+gpKey+"].profile"
	if ap.Profile != "" {
		pprofile, pprofileSrc = ap.Profile, "agent tools.byProvider["+apKey+"].profile"
	}
	palso := gp.AlsoAllow
	if len(ap.AlsoAllow) > 0 {
		palso = ap.AlsoAllow
	}
	p.addProfile(pprofileSrc, pprofile, palso)

	p.addRules("tools", global.Rules)
	p.addRules("tools.byProvider["+gpKey+"]", gp)
	p.addRules("agent tools", a.Rules)
	p.addRules("agent tools.byProvider["+apKey+"]", ap)
	return p
}

// forProvider picks the byProvider entry for a model: "provider/model"
// first, then "provider".
func (c Config) forProvider(provider, model string) (Rules, string) {
	if len(c.ByProvider) == 0 || provider == "" {
		return Rules{}, ""
	}
	provider = strings.ToLower(provider)
	full := provider + "/" + strings.ToLower(model)
	var byProvider Rules
	var found string
	for k, r := range c.ByProvider {
		switch strings.ToLower(strings.TrimSpace(k)) {
		case full:
			return r, k
		case provider:
			byProvider, found = r, k
		}
	}
	return byProvider, found
}

func (p *Policy) addProfile(source, profile string, also []string) {
	entries, ok := ProfileEntries(profile)
	if !ok {
		// Validation reports unknown profiles; at run time one selects
		// nothing, which fails safe.
		entries = []string{}
	} else if entries == nil {
		return
	}
	l := layer{source: fmt.Sprintf("%s %q", source, profile), hasAllow: true}
	l.allow = compile(append(entries, also...))
	p.layers = append(p.layers, l)
}

func (p *Policy) addRules(source string, r Rules) {
	allow := compile(r.Allow)
	deny := compile(r.Deny)
	if len(allow) == 0 && len(deny) == 0 {
		return
	}
	p.layers = append(p.layers, layer{source: source, hasAllow: len(allow) > 0, allow: allow, deny: deny})
}

// Allows reports whether the policy lets t be offered and called.
func (p *Policy) Allows(t Tool) bool {
	ok, _ := p.Decide(t)
	return ok
}

// Decide is Allows with the reason for a refusal: the config key that
// blocked the tool.
func (p *Policy) Decide(t Tool) (allowed bool, blockedBy string) {
	if p == nil {
		return true, ""
	}
	n := normalize(t)
	for _, l := range p.layers {
		if !l.allows(n) {
			return false, l.source
		}
	}
	return true, ""
}

func (l layer) allows(t Tool) bool {
	for _, m := range l.deny {
		if m.match(t) {
			return false
		}
	}
	if !l.hasAllow {
		return true
	}
	for _, m := range l.allow {
		if m.match(t) {
			return true
		}
	}
	// Allowing write also allows apply_patch, its multi-file form; denying
	// write does not deny it.
	if t.Name == "apply_patch" {
		w := t
		w.Name = "write"
		for _, m := range l.allow {
			if m.match(w) {
				return true
			}
		}
	}
	return false
}

func normalize(t Tool) Tool {
	out := Tool{Name: canonical(t.Name), Plugin: strings.ToLower(strings.TrimSpace(t.Plugin))}
	for _, g := range t.Groups {
		out.Groups = append(out.Groups, strings.ToLower(strings.TrimSpace(g)))
	}
	return out
}

func canonical(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	if c, ok := aliases[name]; ok {
		return c
	}
	return name
}

type matchKind uint8

const (
	matchExact matchKind = iota
	matchGlob
	matchGroup
	matchOpenClaw
	matchPlugins
)

type matcher struct {
	kind    matchKind
	pattern string
	members map[string]bool
}

func compile(entries []string) []matcher {
	var out []matcher
	for _, e := range entries {
		e = strings.ToLower(strings.TrimSpace(e))
		switch {
		case e == "":
		case strings.Contains(e, "*"):
			out = append(out, matcher{kind: matchGlob, pattern: e})
		case e == GroupOpenClaw:
			out = append(out, matcher{kind: matchOpenClaw, pattern: e})
		case e == GroupPlugins:
			out = append(out, matcher{kind: matchPlugins, pattern: e})
		case strings.HasPrefix(e, "group:"):
			m := matcher{kind: matchGroup, pattern: e, members: map[string]bool{}}
			for _, name := range groups[e] {
				m.members[name] = true
			}
			out = append(out, m)
		default:
			out = append(out, matcher{kind: matchExact, pattern: canonical(e)})
		}
	}
	return out
}

// match expects a normalized tool.
func (m matcher) match(t Tool) bool {
	switch m.kind {
	case matchExact:
		return t.Name == m.pattern || (t.Plugin != "" && t.Plugin == m.pattern)
	case matchGlob:
		return glob(m.pattern, t.Name)
	case matchOpenClaw:
		return isBuiltin(t.Name) && !notOpenClaw[t.Name]
	case matchPlugins:
		// Tool plugins also serve OpenClaw's built-in tools here; those
		// stay in their built-in groups rather than group:plugins.
		return t.Plugin != "" && !isBuiltin(t.Name)
	case matchGroup:
		if m.members[t.Name] {
			return true
		}
		for _, g := range t.Groups {
			if g == m.pattern {
				return true
			}
		}
	}
	return false
}

// glob matches s against a pattern where '*' stands for any run of
// characters.
func glob(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, part := range parts[1 : len(parts)-1] {
		i := strings.Index(s, part)
		if i < 0 {
			return false
		}
		s = s[i+len(part):]
	}
	return strings.HasSuffix(s, last) && len(s) >= len(last)
}
