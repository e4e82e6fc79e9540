//go:build linux

package pluginhost

import (
	"os/exec"
	"syscall"
)

// isolate puts the plugin in its own process group, so stopping it reaches
// any children it started, and asks the kernel to signal it if the gateway
// dies, even by SIGKILL, so no plugin outlives its gateway.
func isolate(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killGroup ends the plugin's whole process group.
func killGroup(pid int) {
	if pid > 0 {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}
