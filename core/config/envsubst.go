package config

import (
	"fmt"
	"strings"

	"github.com/openclaw-go/openclaw/core/config/schema"
)

// MissingVar is a ${VAR} reference whose variable is unset or empty.
type MissingVar struct {
	Path string `json:"path"`
	Name string `json:"name"`
}

// EnvError lists every unresolved ${VAR} reference in a config.
type EnvError struct {
	Missing []MissingVar
}

func (e *EnvError) Error() string {
	var b strings.Builder
	for i, m := range e.Missing {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s: environment variable %s is not set or empty (referenced as ${%s})", m.Path, m.Name, m.Name)
	}
	return b.String()
}

// substituteEnv replaces ${VAR} in every string value of v, in place. Only
// upper-case names ([A-Z_][A-Z0-9_]*) are references; "$${VAR}" is the escape
// for a literal "${VAR}". Unset and empty variables are collected, not
// skipped, so the user sees all of them at once.
func substituteEnv(v any, getenv func(string) string, path schema.Path, missing *[]MissingVar) any {
	return substituteTree(v, getenv, path, missing, false)
}

// substituteTree is substituteEnv; keep leaves unresolved references in
// place ("${NAME}") instead of replacing them with nothing.
func substituteTree(v any, getenv func(string) string, path schema.Path, missing *[]MissingVar, keep bool) any {
	switch x := v.(type) {
	case string:
		return substitute(x, getenv, path, missing, keep)
	case map[string]any:
		for k, e := range x {
			x[k] = substituteTree(e, getenv, path.Key(k), missing, keep)
		}
	case []any:
		for i, e := range x {
			x[i] = substituteTree(e, getenv, path.Index(i), missing, keep)
		}
	}
	return v
}

func substituteString(s string, getenv func(string) string, path schema.Path, missing *[]MissingVar) string {
	return substitute(s, getenv, path, missing, false)
}

func substitute(s string, getenv func(string) string, path schema.Path, missing *[]MissingVar, keep bool) string {
	if !strings.Contains(s, "${") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], "$${") {
			if end, ok := varEnd(s, i+3); ok {
				b.WriteString(s[i+1 : end+1])
				i = end + 1
				continue
			}
		}
		if strings.HasPrefix(s[i:], "${") {
			if end, ok := varEnd(s, i+2); ok {
				name := s[i+2 : end]
				val := getenv(name)
				if val == "" {
					*missing = append(*missing, MissingVar{Path: path.String(), Name: name})
					if keep {
						val = s[i : end+1]
					}
				}
				b.WriteString(val)
				i = end + 1
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// varEnd reports the index of the '}' closing a variable name that starts at
// start, if the name is a valid upper-case variable name.
func varEnd(s string, start int) (int, bool) {
	i := start
	for i < len(s) && isVarByte(s[i], i == start) {
		i++
	}
	if i == start || i >= len(s) || s[i] != '}' {
		return 0, false
	}
	return i, true
}

func isVarByte(c byte, first bool) bool {
	if c == '_' || (c >= 'A' && c <= 'Z') {
		return true
	}
	return !first && c >= '0' && c <= '9'
}
