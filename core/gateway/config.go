// Package gateway runs the client-facing server: one port (18789 by
// default) carrying OpenClaw's WebSocket protocol and the HTTP APIs, with
// shared authentication, bind-mode safety checks, single-instance
// detection and graceful shutdown.
//
// The gateway owns no agent, session, config or channel. It calls the
// services in Services (see package backend), which the daemon builds on
// the real core packages.
package gateway

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
)

// Services are the backends the gateway fronts; see package backend.
type Services = backend.Services

// DefaultPort is OpenClaw's gateway port.
const DefaultPort = 18789

// Bind modes (gateway.bind).
const (
	BindLoopback = "loopback"
	BindLAN      = "lan"
	BindTailnet  = "tailnet"
	BindCustom   = "custom"
	BindAuto     = "auto"
)

// Config mirrors the gateway.* keys this package acts on. Decode the
// gateway subtree of the validated config into it with encoding/json
// (ConfigFromRoot does that for the whole document). gateway.reload,
// gateway.nodes, gateway.roles and the like belong to other packages and
// are ignored here.
type Config struct {
	Mode           string          `json:"mode,omitempty"` // local | remote
	Port           int             `json:"port,omitempty"`
	Bind           string          `json:"bind,omitempty"`
	CustomBindHost string          `json:"customBindHost,omitempty"`
	PublicOrigin   string          `json:"publicOrigin,omitempty"`
	Auth           AuthConfig      `json:"auth"`
	ControlUI      ControlUIConfig `json:"controlUi"`
	Remote         RemoteConfig    `json:"remote"`
	TrustedProxies []string        `json:"trustedProxies,omitempty"`
	Tools          ToolsConfig     `json:"tools"`
	HTTP           HTTPConfig      `json:"http"`
	TLS            TLSConfig       `json:"tls"`
}

// AuthConfig is gateway.auth.
type AuthConfig struct {
	Mode      string           `json:"mode,omitempty"` // none | token | password | trusted-proxy
	Token     Secret           `json:"token"`
	Password  Secret           `json:"password"`
	RateLimit *RateLimitConfig `json:"rateLimit,omitempty"`
}

// RateLimitConfig is gateway.auth.rateLimit.
type RateLimitConfig struct {
	MaxAttempts    int   `json:"maxAttempts,omitempty"`
	WindowMs       int64 `json:"windowMs,omitempty"`
	LockoutMs      int64 `json:"lockoutMs,omitempty"`
	ExemptLoopback *bool `json:"exemptLoopback,omitempty"`
}

// ControlUIConfig is the part of gateway.controlUi the server uses.
type ControlUIConfig struct {
	Enabled        *bool    `json:"enabled,omitempty"`
	BasePath       string   `json:"basePath,omitempty"`
	AllowedOrigins []string `json:"allowedOrigins,omitempty"`
}

// RemoteConfig is gateway.remote: where clients on this machine find a
// remote gateway.
type RemoteConfig struct {
	URL            string `json:"url,omitempty"`
	Transport      string `json:"transport,omitempty"`
	Token          Secret `json:"token"`
	Password       Secret `json:"password"`
	TLSFingerprint string `json:"tlsFingerprint,omitempty"`
}

// ToolsConfig is gateway.tools (the HTTP /tools/invoke allow/deny lists).
type ToolsConfig struct {
	Allow []string `json:"allow,omitempty"`
	Deny  []string `json:"deny,omitempty"`
}

// HTTPConfig is gateway.http.
type HTTPConfig struct {
	Endpoints struct {
		ChatCompletions EndpointConfig `json:"chatCompletions"`
		Responses       EndpointConfig `json:"responses"`
	} `json:"endpoints"`
}

// EndpointConfig switches one optional endpoint.
type EndpointConfig struct {
	Enabled bool `json:"enabled"`
}

// TLSConfig is gateway.tls.
type TLSConfig struct {
	Enabled      bool   `json:"enabled"`
	AutoGenerate *bool  `json:"autoGenerate,omitempty"`
	CertPath     string `json:"certPath,omitempty"`
	KeyPath      string `json:"keyPath,omitempty"`
	CAPath       string `json:"caPath,omitempty"`
}

// ConfigFromRoot decodes the gateway section of a whole config document.
func ConfigFromRoot(root map[string]any) (Config, error) {
	var cfg Config
	sub, ok := root["gateway"]
	if !ok || sub == nil {
		return cfg, nil
	}
	b, err := json.Marshal(sub)
	if err != nil {
		return cfg, fmt.Errorf("encode gateway config: %w", err)
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return cfg, fmt.Errorf("decode gateway config: %w", err)
	}
	return cfg, nil
}

// Secret is a credential given inline or as a reference
// ({"source": "env"|"file", "provider"?, "id"}).
type Secret struct {
	Value string
	Ref   *SecretRef
}

// SecretRef points at a credential kept elsewhere.
type SecretRef struct {
	Source   string `json:"source"`
	Provider string `json:"provider,omitempty"`
	ID       string `json:"id"`
}

// UnmarshalJSON accepts a string or a reference object.
func (s *Secret) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*s = Secret{}
		return nil
	}
	var str string
	if err := json.Unmarshal(b, &str); err == nil {
		*s = Secret{Value: str}
		return nil
	}
	var ref SecretRef
	if err := json.Unmarshal(b, &ref); err != nil || ref.Source == "" || ref.ID == "" {
		return fmt.Errorf("secret must be a string or {\"source\", \"id\"}")
	}
	*s = Secret{Ref: &ref}
	return nil
}

// MarshalJSON writes the reference, or the value redacted: a Secret never
// reaches JSON output in clear.
func (s Secret) MarshalJSON() ([]byte, error) {
	switch {
	case s.Ref != nil:
		return json.Marshal(s.Ref)
	case s.Value != "":
		return json.Marshal(backend.RedactedValue)
	}
	return []byte("null"), nil
}

// IsSet reports whether a value or reference was given.
func (s Secret) IsSet() bool { return s.Value != "" || s.Ref != nil }

// Resolve returns the secret's value. Environment references read getenv;
// file references read the file (first line, trimmed). Other sources need
// the secrets service and are refused here with a clear error.
func (s Secret) Resolve(getenv func(string) string, readFile func(string) ([]byte, error)) (string, error) {
	if s.Ref == nil {
		return s.Value, nil
	}
	switch s.Ref.Source {
	case "env":
		v := getenv(s.Ref.ID)
		if v == "" {
			return "", fmt.Errorf("secret reference env:%s: the variable is not set", s.Ref.ID)
		}
		return v, nil
	case "file":
		if readFile == nil {
			readFile = os.ReadFile
		}
		b, err := readFile(s.Ref.ID)
		if err != nil {
			return "", fmt.Errorf("secret reference file:%s: %w", s.Ref.ID, err)
		}
		v := strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0])
		if v == "" {
			return "", fmt.Errorf("secret reference file:%s: the file is empty", s.Ref.ID)
		}
		return v, nil
	}
	return "", fmt.Errorf("secret reference %s:%s cannot be resolved by the gateway itself; use an env or file reference, or resolve it before starting", s.Ref.Source, s.Ref.ID)
}
