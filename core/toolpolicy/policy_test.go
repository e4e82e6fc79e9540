package toolpolicy

import (
	"encoding/json"
	"strings"
	"testing"
)

func mustConfig(t *testing.T, js string) *Config {
	t.Helper()
	if js == "" {
		return nil
	}
	var c Config
	if err := json.Unmarshal([]byte(js), &c); err != nil {
		t.Fatalf("decode %s: %v", js, err)
	}
	return &c
}

func TestResolve(t *testing.T) {
	type check struct {
		tool Tool
		want bool
	}
	tool := func(name string) Tool { return Tool{Name: name} }
	plugin := func(id, name string, groups ...string) Tool { return Tool{Name: name, Plugin: id, Groups: groups} }
	tests := []struct {
		name            string
		global, agent   string
		provider, model string
		checks          []check
	}{
		{
			name:   "no policy allows everything",
			checks: []check{{tool("exec"), true}, {plugin("wordcount", "word_count"), true}},
		},
		{
			name:   "full profile allows everything",
			global: `{"profile":"full"}`,
			checks: []check{{tool("exec"), true}, {tool("browser"), true}, {plugin("wordcount", "word_count"), true}},
		},
		{
			// tools.profile minimal: session_status only.
			name:   "minimal profile",
			global: `{"profile":"minimal"}`,
			checks: []check{{tool("session_status"), true}, {tool("read"), false}, {tool("message"), false}},
		},
		{
			name:   "coding profile selects its groups",
			global: `{"profile":"coding"}`,
			checks: []check{
				{tool("read"), true}, {tool("apply_patch"), true}, {tool("exec"), true}, {tool("bash"), true},
				{tool("web_fetch"), true}, {tool("sessions_list"), true}, {tool("memory_get"), true},
				{tool("cron"), true}, {tool("automations"), true}, {tool("view_image"), true},
				{tool("message"), false}, {tool("browser"), false}, {tool("nodes"), false},
				{plugin("wordcount", "word_count"), false},
			},
		},
		{
			name:   "messaging profile",
			global: `{"profile":"messaging"}`,
			checks: []check{
				{tool("message"), true}, {tool("sessions_send"), true}, {tool("session_status"), true},
				{tool("read"), false}, {tool("exec"), false}, {tool("web_search"), false},
			},
		},
		{
			// Docs: coding profile, but exec/process denied everywhere.
			name:   "coding with group:runtime denied",
			global: `{"profile":"coding","deny":["group:runtime"]}`,
			checks: []check{{tool("read"), true}, {tool("exec"), false}, {tool("bash"), false}, {tool("process"), false}, {tool("code_execution"), false}},
		},
		{
			// Docs: deny browser and canvas globally.
			name:   "plain deny list",
			global: `{"deny":["browser","canvas"]}`,
			checks: []check{{tool("browser"), false}, {tool("canvas"), false}, {tool("exec"), true}},
		},
		{
			name:   "deny wins over allow",
			global: `{"allow":["exec","read"],"deny":["exec"]}`,
			checks: []check{{tool("exec"), false}, {tool("read"), true}, {tool("write"), false}},
		},
		{
			name:   "group deny overrides an explicit allow",
			global: `{"allow":["pdf","openclaw"],"deny":["group:media","group:automation"]}`,
			checks: []check{{tool("pdf"), false}, {tool("openclaw"), false}},
		},
		{
			name:   "allow write also allows apply_patch, deny write does not deny it",
			global: `{"allow":["write","read"]}`,
			agent:  `{"deny":["write"]}`,
			checks: []check{{tool("apply_patch"), true}, {tool("write"), false}, {tool("read"), true}, {tool("edit"), false}},
		},
		{
			name:   "wildcards are case-insensitive",
			global: `{"allow":["Web_*","*_STATUS"]}`,
			checks: []check{{tool("web_search"), true}, {tool("web_fetch"), true}, {tool("session_status"), true}, {tool("x_search"), false}},
		},
		{
			name:   "star allows everything but the denied",
			global: `{"allow":["*"],"deny":["exec"]}`,
			checks: []check{{tool("anything"), true}, {plugin("p", "q"), true}, {tool("exec"), false}},
		},
		{
			name:   "alsoAllow extends a profile",
			global: `{"profile":"minimal","alsoAllow":["word_count","group:web"]}`,
			checks: []check{{plugin("wordcount", "word_count"), true}, {tool("web_search"), true}, {tool("session_status"), true}, {tool("read"), false}},
		},
		{
			name:   "plugin id covers the plugin's tools",
			global: `{"profile":"minimal","alsoAllow":["wordcount"]}`,
			checks: []check{{plugin("wordcount", "word_count"), true}, {plugin("other", "word_count2"), false}},
		},
		{
			name:   "group:plugins covers plugin tools, not built-ins served by a plugin",
			global: `{"allow":["group:plugins"]}`,
			checks: []check{{plugin("wordcount", "word_count"), true}, {plugin("shell", "exec"), false}, {tool("sessions_list"), false}},
		},
		{
			name:   "group:openclaw leaves out fs, runtime and canvas",
			global: `{"allow":["group:openclaw"]}`,
			checks: []check{
				{tool("message"), true}, {tool("web_search"), true}, {tool("pdf"), true}, {tool("openclaw"), true},
				{tool("read"), false}, {tool("exec"), false}, {tool("canvas"), false}, {plugin("wordcount", "word_count"), false},
			},
		},
		{
			name:   "a plugin tool joins a group it declares",
			global: `{"profile":"coding"}`,
			checks: []check{{plugin("fsx", "list_dir", "group:fs"), true}, {plugin("fsx", "other_tool"), false}},
		},
		{
			name:   "agent profile replaces the global one",
			global: `{"profile":"minimal"}`,
			agent:  `{"profile":"coding"}`,
			checks: []check{{tool("read"), true}, {tool("session_status"), true}},
		},
		{
			name:   "agent deny adds to global policy",
			global: `{"profile":"coding"}`,
			agent:  `{"deny":["write","edit","apply_patch"]}`,
			checks: []check{{tool("read"), true}, {tool("write"), false}, {tool("apply_patch"), false}},
		},
		{
			name:   "agent allow cannot widen global allow",
			global: `{"allow":["read"]}`,
			agent:  `{"allow":["exec","read"]}`,
			checks: []check{{tool("read"), true}, {tool("exec"), false}},
		},
		{
			// Docs: keep coding globally, minimal for one provider.
			name:     "byProvider profile for the provider",
			global:   `{"profile":"coding","byProvider":{"anthropic":{"profile":"minimal"}}}`,
			provider: "Anthropic", model: "claude-sonnet-5",
			checks: []check{{tool("session_status"), true}, {tool("read"), false}, {tool("exec"), false}},
		},
		{
			name:     "byProvider does not touch other providers",
			global:   `{"profile":"coding","byProvider":{"anthropic":{"profile":"minimal"}}}`,
			provider: "openai", model: "gpt-5.4",
			checks: []check{{tool("read"), true}, {tool("exec"), true}},
		},
		{
			// Docs: a provider/model allowlist narrows the global one.
			name:     "byProvider model key",
			global:   `{"allow":["group:fs","group:runtime","sessions_list"],"byProvider":{"openai/gpt-5.4":{"allow":["group:fs","sessions_list"]}}}`,
			provider: "openai", model: "gpt-5.4",
			checks: []check{{tool("read"), true}, {tool("sessions_list"), true}, {tool("exec"), false}},
		},
		{
			name:     "byProvider model key only for that model",
			global:   `{"allow":["group:fs","group:runtime","sessions_list"],"byProvider":{"openai/gpt-5.4":{"allow":["group:fs","sessions_list"]}}}`,
			provider: "openai", model: "gpt-5.4-mini",
			checks: []check{{tool("exec"), true}, {tool("browser"), false}},
		},
		{
			name:     "model key wins over provider key",
			global:   `{"byProvider":{"openai":{"deny":["read"]},"OpenAI/GPT-5.4":{"deny":["exec"]}}}`,
			provider: "openai", model: "gpt-5.4",
			checks: []check{{tool("read"), true}, {tool("exec"), false}},
		},
		{
			name:     "agent byProvider",
			agent:    `{"byProvider":{"ollama":{"deny":["group:web"]}}}`,
			provider: "ollama", model: "llama3",
			checks: []check{{tool("web_search"), false}, {tool("read"), true}},
		},
		{
			name:     "provider profile alsoAllow",
			global:   `{"byProvider":{"ollama":{"profile":"minimal","alsoAllow":["read"]}}}`,
			provider: "ollama", model: "llama3",
			checks: []check{{tool("read"), true}, {tool("session_status"), true}, {tool("write"), false}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var global Config
			if g := mustConfig(t, tt.global); g != nil {
				global = *g
			}
			p := Resolve(global, mustConfig(t, tt.agent), tt.provider, tt.model)
			for _, c := range tt.checks {
				got, by := p.Decide(c.tool)
				if got != c.want {
					t.Errorf("%s (plugin %q): allowed = %v (blocked by %q), want %v", c.tool.Name, c.tool.Plugin, got, by, c.want)
				}
				if !got && by == "" {
					t.Errorf("%s: refused without naming the layer", c.tool.Name)
				}
			}
		})
	}
}

