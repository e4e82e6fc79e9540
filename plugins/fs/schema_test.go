package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

// TestConfigSchema checks that the manifest's config schema compiles and
// agrees with the plugin's own config decoding.
func TestConfigSchema(t *testing.T) {
	var m struct {
		ConfigSchema json.RawMessage `json:"configSchema"`
	}
	if err := json.Unmarshal(manifest, &m); err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(m.ConfigSchema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("config.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("config.json")
	if err != nil {
		t.Fatalf("config schema does not compile: %v", err)
	}
	for cfg, valid := range map[string]bool{`{"maxReadLines":10,"maxReadBytes":100,"maxFileBytes":1000,"maxImageBytes":1000}`: true, `{"maxReadLine":10}`: false, `{}`: true} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(cfg))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); (err == nil) != valid {
			t.Errorf("schema on %s: %v, want valid=%v", cfg, err, valid)
		}
		err = newTools().configure(t.Context(), pluginsdk.Config{JSON: json.RawMessage(cfg)})
		if (err == nil) != valid {
			t.Errorf("plugin on %s: %v, want valid=%v", cfg, err, valid)
		}
	}
}
