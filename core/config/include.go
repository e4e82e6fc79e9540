package config

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/openclaw-go/openclaw/core/config/schema"
)

// IncludeKey is the directive that pulls other files into a config.
const IncludeKey = "$include"

const (
	// maxIncludeDepth is how deeply included files may include others.
	maxIncludeDepth = 10
	// maxIncludes bounds the work a config can ask for: a file that includes
	// the same file twice at every level would otherwise grow exponentially.
	maxIncludes = 1000
	// maxFileSize bounds a single config or included file.
	maxFileSize = 16 << 20
)

// includer expands $include directives.
type includer struct {
	readFile func(string) ([]byte, error)
	home     string
	// files lists every file read, root first, in load order.
	files []string
	// sources keeps each file's bytes for hashing.
	sources map[string][]byte
	count   int
}

// resolve expands every $include in v, which was read from file. chain is the
// list of files currently being included (for cycle reports).
func (in *includer) resolve(v any, file string, chain []string, path schema.Path) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if directive, ok := x[IncludeKey]; ok {
			return in.expand(x, directive, file, chain, path)
		}
		for k, e := range x {
			r, err := in.resolve(e, file, chain, path.Key(k))
			if err != nil {
				return nil, err
			}
			x[k] = r
		}
		return x, nil
	case []any:
		for i, e := range x {
			r, err := in.resolve(e, file, chain, path.Index(i))
			if err != nil {
				return nil, err
			}
			x[i] = r
		}
		return x, nil
	}
	return v, nil
}

func (in *includer) expand(obj map[string]any, directive any, file string, chain []string, path schema.Path) (any, error) {
	where := path.Key(IncludeKey).String()
	var targets []string
	single := false
	switch d := directive.(type) {
	case string:
		targets, single = []string{d}, true
	case []any:
		for i, e := range d {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%s: %s[%d] must be a file path (expected a string, got %s)", file, where, i, kindOf(e))
			}
			targets = append(targets, s)
		}
	default:
		return nil, fmt.Errorf("%s: %s must be a file path or a list of file paths (got %s)", file, where, kindOf(directive))
	}

	var merged any
	for i, target := range targets {
		v, err := in.load(target, file, chain, where)
		if err != nil {
			return nil, err
		}
		if single || i == 0 {
			merged = v
			continue
		}
		merged = deepMerge(merged, v)
	}

	siblings := make(map[string]any, len(obj))
	for k, e := range obj {
		if k == IncludeKey {
			continue
		}
		r, err := in.resolve(e, file, chain, path.Key(k))
		if err != nil {
			return nil, err
		}
		siblings[k] = r
	}
	if len(siblings) == 0 {
		return merged, nil
	}
	if _, ok := merged.(map[string]any); !ok && merged != nil {
		return nil, fmt.Errorf("%s: %s: keys next to %s need the included content to be an object (got %s)", file, path.String(), IncludeKey, kindOf(merged))
	}
	return deepMerge(merged, siblings), nil
}

// load reads, parses and expands one included file.
func (in *includer) load(target, from string, chain []string, where string) (any, error) {
	in.count++
	if in.count > maxIncludes {
		return nil, fmt.Errorf("%s: %s: more than %d includes; is a file included over and over?", from, where, maxIncludes)
	}
	resolved := expandHome(target, in.home)
	if !filepath.IsAbs(resolved) {
		resolved = filepath.Join(filepath.Dir(from), resolved)
	}
	resolved = filepath.Clean(resolved)
	for i, f := range chain {
		if f == resolved {
			cycle := append(append([]string(nil), chain[i:]...), resolved)
			return nil, fmt.Errorf("%s: %s: include cycle: %s", from, where, strings.Join(cycle, " -> "))
		}
	}
	if len(chain) > maxIncludeDepth {
		return nil, fmt.Errorf("%s: %s: includes nested more than %d levels deep: %s -> %s", from, where, maxIncludeDepth, strings.Join(chain, " -> "), resolved)
	}
	data, err := in.read(resolved)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: %s: included file %q not found (resolved to %s)", from, where, target, resolved)
		}
		return nil, fmt.Errorf("%s: %s: read included file %s: %w", from, where, resolved, err)
	}
	v, err := parseJSON5(data, resolved)
	if err != nil {
		return nil, fmt.Errorf("included from %s (%s): %w", from, where, err)
	}
	return in.resolve(v, resolved, append(chain, resolved), nil)
}

func (in *includer) read(path string) ([]byte, error) {
	if data, ok := in.sources[path]; ok {
		return data, nil
	}
	data, err := in.readFile(path)
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("file is larger than %d MiB", maxFileSize>>20)
	}
	if in.sources == nil {
		in.sources = map[string][]byte{}
	}
	in.sources[path] = data
	in.files = append(in.files, path)
	return data, nil
}

// deepMerge merges src over dst: objects merge key by key, lists are
// concatenated (so several files can each contribute list entries), and any
// other value from src replaces dst.
func deepMerge(dst, src any) any {
	switch s := src.(type) {
	case map[string]any:
		d, ok := dst.(map[string]any)
		if !ok {
			return src
		}
		out := make(map[string]any, len(d)+len(s))
		for k, v := range d {
			out[k] = v
		}
		for k, v := range s {
			if cur, ok := out[k]; ok {
				out[k] = deepMerge(cur, v)
			} else {
				out[k] = v
			}
		}
		return out
	case []any:
		d, ok := dst.([]any)
		if !ok {
			return src
		}
		out := make([]any, 0, len(d)+len(s))
		return append(append(out, d...), s...)
	}
	return src
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}
