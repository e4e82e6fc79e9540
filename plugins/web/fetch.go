package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/net/html/charset"
	"golang.org/x/net/http/httpguts"

	"github.com/openclaw-go/openclaw/plugins/web/internal/extract"
	"github.com/openclaw-go/openclaw/plugins/web/internal/netguard"
	"github.com/openclaw-go/openclaw/pluginsdk"
)

const defaultUserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

type fetchArgs struct {
	URL         string           `json:"url"`
	ExtractMode string           `json:"extractMode"`
	MaxChars    pluginsdk.Number `json:"maxChars"`
}

// page is a fetched and extracted page, as cached.
type page struct {
	finalURL    string
	status      int
	contentType string
	title       string
	extractor   string
	text        string
	warning     string
	fetchedAt   time.Time
}

// fetchOutput is web_fetch's answer.
type fetchOutput struct {
	URL             string          `json:"url"`
	FinalURL        string          `json:"finalUrl"`
	Status          int             `json:"status"`
	ContentType     string          `json:"contentType,omitempty"`
	Title           string          `json:"title,omitempty"`
	ExtractMode     string          `json:"extractMode"`
	Extractor       string          `json:"extractor"`
	Warning         string          `json:"warning,omitempty"`
	Truncated       bool            `json:"truncated"`
	Length          int             `json:"length"`
	RawLength       int             `json:"rawLength"`
	FetchedAt       string          `json:"fetchedAt"`
	TookMs          int64           `json:"tookMs"`
	Cached          bool            `json:"cached,omitempty"`
	ExternalContent externalContent `json:"externalContent"`
	Text            string          `json:"text"`
}

func (t *webTools) fetch(ctx context.Context, call pluginsdk.ToolCall, progress func(pluginsdk.ToolProgress)) pluginsdk.ToolResult {
	started := t.now()
	cfg, err := decodeWebConfig(call.Context.ToolConfig, "web_fetch")
	if err != nil {
		return failf("web_fetch: %v", err)
	}
	fc := cfg.Fetch
	if fc.Enabled != nil && !*fc.Enabled {
		return failf("web_fetch is disabled (tools.web.fetch.enabled is false)")
	}
	var args fetchArgs
	if len(call.Arguments) > 0 {
		if err := json.Unmarshal(call.Arguments, &args); err != nil {
			return failf("web_fetch: invalid arguments: %v", err)
		}
	}
	mode := extract.Markdown
	switch args.ExtractMode {
	case "", "markdown":
		args.ExtractMode = "markdown"
	case "text":
		mode = extract.Text
	default:
		return failf("web_fetch: extractMode must be markdown or text, got %q", args.ExtractMode)
	}
	u, err := checkURL(args.URL)
	if err != nil {
		return failf("web_fetch: %v", err)
	}
	pol := guardPolicy(fc.SSRFPolicy)
	if err := pol.CheckHost(u.Hostname()); err != nil {
		return failf("web_fetch: %s: %v%s", u.Redacted(), err, ssrfHint)
	}
	lim := fc.limits()
	maxChars := lim.maxChars
	if args.MaxChars.Set {
		if args.MaxChars.Value < 1 {
			return failf("web_fetch: maxChars must be positive, got %v", args.MaxChars.Value)
		}
		maxChars = min(int(args.MaxChars.Value), fc.charsCap())
	}
	ua := fc.UserAgent
	if ua == "" {
		ua = defaultUserAgent
	}
	headers := requestHeaders(fc.Headers)
	key := cacheKey(u.String(), args.ExtractMode, ua, lim.readability, headers)
	p, cached := t.pages.get(key, lim.cacheTTL)
	if !cached {
		stop := lateProgress(t.progressAfter, progress, "Fetching page content...")
		p, err = t.download(ctx, u, mode, lim, ua, headers, pol)
		stop()
		if err != nil {
			return failf("web_fetch: %v", err)
		}
		if p.status < 400 {
			t.pages.put(key, p, lim.cacheTTL)
		}
	}
	out := fetchOutput{
		URL: args.URL, FinalURL: p.finalURL, Status: p.status, ContentType: p.contentType,
		ExtractMode: args.ExtractMode, Extractor: p.extractor, Warning: p.warning,
		RawLength: len([]rune(p.text)), FetchedAt: p.fetchedAt.UTC().Format(time.RFC3339),
		Cached: cached, ExternalContent: externalContent{Untrusted: true, Source: "web_fetch", Wrapped: true},
	}
	out.Title, _ = truncateChars(p.title, 256)
	w := newWrapper("Web Fetch")
	body, truncated := truncateChars(p.text, maxChars-w.overhead())
	out.Text = w.wrap(body)
	out.Truncated = truncated
	out.Length = len([]rune(out.Text))
	out.TookMs = t.now().Sub(started).Milliseconds()
	return jsonResult(out, p.status >= 400)
}

