package coretools

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/core/agent"
	"github.com/openclaw-go/openclaw/core/sessions"
	"github.com/openclaw-go/openclaw/core/tools"
)

var (
	mainKey  = "agent:main:main"
	groupKey = "agent:main:telegram:group:-100"
	dmKey    = "agent:main:telegram:direct:42"
	workKey  = "agent:work:main"
	cronKey  = "agent:main:cron:nightly"
)

func seeds() []seed {
	return []seed{
		{key: mainKey, msgs: []sessions.Message{text("user", "hi"), text("assistant", "hello")}},
		{key: groupKey, begin: sessions.BeginOptions{ChatType: "group", Channel: "telegram", Subject: "Family"}, label: "family",
			msgs: []sessions.Message{text("user", "dinner at 7?")}},
		{key: dmKey, begin: sessions.BeginOptions{ChatType: "direct", Channel: "telegram", AccountID: "bot2", DisplayName: "Alice"}},
		{key: workKey, label: "ops", msgs: []sessions.Message{text("user", "deploy status?")}},
		{key: cronKey, begin: sessions.BeginOptions{System: true}},
	}
}

func keysOf(t *testing.T, res tools.Result) string {
	t.Helper()
	var out []string
	for _, r := range details(t, res)["sessions"].([]any) {
		out = append(out, r.(map[string]any)["key"].(string))
	}
	return strings.Join(out, ",")
}

func TestSessionsList(t *testing.T) {
	st := openStore(t, seeds()...)
	off := false
	tests := []struct {
		name    string
		cfg     Config
		caller  string
		args    string
		want    string
		wantErr string
	}{
		{name: "all, newest first", caller: mainKey, args: `{}`, want: strings.Join([]string{cronKey, workKey, dmKey, groupKey, mainKey}, ",")},
		{name: "kinds", caller: mainKey, args: `{"kinds":["group","main"]}`, want: workKey + "," + groupKey + "," + mainKey},
		{name: "cron kind", caller: mainKey, args: `{"kinds":["cron"]}`, want: cronKey},
		{name: "label", caller: mainKey, args: `{"label":"family"}`, want: groupKey},
		{name: "agent", caller: mainKey, args: `{"agentId":"work"}`, want: workKey},
		{name: "search matches display name", caller: mainKey, args: `{"search":"alice"}`, want: dmKey},
		{name: "limit as float", caller: mainKey, args: `{"limit":2.0}`, want: cronKey + "," + workKey},
		{name: "offset", caller: mainKey, args: `{"offset":3}`, want: groupKey + "," + mainKey},
		{name: "visibility self", cfg: Config{Sessions: SessionsConfig{Visibility: "self"}}, caller: dmKey, args: `{}`, want: dmKey},
		{name: "visibility agent", cfg: Config{Sessions: SessionsConfig{Visibility: "agent"}}, caller: dmKey, args: `{}`, want: strings.Join([]string{cronKey, dmKey, groupKey, mainKey}, ",")},
		{name: "tree from a non-main session", cfg: Config{Sessions: SessionsConfig{Visibility: "tree"}}, caller: dmKey, args: `{}`, want: dmKey},
		{name: "tree from main", cfg: Config{Sessions: SessionsConfig{Visibility: "tree"}}, caller: mainKey, args: `{}`, want: strings.Join([]string{cronKey, dmKey, groupKey, mainKey}, ",")},
		{name: "agent-to-agent off", cfg: Config{AgentToAgent: AgentToAgentConfig{Enabled: &off}}, caller: mainKey, args: `{}`, want: strings.Join([]string{cronKey, dmKey, groupKey, mainKey}, ",")},
		{name: "agent-to-agent allow list", cfg: Config{AgentToAgent: AgentToAgentConfig{Allow: []string{"ma*", "work"}}}, caller: mainKey, args: `{"kinds":["main"]}`, want: workKey + "," + mainKey},
		{name: "agent-to-agent allow list without caller", cfg: Config{AgentToAgent: AgentToAgentConfig{Allow: []string{"work"}}}, caller: mainKey, args: `{"kinds":["main"]}`, want: mainKey},
		{name: "bad kind", caller: mainKey, args: `{"kinds":["dm"]}`, wantErr: `kinds: "dm" is not one of`},
		{name: "unknown parameter", caller: mainKey, args: `{"limt":3}`, wantErr: `unknown field "limt"`},
		{name: "fractional limit", caller: mainKey, args: `{"limit":2.5}`, wantErr: "not a whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, Options{Sessions: st, Tools: tt.cfg}, "sessions_list", tools.Invocation{SessionKey: tt.caller}, tt.args)
			if tt.wantErr != "" {
				if !res.IsError || !strings.Contains(res.Content, tt.wantErr) {
					t.Fatalf("result = %+v, want error %q", res, tt.wantErr)
				}
				return
			}
			if res.IsError {
				t.Fatalf("error: %s", res.Content)
			}
			if got := keysOf(t, res); got != tt.want {
				t.Errorf("keys = %s\nwant   %s", got, tt.want)
			}
		})
	}

	res := run(t, Options{Sessions: st}, "sessions_list", tools.Invocation{SessionKey: mainKey}, `{"limit":2,"includeLastMessage":true,"messageLimit":1}`)
	d := details(t, res)
	if d["count"].(float64) != 2 || d["hasMore"] != true || d["nextOffset"].(float64) != 2 || d["limitApplied"].(float64) != 2 {
		t.Errorf("paging = %v", d)
	}
	row := d["sessions"].([]any)[1].(map[string]any)
	if row["kind"] != "main" || row["agentId"] != "work" || row["label"] != "ops" || row["lastMessage"].(map[string]any)["text"] != "deploy status?" {
		t.Errorf("row = %v", row)
	}
}

