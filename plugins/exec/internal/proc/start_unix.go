//go:build unix

package proc

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// guardScript starts the command behind a guard. The guard is a background
// subshell in the command's process group that blocks reading fd 3, a pipe
// whose only writer is this process. When this process dies, however it
// dies, the kernel closes the writer, the read returns and the guard kills
// the whole group. The command itself runs with fd 3 closed, replacing the
// starter shell so its pid is the group id.
const guardScript = `(read -r _ <&3; kill -KILL 0) </dev/null >/dev/null 2>&1 & exec 3<&-; exec "$0" -c "$1"`

// drainWait bounds how long output is read after the group is killed; a
// descendant that left the group (setsid) could keep the pipe open forever.
const drainWait = 2 * time.Second

// Start runs spec.
func Start(spec Spec) (*Proc, error) {
	now := spec.Now
	if now == nil {
		now = time.Now
	}
	var files []*os.File
	closeAll := func() {
		for _, f := range files {
			_ = f.Close()
		}
	}
	pipe := func() (*os.File, *os.File, error) {
		r, w, err := os.Pipe()
		if err == nil {
			files = append(files, r, w)
		}
		return r, w, err
	}
	outR, outW, err := pipe()
	if err != nil {
		return nil, fmt.Errorf("output pipe: %w", err)
	}
	inR, inW, err := pipe()
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("input pipe: %w", err)
	}
	lifeR, lifeW, err := pipe()
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("guard pipe: %w", err)
	}
	cmd := exec.Command("/bin/sh", "-c", guardScript, spec.Shell, spec.Command)
	cmd.Dir = spec.Dir
	cmd.Env = spec.Env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, outW
	cmd.ExtraFiles = []*os.File{lifeR}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		closeAll()
		return nil, fmt.Errorf("start %s: %w", spec.Shell, err)
	}
	// The child has its copies; ours would keep the pipes open.
	_ = inR.Close()
	_ = outW.Close()
	_ = lifeR.Close()
	p := &Proc{
		Out:      NewOutput(spec.MaxOutput, spec.MaxPending, now),
		pid:      cmd.Process.Pid,
		stdin:    inW,
		lifeline: lifeW,
		done:     make(chan struct{}),
		started:  now(),
	}
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		_, _ = io.Copy(p.Out, outR)
	}()
	go p.wait(cmd, outR, readDone, now)
	return p, nil
}

func (p *Proc) wait(cmd *exec.Cmd, outR *os.File, readDone <-chan struct{}, now func() time.Time) {
	err := cmd.Wait()
	exit := Exit{}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		exit.Code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			exit.Code, exit.Signal = -1, unix.SignalName(ws.Signal())
		}
	default:
		exit.Code, exit.Err = -1, err
	}
	// The shell is gone: end what it left running in its group (`cmd &`),
	// guard included.
	_ = syscall.Kill(-p.pid, syscall.SIGKILL)
	_ = p.lifeline.Close()
	select {
	case <-readDone:
	case <-time.After(drainWait):
		_ = outR.Close()
		<-readDone
	}
	_ = outR.Close()
	p.CloseStdin()
	exit.At = now()
	p.exit = exit
	close(p.done)
}

// Signal sends sig to the whole process group; a finished process is left
// alone, as its group id may be reused.
func (p *Proc) Signal(sig syscall.Signal) error {
	select {
	case <-p.done:
		return nil
	default:
	}
	if err := syscall.Kill(-p.pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("signal process group %d: %w", p.pid, err)
	}
	return nil
}

// Kill ends the whole process tree at once.
func (p *Proc) Kill() {
	_ = p.Signal(syscall.SIGKILL)
}

// Terminate asks the group to stop, then kills it after grace.
func (p *Proc) Terminate(grace time.Duration) {
	if err := p.Signal(syscall.SIGTERM); err != nil {
		p.Kill()
		return
	}
	select {
	case <-p.done:
	case <-time.After(grace):
		p.Kill()
	}
}

// Interrupt sends SIGINT to the group, as Ctrl-C in a terminal would.
func (p *Proc) Interrupt() error { return p.Signal(syscall.SIGINT) }

// DropLifeline closes the guard's pipe as the plugin's death would; the
// guard then kills the group. Used by shutdown and by tests.
func (p *Proc) DropLifeline() { _ = p.lifeline.Close() }