const ssrfHint = " (private, loopback and metadata addresses are refused; an operator can allow a trusted host with tools.web.fetch.ssrfPolicy.allowedHostnames)"

// checkURL accepts absolute http and https URLs only.
func checkURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, errors.New("url is required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("url %q is not a valid URL: %v", raw, err)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	case "":
		return nil, fmt.Errorf("url %q has no scheme; use http:// or https://", raw)
	default:
		return nil, fmt.Errorf("url scheme %q is not allowed; web_fetch fetches http and https only", u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("url %q has no host", raw)
	}
	u.Fragment = ""
	return u, nil
}

func guardPolicy(s ssrfPolicy) netguard.Policy {
	return netguard.Policy{
		AllowPrivate: s.DangerouslyAllowPrivateNetwork, AllowedHosts: s.AllowedHostnames, BlockedHosts: s.BlockedHostnames,
		AllowBenchmark: s.AllowRfc2544BenchmarkRange, AllowULA: s.AllowIpv6UniqueLocalRange,
	}
}

// reservedHeaders belong to the fetch itself or to the connection.
var reservedHeaders = map[string]bool{
	"Accept": true, "Accept-Language": true, "User-Agent": true, "Host": true, "Content-Length": true,
	"Transfer-Encoding": true, "Connection": true, "Upgrade": true, "Keep-Alive": true, "Te": true,
	"Trailer": true, "Proxy-Connection": true, "Proxy-Authorization": true,
}

// requestHeaders keeps the configured headers a request can carry. Names
// differing only in case collapse to the later one in sorted order.
func requestHeaders(cfg map[string]string) http.Header {
	h := http.Header{}
	names := make([]string, 0, len(cfg))
	for k := range cfg {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := cfg[k]
		ck := http.CanonicalHeaderKey(strings.TrimSpace(k))
		if !httpguts.ValidHeaderFieldName(ck) || reservedHeaders[ck] || !httpguts.ValidHeaderFieldValue(v) {
			continue
		}
		if strings.ContainsFunc(v, func(r rune) bool { return r > 0xFF }) {
			continue
		}
		h.Set(ck, v)
	}
	return h
}

// safeOnRedirect are headers kept when a redirect leaves the origin.
var safeOnRedirect = []string{"Cache-Control", "Content-Type", "Range"}

func cacheKey(u, mode, ua string, readability bool, h http.Header) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\x00%s\x00%s\x00%t", u, mode, ua, readability)
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "\x00%s=%s", k, h.Get(k))
	}
	return b.String()
}

