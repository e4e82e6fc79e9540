// Package schema describes the shape of a JSON document as a tree of nodes,
// validates decoded JSON values against it, fills in defaults and exports it
// as JSON Schema with UI hints.
//
// It exists instead of validating with a generic JSON Schema engine because
// configuration errors must read well: every problem names the exact key path
// and says what was expected and what was found, secrets are never echoed,
// and a mistyped key gets a suggestion.
package schema

import (
	"regexp"
	"sort"
)

// Type is the JSON type a node accepts. The zero value accepts anything.
type Type string

// JSON types a node may require.
const (
	TypeAny     Type = ""
	TypeObject  Type = "object"
	TypeArray   Type = "array"
	TypeString  Type = "string"
	TypeInteger Type = "integer"
	TypeNumber  Type = "number"
	TypeBoolean Type = "boolean"
)

// Node describes one value in a document.
type Node struct {
	Type        Type
	Title       string
	Description string
	// Group names the form section a field belongs to in a UI.
	Group string
	// Sensitive marks secrets: they are redacted and never echoed in errors.
	Sensitive bool
	// Deprecated, when set, says what to use instead. Deprecated keys still
	// validate; Validate reports them as warnings.
	Deprecated string
	Default    any
	Enum       []any
	Minimum    *float64
	Maximum    *float64
	// Pattern restricts strings; PatternHint says in words what it expects.
	Pattern     *regexp.Regexp
	PatternHint string
	// Properties are the known keys of an object.
	Properties map[string]*Node
	order      []string
	// Additional validates keys that are not in Properties. Nil rejects them.
	Additional *Node
	// Required lists keys an object must have.
	Required []string
	// Items validates every element of an array.
	Items *Node
	// AnyOf accepts a value that matches at least one of the alternatives.
	AnyOf []*Node
	// Always makes ApplyDefaults create this object when its parent exists
	// and it is absent, so that its own defaults take effect.
	Always bool
}

// Prop is one named property of an object.
type Prop struct {
	Name string
	Node *Node
}

// P names a property.
func P(name string, n *Node) Prop { return Prop{Name: name, Node: n} }

// Object returns a node for an object with exactly the given keys.
func Object(props ...Prop) *Node {
	n := &Node{Type: TypeObject, Properties: make(map[string]*Node, len(props))}
	for _, p := range props {
		n.set(p.Name, p.Node)
	}
	return n
}

// Map returns a node for an object whose keys are free and whose values all
// match values.
func Map(values *Node) *Node { return &Node{Type: TypeObject, Additional: values} }

// Array returns a node for an array whose elements match items.
func Array(items *Node) *Node { return &Node{Type: TypeArray, Items: items} }

// Strings is shorthand for an array of strings.
func Strings() *Node { return Array(String()) }

// String returns a node for a string.
func String() *Node { return &Node{Type: TypeString} }

// Integer returns a node for a whole number.
func Integer() *Node { return &Node{Type: TypeInteger} }

// Number returns a node for any number.
func Number() *Node { return &Node{Type: TypeNumber} }

// Boolean returns a node for true or false.
func Boolean() *Node { return &Node{Type: TypeBoolean} }

// Any returns a node that accepts every value.
func Any() *Node { return &Node{} }

// Enum returns a node accepting exactly the given values. Its type is taken
// from the values when they all share one.
func Enum(values ...any) *Node {
	n := &Node{Enum: values}
	var t Type
	for i, v := range values {
		vt := typeOf(v)
		if i == 0 {
			t = vt
		} else if vt != t {
			t = TypeAny
		}
	}
	n.Type = t
	return n
}

// AnyOf returns a node accepting a value that matches any alternative.
func AnyOf(alternatives ...*Node) *Node { return &Node{AnyOf: alternatives} }

// Extend adds properties to an object node and returns it.
func (n *Node) Extend(props ...Prop) *Node {
	if n.Properties == nil {
		n.Properties = make(map[string]*Node, len(props))
	}
	for _, p := range props {
		n.set(p.Name, p.Node)
	}
	return n
}

func (n *Node) set(name string, child *Node) {
	if _, dup := n.Properties[name]; !dup {
		n.order = append(n.order, name)
	}
	n.Properties[name] = child
}

// Keys returns the object's known keys in declaration order.
func (n *Node) Keys() []string { return append([]string(nil), n.order...) }

// WithDefault sets the default value.
func (n *Node) WithDefault(v any) *Node { n.Default = v; return n }

// Titled sets the UI label.
func (n *Node) Titled(title string) *Node { n.Title = title; return n }