func TestSessionsHistory(t *testing.T) {
	long := strings.Repeat("x", historyMaxText+100)
	st := openStore(t, seed{key: mainKey, msgs: []sessions.Message{
		text("user", "my token is ghp_abcdefghijklmnopqrstuvwx123456 ok"),
		{Role: "assistant", Content: sessions.Content{{Type: "thinking", Thinking: "secret reasoning"}, {Type: "toolCall", Name: "exec", Arguments: []byte(`{"cmd":"ls"}`)}}},
		{Role: "toolResult", ToolName: "exec", Content: sessions.Content{{Type: "text", Text: "file.txt"}}},
		{Role: "user", Content: sessions.Content{{Type: "text", Text: "look"}, {Type: "image", Data: "aGVsbG8=", MimeType: "image/png"}}},
		text("assistant", long),
		text("user", "api_key=supersecretvalue123 please"),
	}}, seed{key: workKey, msgs: []sessions.Message{text("user", "other agent")}})
	off := false
	tests := []struct {
		name     string
		cfg      Config
		args     string
		texts    []string
		contains []string
		absent   []string
		wantErr  string
		check    func(t *testing.T, d map[string]any)
	}{
		{
			name: "tools left out by default", args: `{"sessionKey":"main"}`,
			contains: []string{`"role": "user"`, "[redacted]", "[image image/png omitted]", "…[truncated]", "api_key=[redacted]"},
			absent:   []string{"ghp_abcdefghij", "file.txt", "secret reasoning", "aGVsbG8=", "supersecretvalue"},
			check: func(t *testing.T, d map[string]any) {
				if d["count"].(float64) != 4 || d["contentRedacted"] != true || d["contentTruncated"] != true {
					t.Errorf("flags = %v", d)
				}
			},
		},
		{
			name: "with tools", args: `{"sessionKey":"current","includeTools":true}`,
			contains: []string{"file.txt", `[tool call exec {\"cmd\":\"ls\"}]`, `"toolName": "exec"`},
		},
		{
			name: "limit and paging", args: `{"sessionKey":"agent:main:main","limit":2,"offset":0}`,
			check: func(t *testing.T, d map[string]any) {
				msgs := d["messages"].([]any)
				if len(msgs) != 2 || !strings.HasPrefix(msgs[1].(map[string]any)["text"].(string), "api_key") || d["hasMore"] != true || d["nextOffset"].(float64) != 2 {
					t.Errorf("page = %v", d)
				}
			},
		},
		{
			name: "second page skips tool results", args: `{"sessionKey":"main","limit":2,"offset":2}`,
			check: func(t *testing.T, d map[string]any) {
				msgs := d["messages"].([]any)
				if len(msgs) != 2 || !strings.HasPrefix(msgs[0].(map[string]any)["text"].(string), "my token") ||
					!strings.HasPrefix(msgs[1].(map[string]any)["text"].(string), "look") || d["hasMore"] != false {
					t.Errorf("page = %v", d)
				}
			},
		},
		{name: "other agent reachable by default", args: `{"sessionKey":"agent:work:main"}`, contains: []string{"other agent"}},
		{name: "other agent blocked", cfg: Config{AgentToAgent: AgentToAgentConfig{Enabled: &off}}, args: `{"sessionKey":"agent:work:main"}`, wantErr: "agent-to-agent access is off"},
		{name: "unknown session", args: `{"sessionKey":"agent:main:nope"}`, wantErr: "no session agent:main:nope"},
		{name: "negative limit", args: `{"sessionKey":"main","limit":-1}`, wantErr: "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, Options{Sessions: st, Tools: tt.cfg}, "sessions_history", tools.Invocation{SessionKey: mainKey, AgentID: "main"}, tt.args)
			if tt.wantErr != "" {
				if !res.IsError || !strings.Contains(res.Content, tt.wantErr) {
					t.Fatalf("result = %+v, want error %q", res, tt.wantErr)
				}
				return
			}
			if res.IsError {
				t.Fatalf("error: %s", res.Content)
			}
			for _, c := range tt.contains {
				if !strings.Contains(res.Content, c) {
					t.Errorf("content lacks %q:\n%s", c, res.Content)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(res.Content, a) {
					t.Errorf("content has %q", a)
				}
			}
			if tt.check != nil {
				tt.check(t, details(t, res))
			}
		})
	}
}

