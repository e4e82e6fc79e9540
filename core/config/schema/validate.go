package schema

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Problem is one thing wrong with a document.
type Problem struct {
	Path    string `json:"path"`
	Message string `json:"message"`
	// Warning marks problems that do not make the document invalid.
	Warning bool `json:"warning,omitempty"`
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// Validate checks v against the node and returns every problem found, in a
// stable order. Warnings (deprecated keys) are included with Warning set.
func (n *Node) Validate(v any) []Problem {
	return n.ValidateAt(nil, v)
}

// ValidateAt validates v as the value found at path.
func (n *Node) ValidateAt(path Path, v any) []Problem {
	var out []Problem
	n.check(v, path, &out)
	return out
}

// Errors returns only the problems that are not warnings.
func Errors(problems []Problem) []Problem {
	var out []Problem
	for _, p := range problems {
		if !p.Warning {
			out = append(out, p)
		}
	}
	return out
}

func (n *Node) check(v any, path Path, out *[]Problem) {
	bad := func(format string, args ...any) {
		*out = append(*out, Problem{Path: path.String(), Message: fmt.Sprintf(format, args...)})
	}
	if n.Deprecated != "" {
		*out = append(*out, Problem{Path: path.String(), Message: "deprecated: " + n.Deprecated, Warning: true})
	}
	if len(n.AnyOf) > 0 {
		n.checkAnyOf(v, path, out)
		return
	}
	if n.Type != TypeAny && !hasType(v, n.Type) {
		bad("wrong type (expected %s, got %s)", describeType(n.Type), n.got(v))
		return
	}
	if len(n.Enum) > 0 && !contains(n.Enum, v) {
		bad("invalid value (expected one of %s, got %s)", formatValues(n.Enum), n.got(v))
		return
	}
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			bad("invalid number (expected a finite number, got %v)", x)
			return
		}
		if n.Minimum != nil && x < *n.Minimum {
			bad("out of range (expected at least %s, got %s)", num(*n.Minimum), num(x))
		}
		if n.Maximum != nil && x > *n.Maximum {
			bad("out of range (expected at most %s, got %s)", num(*n.Maximum), num(x))
		}
	case string:
		if n.Pattern != nil && !n.Pattern.MatchString(x) {
			bad("invalid value (expected %s, got %s)", n.PatternHint, n.got(v))
		}
	case map[string]any:
		n.checkObject(x, path, out)
	case []any:
		if n.Items != nil {
			for i, item := range x {
				n.Items.check(item, path.Index(i), out)
			}
		}
	}
}

func (n *Node) checkObject(obj map[string]any, path Path, out *[]Problem) {
	for _, key := range n.Required {
		if _, ok := obj[key]; !ok {
			want := "a value"
			if c := n.Properties[key]; c != nil {
				want = c.expected()
			}
			*out = append(*out, Problem{Path: path.Key(key).String(), Message: fmt.Sprintf("missing required key (expected %s)", want)})
		}
	}
	if n.Properties == nil && n.Additional == nil {
		return // an object of unspecified shape
	}
	for _, key := range sortedKeys(obj) {
		child := n.Properties[key]
		if child == nil {
			child = n.Additional
		}
		if child == nil {
			*out = append(*out, Problem{Path: path.Key(key).String(), Message: n.unknownKey(key)})
			continue
		}
		child.check(obj[key], path.Key(key), out)
	}
}

func (n *Node) unknownKey(key string) string {
	known := n.Keys()
	sort.Strings(known)
	msg := "unknown key"
	switch {
	case len(known) > 12:
		msg += fmt.Sprintf(" (expected one of the %d documented keys, listed by \"openclaw config schema\"; got %q)", len(known), key)
	case len(known) > 0:
		msg += fmt.Sprintf(" (expected one of %s; got %q)", strings.Join(known, ", "), key)
	}
	if s := suggest(key, known); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return msg
}

