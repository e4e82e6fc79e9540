package main

import (
	"strings"
	"testing"
	"time"
)

func TestBackgroundLifecycle(t *testing.T) {
	e := newEnv(t)
	res := e.call(t, "exec", map[string]any{"command": "echo started; read line; echo got $line; sleep 300", "background": true}, opts{})
	mustOK(t, "start", res)
	d := details(t, res)
	id, _ := d["sessionId"].(string)
	if d["status"] != statusRunning || id == "" {
		t.Fatalf("start details = %v", d)
	}
	if !strings.Contains(res.Content, id) {
		t.Errorf("the answer does not name the session: %s", res.Content)
	}

	list := e.call(t, "process", map[string]any{"action": "list"}, opts{})
	mustOK(t, "list", list)
	if !strings.Contains(list.Content, id) || !strings.Contains(list.Content, "running") {
		t.Errorf("list = %q", list.Content)
	}
	if other := e.call(t, "process", map[string]any{"action": "list"}, opts{agent: "other"}); strings.Contains(other.Content, id) {
		t.Error("another agent sees the session")
	}
	mustFail(t, "other agent poll", e.call(t, "process", map[string]any{"action": "poll", "sessionId": id}, opts{agent: "other"}), "no session")

	out, _ := e.pollUntil(t, id, "started", opts{})
	if !strings.Contains(out, "started") {
		t.Fatalf("poll output %q", out)
	}
	mustOK(t, "write", e.call(t, "process", map[string]any{"action": "write", "sessionId": id, "data": "hello\n"}, opts{}))
	out, _ = e.pollUntil(t, id, "got hello", opts{})
	if !strings.Contains(out, "got hello") {
		t.Fatalf("poll after write = %q", out)
	}
	empty := e.call(t, "process", map[string]any{"action": "poll", "sessionId": id}, opts{})
	if !strings.Contains(empty.Content, "(no new output)") || !strings.Contains(empty.Content, "Still running") {
		t.Errorf("idle poll = %q", empty.Content)
	}
	log := e.call(t, "process", map[string]any{"action": "log", "sessionId": id}, opts{})
	if !strings.HasPrefix(log.Content, "started\ngot hello\n") {
		t.Errorf("log = %q", log.Content)
	}
	page := e.call(t, "process", map[string]any{"action": "log", "sessionId": id, "offset": 2, "limit": 1}, opts{})
	if !strings.HasPrefix(page.Content, "got hello\n[lines 2-2 of 2") {
		t.Errorf("log page = %q", page.Content)
	}
	mustFail(t, "clear while running", e.call(t, "process", map[string]any{"action": "clear", "sessionId": id}, opts{}), "still running")

	kill := e.call(t, "process", map[string]any{"action": "kill", "sessionId": id}, opts{})
	mustOK(t, "kill", kill)
	if d := details(t, kill); d["status"] != statusKilled {
		t.Errorf("after kill: %v", d)
	}
	final := e.call(t, "process", map[string]any{"action": "poll", "sessionId": id}, opts{})
	if !strings.Contains(final.Content, "stopped by request") {
		t.Errorf("poll after kill = %q", final.Content)
	}
	if strings.Contains(final.Content, "has ended") {
		t.Error("a killed session produced an exit notice")
	}
	mustFail(t, "write after end", e.call(t, "process", map[string]any{"action": "write", "sessionId": id, "data": "x"}, opts{}), "has ended")
	mustOK(t, "clear", e.call(t, "process", map[string]any{"action": "clear", "sessionId": id}, opts{}))
	if l := e.call(t, "process", map[string]any{"action": "list"}, opts{}); l.Content != "No background sessions." {
		t.Errorf("list after clear = %q", l.Content)
	}
	mustFail(t, "poll after clear", e.call(t, "process", map[string]any{"action": "poll", "sessionId": id}, opts{}), "no session")
}

