package main

import (
	"encoding/json"
	"testing"

	"github.com/openclaw-go/openclaw/pluginsdk/plugintest"
)

// TestConfigSchema checks that the manifest's config schema compiles and
// agrees with the plugin's own config decoding.
func TestConfigSchema(t *testing.T) {
	plugintest.CheckConfigSchema(t, manifest, map[string]bool{`{"webSearch":{"apiKey":"k","baseUrl":"https://proxy.example","mode":"web"}}`: true, `{"webSearch":{"mode":"llm-context"}}`: false, `{}`: true}, func(raw json.RawMessage) error {
		_, err := decodePluginConfig(raw)
		return err
	})
}
