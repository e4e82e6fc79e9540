package cmdpolicy

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		in   string
		want [][]string
	}{
		{"ls -la", [][]string{{"ls", "-la"}}},
		{"  git   status  ", [][]string{{"git", "status"}}},
		{"cat a | head -n 5", [][]string{{"cat", "a"}, {"head", "-n", "5"}}},
		{"make && make test || echo failed; echo done", [][]string{{"make"}, {"make", "test"}, {"echo", "failed"}, {"echo", "done"}}},
		{`echo 'a b' "c d" e\ f`, [][]string{{"echo", "a b", "c d", "e f"}}},
		{`echo "say \"hi\""`, [][]string{{"echo", `say "hi"`}}},
		{"echo a # comment | rm -rf /", [][]string{{"echo", "a"}}},
		{"a\n\nb", [][]string{{"a"}, {"b"}}},
		{"echo ''", [][]string{{"echo", ""}}},
	}
	for _, tt := range tests {
		segs, err := Split(tt.in)
		if err != nil {
			t.Errorf("Split(%q): %v", tt.in, err)
			continue
		}
		var got [][]string
		for _, s := range segs {
			got = append(got, s.Argv())
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Split(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSplitUnsupported(t *testing.T) {
	for _, in := range []string{
		"echo $(id)", "echo `id`", `echo "$(id)"`, "echo \"`id`\"", "cat < /etc/passwd", "echo hi > f",
		"echo hi 2>&1", "sleep 1 &", "(cd /; ls)", "ls |", "| ls", "a && && b", "echo 'open", `echo "open`,
		"; ls", "{ ls; }", "ls |& cat", "",
	} {
		if segs, err := Split(in); !errors.Is(err, ErrUnsupported) {
			t.Errorf("Split(%q) = %v, %v; want ErrUnsupported", in, segs, err)
		}
	}
}

func TestSplitLiteral(t *testing.T) {
	tests := []struct {
		in      string
		literal []bool
	}{
		{"head -n 5", []bool{true, true, true}},
		{"head *.txt", []bool{true, false}},
		{"head '*.txt'", []bool{true, true}},
		{"echo $HOME", []bool{true, false}},
		{`echo "$HOME"`, []bool{true, false}},
		{"echo ~/x", []bool{true, false}},
		{"echo a~b", []bool{true, true}},
	}
	for _, tt := range tests {
		segs, err := Split(tt.in)
		if err != nil {
			t.Fatalf("Split(%q): %v", tt.in, err)
		}
		var got []bool
		for _, w := range segs[0] {
			got = append(got, w.Literal)
		}
		if !reflect.DeepEqual(got, tt.literal) {
			t.Errorf("Split(%q) literal = %v, want %v", tt.in, got, tt.literal)
		}
	}
}

// binDir makes a directory of fake executables.
func binDir(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestEvaluate(t *testing.T) {
	bin := binDir(t, "git", "rg", "head", "wc", "tr", "sort", "mytool", "python3")
	other := binDir(t, "head")
	env := Env{Dir: t.TempDir(), Path: bin}
	allowlist := []string{"git", bin + "/r*", "~/tools/**/mytool"}
	base := Policy{Allowlist: allowlist, SafeBins: SafeBinsFor(nil, nil), TrustedDirs: []string{bin}, AskFallback: SecurityDeny}
	with := func(sec, ask, fallback string) Policy {
		p := base
		p.Security, p.Ask, p.AskFallback = sec, ask, fallback
		return p
	}
	tests := []struct {
		name string
		p    Policy
		cmd  string
		want Verdict
	}{
		{"deny mode", with("deny", "off", "deny"), "git status", Deny},
		{"full runs anything", with("full", "off", "deny"), "anything --goes", Allow},
		{"full with ask always, no approver", with("full", "always", "deny"), "git status", NeedsApproval},
		{"full with ask always, fallback full", with("full", "always", "full"), "anything", Allow},
		{"full with ask always, fallback allowlist, listed", with("full", "always", "allowlist"), "git status", Allow},
		{"full with ask always, fallback allowlist, unlisted", with("full", "always", "allowlist"), "mytool", NeedsApproval},
		{"full, ask on-miss, miss", with("full", "on-miss", "deny"), "mytool", NeedsApproval},
		{"full, ask on-miss, hit", with("full", "on-miss", "deny"), "git log", Allow},
		{"allowlist bare name", with("allowlist", "off", "deny"), "git status", Allow},
		{"allowlist path glob", with("allowlist", "off", "deny"), "rg foo", Allow},
		{"allowlist miss", with("allowlist", "off", "deny"), "mytool", Deny},
		{"bare-name pattern needs PATH invocation", with("allowlist", "off", "deny"), bin + "/git status", Deny},
		{"path pattern matches explicit path", with("allowlist", "off", "deny"), bin + "/rg x", Allow},
		{"chain all listed", with("allowlist", "off", "deny"), "git status && rg x || git log", Allow},
		{"chain one unlisted", with("allowlist", "off", "deny"), "git status && mytool", Deny},
		{"pipeline with safe bin", with("allowlist", "off", "deny"), "git log | head -n 5 | wc -l", Allow},
		{"safe bin with file arg", with("allowlist", "off", "deny"), "head -n 5 ./secret", Deny},
		{"safe bin with positional", with("allowlist", "off", "deny"), "head secret", Deny},
		{"safe bin glob", with("allowlist", "off", "deny"), "git log | head *", Deny},
		{"safe bin denied flag", with("allowlist", "off", "deny"), "git log | tail -f", Deny},
		{"safe bin unknown flag", with("allowlist", "off", "deny"), "git log | wc --files0-from=x", Deny},
		{"safe bin attached value", with("allowlist", "off", "deny"), "git log | head -n5", Allow},
		{"tr takes sets", with("allowlist", "off", "deny"), "git log | tr a-z A-Z", Allow},
		{"sort is not a default safe bin", with("allowlist", "off", "deny"), "git log | sort", Deny},
		{"redirection is a miss", with("allowlist", "off", "deny"), "git log > out.txt", Deny},
		{"substitution is a miss", with("allowlist", "off", "deny"), "git log $(mytool)", Deny},
		{"assignment is a miss", with("allowlist", "off", "deny"), "FOO=1 git status", Deny},
		{"unknown command", with("allowlist", "off", "deny"), "nosuchcmd", Deny},
		{"ask on-miss, hit runs", with("allowlist", "on-miss", "deny"), "git status", Allow},
		{"ask on-miss, miss needs approval", with("allowlist", "on-miss", "deny"), "mytool", NeedsApproval},
		{"ask on-miss, fallback allowlist still refuses a miss", with("allowlist", "on-miss", "allowlist"), "mytool", NeedsApproval},
		{"ask on-miss, fallback full cannot widen allowlist", with("allowlist", "on-miss", "full"), "mytool", NeedsApproval},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.p.Evaluate(tt.cmd, env)
			if d.Verdict != tt.want {
				t.Errorf("Evaluate(%q) = %+v, want verdict %d", tt.cmd, d, tt.want)
			}
			if d.Verdict != Allow && d.Reason == "" {
				t.Errorf("Evaluate(%q): refusal without a reason", tt.cmd)
			}
		})
	}

	t.Run("safe bin outside trusted dirs", func(t *testing.T) {
		p := with("allowlist", "off", "deny")
		d := p.Evaluate("git log | head -n 1", Env{Dir: env.Dir, Path: other + ":" + bin})
		if d.Verdict != Deny {
			t.Errorf("head from an untrusted dir allowed: %+v", d)
		}
	})
	t.Run("home patterns", func(t *testing.T) {
		home := t.TempDir()
		tool := filepath.Join(home, "tools", "a", "b", "mytool")
		if err := os.MkdirAll(filepath.Dir(tool), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(tool, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		p := with("allowlist", "off", "deny")
		if d := p.Evaluate(tool, env); d.Verdict != Deny {
			t.Errorf("~ pattern matched without a home: %+v", d)
		}
		p.Home = home
		if d := p.Evaluate(tool+" --x", env); d.Verdict != Allow {
			t.Errorf("~/tools/**/mytool did not match %s: %+v", tool, d)
		}
	})
	t.Run("strict inline eval", func(t *testing.T) {
		p := with("full", "off", "deny")
		p.StrictInlineEval = true
		if d := p.Evaluate("python3 -c 'print(1)'", env); d.Verdict != NeedsApproval {
			t.Errorf("inline eval not held: %+v", d)
		}
		if d := p.Evaluate("python3 script.py", env); d.Verdict != Allow {
			t.Errorf("script run held: %+v", d)
		}
	})
}

func TestSafeBinsFor(t *testing.T) {
	got := SafeBinsFor([]string{"head", "jq", "myfilter", "sed", "custom"}, map[string]Profile{"custom": {MaxPositional: 1}})
	if _, ok := got["head"]; !ok {
		t.Error("head lost its default profile")
	}
	for _, n := range []string{"jq", "sed", "myfilter", "wc"} {
		if _, ok := got[n]; ok {
			t.Errorf("%s is a safe bin", n)
		}
	}
	if p, ok := got["custom"]; !ok || p.MaxPositional != 1 {
		t.Errorf("custom profile = %+v, %v", p, ok)
	}
}

func TestStricter(t *testing.T) {
	if StricterSecurity("full", "allowlist") != "allowlist" || StricterSecurity("deny", "full") != "deny" || StricterSecurity("", "full") != "full" || StricterSecurity("full", "") != "full" {
		t.Error("StricterSecurity")
	}
	if StricterAsk("off", "always") != "always" || StricterAsk("on-miss", "off") != "on-miss" || StricterAsk("", "off") != "off" {
		t.Error("StricterAsk")
	}
}
