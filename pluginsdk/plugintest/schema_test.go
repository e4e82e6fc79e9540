package plugintest

import (
	"strings"
	"testing"
)

func TestConfigSchema(t *testing.T) {
	manifest := []byte(`{"configSchema":{"type":"object","additionalProperties":false,"properties":{"n":{"type":"integer"}}}}`)
	s, err := CompileConfigSchema(manifest)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		config string
		valid  bool
	}{
		{`{}`, true},
		{`{"n":3}`, true},
		{`{"n":"three"}`, false},
		{`{"m":1}`, false},
		{`{`, false},
	}
	for _, tt := range tests {
		if err := s.Validate(tt.config); (err == nil) != tt.valid {
			t.Errorf("Validate(%s) = %v, want valid=%v", tt.config, err, tt.valid)
		}
	}
	for manifest, want := range map[string]string{
		`{}`:                                   "no configSchema",
		`{"configSchema":{"type":"nonsense"}}`: "does not compile",
		`not json`:                             "manifest",
	} {
		if _, err := CompileConfigSchema([]byte(manifest)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CompileConfigSchema(%s) = %v, want an error about %q", manifest, err, want)
		}
	}
}