func TestSessionsHistoryByteBudget(t *testing.T) {
	var msgs []sessions.Message
	for i := 0; i < 60; i++ {
		msgs = append(msgs, text("user", fmt.Sprintf("%02d %s", i, strings.Repeat("y", 3000))))
	}
	st := openStore(t, seed{key: mainKey, msgs: msgs})
	res := run(t, Options{Sessions: st}, "sessions_history", tools.Invocation{SessionKey: mainKey}, `{"sessionKey":"main","limit":60}`)
	d := details(t, res)
	rows := d["messages"].([]any)
	if d["droppedMessages"].(float64) == 0 || d["bytes"].(float64) > historyMaxBytes || d["truncated"] != true {
		t.Fatalf("budget not applied: dropped %v bytes %v", d["droppedMessages"], d["bytes"])
	}
	// The newest messages are the ones kept.
	if last := rows[len(rows)-1].(map[string]any)["text"].(string); !strings.HasPrefix(last, "59 ") {
		t.Errorf("last kept row = %.10s", last)
	}
}

func TestSessionStatus(t *testing.T) {
	st := openStore(t, seeds()...)
	runner := &fakeRunner{active: map[string]string{groupKey: "run_9"}}
	setModel := func(agentID, ref string) (string, string, error) {
		if ref == "anthropic/claude-x" {
			return "anthropic", "claude-x", nil
		}
		return "", "", errors.New("not in the model catalog")
	}
	tests := []struct {
		name     string
		opts     Options
		caller   string
		args     string
		contains []string
		wantErr  string
		after    func(t *testing.T)
	}{
		{name: "current", caller: dmKey, args: `{}`, contains: []string{"Session: " + dmKey, "Channel: telegram (direct) · account bot2", "Model: agent default", "Active run: none"}},
		{name: "another session", caller: mainKey, args: `{"sessionKey":"` + groupKey + `"}`, contains: []string{"kind group", "Active run: run_9"}},
		{
			name: "set model", opts: Options{SetModel: setModel}, caller: dmKey, args: `{"model":"anthropic/claude-x"}`,
			contains: []string{"Model: anthropic/claude-x (session override)", "Model changed: anthropic/claude-x"},
			after: func(t *testing.T) {
				s, _ := st.Get(t.Context(), dmKey)
				if s.Entry.ModelOverride != "claude-x" || s.Entry.ProviderOverride != "anthropic" {
					t.Errorf("override not stored: %+v", s.Entry)
				}
			},
		},
		{name: "clear model", caller: dmKey, args: `{"model":"default"}`, contains: []string{"Model: agent default", "cleared"}},
		{name: "unknown model", opts: Options{SetModel: setModel}, caller: dmKey, args: `{"model":"nope/x"}`, wantErr: "not in the model catalog"},
		{name: "model changes unavailable", caller: dmKey, args: `{"model":"a/b"}`, wantErr: "not available here"},
		{name: "self visibility", opts: Options{Tools: Config{Sessions: SessionsConfig{Visibility: "self"}}}, caller: dmKey, args: `{"sessionKey":"main"}`, wantErr: `visibility is "self"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.Sessions, opts.Runner = st, runner
			res := run(t, opts, "session_status", tools.Invocation{SessionKey: tt.caller}, tt.args)
			if tt.wantErr != "" {
				if !res.IsError || !strings.Contains(res.Content, tt.wantErr) {
					t.Fatalf("result = %+v, want error %q", res, tt.wantErr)
				}
				return
			}
			if res.IsError {
				t.Fatalf("error: %s", res.Content)
			}
			for _, c := range tt.contains {
				if !strings.Contains(res.Content, c) {
					t.Errorf("card lacks %q:\n%s", c, res.Content)
				}
			}
			if d := details(t, res); d["sessionKey"] == nil {
				t.Errorf("details = %v", d)
			}
			if tt.after != nil {
				tt.after(t)
			}
		})
	}
}

func TestSessionsSend(t *testing.T) {
	st := openStore(t, seeds()...)
	newRunner := func(reply func(agent.TurnRequest) (string, error)) *fakeRunner {
		return &fakeRunner{store: st, reply: reply}
	}
	echo := func(req agent.TurnRequest) (string, error) { return "ack: " + req.Text, nil }
	off := false
	tests := []struct {
		name    string
		runner  *fakeRunner
		cfg     Config
		caller  string
		args    string
		status  string
		reply   string
		target  string
		wantErr string
	}{
		{name: "wait for reply", runner: newRunner(echo), caller: mainKey, args: `{"sessionKey":"` + groupKey + `","message":"status?"}`, status: "ok", reply: "ack: status?", target: groupKey},
		{name: "by label", runner: newRunner(echo), caller: mainKey, args: `{"label":"family","message":"dinner?"}`, status: "ok", reply: "ack: dinner?", target: groupKey},
		{name: "by label and agent", runner: newRunner(echo), caller: mainKey, args: `{"label":"ops","agentId":"work","message":"deploy?"}`, status: "ok", target: workKey},
		{name: "no reply", runner: newRunner(func(agent.TurnRequest) (string, error) { return "", nil }), caller: mainKey, args: `{"sessionKey":"` + dmKey + `","message":"fyi"}`, status: "no_reply", target: dmKey},
		{name: "fire and forget", runner: newRunner(echo), caller: mainKey, args: `{"sessionKey":"` + dmKey + `","message":"fyi","timeoutSeconds":0}`, status: "accepted", target: dmKey},
		{name: "turn fails", runner: newRunner(func(agent.TurnRequest) (string, error) { return "", errors.New("model down") }), caller: mainKey, args: `{"sessionKey":"` + dmKey + `","message":"x"}`, wantErr: "The turn failed."},
		{name: "to itself", runner: newRunner(echo), caller: mainKey, args: `{"sessionKey":"current","message":"x"}`, wantErr: "session running this tool"},
		{name: "both selectors", runner: newRunner(echo), caller: mainKey, args: `{"sessionKey":"main","label":"ops","message":"x"}`, wantErr: "not both"},
		{name: "no selector", runner: newRunner(echo), caller: mainKey, args: `{"message":"x"}`, wantErr: "either sessionKey or label"},
		{name: "unknown label", runner: newRunner(echo), caller: mainKey, args: `{"label":"nope","message":"x"}`, wantErr: `no session found with label \"nope\"`},
		{name: "empty message", runner: newRunner(echo), caller: mainKey, args: `{"sessionKey":"` + dmKey + `","message":"  "}`, wantErr: "message is empty"},
		{name: "thread session", runner: newRunner(echo), caller: mainKey, args: `{"sessionKey":"agent:main:slack:channel:c1:thread:9","message":"x"}`, wantErr: "thread session"},
		{name: "missing session", runner: newRunner(echo), caller: mainKey, args: `{"sessionKey":"agent:main:ghost","message":"x"}`, wantErr: "no session agent:main:ghost"},
		{name: "cross agent blocked", runner: newRunner(echo), cfg: Config{AgentToAgent: AgentToAgentConfig{Enabled: &off}}, caller: mainKey, args: `{"sessionKey":"` + workKey + `","message":"x"}`, wantErr: "forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, Options{Sessions: st, Runner: tt.runner, Tools: tt.cfg}, "sessions_send", tools.Invocation{SessionKey: tt.caller}, tt.args)
			if tt.wantErr != "" {
				if !res.IsError || !strings.Contains(res.Content, tt.wantErr) {
					t.Fatalf("result = %+v, want error %q", res, tt.wantErr)
				}
				return
			}
			if res.IsError {
				t.Fatalf("error: %s", res.Content)
			}
			d := details(t, res)
			if d["status"] != tt.status || (tt.reply != "" && d["reply"] != tt.reply) || d["sessionKey"] != tt.target || !strings.HasPrefix(d["runId"].(string), "run_") {
				t.Fatalf("result = %v", d)
			}
			eventually(t, func() bool { return len(tt.runner.requests()) == 1 })
			req := tt.runner.requests()[0]
			if req.SessionKey != tt.target || req.RunID != d["runId"] || !req.System || !strings.Contains(req.ExtraSystemPrompt, "isUser=false") || !strings.Contains(req.ExtraSystemPrompt, tt.caller) {
				t.Errorf("turn request = %+v", req)
			}
		})
	}
}

func TestSessionsSendTimeoutLeavesTheTurnRunning(t *testing.T) {
	st := openStore(t, seeds()...)
	r := &fakeRunner{store: st, block: make(chan struct{}), reply: func(agent.TurnRequest) (string, error) { return "late", nil }}
	res := run(t, Options{Sessions: st, Runner: r}, "sessions_send", tools.Invocation{SessionKey: mainKey}, `{"sessionKey":"`+dmKey+`","message":"slow","timeoutSeconds":1}`)
	if d := details(t, res); d["status"] != "timeout" {
		t.Fatalf("result = %v", d)
	}
	close(r.block)
	eventually(t, func() bool {
		recs, _ := st.History(t.Context(), dmKey, sessions.HistoryOptions{})
		return len(recs) == 2 && recs[1].Message.Text() == "late"
	})
}

func TestSessionsSendNeedsARunner(t *testing.T) {
	st := openStore(t)
	for _, tl := range Tools(Options{Sessions: st}) {
		if tl.Name == "sessions_send" {
			t.Fatal("sessions_send offered without an agent runner")
		}
	}
}

func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
