package agent

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func decodeAgents(t *testing.T, js string) AgentsConfig {
	t.Helper()
	var c AgentsConfig
	if err := json.Unmarshal([]byte(js), &c); err != nil {
		t.Fatalf("decode %s: %v", js, err)
	}
	return c
}

func TestRoster(t *testing.T) {
	const state, home = "/state", "/home/u"
	tests := []struct {
		name       string
		js         string
		def        string
		workspaces map[string]string
	}{
		{"nothing configured", `{}`, "main", map[string]string{"main": "/state/workspace"}},
		{"schema default workspace means the state dir", `{"defaults":{"workspace":"~/.openclaw/workspace"}}`, "main", map[string]string{"main": "/state/workspace"}},
		{"defaults workspace", `{"defaults":{"workspace":"~/ws"}}`, "main", map[string]string{"main": "/home/u/ws"}},
		{"sole agent inherits the default workspace", `{"list":[{"id":"solo"}]}`, "solo", map[string]string{"solo": "/state/workspace"}},
		{"first entry is the default", `{"list":[{"id":"Home"},{"id":"work"}]}`, "home",
			map[string]string{"home": "/state/workspace", "work": "/state/workspace-work"}},
		{"marked default wins", `{"list":[{"id":"home"},{"id":"work","default":true}]}`, "work",
			map[string]string{"home": "/state/workspace-home", "work": "/state/workspace"}},
		{"others under a configured root", `{"defaults":{"workspace":"/srv/ws"},"list":[{"id":"main"},{"id":"ops"}]}`, "main",
			map[string]string{"main": "/srv/ws", "ops": "/srv/ws/ops"}},
		{"own workspace", `{"list":[{"id":"main"},{"id":"ops","workspace":"~/ops"}]}`, "main",
			map[string]string{"ops": "/home/u/ops"}},
		{"entries map form", `{"entries":{"alerts":{},"main":{}}}`, "main",
			map[string]string{"main": "/state/workspace", "alerts": "/state/workspace-alerts"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			agents, def := decodeAgents(t, tt.js).roster(state, home)
			if def != tt.def {
				t.Errorf("default = %q, want %q", def, tt.def)
			}
			for id, want := range tt.workspaces {
				p, ok := agents[id]
				if !ok {
					t.Fatalf("agent %q missing from %v", id, agents)
				}
				if p.workspace != filepath.FromSlash(want) {
					t.Errorf("%s workspace = %q, want %q", id, p.workspace, want)
				}
				if p.agentDir != filepath.Join(state, "agents", id, "agent") {
					t.Errorf("%s agentDir = %q", id, p.agentDir)
				}
			}
		})
	}
}

func TestRosterMergesSettings(t *testing.T) {
	c := decodeAgents(t, `{
		"defaults": {"bootstrapMaxChars": 100, "userTimezone": "UTC", "identity": {"name": "Base"}, "skills": ["a"]},
		"list": [
			{"id": "main", "identity": {"name": "Sam", "emoji": "🦥"}, "model": "ant/claude"},
			{"id": "work", "model": {"primary": "oai/gpt", "fallbacks": []}, "skills": [], "agentDir": "~/w", "timeoutSeconds": 0}
		]}`)
	agents, _ := c.roster("/s", "/h")
	m, w := agents["main"], agents["work"]
	if m.identity.Name != "Sam" || w.identity.Name != "Base" {
		t.Errorf("identities: %+v / %+v", m.identity, w.identity)
	}
	if m.settings.BootstrapMaxChars != 100 || m.settings.BootstrapTotalMaxChars != DefaultBootstrapTotalMaxChars {
		t.Errorf("caps: %+v", m.settings)
	}
	if m.models == nil || m.models.Model.Primary != "ant/claude" || m.models.Model.HasFallbacks {
		t.Errorf("main model = %+v", m.models)
	}
	if w.models == nil || w.models.Model.Primary != "oai/gpt" || !w.models.Model.HasFallbacks {
		t.Errorf("work model = %+v", w.models)
	}
	if len(m.settings.Skills) != 1 || w.settings.Skills == nil || len(w.settings.Skills) != 0 {
		t.Errorf("skills: main %v work %v (an empty list means none)", m.settings.Skills, w.settings.Skills)
	}
	if w.agentDir != filepath.FromSlash("/h/w") || w.settings.TimeoutSeconds == nil || *w.settings.TimeoutSeconds != 0 {
		t.Errorf("work = %+v", w)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		agents, messages string
		want             []string
	}{
		{`{"list":[{"id":"a"},{"id":"b","tools":{"profile":"coding"}}]}`, `{"queue":{"mode":"steer","byChannel":{"discord":"queue"}}}`, nil},
		{`{"list":[{"id":"a"},{"id":"A"}]}`, `{}`, []string{`agents.list[1].id: "A" is the same agent as agents.list[0]`}},
		{`{"list":[{"name":"x"}]}`, `{}`, []string{"agents.list[0].id: required"}},
		{`{"defaults":{"userTimezone":"Mars/Olympus","contextInjection":"sometimes"}}`, `{}`,
			[]string{`agents.defaults.userTimezone: "Mars/Olympus"`, `agents.defaults.contextInjection: "sometimes"`}},
		{`{"list":[{"id":"a","tools":{"allow":["x"],"alsoAllow":["y"]}}]}`, `{}`, []string{"agents.list[0].tools: allow and alsoAllow"}},
		{`{}`, `{"queue":{"mode":"fast","drop":"all","cap":-1},"ackReactionScope":"some"}`,
			[]string{`messages.queue.mode: "fast"`, `messages.queue.drop: "all"`, "messages.queue.cap: -1", `messages.ackReactionScope: "some"`}},
	}
	for _, tt := range tests {
		var m MessagesConfig
		if err := json.Unmarshal([]byte(tt.messages), &m); err != nil {
			t.Fatal(err)
		}
		errs := []error{decodeAgents(t, tt.agents).Validate(), m.Validate()}
		var msg string
		for _, e := range errs {
			if e != nil {
				msg += e.Error() + "\n"
			}
		}
		if len(tt.want) == 0 && msg != "" {
			t.Errorf("%s %s: unexpected %s", tt.agents, tt.messages, msg)
		}
		for _, w := range tt.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s %s: error %q lacks %q", tt.agents, tt.messages, msg, w)
			}
		}
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	_, err := New(Options{Messages: MessagesConfig{Queue: QueueConfig{Mode: "nope"}}})
	for _, want := range []string{"Router is required", "Sessions is required", "StateDir is required", "messages.queue.mode"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}
