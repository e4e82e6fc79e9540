package manifest

import (
	"strings"
	"testing"
)

const valid = `{
  "id": "telegram", "package": "@openclaw/telegram", "version": "1.2.3",
  "kinds": ["channel"], "channels": ["telegram"], "protocolVersions": [1],
  "gateway": ">= 0.1, < 2.0", "executable": "openclaw-plugin-telegram",
  "configSchema": {"type": "object"},
  "uiHints": {"botToken": {"sensitive": true}}
}`

func TestParse(t *testing.T) {
	m, err := Parse([]byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	if !m.HasKind(KindChannel) || m.HasKind(KindTool) || !m.Speaks(1) || m.Speaks(2) {
		t.Fatalf("kinds/protocols wrong: %+v", m)
	}
	if keys := m.SensitiveKeys(); len(keys) != 1 || keys[0] != "botToken" {
		t.Fatalf("SensitiveKeys = %v", keys)
	}
	for v, want := range map[string]bool{"0.1.0": true, "1.9.9": true, "2.0.0": false, "0.0.9": false} {
		if ok, err := m.SupportsGateway(v); err != nil || ok != want {
			t.Errorf("SupportsGateway(%s) = %v, %v; want %v", v, ok, err, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		replace [2]string
		want    string
	}{
		{"bad id", [2]string{`"id": "telegram"`, `"id": "Tele Gram"`}, "id:"},
		{"bad package", [2]string{`"@openclaw/telegram"`, `"@Open/Claw/x"`}, "package:"},
		{"bad version", [2]string{`"1.2.3"`, `"one"`}, "version:"},
		{"unknown kind", [2]string{`["channel"]`, `["channel", "widget"]`}, `unknown kind "widget"`},
		{"no protocol", [2]string{`[1]`, `[]`}, "protocolVersions"},
		{"bad constraint", [2]string{`">= 0.1, < 2.0"`, `"soon"`}, "gateway:"},
		{"path in executable", [2]string{`"openclaw-plugin-telegram"`, `"../evil"`}, "executable:"},
		{"channel plugin without channels", [2]string{`"channels": ["telegram"],`, ``}, "channels:"},
		{"unknown field", [2]string{`"kinds"`, `"kind": 1, "kinds"`}, "unknown field"},
		{"schema not an object", [2]string{`{"type": "object"}`, `[1]`}, "configSchema"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(strings.Replace(valid, tt.replace[0], tt.replace[1], 1)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestLoadNamesTheFile(t *testing.T) {
	_, err := Load(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), FileName) {
		t.Fatalf("Load of an empty folder = %v", err)
	}
}
