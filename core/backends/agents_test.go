package backends

import (
	"context"
	"errors"
	"testing"

	"github.com/openclaw-go/openclaw/core/agent"
	"github.com/openclaw-go/openclaw/core/gateway/backend"
)

func TestAgentsList(t *testing.T) {
	tests := []struct {
		name   string
		config string
		want   backend.AgentList
	}{
		{"defaults only", echoConfig, backend.AgentList{DefaultID: "main", Agents: []backend.Agent{{ID: "main", Default: true, Model: "echo/echo"}}}},
		{"roster", `{
		  models: { providers: { local: { baseUrl: "http://127.0.0.1:9", api: "openai-completions", models: [{ id: "small" }] } } },
		  agents: {
		    defaults: { model: { primary: "echo/echo" } },
		    list: [
		      { id: "main", name: "Main" },
		      { id: "research", default: true, identity: { name: "Sage" }, model: "local/small" },
		    ],
		  },
		}`, backend.AgentList{DefaultID: "research", Agents: []backend.Agent{
			{ID: "research", Name: "Sage", Default: true, Model: "local/small"},
			{ID: "main", Name: "Main", Model: "echo/echo"},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, tt.config)
			got, err := New(w.deps()).Agents.List(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got.DefaultID != tt.want.DefaultID || len(got.Agents) != len(tt.want.Agents) {
				t.Fatalf("List = %+v, want %+v", got, tt.want)
			}
			for i := range got.Agents {
				if got.Agents[i] != tt.want.Agents[i] {
					t.Fatalf("agent %d = %+v, want %+v", i, got.Agents[i], tt.want.Agents[i])
				}
			}
		})
	}
}

func TestAgentsWithoutRunner(t *testing.T) {
	w := newWorld(t, echoConfig)
	d := w.deps()
	d.Runner = func() *agent.Runner { return nil }
	svcs := New(d)
	if _, err := svcs.Agents.List(context.Background()); !errors.Is(err, backend.ErrUnavailable) {
		t.Fatalf("Agents.List err = %v", err)
	}
	if _, err := svcs.Chat.Run(context.Background(), backend.RunRequest{Message: "x"}, nil); !errors.Is(err, backend.ErrUnavailable) {
		t.Fatalf("Chat.Run err = %v", err)
	}
}

func TestNewLeavesOutMissingServices(t *testing.T) {
	svcs := New(Deps{})
	if svcs.Chat != nil || svcs.Agents != nil || svcs.Sessions != nil || svcs.Config != nil || svcs.Channels != nil ||
		svcs.Plugins != nil || svcs.Models != nil || svcs.Skills != nil || svcs.Tools != nil || svcs.Logs != nil || svcs.Cron != nil {
		t.Fatalf("services without their parts: %+v", svcs)
	}
	if svcs.Health == nil {
		t.Fatal("no health service")
	}
	snap, err := svcs.Health.Snapshot(context.Background(), false)
	if err != nil || snap.DefaultAgentID != "" {
		t.Fatalf("bare health snapshot = %+v, %v", snap, err)
	}
	if r := svcs.Health.Ready(context.Background()); !r.Ready {
		t.Fatalf("a gateway with nothing to wait for is not ready: %+v", r)
	}
}
