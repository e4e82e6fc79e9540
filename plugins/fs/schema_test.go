package main

import (
	"encoding/json"
	"testing"

	"github.com/openclaw-go/openclaw/pluginsdk"
	"github.com/openclaw-go/openclaw/pluginsdk/plugintest"
)

// TestConfigSchema checks that the manifest's config schema compiles and
// agrees with the plugin's own config decoding.
func TestConfigSchema(t *testing.T) {
	plugintest.CheckConfigSchema(t, manifest, map[string]bool{`{"maxReadLines":10,"maxReadBytes":100,"maxFileBytes":1000,"maxImageBytes":1000}`: true, `{"maxReadLine":10}`: false, `{}`: true}, func(raw json.RawMessage) error {
		return newTools().configure(t.Context(), pluginsdk.Config{JSON: raw})
	})
}
