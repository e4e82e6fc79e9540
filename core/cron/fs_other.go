//go:build !unix && !windows

package cron

import "io/fs"

// lockFile is a no-op where the platform has no advisory locks; the
// atomic replace still keeps the file whole.
func lockFile(string) (func(), error) { return func() {}, nil }

func syncDir(string) error { return nil }

func inode(fs.FileInfo) uint64 { return 0 }
