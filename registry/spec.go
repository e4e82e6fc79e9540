package registry

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/openclaw-go/openclaw/registry/constraint"
	"github.com/openclaw-go/openclaw/registry/index"
)

// Spec is a parsed install argument.
type Spec struct {
	// Kind is "registry", "path" (a folder) or "archive" (a .tar.gz file).
	Kind string
	// Name and Range are set for registry specs.
	Name  string
	Range constraint.Range
	// Path is the absolute path of a local folder or archive.
	Path string
}

// ParseSpec reads "@scope/name", "@scope/name@1.4.2", "@scope/name@^1.4",
// "name@~1.4", a folder path, or a .tar.gz/.tgz path. Anything that looks like
// a path (starts with ".", "/" or "~", or names an existing file) is local.
func ParseSpec(arg string) (Spec, error) {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return Spec{}, fmt.Errorf("empty install spec")
	}
	if looksLocal(arg) {
		return localSpec(arg)
	}
	name, rng := arg, ""
	if i := strings.LastIndex(arg, "@"); i > 0 {
		name, rng = arg[:i], arg[i+1:]
	}
	if err := index.ValidName(name); err != nil {
		return Spec{}, fmt.Errorf("install spec %q: %w", arg, err)
	}
	r, err := constraint.Parse(rng)
	if err != nil {
		return Spec{}, fmt.Errorf("install spec %q: %w", arg, err)
	}
	return Spec{Kind: "registry", Name: name, Range: r}, nil
}

// looksLocal tells paths from package names the way npm does: a path starts
// with ".", "/" or "~", names a bundle file, or has a slash without being a
// scoped name. A bare word is always a package, even if a folder of that
// name happens to exist here.
func looksLocal(arg string) bool {
	switch {
	case strings.HasPrefix(arg, ".") || strings.HasPrefix(arg, "/") || strings.HasPrefix(arg, "~") || filepath.IsAbs(arg):
		return true
	case isArchiveName(arg):
		return true
	}
	return strings.ContainsAny(arg, `/\`) && !strings.HasPrefix(arg, "@")
}

func isArchiveName(p string) bool {
	return strings.HasSuffix(p, ".tar.gz") || strings.HasSuffix(p, ".tgz")
}

func localSpec(arg string) (Spec, error) {
	p := arg
	if strings.HasPrefix(p, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			return Spec{}, fmt.Errorf("install spec %q: %w", arg, err)
		}
		p = filepath.Join(home, p[2:])
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return Spec{}, fmt.Errorf("install spec %q: %w", arg, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return Spec{}, fmt.Errorf("install from %s: %w", arg, err)
	}
	switch {
	case fi.IsDir():
		return Spec{Kind: "path", Path: abs}, nil
	case isArchiveName(abs):
		return Spec{Kind: "archive", Path: abs}, nil
	}
	return Spec{}, fmt.Errorf("install from %s: expected a plugin folder or a .tar.gz bundle", arg)
}
