package main

import (
	"encoding/json"
	"testing"

	"github.com/openclaw-go/openclaw/pluginsdk"
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
		{`{"maxReadLines":10,"maxReadBytes":100,"maxFileBytes":1000,"maxImageBytes":1000}`, true},
		{`{"maxReadLine":10}`, false},
		{`{}`, true},
	}
	for _, tt := range tests {
		if err := schema.Validate(tt.config); (err == nil) != tt.valid {
			t.Errorf("schema on %s: %v, want valid=%v", tt.config, err, tt.valid)
		}
		err := newTools().configure(t.Context(), pluginsdk.Config{JSON: json.RawMessage(tt.config)})
		if (err == nil) != tt.valid {
			t.Errorf("plugin on %s: %v, want valid=%v", tt.config, err, tt.valid)
		}
	}
}
