package registry

import (
	"fmt"
	"strings"

	version "github.com/hashicorp/go-version"

	"github.com/openclaw-go/openclaw/registry/constraint"
	"github.com/openclaw-go/openclaw/registry/index"
)

// Skip is a version newer than the chosen one (or than nothing) that was
// passed over, and why.
type Skip struct {
	Version string
	Reason  string
}

func (s Skip) String() string { return s.Version + ": " + s.Reason }

// IncompatibleError means no version in range can run here.
type IncompatibleError struct {
	Package string
	Range   string
	// Published lists every version, newest first, when none is in range.
	Published []string
	// Skipped lists the in-range versions and why each cannot run here.
	Skipped []Skip
}

func (e *IncompatibleError) Error() string {
	rng := e.Range
	if rng == "" {
		rng = "any version"
	}
	if len(e.Skipped) == 0 {
		if len(e.Published) == 0 {
			return fmt.Sprintf("%s has no published versions", e.Package)
		}
		return fmt.Sprintf("no version of %s matches %s (published: %s)", e.Package, rng, strings.Join(e.Published, ", "))
	}
	parts := make([]string, len(e.Skipped))
	for i, s := range e.Skipped {
		parts[i] = s.String()
	}
	return fmt.Sprintf("no version of %s matching %s can be installed here: %s", e.Package, rng, strings.Join(parts, "; "))
}

// target describes the machine and gateway a build must run on.
type target struct {
	platform  string
	gateway   *version.Version // nil: not checked (development builds)
	protocols []int
}

// selectVersion picks the newest version of pkg in rng that runs on t,
// reporting the newer in-range versions it skipped.
func selectVersion(pkg *index.Package, rng constraint.Range, t target) (*index.Version, []Skip, error) {
	var skipped []Skip
	var published []string
	for i := range pkg.Versions {
		v := &pkg.Versions[i]
		published = append(published, v.Version)
		sv, err := version.NewSemver(v.Version)
		if err != nil || !rng.Check(sv) {
			continue
		}
		if reasons := incompatibilities(pkg.Kind, v, t); len(reasons) > 0 {
			skipped = append(skipped, Skip{Version: v.Version, Reason: strings.Join(reasons, "; ")})
			continue
		}
		return v, skipped, nil
	}
	return nil, nil, &IncompatibleError{Package: pkg.Name, Range: rng.String(), Published: published, Skipped: skipped}
}

// incompatibilities lists why v cannot run on t.
func incompatibilities(kind string, v *index.Version, t target) []string {
	var reasons []string
	if _, ok := v.Platforms[t.platform]; !ok {
		reasons = append(reasons, fmt.Sprintf("no build for %s (built for %s)", t.platform, strings.Join(v.PlatformKeys(), ", ")))
	}
	if kind == index.KindPlugin && !overlaps(v.Protocols, t.protocols) {
		reasons = append(reasons, fmt.Sprintf("speaks plugin protocol %s, this gateway speaks %s", ints(v.Protocols), ints(t.protocols)))
	}
	if v.Gateway != "" && t.gateway != nil {
		c, err := version.NewConstraint(v.Gateway)
		if err != nil {
			reasons = append(reasons, fmt.Sprintf("gateway constraint %q is invalid", v.Gateway))
		} else if !c.Check(t.gateway.Core()) {
			reasons = append(reasons, fmt.Sprintf("requires gateway %s, this gateway is %s", v.Gateway, t.gateway))
		}
	}
	return reasons
}

func overlaps(a, b []int) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

func ints(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}
