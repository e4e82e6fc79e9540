package filelock

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestAcquireExcludes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "install.lock")
	first, err := Acquire(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	var waitedFor int
	var mu sync.Mutex
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = Acquire(ctx, path, func(pid int) { mu.Lock(); waitedFor = pid; mu.Unlock() })
	if err == nil {
		t.Fatal("second Acquire succeeded while the lock was held")
	}
	if waitedFor != os.Getpid() {
		t.Errorf("waiting reported pid %d, want %d", waitedFor, os.Getpid())
	}

	got := make(chan error, 1)
	go func() {
		l, err := Acquire(context.Background(), path, nil)
		if err == nil {
			err = l.Release()
		}
		got <- err
	}()
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
}
