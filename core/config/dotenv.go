package config

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// parseDotEnv reads KEY=VALUE lines. It accepts "export " prefixes, blank
// lines, # comments, single-quoted values (literal), double-quoted values
// (with \n, \t, \" and \\ escapes) and unquoted values with trailing
// " # comments".
func parseDotEnv(data []byte, name string) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), maxFileSize)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		text = strings.TrimPrefix(text, "export ")
		key, value, ok := strings.Cut(text, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" || strings.ContainsAny(key, " \t") {
			return nil, fmt.Errorf("%s:%d: expected KEY=VALUE", name, line)
		}
		value = strings.TrimSpace(value)
		switch {
		case strings.HasPrefix(value, `"`):
			end := closingDoubleQuote(value)
			if end < 0 {
				return nil, fmt.Errorf("%s:%d: unterminated double-quoted value for %s", name, line, key)
			}
			unq, err := strconv.Unquote(value[:end+1])
			if err != nil {
				unq = value[1:end]
			}
			value = unq
		case strings.HasPrefix(value, "'"):
			end := strings.IndexByte(value[1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("%s:%d: unterminated single-quoted value for %s", name, line, key)
			}
			value = value[1 : end+1]
		default:
			if i := strings.Index(value, " #"); i >= 0 {
				value = strings.TrimSpace(value[:i])
			}
		}
		out[key] = value
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

func closingDoubleQuote(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}
