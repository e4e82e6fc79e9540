package gateway

import (
	"context"
	"errors"
	"time"
)

// PortHolder is a process listening on a port.
type PortHolder struct {
	PID     int
	Command string
}

// ForceOptions tune FreePort.
type ForceOptions struct {
	Grace time.Duration
	Self  int
}

var errForceUnsupported = errors.New("--force is not supported on Windows; stop the other gateway first")

// PortHolders is not available on Windows.
func PortHolders(int) ([]PortHolder, error) { return nil, errForceUnsupported }

// FreePort is not available on Windows.
func FreePort(context.Context, int, ForceOptions) ([]PortHolder, error) {
	return nil, errForceUnsupported
}
