package patch

import (
	"fmt"
	"slices"
	"strings"
)

// ApplyChunks returns original with an update's chunks applied. path only
// names the file in errors. The result always ends with a newline; a file
// with CRLF line ends keeps them.
func ApplyChunks(path, original string, chunks []Chunk) (string, error) {
	crlf := strings.Contains(original, "\r\n")
	if crlf {
		original = strings.ReplaceAll(original, "\r\n", "\n")
	}
	lines := strings.Split(original, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	reps, err := replacements(path, lines, chunks)
	if err != nil {
		return "", err
	}
	// Back to front, so earlier indexes stay valid.
	for i := len(reps) - 1; i >= 0; i-- {
		r := reps[i]
		lines = slices.Replace(lines, r.start, r.start+r.n, r.lines...)
	}
	if len(lines) == 0 || lines[len(lines)-1] != "" {
		lines = append(lines, "")
	}
	out := strings.Join(lines, "\n")
	if crlf {
		out = strings.ReplaceAll(out, "\n", "\r\n")
	}
	return out, nil
}

type replacement struct {
	start, n int
	lines    []string
}

func replacements(path string, lines []string, chunks []Chunk) ([]replacement, error) {
	var reps []replacement
	at := 0
	for i, c := range chunks {
		if c.Context != "" {
			idx, ok := seek(lines, []string{c.Context}, at, false)
			if !ok {
				return nil, fmt.Errorf("%s, chunk %d: context line %q not found", path, i+1, c.Context)
			}
			at = idx + 1
		}
		if len(c.Old) == 0 {
			// Pure additions go at the end of the file.
			reps = append(reps, replacement{start: len(lines), lines: c.New})
			continue
		}
		old, repl := c.Old, c.New
		idx, ok := seek(lines, old, at, c.EOF)
		if !ok && old[len(old)-1] == "" {
			// A trailing empty line in the chunk is often the file's final
			// newline, which has no line of its own here.
			old = old[:len(old)-1]
			if len(repl) > 0 && repl[len(repl)-1] == "" {
				repl = repl[:len(repl)-1]
			}
			idx, ok = seek(lines, old, at, c.EOF)
		}
		if !ok {
			return nil, fmt.Errorf("%s, chunk %d: these lines were not found in order:\n%s", path, i+1, strings.Join(c.Old, "\n"))
		}
		reps = append(reps, replacement{start: idx, n: len(old), lines: repl})
		at = idx + len(old)
	}
	slices.SortStableFunc(reps, func(a, b replacement) int { return a.start - b.start })
	return reps, nil
}

// seek finds pattern in lines at or after start; with eof it must end at
// the last line. Each pass compares more loosely than the one before, so an
// exact match always wins over a fuzzy one.
func seek(lines, pattern []string, start int, eof bool) (int, bool) {
	if len(pattern) == 0 {
		return start, true
	}
	if len(pattern) > len(lines) {
		return 0, false
	}
	from := start
	if eof {
		from = len(lines) - len(pattern)
	}
	for _, norm := range []func(string) string{
		func(s string) string { return s },
		func(s string) string { return strings.TrimRight(s, " \t") },
		strings.TrimSpace,
		func(s string) string { return strings.TrimSpace(plainPunctuation(s)) },
	} {
		for i := from; i+len(pattern) <= len(lines); i++ {
			match := true
			for j, p := range pattern {
				if norm(lines[i+j]) != norm(p) {
					match = false
					break
				}
			}
			if match {
				return i, true
			}
		}
	}
	return 0, false
}

// plainPunctuation maps typographic dashes, quotes and spaces to ASCII,
// which models and editors substitute for one another.
func plainPunctuation(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212':
			return '-'
		case '\u2018', '\u2019', '\u201A', '\u201B':
			return '\''
		case '\u201C', '\u201D', '\u201E', '\u201F':
			return '"'
		case '\u00A0', '\u2002', '\u2003', '\u2004', '\u2005', '\u2006', '\u2007', '\u2008', '\u2009', '\u200A', '\u202F', '\u205F', '\u3000':
			return ' '
		}
		return r
	}, s)
}
