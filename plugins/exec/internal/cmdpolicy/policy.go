package cmdpolicy

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Security modes, from least to most permissive.
const (
	SecurityDeny      = "deny"
	SecurityAllowlist = "allowlist"
	SecurityFull      = "full"
)

// Ask modes, from least to most strict.
const (
	AskOff    = "off"
	AskOnMiss = "on-miss"
	AskAlways = "always"
)

var securityRank = map[string]int{SecurityDeny: 0, SecurityAllowlist: 1, SecurityFull: 2}
var askRank = map[string]int{AskOff: 0, AskOnMiss: 1, AskAlways: 2}

// ValidSecurity and ValidAsk report known mode names.
func ValidSecurity(s string) bool { _, ok := securityRank[s]; return ok }
func ValidAsk(s string) bool      { _, ok := askRank[s]; return ok }

// StricterSecurity returns the less permissive of a and b; "" is ignored.
func StricterSecurity(a, b string) string {
	if a == "" {
		return b
	}
	if b == "" || securityRank[a] <= securityRank[b] {
		return a
	}
	return b
}

// StricterAsk returns the stricter ask mode of a and b; "" is ignored.
func StricterAsk(a, b string) string {
	if a == "" {
		return b
	}
	if b == "" || askRank[a] >= askRank[b] {
		return a
	}
	return b
}

// Policy is the effective exec policy for one call.
type Policy struct {
	Security string
	Ask      string
	// AskFallback decides a call that needs approval when nobody can be
	// asked: deny, allowlist or full.
	AskFallback string
	// Allowlist holds executable patterns: a path glob (** crosses
	// directories) matched against the resolved executable, or a bare-name
	// glob matched only when the command is invoked through PATH.
	Allowlist []string
	// SafeBins are stdin-only filters allowed without an allowlist entry,
	// each with the argv shape it accepts.
	SafeBins map[string]Profile
	// TrustedDirs are where a safe bin's executable must live.
	TrustedDirs []string
	// StrictInlineEval asks for approval of inline interpreter code
	// (python -c, node -e, …) even in full mode.
	StrictInlineEval bool
	// Home expands ~ in allowlist patterns; empty leaves them unmatched.
	Home string
}

// Verdict is the outcome of Evaluate.
type Verdict int

// Verdicts.
const (
	Allow Verdict = iota + 1
	// Deny: policy forbids the command.
	Deny
	// NeedsApproval: a human would have to approve it, and nobody can:
	// the caller reports how to allow it.
	NeedsApproval
)

// Decision explains a verdict in words for the model and the user.
type Decision struct {
	Verdict Verdict
	// Reason says why the command was not allowed outright.
	Reason string
	// Misses lists the executables that matched neither the allowlist nor
	// the safe bins.
	Misses []string
}

// Env is what evaluation needs to know about where the command runs.
type Env struct {
	Dir  string
	Path string
}

// Evaluate decides whether command may run. A call that needs approval is
// settled by AskFallback, since this process has nobody to ask; Decision
// still says approval was what it needed.
func (p Policy) Evaluate(command string, env Env) Decision {
	if p.Security == SecurityDeny {
		return Decision{Verdict: Deny, Reason: "exec is disabled by the security mode (deny)"}
	}
	var match allowMatch
	matched := false
	allowlistMatch := func() allowMatch {
		if !matched {
			match, matched = p.matchAllowlist(command, env), true
		}
		return match
	}
	strict := p.StrictInlineEval && inlineEval(command)
	needApproval, reason := false, ""
	switch {
	case p.Ask == AskAlways:
		needApproval, reason = true, "the ask mode (always) requires approval of every command"
	case p.Security == SecurityFull && p.Ask != AskOnMiss, allowlistMatch().ok:
		if strict {
			needApproval, reason = true, "strictInlineEval requires approval of inline interpreter code"
		}
	case p.Ask == AskOnMiss:
		needApproval, reason = true, "the command is not on the allowlist ("+match.reason+")"
	default:
		return Decision{Verdict: Deny, Reason: "the command is not on the allowlist (" + match.reason + ")", Misses: match.misses}
	}
	if !needApproval {
		return Decision{Verdict: Allow}
	}
	// Nobody can be asked here: the fallback decides, and it can only
	// narrow what the security mode allows.
	fallbackAllows := false
	switch p.AskFallback {
	case SecurityFull:
		fallbackAllows = p.Security == SecurityFull || allowlistMatch().ok
	case SecurityAllowlist:
		fallbackAllows = allowlistMatch().ok
	}
	if fallbackAllows && !strict {
		return Decision{Verdict: Allow}
	}
	return Decision{Verdict: NeedsApproval, Reason: reason, Misses: allowlistMatch().misses}
}

