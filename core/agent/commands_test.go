package agent_test

import (
	"strings"
	"testing"

	"github.com/openclaw-go/openclaw/core/agent"
	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/sessions"
	"github.com/openclaw-go/openclaw/e2e/fakemodel"
)

func command(t *testing.T, e *env, box *inbox, text string) agent.Reply {
	t.Helper()
	in := inbound(text)
	in.SenderAuthorized = true
	if err := e.runner.Submit(t.Context(), in, box.deliver); err != nil {
		t.Fatal(err)
	}
	return box.next(t)
}

func TestSlashCommands(t *testing.T) {
	e := newEnv(t, setup{})
	box := newInbox()
	e.srv.Script(fakemodel.Text("first reply"))
	first, err := e.run(agent.TurnRequest{Text: "hello"})
	if err != nil {
		t.Fatal(err)
	}

	st := command(t, e, box, "/status")
	for _, want := range []string{"Agent: main", "Session: agent:main:main (id " + first.SessionID + ")", "Model: ant/claude (default)", "of 200,000 tokens", "Queue: collect (debounce 0s, cap 20, drop summarize)", "Running: no"} {
		if !strings.Contains(st.Text, want) {
			t.Errorf("/status lacks %q:\n%s", want, st.Text)
		}
	}
	if !strings.Contains(st.Text, "Tokens: ") || strings.Contains(st.Text, "Tokens: 0 in") {
		t.Errorf("/status does not count tokens:\n%s", st.Text)
	}
	if rep := command(t, e, box, "/status@SomeBot"); !strings.Contains(rep.Text, "Agent: main") {
		t.Errorf("addressed command: %q", rep.Text)
	}

	if rep := command(t, e, box, "/model"); !strings.Contains(rep.Text, "Model: ant/claude (default)") {
		t.Errorf("/model = %q", rep.Text)
	}
	if rep := command(t, e, box, "/model nosuch/thing"); !rep.IsError || !strings.Contains(rep.Text, `Unknown model "nosuch/thing"`) {
		t.Errorf("bad /model = %+v", rep)
	}
	if rep := command(t, e, box, "/model oai/gpt"); rep.Text != "Model set to oai/gpt for this session." {
		t.Errorf("/model oai/gpt = %q", rep.Text)
	}
	e.srv.Script(fakemodel.Text("from gpt"))
	res, err := e.run(agent.TurnRequest{Text: "who answers?"})
	if err != nil || res.Ref() != "oai/gpt" {
		t.Fatalf("after /model: %+v, %v", res, err)
	}
	if got := roles(e.transcript("agent:main:main")); !strings.Contains(got, "model_change") {
		t.Errorf("no model_change record: %s", got)
	}
	if rep := command(t, e, box, "/model"); !strings.Contains(rep.Text, "oai/gpt (session override)") {
		t.Errorf("/model after override = %q", rep.Text)
	}
	if rep := command(t, e, box, "/model default"); !strings.Contains(rep.Text, "ant/claude") {
		t.Errorf("/model default = %q", rep.Text)
	}
	if rep := command(t, e, box, "/model list"); !strings.Contains(rep.Text, "- ant/claude") || !strings.Contains(rep.Text, "- oai/gpt") {
		t.Errorf("/model list = %q", rep.Text)
	}

	rep := command(t, e, box, "/new")
	if !strings.HasPrefix(rep.Text, "✅ New session started") {
		t.Fatalf("/new = %q", rep.Text)
	}
	sess, _ := e.store.Get(t.Context(), "agent:main:main")
	if sess.Entry.SessionID == first.SessionID {
		t.Fatal("/new kept the session id")
	}
	e.srv.Script(fakemodel.Text("fresh"))
	e.run(agent.TurnRequest{Text: "anything before?"})
	reqs := e.srv.Requests()
	if n := len(reqs[len(reqs)-1].Messages); n != 1 {
		t.Errorf("new session carried %d messages", n)
	}

	// "/reset <text>" resets and answers the text in the fresh session.
	e.srv.Script(fakemodel.Text("answer in a new session"))
	in := inbound("/reset what is 2+2?")
	in.SenderAuthorized = true
	e.runner.Submit(t.Context(), in, box.deliver)
	if r := box.next(t); r.Text != "answer in a new session" {
		t.Errorf("/reset with text = %q", r.Text)
	}
	reqs = e.srv.Requests()
	if last := reqs[len(reqs)-1]; len(last.Messages) != 1 || last.Messages[0].Text != "what is 2+2?" {
		t.Errorf("/reset turn = %+v", last.Messages)
	}

	// Unknown commands, and commands from senders who may not use them,
	// go to the model as text.
	e.waitIdle()
	e.srv.Script(fakemodel.Text("unknown handled"), fakemodel.Text("stranger handled"))
	if r := command(t, e, box, "/frobnicate now"); r.Text != "unknown handled" {
		t.Errorf("unknown command reply = %q", r.Text)
	}
	e.waitIdle()
	before, _ := e.store.Get(t.Context(), "agent:main:main")
	e.runner.Submit(t.Context(), inbound("/new"), box.deliver)
	if r := box.next(t); r.Text != "stranger handled" {
		t.Errorf("unauthorised /new reply = %q", r.Text)
	}
	after, _ := e.store.Get(t.Context(), "agent:main:main")
	if before.Entry.SessionID != after.Entry.SessionID {
		t.Error("an unauthorised sender reset the session")
	}
	reqs = e.srv.Requests()
	if got := lastUser(reqs[len(reqs)-1]); got != "/new" {
		t.Errorf("model saw %q", got)
	}
}

func TestStopCommand(t *testing.T) {
	e := newEnv(t, setup{})
	box := newInbox()
	e.srv.Script(fakemodel.Call("hold", `{}`))
	busy(t, e, box)
	if rep := command(t, e, box, "/stop"); rep.Text != "⏹️ Stopped." {
		t.Fatalf("/stop = %q", rep.Text)
	}
	e.waitIdle()
	if rep := command(t, e, box, "/stop"); rep.Text != "Nothing is running." {
		t.Fatalf("second /stop = %q", rep.Text)
	}
	if len(box.replies) != 2 {
		t.Errorf("the stopped turn delivered something: %+v", box.replies)
	}
}

func TestModelAllowlist(t *testing.T) {
	e := newEnv(t, setup{opts: func(o *agent.Options) {
		o.Agents.Defaults.Models = map[string]models.ModelEntry{"ant/claude": {Alias: "Claude"}, "ant/backup": {}}
	}})
	box := newInbox()
	if rep := command(t, e, box, "/model oai/gpt"); !rep.IsError || !strings.Contains(rep.Text, "not offered") {
		t.Errorf("/model outside the allowlist = %+v", rep)
	}
	if rep := command(t, e, box, "/model ant/backup"); rep.IsError {
		t.Errorf("/model inside the allowlist = %+v", rep)
	}
	if rep := command(t, e, box, "/model list"); !strings.Contains(rep.Text, "ant/claude (Claude)") || strings.Contains(rep.Text, "oai/gpt") {
		t.Errorf("/model list = %q", rep.Text)
	}
	if rep := command(t, e, box, "/model ant/claude -g"); !rep.IsError {
		t.Errorf("global scope accepted: %+v", rep)
	}
	sess, _ := e.store.Get(t.Context(), "agent:main:main")
	if sess.Entry.ProviderOverride != "ant" || sess.Entry.ModelOverride != "backup" {
		t.Errorf("override = %+v", sess.Entry)
	}
	_ = sessions.ErrNotFound
}
