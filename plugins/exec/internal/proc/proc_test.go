//go:build unix

package proc

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func start(t *testing.T, command string, maxOut int) *Proc {
	t.Helper()
	p, err := Start(Spec{Shell: "/bin/sh", Command: command, Dir: t.TempDir(), Env: os.Environ(), MaxOutput: maxOut, MaxPending: maxOut})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Kill()
		<-p.Done()
	})
	return p
}

func waitDone(t *testing.T, p *Proc) Exit {
	t.Helper()
	select {
	case <-p.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("process did not end")
	}
	e, ok := p.Exit()
	if !ok {
		t.Fatal("Exit not available after Done")
	}
	return e
}

// Alive reports whether pid is a running (not zombie) process.
func Alive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return !os.IsNotExist(err)
	}
	// The state follows the parenthesised command name.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || (s[i+2] != 'Z' && s[i+2] != 'X')
}

// waitGone waits for pid to die; the kernel needs a moment after SIGKILL.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for Alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d survived", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// firstLinePid waits for the command to print a pid on its first line.
func firstLinePid(t *testing.T, p *Proc) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, _ := p.Out.Tail()
		if line, _, ok := strings.Cut(out, "\n"); ok {
			pid, err := strconv.Atoi(strings.TrimSpace(line))
			if err != nil {
				t.Fatalf("first line %q is not a pid", line)
			}
			return pid
		}
		if time.Now().After(deadline) {
			t.Fatalf("no pid printed; output %q", out)
		}
		select {
		case <-p.Out.Changed():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func TestExitAndOutput(t *testing.T) {
	p := start(t, "echo out; echo err >&2; exit 3", 1000)
	e := waitDone(t, p)
	if e.Code != 3 || e.Signal != "" || e.Err != nil {
		t.Errorf("exit = %+v, want code 3", e)
	}
	out, dropped := p.Out.Tail()
	if out != "out\nerr\n" || dropped != 0 {
		t.Errorf("output = %q (dropped %d)", out, dropped)
	}
}

func TestKillEndsTree(t *testing.T) {
	p := start(t, "sleep 300 & echo $!; wait", 1000)
	grandchild := firstLinePid(t, p)
	if !Alive(grandchild) {
		t.Fatalf("grandchild %d not running", grandchild)
	}
	p.Kill()
	e := waitDone(t, p)
	if e.Signal != "SIGKILL" {
		t.Errorf("exit = %+v, want SIGKILL", e)
	}
	waitGone(t, grandchild)
}

func TestLeftoversEndWithShell(t *testing.T) {
	p := start(t, "sleep 300 & echo $!", 1000)
	e := waitDone(t, p)
	if e.Code != 0 {
		t.Errorf("exit = %+v", e)
	}
	out, _ := p.Out.Tail()
	pid, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("output %q", out)
	}
	waitGone(t, pid)
}

// TestGuardKillsTreeWhenPluginDies closes the lifeline as the plugin's death
// would, and checks the guard ends the group.
func TestGuardKillsTreeWhenPluginDies(t *testing.T) {
	p := start(t, "sleep 300 & echo $!; wait", 1000)
	grandchild := firstLinePid(t, p)
	p.DropLifeline()
	e := waitDone(t, p)
	if e.Signal != "SIGKILL" {
		t.Errorf("exit = %+v, want SIGKILL from the guard", e)
	}
	waitGone(t, grandchild)
}

func TestStdin(t *testing.T) {
	p := start(t, "read x; echo got $x; cat", 1000)
	if err := p.Write([]byte("hello\nrest\n")); err != nil {
		t.Fatal(err)
	}
	p.CloseStdin()
	if err := p.Write([]byte("late")); !errors.Is(err, ErrStdinClosed) {
		t.Errorf("write after close: %v", err)
	}
	waitDone(t, p)
	if out, _ := p.Out.Tail(); out != "got hello\nrest\n" {
		t.Errorf("output = %q", out)
	}
}

func TestOutputCap(t *testing.T) {
	p := start(t, "i=0; while [ $i -lt 2000 ]; do echo line$i; i=$((i+1)); done", 100)
	waitDone(t, p)
	out, dropped := p.Out.Tail()
	if len(out) > 100 || !strings.HasSuffix(out, "line1999\n") {
		t.Errorf("tail = %q", out)
	}
	total, _ := p.Out.Stats()
	if dropped == 0 || dropped+int64(len(out)) != total {
		t.Errorf("dropped %d + kept %d != total %d", dropped, len(out), total)
	}
}

func TestOutputDrain(t *testing.T) {
	o := NewOutput(10, 4, time.Now)
	o.Write([]byte("abcdef"))
	if s, d := o.Drain(); s != "cdef" || d != 2 {
		t.Errorf("Drain = %q, %d", s, d)
	}
	if s, d := o.Drain(); s != "" || d != 0 {
		t.Errorf("second Drain = %q, %d", s, d)
	}
	o.Write([]byte("ghijkl"))
	if s, d := o.Tail(); s != "cdefghijkl" || d != 2 {
		t.Errorf("Tail = %q, %d", s, d)
	}
	// A cut never starts inside a UTF-8 sequence.
	u := NewOutput(4, 4, time.Now)
	u.Write([]byte("aé€"))
	if s, _ := u.Tail(); s != "€" {
		t.Errorf("utf-8 tail = %q", s)
	}
}
