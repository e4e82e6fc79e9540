// Package cmdpolicy decides whether a shell command may run under OpenClaw's
// exec security modes: deny, allowlist (with safe bins) and full, with the
// ask modes layered on top.
//
// The allowlist is judged on a conservative reading of the command line:
// pipelines and && / || / ; chains of plain words. Anything a shell could use
// to run or redirect more than it shows (command substitution, redirection,
// subshells, background jobs) makes the command a miss, so the allowlist
// never approves what it did not understand.
package cmdpolicy

import (
	"errors"
	"fmt"
	"strings"
)

// Word is one argument as the shell would pass it, quotes removed.
type Word struct {
	Text string
	// Literal is false when the shell would still expand the word: an
	// unquoted glob or tilde, or a $ anywhere.
	Literal bool
}

// Segment is one simple command of a pipeline or chain.
type Segment []Word

// Argv returns the segment's words as strings.
func (s Segment) Argv() []string {
	out := make([]string, len(s))
	for i, w := range s {
		out[i] = w.Text
	}
	return out
}

// ErrUnsupported marks shell syntax the allowlist does not judge.
var ErrUnsupported = errors.New("unsupported shell syntax")

func unsupported(what string) error { return fmt.Errorf("%w: %s", ErrUnsupported, what) }

// Split reads a command line into segments.
func Split(cmd string) ([]Segment, error) {
	var (
		segs    []Segment
		cur     Segment
		word    strings.Builder
		inWord  bool
		literal = true
		// dangling is set by an operator that still needs a command.
		dangling bool
	)
	endWord := func() {
		if inWord {
			cur = append(cur, Word{Text: word.String(), Literal: literal})
			dangling = false
		}
		word.Reset()
		inWord, literal = false, true
	}
	endSegment := func(op string) error {
		endWord()
		if len(cur) == 0 {
			return unsupported(fmt.Sprintf("empty command before %q", op))
		}
		segs = append(segs, cur)
		cur = nil
		dangling = true
		return nil
	}
	r := []rune(cmd)
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch {
		case c == '\\':
			if i+1 < len(r) {
				i++
				if r[i] != '\n' {
					word.WriteRune(r[i])
					inWord = true
				}
			}
		case c == '\'':
			end := indexFrom(r, i+1, '\'')
			if end < 0 {
				return nil, unsupported("unterminated single quote")
			}
			word.WriteString(string(r[i+1 : end]))
			inWord = true
			i = end
		case c == '"':
			j := i + 1
			for ; j < len(r) && r[j] != '"'; j++ {
				switch r[j] {
				case '`':
					return nil, unsupported("command substitution")
				case '$':
					if j+1 < len(r) && r[j+1] == '(' {
						return nil, unsupported("command substitution")
					}
					literal = false
				case '\\':
					if j+1 < len(r) && strings.ContainsRune("\"\\$`\n", r[j+1]) {
						j++
						if r[j] == '\n' {
							continue
						}
					}
				}
				word.WriteRune(r[j])
			}
			if j >= len(r) {
				return nil, unsupported("unterminated double quote")
			}
			inWord = true
			i = j
		case c == ' ' || c == '\t':
			endWord()
		case c == '\n' || c == ';':
			endWord()
			if len(cur) == 0 {
				if c == '\n' {
					continue // blank line
				}
				return nil, unsupported(`empty command before ";"`)
			}
			segs, cur = append(segs, cur), nil
		case c == '|':
			op := "|"
			if i+1 < len(r) && r[i+1] == '|' {
				op, i = "||", i+1
			} else if i+1 < len(r) && r[i+1] == '&' {
				return nil, unsupported("|& redirection")
			}
			if err := endSegment(op); err != nil {
				return nil, err
			}
		case c == '&':
			if i+1 < len(r) && r[i+1] == '&' {
				i++
				if err := endSegment("&&"); err != nil {
					return nil, err
				}
				continue
			}
			return nil, unsupported("background job (&)")
		case c == '<' || c == '>':
			return nil, unsupported("redirection")
		case c == '(' || c == ')':
			return nil, unsupported("subshell")
		case c == '`':
			return nil, unsupported("command substitution")
		case c == '$':
			if i+1 < len(r) && r[i+1] == '(' {
				return nil, unsupported("command substitution")
			}
			word.WriteRune(c)
			inWord, literal = true, false
		case c == '#' && !inWord:
			end := indexFrom(r, i, '\n')
			if end < 0 {
				end = len(r)
			}
			i = end - 1
		case c == '*' || c == '?' || c == '[' || (c == '~' && !inWord):
			word.WriteRune(c)
			inWord, literal = true, false
		default:
			word.WriteRune(c)
			inWord = true
		}
	}
	endWord()
	if len(cur) > 0 {
		segs = append(segs, cur)
	} else if dangling {
		return nil, unsupported("the command ends with an operator")
	}
	if len(segs) == 0 {
		return nil, unsupported("empty command")
	}
	for _, s := range segs {
		if w := s[0].Text; w == "{" || w == "}" || w == "!" {
			return nil, unsupported(fmt.Sprintf("shell keyword %q", w))
		}
	}
	return segs, nil
}

func indexFrom(r []rune, from int, c rune) int {
	for i := from; i < len(r); i++ {
		if r[i] == c {
			return i
		}
	}
	return -1
}