func (n *Node) checkAnyOf(v any, path Path, out *[]Problem) {
	var candidates []*Node
	var candidateProblems [][]Problem
	for _, alt := range n.AnyOf {
		var p []Problem
		alt.check(v, path, &p)
		if len(Errors(p)) == 0 {
			*out = append(*out, p...)
			return
		}
		if alt.Type == TypeAny || hasType(v, alt.Type) {
			candidates = append(candidates, alt)
			candidateProblems = append(candidateProblems, p)
		}
	}
	// For structured values, the one alternative of the right shape gives the
	// most precise errors (nested paths); for scalars, list every choice.
	if len(candidates) == 1 && (typeOf(v) == TypeObject || typeOf(v) == TypeArray) {
		*out = append(*out, candidateProblems[0]...)
		return
	}
	*out = append(*out, Problem{Path: path.String(), Message: fmt.Sprintf("invalid value (expected %s, got %s)", n.expected(), n.got(v))})
}

// expected describes in words what the node accepts.
func (n *Node) expected() string {
	if len(n.AnyOf) > 0 {
		parts := make([]string, 0, len(n.AnyOf))
		for _, alt := range n.AnyOf {
			parts = append(parts, alt.expected())
		}
		return strings.Join(parts, " or ")
	}
	if len(n.Enum) > 0 {
		if len(n.Enum) == 1 {
			return formatValues(n.Enum)
		}
		return "one of " + formatValues(n.Enum)
	}
	if n.Pattern != nil {
		return n.PatternHint
	}
	return describeType(n.Type)
}

// got describes a value for an error message without revealing secrets.
func (n *Node) got(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case bool:
		return strconv.FormatBool(x)
	case float64:
		if n.Sensitive {
			return "a number"
		}
		return num(x)
	case string:
		if n.Sensitive {
			return "a string (value hidden)"
		}
		if utf8.RuneCountInString(x) > 60 {
			x = string([]rune(x)[:60]) + "…"
		}
		return strconv.Quote(x)
	}
	return fmt.Sprintf("%v", v)
}

func hasType(v any, t Type) bool {
	switch t {
	case TypeAny:
		return true
	case TypeObject:
		_, ok := v.(map[string]any)
		return ok
	case TypeArray:
		_, ok := v.([]any)
		return ok
	case TypeString:
		_, ok := v.(string)
		return ok
	case TypeBoolean:
		_, ok := v.(bool)
		return ok
	case TypeNumber:
		switch v.(type) {
		case float64, int, int64:
			return true
		}
	case TypeInteger:
		switch x := v.(type) {
		case int, int64:
			return true
		case float64:
			return x == math.Trunc(x) && !math.IsInf(x, 0)
		}
	}
	return false
}

func contains(values []any, v any) bool {
	for _, e := range values {
		if equalScalar(e, v) {
			return true
		}
	}
	return false
}

func equalScalar(a, b any) bool {
	fa, aNum := toFloat(a)
	fb, bNum := toFloat(b)
	if aNum && bNum {
		return fa == fb
	}
	return a == b
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func formatValues(values []any) string {
	parts := make([]string, len(values))
	for i, v := range values {
		if s, ok := v.(string); ok {
			parts[i] = strconv.Quote(s)
		} else {
			parts[i] = fmt.Sprint(v)
		}
	}
	return strings.Join(parts, ", ")
}

// suggest returns the known key closest to key when it is close enough to be
// a likely typo.
func suggest(key string, known []string) string {
	best, bestDist := "", math.MaxInt
	for _, k := range known {
		if strings.EqualFold(k, key) {
			return k
		}
		d := editDistance(strings.ToLower(key), strings.ToLower(k))
		if d < bestDist {
			best, bestDist = k, d
		}
	}
	limit := 2
	if len(key) <= 4 {
		limit = 1
	}
	if bestDist <= limit {
		return best
	}
	return ""
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and adjacent transpositions ("prot" → "port")
// each cost one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
