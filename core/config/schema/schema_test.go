package schema

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

func testSchema() *Node {
	return Object(
		P("port", Integer().Range(1, 65535).WithDefault(18789)),
		P("bind", Enum("loopback", "lan").WithDefault("loopback")),
		P("token", String().Secret()),
		P("ratio", Number().Range(0, 1)),
		P("name", String().Matching(`^[a-z]+$`, "lower-case letters")),
		P("model", AnyOf(String(), Object(P("primary", String()), P("fallbacks", Strings())))),
		P("list", Array(Object(P("id", String()), P("on", Boolean())).Require("id"))),
		P("free", Map(Integer())),
		P("nested", Object(P("mode", Enum("a", "b").WithDefault("a"))).Materialize()),
		P("optional", Object(P("flag", Boolean().WithDefault(true)))),
		P("old", String().Deprecate("use name")),
	)
}

func TestValidateMessages(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  []string // "path: message" prefixes, in order
	}{
		{"valid", `{"port": 80, "bind": "lan", "model": "a/b", "list": [{"id": "x"}], "free": {"a": 1}}`, nil},
		{"wrong type", `{"port": "80"}`, []string{`port: wrong type (expected a whole number, got "80")`}},
		{"not integer", `{"port": 1.5}`, []string{`port: wrong type (expected a whole number, got 1.5)`}},
		{"range", `{"port": 70000}`, []string{`port: out of range (expected at most 65535, got 70000)`}},
		{"enum", `{"bind": "all"}`, []string{`bind: invalid value (expected one of "loopback", "lan", got "all")`}},
		{"pattern", `{"name": "Bob"}`, []string{`name: invalid value (expected lower-case letters, got "Bob")`}},
		{"unknown key with suggestion", `{"prot": 1}`, []string{`prot: unknown key (expected one of`, `did you mean "port"?`}},
		{"required", `{"list": [{"on": true}]}`, []string{`list[0].id: missing required key (expected a string)`}},
		{"nested type", `{"list": [{"id": "a", "on": "yes"}]}`, []string{`list[0].on: wrong type (expected true or false, got "yes")`}},
		{"map values", `{"free": {"a.b": "x"}}`, []string{`free["a.b"]: wrong type`}},
		{"anyOf scalar", `{"model": 5}`, []string{`model: invalid value (expected a string or an object, got 5)`}},
		{"anyOf object precise", `{"model": {"primary": 5}}`, []string{`model.primary: wrong type (expected a string, got 5)`}},
		{"secret not echoed", `{"token": 12345}`, []string{`token: wrong type (expected a string, got a number)`}},
		{"every problem listed", `{"port": "x", "bind": 1, "zzz": true}`, []string{"bind:", "port:", "zzz:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v any
			if err := json.Unmarshal([]byte(tt.value), &v); err != nil {
				t.Fatal(err)
			}
			got := Errors(testSchema().Validate(v))
			if len(got) != len(tt.want) && !(tt.name == "unknown key with suggestion" && len(got) == 1) {
				t.Fatalf("got %d problems %v, want %d", len(got), got, len(tt.want))
			}
			if tt.name == "unknown key with suggestion" {
				for _, w := range tt.want {
					if !strings.Contains(got[0].String(), w) {
						t.Errorf("%q does not contain %q", got[0], w)
					}
				}
				return
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(got[i].String(), w) {
					t.Errorf("problem %d = %q, want prefix %q", i, got[i], w)
				}
			}
		})
	}
}

func TestSecretValueNeverEchoed(t *testing.T) {
	n := Object(P("token", Enum("a", "b").Secret()))
	got := n.Validate(map[string]any{"token": "hunter2"})
	if len(got) != 1 || strings.Contains(got[0].String(), "hunter2") {
		t.Fatalf("secret leaked or missing: %v", got)
	}
}

func TestDeprecatedIsWarning(t *testing.T) {
	got := testSchema().Validate(map[string]any{"old": "x"})
	if len(got) != 1 || !got[0].Warning || len(Errors(got)) != 0 {
		t.Fatalf("want one warning, got %+v", got)
	}
}

