package models

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Endpoint is everything a client needs to talk to one provider with one
// credential.
type Endpoint struct {
	// Provider is the provider id, for error messages.
	Provider string
	API      string
	BaseURL  string
	// APIKey is the credential; empty for local servers that need none.
	APIKey string
	// Bearer sends APIKey as "Authorization: Bearer" even where the API has
	// its own header.
	Bearer bool
	// Headers are sent with every request, after the API's own, so they can
	// override them.
	Headers map[string]string
	// Timeout bounds one request, streaming included; 0 means none.
	Timeout    time.Duration
	HTTPClient *http.Client
}

// ConnectFunc builds a Provider for an endpoint; apis.Connect is the real one.
type ConnectFunc func(Endpoint) (Provider, error)

// Options configure a Router.
type Options struct {
	// Models is the `models` config subtree.
	Models Config
	// Agents holds agents.defaults' model settings.
	Agents AgentModels
	// Auth is the `auth` subtree.
	Auth AuthConfig
	// Connect builds clients; required.
	Connect ConnectFunc
	// LookupEnv reads the environment (os.LookupEnv in the gateway). Nil
	// means an empty environment.
	LookupEnv func(string) (string, bool)
	// Secrets returns the key or token stored for an auth profile id. Nil
	// means no stored secrets.
	Secrets func(profileID string) (string, bool)
	// Now is the clock for cooldowns; nil means time.Now.
	Now        func() time.Time
	HTTPClient *http.Client
	Logger     hclog.Logger
}

// Router resolves model refs and runs requests with failover. It is safe for
// concurrent use.
type Router struct {
	cfg      Config
	defaults AgentModels
	auth     AuthConfig
	connect  ConnectFunc
	env      func(string) (string, bool)
	secrets  func(string) (string, bool)
	now      func() time.Time
	client   *http.Client
	log      hclog.Logger
	cool     *cooldowns
}

