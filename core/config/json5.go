package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/openclaw-go/openclaw/core/config/schema"
	"github.com/titanous/json5"
)

// ParseError is a JSON5 syntax error in a named file.
type ParseError struct {
	File   string
	Line   int
	Column int
	Msg    string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// parseJSON5 decodes one JSON5 document named name (for errors). Numbers
// decode as float64, objects as map[string]any, arrays as []any.
func parseJSON5(data []byte, name string) (v any, err error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &ParseError{File: name, Msg: "file is empty (expected a JSON5 value)"}
	}
	// The decoder is third-party code fed with user input: a panic in it must
	// become an error, not a crash.
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, &ParseError{File: name, Msg: fmt.Sprintf("cannot parse: %v", r)}
		}
	}()
	if err := json5.Unmarshal(data, &v); err != nil {
		var syn *json5.SyntaxError
		if errors.As(err, &syn) {
			line, col := position(data, syn.Offset)
			return nil, &ParseError{File: name, Line: line, Column: col, Msg: syn.Error()}
		}
		return nil, &ParseError{File: name, Msg: err.Error()}
	}
	if p, ok := nonFinite(v, nil); ok {
		where := p.String()
		if where == "" {
			where = "document"
		}
		return nil, &ParseError{File: name, Msg: fmt.Sprintf("%s: Infinity and NaN are not valid configuration values", where)}
	}
	return v, nil
}

// position converts a byte offset into a 1-based line and column.
func position(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	if offset < 0 {
		offset = 0
	}
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - bytes.LastIndexByte(before, '\n')
	return line, col
}

func nonFinite(v any, path schema.Path) (schema.Path, bool) {
	switch x := v.(type) {
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return path, true
		}
	case map[string]any:
		for k, e := range x {
			if p, ok := nonFinite(e, path.Key(k)); ok {
				return p, true
			}
		}
	case []any:
		for i, e := range x {
			if p, ok := nonFinite(e, path.Index(i)); ok {
				return p, true
			}
		}
	}
	return nil, false
}

// keyOrder lists, for every object in a JSON5 document in the order their
// opening braces appear, the keys in the order they are written. The decoder
// hands back Go maps, which forget order; rewriting a user's file must not
// shuffle it. The document must already have parsed: this scanner is lenient
// and only order (never content) depends on it. It returns nil when the
// document repeats a key, because then objects cannot be matched reliably.
func keyOrder(data []byte) [][]string {
	type frame struct {
		object    bool
		list      int
		expectKey bool
	}
	var (
		lists [][]string
		stack []frame
		seen  []map[string]bool
	)
	top := func() *frame {
		if len(stack) == 0 {
			return nil
		}
		return &stack[len(stack)-1]
	}
	addKey := func(k string) bool {
		f := top()
		if f == nil || !f.object || !f.expectKey {
			return true
		}
		if seen[f.list][k] {
			return false
		}
		seen[f.list][k] = true
		lists[f.list] = append(lists[f.list], k)
		f.expectKey = false
		return true
	}
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '/' && i+1 < len(data) && data[i+1] == '/':
			for i < len(data) && data[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(data) && data[i+1] == '*':
			end := bytes.Index(data[i+2:], []byte("*/"))
			if end < 0 {
				return lists
			}
			i += end + 3
		case c == '{':
			lists = append(lists, nil)
			seen = append(seen, map[string]bool{})
			stack = append(stack, frame{object: true, list: len(lists) - 1, expectKey: true})
		case c == '[':
			stack = append(stack, frame{})
		case c == '}' || c == ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case c == ',':
			if f := top(); f != nil && f.object {
				f.expectKey = true
			}
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(data) && data[j] != c {
				if data[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(data) {
				return lists
			}
			if f := top(); f != nil && f.object && f.expectKey {
				var key string
				if err := json5.Unmarshal(data[i:j+1], &key); err != nil {
					return nil
				}
				if !addKey(key) {
					return nil
				}
			}
			i = j
		case isIdentByte(c):
			j := i
			for j < len(data) && isIdentByte(data[j]) {
				j++
			}
			if !addKey(string(data[i:j])) {
				return nil
			}
			i = j - 1
		}
	}
	return lists
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c == '-' || c == '+' || c == '.' ||
		(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80
}

// encodeOrdered renders v as indented JSON, writing object keys in the order
// recorded by keyOrder; keys it does not know come last, sorted.
func encodeOrdered(v any, order [][]string) []byte {
	var b bytes.Buffer
	next := 0
	var enc func(v any, indent string)
	enc = func(v any, indent string) {
		switch x := v.(type) {
		case map[string]any:
			var known []string
			if order != nil && next < len(order) {
				known = order[next]
			}
			next++
			keys := orderKeys(x, known)
			if len(keys) == 0 {
				b.WriteString("{}")
				return
			}
			b.WriteString("{\n")
			for i, k := range keys {
				b.WriteString(indent + "  ")
				b.WriteString(quoteJSON(k))
				b.WriteString(": ")
				enc(x[k], indent+"  ")
				if i < len(keys)-1 {
					b.WriteByte(',')
				}
				b.WriteByte('\n')
			}
			b.WriteString(indent + "}")
		case []any:
			if len(x) == 0 {
				b.WriteString("[]")
				return
			}
			b.WriteString("[\n")
			for i, e := range x {
				b.WriteString(indent + "  ")
				enc(e, indent+"  ")
				if i < len(x)-1 {
					b.WriteByte(',')
				}
				b.WriteByte('\n')
			}
			b.WriteString(indent + "]")
		case float64:
			b.WriteString(strconv.FormatFloat(x, 'f', -1, 64))
		case string:
			b.WriteString(quoteJSON(x))
		default:
			data, err := json.Marshal(x)
			if err != nil {
				data = []byte("null")
			}
			b.Write(data)
		}
	}
	enc(v, "")
	b.WriteByte('\n')
	return b.Bytes()
}

func orderKeys(m map[string]any, known []string) []string {
	keys := make([]string, 0, len(m))
	for _, k := range known {
		if _, ok := m[k]; ok {
			keys = append(keys, k)
		}
	}
	if len(keys) == len(m) {
		return keys
	}
	listed := make(map[string]bool, len(keys))
	for _, k := range keys {
		listed[k] = true
	}
	var rest []string
	for k := range m {
		if !listed[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(keys, rest...)
}

func quoteJSON(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return string(bytes.TrimRight(b.Bytes(), "\n"))
}