func TestNilPolicyAllows(t *testing.T) {
	var p *Policy
	if !p.Allows(Tool{Name: "exec"}) {
		t.Fatal("nil policy must allow")
	}
}

func TestDecideNamesTheLayer(t *testing.T) {
	p := Resolve(Config{Rules: Rules{Profile: "coding"}}, &Config{Rules: Rules{Deny: []string{"exec"}}}, "", "")
	if _, by := p.Decide(Tool{Name: "exec"}); by != "agent tools" {
		t.Errorf("exec blocked by %q, want the agent's tools block", by)
	}
	if _, by := p.Decide(Tool{Name: "message"}); !strings.Contains(by, `"coding"`) {
		t.Errorf("message blocked by %q, want the coding profile", by)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		js   string
		want []string
	}{
		{`{"profile":"coding","deny":["group:runtime"],"byProvider":{"openai":{"profile":"minimal"}}}`, nil},
		{`{"profile":"everything"}`, []string{`tools.profile: "everything" is not one of`}},
		{`{"allow":["a"],"alsoAllow":["b"]}`, []string{"tools: allow and alsoAllow cannot both be set"}},
		{`{"deny":["group:nope"]}`, []string{`tools.deny[0]: unknown tool group "group:nope"`}},
		{`{"allow":[" "]}`, []string{"tools.allow[0]: empty entry"}},
		{`{"byProvider":{"anthropic":{"profile":"tiny"}}}`, []string{`tools.byProvider["anthropic"].profile: "tiny"`}},
		{`{"deny":["group:web*"]}`, nil},
	}
	for _, tt := range tests {
		err := mustConfig(t, tt.js).Validate("tools")
		if len(tt.want) == 0 {
			if err != nil {
				t.Errorf("%s: unexpected error %v", tt.js, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: want an error", tt.js)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", tt.js, err, w)
			}
		}
	}
}

func TestGroupMembers(t *testing.T) {
	fs, ok := GroupMembers("group:fs")
	if !ok || strings.Join(fs, ",") != "apply_patch,edit,read,write" {
		t.Errorf("group:fs = %v, %v", fs, ok)
	}
	oc, _ := GroupMembers(GroupOpenClaw)
	for _, name := range oc {
		if notOpenClaw[name] {
			t.Errorf("group:openclaw lists %s", name)
		}
	}
	if len(oc) < 30 {
		t.Errorf("group:openclaw has only %d members", len(oc))
	}
	if _, ok := GroupMembers("group:nope"); ok {
		t.Error("unknown group reported as known")
	}
	if e, ok := ProfileEntries("full"); !ok || e != nil {
		t.Errorf("full = %v, %v; want no filter", e, ok)
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"web_*", "web_search", true},
		{"web_*", "xweb_search", false},
		{"*search", "web_search", true},
		{"out*graph*", "outlook-graph__send", true},
		{"a*b*c", "abc", true},
		{"a*b*c", "acb", false},
		{"ab*ba", "aba", false},
	}
	for _, tt := range tests {
		if got := glob(tt.pattern, tt.s); got != tt.want {
			t.Errorf("glob(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}
