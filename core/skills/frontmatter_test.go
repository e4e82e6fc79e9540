package skills

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseFrontmatter(t *testing.T) {
	tests := []struct {
		name string
		md   string
		want func(*testing.T, *Frontmatter, string)
	}{
		{"minimal", "---\nname: image-lab\ndescription: Generate images\n---\nUse {baseDir}/run.sh\n", func(t *testing.T, fm *Frontmatter, body string) {
			if fm.Name != "image-lab" || fm.Description != "Generate images" || fm.OpenClaw != nil || !fm.UserInvocable || body != "Use {baseDir}/run.sh\n" {
				t.Errorf("fm = %+v, body %q", fm, body)
			}
		}},
		{"inline JSON5 metadata with trailing commas", `---
name: image-lab
description: Generate or edit images
metadata:
  {
    "openclaw":
      {
        "requires": { "bins": ["uv"], "env": ["GEMINI_API_KEY"], "config": ["browser.enabled"] },
        "primaryEnv": "GEMINI_API_KEY",
      },
  }
---
`, func(t *testing.T, fm *Frontmatter, _ string) {
			m := fm.OpenClaw
			if m == nil || !reflect.DeepEqual(m.Requires.Bins, []string{"uv"}) || m.PrimaryEnv != "GEMINI_API_KEY" || m.Requires.Config[0] != "browser.enabled" {
				t.Errorf("metadata = %+v", m)
			}
		}},
		{"YAML block metadata", `---
name: gemini
description: Use Gemini CLI
user-invocable: false
disable-model-invocation: true
version: 1.2.0
metadata:
  openclaw:
    emoji: "♊️"
    os: [darwin, linux]
    requires:
      anyBins: [gemini, gemini-cli]
      plugins: ["@openclaw/browser@^1"]
    install:
      - id: brew
        kind: brew
        formula: gemini-cli
        bins: [gemini]
---
body`, func(t *testing.T, fm *Frontmatter, _ string) {
			m := fm.OpenClaw
			if fm.UserInvocable || !fm.DisableModelInvocation || fm.Version != "1.2.0" {
				t.Errorf("flags = %+v", fm)
			}
			if m.Emoji != "♊️" || len(m.OS) != 2 || m.Requires.Plugins[0] != "@openclaw/browser@^1" || m.Install[0].Formula != "gemini-cli" {
				t.Errorf("metadata = %+v", m)
			}
		}},
		{"legacy clawdbot block", "---\nname: old\ndescription: d\nmetadata: {\"clawdbot\": {\"always\": true}}\n---\n", func(t *testing.T, fm *Frontmatter, _ string) {
			if fm.OpenClaw == nil || !fm.OpenClaw.Always {
				t.Errorf("metadata = %+v", fm.OpenClaw)
			}
		}},
		{"single-line fallback", "---\nname: fallback\ndescription: has: colons: inside\nhomepage: 'https://x'\nmetadata: { openclaw: { requires: { bins: ['jq'] } } }\n---\n", func(t *testing.T, fm *Frontmatter, _ string) {
			if fm.Description != "has: colons: inside" || fm.Homepage != "https://x" || fm.OpenClaw.Requires.Bins[0] != "jq" {
				t.Errorf("fm = %+v", fm)
			}
		}},
		{"name from folder", "---\ndescription: d\n---\n", func(t *testing.T, fm *Frontmatter, _ string) {
			if fm.Name != "folder-name" {
				t.Errorf("name = %q", fm.Name)
			}
		}},
		{"CRLF and BOM", "\ufeff---\r\nname: crlf\r\ndescription: d\r\n---\r\nbody\r\n", func(t *testing.T, fm *Frontmatter, body string) {
			if fm.Name != "crlf" || body != "body\n" {
				t.Errorf("fm = %+v body %q", fm, body)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fm, body, err := Parse([]byte(tt.md), "folder-name")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tt.want(t, fm, body)
		})
	}
}

func TestParseFrontmatterErrors(t *testing.T) {
	tests := map[string]string{
		"no frontmatter":     "# just markdown\n",
		"not closed":         "---\nname: x\ndescription: d\n",
		"no description":     "---\nname: x\n---\n",
		"bad name":           "---\nname: Bad Name\ndescription: d\n---\n",
		"bad os":             "---\nname: x\ndescription: d\nmetadata: {openclaw: {os: [windows]}}\n---\n",
		"bad dispatch":       "---\nname: x\ndescription: d\ncommand-dispatch: shell\n---\n",
		"dispatch w/o tool":  "---\nname: x\ndescription: d\ncommand-dispatch: tool\n---\n",
		"metadata not json5": "---\nname: x\ndescription: d\nmetadata: \"{nope\"\n---\n",
		"bad boolean":        "---\nname: x\ndescription: d\nuser-invocable: maybe\n---\n",
	}
	for name, md := range tests {
		if _, _, err := Parse([]byte(md), "x"); err == nil {
			t.Errorf("%s: Parse succeeded", name)
		}
	}
}

func TestValidName(t *testing.T) {
	for _, ok := range []string{"a", "release_notes", "web-research", "x1"} {
		if err := ValidName(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "-x", "x-", "A", "a b", "a/b", strings.Repeat("a", 65)} {
		if ValidName(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
