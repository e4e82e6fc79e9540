package agent_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/core/agent"
	"github.com/openclaw-go/openclaw/e2e/fakemodel"
)

func inbound(text string) agent.Inbound {
	return agent.Inbound{TurnRequest: agent.TurnRequest{Text: text, Channel: "telegram", ChatType: "direct", SenderID: "42", SenderName: "Ann"}}
}

func withQueue(mode string, cap int, drop string) func(*agent.Options) {
	return func(o *agent.Options) {
		o.Messages.Queue.Mode, o.Messages.Queue.Cap, o.Messages.Queue.Drop = mode, cap, drop
		zero := 0
		o.Messages.Inbound.DebounceMs = &zero
	}
}

// busy submits a first message whose turn blocks in a tool, and returns
// once the tool runs.
func busy(t *testing.T, e *env, box *inbox) *blocker {
	t.Helper()
	b := newBlocker(t, e.tools)
	if err := e.runner.Submit(t.Context(), inbound("first"), box.deliver); err != nil {
		t.Fatal(err)
	}
	b.waitStarted(t)
	return b
}

func TestQueueModes(t *testing.T) {
	tests := []struct {
		mode     string
		script   []fakemodel.Reply
		release  bool
		replies  []string
		requests int
		check    func(t *testing.T, reqs []fakemodel.Request)
	}{
		{
			mode:     agent.QueueCollect,
			script:   []fakemodel.Reply{fakemodel.Call("hold", `{}`), fakemodel.Text("first answer"), fakemodel.Text("collected answer")},
			release:  true,
			replies:  []string{"first answer", "collected answer"},
			requests: 3,
			check: func(t *testing.T, reqs []fakemodel.Request) {
				got := lastUser(reqs[2])
				if !strings.Contains(got, "Queued #1\nsecond") || !strings.Contains(got, "Queued #2\nthird") {
					t.Errorf("collected turn saw %q", got)
				}
			},
		},
		{
			mode:     agent.QueueFollowup,
			script:   []fakemodel.Reply{fakemodel.Call("hold", `{}`), fakemodel.Text("first answer"), fakemodel.Text("to second"), fakemodel.Text("to third")},
			release:  true,
			replies:  []string{"first answer", "to second", "to third"},
			requests: 4,
			check: func(t *testing.T, reqs []fakemodel.Request) {
				if lastUser(reqs[2]) != "second" || lastUser(reqs[3]) != "third" {
					t.Errorf("followups saw %q, %q", lastUser(reqs[2]), lastUser(reqs[3]))
				}
			},
		},
		{
			mode:     agent.QueueSteer,
			script:   []fakemodel.Reply{fakemodel.Call("hold", `{}`), fakemodel.Text("steered answer")},
			release:  true,
			replies:  []string{"steered answer"},
			requests: 2,
			check: func(t *testing.T, reqs []fakemodel.Request) {
				msgs := reqs[1].Messages
				last := msgs[len(msgs)-1]
				if !strings.Contains(last.Text, "second") || !strings.Contains(last.Text, "third") {
					t.Errorf("steering not injected: %+v", msgs)
				}
				if len(reqs[1].ToolResults()) != 1 {
					t.Error("the running tool's result was lost")
				}
			},
		},
		{
			mode:     agent.QueueInterrupt,
			script:   []fakemodel.Reply{fakemodel.Call("hold", `{}`), fakemodel.Text("answer to the newest")},
			release:  false,
			replies:  []string{"answer to the newest"},
			requests: 2,
			check: func(t *testing.T, reqs []fakemodel.Request) {
				if lastUser(reqs[1]) != "third" {
					t.Errorf("interrupting turn saw %q, want only the newest message", lastUser(reqs[1]))
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			e := newEnv(t, setup{opts: withQueue(tt.mode, 0, "")})
			box := newInbox()
			e.srv.Script(tt.script...)
			b := busy(t, e, box)
			for _, text := range []string{"second", "third"} {
				if err := e.runner.Submit(t.Context(), inbound(text), box.deliver); err != nil {
					t.Fatal(err)
				}
			}
			if tt.release {
				close(b.release)
			}
			for _, want := range tt.replies {
				if got := box.next(t); got.Text != want {
					t.Fatalf("reply %q, want %q", got.Text, want)
				}
			}
			e.waitIdle()
			if n := len(box.replies); n != len(tt.replies) {
				t.Errorf("%d replies delivered, want %d", n, len(tt.replies))
			}
			reqs := e.srv.Requests()
			if len(reqs) != tt.requests {
				t.Fatalf("%d model requests, want %d", len(reqs), tt.requests)
			}
			tt.check(t, reqs)
			e.transcript("agent:main:main") // every line parses
		})
	}
}

func TestQueueCapAndDrop(t *testing.T) {
	tests := []struct {
		drop    string
		wantErr bool
		want    []string
		notWant []string
	}{
		{drop: "summarize", want: []string{"1 earlier messages were dropped", "Ann: m2", "Queued #1\nm3", "Queued #2\nm4"}},
		{drop: "old", want: []string{"Queued #1\nm3", "Queued #2\nm4"}, notWant: []string{"m2", "dropped"}},
		{drop: "new", wantErr: true, want: []string{"Queued #1\nm2", "Queued #2\nm3"}, notWant: []string{"m4"}},
	}
	for _, tt := range tests {
		t.Run(tt.drop, func(t *testing.T) {
			e := newEnv(t, setup{opts: withQueue(agent.QueueCollect, 2, tt.drop)})
			box := newInbox()
			e.srv.Script(fakemodel.Call("hold", `{}`), fakemodel.Text("first"), fakemodel.Text("rest"))
			b := busy(t, e, box)
			var err error
			for _, text := range []string{"m2", "m3", "m4"} {
				err = e.runner.Submit(t.Context(), inbound(text), box.deliver)
			}
			if tt.wantErr != errors.Is(err, agent.ErrQueueFull) {
				t.Fatalf("last submit: %v", err)
			}
			close(b.release)
			box.next(t)
			box.next(t)
			got := lastUser(e.srv.Requests()[2])
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("turn text lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(got, w) {
					t.Errorf("turn text has %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestCollectKeepsTargetsApart(t *testing.T) {
	e := newEnv(t, setup{opts: withQueue(agent.QueueCollect, 0, "")})
	box := newInbox()
	e.srv.Script(fakemodel.Call("hold", `{}`), fakemodel.Text("first"), fakemodel.Text("main thread"), fakemodel.Text("other thread"))
	b := busy(t, e, box)
	in := inbound("in a thread")
	in.ThreadID = "t9"
	e.runner.Submit(t.Context(), in, box.deliver)
	e.runner.Submit(t.Context(), inbound("main again"), box.deliver)
	close(b.release)
	box.next(t)
	r2, r3 := box.next(t), box.next(t)
	if r2.ThreadID != "t9" || r3.ThreadID != "" {
		t.Errorf("threads: %q then %q", r2.ThreadID, r3.ThreadID)
	}
	if got := lastUser(e.srv.Requests()[2]); got != "in a thread" {
		t.Errorf("thread message merged with others: %q", got)
	}
}

func TestQueueDebounceWindow(t *testing.T) {
	timers := newManualTimers()
	e := newEnv(t, setup{opts: func(o *agent.Options) {
		withQueue(agent.QueueCollect, 0, "")(o)
		ms := 5000
		o.Messages.Queue.DebounceMs = &ms
	}})
	agent.SetTimers(e.runner, timers.after)
	box := newInbox()
	e.srv.Script(fakemodel.Call("hold", `{}`), fakemodel.Text("first"), fakemodel.Text("later"))
	b := busy(t, e, box)
	e.runner.Submit(t.Context(), inbound("second"), box.deliver)
	close(b.release)
	box.next(t)
	<-timers.added // the lane waits out the quiet window
	if n := len(e.srv.Requests()); n != 2 {
		t.Fatalf("queued message ran before the quiet window: %d requests", n)
	}
	timers.fire()
	if got := box.next(t); got.Text != "later" {
		t.Fatalf("reply = %q", got.Text)
	}
}

func TestInboundDebounce(t *testing.T) {
	timers := newManualTimers()
	e := newEnv(t, setup{opts: func(o *agent.Options) {
		ms := 2000
		o.Messages.Inbound.DebounceMs = &ms
		o.Messages.Inbound.ByChannel = map[string]int{"discord": 0}
	}})
	agent.SetTimers(e.runner, timers.after)
	box := newInbox()
	e.srv.Script(fakemodel.Text("merged reply"))
	for _, text := range []string{"part one", "part two", "part three"} {
		in := inbound(text)
		in.ReplyTo = "msg-" + text
		in.SenderAuthorized = true
		if err := e.runner.Submit(t.Context(), in, box.deliver); err != nil {
			t.Fatal(err)
		}
	}
	if timers.pending() != 1 || len(e.srv.Requests()) != 0 {
		t.Fatalf("timers %d, requests %d: the burst must wait as one batch", timers.pending(), len(e.srv.Requests()))
	}
	// A command is answered at once, outside the batch.
	cmd := inbound("/status")
	cmd.SenderAuthorized = true
	e.runner.Submit(t.Context(), cmd, box.deliver)
	if rep := box.next(t); !strings.Contains(rep.Text, "Session: agent:main:main") {
		t.Fatalf("command reply = %q", rep.Text)
	}
	timers.fire()
	rep := box.next(t)
	if rep.Text != "merged reply" || rep.ReplyTo != "msg-part three" {
		t.Fatalf("reply = %+v", rep)
	}
	if got := lastUser(e.srv.Requests()[0]); got != "part one\npart two\npart three" {
		t.Errorf("merged text = %q", got)
	}

	// Media skips the debounce, and so does a channel set to 0.
	e.srv.Script(fakemodel.Text("photo reply"), fakemodel.Text("discord reply"))
	photo := inbound("look")
	photo.Media = []agent.Media{{Kind: "image", MimeType: "image/png", Data: []byte("png")}}
	e.runner.Submit(t.Context(), photo, box.deliver)
	if rep := box.next(t); rep.Text != "photo reply" {
		t.Fatalf("reply = %q", rep.Text)
	}
	e.waitIdle()
	d := inbound("hi")
	d.Channel = "discord"
	e.runner.Submit(t.Context(), d, box.deliver)
	if rep := box.next(t); rep.Text != "discord reply" {
		t.Fatalf("reply = %q", rep.Text)
	}
}

func TestMaxConcurrentAcrossSessions(t *testing.T) {
	e := newEnv(t, setup{opts: func(o *agent.Options) { o.Agents.Defaults.MaxConcurrent = 2 }})
	b := newBlocker(t, e.tools)
	box := newInbox()
	e.srv.Respond(func(r fakemodel.Request) fakemodel.Reply {
		if len(r.ToolResults()) == 0 {
			return fakemodel.Call("hold", `{}`)
		}
		return fakemodel.Text("done")
	})
	for _, key := range []string{"agent:main:telegram:direct:1", "agent:main:telegram:direct:2"} {
		in := inbound("go")
		in.SessionKey = key
		e.runner.Submit(t.Context(), in, box.deliver)
	}
	// Both tools run at the same time: two sessions in parallel.
	b.waitStarted(t)
	b.waitStarted(t)
	close(b.release)
	box.next(t)
	box.next(t)
}

func TestOneTurnAtATimePerSession(t *testing.T) {
	e := newEnv(t, setup{opts: func(o *agent.Options) { o.Agents.Defaults.MaxConcurrent = 4 }})
	b := newBlocker(t, e.tools)
	e.srv.Script(fakemodel.Call("hold", `{}`), fakemodel.Text("first done"), fakemodel.Text("second done"))
	done := make(chan string, 2)
	go func() {
		res, _ := e.runner.RunTurn(t.Context(), agent.TurnRequest{Text: "one"}, nil)
		done <- res.Text
	}()
	b.waitStarted(t)
	go func() {
		res, _ := e.runner.RunTurn(t.Context(), agent.TurnRequest{Text: "two"}, nil)
		done <- res.Text
	}()
	time.Sleep(50 * time.Millisecond) // give a broken lane the chance to overlap
	close(b.release)
	if a, c := <-done, <-done; a != "first done" || c != "second done" {
		t.Fatalf("order: %q then %q", a, c)
	}
}

func TestLanesDoNotAccumulate(t *testing.T) {
	e := newEnv(t, setup{opts: func(o *agent.Options) { o.Agents.Defaults.MaxConcurrent = 8 }})
	e.srv.Respond(fakemodel.EchoResponder)
	box := newInbox()
	box.ch = make(chan agent.Reply, 300)
	const n = 200
	for i := range n {
		in := inbound(fmt.Sprintf("hello %d", i))
		in.SessionKey = fmt.Sprintf("agent:main:telegram:direct:%d", i)
		if err := e.runner.Submit(t.Context(), in, box.deliver); err != nil {
			t.Fatal(err)
		}
	}
	for range n {
		box.next(t)
	}
	e.waitIdle()
	if got := e.runner.Lanes(); got != 0 {
		t.Fatalf("%d lanes left after every session went idle", got)
	}
}

func TestBlockRepliesAndPrefix(t *testing.T) {
	e := newEnv(t, setup{opts: func(o *agent.Options) {
		o.Messages.ResponsePrefix = "[{model}]"
		o.Agents.Defaults.Identity = &agent.Identity{Name: "Sam"}
	}})
	e.tools.Register(noopTool())
	for _, blocks := range []bool{true, false} {
		box := newInbox()
		e.srv.Script(fakemodel.Reply{Text: "Checking.", ToolCalls: []fakemodel.ToolCall{{Name: "noop", Arguments: "{}"}}}, fakemodel.Text("All good."))
		in := inbound("check")
		in.BlockReplies = blocks
		e.runner.Submit(t.Context(), in, box.deliver)
		if blocks {
			if r := box.next(t); r.Text != "[claude] Checking." || !r.Block {
				t.Errorf("block reply = %+v", r)
			}
			if r := box.next(t); r.Text != "[claude] All good." || r.Block {
				t.Errorf("final reply = %+v", r)
			}
		} else if r := box.next(t); r.Text != "[claude] Checking.\n\nAll good." {
			t.Errorf("joined reply = %+v", r)
		}
		e.waitIdle()
	}
	box := newInbox()
	off, auto := "", "auto"
	e.srv.Script(fakemodel.Text("plain"), fakemodel.Text("named"))
	in := inbound("x")
	in.ResponsePrefix = &off
	e.runner.Submit(t.Context(), in, box.deliver)
	if r := box.next(t); r.Text != "plain" {
		t.Errorf("prefix not turned off: %q", r.Text)
	}
	e.waitIdle()
	in.ResponsePrefix = &auto
	e.runner.Submit(t.Context(), in, box.deliver)
	if r := box.next(t); r.Text != "[Sam] named" {
		t.Errorf("auto prefix: %q", r.Text)
	}
}
