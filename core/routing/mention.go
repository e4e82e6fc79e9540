package routing

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/hashicorp/go-hclog"
)

// compilePatterns compiles mention patterns case-insensitively. Invalid
// patterns are skipped with a warning, as OpenClaw does.
func compilePatterns(patterns []string, where string, log hclog.Logger) []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, p := range patterns {
		// A "\b" written in a JSON string is a backspace character; the
		// author meant a regex word boundary.
		p = strings.ReplaceAll(p, "\b", `\b`)
		if strings.TrimSpace(p) == "" {
			continue
		}
		re, err := regexp.Compile("(?i)" + p)
		if err != nil {
			log.Warn("ignoring invalid mention pattern", "where", where, "pattern", p, "error", err)
			continue
		}
		out = append(out, re)
	}
	return out
}

// identityPatterns derives mention patterns from an agent's identity: its
// name as a word (spaces matching any run of whitespace, '@' optional) and
// its emoji.
func identityPatterns(id *Identity) []string {
	if id == nil {
		return nil
	}
	var out []string
	if name := strings.TrimSpace(id.Name); name != "" {
		parts := strings.Fields(name)
		for i, p := range parts {
			parts[i] = regexp.QuoteMeta(p)
		}
		re := strings.Join(parts, `\s+`)
		if isASCII(name) {
			out = append(out, `\b@?`+re+`\b`)
		} else {
			// \b only knows ASCII word characters; bound by anything that is
			// not a letter or digit instead.
			out = append(out, `(?:^|[^\p{L}\p{N}])@?`+re+`(?:$|[^\p{L}\p{N}])`)
		}
	}
	if emoji := strings.TrimSpace(id.Emoji); emoji != "" {
		out = append(out, regexp.QuoteMeta(emoji))
	}
	return out
}

func isASCII(s string) bool {
	for _, r := range s {
		if r > unicode.MaxASCII {
			return false
		}
	}
	return true
}

func anyMatch(res []*regexp.Regexp, text string) bool {
	for _, re := range res {
		if re.MatchString(text) {
			return true
		}
	}
	return false
}

// patternsApply reports whether regex mention patterns are on for a
// conversation under a channel's mentionPatterns policy. ids are the
// conversation's ids ("-100123", "-100123:topic:42").
func patternsApply(p *MentionPatternPolicy, ids ...string) bool {
	if p == nil {
		return true
	}
	in := func(list []string) bool {
		for _, id := range ids {
			if id != "" && contains(list, id) {
				return true
			}
		}
		return false
	}
	if in(p.DenyIn) {
		return false
	}
	if p.Mode == "deny" {
		return in(p.AllowIn)
	}
	return true
}