// Describe sets the help text.
func (n *Node) Describe(text string) *Node { n.Description = text; return n }

// InGroup sets the UI group.
func (n *Node) InGroup(group string) *Node { n.Group = group; return n }

// Secret marks the value as sensitive.
func (n *Node) Secret() *Node { n.Sensitive = true; return n }

// Deprecate marks the key as deprecated with advice on what to use instead.
func (n *Node) Deprecate(advice string) *Node { n.Deprecated = advice; return n }

// Min sets the inclusive lower bound of a number.
func (n *Node) Min(v float64) *Node { n.Minimum = &v; return n }

// Max sets the inclusive upper bound of a number.
func (n *Node) Max(v float64) *Node { n.Maximum = &v; return n }

// Range sets both bounds of a number.
func (n *Node) Range(lo, hi float64) *Node { return n.Min(lo).Max(hi) }

// Matching restricts a string to a regular expression; hint describes the
// expected form in words for error messages.
func (n *Node) Matching(pattern, hint string) *Node {
	n.Pattern = regexp.MustCompile(pattern)
	n.PatternHint = hint
	return n
}

// Require lists keys an object must contain.
func (n *Node) Require(keys ...string) *Node { n.Required = append(n.Required, keys...); return n }

// AllowOther accepts unknown keys whose values match values (Any when nil).
func (n *Node) AllowOther(values *Node) *Node {
	if values == nil {
		values = Any()
	}
	n.Additional = values
	return n
}

// Materialize makes ApplyDefaults create the object when absent.
func (n *Node) Materialize() *Node { n.Always = true; return n }

// Clone returns a deep copy of the node.
func (n *Node) Clone() *Node { return n.copyTree(false) }

// Overrides returns a deep copy without defaults, for positions that
// override an inherited value (per-account or per-agent settings): a default
// there would silently mask what the parent level configured.
func (n *Node) Overrides() *Node { return n.copyTree(true) }

func (n *Node) copyTree(dropDefaults bool) *Node {
	if n == nil {
		return nil
	}
	c := *n
	if dropDefaults {
		c.Default = nil
		c.Always = false
	}
	if n.Properties != nil {
		c.Properties = make(map[string]*Node, len(n.Properties))
		for k, v := range n.Properties {
			c.Properties[k] = v.copyTree(dropDefaults)
		}
		c.order = append([]string(nil), n.order...)
	}
	c.Additional = n.Additional.copyTree(dropDefaults)
	c.Items = n.Items.copyTree(dropDefaults)
	if n.AnyOf != nil {
		c.AnyOf = make([]*Node, len(n.AnyOf))
		for i, a := range n.AnyOf {
			c.AnyOf[i] = a.copyTree(dropDefaults)
		}
	}
	c.Enum = append([]any(nil), n.Enum...)
	c.Required = append([]string(nil), n.Required...)
	return &c
}

// Lookup returns the node that describes the value at the given path
// segments. A segment names an object key or, for arrays, any index. It
// reports false when the schema does not describe that path.
func (n *Node) Lookup(segments []string) (*Node, bool) {
	cur := n
	for _, seg := range segments {
		next := cur.child(seg)
		if next == nil {
			return nil, false
		}
		cur = next
	}
	return cur, true
}

func (n *Node) child(seg string) *Node {
	if n == nil {
		return nil
	}
	switch {
	case n.Type == TypeArray:
		return n.Items
	case n.Properties != nil && n.Properties[seg] != nil:
		return n.Properties[seg]
	case n.Additional != nil:
		return n.Additional
	}
	for _, alt := range n.AnyOf {
		if c := alt.child(seg); c != nil {
			return c
		}
	}
	if n.Type == TypeAny && n.AnyOf == nil {
		return n
	}
	return nil
}

func typeOf(v any) Type {
	switch x := v.(type) {
	case map[string]any:
		return TypeObject
	case []any:
		return TypeArray
	case string:
		return TypeString
	case bool:
		return TypeBoolean
	case float64:
		if x == float64(int64(x)) {
			return TypeInteger
		}
		return TypeNumber
	case int, int64:
		return TypeInteger
	}
	return TypeAny
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func describeType(t Type) string {
	switch t {
	case TypeObject:
		return "an object"
	case TypeArray:
		return "a list"
	case TypeString:
		return "a string"
	case TypeInteger:
		return "a whole number"
	case TypeNumber:
		return "a number"
	case TypeBoolean:
		return "true or false"
	}
	return "a value"
}
