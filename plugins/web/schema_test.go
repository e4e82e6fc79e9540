package main

import (
	"encoding/json"
	"testing"

	"github.com/openclaw-go/openclaw/pluginsdk/plugintest"
)

// TestConfigSchema checks that the manifest's config schema compiles and
// agrees with the plugin's own config decoding on every case.
func TestConfigSchema(t *testing.T) {
	schema, err := plugintest.CompileConfigSchema(manifest)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		config string
		valid  bool
	}{
		{`{"webSearch":{"apiKey":"k","baseUrl":"https://proxy.example","mode":"web"}}`, true},
		{`{"webSearch":{"mode":"llm-context"}}`, false},
		{`{}`, true},
	}
	for _, tt := range tests {
		if err := schema.Validate(tt.config); (err == nil) != tt.valid {
			t.Errorf("schema on %s: %v, want valid=%v", tt.config, err, tt.valid)
		}
		_, err := decodePluginConfig(json.RawMessage(tt.config))
		if (err == nil) != tt.valid {
			t.Errorf("plugin on %s: %v, want valid=%v", tt.config, err, tt.valid)
		}
	}
}
