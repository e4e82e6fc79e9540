package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
	"time"
)

// ErrAddressInUse wraps the error for a port another process holds.
var ErrAddressInUse = errors.New("another gateway instance is already listening")

// ListenOptions tune how busy ports are handled.
type ListenOptions struct {
	// Retries for a busy port, Interval apart, to ride out TIME_WAIT after
	// a previous gateway exited. OpenClaw waits 20 × 500 ms.
	Retries  int
	Interval time.Duration
}

// DefaultListenOptions matches OpenClaw.
var DefaultListenOptions = ListenOptions{Retries: 20, Interval: 500 * time.Millisecond}

// listenAll binds host:port for every host; on failure it closes what it
// opened. The error names the first address that failed.
func listenAll(ctx context.Context, hosts []string, port int, opts ListenOptions) ([]net.Listener, error) {
	var out []net.Listener
	for _, h := range hosts {
		l, err := listenOne(ctx, h, port, opts)
		if err != nil {
			for _, o := range out {
				o.Close()
			}
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

func listenOne(ctx context.Context, host string, port int, opts ListenOptions) (net.Listener, error) {
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	url := "ws://" + addr
	var lc net.ListenConfig
	for attempt := 0; ; attempt++ {
		l, err := lc.Listen(ctx, "tcp", addr)
		if err == nil {
			return l, nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("failed to bind gateway socket on %s: %w", url, err)
		}
		if attempt >= opts.Retries {
			return nil, fmt.Errorf("%w on %s (stop it, pick another port with --port, or use --force)", ErrAddressInUse, url)
		}
		t := time.NewTimer(opts.Interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("bind gateway socket on %s: %w", url, ctx.Err())
		case <-t.C:
		}
	}
}
