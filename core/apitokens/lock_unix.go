//go:build unix

package apitokens

import (
	"fmt"
	"os"
	"syscall"
)

// lockFile takes an exclusive advisory lock so two processes (a CLI and
// the gateway, or two CLIs) never interleave read-modify-write cycles.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

func syncUnsupported(error) bool { return false }
