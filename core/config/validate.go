package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/openclaw-go/openclaw/core/config/schema"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// PluginSchemas answers which installed plugin owns a config section and
// with which JSON Schema (from its openclaw.plugin.json) to validate it.
type PluginSchemas interface {
	// ChannelSchema reports the plugin providing a channel and the schema
	// of its channels.<channel> section. ok is false when no installed
	// plugin provides the channel; a nil schema accepts any object.
	ChannelSchema(channel string) (pluginID string, schema json.RawMessage, ok bool)
	// PluginSchema returns the schema of plugins.entries.<id>.config. ok is
	// false when the plugin is not installed; a nil schema accepts anything.
	PluginSchema(pluginID string) (json.RawMessage, bool)
}

// PluginPackage is the registry package that provides a plugin or channel
// id, used to tell users what to install.
func PluginPackage(id string) string { return "@openclaw/" + id }

// Validate checks an authored configuration (includes expanded, variables
// substituted) and returns every problem, warnings included. Channel
// sections and plugin settings are checked against the owning plugin's
// schema; channels the core knows fall back to the core schema.
func Validate(raw map[string]any, plugins PluginSchemas) []Problem {
	root := rootSchema()
	core := make(map[string]any, len(raw))
	for k, v := range raw {
		if k != "channels" {
			core[k] = v
		}
	}
	problems := root.Validate(core)
	if ch, ok := raw["channels"]; ok {
		problems = append(problems, validateChannels(root.Properties["channels"], ch, plugins)...)
	}
	problems = append(problems, validatePluginEntries(raw, plugins)...)
	problems = append(problems, checkSemantics(raw)...)
	return problems
}

func validateChannels(node *schema.Node, v any, plugins PluginSchemas) []Problem {
	base := schema.Path{{Key: "channels"}}
	channels, ok := v.(map[string]any)
	if !ok {
		return node.ValidateAt(base, v)
	}
	var out []Problem
	for _, id := range sortedMapKeys(channels) {
		path := base.Key(id)
		section := channels[id]
		if id == "defaults" || id == "modelByChannel" {
			out = append(out, node.Properties[id].ValidateAt(path, section)...)
			continue
		}
		if plugins != nil {
			if pluginID, sch, ok := plugins.ChannelSchema(id); ok {
				out = append(out, validatePluginSection(path, section, pluginID, sch)...)
				continue
			}
		}
		if n := node.Properties[id]; n != nil {
			out = append(out, n.ValidateAt(path, section)...)
			continue
		}
		out = append(out, Problem{
			Path: path.String(),
			Message: fmt.Sprintf("no installed plugin provides channel %q (install it with: openclaw plugins install %s)",
				id, PluginPackage(id)),
		})
	}
	return out
}

func validatePluginEntries(raw map[string]any, plugins PluginSchemas) []Problem {
	pl, _ := raw["plugins"].(map[string]any)
	entries, _ := pl["entries"].(map[string]any)
	var out []Problem
	for _, id := range sortedMapKeys(entries) {
		entry, ok := entries[id].(map[string]any)
		if !ok {
			continue // the core schema already reported it
		}
		path := schema.Path{{Key: "plugins"}, {Key: "entries"}, {Key: id}}
		var sch json.RawMessage
		installed := false
		if plugins != nil {
			sch, installed = plugins.PluginSchema(id)
		}
		if !installed {
			if enabled, _ := entry["enabled"].(bool); enabled || entry["enabled"] == nil {
				out = append(out, Problem{
					Path:    path.String(),
					Message: fmt.Sprintf("plugin %q is not installed (install it with: openclaw plugins install %s)", id, PluginPackage(id)),
					Warning: true,
				})
			}
			continue
		}
		if cfg, ok := entry["config"]; ok {
			out = append(out, validatePluginSection(path.Key("config"), cfg, id, sch)...)
		}
	}
	return out
}

// validatePluginSection validates one section against a plugin's JSON
// Schema and reports problems in the same words as the core schema.
func validatePluginSection(path schema.Path, v any, pluginID string, raw json.RawMessage) []Problem {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	compiled, err := compilePluginSchema(pluginID, raw)
	if err != nil {
		return []Problem{{Path: path.String(), Message: fmt.Sprintf("cannot check against plugin %q: its config schema is invalid: %v", pluginID, err)}}
	}
	err = compiled.Validate(v)
	if err == nil {
		return nil
	}
	verr, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return []Problem{{Path: path.String(), Message: fmt.Sprintf("does not match plugin %q's schema: %v", pluginID, err)}}
	}
	var out []Problem
	printer := message.NewPrinter(language.English)
	collectSchemaErrors(verr, v, path, printer, &out)
	for i := range out {
		out[i].Message += fmt.Sprintf(" (schema of plugin %q)", pluginID)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func compilePluginSchema(pluginID string, raw json.RawMessage) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	url := "urn:openclaw:plugin:" + pluginID + ":config"
	c := jsonschema.NewCompiler()
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	return c.Compile(url)
}

func collectSchemaErrors(e *jsonschema.ValidationError, root any, base schema.Path, printer *message.Printer, out *[]Problem) {
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			collectSchemaErrors(c, root, base, printer, out)
		}
		return
	}
	path := locate(root, e.InstanceLocation, base)
	switch k := e.ErrorKind.(type) {
	case *kind.Type:
		*out = append(*out, Problem{Path: path.String(), Message: fmt.Sprintf("wrong type (expected %s, got %s)", strings.Join(k.Want, " or "), k.Got)})
	case *kind.Required:
		for _, m := range k.Missing {
			*out = append(*out, Problem{Path: path.Key(m).String(), Message: "missing required key"})
		}
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = string(marshalValue(w))
		}
		*out = append(*out, Problem{Path: path.String(), Message: fmt.Sprintf("invalid value (expected one of %s, got %s)", strings.Join(want, ", "), marshalValue(k.Got))})
	case *kind.AdditionalProperties:
		for _, p := range k.Properties {
			*out = append(*out, Problem{Path: path.Key(p).String(), Message: "unknown key"})
		}
	default:
		*out = append(*out, Problem{Path: path.String(), Message: e.ErrorKind.LocalizedString(printer)})
	}
}

// locate turns JSON Pointer tokens into a Path, telling array indexes from
// numeric object keys by looking at the value.
func locate(v any, tokens []string, base schema.Path) schema.Path {
	path := base
	for _, tok := range tokens {
		switch x := v.(type) {
		case []any:
			var i int
			if _, err := fmt.Sscan(tok, &i); err == nil && i >= 0 && i < len(x) {
				path, v = path.Index(i), x[i]
				continue
			}
			path, v = path.Key(tok), nil
		case map[string]any:
			path, v = path.Key(tok), x[tok]
		default:
			path, v = path.Key(tok), nil
		}
	}
	return path
}

func sortedMapKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
