//go:build unix && !linux

package mcp

import (
	"os/exec"
	"syscall"
)

// isolate puts the server in its own process group, so stopping it reaches
// the children it started.
func isolate(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// signalGroup sends sig to the server's whole process group.
func signalGroup(pid int, sig syscall.Signal) {
	if pid > 0 {
		_ = syscall.Kill(-pid, sig)
	}
}
