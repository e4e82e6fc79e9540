//go:build linux

package e2e

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/e2e/fakemodel"
	tg "github.com/openclaw-go/openclaw/e2e/fakes/telegram"
	"github.com/openclaw-go/openclaw/e2e/harness"
)

// modelConfig points the gateway at scripted model servers: primary first,
// then fallbacks, each its own provider.
func modelConfig(apiRoot, token string, servers ...*fakemodel.Server) map[string]any {
	cfg := telegramConfig(apiRoot, token)
	providers := map[string]any{}
	var refs []string
	for i, s := range servers {
		id := []string{"primary", "backup", "third"}[i]
		providers[id] = map[string]any{
			"baseUrl": s.OpenAIBaseURL(), "api": "openai-completions", "apiKey": "sk-test",
			"models": []any{map[string]any{"id": "m1", "name": "m1"}},
		}
		refs = append(refs, id+"/m1")
	}
	cfg["models"] = map[string]any{"providers": providers}
	defaults := cfg["agents"].(map[string]any)["defaults"].(map[string]any)
	defaults["model"] = map[string]any{"primary": refs[0], "fallbacks": refs[1:]}
	return cfg
}

func TestAgentFailoverToFallback(t *testing.T) {
	fake := tg.NewServer()
	defer fake.Close()
	bot := fake.Bot()
	primary := fakemodel.New(t)
	primary.Respond(func(fakemodel.Request) fakemodel.Reply { return fakemodel.Fail(500, "upstream exploded") })
	backup := fakemodel.New(t)
	backup.Respond(func(r fakemodel.Request) fakemodel.Reply { return fakemodel.Text("backup says: " + r.LastUserText()) })
	harness.StartGateway(t, harness.Options{Config: modelConfig(fake.URL(), bot.Token(), primary, backup)})

	bot.SendPrivate(alice, "are you there")
	waitReply(t, bot, "backup says: are you there")
	if len(primary.Requests()) == 0 {
		t.Fatal("the primary model was never tried")
	}
}

// TestAgentToolRoundTrip: the model calls a tool served by a real tool
// plugin process (fs, bundled), gets its result, and answers with it.
func TestAgentToolRoundTrip(t *testing.T) {
	fake := tg.NewServer()
	defer fake.Close()
	bot := fake.Bot()
	model := fakemodel.New(t)
	step := 0
	model.Respond(func(r fakemodel.Request) fakemodel.Reply {
		if res := r.ToolResults(); len(res) > 0 {
			return fakemodel.Text("the file says: " + res[len(res)-1].Text)
		}
		step++
		return fakemodel.Reply{ToolCalls: []fakemodel.ToolCall{{Name: "write", Arguments: `{"path":"note.txt","content":"tool output 42"}`}}}
	})
	cfg := modelConfig(fake.URL(), bot.Token(), model)
	g := harness.StartGateway(t, harness.Options{Config: cfg})
	bot.SendPrivate(alice, "write a note")
	s := waitReply(t, bot, "the file says:")
	raw, err := os.ReadFile(filepath.Join(g.StateDir, "workspace", "note.txt"))
	if err != nil || string(raw) != "tool output 42" {
		t.Fatalf("the fs plugin did not write the workspace file: %q, %v (reply %q)", raw, err, s.Text())
	}
	var sawTool bool
	for _, r := range model.Requests() {
		for _, name := range r.Tools {
			if name == "write" {
				sawTool = true
			}
		}
	}
	if !sawTool {
		t.Fatal("the model was not offered the fs plugin's write tool")
	}
}

func TestAgentNoModelConfigured(t *testing.T) {
	fake := tg.NewServer()
	defer fake.Close()
	bot := fake.Bot()
	cfg := telegramConfig(fake.URL(), bot.Token())
	delete(cfg["agents"].(map[string]any)["defaults"].(map[string]any), "model")
	harness.StartGateway(t, harness.Options{Config: cfg})
	bot.SendPrivate(alice, "hello?")
	s := waitReply(t, bot, "OPENAI_API_KEY")
	if !strings.Contains(s.Text(), "models.providers") {
		t.Fatalf("the no-model reply does not say how to configure one: %q", s.Text())
	}
}

// TestGatewayCrashMidReplyLeavesReadableTranscript kills the gateway while
// the model is still streaming, then checks every transcript line parses
// and that the unanswered message is answered after a restart.
func TestGatewayCrashMidReplyLeavesReadableTranscript(t *testing.T) {
	fake := tg.NewServer()
	defer fake.Close()
	bot := fake.Bot()
	model := fakemodel.New(t)
	slow := make(chan struct{})
	model.Respond(func(r fakemodel.Request) fakemodel.Reply {
		select {
		case <-slow:
			return fakemodel.Text("after restart: " + r.LastUserText())
		default:
			return fakemodel.Reply{Text: strings.Repeat("partial words ", 50), Chunks: 50, ChunkDelay: 200 * time.Millisecond}
		}
	})
	cfg := modelConfig(fake.URL(), bot.Token(), model)
	g := harness.StartGateway(t, harness.Options{Config: cfg})
	bot.SendPrivate(alice, "tell me a long story")
	deadline := time.Now().Add(30 * time.Second)
	for len(model.Requests()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // mid-stream
	_ = syscall.Kill(-g.Cmd.Process.Pid, syscall.SIGKILL)
	_ = g.Wait(10 * time.Second)

	files, _ := filepath.Glob(filepath.Join(g.StateDir, "agents", "*", "sessions", "*.jsonl"))
	if len(files) == 0 {
		t.Fatal("no transcript was written before the crash")
	}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		n := 0
		for sc.Scan() {
			n++
			var v map[string]any
			if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
				t.Fatalf("%s line %d does not parse: %v", f, n, err)
			}
		}
		fh.Close()
		if n == 0 {
			t.Fatalf("%s is empty", f)
		}
	}
	close(slow)
	harness.StartGateway(t, harness.Options{Config: cfg, StateDir: g.StateDir})
	waitReply(t, bot, "after restart: tell me a long story")
}

// TestAgentSkills: an eligible workspace skill is listed in the system
// prompt, and "$name" in a message brings its instructions into the turn.
func TestAgentSkills(t *testing.T) {
	fake := tg.NewServer()
	defer fake.Close()
	bot := fake.Bot()
	model := fakemodel.New(t)
	model.Respond(func(r fakemodel.Request) fakemodel.Reply {
		listed := strings.Contains(r.System, "greeter")
		invoked := strings.Contains(r.System, "asked for these skills by name")
		return fakemodel.Text("listed=" + boolText(listed) + " invoked=" + boolText(invoked))
	})
	state := t.TempDir()
	dir := filepath.Join(state, "workspace", "skills", "greeter")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	skill := "---\nname: greeter\ndescription: Greets people warmly by name.\n---\n\n# Greeter\n\nSay hello with the person's name.\n"
	if err := os.WriteFile(filepath.Join(dir, "SKILL.md"), []byte(skill), 0o644); err != nil {
		t.Fatal(err)
	}
	harness.StartGateway(t, harness.Options{StateDir: state, Config: modelConfig(fake.URL(), bot.Token(), model)})
	bot.SendPrivate(alice, "hello")
	waitReply(t, bot, "listed=yes invoked=no")
	bot.SendPrivate(alice, "please $greeter me")
	waitReply(t, bot, "listed=yes invoked=yes")
}

func boolText(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
