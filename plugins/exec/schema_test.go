package main

import (
	"encoding/json"
	"testing"

	"github.com/openclaw-go/openclaw/pluginsdk/plugintest"
)

// TestConfigSchema checks that the manifest's config schema compiles and
// agrees with the plugin's own config decoding.
func TestConfigSchema(t *testing.T) {
	plugintest.CheckConfigSchema(t, manifest, map[string]bool{`{"shell":"/bin/bash","maxOutputChars":1000,"approvals":{"defaults":{"security":"allowlist","ask":"on-miss","askFallback":"deny"},"agents":{"main":{"allowlist":[{"pattern":"git"}]}}}}`: true, `{"approvals":{"defaults":{"security":"sometimes"}}}`: false, `{}`: true}, func(raw json.RawMessage) error {
		_, err := decodePluginConfig(raw)
		return err
	})
}
