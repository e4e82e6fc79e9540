package schema

import "sort"

// Draft is the JSON Schema dialect JSONSchema produces.
const Draft = "https://json-schema.org/draft/2020-12/schema"

// JSONSchema renders the node as a JSON Schema document (as a value ready
// for encoding/json). Titles, descriptions and defaults are kept; UI groups
// and sensitivity travel as the annotations x-group and x-sensitive, and
// sensitive fields are also marked writeOnly, the standard keyword for
// values a client may set but should not be shown.
func (n *Node) JSONSchema() map[string]any {
	s := n.export()
	s["$schema"] = Draft
	return s
}

func (n *Node) export() map[string]any {
	s := map[string]any{}
	if n.Type != TypeAny {
		s["type"] = string(n.Type)
	}
	if n.Title != "" {
		s["title"] = n.Title
	}
	if n.Description != "" {
		s["description"] = n.Description
	}
	if n.Group != "" {
		s["x-group"] = n.Group
	}
	if n.Sensitive {
		s["writeOnly"] = true
		s["x-sensitive"] = true
	}
	if n.Deprecated != "" {
		s["deprecated"] = true
		s["x-deprecated"] = n.Deprecated
	}
	if n.Default != nil {
		s["default"] = deepCopy(n.Default)
	}
	if len(n.Enum) > 0 {
		s["enum"] = n.Enum
	}
	if n.Minimum != nil {
		s["minimum"] = *n.Minimum
	}
	if n.Maximum != nil {
		s["maximum"] = *n.Maximum
	}
	if n.Pattern != nil {
		s["pattern"] = n.Pattern.String()
	}
	if len(n.AnyOf) > 0 {
		alts := make([]any, len(n.AnyOf))
		for i, a := range n.AnyOf {
			alts[i] = a.export()
		}
		s["anyOf"] = alts
	}
	if n.Type == TypeObject {
		if len(n.Properties) > 0 {
			props := make(map[string]any, len(n.Properties))
			for k, c := range n.Properties {
				props[k] = c.export()
			}
			s["properties"] = props
		}
		switch {
		case n.Additional != nil:
			if n.Additional.Type == TypeAny && len(n.Additional.AnyOf) == 0 && len(n.Additional.Enum) == 0 {
				s["additionalProperties"] = true
			} else {
				s["additionalProperties"] = n.Additional.export()
			}
		case len(n.Properties) > 0:
			s["additionalProperties"] = false
		}
		if len(n.Required) > 0 {
			s["required"] = append([]string(nil), n.Required...)
		}
	}
	if n.Items != nil {
		s["items"] = n.Items.export()
	}
	return s
}

// Hint is the UI metadata of one field, keyed in Hints by a path pattern in
// which "*" stands for any map key and "[]" for any array element.
type Hint struct {
	Label     string `json:"label,omitempty"`
	Help      string `json:"help,omitempty"`
	Group     string `json:"group,omitempty"`
	Sensitive bool   `json:"sensitive,omitempty"`
}

// Hints collects the UI metadata of every described field.
func (n *Node) Hints() map[string]Hint {
	out := map[string]Hint{}
	n.hints("", out)
	return out
}

func (n *Node) hints(path string, out map[string]Hint) {
	if path != "" && (n.Title != "" || n.Description != "" || n.Group != "" || n.Sensitive) {
		out[path] = Hint{Label: n.Title, Help: n.Description, Group: n.Group, Sensitive: n.Sensitive}
	}
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	for _, k := range n.order {
		n.Properties[k].hints(join(k), out)
	}
	if n.Additional != nil {
		n.Additional.hints(join("*"), out)
	}
	if n.Items != nil {
		n.Items.hints(path+"[]", out)
	}
	for _, a := range n.AnyOf {
		a.hints(path, out)
	}
}

// SensitivePaths lists the path patterns of every sensitive field, sorted.
func (n *Node) SensitivePaths() []string {
	var out []string
	for p, h := range n.Hints() {
		if h.Sensitive {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}