func TestApplyDefaults(t *testing.T) {
	v := map[string]any{"optional": map[string]any{}}
	testSchema().ApplyDefaults(v)
	want := map[string]any{
		"port":     float64(18789),
		"bind":     "loopback",
		"nested":   map[string]any{"mode": "a"},
		"optional": map[string]any{"flag": true},
	}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("got %#v\nwant %#v", v, want)
	}

	// Absent optional objects stay absent; present values are not replaced.
	v = map[string]any{"port": float64(1)}
	testSchema().ApplyDefaults(v)
	if v["port"] != float64(1) {
		t.Fatal("default replaced a configured value")
	}
	if _, ok := v["optional"]; ok {
		t.Fatal("default created an object that was not configured")
	}
}

func TestOverridesDropDefaults(t *testing.T) {
	n := testSchema().Overrides()
	v := map[string]any{}
	n.ApplyDefaults(v)
	if len(v) != 0 {
		t.Fatalf("override schema filled defaults: %v", v)
	}
	// The original is unchanged.
	if testSchema().Properties["port"].Default == nil {
		t.Fatal("Overrides modified its source")
	}
}

func TestJSONSchemaExportAgreesWithValidator(t *testing.T) {
	doc := testSchema().JSONSchema()
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("urn:test", parsed); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("urn:test")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		doc   string
		valid bool
	}{
		{`{"port": 80, "model": {"primary": "x"}, "free": {"a": 2}}`, true},
		{`{"port": 0}`, false},
		{`{"bind": "all"}`, false},
		{`{"unknown": 1}`, false},
		{`{"list": [{"on": true}]}`, false},
	} {
		var v any
		_ = json.Unmarshal([]byte(tt.doc), &v)
		exported := sch.Validate(v) == nil
		ours := len(Errors(testSchema().Validate(v))) == 0
		if exported != tt.valid || ours != tt.valid {
			t.Errorf("%s: exported valid=%v, validator valid=%v, want %v", tt.doc, exported, ours, tt.valid)
		}
	}
	props := doc["properties"].(map[string]any)
	token := props["token"].(map[string]any)
	if token["writeOnly"] != true || token["x-sensitive"] != true {
		t.Errorf("sensitive field not annotated: %v", token)
	}
}

func TestHints(t *testing.T) {
	n := Object(
		P("a", Object(P("b", String().Titled("B").InGroup("G").Secret()))),
		P("m", Map(Object(P("k", String().Secret())))),
		P("l", Array(Object(P("x", String().Titled("X"))))),
	)
	h := n.Hints()
	if got := h["a.b"]; got.Label != "B" || got.Group != "G" || !got.Sensitive {
		t.Errorf("a.b hint = %+v", got)
	}
	if !h["m.*.k"].Sensitive || h["l[].x"].Label != "X" {
		t.Errorf("wildcard hints missing: %v", h)
	}
	if got := n.SensitivePaths(); !reflect.DeepEqual(got, []string{"a.b", "m.*.k"}) {
		t.Errorf("SensitivePaths = %v", got)
	}
}

func TestPathRoundTrip(t *testing.T) {
	for _, s := range []string{
		"gateway.port",
		"agents.list[3].id",
		`agents.defaults.models["openai/gpt-5.2"].alias`,
		`channels.telegram.groups["-100123"].topics["99"]`,
		`broadcast["120363403215116621@g.us"][0]`,
	} {
		if got := ParsePath(s).String(); got != s {
			t.Errorf("ParsePath(%q).String() = %q", s, got)
		}
	}
}

func TestLookup(t *testing.T) {
	n := testSchema()
	if c, ok := n.Lookup([]string{"list", "0", "id"}); !ok || c.Type != TypeString {
		t.Fatal("list item lookup failed")
	}
	if c, ok := n.Lookup([]string{"free", "anything"}); !ok || c.Type != TypeInteger {
		t.Fatal("map value lookup failed")
	}
	if c, ok := n.Lookup([]string{"model", "primary"}); !ok || c.Type != TypeString {
		t.Fatal("anyOf lookup failed")
	}
	if _, ok := n.Lookup([]string{"nope"}); ok {
		t.Fatal("unknown key found")
	}
}
