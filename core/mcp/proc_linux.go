//go:build linux

package mcp

import (
	"os/exec"
	"syscall"
)

// isolate puts the server in its own process group, so stopping it reaches
// the children it started (npx, uvx and shells spawn some), and has the
// kernel kill it if the gateway dies, even by SIGKILL.
func isolate(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// signalGroup sends sig to the server's whole process group.
func signalGroup(pid int, sig syscall.Signal) {
	if pid > 0 {
		_ = syscall.Kill(-pid, sig)
	}
}
