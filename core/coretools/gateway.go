package coretools

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/openclaw-go/openclaw/core/config"
	"github.com/openclaw-go/openclaw/core/config/schema"
	"github.com/openclaw-go/openclaw/core/tools"
)

type gatewayArgs struct {
	Action string `json:"action"`
	Path   string `json:"path"`
}

// The gateway tool only reads: as in OpenClaw, config changes go through
// the operator (config.patch over the API, or `openclaw config`), and an
// agent cannot restart or update the gateway through it.
func gateway(opts Options) tools.CoreTool {
	return tools.CoreTool{
		Tool: tools.Tool{
			Name:        "gateway",
			Description: "Inspect this gateway: config.get reads the running config (secrets redacted; path narrows it to one key), config.schema.lookup explains one config path (type, default, description, child keys). Read before advising the user on a config change.",
			Parameters: params(`
"action":{"type":"string","enum":["config.get","config.schema.lookup","update.status","update.run"]},
"path":{"type":"string","description":"Dotted config path, e.g. channels.telegram or agents.defaults.workspace."}`, "action"),
		},
		Run: func(_ context.Context, call tools.Call, _ func(tools.Progress)) (tools.Result, error) {
			var a gatewayArgs
			if err := decode(call, &a); err != nil {
				return errorf("%v", err), nil
			}
			switch a.Action {
			case "config.get":
				return configGet(opts, strings.TrimSpace(a.Path)), nil
			case "config.schema.lookup":
				return schemaLookup(strings.TrimSpace(a.Path)), nil
			case "update.status", "update.run":
				return errorf("%s is not available in this gateway: updates are installed by the operator (`openclaw update` on the host)", a.Action), nil
			case "":
				return errorf("action is required: config.get or config.schema.lookup"), nil
			}
			return errorf("action %q is not one of config.get, config.schema.lookup, update.status, update.run", a.Action), nil
		},
	}
}

func configGet(opts Options, path string) tools.Result {
	cfg := opts.Config.Current()
	if cfg == nil {
		return errorf("the gateway has no config loaded")
	}
	redacted := config.Redact(cfg.Raw, opts.SensitivePaths)
	res := map[string]any{"path": cfg.Path, "exists": cfg.Exists, "hash": cfg.Hash()}
	if path == "" {
		res["config"] = redacted
		return jsonResult(res)
	}
	data, err := json.Marshal(redacted)
	if err != nil {
		return errorf("encode config: %v", err)
	}
	v := gjson.GetBytes(data, gjsonPath(schema.ParsePath(path)))
	if !v.Exists() {
		if info := config.DescribePath(path); info.Known {
			res["key"], res["set"] = path, false
			if info.Default != nil {
				res["default"] = info.Default
			}
			return jsonResult(res)
		}
		return errorf("config has no key %s; config.schema.lookup shows what exists", path)
	}
	res["key"], res["set"], res["value"] = path, true, json.RawMessage(v.Raw)
	return jsonResult(res)
}

// gjsonPath escapes a parsed path for gjson.
func gjsonPath(p schema.Path) string {
	parts := make([]string, len(p))
	esc := strings.NewReplacer(".", `\.`, "*", `\*`, "?", `\?`, "|", `\|`, "#", `\#`, "@", `\@`)
	for i, s := range p {
		if s.IsIndex {
			parts[i] = strconv.Itoa(s.Index)
		} else {
			parts[i] = esc.Replace(s.Key)
		}
	}
	return strings.Join(parts, ".")
}

// schemaLookup describes one node of the config schema with a summary of
// its children, so an agent can explore without reading the whole schema.
func schemaLookup(path string) tools.Result {
	var root map[string]any
	if err := json.Unmarshal(config.Schema(), &root); err != nil {
		return errorf("read config schema: %v", err)
	}
	node := root
	walked := []string{}
	for _, seg := range schema.ParsePath(path) {
		key := seg.Key
		if seg.IsIndex {
			key = strconv.Itoa(seg.Index)
		}
		next := child(node, key, seg.IsIndex)
		if next == nil {
			at := "the top level"
			if len(walked) > 0 {
				at = strings.Join(walked, ".")
			}
			return errorf("config schema has no %q under %s; its keys: %s", key, at, strings.Join(childKeys(node), ", "))
		}
		node = next
		walked = append(walked, key)
	}
	out := map[string]any{"path": path}
	for _, k := range []string{"type", "title", "description", "default", "enum", "deprecated"} {
		if v, ok := node[k]; ok {
			out[k] = v
		}
	}
	if node["x-sensitive"] == true {
		out["sensitive"] = true
	}
	if alts := alternatives(node); len(alts) > 0 {
		var types []any
		for _, a := range alts {
			if t, ok := a["type"]; ok {
				types = append(types, t)
			}
		}
		out["anyOf"] = types
	}
	var children []map[string]any
	props, _ := node["properties"].(map[string]any)
	for _, k := range sortedKeys(props) {
		c, _ := props[k].(map[string]any)
		entry := map[string]any{"key": k}
		for _, f := range []string{"type", "title"} {
			if v, ok := c[f]; ok {
				entry[f] = v
			}
		}
		children = append(children, entry)
	}
	if children != nil {
		out["children"] = children
	}
	if ap, ok := node["additionalProperties"].(map[string]any); ok {
		out["anyKey"] = map[string]any{"type": ap["type"], "note": fmt.Sprintf("any key under %s holds a value of this shape", path)}
	}
	if items, ok := node["items"].(map[string]any); ok {
		out["items"] = map[string]any{"type": items["type"]}
	}
	return jsonResult(out)
}

// child steps into a schema node by key, through properties, map values,
// array items and anyOf/oneOf alternatives.
func child(node map[string]any, key string, index bool) map[string]any {
	if props, ok := node["properties"].(map[string]any); ok {
		if c, ok := props[key].(map[string]any); ok {
			return c
		}
	}
	if items, ok := node["items"].(map[string]any); ok && (index || key == "[]" || key == "*") {
		return items
	}
	if ap, ok := node["additionalProperties"].(map[string]any); ok && !index {
		return ap
	}
	for _, alt := range alternatives(node) {
		if c := child(alt, key, index); c != nil {
			return c
		}
	}
	return nil
}

func alternatives(node map[string]any) []map[string]any {
	var out []map[string]any
	for _, k := range []string{"anyOf", "oneOf", "allOf"} {
		list, _ := node[k].([]any)
		for _, a := range list {
			if m, ok := a.(map[string]any); ok {
				out = append(out, m)
			}
		}
	}
	return out
}

func childKeys(node map[string]any) []string {
	props, _ := node["properties"].(map[string]any)
	keys := sortedKeys(props)
	if len(keys) == 0 {
		return []string{"(none)"}
	}
	return keys
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
