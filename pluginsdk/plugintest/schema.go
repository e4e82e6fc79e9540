package plugintest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ConfigSchema is a plugin manifest's configSchema, compiled, for tests
// that check the manifest and the plugin's own config decoding agree.
type ConfigSchema struct {
	s *jsonschema.Schema
}

// CompileConfigSchema compiles the configSchema of a manifest.
func CompileConfigSchema(manifest []byte) (*ConfigSchema, error) {
	var m struct {
		ConfigSchema json.RawMessage `json:"configSchema"`
	}
	if err := json.Unmarshal(manifest, &m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if len(m.ConfigSchema) == 0 {
		return nil, fmt.Errorf("manifest has no configSchema")
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(m.ConfigSchema))
	if err != nil {
		return nil, fmt.Errorf("configSchema: %w", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("config.json", doc); err != nil {
		return nil, err
	}
	s, err := c.Compile("config.json")
	if err != nil {
		return nil, fmt.Errorf("configSchema does not compile: %w", err)
	}
	return &ConfigSchema{s: s}, nil
}

// Validate checks a config (JSON text) against the schema.
func (c *ConfigSchema) Validate(config string) error {
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(config))
	if err != nil {
		return fmt.Errorf("config is not JSON: %w", err)
	}
	return c.s.Validate(inst)
}
