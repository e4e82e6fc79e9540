package mcp

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// maxStderrLine caps one logged line of a server's stderr.
const maxStderrLine = 8 << 10

// process is a running stdio server.
type process struct {
	cmd    *exec.Cmd
	pid    int
	stdin  *os.File // our end
	stdout *os.File // our end
	exited chan struct{}
	err    error // set before exited closes
	grace  time.Duration
}

// startProcess launches a stdio server. The pipes are made here rather than
// by exec so that cmd.Wait never closes the end the MCP client reads: a
// server's children may hold its stdout after it exits, and the group kill
// on exit is what ends them.
func startProcess(cfg ServerConfig, env []string, home string, log hclog.Logger, grace time.Duration) (*process, error) {
	cmd := exec.Command(cfg.Command, cfg.Args...)
	cmd.Env = env
	if wd := cfg.WorkDir(); wd != "" {
		wd = expandHome(wd, home)
		if fi, err := os.Stat(wd); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("working directory %s does not exist", wd)
		}
		cmd.Dir = wd
	}
	isolate(cmd)

	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("stdin pipe: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		closeAll(inR, inW)
		return nil, fmt.Errorf("stdout pipe: %w", err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		closeAll(inR, inW, outR, outW)
		return nil, fmt.Errorf("stderr pipe: %w", err)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, errW
	if err := cmd.Start(); err != nil {
		closeAll(inR, inW, outR, outW, errR, errW)
		return nil, fmt.Errorf("start %s: %w", cfg.Command, err)
	}
	// The child has its copies; ours would keep the pipes open forever.
	closeAll(inR, outW, errW)

	p := &process{cmd: cmd, pid: cmd.Process.Pid, stdin: inW, stdout: outR, exited: make(chan struct{}), grace: grace}
	go forwardStderr(errR, log)
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// transport is the MCP client's view of the process.
func (p *process) transport() sdk.Transport {
	return &sdk.IOTransport{Reader: p.stdout, Writer: p.stdin}
}

// stop ends the server: stdin is closed (the MCP way of asking a stdio
// server to exit), then the group gets SIGTERM and finally SIGKILL. The
// group is always killed at the end, so no child of the server survives.
func (p *process) stop() {
	_ = p.stdin.Close()
	select {
	case <-p.exited:
	case <-time.After(p.grace):
		signalGroup(p.pid, syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(p.grace):
		}
	}
	signalGroup(p.pid, syscall.SIGKILL)
	<-p.exited
	_ = p.stdout.Close()
}

// exitError describes how the process ended.
func (p *process) exitError() error {
	if p.err == nil {
		return fmt.Errorf("process %d exited", p.pid)
	}
	return fmt.Errorf("process %d: %w", p.pid, p.err)
}

// forwardStderr logs the server's diagnostics line by line at debug level,
// as OpenClaw does; a line longer than 8 KiB is cut and marked.
func forwardStderr(r io.ReadCloser, log hclog.Logger) {
	defer r.Close()
	br := bufio.NewReaderSize(r, maxStderrLine)
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			text := strings.TrimRight(string(line), "\r\n")
			if err == bufio.ErrBufferFull {
				text = "[stderr line truncated] " + text
				// Drop the rest of the oversized line.
				for err == bufio.ErrBufferFull {
					_, err = br.ReadSlice('\n')
				}
			}
			if text != "" {
				log.Debug(text)
			}
		}
		if err != nil && err != bufio.ErrBufferFull {
			return
		}
	}
}

func closeAll(files ...*os.File) {
	for _, f := range files {
		_ = f.Close()
	}
}

func expandHome(path, home string) string {
	if home == "" {
		return path
	}
	if path == "~" {
		return home
	}
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		return filepath.Join(home, rest)
	}
	return path
}
