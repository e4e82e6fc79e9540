package config

import "github.com/openclaw-go/openclaw/core/config/schema"

// Short constructors keep the schema definition readable as a key list.

func obj(props ...schema.Prop) *schema.Node     { return schema.Object(props...) }
func p(name string, n *schema.Node) schema.Prop { return schema.P(name, n) }
func str() *schema.Node                         { return schema.String() }
func integer() *schema.Node                     { return schema.Integer() }
func number() *schema.Node                      { return schema.Number() }
func boolean() *schema.Node                     { return schema.Boolean() }
func anything() *schema.Node                    { return schema.Any() }
func strs() *schema.Node                        { return schema.Strings() }
func arr(items *schema.Node) *schema.Node       { return schema.Array(items) }
func mapOf(values *schema.Node) *schema.Node    { return schema.Map(values) }
func anyOf(alts ...*schema.Node) *schema.Node   { return schema.AnyOf(alts...) }

// openObj is an object whose keys belong to someone else (provider params,
// plugin-defined payloads): its shape is not ours to police.
func openObj() *schema.Node { return mapOf(anything()) }

func enum(values ...string) *schema.Node {
	vs := make([]any, len(values))
	for i, v := range values {
		vs[i] = v
	}
	return schema.Enum(vs...)
}

func posInt() *schema.Node    { return integer().Min(1) }
func nonNegInt() *schema.Node { return integer().Min(0) }
func nonNeg() *schema.Node    { return number().Min(0) }
func ratio() *schema.Node     { return number().Range(0, 1) }
func port() *schema.Node      { return integer().Range(1, 65535) }

// ms is a duration in milliseconds.
func ms() *schema.Node { return nonNegInt() }

// duration is a human duration such as "30m", "24h", "7d" or a bare number of
// the field's default unit.
func duration() *schema.Node {
	return anyOf(
		str().Matching(`^\d+(\.\d+)?\s*(ms|s|m|h|d|w)?$`, `a duration such as "30s", "5m", "24h" or "7d"`),
		nonNeg(),
	)
}

// byteSize is a size such as "20mb" or a number of bytes.
func byteSize() *schema.Node {
	return anyOf(
		str().Matching(`(?i)^\d+(\.\d+)?\s*(b|kb|mb|gb|tb|k|m|g|t)?$`, `a size such as "500mb" or "10gb"`),
		nonNeg(),
	)
}

// secretRef is a pointer to a secret held elsewhere, resolved at runtime.
func secretRef() *schema.Node {
	return obj(
		p("source", enum("env", "file", "exec", "store").Titled("Secret source")),
		p("provider", str().Titled("Secret provider")),
		p("id", str().Titled("Secret id")),
	).Require("source", "id")
}

// secret is a credential given inline or as a secret reference.
func secret(label string) *schema.Node {
	return anyOf(str(), secretRef()).Secret().Titled(label)
}

// stringOrStrings accepts "a" or ["a", "b"].
func stringOrStrings() *schema.Node { return anyOf(str(), strs()) }

// idList is an allowlist of peer ids; numbers are accepted because chat ids
// are often written unquoted.
func idList() *schema.Node { return arr(anyOf(str(), number())) }

// modelRef is "provider/model" or a configured alias.
func modelRef() *schema.Node { return str() }

// modelChoice is a model given as a string or as a primary with fallbacks.
func modelChoice() *schema.Node {
	return anyOf(
		modelRef(),
		obj(
			p("primary", modelRef().Titled("Primary model")),
			p("fallbacks", strs().Titled("Fallback models")),
		),
	)
}

// toolPolicy is an allow/deny list of tool names and groups.
func toolPolicy() *schema.Node {
	return obj(
		p("allow", strs().Titled("Allowed tools")),
		p("alsoAllow", strs().Titled("Additionally allowed tools")),
		p("deny", strs().Titled("Denied tools")),
	)
}

func toolProfile() *schema.Node { return enum("minimal", "coding", "messaging", "full") }

func thinkingLevel() *schema.Node {
	return enum("off", "minimal", "low", "medium", "high", "xhigh", "adaptive", "max")
}