// TestYieldAndExitNotice: a command outliving yieldMs goes to the
// background; when it ends on its own the agent hears of it on its next
// call, once.
func TestYieldAndExitNotice(t *testing.T) {
	e := newEnv(t)
	res := e.call(t, "exec", map[string]any{"command": "echo first; read x; echo second", "yieldMs": 100}, opts{})
	mustOK(t, "yield", res)
	d := details(t, res)
	if d["status"] != statusRunning {
		t.Fatalf("not backgrounded: %s", res.Content)
	}
	id := d["sessionId"].(string)
	mustOK(t, "eof", e.call(t, "process", map[string]any{"action": "write", "sessionId": id, "eof": true}, opts{}))
	// Wait for the end without a poll, which would consume the notice.
	j, err := e.t.jobs.get("main", id)
	if err != nil {
		t.Fatal(err)
	}
	<-j.proc.Done()
	// The notice is queued right after the end; give it a moment.
	deadline := time.Now().Add(30 * time.Second)
	for {
		e.t.jobs.mu.Lock()
		n := len(e.t.jobs.notices["main"])
		e.t.jobs.mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no exit notice queued")
		}
		time.Sleep(10 * time.Millisecond)
	}
	next := e.exec(t, "echo unrelated", opts{})
	if !strings.Contains(next.Content, "Background session "+id) || !strings.Contains(next.Content, "completed") {
		t.Errorf("no exit notice on the next call: %q", next.Content)
	}
	if again := e.exec(t, "echo again", opts{}); strings.Contains(again.Content, id) {
		t.Errorf("notice repeated: %q", again.Content)
	}
	out, fin := e.pollUntil(t, id, "second", opts{})
	if !strings.Contains(out, "first") || !strings.Contains(out, "second") || fin["status"] != statusCompleted {
		t.Errorf("final poll: %q %v", out, fin)
	}
}

func TestNotifyOnExitOff(t *testing.T) {
	e := newEnv(t)
	res := e.call(t, "exec", map[string]any{"command": "echo x", "background": true}, opts{config: `{"notifyOnExit":false}`})
	id := details(t, res)["sessionId"].(string)
	j, err := e.t.jobs.get("main", id)
	if err != nil {
		t.Fatal(err)
	}
	<-j.proc.Done()
	if next := e.exec(t, "true", opts{}); strings.Contains(next.Content, id) {
		t.Errorf("notice despite notifyOnExit false: %q", next.Content)
	}
}

func TestSendKeys(t *testing.T) {
	e := newEnv(t)
	res := e.call(t, "exec", map[string]any{"command": "trap 'echo interrupted; exit 130' INT; read a; echo A=$a; while :; do sleep 0.1; done", "background": true}, opts{})
	id := details(t, res)["sessionId"].(string)
	mustOK(t, "send-keys", e.call(t, "process", map[string]any{"action": "send-keys", "sessionId": id, "literal": "x", "hex": []string{"79"}, "keys": []string{"Enter"}}, opts{}))
	out, _ := e.pollUntil(t, id, "A=xy", opts{})
	if !strings.Contains(out, "A=xy") {
		t.Fatalf("output %q", out)
	}
	mustOK(t, "C-c", e.call(t, "process", map[string]any{"action": "send-keys", "sessionId": id, "keys": []string{"C-c"}}, opts{}))
	out, d := e.pollUntil(t, id, "interrupted", opts{})
	if !strings.Contains(out, "interrupted") {
		t.Errorf("after C-c: %q %v", out, d)
	}
	mustFail(t, "bad key", e.call(t, "process", map[string]any{"action": "send-keys", "sessionId": id, "keys": []string{"Hyper"}}, opts{}), "")
}

func TestProcessBadInput(t *testing.T) {
	e := newEnv(t)
	mustFail(t, "no action", e.call(t, "process", map[string]any{}, opts{}), "action is required")
	mustFail(t, "bad action", e.call(t, "process", map[string]any{"action": "explode"}, opts{}), "unknown action")
	mustFail(t, "no session id", e.call(t, "process", map[string]any{"action": "poll"}, opts{}), "sessionId is required")
	mustFail(t, "unknown session", e.call(t, "process", map[string]any{"action": "poll", "sessionId": "nope"}, opts{}), "no session")
	// A finished foreground command is not a session.
	mustOK(t, "fg", e.exec(t, "true", opts{}))
	if l := e.call(t, "process", map[string]any{"action": "list"}, opts{}); l.Content != "No background sessions." {
		t.Errorf("foreground command listed: %q", l.Content)
	}
}

func TestRemoveKillsRunning(t *testing.T) {
	e := newEnv(t)
	res := e.call(t, "exec", map[string]any{"command": "echo $$ > sh.pid; sleep 300", "background": true}, opts{})
	id := details(t, res)["sessionId"].(string)
	pid := e.readPid(t, "sh.pid")
	mustOK(t, "remove", e.call(t, "process", map[string]any{"action": "remove", "sessionId": id}, opts{}))
	waitGone(t, pid)
	mustFail(t, "poll removed", e.call(t, "process", map[string]any{"action": "poll", "sessionId": id}, opts{}), "no session")
}

// TestShutdownKillsEverything: stopping the plugin ends running commands.
func TestShutdownKillsEverything(t *testing.T) {
	e := newEnv(t)
	mustOK(t, "start", e.call(t, "exec", map[string]any{"command": "sleep 300 & echo $! > gc.pid; wait", "background": true}, opts{}))
	gc := e.readPid(t, "gc.pid")
	e.t.shutdown()
	waitGone(t, gc)
}
