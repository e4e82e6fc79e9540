package schema

import (
	"regexp"
	"strconv"
	"strings"
)

// Path locates a value inside a document: a sequence of object keys and
// array indexes.
type Path []Segment

// Segment is one step of a Path.
type Segment struct {
	Key     string
	Index   int
	IsIndex bool
}

// ParsePath splits a dotted path ("gateway.auth.token", "agents.list[0].id",
// `channels.telegram.groups["-100123"]`) into segments.
func ParsePath(s string) Path {
	var p Path
	for len(s) > 0 {
		switch {
		case s[0] == '.':
			s = s[1:]
		case strings.HasPrefix(s, `["`):
			end := closingQuote(s[2:])
			if end < 0 {
				return append(p, Segment{Key: s})
			}
			key, err := strconv.Unquote(s[1 : end+3])
			if err != nil {
				key = s[2 : end+2]
			}
			p = append(p, Segment{Key: key})
			s = strings.TrimPrefix(s[end+3:], "]")
		case s[0] == '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return append(p, Segment{Key: s})
			}
			if i, err := strconv.Atoi(s[1:end]); err == nil {
				p = append(p, Segment{Index: i, IsIndex: true})
			} else {
				p = append(p, Segment{Key: s[1:end]})
			}
			s = s[end+1:]
		default:
			end := strings.IndexAny(s, ".[")
			if end < 0 {
				end = len(s)
			}
			p = append(p, Segment{Key: s[:end]})
			s = s[end:]
		}
	}
	return p
}

func closingQuote(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// Key returns a new path with key appended.
func (p Path) Key(key string) Path {
	out := make(Path, len(p), len(p)+1)
	copy(out, p)
	return append(out, Segment{Key: key})
}

// Index returns a new path with index i appended.
func (p Path) Index(i int) Path {
	out := make(Path, len(p), len(p)+1)
	copy(out, p)
	return append(out, Segment{Index: i, IsIndex: true})
}

// Keys returns the segments as strings, indexes in decimal.
func (p Path) Keys() []string {
	out := make([]string, len(p))
	for i, s := range p {
		if s.IsIndex {
			out[i] = strconv.Itoa(s.Index)
		} else {
			out[i] = s.Key
		}
	}
	return out
}

var plainKey = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$-]*$`)

// String renders the path for people: dotted keys, bracketed indexes, and
// quoted brackets for keys that contain dots or other punctuation, so that
// `models["openai/gpt-5.2"]` is not mistaken for nested keys.
func (p Path) String() string {
	var b strings.Builder
	for i, s := range p {
		switch {
		case s.IsIndex:
			b.WriteString("[" + strconv.Itoa(s.Index) + "]")
		case plainKey.MatchString(s.Key):
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.Key)
		default:
			b.WriteString("[" + strconv.Quote(s.Key) + "]")
		}
	}
	return b.String()
}