type allowMatch struct {
	ok     bool
	reason string
	misses []string
}

// matchAllowlist reports whether every segment of command is allowlisted or
// a safe bin.
func (p Policy) matchAllowlist(command string, env Env) allowMatch {
	segs, err := Split(command)
	if err != nil {
		return allowMatch{reason: err.Error()}
	}
	var misses []string
	var why []string
	for _, s := range segs {
		name := s[0].Text
		if !s[0].Literal {
			misses = append(misses, name)
			why = append(why, fmt.Sprintf("%s: the command name is expanded by the shell", name))
			continue
		}
		if isAssignment(name) {
			misses = append(misses, name)
			why = append(why, fmt.Sprintf("%s: environment assignments are not allowlisted", name))
			continue
		}
		resolved, err := lookPath(name, env)
		if err != nil {
			misses = append(misses, name)
			why = append(why, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		if p.allowlisted(name, resolved) {
			continue
		}
		if ok, msg := p.safeBin(s, resolved); ok {
			continue
		} else if msg != "" {
			why = append(why, fmt.Sprintf("%s: %s", name, msg))
		} else {
			why = append(why, fmt.Sprintf("%s (%s) matches no allowlist entry", name, resolved))
		}
		misses = append(misses, resolved)
	}
	if len(misses) > 0 {
		return allowMatch{reason: strings.Join(why, "; "), misses: misses}
	}
	return allowMatch{ok: true}
}

func isAssignment(w string) bool {
	eq := strings.IndexByte(w, '=')
	if eq <= 0 {
		return false
	}
	for i, c := range w[:eq] {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// lookPath resolves name as the shell would: a path relative to the working
// directory, or a search of PATH.
func lookPath(name string, env Env) (string, error) {
	if strings.Contains(name, "/") {
		p := name
		if !filepath.IsAbs(p) {
			p = filepath.Join(env.Dir, p)
		}
		if !executable(p) {
			return "", fmt.Errorf("%s is not an executable file", p)
		}
		return filepath.Clean(p), nil
	}
	for _, dir := range filepath.SplitList(env.Path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, name)
		if !filepath.IsAbs(p) {
			p = filepath.Join(env.Dir, p)
		}
		if executable(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("not found on PATH")
}

func executable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

func (p Policy) allowlisted(name, resolved string) bool {
	bare := !strings.Contains(name, "/")
	for _, pat := range p.Allowlist {
		pat = strings.TrimSpace(pat)
		if strings.HasPrefix(pat, "~") {
			if p.Home == "" {
				continue
			}
			pat = p.Home + pat[1:]
		}
		if strings.Contains(pat, "/") {
			if globMatch(pat, resolved) {
				return true
			}
			continue
		}
		if bare && globMatch(pat, name) {
			return true
		}
	}
	return false
}

// globMatch matches s against a glob where * stays within a path element,
// ** crosses elements and ? is one character.
func globMatch(pattern, s string) bool {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; c {
		case '*':
			if i+1 < len(pattern) && pattern[i+1] == '*' {
				b.WriteString(".*")
				i++
			} else {
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	return err == nil && re.MatchString(s)
}

// inlineEval spots interpreter code passed on the command line.
func inlineEval(command string) bool {
	segs, err := Split(command)
	if err != nil {
		// Unreadable: assume the worst.
		return true
	}
	for _, s := range segs {
		base := filepath.Base(s[0].Text)
		flags, ok := evalFlags[strings.TrimRight(base, "0123456789.")]
		if !ok {
			continue
		}
		for _, w := range s[1:] {
			for _, f := range flags {
				if w.Text == f {
					return true
				}
			}
		}
	}
	return false
}

var evalFlags = map[string][]string{
	"python": {"-c"}, "node": {"-e", "--eval", "-p", "--print"}, "deno": {"eval"}, "bun": {"-e", "--eval"},
	"ruby": {"-e"}, "perl": {"-e", "-E"}, "php": {"-r"}, "lua": {"-e"}, "osascript": {"-e"},
	"sh": {"-c"}, "bash": {"-c"}, "zsh": {"-c"}, "dash": {"-c"}, "fish": {"-c"},
}
