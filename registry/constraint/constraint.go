// Package constraint reads the version ranges users type (npm style: ^1.4,
// ~1.4, >=1.2 <2, 1.x, exact versions, alternatives with ||) and maps them onto
// hashicorp/go-version constraints, which have no caret, tilde or x-ranges.
package constraint

import (
	"fmt"
	"strconv"
	"strings"

	version "github.com/hashicorp/go-version"
)

// Range is a parsed version range: a version matches when it satisfies every
// constraint of at least one alternative.
type Range struct {
	text string
	alts []version.Constraints
}

// Any matches every release version (pre-releases need an explicit range).
func Any() Range {
	r, _ := Parse("")
	return r
}

// Parse reads an npm-style range. An empty string, "*", "x" and "latest"
// mean any release version.
func Parse(text string) (Range, error) {
	text = strings.TrimSpace(text)
	r := Range{text: text}
	for _, alt := range strings.Split(text, "||") {
		cs, err := parseAlternative(alt)
		if err != nil {
			return Range{}, fmt.Errorf("version range %q: %w", text, err)
		}
		r.alts = append(r.alts, cs)
	}
	return r, nil
}

// parseAlternative turns one "||" branch into go-version constraints.
func parseAlternative(alt string) (version.Constraints, error) {
	var parts []string
	for _, term := range splitTerms(alt) {
		p, err := translate(term)
		if err != nil {
			return nil, err
		}
		parts = append(parts, p...)
	}
	if len(parts) == 0 {
		parts = []string{">= 0.0.0"}
	}
	cs, err := version.NewConstraint(strings.Join(parts, ", "))
	if err != nil {
		return nil, err
	}
	return cs, nil
}

// splitTerms splits on commas and spaces, keeping an operator attached to the
// version that follows it (">= 1.2" is one term).
func splitTerms(s string) []string {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	var terms []string
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		if strings.TrimLeft(f, "<>=!~^") == "" && i+1 < len(fields) {
			f += fields[i+1]
			i++
		}
		terms = append(terms, f)
	}
	return terms
}

// translate maps one npm term onto go-version constraint strings.
func translate(term string) ([]string, error) {
	switch term {
	case "", "*", "x", "X", "latest":
		return nil, nil
	}
	if strings.HasPrefix(term, "~>") { // go-version's own pessimistic operator
		return []string{"~> " + strings.TrimPrefix(term, "~>")}, nil
	}
	for _, op := range []string{">=", "<=", "!=", ">", "<", "="} {
		if strings.HasPrefix(term, op) {
			v := strings.TrimPrefix(strings.TrimPrefix(term, op), "v")
			if _, err := version.NewVersion(v); err != nil {
				return nil, fmt.Errorf("%q is not a version", v)
			}
			return []string{op + " " + v}, nil
		}
	}
	switch term[0] {
	case '^':
		return caret(term[1:])
	case '~':
		return tilde(term[1:])
	}
	return exactOrX(term)
}

// partial is a version whose trailing parts may be missing or wildcards.
type partial struct {
	nums []int  // given numeric parts, 0 to 3
	pre  string // pre-release and build suffix, with its leading '-' or '+'
}

func parsePartial(s string) (partial, error) {
	s = strings.TrimPrefix(s, "v")
	var p partial
	if i := strings.IndexAny(s, "-+"); i >= 0 {
		s, p.pre = s[:i], s[i:]
	}
	if s == "" {
		return p, fmt.Errorf("missing version")
	}
	for i, part := range strings.Split(s, ".") {
		if i > 2 {
			return p, fmt.Errorf("%q has more than three parts", s)
		}
		if part == "x" || part == "X" || part == "*" {
			if p.pre != "" {
				return p, fmt.Errorf("wildcard with a pre-release in %q", s)
			}
			break
		}
		n, err := strconv.Atoi(part)
		if err != nil || n < 0 {
			return p, fmt.Errorf("%q is not a version", s)
		}
		p.nums = append(p.nums, n)
	}
	if len(p.nums) == 0 {
		return p, nil
	}
	if p.pre != "" && len(p.nums) < 3 {
		return p, fmt.Errorf("pre-release needs a full version in %q", s)
	}
	return p, nil
}

// lower is the smallest version the partial admits.
func (p partial) lower() string {
	n := [3]int{}
	copy(n[:], p.nums)
	return fmt.Sprintf(">= %d.%d.%d%s", n[0], n[1], n[2], p.pre)
}

// caret allows changes that do not touch the left-most non-zero part.
func caret(s string) ([]string, error) {
	p, err := parsePartial(s)
	if err != nil {
		return nil, err
	}
	n := p.nums
	switch {
	case len(n) == 0:
		return nil, nil
	case n[0] > 0 || len(n) == 1:
		return []string{p.lower(), fmt.Sprintf("< %d.0.0", n[0]+1)}, nil
	case n[1] > 0 || len(n) == 2:
		return []string{p.lower(), fmt.Sprintf("< 0.%d.0", n[1]+1)}, nil
	default:
		return []string{p.lower(), fmt.Sprintf("< 0.0.%d", n[2]+1)}, nil
	}
}

// tilde allows patch changes when a minor is given, else minor changes.
func tilde(s string) ([]string, error) {
	p, err := parsePartial(s)
	if err != nil {
		return nil, err
	}
	n := p.nums
	switch len(n) {
	case 0:
		return nil, nil
	case 1:
		return []string{p.lower(), fmt.Sprintf("< %d.0.0", n[0]+1)}, nil
	default:
		return []string{p.lower(), fmt.Sprintf("< %d.%d.0", n[0], n[1]+1)}, nil
	}
}

// exactOrX handles "1.4.2" (exact) and "1", "1.4", "1.x", "1.4.*" (ranges).
func exactOrX(s string) ([]string, error) {
	p, err := parsePartial(s)
	if err != nil {
		return nil, err
	}
	n := p.nums
	switch len(n) {
	case 0:
		return nil, nil
	case 1:
		return []string{p.lower(), fmt.Sprintf("< %d.0.0", n[0]+1)}, nil
	case 2:
		return []string{p.lower(), fmt.Sprintf("< %d.%d.0", n[0], n[1]+1)}, nil
	default:
		return []string{fmt.Sprintf("= %d.%d.%d%s", n[0], n[1], n[2], p.pre)}, nil
	}
}

// Check reports whether v is inside the range.
func (r Range) Check(v *version.Version) bool {
	for _, cs := range r.alts {
		if cs.Check(v) {
			return true
		}
	}
	return false
}

// String is the range as the user wrote it.
func (r Range) String() string { return r.text }

// IsAny reports whether the range was empty or a wildcard.
func (r Range) IsAny() bool {
	switch r.text {
	case "", "*", "x", "X", "latest":
		return true
	}
	return false
}

// Exact returns the version when the range names exactly one.
func (r Range) Exact() (string, bool) {
	if len(r.alts) != 1 || len(r.alts[0]) != 1 {
		return "", false
	}
	s := r.alts[0][0].String()
	if !strings.HasPrefix(s, "=") || strings.HasPrefix(s, "==") {
		return "", false
	}
	return strings.TrimSpace(strings.TrimPrefix(s, "=")), true
}

// GoVersion renders the range as go-version constraint text; alternatives
// are joined with " || ".
func (r Range) GoVersion() string {
	parts := make([]string, len(r.alts))
	for i, cs := range r.alts {
		parts[i] = cs.String()
	}
	return strings.Join(parts, " || ")
}
