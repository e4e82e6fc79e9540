// Package mcp connects the gateway to MCP servers configured under
// mcp.servers, the way OpenClaw does: stdio servers are launched as child
// processes (in their own process group, restarted with backoff when they
// crash), HTTP servers are reached over Streamable HTTP or SSE. Every tool a
// server lists becomes a gateway tool named <server>__<tool>, owned by the
// "bundle-mcp" plugin id, so the ordinary tool policy (profiles, allow/deny,
// group:plugins, "docs__*" globs) decides who may call it.
package mcp

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"
)

// PluginID owns every MCP tool for policy purposes, as in OpenClaw:
// tools.deny: ["bundle-mcp"] hides them all.
const PluginID = "bundle-mcp"

// Transport kinds.
const (
	TransportStdio      = "stdio"
	TransportStreamable = "streamable-http"
	TransportSSE        = "sse"
)

// Defaults from OpenClaw's MCP reference.
const (
	DefaultConnectionTimeout = 30 * time.Second
	DefaultRequestTimeout    = 60 * time.Second
)

// Config mirrors the mcp section of openclaw.json.
type Config struct {
	Servers map[string]ServerConfig `json:"servers,omitempty"`
}

// ServerConfig mirrors one mcp.servers.<name> entry.
type ServerConfig struct {
	// Enabled false keeps the definition without connecting it.
	Enabled *bool `json:"enabled,omitempty"`

	// Stdio servers.
	Command string            `json:"command,omitempty"`
	Args    []string          `json:"args,omitempty"`
	Env     map[string]string `json:"env,omitempty"`
	Cwd     string            `json:"cwd,omitempty"`
	// WorkingDirectory is an accepted spelling of Cwd.
	WorkingDirectory string `json:"workingDirectory,omitempty"`

	// HTTP servers.
	URL string `json:"url,omitempty"`
	// Transport is stdio, streamable-http or sse; a URL without it means
	// sse, as in OpenClaw.
	Transport string `json:"transport,omitempty"`
	// Type is the CLI-native spelling ("http" is streamable-http).
	Type       string            `json:"type,omitempty"`
	Headers    map[string]string `json:"headers,omitempty"`
	Auth       string            `json:"auth,omitempty"`
	SSLVerify  *bool             `json:"sslVerify,omitempty"`
	ClientCert string            `json:"clientCert,omitempty"`
	ClientKey  string            `json:"clientKey,omitempty"`

	ConnectionTimeoutMs int `json:"connectionTimeoutMs,omitempty"`
	RequestTimeoutMs    int `json:"requestTimeoutMs,omitempty"`
	// SupportsParallelToolCalls is a hint for runtimes; calls are not
	// serialised either way.
	SupportsParallelToolCalls bool `json:"supportsParallelToolCalls,omitempty"`

	ToolFilter ToolFilter `json:"toolFilter,omitempty"`
}

// ToolFilter selects a server's tools by MCP tool name or simple "*" glob.
type ToolFilter struct {
	Include []string `json:"include,omitempty"`
	Exclude []string `json:"exclude,omitempty"`
}

// IsEnabled reports whether the server should be connected.
func (c ServerConfig) IsEnabled() bool { return c.Enabled == nil || *c.Enabled }

// TransportKind resolves the transport the entry asks for.
func (c ServerConfig) TransportKind() (string, error) {
	t := strings.ToLower(strings.TrimSpace(c.Transport))
	if t == "" {
		switch strings.ToLower(strings.TrimSpace(c.Type)) {
		case "http", "streamable-http", "streamablehttp":
			t = TransportStreamable
		case "sse":
			t = TransportSSE
		case "stdio":
			t = TransportStdio
		case "":
		default:
			return "", fmt.Errorf("type %q is not stdio, http or sse", c.Type)
		}
	}
	hasCmd, hasURL := strings.TrimSpace(c.Command) != "", strings.TrimSpace(c.URL) != ""
	switch {
	case hasCmd && hasURL:
		return "", errors.New("set either command (stdio) or url (HTTP), not both")
	case t == "" && hasCmd:
		return TransportStdio, nil
	case t == "" && hasURL:
		return TransportSSE, nil
	case t == "":
		return "", errors.New("needs a command (stdio) or a url (streamable-http or sse)")
	case t == TransportStdio && !hasCmd:
		return "", errors.New(`transport "stdio" needs a non-empty command`)
	case (t == TransportStreamable || t == TransportSSE) && !hasURL:
		return "", fmt.Errorf("transport %q needs a url", t)
	case t != TransportStdio && t != TransportStreamable && t != TransportSSE:
		return "", fmt.Errorf("transport %q is not stdio, streamable-http or sse", c.Transport)
	}
	return t, nil
}

// WorkDir is the stdio working directory, from cwd or workingDirectory.
func (c ServerConfig) WorkDir() string {
	if c.Cwd != "" {
		return c.Cwd
	}
	return c.WorkingDirectory
}

func (c ServerConfig) connectionTimeout() time.Duration {
	if c.ConnectionTimeoutMs > 0 {
		return time.Duration(c.ConnectionTimeoutMs) * time.Millisecond
	}
	return DefaultConnectionTimeout
}

func (c ServerConfig) requestTimeout() time.Duration {
	if c.RequestTimeoutMs > 0 {
		return time.Duration(c.RequestTimeoutMs) * time.Millisecond
	}
	return DefaultRequestTimeout
}

// Validate reports what keeps the entry from connecting, naming its key
// under path ("mcp.servers.docs").
func (c ServerConfig) Validate(path string) error {
	var errs []error
	t, err := c.TransportKind()
	if err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", path, err))
	}
	if t == TransportStreamable || t == TransportSSE {
		u, err := url.Parse(c.URL)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s.url: %v", path, err))
		case u.Scheme != "http" && u.Scheme != "https":
			errs = append(errs, fmt.Errorf("%s.url: scheme %q is not http or https", path, u.Scheme))
		case u.Host == "":
			errs = append(errs, fmt.Errorf("%s.url: no host", path))
		}
		if (c.ClientCert == "") != (c.ClientKey == "") {
			errs = append(errs, fmt.Errorf("%s: clientCert and clientKey go together", path))
		}
	}
	if strings.EqualFold(strings.TrimSpace(c.Auth), "oauth") {
		errs = append(errs, fmt.Errorf("%s.auth: OAuth sign-in for MCP servers is not supported yet; use a static Authorization header", path))
	}
	if c.ConnectionTimeoutMs < 0 || c.RequestTimeoutMs < 0 {
		errs = append(errs, fmt.Errorf("%s: timeouts must not be negative", path))
	}
	return errors.Join(errs...)
}

// Validate checks every enabled server; disabled ones may be incomplete.
func (c Config) Validate() error {
	var errs []error
	for _, name := range c.names() {
		sc := c.Servers[name]
		path := "mcp.servers." + name
		if name == "__proto__" {
			errs = append(errs, fmt.Errorf("%s: the name __proto__ is reserved; choose another", path))
			continue
		}
		if strings.TrimSpace(name) == "" {
			errs = append(errs, errors.New("mcp.servers: a server name is empty"))
			continue
		}
		if sc.IsEnabled() {
			if err := sc.Validate(path); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func (c Config) names() []string {
	out := make([]string, 0, len(c.Servers))
	for name := range c.Servers {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}
