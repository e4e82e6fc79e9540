package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/plugins/web/internal/netguard"
	"github.com/openclaw-go/openclaw/pluginsdk"
)

const braveBaseURL = "https://api.search.brave.com"

type searchArgs struct {
	Query      string           `json:"query"`
	Count      pluginsdk.Number `json:"count"`
	Country    string           `json:"country"`
	Language   string           `json:"language"`
	SearchLang string           `json:"search_lang"`
	UILang     string           `json:"ui_lang"`
	Freshness  string           `json:"freshness"`
	DateAfter  string           `json:"date_after"`
	DateBefore string           `json:"date_before"`
}

type searchResult struct {
	Title     string `json:"title"`
	URL       string `json:"url"`
	Snippet   string `json:"snippet,omitempty"`
	Published string `json:"published,omitempty"`
	SiteName  string `json:"siteName,omitempty"`
}

// searchOutput is web_search's answer: kind "results" or "error".
type searchOutput struct {
	Kind            string           `json:"kind"`
	Provider        string           `json:"provider"`
	Query           string           `json:"query,omitempty"`
	Count           int              `json:"count"`
	TookMs          int64            `json:"tookMs,omitempty"`
	Results         []searchResult   `json:"results,omitempty"`
	ExternalContent *externalContent `json:"externalContent,omitempty"`
	Cached          bool             `json:"cached,omitempty"`
	Error           string           `json:"error,omitempty"`
	Message         string           `json:"message,omitempty"`
	Docs            string           `json:"docs,omitempty"`
}

func searchError(provider, code, msg string) pluginsdk.ToolResult {
	return jsonResult(searchOutput{Kind: "error", Provider: provider, Error: code, Message: msg}, true)
}

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func (t *webTools) search(ctx context.Context, call pluginsdk.ToolCall) pluginsdk.ToolResult {
	started := t.now()
	cfg, err := decodeWebConfig(call.Context.ToolConfig, "web_search")
	if err != nil {
		return failf("web_search: %v", err)
	}
	sc := cfg.Search
	if sc.Enabled != nil && !*sc.Enabled {
		return failf("web_search is disabled (tools.web.search.enabled is false)")
	}
	switch sc.Provider {
	case "", "brave":
	default:
		return searchError(sc.Provider, "provider_unavailable", fmt.Sprintf(
			"The web_search provider %q is not available in this gateway; this plugin implements Brave Search. Set tools.web.search.provider to \"brave\" (or remove it) and configure a Brave API key.", sc.Provider))
	}
	pc := *t.config.Load()
	key := firstNonEmpty(pc.WebSearch.APIKey, sc.APIKey, t.getenv("BRAVE_API_KEY"))
	if key == "" {
		return searchError("brave", "missing_api_key",
			"web_search needs a Brave Search API key and none is configured. Set plugins.entries.web.config.webSearch.apiKey, "+
				"or give the plugin the BRAVE_API_KEY environment variable (plugins.entries.web.env.BRAVE_API_KEY); keys come from https://brave.com/search/api/.")
	}
	var args searchArgs
	if len(call.Arguments) > 0 {
		if err := json.Unmarshal(call.Arguments, &args); err != nil {
			return failf("web_search: invalid arguments: %v", err)
		}
	}
	args.Query = strings.TrimSpace(args.Query)
	if args.Query == "" {
		return failf("web_search: query is required")
	}
	count := 5
	if sc.MaxResults != nil {
		count = *sc.MaxResults
	}
	if args.Count.Set {
		count = int(args.Count.Value)
	}
	count = min(max(count, 1), 10)
	q, msg := braveQuery(args, count)
	if msg != "" {
		return failf("web_search: %s", msg)
	}
	base := strings.TrimRight(firstNonEmpty(pc.WebSearch.BaseURL, braveBaseURL), "/")
	if err := checkProviderURL(base); err != nil {
		return failf("web_search: plugins.entries.web.config.webSearch.baseUrl: %v", err)
	}
	ttl := 15 * time.Minute
	if sc.CacheTTLMinutes != nil {
		ttl = time.Duration(max(*sc.CacheTTLMinutes, 0) * float64(time.Minute))
	}
	timeout := 30 * time.Second
	if sc.TimeoutSeconds != nil && *sc.TimeoutSeconds > 0 {
		timeout = time.Duration(*sc.TimeoutSeconds * float64(time.Second))
	}
	endpoint := base + "/res/v1/web/search?" + q.Encode()
	if out, ok := t.searches.get(endpoint, ttl); ok {
		out.Cached = true
		out.TookMs = t.now().Sub(started).Milliseconds()
		return jsonResult(out, false)
	}
	results, err := braveSearch(ctx, endpoint, key, timeout)
	if err != nil {
		return searchError("brave", "provider_error", err.Error())
	}
	out := searchOutput{
		Kind: "results", Provider: "brave", Query: args.Query, Count: len(results), Results: results,
		ExternalContent: &externalContent{Untrusted: true, Source: "web_search", Provider: "brave"},
	}
	t.searches.put(endpoint, out, ttl)
	out.TookMs = t.now().Sub(started).Milliseconds()
	return jsonResult(out, false)
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// braveQuery maps the tool's filters to Brave's query parameters.
func braveQuery(a searchArgs, count int) (url.Values, string) {
	q := url.Values{"q": {a.Query}, "count": {fmt.Sprint(count)}}
	if a.Country != "" {
		if len(a.Country) != 2 {
			return nil, fmt.Sprintf("country must be a 2-letter code, got %q", a.Country)
		}
		q.Set("country", strings.ToUpper(a.Country))
	}
	if lang := firstNonEmpty(a.SearchLang, a.Language); lang != "" {
		q.Set("search_lang", strings.ToLower(lang))
	}
	if a.UILang != "" {
		if !strings.Contains(a.UILang, "-") {
			return nil, fmt.Sprintf("ui_lang needs a region, like en-US; got %q", a.UILang)
		}
		q.Set("ui_lang", a.UILang)
	}
	switch {
	case a.DateBefore != "" && a.DateAfter == "":
		return nil, "date_before needs date_after as well (Brave date ranges have a start and an end)"
	case a.DateAfter != "":
		end := a.DateBefore
		if end == "" {
			end = time.Now().UTC().Format("2006-01-02")
		}
		for _, d := range []string{a.DateAfter, end} {
			if !dateRE.MatchString(d) {
				return nil, fmt.Sprintf("dates must look like YYYY-MM-DD, got %q", d)
			}
		}
		q.Set("freshness", a.DateAfter+"to"+end)
	case a.Freshness != "":
		f, ok := map[string]string{"day": "pd", "week": "pw", "month": "pm", "year": "py"}[a.Freshness]
		if !ok {
			return nil, fmt.Sprintf("freshness must be day, week, month or year, got %q", a.Freshness)
		}
		q.Set("freshness", f)
	}
	return q, ""
}

// checkProviderURL requires https, except for a proxy on this machine or a
// private network.
func checkProviderURL(base string) error {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not a URL", base)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if host == "localhost" {
			return nil
		}
		if ip, err := netip.ParseAddr(host); err == nil && (netguard.Policy{}).CheckAddr(ip) != nil {
			return nil
		}
		return fmt.Errorf("%q: plain http is accepted only for loopback or private-network hosts; use https", base)
	}
	return fmt.Errorf("%q: scheme must be https", base)
}

