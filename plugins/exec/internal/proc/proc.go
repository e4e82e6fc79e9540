// Package proc runs one shell command as a process tree the plugin owns:
// in its own process group, so a timeout or kill ends every process it
// started, with a guard in the group that ends it if the plugin itself dies,
// even by SIGKILL, and with its output captured into a bounded tail.
package proc

import (
	"errors"
	"os"
	"sync"
	"time"
)

// Spec says what to run.
type Spec struct {
	// Shell runs Command with -c.
	Shell   string
	Command string
	Dir     string
	Env     []string
	// MaxOutput and MaxPending cap the retained and the undrained output.
	MaxOutput  int
	MaxPending int
	Now        func() time.Time
}

// Exit is how a process ended.
type Exit struct {
	// Code is the exit status, or -1 when a signal ended the process.
	Code   int
	Signal string
	// Err is a failure to wait, not a nonzero status.
	Err error
	At  time.Time
}

// Proc is a running or finished command.
type Proc struct {
	Out *Output

	pid      int
	stdinMu  sync.Mutex
	stdin    *os.File
	lifeline *os.File
	done     chan struct{}
	exit     Exit
	started  time.Time
}

// ErrStdinClosed is returned by Write after CloseStdin.
var ErrStdinClosed = errors.New("stdin is closed")

// Pid is the process id of the shell, which is also the group id.
func (p *Proc) Pid() int { return p.pid }

// Started is when the process started.
func (p *Proc) Started() time.Time { return p.started }

// Done is closed when the process has ended, its group has been cleaned
// up and its output fully read.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Exit returns how the process ended; ok is false while it runs.
func (p *Proc) Exit() (Exit, bool) {
	select {
	case <-p.done:
		return p.exit, true
	default:
		return Exit{}, false
	}
}

// Write sends data to the process's stdin.
func (p *Proc) Write(data []byte) error {
	p.stdinMu.Lock()
	defer p.stdinMu.Unlock()
	if p.stdin == nil {
		return ErrStdinClosed
	}
	// A process that stops reading must not hang the tool call.
	_ = p.stdin.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := p.stdin.Write(data)
	return err
}

// CloseStdin sends end-of-file.
func (p *Proc) CloseStdin() {
	p.stdinMu.Lock()
	defer p.stdinMu.Unlock()
	if p.stdin != nil {
		_ = p.stdin.Close()
		p.stdin = nil
	}
}

// StdinOpen reports whether input can still be written.
func (p *Proc) StdinOpen() bool {
	p.stdinMu.Lock()
	defer p.stdinMu.Unlock()
	return p.stdin != nil
}
