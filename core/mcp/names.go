package mcp

import (
	"sort"
	"strconv"
	"strings"
)

// Name limits OpenClaw applies to MCP tool names, so every model API
// accepts them.
const (
	maxPrefixLen = 30
	maxNameLen   = 64
	nameSep      = "__"
)

// safeFragment replaces every character outside [A-Za-z0-9_-] with '-'.
func safeFragment(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}

func startsWithLetter(s string) bool {
	return s != "" && (s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z')
}

// serverPrefix is the provider-safe prefix of a server's tools: lower
// case, unsafe characters as '-', a leading non-letter behind "mcp-", at
// most 30 characters, "mcp" for an empty name.
func serverPrefix(name string) string {
	p := strings.ToLower(safeFragment(strings.TrimSpace(name)))
	if p == "" {
		return "mcp"
	}
	if !startsWithLetter(p) {
		p = "mcp-" + p
	}
	if len(p) > maxPrefixLen {
		p = p[:maxPrefixLen]
	}
	return p
}

// prefixes assigns each server name its prefix; names that sanitise to the
// same prefix get numeric suffixes in name order, so the result does not
// depend on map order.
func prefixes(names []string) map[string]string {
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	out := make(map[string]string, len(sorted))
	used := map[string]bool{}
	for _, n := range sorted {
		p := serverPrefix(n)
		out[n] = unique(p, maxPrefixLen, used)
	}
	return out
}

// unique returns base, or base with the smallest "-N" suffix not in used,
// keeping the result within limit characters, and marks it used.
func unique(base string, limit int, used map[string]bool) string {
	candidate := base
	for i := 2; used[candidate]; i++ {
		suffix := "-" + strconv.Itoa(i)
		trimmed := base
		if len(trimmed)+len(suffix) > limit {
			trimmed = trimmed[:limit-len(suffix)]
		}
		candidate = trimmed + suffix
	}
	used[candidate] = true
	return candidate
}

// toolNames maps a server's MCP tool names to exposed names
// "<prefix>__<tool>", at most 64 characters, unique within the server.
func toolNames(prefix string, remote []string) map[string]string {
	sorted := append([]string(nil), remote...)
	sort.Strings(sorted)
	out := make(map[string]string, len(sorted))
	used := map[string]bool{}
	for _, r := range sorted {
		frag := safeFragment(r)
		if frag == "" {
			frag = "tool"
		}
		name := prefix + nameSep + frag
		if len(name) > maxNameLen {
			name = name[:maxNameLen]
		}
		out[r] = unique(name, maxNameLen, used)
	}
	return out
}

// keep reports whether the filter lets an MCP tool name through.
func (f ToolFilter) keep(name string) bool {
	if len(f.Include) > 0 && !anyMatch(f.Include, name) {
		return false
	}
	return !anyMatch(f.Exclude, name)
}

func anyMatch(patterns []string, name string) bool {
	for _, p := range patterns {
		if glob(strings.TrimSpace(p), name) {
			return true
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
	for _, part := range parts[1 : len(parts)-1] {
		i := strings.Index(s, part)
		if i < 0 {
			return false
		}
		s = s[i+len(part):]
	}
	last := parts[len(parts)-1]
	return strings.HasSuffix(s, last)
}
