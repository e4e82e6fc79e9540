package skills

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func skill(t *testing.T, md string, src Source) *Skill {
	t.Helper()
	fm, _, err := Parse([]byte(md), "x")
	if err != nil {
		t.Fatal(err)
	}
	sk := &Skill{Name: fm.Name, Key: fm.Name, Source: src, Frontmatter: fm}
	if fm.OpenClaw != nil && fm.OpenClaw.SkillKey != "" {
		sk.Key = fm.OpenClaw.SkillKey
	}
	return sk
}

func TestCheck(t *testing.T) {
	f := false
	base := Env{
		GOOS: "linux",
		LookPath: func(b string) (string, error) {
			if b == "jq" || b == "curl" {
				return "/usr/bin/" + b, nil
			}
			return "", errors.New("not found")
		},
		Getenv: func(k string) string {
			if k == "HOME_TOKEN" {
				return "x"
			}
			return ""
		},
		ConfigTruthy:    func(p string) bool { return p == "browser.enabled" },
		PluginInstalled: func(n string) bool { return n == "@openclaw/browser" },
	}
	tests := []struct {
		name  string
		md    string
		src   Source
		cfg   Config
		kinds []string
	}{
		{"no metadata", "---\nname: a\ndescription: d\n---\n", SourceManaged, Config{}, nil},
		{"all present", `---
name: a
description: d
metadata: {openclaw: {os: [linux], requires: {bins: [jq], anyBins: [wget, curl], env: [HOME_TOKEN], config: [browser.enabled], plugins: ["@openclaw/browser@^1"]}}}
---
`, SourceManaged, Config{}, nil},
		{"everything missing", `---
name: a
description: d
metadata: {openclaw: {os: [darwin], requires: {bins: [jq, uv], anyBins: [wget], env: [API_KEY], config: [x.y], plugins: ["@openclaw/voice"]}}}
---
`, SourceManaged, Config{}, []string{ReasonOS, ReasonBins, ReasonAnyBins, ReasonEnv, ReasonConfig, ReasonPlugins}},
		{"always skips requires but not os", "---\nname: a\ndescription: d\nmetadata: {openclaw: {always: true, os: [win32], requires: {bins: [uv]}}}\n---\n", SourceManaged, Config{}, []string{ReasonOS}},
		{"disabled", "---\nname: a\ndescription: d\n---\n", SourceManaged, Config{Entries: map[string]EntryConfig{"a": {Enabled: &f}}}, []string{ReasonDisabled}},
		{"skillKey config", "---\nname: a\ndescription: d\nmetadata: {openclaw: {skillKey: k}}\n---\n", SourceManaged, Config{Entries: map[string]EntryConfig{"k": {Enabled: &f}}}, []string{ReasonDisabled}},
		{"env from config", "---\nname: a\ndescription: d\nmetadata: {openclaw: {requires: {env: [API_KEY]}}}\n---\n", SourceManaged, Config{Entries: map[string]EntryConfig{"a": {Env: map[string]string{"API_KEY": "v"}}}}, nil},
		{"primaryEnv via apiKey", "---\nname: a\ndescription: d\nmetadata: {openclaw: {primaryEnv: API_KEY, requires: {env: [API_KEY]}}}\n---\n", SourceManaged, Config{Entries: map[string]EntryConfig{"a": {APIKey: json.RawMessage(`"sk"`)}}}, nil},
		{"bundled allowlist", "---\nname: a\ndescription: d\n---\n", SourceBundled, Config{AllowBundled: []string{"b"}}, []string{ReasonBundled}},
		{"allowlist ignores managed", "---\nname: a\ndescription: d\n---\n", SourceManaged, Config{AllowBundled: []string{"b"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := base
			env.Config = tt.cfg
			got := Check(skill(t, tt.md, tt.src), env)
			var kinds []string
			for _, r := range got.Reasons {
				kinds = append(kinds, r.Kind)
			}
			if strings.Join(kinds, ",") != strings.Join(tt.kinds, ",") || got.Eligible != (len(tt.kinds) == 0) {
				t.Errorf("reasons = %v (eligible %v), want %v", got.Reasons, got.Eligible, tt.kinds)
			}
		})
	}
	got := Check(skill(t, "---\nname: a\ndescription: d\nmetadata: {openclaw: {requires: {bins: [jq, uv, ffmpeg]}}}\n---\n", SourceManaged), base)
	if got.Reasons[0].Message != "missing binaries: uv, ffmpeg" || len(got.Reasons[0].Missing) != 2 {
		t.Errorf("message = %q", got.Reasons[0].Message)
	}
	if Check(skill(t, "---\nname: a\ndescription: d\nmetadata: {openclaw: {os: [win32]}}\n---\n", SourceManaged), Env{GOOS: "windows"}).Eligible != true {
		t.Error("windows should match win32")
	}
}