// download fetches u within the limits and extracts its text.
func (t *webTools) download(ctx context.Context, u *url.URL, mode extract.Mode, lim fetchLimits, ua string, headers http.Header, pol netguard.Policy) (page, error) {
	transport := &http.Transport{
		DialContext:           pol.Dialer(&net.Dialer{Timeout: 10 * time.Second}, t.resolver),
		Proxy:                 nil,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: lim.timeout,
		ForceAttemptHTTP2:     true,
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{
		Transport: transport,
		Timeout:   lim.timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > lim.maxRedirects {
				return fmt.Errorf("stopped after %d redirects (tools.web.fetch.maxRedirects)", lim.maxRedirects)
			}
			if s := req.URL.Scheme; s != "http" && s != "https" {
				return fmt.Errorf("redirect to a %s: URL refused", s)
			}
			if err := pol.CheckHost(req.URL.Hostname()); err != nil {
				return err
			}
			if req.URL.Host != via[0].URL.Host {
				for k := range headers {
					if !slices.Contains(safeOnRedirect, k) {
						req.Header.Del(k)
					}
				}
			}
			return nil
		},
	}
	ctx, cancel := context.WithTimeout(ctx, lim.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return page{}, fmt.Errorf("build request: %w", err)
	}
	for k, v := range headers {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", ua)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,text/markdown;q=0.9,text/plain;q=0.9,application/json;q=0.8,*/*;q=0.5")
	req.Header.Set("Accept-Language", "en-US,en;q=0.9")
	resp, err := client.Do(req)
	if err != nil {
		return page{}, describeFetchError(u, err, lim)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, lim.maxResponseBytes+1))
	if err != nil {
		return page{}, describeFetchError(u, err, lim)
	}
	p := page{finalURL: resp.Request.URL.String(), status: resp.StatusCode, fetchedAt: t.now()}
	if int64(len(body)) > lim.maxResponseBytes {
		body = body[:lim.maxResponseBytes]
		p.warning = fmt.Sprintf("The response was larger than %d bytes and was cut there (tools.web.fetch.maxResponseBytes).", lim.maxResponseBytes)
	}
	ct := resp.Header.Get("Content-Type")
	if ct == "" {
		ct = http.DetectContentType(body)
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
	}
	p.contentType = mt
	switch {
	case mt == "text/html" || mt == "application/xhtml+xml":
		r, err := charset.NewReader(bytes.NewReader(body), ct)
		if err != nil {
			return page{}, fmt.Errorf("%s: decode %s: %v", u.Redacted(), ct, err)
		}
		res, err := extract.HTML(r, extract.Options{Mode: mode, Base: resp.Request.URL, Readability: lim.readability})
		if err != nil {
			return page{}, fmt.Errorf("%s: %v", u.Redacted(), err)
		}
		p.title, p.text, p.extractor = res.Title, res.Text, res.Extractor
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		var buf bytes.Buffer
		if json.Indent(&buf, body, "", "  ") == nil {
			p.text = buf.String()
		} else {
			p.text = string(body)
		}
		p.extractor = "json"
	case strings.HasPrefix(mt, "text/") || mt == "application/xml" || strings.HasSuffix(mt, "+xml") || mt == "application/javascript":
		r, err := charset.NewReader(bytes.NewReader(body), ct)
		if err != nil {
			return page{}, fmt.Errorf("%s: decode %s: %v", u.Redacted(), ct, err)
		}
		text, err := io.ReadAll(r)
		if err != nil {
			return page{}, fmt.Errorf("%s: decode %s: %v", u.Redacted(), ct, err)
		}
		p.text = strings.TrimSpace(string(text))
		p.extractor = "raw"
	default:
		return page{}, fmt.Errorf("%s returned %s (HTTP %d), which is not text; web_fetch reads HTML, Markdown, plain text, JSON and XML", u.Redacted(), mt, resp.StatusCode)
	}
	if strings.TrimSpace(p.text) == "" && p.warning == "" {
		p.warning = "No readable text was found; the page may need JavaScript (use a browser tool)."
	}
	return p, nil
}

func describeFetchError(u *url.URL, err error, lim fetchLimits) error {
	var ne net.Error
	switch {
	case errors.Is(err, netguard.ErrBlocked):
		return fmt.Errorf("%s: %v%s", u.Redacted(), unwrapURLError(err), ssrfHint)
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return fmt.Errorf("%s: timed out after %s (tools.web.fetch.timeoutSeconds)", u.Redacted(), lim.timeout)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%s: cancelled", u.Redacted())
	}
	return fmt.Errorf("%s: %v", u.Redacted(), unwrapURLError(err))
}

// unwrapURLError drops net/http's "Get \"url\":" prefix; the URL is
// already in the message.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
