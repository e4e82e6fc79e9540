package mcp

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// httpTransport builds the Streamable HTTP or SSE transport of an entry,
// with its static headers and TLS settings.
func httpTransport(kind string, cfg ServerConfig, home string) (sdk.Transport, error) {
	base := http.DefaultTransport.(*http.Transport).Clone()
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.SSLVerify != nil && !*cfg.SSLVerify {
		tlsCfg.InsecureSkipVerify = true
	}
	if cfg.ClientCert != "" {
		cert, err := tls.LoadX509KeyPair(expandHome(cfg.ClientCert, home), expandHome(cfg.ClientKey, home))
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		tlsCfg.Certificates = []tls.Certificate{cert}
	}
	base.TLSClientConfig = tlsCfg
	client := &http.Client{Transport: headerRoundTripper{base: base, headers: cfg.Headers}}
	if kind == TransportSSE {
		return &sdk.SSEClientTransport{Endpoint: cfg.URL, HTTPClient: client}, nil
	}
	return &sdk.StreamableClientTransport{Endpoint: cfg.URL, HTTPClient: client}, nil
}

// headerRoundTripper adds the configured headers to every request.
type headerRoundTripper struct {
	base    http.RoundTripper
	headers map[string]string
}

func (h headerRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	if len(h.headers) > 0 {
		req = req.Clone(req.Context())
		for k, v := range h.headers {
			req.Header.Set(k, v)
		}
	}
	return h.base.RoundTrip(req)
}

// redactURL drops credentials from a URL for logs and status.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid url)"
	}
	if u.User != nil {
		u.User = url.User("redacted")
	}
	if u.RawQuery != "" {
		u.RawQuery = "redacted"
	}
	return u.String()
}
