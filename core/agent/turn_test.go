package agent_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/core/agent"
	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/sessions"
	"github.com/openclaw-go/openclaw/core/toolpolicy"
	"github.com/openclaw-go/openclaw/core/tools"
	"github.com/openclaw-go/openclaw/core/tools/toolstest"
	"github.com/openclaw-go/openclaw/e2e/fakemodel"
	pluginv1 "github.com/openclaw-go/openclaw/proto/openclaw/plugin/v1"
)

func TestPlainReply(t *testing.T) {
	e := newEnv(t, setup{})
	e.srv.Script(fakemodel.Text("Hello! How can I help?"))
	res, err := e.run(agent.TurnRequest{Text: "hi", Channel: "telegram", ChatType: "direct", SenderID: "42"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "Hello! How can I help?" || res.Ref() != "ant/claude" || res.StopReason != "stop" {
		t.Fatalf("result = %+v", res)
	}
	if res.SessionKey != "agent:main:main" || res.AgentID != "main" || res.SessionID == "" {
		t.Errorf("session = %q %q %q", res.SessionKey, res.AgentID, res.SessionID)
	}
	req := e.srv.Requests()[0]
	if lastUser(req) != "hi" {
		t.Errorf("model saw %q", lastUser(req))
	}
	ws := filepath.Join(e.state, "workspace")
	for _, name := range []string{"AGENTS.md", "SOUL.md", "TOOLS.md", "IDENTITY.md", "USER.md", "BOOTSTRAP.md"} {
		if _, err := os.Stat(filepath.Join(ws, name)); err != nil {
			t.Errorf("workspace file %s not created: %v", name, err)
		}
		if !strings.Contains(req.System, "### "+name) {
			t.Errorf("system prompt does not inject %s", name)
		}
	}
	for _, want := range []string{"Your working directory is " + ws, "session=agent:main:main", "channel=telegram", "model=ant/claude", "Time zone: UTC"} {
		if !strings.Contains(req.System, want) {
			t.Errorf("system prompt lacks %q", want)
		}
	}
	if got := roles(e.transcript(res.SessionKey)); got != "user,assistant" {
		t.Errorf("transcript = %s", got)
	}
	recs := e.transcript(res.SessionKey)
	a := recs[1].Message
	if a.Provider != "ant" || a.Model != "claude" || a.API != "anthropic-messages" || a.Usage == nil || a.Usage.Output == 0 || a.StopReason != "stop" {
		t.Errorf("assistant record = %+v (usage %+v)", a, a.Usage)
	}

	// The next turn carries the history.
	e.srv.Script(fakemodel.Text("second"))
	if _, err := e.run(agent.TurnRequest{Text: "again"}); err != nil {
		t.Fatal(err)
	}
	msgs := e.srv.Requests()[1].Messages
	if len(msgs) != 3 || msgs[0].Text != "hi" || msgs[1].Text != "Hello! How can I help?" || msgs[2].Text != "again" {
		t.Errorf("second request messages = %+v", msgs)
	}
}

func TestStreamedReply(t *testing.T) {
	e := newEnv(t, setup{})
	e.srv.Script(fakemodel.Reply{Text: "one two three four five", Chunks: 4})
	var deltas []string
	var final *agent.Event
	var phases []string
	res, err := e.runner.RunTurn(t.Context(), agent.TurnRequest{Text: "count"}, func(ev agent.Event) {
		switch ev.Kind {
		case agent.EventDelta:
			deltas = append(deltas, ev.Text)
		case agent.EventStatus:
			phases = append(phases, ev.Phase)
		case agent.EventFinal:
			final = &ev
		}
		if ev.RunID == "" || ev.SessionKey != "agent:main:main" {
			t.Errorf("event without run or session: %+v", ev)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(deltas) < 2 || strings.Join(deltas, "") != res.Text {
		t.Errorf("deltas = %q, reply %q", deltas, res.Text)
	}
	if final == nil || final.Text != res.Text || final.Model != "ant/claude" || final.Usage == nil {
		t.Errorf("final event = %+v", final)
	}
	if strings.Join(phases, ",") != "preparing_context,starting_model" {
		t.Errorf("phases = %v", phases)
	}
}

func TestToolRoundTrip(t *testing.T) {
	wc := toolstest.New(t, "wc", toolstest.Tool{Name: "word_count", Description: "Count words.", Run: func(_ context.Context, req *pluginv1.InvokeRequest, _ func(string)) (*pluginv1.ToolResult, error) {
		var args struct{ Text string }
		json.Unmarshal([]byte(req.GetArgumentsJson()), &args)
		return &pluginv1.ToolResult{Content: strings.Repeat("x", len(strings.Fields(args.Text)))}, nil
	}})
	e := newEnv(t, setup{plugins: toolstest.Source{wc}})
	e.srv.Script(
		fakemodel.Reply{Text: "Let me count.", ToolCalls: []fakemodel.ToolCall{{Name: "word_count", Arguments: `{"text":"a b c"}`}}},
		fakemodel.Text("There are 3 words."),
	)
	var tools []string
	res, err := e.runner.RunTurn(t.Context(), agent.TurnRequest{Text: "count a b c", Channel: "slack", SenderID: "U1"}, func(ev agent.Event) {
		if ev.Kind == agent.EventTool {
			tools = append(tools, ev.Tool.Name+":"+ev.Tool.Phase)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "There are 3 words." || len(res.ToolCalls) != 1 || res.ToolCalls[0].Result != "xxx" {
		t.Fatalf("result = %+v", res)
	}
	if len(res.Blocks) != 1 || res.Blocks[0] != "Let me count." {
		t.Errorf("blocks = %q", res.Blocks)
	}
	if strings.Join(tools, ",") != "word_count:start,word_count:end" {
		t.Errorf("tool events = %v", tools)
	}
	reqs := e.srv.Requests()
	if len(reqs) != 2 || len(reqs[0].Tools) != 1 || reqs[0].Tools[0] != "word_count" {
		t.Fatalf("requests = %d, tools %v", len(reqs), reqs[0].Tools)
	}
	results := reqs[1].ToolResults()
	if len(results) != 1 || results[0].Text != "xxx" || results[0].IsError {
		t.Errorf("tool results sent back = %+v", results)
	}
	call := wc.Calls()[0]
	if call.GetContext().GetSessionKey() != "agent:main:main" || call.GetContext().GetChannel() != "slack" ||
		call.GetContext().GetSenderId() != "U1" || call.GetContext().GetWorkspaceDir() != filepath.Join(e.state, "workspace") {
		t.Errorf("invocation context = %v", call.GetContext())
	}
	if got := roles(e.transcript(res.SessionKey)); got != "user,assistant+calls,toolResult,assistant" {
		t.Errorf("transcript = %s", got)
	}
	if res.Usage.OutputTokens == 0 {
		t.Error("usage not summed over the turn")
	}
}

func TestToolDeniedByPolicy(t *testing.T) {
	wc := toolstest.New(t, "wc", toolstest.Tool{Name: "word_count"}, toolstest.Tool{Name: "read", Groups: nil})
	tests := []struct {
		name   string
		policy toolpolicy.Config
		agent  *toolpolicy.Config
	}{
		{"global deny", toolpolicy.Config{Rules: toolpolicy.Rules{Deny: []string{"word_count"}}}, nil},
		{"profile without it", toolpolicy.Config{Rules: toolpolicy.Rules{Profile: "coding"}}, nil},
		{"agent deny by plugin id", toolpolicy.Config{}, &toolpolicy.Config{Rules: toolpolicy.Rules{Deny: []string{"wc"}}}},
		{"provider profile", toolpolicy.Config{ByProvider: map[string]toolpolicy.Rules{"ant": {Profile: "minimal"}}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, setup{plugins: toolstest.Source{wc}, opts: func(o *agent.Options) {
				o.ToolPolicy = tt.policy
				o.Agents.List = []agent.AgentEntry{{ID: "main", Tools: tt.agent}}
			}})
			before := len(wc.Calls())
			e.srv.Script(fakemodel.Call("word_count", `{"text":"x"}`), fakemodel.Text("ok, I can't"))
			res, err := e.run(agent.TurnRequest{Text: "count"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Text != "ok, I can't" {
				t.Fatalf("reply = %q", res.Text)
			}
			if len(wc.Calls()) != before {
				t.Fatal("a denied tool was invoked")
			}
			reqs := e.srv.Requests()
			for _, name := range reqs[0].Tools {
				if name == "word_count" {
					t.Error("denied tool offered to the model")
				}
			}
			tr := reqs[1].ToolResults()
			if len(tr) != 1 || !tr[0].IsError || !strings.Contains(tr[0].Text, "not allowed") {
				t.Errorf("model got %+v, want a not-allowed error result", tr)
			}
		})
	}
}

func TestPluginKilledMidCall(t *testing.T) {
	p := toolstest.New(t, "fragile", toolstest.Tool{Name: "slow_job", Run: toolstest.Block})
	e := newEnv(t, setup{plugins: toolstest.Source{p}})
	e.srv.Script(fakemodel.Call("slow_job", `{}`), fakemodel.Text("The job failed; the tool crashed."))
	go func() {
		<-p.Started()
		p.Kill()
	}()
	res, err := e.run(agent.TurnRequest{Text: "run the job"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "The job failed; the tool crashed." {
		t.Fatalf("turn did not complete: %+v", res)
	}
	tr := e.srv.Requests()[1].ToolResults()
	if len(tr) != 1 || !tr[0].IsError || !strings.Contains(tr[0].Text, "plugin fragile stopped") {
		t.Errorf("tool result = %+v", tr)
	}
	if got := roles(e.transcript(res.SessionKey)); got != "user,assistant+calls,toolResult,assistant" {
		t.Errorf("transcript = %s", got)
	}
}

func TestFailoverToFallback(t *testing.T) {
	e := newEnv(t, setup{agentMs: models.AgentModels{Model: &models.Selection{Primary: "ant/claude", Fallbacks: []string{"oai/gpt"}, HasFallbacks: true}}})
	e.srv.ScriptModel("claude", fakemodel.Fail(500, "primary is down"))
	e.srv.ScriptModel("gpt", fakemodel.Text("answered by the fallback"))
	res, err := e.run(agent.TurnRequest{Text: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "answered by the fallback" || res.Ref() != "oai/gpt" {
		t.Fatalf("result = %+v", res)
	}
	if len(res.Attempts) != 2 || res.Attempts[0].Outcome != models.OutcomeFailed {
		t.Errorf("attempts = %v", res.Attempts)
	}
	recs := e.transcript(res.SessionKey)
	if m := recs[len(recs)-1].Message; m.Provider != "oai" || m.API != "openai-completions" {
		t.Errorf("assistant record names %s (%s)", m.Provider, m.API)
	}
}

func TestModelFailureBecomesShortReply(t *testing.T) {
	e := newEnv(t, setup{})
	e.srv.Script(fakemodel.Fail(429, "rate limit exceeded, slow down"))
	res, err := e.run(agent.TurnRequest{Text: "hello"})
	if err == nil {
		t.Fatal("want an error")
	}
	if models.ReasonOf(err) != models.ReasonRateLimit || !strings.Contains(res.Text, "rate-limiting") || res.StopReason != "error" {
		t.Fatalf("result = %+v, err %v", res, err)
	}
	if strings.Contains(res.Text, "sk-") {
		t.Error("reply leaks a key")
	}
	if got := roles(e.transcript(res.SessionKey)); got != "user,assistant(error)" {
		t.Errorf("transcript = %s", got)
	}
	// The failed turn does not break the next one.
	e.srv.Script(fakemodel.Text("back"))
	if res, err := e.run(agent.TurnRequest{Text: "again"}); err != nil || res.Text != "back" {
		t.Fatalf("next turn = %+v, %v", res, err)
	}
}

func TestNoModelConfigured(t *testing.T) {
	e := newEnv(t, setup{models: models.Config{Providers: map[string]models.ProviderConfig{}}, agentMs: models.AgentModels{Model: &models.Selection{}}})
	res, err := e.run(agent.TurnRequest{Text: "hello"})
	if !errors.Is(err, models.ErrNoModelConfigured) {
		t.Fatalf("err = %v", err)
	}
	if res.Text != models.ErrNoModelConfigured.Error() {
		t.Fatalf("reply = %q", res.Text)
	}
	box := newInbox()
	if err := e.runner.Submit(t.Context(), agent.Inbound{TurnRequest: agent.TurnRequest{Text: "anyone there?", Channel: "telegram"}}, box.deliver); err != nil {
		t.Fatal(err)
	}
	rep := box.next(t)
	if !strings.Contains(rep.Text, "OPENAI_API_KEY") || !rep.IsError {
		t.Errorf("channel reply = %+v; a message must never get silence", rep)
	}
}

func TestTimeout(t *testing.T) {
	e := newEnv(t, setup{})
	e.srv.Script(fakemodel.Reply{Text: "too late", Delay: 20 * time.Second})
	res, err := e.run(agent.TurnRequest{Text: "slow", Timeout: 200 * time.Millisecond})
	if !errors.Is(err, agent.ErrTimeout) {
		t.Fatalf("err = %v", err)
	}
	if res.StopReason != "timeout" || !strings.Contains(res.Text, "took too long") {
		t.Fatalf("result = %+v", res)
	}
	if got := roles(e.transcript(res.SessionKey)); got != "user,assistant(aborted)" {
		t.Errorf("transcript = %s", got)
	}
}

func TestTimeoutFromConfig(t *testing.T) {
	one := 1
	e := newEnv(t, setup{opts: func(o *agent.Options) { o.Agents.Defaults.TimeoutSeconds = &one }})
	b := newBlocker(t, e.tools)
	e.srv.Script(fakemodel.Call("hold", `{}`))
	res, err := e.run(agent.TurnRequest{Text: "wait"})
	close(b.release)
	if !errors.Is(err, agent.ErrTimeout) || !strings.Contains(res.Text, "1s") {
		t.Fatalf("result = %+v, err %v", res, err)
	}
}

func TestAbortMidToolLeavesReadableTranscript(t *testing.T) {
	e := newEnv(t, setup{})
	b := newBlocker(t, e.tools)
	e.srv.Script(fakemodel.Reply{ToolCalls: []fakemodel.ToolCall{{Name: "hold", Arguments: `{}`}, {Name: "hold", Arguments: `{"second":true}`}}})
	done := make(chan error, 1)
	var res *agent.TurnResult
	go func() {
		var err error
		res, err = e.runner.RunTurn(t.Context(), agent.TurnRequest{Text: "hold on"}, nil)
		done <- err
	}()
	b.waitStarted(t)
	if _, ok := e.runner.ActiveRun("agent:main:main"); !ok {
		t.Error("ActiveRun does not report the running turn")
	}
	if !e.runner.Abort("agent:main:main") {
		t.Fatal("Abort found nothing to stop")
	}
	if err := <-done; !errors.Is(err, agent.ErrAborted) {
		t.Fatalf("err = %v", err)
	}
	if res.StopReason != "aborted" || res.Text != "" {
		t.Errorf("result = %+v", res)
	}
	if e.runner.Abort("agent:main:main") {
		t.Error("second Abort found something")
	}
	recs := e.transcript("agent:main:main")
	if got := roles(recs); got != "user,assistant+calls,toolResult,toolResult,assistant(aborted)" {
		t.Errorf("transcript = %s", got)
	}

	// A fresh runner over the same state (as after a crash) continues the
	// session; the strict fake accepts the repaired conversation.
	e2 := *e
	r2, err := agent.New(e.opts)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	e2.runner = r2
	e.srv.Script(fakemodel.Text("I'm back."))
	res2, err := e2.run(agent.TurnRequest{Text: "still there?"})
	if err != nil || res2.Text != "I'm back." {
		t.Fatalf("turn after abort = %+v, %v", res2, err)
	}
}

func TestCrashMidTurnTranscript(t *testing.T) {
	// A turn cancelled while the model is streaming (the closest a test
	// can get to the process dying) leaves only complete lines, and the
	// session goes on.
	e := newEnv(t, setup{})
	e.srv.Script(
		fakemodel.Call("hold", `{}`),
		fakemodel.Reply{Text: "a long answer that never finishes", Chunks: 8, ChunkDelay: 200 * time.Millisecond},
	)
	b := newBlocker(t, e.tools)
	ctx, cancel := context.WithCancel(t.Context())
	got := make(chan struct{}, 1)
	go func() {
		b.waitStarted(t)
		b.release <- struct{}{}
	}()
	_, err := e.runner.RunTurn(ctx, agent.TurnRequest{Text: "go"}, func(ev agent.Event) {
		if ev.Kind == agent.EventDelta {
			select {
			case got <- struct{}{}:
				cancel()
			default:
			}
		}
	})
	if !errors.Is(err, agent.ErrAborted) {
		t.Fatalf("err = %v", err)
	}
	recs := e.transcript("agent:main:main")
	if got := roles(recs); got != "user,assistant+calls,toolResult,assistant(aborted)" {
		t.Errorf("transcript = %s", got)
	}
	if txt := recs[len(recs)-1].Message.Text(); txt == "" {
		t.Error("the partial reply was not kept")
	}
	e.srv.Script(fakemodel.Text("fine"))
	if res, err := e.run(agent.TurnRequest{Text: "next"}); err != nil || res.Text != "fine" {
		t.Fatalf("next turn = %+v, %v", res, err)
	}
	last := e.srv.Requests()[len(e.srv.Requests())-1]
	for _, m := range last.Messages {
		if strings.Contains(m.Text, "never finishes") {
			t.Error("interrupted text replayed to the model")
		}
	}
}

func TestHistoryLimit(t *testing.T) {
	e := newEnv(t, setup{})
	for i := range 4 {
		e.srv.Script(fakemodel.Text("reply"))
		if _, err := e.run(agent.TurnRequest{Text: "turn " + string(rune('0'+i))}); err != nil {
			t.Fatal(err)
		}
	}
	e.srv.Script(fakemodel.Text("ok"))
	if _, err := e.run(agent.TurnRequest{Text: "last", HistoryLimit: 2}); err != nil {
		t.Fatal(err)
	}
	msgs := e.srv.Requests()[4].Messages
	if len(msgs) != 5 || msgs[0].Text != "turn 2" {
		t.Errorf("limited history = %+v", msgs)
	}
}

func TestClientToolsAndStatelessHistory(t *testing.T) {
	e := newEnv(t, setup{})
	e.srv.Script(fakemodel.Call("get_weather", `{"city":"Oslo"}`))
	res, err := e.run(agent.TurnRequest{
		SessionKey:  "agent:main:openai:user-1",
		History:     []models.Message{models.UserMessage("earlier"), models.AssistantMessage("earlier answer")},
		Text:        "weather?",
		ClientTools: []models.ToolSpec{{Name: "get_weather", Parameters: json.RawMessage(`{"type":"object"}`)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.StopReason != "tool_calls" || len(res.ClientToolCalls) != 1 || res.ClientToolCalls[0].Name != "get_weather" {
		t.Fatalf("result = %+v", res)
	}
	req := e.srv.Requests()[0]
	if len(req.Messages) != 3 || req.Messages[0].Text != "earlier" {
		t.Errorf("messages = %+v", req.Messages)
	}
}

func TestGroupContextAndMedia(t *testing.T) {
	e := newEnv(t, setup{})
	e.srv.Script(fakemodel.Text("noted"))
	_, err := e.run(agent.TurnRequest{
		SessionKey: "agent:main:discord:channel:c1", Channel: "discord", ChatType: "channel",
		SenderName: "Ann", GroupSubject: "#general", GroupPrompt: "Be brief here.",
		Context: []agent.HistoryEntry{{Sender: "Bob", Text: "lunch?"}},
		Text:    "@bot what did Bob ask?",
		Media: []agent.Media{
			{Kind: "image", MimeType: "image/png", Data: []byte("\x89PNG fake")},
			{Kind: "document", FileName: "menu.pdf", URL: "https://example.com/menu.pdf"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	req := e.srv.Requests()[0]
	user := req.Messages[len(req.Messages)-1]
	for _, want := range []string{"[Chat messages since your last reply - for context]\nBob: lunch?", "[Current message - respond to this]\nAnn: @bot what did Bob ask?", "[attachment: document menu.pdf https://example.com/menu.pdf]"} {
		if !strings.Contains(user.Text, want) {
			t.Errorf("user message lacks %q:\n%s", want, user.Text)
		}
	}
	if len(user.Images) != 1 {
		t.Errorf("images = %d", len(user.Images))
	}
	for _, want := range []string{"## Group Chat Context", `"#general"`, "Be brief here."} {
		if !strings.Contains(req.System, want) {
			t.Errorf("system prompt lacks %q", want)
		}
	}
	if strings.Contains(req.System, "### MEMORY.md") {
		t.Error("MEMORY.md injected into a group")
	}
}

func TestSkillsInPrompt(t *testing.T) {
	src := skillList{{Name: "weather", Description: "Get the <weather>.", Location: "/skills/weather/SKILL.md"}, {Name: "github", Description: "GitHub work.", Location: "/skills/github/SKILL.md"}}
	e := newEnv(t, setup{opts: func(o *agent.Options) {
		o.Skills = src
		o.Agents.List = []agent.AgentEntry{{ID: "main"}, {ID: "work", AgentSettings: agent.AgentSettings{Skills: []string{"github"}}}}
	}})
	e.srv.Script(fakemodel.Text("a"), fakemodel.Text("b"))
	e.run(agent.TurnRequest{Text: "x"})
	e.run(agent.TurnRequest{AgentID: "work", Text: "y"})
	main, work := e.srv.Requests()[0].System, e.srv.Requests()[1].System
	if !strings.Contains(main, "<name>weather</name>") || !strings.Contains(main, "Get the &lt;weather&gt;.") || !strings.Contains(main, "<location>/skills/github/SKILL.md</location>") {
		t.Errorf("main prompt skills:\n%s", main)
	}
	if strings.Contains(work, "weather") || !strings.Contains(work, "<name>github</name>") {
		t.Errorf("work agent's allowlist not applied:\n%s", work)
	}
}

type skillList []agent.Skill

func (s skillList) EligibleSkills(context.Context, string, string) ([]agent.Skill, error) {
	return s, nil
}

func TestMultiAgent(t *testing.T) {
	home := t.TempDir()
	e := newEnv(t, setup{opts: func(o *agent.Options) {
		o.HomeDir = home
		o.Agents.List = []agent.AgentEntry{
			{ID: "main", Default: true, AgentSettings: agent.AgentSettings{Identity: &agent.Identity{Name: "Samantha", Emoji: "🦥"}}},
			{ID: "work", AgentSettings: agent.AgentSettings{Workspace: "~/work-ws", Model: &models.Selection{Primary: "oai/gpt"}}, Tools: &toolpolicy.Config{Rules: toolpolicy.Rules{Deny: []string{"hold"}}}},
		}
	}})
	newBlocker(t, e.tools)
	e.srv.Script(fakemodel.Text("main here"), fakemodel.Text("work here"))
	r1, err := e.run(agent.TurnRequest{Text: "who?"})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := e.run(agent.TurnRequest{SessionKey: "agent:work:main", Text: "who?"})
	if err != nil {
		t.Fatal(err)
	}
	if r1.Ref() != "ant/claude" || r2.Ref() != "oai/gpt" || r2.AgentID != "work" {
		t.Errorf("models: main %s, work %s (%s)", r1.Ref(), r2.Ref(), r2.AgentID)
	}
	reqs := e.srv.Requests()
	if !strings.Contains(reqs[0].System, "You are Samantha") || !strings.Contains(reqs[0].System, "🦥") {
		t.Error("main's identity missing from its prompt")
	}
	if !strings.Contains(reqs[1].System, filepath.Join(home, "work-ws")) || len(reqs[1].Tools) != 0 || len(reqs[0].Tools) != 1 {
		t.Errorf("work prompt/tools wrong: tools main %v work %v", reqs[0].Tools, reqs[1].Tools)
	}
	if _, err := os.Stat(filepath.Join(home, "work-ws", "AGENTS.md")); err != nil {
		t.Errorf("work workspace not seeded: %v", err)
	}
	if _, err := e.run(agent.TurnRequest{AgentID: "nobody", Text: "x"}); !errors.Is(err, agent.ErrUnknownAgent) {
		t.Errorf("unknown agent: %v", err)
	}
	if dir, _ := e.runner.AgentDir("work"); dir != filepath.Join(e.state, "agents", "work", "agent") {
		t.Errorf("agentDir = %s", dir)
	}
	if got := strings.Join(e.runner.Agents(), ","); got != "main,work" {
		t.Errorf("agents = %s", got)
	}
}

func TestMaxToolRounds(t *testing.T) {
	e := newEnv(t, setup{opts: func(o *agent.Options) { o.MaxToolRounds = 2 }})
	e.tools.Register(tools.CoreTool{Tool: tools.Tool{Name: "noop"}, Run: func(context.Context, tools.Call, func(tools.Progress)) (tools.Result, error) {
		return tools.Result{Content: "done"}, nil
	}})
	e.srv.Script(fakemodel.Call("noop", `{}`), fakemodel.Call("noop", `{}`), fakemodel.Call("noop", `{}`))
	res, err := e.run(agent.TurnRequest{Text: "loop"})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.srv.Requests()) != 2 || !strings.Contains(res.Text, "stopped after 2 rounds") {
		t.Fatalf("requests %d, result %+v", len(e.srv.Requests()), res)
	}
}

func TestInvalidArgumentsAndUnknownTool(t *testing.T) {
	e := newEnv(t, setup{})
	ran := false
	e.tools.Register(tools.CoreTool{Tool: tools.Tool{Name: "noop"}, Run: func(context.Context, tools.Call, func(tools.Progress)) (tools.Result, error) {
		ran = true
		return tools.Result{Content: "done"}, nil
	}})
	e.srv.Script(
		fakemodel.Reply{Raw: "", ToolCalls: []fakemodel.ToolCall{{Name: "imaginary", Arguments: `{}`}}},
		fakemodel.Text("sorry"),
	)
	res, err := e.run(agent.TurnRequest{Text: "x"})
	if err != nil || res.Text != "sorry" || ran {
		t.Fatalf("result %+v, err %v, ran %v", res, err, ran)
	}
	if tr := e.srv.Requests()[1].ToolResults(); len(tr) != 1 || !strings.Contains(tr[0].Text, `Unknown tool "imaginary"`) {
		t.Errorf("results = %+v", tr)
	}
}

func TestSilentReply(t *testing.T) {
	e := newEnv(t, setup{})
	e.srv.Script(fakemodel.Text("NO_REPLY"))
	box := newInbox()
	e.runner.Submit(t.Context(), agent.Inbound{TurnRequest: agent.TurnRequest{Text: "ambient chatter", ChatType: "group", SessionKey: "agent:main:slack:channel:c"}}, box.deliver)
	e.waitIdle()
	e.srv.Script(fakemodel.Text("answer"))
	e.runner.Submit(t.Context(), agent.Inbound{TurnRequest: agent.TurnRequest{Text: "@bot hi", ChatType: "group", SessionKey: "agent:main:slack:channel:c"}}, box.deliver)
	if rep := box.next(t); rep.Text != "answer" {
		t.Fatalf("first delivered reply = %q; NO_REPLY must not be sent", rep.Text)
	}
}

func TestSessionsRollOverOnBegin(t *testing.T) {
	// Begin is called for every turn, so a reset policy applies.
	e := newEnv(t, setup{})
	e.srv.Script(fakemodel.Text("a"))
	r1, _ := e.run(agent.TurnRequest{Text: "x"})
	if _, err := e.store.Reset(t.Context(), "agent:main:main"); err != nil {
		t.Fatal(err)
	}
	e.srv.Script(fakemodel.Text("b"))
	r2, _ := e.run(agent.TurnRequest{Text: "y"})
	if r1.SessionID == r2.SessionID {
		t.Fatal("same session id after reset")
	}
	if n := len(e.srv.Requests()[1].Messages); n != 1 {
		t.Errorf("a fresh session carried %d messages", n)
	}
	_ = sessions.ErrNotFound
}

func TestCloseStopsTurns(t *testing.T) {
	e := newEnv(t, setup{})
	b := newBlocker(t, e.tools)
	e.srv.Script(fakemodel.Call("hold", `{}`))
	done := make(chan error, 2)
	go func() {
		_, err := e.runner.RunTurn(t.Context(), agent.TurnRequest{Text: "one"}, nil)
		done <- err
	}()
	b.waitStarted(t)
	go func() {
		// Waits for the first turn of the same session.
		_, err := e.runner.RunTurn(t.Context(), agent.TurnRequest{Text: "two"}, nil)
		done <- err
	}()
	e.runner.Close()
	for range 2 {
		if err := <-done; !errors.Is(err, agent.ErrClosed) {
			t.Errorf("err = %v, want ErrClosed", err)
		}
	}
	if err := e.runner.Submit(t.Context(), inbound("late"), newInbox().deliver); !errors.Is(err, agent.ErrClosed) {
		t.Errorf("Submit after Close = %v", err)
	}
	e.transcript("agent:main:main")
}
