//go:build unix && !linux

package gateway

import (
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// PortHolders lists processes listening on TCP port, using lsof.
func PortHolders(port int) ([]PortHolder, error) {
	out, err := exec.Command("lsof", "-nP", "-iTCP:"+strconv.Itoa(port), "-sTCP:LISTEN", "-t").Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 {
			return nil, nil // lsof exits 1 when nothing matches
		}
		return nil, fmt.Errorf("find processes on port %d with lsof: %w", port, err)
	}
	var hs []PortHolder
	for _, f := range strings.Fields(string(out)) {
		if pid, err := strconv.Atoi(f); err == nil {
			hs = append(hs, PortHolder{PID: pid})
		}
	}
	return hs, nil
}
