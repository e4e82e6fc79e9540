//go:build !unix

package mcp

import (
	"os"
	"os/exec"
	"syscall"
)

func isolate(*exec.Cmd) {}

// signalGroup can only reach the server process itself here.
func signalGroup(pid int, _ syscall.Signal) {
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
}
