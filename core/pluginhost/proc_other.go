//go:build !linux

package pluginhost

import "os/exec"

// isolate is best effort off Linux: the SDK's parent watchdog ends a plugin
// whose gateway is gone.
func isolate(*exec.Cmd) {}

func killGroup(int) {}
