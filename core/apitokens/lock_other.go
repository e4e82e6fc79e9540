//go:build !unix

package apitokens

import (
	"errors"
	"fmt"
	"os"
)

// lockFile on platforms without flock falls back to an exclusive-create
// lock file; it is removed on unlock.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s (remove it if no openclaw process is running): %w", path, err)
	}
	return func() {
		f.Close()
		os.Remove(path)
	}, nil
}

func syncUnsupported(err error) bool { return errors.Is(err, os.ErrInvalid) }
