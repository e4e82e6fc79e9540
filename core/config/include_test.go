package config

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeTree creates files (relative path → content) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// expand loads root.json5 from a tree and returns the expanded authored
// value, without schema validation getting in the way.
func expand(t *testing.T, files map[string]string, env map[string]string) (map[string]any, error) {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, files)
	root := filepath.Join(dir, "root.json5")
	data, err := os.ReadFile(root)
	if err != nil {
		t.Fatal(err)
	}
	v, err := parseJSON5(data, root)
	if err != nil {
		return nil, err
	}
	in := &includer{readFile: os.ReadFile, home: dir}
	out, err := in.resolve(v, root, []string{root}, nil)
	if err != nil {
		return nil, err
	}
	var missing []MissingVar
	substituteEnv(out, func(k string) string { return env[k] }, nil, &missing)
	if len(missing) > 0 {
		return nil, &EnvError{Missing: missing}
	}
	return out.(map[string]any), nil
}

func TestIncludeSemantics(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string // JSON of the expanded root
	}{
		{
			name: "single file replaces the object",
			files: map[string]string{
				"root.json5":   `{ agents: { "$include": "./agents.json5" } }`,
				"agents.json5": `{ defaults: { workspace: "~/w" } }`,
			},
			want: `{"agents":{"defaults":{"workspace":"~/w"}}}`,
		},
		{
			name: "array deep-merges in order, later wins, lists concatenate",
			files: map[string]string{
				"root.json5": `{ x: { "$include": ["a.json5", "b.json5"] } }`,
				"a.json5":    `{ k: 1, same: "a", obj: { p: 1 }, list: [1] }`,
				"b.json5":    `{ same: "b", obj: { q: 2 }, list: [2] }`,
			},
			want: `{"x":{"k":1,"list":[1,2],"obj":{"p":1,"q":2},"same":"b"}}`,
		},
		{
			name: "lists from several files are concatenated",
			files: map[string]string{
				"root.json5": `{ list: { "$include": ["a.json5", "b.json5"] } }`,
				"a.json5":    `[{ id: "a" }]`,
				"b.json5":    `[{ id: "b" }]`,
			},
			want: `{"list":[{"id":"a"},{"id":"b"}]}`,
		},
		{
			name: "sibling keys merge over the included value",
			files: map[string]string{
				"root.json5": `{ "$include": "./base.json5", b: 99 }`,
				"base.json5": `{ a: 1, b: 2 }`,
			},
			want: `{"a":1,"b":99}`,
		},
		{
			name: "relative paths resolve against the including file",
			files: map[string]string{
				"root.json5":         `{ c: { "$include": "sub/c.json5" } }`,
				"sub/c.json5":        `{ d: { "$include": "./deeper/d.json5" }, e: { "$include": "../e.json5" } }`,
				"sub/deeper/d.json5": `"from d"`,
				"e.json5":            `"from e"`,
			},
			want: `{"c":{"d":"from d","e":"from e"}}`,
		},
		{
			name: "variables are substituted inside included files",
			files: map[string]string{
				"root.json5": `{ k: { "$include": "k.json5" } }`,
				"k.json5":    `{ token: "${TOKEN}" }`,
			},
			want: `{"k":{"token":"secret-value"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := expand(t, tt.files, map[string]string{"TOKEN": "secret-value"})
			if err != nil {
				t.Fatal(err)
			}
			if s := string(marshalValue(got)); s != tt.want {
				t.Fatalf("got  %s\nwant %s", s, tt.want)
			}
		})
	}
}

func TestIncludeErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{
			name:  "missing file names the resolved path",
			files: map[string]string{"root.json5": `{ a: { "$include": "./nope.json5" } }`},
			want:  []string{`a.$include`, `"./nope.json5" not found`, filepath.Join("", "nope.json5")},
		},
		{
			name: "parse error names the included file and line",
			files: map[string]string{
				"root.json5": `{ a: { "$include": "bad.json5" } }`,
				"bad.json5":  "{\n  ok: 1,\n  broken: [\n}",
			},
			want: []string{"bad.json5:4:", "included from"},
		},
		{
			name: "cycle names the chain",
			files: map[string]string{
				"root.json5": `{ a: { "$include": "x.json5" } }`,
				"x.json5":    `{ b: { "$include": "y.json5" } }`,
				"y.json5":    `{ c: { "$include": "x.json5" } }`,
			},
			want: []string{"include cycle", "x.json5 -> ", "y.json5 -> ", "x.json5"},
		},
		{
			name:  "directive must be a path",
			files: map[string]string{"root.json5": `{ a: { "$include": 5 } }`},
			want:  []string{"a.$include must be a file path or a list of file paths (got a number)"},
		},
		{
			name: "siblings need an object",
			files: map[string]string{
				"root.json5": `{ a: { "$include": "l.json5", extra: 1 } }`,
				"l.json5":    `[1, 2]`,
			},
			want: []string{"keys next to $include need the included content to be an object (got a list)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := expand(t, tt.files, nil)
			if err == nil {
				t.Fatal("expected an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestIncludeDepthLimit(t *testing.T) {
	chain := func(levels int) map[string]string {
		files := map[string]string{"root.json5": `{ v: { "$include": "1.json5" } }`}
		for i := 1; i < levels; i++ {
			files[fmt.Sprintf("%d.json5", i)] = fmt.Sprintf(`{ v: { "$include": "%d.json5" } }`, i+1)
		}
		files[fmt.Sprintf("%d.json5", levels)] = `"bottom"`
		return files
	}
	if _, err := expand(t, chain(10), nil); err != nil {
		t.Fatalf("10 levels must be allowed: %v", err)
	}
	_, err := expand(t, chain(11), nil)
	if err == nil || !strings.Contains(err.Error(), "more than 10 levels") {
		t.Fatalf("11 levels must be refused, got %v", err)
	}
}

func TestIncludeFanOutIsBounded(t *testing.T) {
	files := map[string]string{"root.json5": `{ v: { "$include": ["1.json5", "1.json5", "1.json5"] } }`}
	for i := 1; i < 10; i++ {
		files[fmt.Sprintf("%d.json5", i)] = fmt.Sprintf(`{ l: { "$include": ["%d.json5", "%[1]d.json5", "%[1]d.json5"] } }`, i+1)
	}
	files["10.json5"] = `[1]`
	_, err := expand(t, files, nil)
	if err == nil || !strings.Contains(err.Error(), "more than 1000 includes") {
		t.Fatalf("expected the include budget to stop a 3^10 expansion, got %v", err)
	}
}

func TestLoadReportsIncludedFiles(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"openclaw.json": `{ agents: { "$include": "agents.json5" } }`,
		"agents.json5":  `{ list: [{ id: "main" }] }`,
	})
	cfg, err := Load(context.Background(), LoadOptions{Path: filepath.Join(dir, "openclaw.json"), Home: dir})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "openclaw.json"), filepath.Join(dir, "agents.json5")}
	if !reflect.DeepEqual(cfg.Files, want) {
		t.Fatalf("Files = %v, want %v", cfg.Files, want)
	}
	before := cfg.Hash()
	writeTree(t, dir, map[string]string{"agents.json5": `{ list: [{ id: "other" }] }`})
	cfg2, err := Load(context.Background(), LoadOptions{Path: filepath.Join(dir, "openclaw.json"), Home: dir})
	if err != nil {
		t.Fatal(err)
	}
	if cfg2.Hash() == before {
		t.Fatal("hash did not change when an included file changed")
	}
}
