package models_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/models/apis"
	"github.com/openclaw-go/openclaw/e2e/fakemodel"
)

// clock is a settable time source for cooldown tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env map[string]string

func (e env) lookup(k string) (string, bool) { v, ok := e[k]; return v, ok }

// fakeProviders configures provider "fake" (completions), "fakeresp"
// (responses) and "fakeant" (anthropic), all served by srv.
func fakeProviders(srv *fakemodel.Server) models.Config {
	return models.Config{Providers: map[string]models.ProviderConfig{
		"fake":     {BaseURL: srv.OpenAIBaseURL(), API: models.APIOpenAICompletions, APIKey: models.Secret{Value: "sk-fake"}},
		"fakeresp": {BaseURL: srv.OpenAIBaseURL(), API: models.APIOpenAIResponses},
		"fakeant":  {BaseURL: srv.AnthropicBaseURL(), API: models.APIAnthropicMessages, APIKey: models.Secret{Value: "sk-ant"}},
	}}
}

func newRouter(t *testing.T, opts models.Options) *models.Router {
	t.Helper()
	if opts.Connect == nil {
		opts.Connect = apis.Connect
	}
	r, err := models.NewRouter(opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func sel(primary string, fallbacks ...string) *models.Selection {
	return &models.Selection{Primary: primary, Fallbacks: fallbacks, HasFallbacks: fallbacks != nil}
}

func hello() models.Request {
	return models.Request{Messages: []models.Message{models.UserMessage("hello")}}
}

func requestedModels(srv *fakemodel.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		out = append(out, r.Model)
	}
	return out
}

func TestFailoverToFallback(t *testing.T) {
	tests := []struct {
		name     string
		primary  fakemodel.Reply
		reason   models.Reason
		fallback string
	}{
		{"server error to another api", fakemodel.Fail(500, "boom"), models.ReasonServerError, "fakeant/good"},
		{"rate limit", fakemodel.RateLimited(time.Second), models.ReasonRateLimit, "fake/good"},
		{"overloaded", fakemodel.Fail(529, "overloaded"), models.ReasonOverloaded, "fakeresp/good"},
		{"auth", fakemodel.Fail(401, "bad key"), models.ReasonAuth, "fakeant/good"},
		{"unknown model", fakemodel.Fail(404, "no such model"), models.ReasonModelNotFound, "fake/good"},
		{"malformed stream", fakemodel.Reply{Raw: "data: {oops\n\n"}, models.ReasonMalformed, "fake/good"},
		{"empty reply", fakemodel.Reply{Thinking: "only thoughts"}, models.ReasonMalformed, "fakeant/good"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakemodel.New(t)
			srv.ScriptModel("bad", tt.primary)
			srv.ScriptModel("good", fakemodel.Text("from the fallback"))
			r := newRouter(t, models.Options{Models: fakeProviders(srv),
				Agents: models.AgentModels{Model: sel("fake/bad", tt.fallback)}})
			var texts []string
			resp, err := r.Stream(context.Background(), models.Route{}, hello(), func(ev models.Event) {
				if ev.Type == models.EventText {
					texts = append(texts, ev.Text)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Ref() != tt.fallback || resp.Message.Text() != "from the fallback" {
				t.Errorf("answered by %s: %q", resp.Ref(), resp.Message.Text())
			}
			if strings.Join(texts, "") != "from the fallback" {
				t.Errorf("streamed %q: the failed primary must not leak output", texts)
			}
			if len(resp.Attempts) != 2 {
				t.Fatalf("attempts = %v", resp.Attempts)
			}
			first, second := resp.Attempts[0], resp.Attempts[1]
			if first.Ref != "fake/bad" || first.Outcome != models.OutcomeFailed || first.Reason != tt.reason {
				t.Errorf("first attempt = %+v, want fake/bad failed with %s", first, tt.reason)
			}
			if second.Ref != tt.fallback || second.Outcome != models.OutcomeOK {
				t.Errorf("second attempt = %+v", second)
			}
		})
	}
}

func TestTerminalErrorsDoNotFailOver(t *testing.T) {
	for _, reply := range []fakemodel.Reply{
		fakemodel.Fail(400, "messages: invalid"),
		fakemodel.Fail(400, "This model's maximum context length is 8192 tokens"),
	} {
		srv := fakemodel.New(t)
		srv.ScriptModel("bad", reply)
		srv.ScriptModel("good", fakemodel.Text("unused"))
		r := newRouter(t, models.Options{Models: fakeProviders(srv), Agents: models.AgentModels{Model: sel("fake/bad", "fake/good")}})
		_, err := r.Stream(context.Background(), models.Route{}, hello(), nil)
		if err == nil {
			t.Fatal("want an error")
		}
		if got := requestedModels(srv); len(got) != 1 {
			t.Errorf("%q: requested %v; an invalid request must not be retried elsewhere", reply.Error, got)
		}
		var me *models.Error
		if !errors.As(err, &me) || me.Status != 400 {
			t.Errorf("err = %v, want the provider's 400 inside", err)
		}
	}
}

func TestNoFailoverAfterOutputStarted(t *testing.T) {
	srv := fakemodel.New(t)
	srv.ScriptModel("bad", fakemodel.Reply{Text: "partial answer here", Truncate: true})
	srv.ScriptModel("good", fakemodel.Text("unused"))
	r := newRouter(t, models.Options{Models: fakeProviders(srv), Agents: models.AgentModels{Model: sel("fake/bad", "fake/good")}})
	var streamed strings.Builder
	_, err := r.Stream(context.Background(), models.Route{}, hello(), func(ev models.Event) { streamed.WriteString(ev.Text) })
	if models.ReasonOf(err) != models.ReasonMalformed {
		t.Fatalf("err = %v, want the primary's broken stream", err)
	}
	if streamed.String() == "" {
		t.Fatal("test expects part of the reply to have been streamed")
	}
	if got := requestedModels(srv); len(got) != 1 {
		t.Errorf("requested %v: a second model would repeat what the user already saw", got)
	}
}

func TestAllModelsFail(t *testing.T) {
	srv := fakemodel.New(t)
	srv.ScriptModel("a", fakemodel.Fail(500, "down"))
	srv.ScriptModel("b", fakemodel.Fail(503, "also down"))
	r := newRouter(t, models.Options{Models: fakeProviders(srv), Agents: models.AgentModels{Model: sel("fake/a", "fakeant/b")}})
	_, err := r.Stream(context.Background(), models.Route{}, hello(), nil)
	var fe *models.FailoverError
	if !errors.As(err, &fe) || len(fe.Attempts) != 2 {
		t.Fatalf("err = %v, want a FailoverError with two attempts", err)
	}
	for _, want := range []string{"fake/a", "HTTP 500", "fakeant/b", "HTTP 503"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	var me *models.Error
	if !errors.As(err, &me) || me.Status != 503 {
		t.Errorf("want the last failure inside, got %v", me)
	}
}

func TestCooldown(t *testing.T) {
	srv := fakemodel.New(t)
	clk := newClock()
	r := newRouter(t, models.Options{Models: fakeProviders(srv), Now: clk.Now,
		Agents: models.AgentModels{Model: sel("fake/primary", "fakeant/backup")}})
	run := func() *models.Response {
		t.Helper()
		resp, err := r.Stream(context.Background(), models.Route{}, hello(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}

	srv.ScriptModel("primary", fakemodel.Fail(503, "unavailable"))
	srv.ScriptModel("backup", fakemodel.Text("b1"), fakemodel.Text("b2"), fakemodel.Text("b3"), fakemodel.Text("b4"))
	resp := run()
	until := resp.Attempts[0].CooldownUntil
	if want := clk.Now().Add(30 * time.Second); !until.Equal(want) {
		t.Fatalf("first cooldown until %v, want %v (30 s)", until, want)
	}

	// Within the cooldown the primary is skipped without a request.
	clk.Advance(20 * time.Second)
	before := len(srv.Requests())
	resp = run()
	if resp.Ref() != "fakeant/backup" || resp.Attempts[0].Outcome != models.OutcomeSkipped || !resp.Attempts[0].CooldownUntil.Equal(until) {
		t.Errorf("attempts = %v, want the primary skipped until %v", resp.Attempts, until)
	}
	if got := requestedModels(srv)[before:]; len(got) != 1 || got[0] != "backup" {
		t.Errorf("requested %v, want only the backup", got)
	}
	if cds := r.Cooldowns(); len(cds) != 1 || cds[0].Provider != "fake" || cds[0].Model != "primary" {
		t.Errorf("cooldowns = %+v", cds)
	}

	// After it the primary is tried again; a second failure rests it longer.
	clk.Advance(11 * time.Second)
	srv.ScriptModel("primary", fakemodel.Fail(500, "still broken"))
	resp = run()
	if resp.Attempts[0].Outcome != models.OutcomeFailed {
		t.Fatalf("attempts = %v, want the primary tried after its cooldown", resp.Attempts)
	}
	if got, want := resp.Attempts[0].CooldownUntil, clk.Now().Add(time.Minute); !got.Equal(want) {
		t.Errorf("second cooldown until %v, want %v (1 min)", got, want)
	}

	// A Retry-After longer than the schedule wins.
	clk.Advance(2 * time.Minute)
	srv.ScriptModel("primary", fakemodel.RateLimited(10*time.Minute))
	resp = run()
	if got, want := resp.Attempts[0].CooldownUntil, clk.Now().Add(10*time.Minute); !got.Equal(want) {
		t.Errorf("cooldown until %v, want Retry-After's %v", got, want)
	}

	// A success clears the record.
	clk.Advance(11 * time.Minute)
	srv.ScriptModel("primary", fakemodel.Text("p"))
	if resp = run(); resp.Ref() != "fake/primary" {
		t.Fatalf("answered by %s", resp.Ref())
	}
	if cds := r.Cooldowns(); len(cds) != 0 {
		t.Errorf("cooldowns after success = %+v", cds)
	}
}

func TestCooldownScope(t *testing.T) {
	// A rate limit rests one model; an auth failure rests the whole key.
	for _, tt := range []struct {
		reply       fakemodel.Reply
		siblingUsed bool
	}{
		{fakemodel.RateLimited(0), true},
		{fakemodel.Fail(401, "invalid key"), false},
	} {
		srv := fakemodel.New(t)
		clk := newClock()
		r := newRouter(t, models.Options{Models: fakeProviders(srv), Now: clk.Now,
			Agents: models.AgentModels{Model: sel("fake/one", "fakeant/other")}})
		srv.ScriptModel("one", tt.reply)
		srv.ScriptModel("other", fakemodel.Text("ok"))
		if _, err := r.Stream(context.Background(), models.Route{}, hello(), nil); err != nil {
			t.Fatal(err)
		}
		srv.ScriptModel("sibling", fakemodel.Text("sibling ok"))
		resp, err := r.Stream(context.Background(), models.Route{Model: "fake/sibling", Strict: true}, hello(), nil)
		if tt.siblingUsed {
			if err != nil || resp.Ref() != "fake/sibling" {
				t.Errorf("%d: sibling model blocked (%v); a rate limit is model-scoped", tt.reply.Status, err)
			}
		} else if err == nil {
			t.Errorf("%d: sibling answered on a key that just failed auth", tt.reply.Status)
		}
	}
}

func TestProbeWhenEverythingCoolsDown(t *testing.T) {
	srv := fakemodel.New(t)
	clk := newClock()
	r := newRouter(t, models.Options{Models: fakeProviders(srv), Now: clk.Now, Agents: models.AgentModels{Model: sel("fake/only")}})
	srv.ScriptModel("only", fakemodel.Fail(500, "blip"), fakemodel.Text("recovered"))
	if _, err := r.Stream(context.Background(), models.Route{}, hello(), nil); err == nil {
		t.Fatal("want the first failure")
	}
	// The only model is cooling down, but a lone transient failure must not
	// silence the assistant for 30 s: it is probed.
	resp, err := r.Stream(context.Background(), models.Route{}, hello(), nil)
	if err != nil || resp.Message.Text() != "recovered" {
		t.Fatalf("probe: %v", err)
	}

	// A Retry-After is a promise to wait: no probe before it passes.
	srv.ScriptModel("only", fakemodel.RateLimited(time.Minute))
	if _, err := r.Stream(context.Background(), models.Route{}, hello(), nil); err == nil {
		t.Fatal("want the rate limit")
	}
	n := len(srv.Requests())
	_, err = r.Stream(context.Background(), models.Route{}, hello(), nil)
	var fe *models.FailoverError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "cooling down until") {
		t.Fatalf("err = %v, want an all-cooling-down error with the time", err)
	}
	if !fe.SoonestRetry().Equal(clk.Now().Add(time.Minute)) {
		t.Errorf("soonest retry = %v", fe.SoonestRetry())
	}
	if len(srv.Requests()) != n {
		t.Error("the rate-limited model was asked again before its Retry-After")
	}
}

func TestKeyRotation(t *testing.T) {
	srv := fakemodel.New(t)
	srv.RequireKey("key-two")
	srv.Respond(func(fakemodel.Request) fakemodel.Reply { return fakemodel.Text("ok") })
	cfg := models.Config{Providers: map[string]models.ProviderConfig{"corp": {BaseURL: srv.OpenAIBaseURL()}}}
	r := newRouter(t, models.Options{Models: cfg, LookupEnv: env{"CORP_API_KEYS": "key-one, key-two"}.lookup,
		Agents: models.AgentModels{Model: sel("corp/m")}})
	resp, err := r.Stream(context.Background(), models.Route{}, hello(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Attempts) != 2 || resp.Attempts[0].Credential != "env:CORP_API_KEYS[0]" || resp.Attempts[0].Reason != models.ReasonAuth ||
		resp.Attempts[1].Credential != "env:CORP_API_KEYS[1]" {
		t.Errorf("attempts = %v", resp.Attempts)
	}
	for _, a := range resp.Attempts {
		if strings.Contains(a.String(), "key-") {
			t.Errorf("attempt %q leaks a key", a)
		}
	}
}

func TestCredentialSources(t *testing.T) {
	tests := []struct {
		name    string
		env     env
		pc      models.ProviderConfig
		auth    models.AuthConfig
		secrets map[string]string
		want    string
	}{
		{name: "OPENAI_API_KEY", env: env{"OPENAI_API_KEY": "from-env"}, want: "from-env"},
		{name: "live override wins", env: env{"OPENAI_API_KEY": "from-env", "OPENCLAW_LIVE_OPENAI_KEY": "live"}, want: "live"},
		{name: "numbered", env: env{"OPENAI_API_KEY_1": "numbered"}, want: "numbered"},
		{name: "config literal", pc: models.ProviderConfig{APIKey: models.Secret{Value: "sk-literal"}}, want: "sk-literal"},
		{name: "config env name", env: env{"LITELLM_KEY": "via-name"}, pc: models.ProviderConfig{APIKey: models.Secret{Value: "LITELLM_KEY"}}, want: "via-name"},
		{name: "config env ref", env: env{"MY_KEY": "via-ref"}, pc: models.ProviderConfig{APIKey: models.Secret{Env: "MY_KEY"}}, want: "via-ref"},
		{name: "env before config", env: env{"OPENAI_API_KEY": "from-env"}, pc: models.ProviderConfig{APIKey: models.Secret{Value: "sk-literal"}}, want: "from-env"},
		{
			name:    "auth profile first",
			env:     env{"OPENAI_API_KEY": "from-env"},
			auth:    models.AuthConfig{Profiles: map[string]models.AuthProfile{"openai:work": {Provider: "openai", Mode: "api_key"}}},
			secrets: map[string]string{"openai:work": "from-profile"},
			want:    "from-profile",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakemodel.New(t)
			srv.Respond(func(fakemodel.Request) fakemodel.Reply { return fakemodel.Text("ok") })
			pc := tt.pc
			pc.BaseURL = srv.OpenAIBaseURL()
			r := newRouter(t, models.Options{
				Models:    models.Config{Providers: map[string]models.ProviderConfig{"openai": pc}},
				Agents:    models.AgentModels{Model: sel("openai/gpt-test")},
				Auth:      tt.auth,
				LookupEnv: tt.env.lookup,
				Secrets:   func(id string) (string, bool) { v, ok := tt.secrets[id]; return v, ok },
			})
			if _, err := r.Stream(context.Background(), models.Route{}, hello(), nil); err != nil {
				t.Fatal(err)
			}
			if got := srv.Requests()[0].APIKey(); got != tt.want {
				t.Errorf("key = %q, want %q", got, tt.want)
			}
			if srv.Requests()[0].API != models.APIOpenAIResponses {
				t.Errorf("openai speaks %s, want the built-in openai-responses", srv.Requests()[0].API)
			}
		})
	}
}

func TestMissingKey(t *testing.T) {
	r := newRouter(t, models.Options{Agents: models.AgentModels{Model: sel("anthropic/claude-x")}})
	_, err := r.Stream(context.Background(), models.Route{}, hello(), nil)
	if models.ReasonOf(err) != models.ReasonAuth || !strings.Contains(err.Error(), "ANTHROPIC_API_KEY") ||
		!strings.Contains(err.Error(), "models.providers.anthropic.apiKey") {
		t.Fatalf("err = %v, want an auth error telling how to set the key", err)
	}
}

func TestNoModelConfigured(t *testing.T) {
	r := newRouter(t, models.Options{})
	_, err := r.Stream(context.Background(), models.Route{}, hello(), nil)
	if !errors.Is(err, models.ErrNoModelConfigured) {
		t.Fatalf("err = %v, want ErrNoModelConfigured", err)
	}
	for _, hint := range []string{"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "models.providers", "openclaw.json"} {
		if !strings.Contains(err.Error(), hint) {
			t.Errorf("message %q lacks %q", err, hint)
		}
	}
	// The echo provider is never chosen implicitly.
	if _, err := newRouter(t, models.Options{LookupEnv: env{"ECHO_API_KEY": "x"}.lookup}).Chain(models.Route{}); !errors.Is(err, models.ErrNoModelConfigured) {
		t.Errorf("chain = %v, want ErrNoModelConfigured", err)
	}
}

func TestImplicitPrimary(t *testing.T) {
	tests := []struct {
		name string
		opts models.Options
		want string
	}{
		{"openai key", models.Options{LookupEnv: env{"OPENAI_API_KEY": "k"}.lookup}, "openai/gpt-5.4"},
		{"anthropic key", models.Options{LookupEnv: env{"ANTHROPIC_API_KEY": "k"}.lookup}, "anthropic/claude-sonnet-5"},
		{"configured provider first", models.Options{LookupEnv: env{"OPENAI_API_KEY": "k"}.lookup, Models: models.Config{
			Providers: map[string]models.ProviderConfig{"local": {BaseURL: "http://127.0.0.1:1/v1", Models: []models.ModelConfig{{ID: "llama"}}}}}}, "local/llama"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chain, err := newRouter(t, tt.opts).Chain(models.Route{})
			if err != nil {
				t.Fatal(err)
			}
			if chain[0].String() != tt.want {
				t.Errorf("chain = %v, want %s first", chain, tt.want)
			}
		})
	}
}

func TestResolveAliases(t *testing.T) {
	agents := models.AgentModels{
		Model: sel("fake/large"),
		Models: map[string]models.ModelEntry{
			"fake/large":                {Alias: "Big"},
			"anthropic/claude-opus-5":   {},
			"anthropic/claude-sonnet-5": {Alias: "Writer"},
			"openai/gpt-9":              {Alias: "sonnet"}, // a configured alias beats the built-in one
		},
	}
	cfg := models.Config{Providers: map[string]models.ProviderConfig{
		"fake":  {BaseURL: "http://127.0.0.1:1/v1", Models: []models.ModelConfig{{ID: "large"}, {ID: "Big"}, {ID: "tiny"}}},
		"other": {BaseURL: "http://127.0.0.1:2/v1", Models: []models.ModelConfig{{ID: "shared"}}},
		"third": {BaseURL: "http://127.0.0.1:3/v1", Models: []models.ModelConfig{{ID: "shared"}}},
	}}
	auth := models.AuthConfig{Profiles: map[string]models.AuthProfile{"anthropic:work": {Provider: "anthropic"}}}
	r := newRouter(t, models.Options{Models: cfg, Agents: agents, Auth: auth})
	agent := &models.AgentModels{Models: map[string]models.ModelEntry{"other/shared": {Alias: "big"}}}
	tests := []struct {
		in    string
		agent *models.AgentModels
		want  string
		pin   string
	}{
		{in: "big", want: "fake/large"},
		{in: "BIG", want: "fake/large"},
		{in: "big", agent: agent, want: "other/shared"}, // the agent's own aliases come first
		{in: "opus", want: "anthropic/claude-opus-5"},   // built-in, listed in models
		{in: "sonnet", want: "openai/gpt-9"},
		{in: "writer", want: "anthropic/claude-sonnet-5"},
		{in: "fake/Big", want: "fake/Big"},   // an exact model id keeps its identity
		{in: "fake/tiny", want: "fake/tiny"}, // a plain ref
		{in: "tiny", want: "fake/tiny"},      // unique configured model id
		{in: "OpenRouter/meta-llama/llama-3:free", want: "openrouter/meta-llama/llama-3:free"},
		{in: "anthropic/claude-opus-5@work", want: "anthropic/claude-opus-5", pin: "anthropic:work"},
		{in: "opus@anthropic:work", want: "anthropic/claude-opus-5", pin: "anthropic:work"},
		{in: "fake/model@2026", want: "fake/model@2026"}, // not a profile: part of the id
		{in: "unlisted", want: "fake/unlisted"},          // last resort: the primary's provider
	}
	for _, tt := range tests {
		ref, err := r.Resolve(tt.in, tt.agent)
		if err != nil {
			t.Errorf("Resolve(%q): %v", tt.in, err)
			continue
		}
		if ref.String() != tt.want || ref.Profile != tt.pin {
			t.Errorf("Resolve(%q) = %s@%s, want %s@%s", tt.in, ref, ref.Profile, tt.want, tt.pin)
		}
	}

	// Built-in aliases need their model listed; ambiguous ids need a provider.
	bare := newRouter(t, models.Options{Models: cfg})
	for _, in := range []string{"gpt", "shared", ""} {
		if ref, err := bare.Resolve(in, nil); err == nil {
			t.Errorf("Resolve(%q) = %s, want an error", in, ref)
		}
	}
}

func TestChain(t *testing.T) {
	r := newRouter(t, models.Options{Agents: models.AgentModels{Model: sel("echo/a", "echo/b", "echo/c")}})
	tests := []struct {
		name  string
		route models.Route
		want  string
	}{
		{"defaults", models.Route{}, "echo/a echo/b echo/c"},
		{"agent primary is strict", models.Route{Agent: &models.AgentModels{Model: sel("echo/x")}}, "echo/x"},
		{"agent with own fallbacks", models.Route{Agent: &models.AgentModels{Model: sel("echo/x", "echo/y")}}, "echo/x echo/y"},
		{"agent fallbacks only", models.Route{Agent: &models.AgentModels{Model: &models.Selection{Fallbacks: []string{"echo/z"}, HasFallbacks: true}}}, "echo/a echo/z"},
		{"agent disables fallbacks", models.Route{Agent: &models.AgentModels{Model: &models.Selection{HasFallbacks: true}}}, "echo/a"},
		{"duplicates dropped", models.Route{Model: "echo/b"}, "echo/b echo/c echo/a"},
		{"explicit choice keeps fallbacks, primary last", models.Route{Model: "echo/m"}, "echo/m echo/b echo/c echo/a"},
		{"strict user choice", models.Route{Model: "echo/m", Strict: true}, "echo/m"},
	}
	for _, tt := range tests {
		chain, err := r.Chain(tt.route)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var got []string
		for _, ref := range chain {
			got = append(got, ref.String())
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("%s: chain = %v, want %s", tt.name, got, tt.want)
		}
	}
}

func TestParamsAndCatalogue(t *testing.T) {
	srv := fakemodel.New(t)
	srv.Respond(func(fakemodel.Request) fakemodel.Reply {
		return fakemodel.Reply{Text: "ok", Usage: &fakemodel.Usage{Input: 1000, Output: 500, CacheRead: 2000}}
	})
	cfg := models.Config{Providers: map[string]models.ProviderConfig{"fake": {
		BaseURL: srv.OpenAIBaseURL(),
		Params:  map[string]any{"provider": map[string]any{"order": []any{"a"}}},
		Headers: map[string]string{"X-Tenant": "t1"},
		Models: []models.ModelConfig{{
			ID: "m", MaxTokens: 4096, Input: []string{"text"},
			Cost:    models.ModelCost{Input: 3, Output: 15, CacheRead: 0.3},
			Headers: map[string]string{"X-Model": "m"},
		}},
	}}}
	agents := models.AgentModels{
		Model:  sel("fake/m"),
		Params: map[string]any{"cacheRetention": "long", "seed": 1.0},
		Models: map[string]models.ModelEntry{"fake/m": {Params: map[string]any{"temperature": 0.6, "seed": 2.0}}},
	}
	r := newRouter(t, models.Options{Models: cfg, Agents: agents})
	agent := &models.AgentModels{Params: map[string]any{"maxTokens": 1000.0}}
	var usageEvent *models.Usage
	req := hello()
	req.Messages[0] = models.UserMessage("look", models.Image{URL: "https://example.com/a.png"})
	resp, err := r.Stream(context.Background(), models.Route{Agent: agent}, req, func(ev models.Event) {
		if ev.Type == models.EventUsage {
			usageEvent = ev.Usage
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	got := srv.Requests()[0]
	want := map[string]string{
		"temperature": "0.6", "seed": "2", "max_tokens": "1000", "provider": `{"order":["a"]}`,
	}
	for k, v := range want {
		if string(got.Fields[k]) != v {
			t.Errorf("%s = %s, want %s", k, got.Fields[k], v)
		}
	}
	for _, k := range []string{"cacheRetention", "maxTokens"} {
		if _, ok := got.Fields[k]; ok {
			t.Errorf("%s must not reach the wire", k)
		}
	}
	if got.Header.Get("X-Tenant") != "t1" || got.Header.Get("X-Model") != "m" {
		t.Errorf("headers = %v", got.Header)
	}
	if imgs := got.Messages[0].Images; len(imgs) != 0 || !strings.Contains(got.Messages[0].Text, "image omitted") {
		t.Errorf("a text-only model got images %v / text %q", imgs, got.Messages[0].Text)
	}
	// 1000 in at $3, 500 out at $15, 2000 cached at $0.30, per million.
	wantCost := 0.003 + 0.0075 + 0.0006
	if c := resp.Usage.Cost.Total; c < wantCost-1e-12 || c > wantCost+1e-12 {
		t.Errorf("cost = %v, want %v", resp.Usage.Cost, wantCost)
	}
	if usageEvent == nil || usageEvent.Cost.Total != resp.Usage.Cost.Total {
		t.Errorf("usage event = %+v, want it priced too", usageEvent)
	}

	info, err := r.Model("fake/m", nil)
	if err != nil || info.MaxTokens != 4096 || info.AcceptsImages() || !info.Listed {
		t.Errorf("Model = %+v, %v", info, err)
	}
}

func TestEchoProvider(t *testing.T) {
	r := newRouter(t, models.Options{Agents: models.AgentModels{Model: sel(models.EchoRef)}})
	var deltas []string
	resp, err := r.Stream(context.Background(), models.Route{}, hello(), func(ev models.Event) {
		if ev.Type == models.EventText {
			deltas = append(deltas, ev.Text)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Message.Text() != "echo: hello" || strings.Join(deltas, "") != "echo: hello" || len(deltas) < 2 {
		t.Errorf("reply %q in deltas %q", resp.Message.Text(), deltas)
	}
	if resp.Usage.InputTokens == 0 || resp.Usage.OutputTokens != 2 || resp.Ref() != "echo/echo" {
		t.Errorf("usage %+v from %s", resp.Usage, resp.Ref())
	}
}

func TestConfigDecode(t *testing.T) {
	const doc = `{
	  "models": {
	    "mode": "merge",
	    "providers": {
	      "custom-proxy": {
	        "baseUrl": "http://localhost:4000/v1", "apiKey": "LITELLM_KEY", "api": "openai-completions",
	        "authHeader": true, "headers": {"X-Proxy-Region": "us-west"},
	        "models": [{"id": "llama-3.1-8b", "name": "Llama", "reasoning": false, "input": ["text"],
	          "cost": {"input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0}, "contextWindow": 128000, "maxTokens": 32000}]
	      },
	      "google": {"apiKey": {"source": "env", "provider": "default", "id": "GEMINI_API_KEY"}}
	    }
	  },
	  "agents": {"defaults": {
	    "model": {"primary": "custom-proxy/llama-3.1-8b", "fallbacks": ["google/gemini-3-flash-preview"]},
	    "models": {"custom-proxy/llama-3.1-8b": {"alias": "Local", "params": {"temperature": 0.2}}},
	    "params": {"cacheRetention": "long"}
	  }, "list": [{"id": "work", "model": "custom-proxy/llama-3.1-8b"}]},
	  "auth": {"profiles": {"anthropic:work": {"provider": "anthropic", "mode": "api_key"}}, "order": {"anthropic": ["anthropic:work"]}}
	}`
	var root struct {
		Models models.Config `json:"models"`
		Agents struct {
			Defaults models.AgentModels `json:"defaults"`
			List     []struct {
				ID string `json:"id"`
				models.AgentModels
			} `json:"list"`
		} `json:"agents"`
		Auth models.AuthConfig `json:"auth"`
	}
	if err := json.Unmarshal([]byte(doc), &root); err != nil {
		t.Fatal(err)
	}
	p := root.Models.Providers["custom-proxy"]
	if p.APIKey.Value != "LITELLM_KEY" || !p.AuthHeader || p.Models[0].ContextWindow != 128000 {
		t.Errorf("provider = %+v", p)
	}
	if root.Models.Providers["google"].APIKey.Env != "GEMINI_API_KEY" {
		t.Errorf("env ref = %+v", root.Models.Providers["google"].APIKey)
	}
	d := root.Agents.Defaults
	if d.Model.Primary != "custom-proxy/llama-3.1-8b" || !d.Model.HasFallbacks || d.Models["custom-proxy/llama-3.1-8b"].Alias != "Local" {
		t.Errorf("defaults = %+v", d)
	}
	if m := root.Agents.List[0].Model; m == nil || m.Primary != "custom-proxy/llama-3.1-8b" || m.HasFallbacks {
		t.Errorf("string-form agent model = %+v", m)
	}
	if root.Auth.Order["anthropic"][0] != "anthropic:work" {
		t.Errorf("auth = %+v", root.Auth)
	}
	if _, err := models.NewRouter(models.Options{Models: root.Models, Agents: d, Auth: root.Auth, Connect: apis.Connect}); err != nil {
		t.Errorf("NewRouter: %v", err)
	}
	// Written back, an env reference stays a reference.
	out, _ := json.Marshal(root.Models.Providers["google"])
	if !strings.Contains(string(out), `"source":"env"`) {
		t.Errorf("marshalled = %s", out)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		opts models.Options
		want string
	}{
		{"bad api", models.Options{Models: models.Config{Providers: map[string]models.ProviderConfig{"x": {BaseURL: "http://h/v1", API: "google-vertex"}}}}, "models.providers.x.api"},
		{"custom without baseUrl", models.Options{Models: models.Config{Providers: map[string]models.ProviderConfig{"mine": {API: "openai-completions"}}}}, "models.providers.mine.baseUrl: required"},
		{"bad url", models.Options{Models: models.Config{Providers: map[string]models.ProviderConfig{"x": {BaseURL: "localhost:4000"}}}}, "models.providers.x.baseUrl"},
		{"model without id", models.Options{Models: models.Config{Providers: map[string]models.ProviderConfig{"x": {BaseURL: "http://h", Models: []models.ModelConfig{{Name: "n"}}}}}}, "models.providers.x.models[0].id"},
		{"bad input kind", models.Options{Models: models.Config{Providers: map[string]models.ProviderConfig{"x": {BaseURL: "http://h", Models: []models.ModelConfig{{ID: "a", Input: []string{"video"}}}}}}}, "models.providers.x.models[0].input"},
		{"bad mode", models.Options{Models: models.Config{Mode: "overwrite"}}, "models.mode"},
		{"bad primary", models.Options{Agents: models.AgentModels{Model: sel("nonsense")}}, "agents.defaults.model.primary"},
		{"bad fallback", models.Options{Agents: models.AgentModels{Model: sel("echo/echo", "/x")}}, "agents.defaults.model.fallbacks[0]"},
	}
	for _, tt := range tests {
		tt.opts.Connect = apis.Connect
		_, err := models.NewRouter(tt.opts)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to name %q", tt.name, err, tt.want)
		}
	}
	var s models.Selection
	if err := json.Unmarshal([]byte(`42`), &s); err == nil {
		t.Error("Selection accepted a number")
	}
	var sec models.Secret
	if err := json.Unmarshal([]byte(`{"source":"file","id":"/x"}`), &sec); err == nil || !strings.Contains(err.Error(), "file") {
		t.Errorf("Secret file source: %v", err)
	}
}

func TestReplaceMode(t *testing.T) {
	srv := fakemodel.New(t)
	cfg := fakeProviders(srv)
	cfg.Mode = "replace"
	r := newRouter(t, models.Options{Models: cfg, LookupEnv: env{"OPENAI_API_KEY": "k"}.lookup,
		Agents: models.AgentModels{Model: sel("openai/gpt-5.4")}})
	_, err := r.Stream(context.Background(), models.Route{}, hello(), nil)
	if models.ReasonOf(err) != models.ReasonConfig || !strings.Contains(err.Error(), "replace") {
		t.Errorf("err = %v, want a config error about replace mode", err)
	}
}

func TestConcurrentStreams(t *testing.T) {
	srv := fakemodel.New(t)
	srv.Respond(fakemodel.EchoResponder)
	clk := newClock()
	r := newRouter(t, models.Options{Models: fakeProviders(srv), Now: clk.Now, Agents: models.AgentModels{Model: sel("fake/m", "fakeant/m")}})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := r.Stream(context.Background(), models.Route{}, hello(), func(models.Event) {})
			if err == nil && resp.Message.Text() != "echo: hello" {
				err = errors.New(resp.Message.Text())
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
