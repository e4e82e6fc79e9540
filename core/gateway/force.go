//go:build unix

package gateway

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// PortHolder is a process listening on a port.
type PortHolder struct {
	PID     int
	Command string // command line, for messages
}

// ForceOptions tune FreePort.
type ForceOptions struct {
	// Grace is how long holders get to exit after SIGTERM before SIGKILL
	// (default 5s).
	Grace time.Duration
	// Self is this process's pid, never signalled (default os.Getpid()).
	Self int
}

// FreePort stops the processes listening on TCP port (as
// `openclaw gateway run --force` does before starting): SIGTERM, a grace
// period, then SIGKILL for whatever still holds it. It returns the holders
// it signalled. A port nobody holds is not an error.
func FreePort(ctx context.Context, port int, opts ForceOptions) ([]PortHolder, error) {
	if opts.Grace <= 0 {
		opts.Grace = 5 * time.Second
	}
	if opts.Self == 0 {
		opts.Self = os.Getpid()
	}
	holders, err := PortHolders(port)
	if err != nil {
		return nil, err
	}
	var signalled []PortHolder
	for _, h := range holders {
		if h.PID == opts.Self {
			return nil, fmt.Errorf("port %d is held by this process (pid %d)", port, h.PID)
		}
		if err := syscall.Kill(h.PID, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
			return signalled, fmt.Errorf("stop pid %d holding port %d: %w", h.PID, port, err)
		}
		signalled = append(signalled, h)
	}
	if len(signalled) == 0 {
		return nil, nil
	}
	if waitFree(ctx, port, opts.Grace) {
		return signalled, nil
	}
	for _, h := range signalled {
		if err := syscall.Kill(h.PID, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return signalled, fmt.Errorf("kill pid %d holding port %d: %w", h.PID, port, err)
		}
	}
	if waitFree(ctx, port, 2*time.Second) {
		return signalled, nil
	}
	return signalled, fmt.Errorf("port %d is still held after SIGKILL", port)
}

func waitFree(ctx context.Context, port int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		hs, err := PortHolders(port)
		if err == nil && len(hs) == 0 {
			return true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}
