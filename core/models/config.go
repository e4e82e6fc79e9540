package models

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Config mirrors the `models` subtree of openclaw.json.
type Config struct {
	// Mode is "merge" (default: configured providers add to the built-in
	// ones) or "replace" (only configured providers exist).
	Mode      string                    `json:"mode,omitempty"`
	Providers map[string]ProviderConfig `json:"providers,omitempty"`
}

// ProviderConfig mirrors models.providers.<id>.
type ProviderConfig struct {
	BaseURL string `json:"baseUrl,omitempty"`
	APIKey  Secret `json:"apiKey,omitzero"`
	// API is "openai-completions", "openai-responses" or
	// "anthropic-messages". A provider with a baseUrl and no api speaks
	// openai-completions.
	API string `json:"api,omitempty"`
	// Auth is the credential kind: "api-key" (default), "token" or "oauth".
	// Tokens travel as a bearer Authorization header.
	Auth string `json:"auth,omitempty"`
	// AuthHeader forces the credential into "Authorization: Bearer" for APIs
	// that use another header by default (anthropic-messages uses x-api-key).
	AuthHeader bool              `json:"authHeader,omitempty"`
	Headers    map[string]string `json:"headers,omitempty"`
	// MaxTokens is the output cap for models that do not set their own.
	MaxTokens int `json:"maxTokens,omitempty"`
	// TimeoutSeconds bounds one HTTP request to this provider, streaming
	// included.
	TimeoutSeconds int            `json:"timeoutSeconds,omitempty"`
	Params         map[string]any `json:"params,omitempty"`
	Models         []ModelConfig  `json:"models,omitempty"`
}

// ModelConfig mirrors one models.providers.<id>.models[] entry: the
// catalogue's facts about a model.
type ModelConfig struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	// API overrides the provider's api for this model.
	API       string `json:"api,omitempty"`
	Reasoning bool   `json:"reasoning,omitempty"`
	// Input lists accepted input kinds: "text", "image".
	Input         []string          `json:"input,omitempty"`
	Cost          ModelCost         `json:"cost,omitzero"`
	ContextWindow int               `json:"contextWindow,omitempty"`
	ContextTokens int               `json:"contextTokens,omitempty"`
	MaxTokens     int               `json:"maxTokens,omitempty"`
	Headers       map[string]string `json:"headers,omitempty"`
}

// ModelCost is the price in US dollars per million tokens.
type ModelCost struct {
	Input      float64 `json:"input"`
	Output     float64 `json:"output"`
	CacheRead  float64 `json:"cacheRead"`
	CacheWrite float64 `json:"cacheWrite"`
}

// AgentModels mirrors the model settings of agents.defaults, and of one
// agents.list[] entry when it overrides them.
type AgentModels struct {
	// Model is the primary and its fallbacks.
	Model *Selection `json:"model,omitempty"`
	// Models holds per-model settings keyed by "provider/model": aliases and
	// params.
	Models map[string]ModelEntry `json:"models,omitempty"`
	// Params apply to every model (agents.defaults.params).
	Params map[string]any `json:"params,omitempty"`
}

// ModelEntry mirrors agents.defaults.models.<ref>.
type ModelEntry struct {
	Alias  string         `json:"alias,omitempty"`
	Params map[string]any `json:"params,omitempty"`
}

// Selection is a primary model and the fallbacks tried after it. In JSON it
// is either "provider/model" or {"primary": …, "fallbacks": […]}.
type Selection struct {
	Primary   string   `json:"primary,omitempty"`
	Fallbacks []string `json:"fallbacks,omitempty"`
	// HasFallbacks records that fallbacks was written, even as []: an
	// agent's own empty list turns fallback off rather than inheriting.
	HasFallbacks bool `json:"-"`
}

// UnmarshalJSON accepts the string and the object form.
func (s *Selection) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var ref string
		if err := json.Unmarshal(b, &ref); err != nil {
			return err
		}
		*s = Selection{Primary: ref}
		return nil
	}
	var obj struct {
		Primary   string    `json:"primary"`
		Fallbacks *[]string `json:"fallbacks"`
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		return fmt.Errorf("model: want \"provider/model\" or {\"primary\", \"fallbacks\"}: %w", err)
	}
	*s = Selection{Primary: obj.Primary}
	if obj.Fallbacks != nil {
		s.Fallbacks = *obj.Fallbacks
		s.HasFallbacks = true
	}
	return nil
}

// AuthConfig mirrors the `auth` subtree: which auth profiles exist and the
// order they are tried in. It holds no secrets.
type AuthConfig struct {
	Profiles map[string]AuthProfile `json:"profiles,omitempty"`
	Order    map[string][]string    `json:"order,omitempty"`
}

// AuthProfile mirrors auth.profiles.<id>.
type AuthProfile struct {
	Provider string `json:"provider"`
	// Mode is "api_key", "token" or "oauth".
	Mode  string `json:"mode,omitempty"`
	Email string `json:"email,omitempty"`
}

// Secret is a credential in config: a plain string, the name of an
// environment variable written as a bare upper-case word (the models.json
// convention), or a reference {"source": "env", "id": "NAME"}.
type Secret struct {
	Value string // literal value
	Env   string // environment variable to read instead
}

// isEnvName reports whether s looks like an environment variable name:
// upper-case letters, digits and underscores, not starting with a digit.
func isEnvName(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// UnmarshalJSON accepts the string and the reference form.
func (s *Secret) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &s.Value)
	}
	if bytes.Equal(b, []byte("null")) {
		*s = Secret{}
		return nil
	}
	var ref struct {
		Source string `json:"source"`
		ID     string `json:"id"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		return fmt.Errorf("apiKey: want a string or {\"source\": \"env\", \"id\": NAME}: %w", err)
	}
	if ref.Source != "env" || ref.ID == "" {
		return fmt.Errorf("apiKey: secret source %q is not supported here; use a string or {\"source\": \"env\", \"id\": NAME}", ref.Source)
	}
	*s = Secret{Env: ref.ID}
	return nil
}

// MarshalJSON writes the secret back in the form it was read, so config
// round-trips never expand an environment reference into the key.
func (s Secret) MarshalJSON() ([]byte, error) {
	if s.Env != "" {
		return json.Marshal(map[string]string{"source": "env", "id": s.Env})
	}
	return json.Marshal(s.Value)
}

// IsZero reports an unset secret.
func (s Secret) IsZero() bool { return s.Value == "" && s.Env == "" }

// resolve returns the secret's value and where it came from.
func (s Secret) resolve(lookup func(string) (string, bool)) (value, source string) {
	name := s.Env
	if name == "" && isEnvName(s.Value) {
		name = s.Value
	}
	if name != "" {
		if v, ok := lookup(name); ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v), "env:" + name
		}
		if s.Env != "" {
			return "", ""
		}
	}
	return s.Value, "config"
}