type braveResponse struct {
	Web struct {
		Results []struct {
			Title       string `json:"title"`
			URL         string `json:"url"`
			Description string `json:"description"`
			PageAge     string `json:"page_age"`
			Profile     struct {
				Name string `json:"name"`
			} `json:"profile"`
			MetaURL struct {
				Hostname string `json:"hostname"`
			} `json:"meta_url"`
		} `json:"results"`
	} `json:"web"`
}

var tags = regexp.MustCompile(`<[^>]*>`)

// plain strips the highlight markup Brave puts in titles and snippets.
func plain(s string) string {
	return strings.TrimSpace(html.UnescapeString(tags.ReplaceAllString(s, "")))
}

func braveSearch(ctx context.Context, endpoint, key string, timeout time.Duration) ([]searchResult, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Subscription-Token", key)
	client := &http.Client{Timeout: timeout}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("Brave Search did not answer within %s (tools.web.search.timeoutSeconds)", timeout)
		}
		return nil, fmt.Errorf("Brave Search request failed: %v", unwrapURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, fmt.Errorf("Brave Search response: %v", err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, fmt.Errorf("Brave Search rejected the API key (HTTP %d); check plugins.entries.web.config.webSearch.apiKey or BRAVE_API_KEY", resp.StatusCode)
	case resp.StatusCode == http.StatusTooManyRequests:
		return nil, fmt.Errorf("Brave Search rate limit reached (HTTP 429); try again later or raise the plan's limit")
	case resp.StatusCode >= 400:
		return nil, fmt.Errorf("Brave Search answered HTTP %d", resp.StatusCode)
	}
	var br braveResponse
	if err := json.Unmarshal(body, &br); err != nil {
		return nil, fmt.Errorf("Brave Search returned something that is not its JSON: %v", err)
	}
	results := []searchResult{}
	for _, r := range br.Web.Results {
		u, err := url.Parse(r.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			continue
		}
		res := searchResult{Title: plain(r.Title), URL: u.String(), Snippet: plain(r.Description), SiteName: firstNonEmpty(r.Profile.Name, r.MetaURL.Hostname)}
		if len(r.PageAge) >= 10 && dateRE.MatchString(r.PageAge[:10]) {
			res.Published = r.PageAge
		}
		results = append(results, res)
	}
	return results, nil
}
