package config

import (
	"encoding/json"
	"strings"

	"github.com/openclaw-go/openclaw/pluginsdk/manifest"
)

// Schema returns the configuration's JSON Schema (draft 2020-12). Fields
// carry title, description and default; UI groups and secrets travel as the
// x-group and x-sensitive annotations (secrets are also writeOnly). Channel
// sections of plugin-provided channels are open objects here: their shape
// comes from the plugin's manifest.
func Schema() []byte {
	data, err := json.MarshalIndent(rootSchema().JSONSchema(), "", "  ")
	if err != nil {
		// The schema is built from plain Go values; TestSchemaCompiles
		// guarantees this does not happen.
		return []byte("{}\n")
	}
	return append(data, '\n')
}

// UIHints returns form metadata per path pattern ("*" any key, "[]" any list
// element), in the same shape plugin manifests use.
func UIHints() map[string]manifest.UIHint {
	out := map[string]manifest.UIHint{}
	for path, h := range rootSchema().Hints() {
		out[path] = manifest.UIHint{Label: h.Label, Help: h.Help, Group: h.Group, Sensitive: h.Sensitive}
	}
	return out
}

// SchemaInfo describes what the schema says about one config path.
type SchemaInfo struct {
	// Known is false when the schema does not describe the path.
	Known       bool
	Default     any
	Title       string
	Description string
	Sensitive   bool
}

// DescribePath looks a dotted path ("gateway.port", "agents.list.0.id")
// up in the schema.
func DescribePath(path string) SchemaInfo {
	var segs []string
	for _, s := range strings.Split(path, ".") {
		if s != "" {
			segs = append(segs, strings.TrimPrefix(s, ":"))
		}
	}
	n, ok := rootSchema().Lookup(segs)
	if !ok {
		return SchemaInfo{}
	}
	return SchemaInfo{Known: true, Default: n.Default, Title: n.Title, Description: n.Description, Sensitive: n.Sensitive}
}

// Problems extracts the schema problems from an error returned by Load,
// Apply, Patch, Set or Unset.
func Problems(err error) []Problem {
	var out []Problem
	for _, e := range unwrapAll(err) {
		switch x := e.(type) {
		case *ValidationError:
			out = append(out, x.Problems...)
		case *EnvError:
			for _, m := range x.Missing {
				out = append(out, Problem{Path: m.Path, Message: "environment variable " + m.Name + " is not set or empty"})
			}
		}
	}
	return out
}

func unwrapAll(err error) []error {
	if err == nil {
		return nil
	}
	out := []error{err}
	switch x := err.(type) {
	case interface{ Unwrap() []error }:
		for _, e := range x.Unwrap() {
			out = append(out, unwrapAll(e)...)
		}
	case interface{ Unwrap() error }:
		out = append(out, unwrapAll(x.Unwrap())...)
	}
	return out
}
