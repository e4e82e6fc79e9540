package backends

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/models/apis"
)

const catalogConfig = `{
  models: { providers: {
    local: { baseUrl: "http://127.0.0.1:9", api: "openai-completions", models: [
      { id: "m1", name: "Model One", contextWindow: 8000, input: ["text", "image"], reasoning: true },
      { id: "m2" },
    ] },
    flaky: { baseUrl: "http://127.0.0.1:9", api: "openai-completions", models: [{ id: "f1" }] },
  } },
  agents: {
    defaults: { model: { primary: "local/m1" }, models: { "local/m1": { alias: "one" }, "flaky/*": {} } },
    list: [ { id: "main" }, { id: "narrow", models: { "local/m2": { alias: "two" } } } ],
  },
}`

func TestModelsList(t *testing.T) {
	w := newWorld(t, catalogConfig)
	w.connect = func(ep models.Endpoint) (models.Provider, error) {
		if ep.Provider == "flaky" {
			return &scripted{err: &models.Error{Provider: "flaky", Reason: models.ReasonRateLimit, Status: 429}}, nil
		}
		return apis.Connect(ep)
	}
	w.build()
	// A failed call puts the flaky provider's credential to rest.
	if _, err := w.router.Stream(context.Background(), models.Route{Model: "flaky/f1", Strict: true}, models.Request{Messages: []models.Message{models.UserMessage("x")}}, nil); err == nil {
		t.Fatal("the flaky provider answered")
	}
	svc := New(w.deps()).Models
	tests := []struct {
		name  string
		q     backend.ModelQuery
		want  []string // ref:alias:available
		error error
	}{
		{"everything", backend.ModelQuery{}, []string{"flaky/f1::false", "local/m1:one:true", "local/m2::true"}, nil},
		{"default allowlist", backend.ModelQuery{AgentID: "main"}, []string{"flaky/f1::false", "local/m1:one:true"}, nil},
		{"agent's own models", backend.ModelQuery{AgentID: "narrow"}, []string{"local/m2:two:true"}, nil},
		{"unknown agent", backend.ModelQuery{AgentID: "ghost"}, nil, backend.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := svc.List(context.Background(), tt.q)
			if !errors.Is(err, tt.error) {
				t.Fatalf("err = %v, want %v", err, tt.error)
			}
			var refs []string
			for _, m := range got {
				refs = append(refs, m.Ref()+":"+m.Alias+":"+map[bool]string{true: "true", false: "false"}[m.Available])
			}
			if strings.Join(refs, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("List = %v, want %v", refs, tt.want)
			}
		})
	}
	all, _ := svc.List(context.Background(), backend.ModelQuery{})
	for _, m := range all {
		if m.Ref() == "local/m1" && (m.Name != "Model One" || m.ContextWindow != 8000 || !m.Reasoning || len(m.Input) != 2) {
			t.Fatalf("local/m1 = %+v", m)
		}
		if m.Ref() == "local/m2" && m.Name != "m2" {
			t.Fatalf("a model without a name is not named by its id: %+v", m)
		}
	}
}