// NewRouter checks the configuration and returns a Router. The error names
// every config key that is wrong.
func NewRouter(opts Options) (*Router, error) {
	if opts.Connect == nil {
		return nil, errors.New("models: Options.Connect is required")
	}
	r := &Router{
		defaults: opts.Agents,
		auth:     opts.Auth,
		connect:  opts.Connect,
		env:      opts.LookupEnv,
		secrets:  opts.Secrets,
		now:      opts.Now,
		client:   opts.HTTPClient,
		log:      opts.Logger,
	}
	if r.env == nil {
		r.env = func(string) (string, bool) { return "", false }
	}
	if r.secrets == nil {
		r.secrets = func(string) (string, bool) { return "", false }
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.client == nil {
		r.client = &http.Client{}
	}
	if r.log == nil {
		r.log = hclog.NewNullLogger()
	}
	r.cool = newCooldowns(r.now)

	var errs []error
	switch opts.Models.Mode {
	case "", "merge", "replace":
	default:
		errs = append(errs, fmt.Errorf("models.mode: %q is not \"merge\" or \"replace\"", opts.Models.Mode))
	}
	r.cfg = Config{Mode: opts.Models.Mode, Providers: make(map[string]ProviderConfig, len(opts.Models.Providers))}
	for id, pc := range opts.Models.Providers {
		key := "models.providers." + id
		norm := normalizeProvider(id)
		if norm == "" || strings.ContainsAny(norm, "/@ ") {
			errs = append(errs, fmt.Errorf("%s: provider id must be non-empty and contain no \"/\", \"@\" or spaces", key))
			continue
		}
		if _, dup := r.cfg.Providers[norm]; dup {
			errs = append(errs, fmt.Errorf("%s: provider %q is configured twice (ids are case-insensitive)", key, norm))
			continue
		}
		errs = append(errs, checkProvider(key, norm, pc)...)
		r.cfg.Providers[norm] = pc
	}
	if m := r.defaults.Model; m != nil {
		if m.Primary != "" {
			if _, err := r.resolve(m.Primary, nil); err != nil {
				errs = append(errs, fmt.Errorf("agents.defaults.model.primary: %w", err))
			}
		}
		for i, f := range m.Fallbacks {
			if _, err := r.resolve(f, nil); err != nil {
				errs = append(errs, fmt.Errorf("agents.defaults.model.fallbacks[%d]: %w", i, err))
			}
		}
	}
	for k := range r.defaults.Models {
		if strings.HasSuffix(k, "/*") {
			continue // a provider-wide entry, for pickers
		}
		if _, err := ParseRef(k); err != nil {
			errs = append(errs, fmt.Errorf("agents.defaults.models[%q]: %w", k, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return r, nil
}

func checkProvider(key, id string, pc ProviderConfig) []error {
	var errs []error
	if err := checkAPI(pc.API); err != nil {
		errs = append(errs, fmt.Errorf("%s.api: %w", key, err))
	}
	if pc.BaseURL != "" {
		u, err := url.Parse(pc.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s.baseUrl: %q is not an http or https URL", key, pc.BaseURL))
		}
	} else if _, known := builtin(id); !known {
		errs = append(errs, fmt.Errorf("%s.baseUrl: required for a provider the gateway does not know (%q)", key, id))
	}
	switch pc.Auth {
	case "", "api-key", "api_key", "token", "oauth":
	default:
		errs = append(errs, fmt.Errorf("%s.auth: %q is not supported (want \"api-key\", \"token\" or \"oauth\")", key, pc.Auth))
	}
	if pc.MaxTokens < 0 || pc.TimeoutSeconds < 0 {
		errs = append(errs, fmt.Errorf("%s: maxTokens and timeoutSeconds must not be negative", key))
	}
	seen := make(map[string]bool)
	for i, m := range pc.Models {
		mk := fmt.Sprintf("%s.models[%d]", key, i)
		if strings.TrimSpace(m.ID) == "" {
			errs = append(errs, fmt.Errorf("%s.id: required", mk))
			continue
		}
		if seen[m.ID] {
			errs = append(errs, fmt.Errorf("%s.id: %q is listed twice", mk, m.ID))
		}
		seen[m.ID] = true
		if err := checkAPI(m.API); err != nil {
			errs = append(errs, fmt.Errorf("%s.api: %w", mk, err))
		}
		for _, in := range m.Input {
			if in != "text" && in != "image" {
				errs = append(errs, fmt.Errorf("%s.input: %q is not \"text\" or \"image\"", mk, in))
			}
		}
		if m.ContextWindow < 0 || m.ContextTokens < 0 || m.MaxTokens < 0 {
			errs = append(errs, fmt.Errorf("%s: contextWindow, contextTokens and maxTokens must not be negative", mk))
		}
	}
	return errs
}

func checkAPI(api string) error {
	switch api {
	case "", APIOpenAICompletions, APIOpenAIResponses, APIAnthropicMessages, APIEcho:
		return nil
	}
	return fmt.Errorf("%q is not supported (want %q, %q or %q)", api, APIOpenAICompletions, APIOpenAIResponses, APIAnthropicMessages)
}

// Route says which models one request may use.
type Route struct {
	// Agent holds the agent's own model settings (agents.list[].model,
	// .models, .params); nil means agents.defaults alone. An agent primary
	// without its own fallbacks is strict.
	Agent *AgentModels
	// Model is an explicit choice (a ref or alias) tried first: a
	// session's /model pick or a cron job's model.
	Model string
	// Strict forbids fallbacks, so a user's explicit choice fails visibly
	// instead of being answered by another model.
	Strict bool
}

// candidate is one entry of a run's chain.
type candidate struct {
	written string // as the config or user wrote it
	ref     Ref
	err     error
}

// Resolve turns a ref, alias or model id into a Ref. agent may be nil.
func (r *Router) Resolve(s string, agent *AgentModels) (Ref, error) {
	return r.resolve(s, agent)
}

// Chain lists the models a route tries, in order. It returns
// ErrNoModelConfigured when nothing selects a model.
func (r *Router) Chain(route Route) ([]Ref, error) {
	cands, err := r.candidates(route)
	if err != nil {
		return nil, err
	}
	refs := make([]Ref, 0, len(cands))
	for _, c := range cands {
		if c.err == nil {
			refs = append(refs, c.ref)
		}
	}
	return refs, nil
}

func (r *Router) candidates(route Route) ([]candidate, error) {
	primary, fallbacks := r.selection(route.Agent)
	var list []string
	switch {
	case route.Model != "":
		list = append(list, route.Model)
		if !route.Strict {
			list = append(list, fallbacks...)
			if primary != "" {
				// The configured primary is the last resort, so a run
				// can settle back on the normal default.
				list = append(list, primary)
			}
		}
	default:
		if primary == "" {
			primary = r.implicitPrimary()
			if primary == "" {
				return nil, ErrNoModelConfigured
			}
			r.log.Debug("no primary model configured; using a provider with credentials", "model", primary)
		}
		list = append(list, primary)
		if !route.Strict {
			list = append(list, fallbacks...)
		}
	}
	seen := make(map[string]bool)
	var out []candidate
	for i, s := range list {
		ref, err := r.resolve(s, route.Agent)
		if err != nil {
			if i == 0 {
				return nil, err
			}
			out = append(out, candidate{written: s, err: err})
			continue
		}
		if seen[ref.String()] {
			continue
		}
		seen[ref.String()] = true
		out = append(out, candidate{written: s, ref: ref})
	}
	return out, nil
}

// selection applies the agent's model over the defaults.
func (r *Router) selection(agent *AgentModels) (primary string, fallbacks []string) {
	if d := r.defaults.Model; d != nil {
		primary, fallbacks = d.Primary, d.Fallbacks
	}
	if agent == nil || agent.Model == nil {
		return primary, fallbacks
	}
	m := agent.Model
	switch {
	case m.Primary != "" && m.HasFallbacks:
		return m.Primary, m.Fallbacks
	case m.Primary != "":
		return m.Primary, nil
	case m.HasFallbacks:
		return primary, m.Fallbacks
	}
	return primary, fallbacks
}

// implicitPrimary picks a model when none is configured: the first model of
// the first configured provider, else the default model of a well-known
// provider whose key is present.
func (r *Router) implicitPrimary() string {
	for _, id := range r.providerIDs() {
		if ms := r.cfg.Providers[id].Models; len(ms) > 0 {
			return id + "/" + ms[0].ID
		}
	}
	if r.cfg.Mode == "replace" {
		return ""
	}
	for _, id := range implicitDefaults() {
		bp, _ := builtin(id)
		if len(r.credentials(Ref{Provider: id}, r.cfg.Providers[id])) > 0 {
			return id + "/" + bp.defaultModel
		}
	}
	return ""
}

func (r *Router) providerIDs() []string {
	ids := make([]string, 0, len(r.cfg.Providers))
	for id := range r.cfg.Providers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func (r *Router) configuredModel(provider, id string) *ModelConfig {
	pc, ok := r.cfg.Providers[provider]
	if !ok {
		return nil
	}
	for i := range pc.Models {
		if pc.Models[i].ID == id {
			return &pc.Models[i]
		}
	}
	return nil
}

// ModelInfo is what the catalogue knows about a model.
type ModelInfo struct {
	Provider string
	ID       string
	Name     string
	API      string
	// Reasoning marks a model that thinks before answering.
	Reasoning bool
	// Input lists accepted input kinds; nil means unknown.
	Input         []string
	ContextWindow int
	ContextTokens int
	MaxTokens     int
	Cost          ModelCost
	// Listed is set when models.providers lists the model.
	Listed bool
}

// Ref returns "provider/id".
func (m ModelInfo) Ref() string { return m.Provider + "/" + m.ID }

// AcceptsImages reports whether image parts may be sent; unknown models are
// given the benefit of the doubt.
func (m ModelInfo) AcceptsImages() bool {
	if m.Input == nil {
		return true
	}
	for _, in := range m.Input {
		if in == "image" {
			return true
		}
	}
	return false
}

// Model returns the catalogue entry for a ref or alias.
func (r *Router) Model(s string, agent *AgentModels) (ModelInfo, error) {
	ref, err := r.resolve(s, agent)
	if err != nil {
		return ModelInfo{}, err
	}
	_, info, _, err := r.endpoint(ref)
	return info, err
}

// Catalog lists the configured models, and the default model of each
// well-known provider that has credentials.
func (r *Router) Catalog() []ModelInfo {
	var out []ModelInfo
	for _, id := range r.providerIDs() {
		for _, m := range r.cfg.Providers[id].Models {
			if _, info, _, err := r.endpoint(Ref{Provider: id, Model: m.ID}); err == nil {
				out = append(out, info)
			}
		}
	}
	if r.cfg.Mode != "replace" {
		for _, id := range implicitDefaults() {
			bp, _ := builtin(id)
			if _, listed := r.cfg.Providers[id]; listed || len(r.credentials(Ref{Provider: id}, r.cfg.Providers[id])) == 0 {
				continue
			}
			out = append(out, ModelInfo{Provider: id, ID: bp.defaultModel, API: bp.api})
		}
	}
	return out
}

// Cooldowns lists the credentials and models resting after failures.
func (r *Router) Cooldowns() []Cooldown { return r.cool.list() }

// endpoint works out how to reach a model, without a credential.
func (r *Router) endpoint(ref Ref) (ep Endpoint, info ModelInfo, keyless bool, err error) {
	pc, configured := r.cfg.Providers[ref.Provider]
	bp, known := builtin(ref.Provider)
	switch {
	case !configured && !known:
		return ep, info, false, &Error{Provider: ref.Provider, Model: ref.Model, Reason: ReasonConfig,
			Message: fmt.Sprintf("unknown provider %q: add it under models.providers.%s with baseUrl and api", ref.Provider, ref.Provider)}
	case !configured && r.cfg.Mode == "replace" && bp.api != APIEcho:
		return ep, info, false, &Error{Provider: ref.Provider, Model: ref.Model, Reason: ReasonConfig,
			Message: fmt.Sprintf("provider %q is not under models.providers and models.mode is \"replace\"", ref.Provider)}
	}
	info = ModelInfo{Provider: ref.Provider, ID: ref.Model, MaxTokens: pc.MaxTokens}
	var mc ModelConfig
	if m := r.configuredModel(ref.Provider, ref.Model); m != nil {
		mc = *m
		info.Listed = true
		info.Name = m.Name
		info.Reasoning = m.Reasoning
		info.Input = m.Input
		if info.Input == nil {
			info.Input = []string{"text"}
		}
		info.ContextWindow = m.ContextWindow
		info.ContextTokens = m.ContextTokens
		if m.MaxTokens > 0 {
			info.MaxTokens = m.MaxTokens
		}
		info.Cost = m.Cost
	}
	api := firstNonEmpty(mc.API, pc.API, bp.api)
	if api == "" {
		api = APIOpenAICompletions
	}
	info.API = api
	base := firstNonEmpty(pc.BaseURL, bp.baseURL)
	if ref.Provider == "ollama" && pc.BaseURL != "" {
		// Ollama's documented URL has no path; its OpenAI-compatible API
		// lives under /v1.
		if u, err := url.Parse(base); err == nil && strings.Trim(u.Path, "/") == "" {
			base = strings.TrimRight(base, "/") + "/v1"
		}
	}
	if base == "" && api != APIEcho {
		return ep, info, false, &Error{Provider: ref.Provider, Model: ref.Model, Reason: ReasonConfig,
			Message: fmt.Sprintf("models.providers.%s.baseUrl is not set", ref.Provider)}
	}
	ep = Endpoint{
		Provider:   ref.Provider,
		API:        api,
		BaseURL:    base,
		Bearer:     pc.AuthHeader || pc.Auth == "token" || pc.Auth == "oauth",
		Headers:    mergeHeaders(pc.Headers, mc.Headers),
		Timeout:    time.Duration(pc.TimeoutSeconds) * time.Second,
		HTTPClient: r.client,
	}
	keyless = bp.keyless || !known || pc.BaseURL != ""
	return ep, info, keyless, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func mergeHeaders(a, b map[string]string) map[string]string {
	if len(b) == 0 {
		return a
	}
	out := make(map[string]string, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// credential is one key a provider can be called with.
type credential struct {
	// id says where the key came from; it is safe to log.
	id     string
	key    string
	bearer bool
}

// credentials lists a provider's keys in the order they are tried: a live
// override alone if set; else the pinned profile, the auth profiles, the
// environment (<P>_API_KEYS, <P>_API_KEY, <P>_API_KEY_1…), then
// models.providers.<p>.apiKey.
func (r *Router) credentials(ref Ref, pc ProviderConfig) []credential {
	prefix := envPrefix(ref.Provider)
	if v, ok := r.env("OPENCLAW_LIVE_" + prefix + "_KEY"); ok && strings.TrimSpace(v) != "" {
		return []credential{{id: "env:OPENCLAW_LIVE_" + prefix + "_KEY", key: strings.TrimSpace(v)}}
	}
	var out []credential
	seen := make(map[string]bool)
	add := func(id, key string, bearer bool) {
		key = strings.TrimSpace(key)
		if key == "" || seen[key] {
			return
		}
		seen[key] = true
		out = append(out, credential{id: id, key: key, bearer: bearer})
	}
	for _, pid := range r.profileOrder(ref.Provider, ref.Profile) {
		if key, ok := r.secrets(pid); ok {
			mode := r.auth.Profiles[pid].Mode
			add("profile:"+pid, key, mode == "token" || mode == "oauth")
		}
	}
	names := []string{prefix + "_API_KEY"}
	if bp, ok := builtin(ref.Provider); ok && len(bp.env) > 0 {
		names = bp.env
	}
	for _, name := range names {
		if list := strings.TrimSuffix(name, "_KEY") + "_KEYS"; list != name {
			if v, ok := r.env(list); ok {
				for i, k := range strings.FieldsFunc(v, func(c rune) bool { return c == ',' || c == ';' }) {
					add(fmt.Sprintf("env:%s[%d]", list, i), k, false)
				}
			}
		}
		if v, ok := r.env(name); ok {
			add("env:"+name, v, false)
		}
		for i := 1; ; i++ {
			n := name + "_" + strconv.Itoa(i)
			v, ok := r.env(n)
			if !ok {
				break
			}
			add("env:"+n, v, false)
		}
	}
	if !pc.APIKey.IsZero() {
		if v, src := pc.APIKey.resolve(r.env); v != "" {
			add(src, v, false)
		}
	}
	return out
}

// profileOrder lists the provider's auth profiles: the pinned one first, then
// auth.order, then the rest by id.
func (r *Router) profileOrder(provider, pin string) []string {
	var out []string
	seen := make(map[string]bool)
	add := func(id string) {
		if p, ok := r.auth.Profiles[id]; ok && normalizeProvider(p.Provider) == provider && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	if pin != "" {
		add(pin)
	}
	for _, id := range r.auth.Order[provider] {
		add(id)
	}
	ids := make([]string, 0, len(r.auth.Profiles))
	for id := range r.auth.Profiles {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		add(id)
	}
	return out
}

// envPrefix is the provider id as an environment variable prefix:
// "vercel-ai-gateway" becomes "VERCEL_AI_GATEWAY".
func envPrefix(provider string) string {
	b := []byte(strings.ToUpper(provider))
	for i, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	return string(b)
}

func missingKeyMessage(provider string) string {
	names := []string{envPrefix(provider) + "_API_KEY"}
	if bp, ok := builtin(provider); ok && len(bp.env) > 0 {
		names = bp.env
	}
	return fmt.Sprintf("no API key for provider %q: set %s, or models.providers.%s.apiKey", provider, strings.Join(names, " or "), provider)
}
