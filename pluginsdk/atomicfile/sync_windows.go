//go:build windows

package atomicfile

// Windows cannot sync a folder handle opened this way; renames are durable
// through the file system's own journal.
func isUnsupported(error) bool { return true }
