package cmdpolicy

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// Profile is the argv shape a safe bin accepts: flags it knows, and how many
// positional arguments. Everything else makes the command a miss, so a safe
// bin can only filter the stream it is given and never name a file.
type Profile struct {
	MinPositional int `json:"minPositional"`
	// MaxPositional < 0 means no limit.
	MaxPositional     int      `json:"maxPositional"`
	AllowedValueFlags []string `json:"allowedValueFlags"`
	DeniedFlags       []string `json:"deniedFlags"`
	// BoolFlags are flags that take no value; only built-in profiles have
	// them, as a custom profile's unknown flags stay refused.
	BoolFlags []string `json:"-"`
}

// DefaultSafeBins are OpenClaw's default stdin-only filters.
func DefaultSafeBins() map[string]Profile {
	return map[string]Profile{
		"cut": {AllowedValueFlags: []string{"-b", "-c", "-f", "-d", "--bytes", "--characters", "--fields", "--delimiter", "--output-delimiter"},
			BoolFlags: []string{"-s", "-n", "-z", "--complement", "--only-delimited", "--zero-terminated"}},
		"uniq": {AllowedValueFlags: []string{"-f", "-s", "-w", "--skip-fields", "--skip-chars", "--check-chars"},
			BoolFlags: []string{"-c", "-d", "-D", "-u", "-i", "-z", "--count", "--repeated", "--unique", "--ignore-case", "--zero-terminated"}},
		"head": {AllowedValueFlags: []string{"-n", "-c", "--lines", "--bytes"},
			BoolFlags: []string{"-q", "-v", "-z", "--quiet", "--silent", "--verbose", "--zero-terminated"}},
		"tail": {AllowedValueFlags: []string{"-n", "-c", "--lines", "--bytes"},
			DeniedFlags: []string{"-f", "-F", "--follow", "--retry"},
			BoolFlags:   []string{"-q", "-v", "-z", "--quiet", "--silent", "--verbose", "--zero-terminated"}},
		"tr": {MinPositional: 1, MaxPositional: 2,
			BoolFlags: []string{"-c", "-C", "-d", "-s", "-t", "--complement", "--delete", "--squeeze-repeats", "--truncate-set1"}},
		"wc": {DeniedFlags: []string{"--files0-from"},
			BoolFlags: []string{"-c", "-m", "-l", "-L", "-w", "--bytes", "--chars", "--lines", "--max-line-length", "--words"}},
	}
}

// neverSafe can evaluate code or read files by design; listing them in
// safeBins does not make them safe.
var neverSafe = map[string]bool{
	"awk": true, "gawk": true, "mawk": true, "nawk": true, "sed": true, "jq": true,
	"sh": true, "bash": true, "zsh": true, "dash": true, "ksh": true, "fish": true,
	"python": true, "python3": true, "node": true, "deno": true, "bun": true, "ruby": true, "perl": true, "php": true, "lua": true,
	"env": true, "xargs": true, "find": true, "busybox": true, "toybox": true,
}

// SafeBinsFor returns the safe-bin table for the configured list: nil keeps
// the defaults; a listed name gets its configured profile, else its default
// one, else none (and so is not safe). Interpreters never qualify.
func SafeBinsFor(names []string, profiles map[string]Profile) map[string]Profile {
	defaults := DefaultSafeBins()
	if names == nil {
		names = make([]string, 0, len(defaults))
		for n := range defaults {
			names = append(names, n)
		}
	}
	out := map[string]Profile{}
	for _, n := range names {
		if neverSafe[n] {
			continue
		}
		if p, ok := profiles[n]; ok {
			if p.MaxPositional == 0 && p.MinPositional > 0 {
				p.MaxPositional = p.MinPositional
			}
			out[n] = p
		} else if p, ok := defaults[n]; ok {
			out[n] = p
		}
	}
	return out
}

// safeBin reports whether the segment is a safe-bin invocation; a message
// says why a listed safe bin was refused.
func (p Policy) safeBin(s Segment, resolved string) (bool, string) {
	name := filepath.Base(s[0].Text)
	prof, ok := p.SafeBins[name]
	if !ok {
		return false, ""
	}
	if !p.trusted(filepath.Dir(resolved)) {
		return false, fmt.Sprintf("safe bin resolved to %s, outside the trusted directories %v", resolved, p.TrustedDirs)
	}
	positional := 0
	flagsDone := false
	for i := 1; i < len(s); i++ {
		w := s[i]
		if !w.Literal {
			return false, fmt.Sprintf("argument %q would be expanded by the shell", w.Text)
		}
		if !flagsDone && w.Text == "--" {
			flagsDone = true
			continue
		}
		if !flagsDone && strings.HasPrefix(w.Text, "-") && w.Text != "-" {
			consumes, msg := prof.flag(w.Text)
			if msg != "" {
				return false, msg
			}
			if consumes {
				i++
				if i >= len(s) {
					return false, fmt.Sprintf("flag %s needs a value", w.Text)
				}
				if !s[i].Literal {
					return false, fmt.Sprintf("argument %q would be expanded by the shell", s[i].Text)
				}
			}
			continue
		}
		if pathLike(w.Text) {
			return false, fmt.Sprintf("argument %q looks like a path; safe bins only read stdin", w.Text)
		}
		positional++
	}
	if positional < prof.MinPositional || (prof.MaxPositional >= 0 && positional > prof.MaxPositional) {
		return false, fmt.Sprintf("takes %d-%d positional arguments, got %d (safe bins only read stdin)", prof.MinPositional, prof.MaxPositional, positional)
	}
	return true, ""
}

func (p Policy) trusted(dir string) bool {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		real = dir
	}
	for _, t := range p.TrustedDirs {
		if t == dir || t == real {
			return true
		}
		if rt, err := filepath.EvalSymlinks(t); err == nil && (rt == dir || rt == real) {
			return true
		}
	}
	return false
}

// flag checks one flag word; consumes says the next word is its value.
func (prof Profile) flag(w string) (consumes bool, msg string) {
	name, _, hasValue := strings.Cut(w, "=")
	if slices.Contains(prof.DeniedFlags, name) {
		return false, fmt.Sprintf("flag %s is denied for this safe bin", name)
	}
	if strings.HasPrefix(w, "--") {
		switch {
		case slices.Contains(prof.AllowedValueFlags, name):
			return !hasValue, ""
		case slices.Contains(prof.BoolFlags, name) && !hasValue:
			return false, ""
		}
		return false, fmt.Sprintf("flag %s is not recognised for this safe bin", name)
	}
	// Short flags: a value flag, possibly with its value attached (-n5), or
	// a cluster of boolean flags (-lw).
	if len(w) >= 2 && slices.Contains(prof.AllowedValueFlags, w[:2]) {
		return len(w) == 2, ""
	}
	for _, c := range w[1:] {
		f := "-" + string(c)
		if slices.Contains(prof.DeniedFlags, f) {
			return false, fmt.Sprintf("flag %s is denied for this safe bin", f)
		}
		if !slices.Contains(prof.BoolFlags, f) {
			return false, fmt.Sprintf("flag %s is not recognised for this safe bin", f)
		}
	}
	return false, ""
}

// pathLike spots arguments that name files.
func pathLike(w string) bool {
	return strings.Contains(w, "/") || strings.HasPrefix(w, ".") || strings.HasPrefix(w, "~")
}
