//go:build !unix

package proc

import (
	"errors"
	"time"
)

var errUnsupported = errors.New("running commands is only supported on Unix systems")

// Start fails: process groups and the guard need a Unix system.
func Start(Spec) (*Proc, error) { return nil, errUnsupported }

// Kill does nothing here.
func (p *Proc) Kill() {}

// Terminate does nothing here.
func (p *Proc) Terminate(time.Duration) {}

// Interrupt fails here.
func (p *Proc) Interrupt() error { return errUnsupported }

// DropLifeline does nothing here.
func (p *Proc) DropLifeline() {}
