package plugintest

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// CheckConfigSchema compiles the manifest's configSchema and checks each
// config against it: valid ones must pass, invalid ones must fail. When
// decode is not nil the plugin's own decoding must agree with the schema,
// so the manifest and the code cannot drift apart.
func CheckConfigSchema(t testing.TB, manifest []byte, cases map[string]bool, decode func(json.RawMessage) error) {
	t.Helper()
	var m struct {
		ConfigSchema json.RawMessage `json:"configSchema"`
	}
	if err := json.Unmarshal(manifest, &m); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(m.ConfigSchema))
	if err != nil {
		t.Fatalf("configSchema: %v", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("config.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("config.json")
	if err != nil {
		t.Fatalf("config schema does not compile: %v", err)
	}
	for cfg, valid := range cases {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(cfg))
		if err != nil {
			t.Fatalf("config %s: %v", cfg, err)
		}
		if err := sch.Validate(inst); (err == nil) != valid {
			t.Errorf("schema on %s: %v, want valid=%v", cfg, err, valid)
		}
		if decode != nil {
			if err := decode(json.RawMessage(cfg)); (err == nil) != valid {
				t.Errorf("plugin on %s: %v, want valid=%v", cfg, err, valid)
			}
		}
	}
}
