package registry

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestLockRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), LockFileName)
	l, err := LoadLock(path)
	if err != nil || len(l.Plugins) != 0 {
		t.Fatalf("missing lock: %v %v", l, err)
	}
	l.Plugins["@openclaw/mattermost"] = &LockEntry{ID: "mattermost", Version: "1.2.0", Constraint: "^1.2", Source: "https://r/",
		Dir: "plugins/@openclaw/mattermost/1.2.0", Hashes: map[string]Hashes{"linux/arm64": {Artifact: "aa", Executable: "bb"}}}
	if err := l.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := LoadLock(path)
	if err != nil {
		t.Fatal(err)
	}
	e := back.Entries()[0]
	if e.Package != "@openclaw/mattermost" || e.Path("/state") != filepath.FromSlash("/state/plugins/@openclaw/mattermost/1.2.0") {
		t.Errorf("entry = %+v", e)
	}
	if sum, ok := e.ExecutableSHA256("linux", "arm64"); !ok || sum != "bb" {
		t.Errorf("ExecutableSHA256 = %q %v", sum, ok)
	}
	if _, ok := e.ExecutableSHA256("darwin", "arm64"); ok {
		t.Error("hash for an unlisted platform")
	}
	if got, ok := back.Plugin("mattermost"); !ok || got != e {
		t.Error("lookup by id failed")
	}
}

func TestParseLockErrors(t *testing.T) {
	tests := map[string]string{
		`{"format": 2}`: "format 2 is not supported",
		`{"format": 0}`: "format 0",
		`not json`:      "parse",
		`{"format": 1, "plugins": {"x": {"id": "x"}}}`:                                                        "required",
		`{"format": 1, "plugins": {"x": {"id": "x", "version": "1.0.0", "source": "s", "dir": "../../etc"}}}`: "inside the state directory",
	}
	for in, want := range tests {
		if _, err := ParseLock([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseLock(%s) = %v, want %q", in, err, want)
		}
	}
}

func TestParseSpec(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		in, kind, name, rng string
		bad                 bool
	}{
		{in: "@openclaw/mattermost", kind: "registry", name: "@openclaw/mattermost"},
		{in: "@openclaw/mattermost@1.4.2", kind: "registry", name: "@openclaw/mattermost", rng: "1.4.2"},
		{in: "@openclaw/mattermost@^1.4", kind: "registry", name: "@openclaw/mattermost", rng: "^1.4"},
		{in: "weather@>=1.2, <2", kind: "registry", name: "weather", rng: ">=1.2, <2"},
		{in: dir, kind: "path"},
		{in: "./does-not-exist", bad: true},
		{in: "bundle.tar.gz", bad: true},
		{in: "plugins/telegram", bad: true}, // a relative path that does not exist
		{in: "mattermost", kind: "registry", name: "mattermost"},
		{in: "@Bad/Name", bad: true},
		{in: "", bad: true},
	}
	for _, tt := range tests {
		s, err := ParseSpec(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("ParseSpec(%q) succeeded", tt.in)
			}
			continue
		}
		if err != nil || s.Kind != tt.kind || s.Name != tt.name || s.Range.String() != tt.rng {
			t.Errorf("ParseSpec(%q) = %+v, %v", tt.in, s, err)
		}
	}
}
