package config

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/openclaw-go/openclaw/core/config/schema"
)

// Redacted replaces secret values in every printout of a config.
const Redacted = "__OPENCLAW_REDACTED__"

var envRefOnly = regexp.MustCompile(`^\$\{[A-Z_][A-Z0-9_]*\}$`)

// Redact returns a deep copy of raw with secrets replaced by Redacted.
// Secrets are the fields the schema marks sensitive, fields matching
// extraSensitive path patterns (dotted, "*" for any key, "[]" for any list
// element, e.g. "plugins.entries.*.config.apiKey"), and, where the schema
// does not describe the shape (plugin sections), keys whose names say they
// hold a credential (…token, …secret, …password, apiKey, …). A value that is
// only a "${VAR}" reference is kept: it names a variable, not a secret.
func Redact(raw map[string]any, extraSensitive []string) map[string]any {
	r := redactor{patterns: compilePatterns(extraSensitive)}
	out, _ := r.value(raw, rootSchema(), nil, false).(map[string]any)
	return out
}

type redactor struct {
	patterns [][]string
}

func (r redactor) value(v any, node *schema.Node, path []string, secret bool) any {
	if !secret {
		secret = (node != nil && node.Sensitive) || r.matches(path) ||
			(isFreeform(node) && len(path) > 0 && sensitiveName(path[len(path)-1]))
	}
	switch x := v.(type) {
	case map[string]any:
		if secret && isSecretRef(x) {
			return deepCopyValue(x)
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = r.value(e, childNode(node, k), append(path[:len(path):len(path)], k), secret)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = r.value(e, childNode(node, "[]"), append(path[:len(path):len(path)], "[]"), secret)
		}
		return out
	case string:
		if secret && x != "" && !envRefOnly.MatchString(x) {
			return Redacted
		}
		return x
	case float64:
		if secret {
			return Redacted
		}
	}
	return v
}

// childNode finds the schema for a key, looking into alternatives.
func childNode(node *schema.Node, key string) *schema.Node {
	if node == nil {
		return nil
	}
	if key == "[]" {
		if node.Items != nil {
			return node.Items
		}
		for _, alt := range node.AnyOf {
			if alt.Items != nil {
				return alt.Items
			}
		}
		return nil
	}
	if n, ok := node.Lookup([]string{key}); ok && n != node {
		return n
	}
	for _, alt := range node.AnyOf {
		if n, ok := alt.Lookup([]string{key}); ok {
			return n
		}
	}
	return nil
}

// isFreeform reports whether the schema leaves the shape open here, so key
// names are the only hint of what is secret.
func isFreeform(node *schema.Node) bool {
	return node == nil || (node.Type == schema.TypeAny && len(node.AnyOf) == 0 && len(node.Enum) == 0)
}

func isSecretRef(m map[string]any) bool {
	_, hasSource := m["source"].(string)
	_, hasID := m["id"].(string)
	if !hasSource || !hasID {
		return false
	}
	for k := range m {
		if k != "source" && k != "id" && k != "provider" {
			return false
		}
	}
	return true
}

func sensitiveName(key string) bool {
	k := strings.ToLower(strings.ReplaceAll(key, "-", "_"))
	for _, suffix := range []string{"token", "secret", "password", "passwd", "apikey", "api_key", "privatekey", "private_key", "credentials"} {
		if strings.HasSuffix(k, suffix) {
			return true
		}
	}
	return k == "authorization" || k == "cookie"
}

func compilePatterns(patterns []string) [][]string {
	out := make([][]string, 0, len(patterns))
	for _, p := range patterns {
		p = strings.ReplaceAll(p, "[]", ".[]")
		var segs []string
		for _, s := range strings.Split(p, ".") {
			if s != "" {
				segs = append(segs, s)
			}
		}
		if len(segs) > 0 {
			out = append(out, segs)
		}
	}
	return out
}

func (r redactor) matches(path []string) bool {
	for _, pat := range r.patterns {
		if len(pat) != len(path) {
			continue
		}
		ok := true
		for i, s := range pat {
			if s != "*" && s != path[i] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// restoreRedacted replaces every Redacted placeholder in next with the value
// at the same place in prev, so a client that edits a redacted copy of the
// config does not overwrite secrets with the placeholder.
func restoreRedacted(next, prev any, path schema.Path) (any, error) {
	switch x := next.(type) {
	case string:
		if x != Redacted {
			return x, nil
		}
		switch p := prev.(type) {
		case string, float64:
			return p, nil
		}
		return nil, fmt.Errorf("%s: holds the redaction placeholder %s but the current config has no secret there; send the real value", path.String(), Redacted)
	case map[string]any:
		pm, _ := prev.(map[string]any)
		for k, e := range x {
			r, err := restoreRedacted(e, pm[k], path.Key(k))
			if err != nil {
				return nil, err
			}
			x[k] = r
		}
	case []any:
		pa, _ := prev.([]any)
		for i, e := range x {
			var pe any
			if i < len(pa) {
				pe = pa[i]
			}
			r, err := restoreRedacted(e, pe, path.Index(i))
			if err != nil {
				return nil, err
			}
			x[i] = r
		}
	}
	return next, nil
}

// SensitivePaths lists the schema's sensitive field patterns, for clients
// that render forms.
func SensitivePaths() []string { return rootSchema().SensitivePaths() }
