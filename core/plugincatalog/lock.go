package plugincatalog

import (
	"path/filepath"
	"runtime"

	"github.com/openclaw-go/openclaw/registry"
)

// LockFileName is the lock file's name in the state directory.
const LockFileName = "openclaw.lock"

// InstalledFromLock lists the plugins the state directory's lock file
// records, with the executable hash recorded for this platform. Linked
// plugins have no recorded hash; the catalog hashes them when it finds them.
func InstalledFromLock(stateDir string) ([]Installed, error) {
	lock, err := registry.LoadLock(filepath.Join(stateDir, LockFileName))
	if err != nil {
		return nil, err
	}
	var out []Installed
	for _, e := range lock.Entries() {
		in := Installed{Package: e.Package, Version: e.Version, Dir: e.Path(stateDir), Linked: e.Linked}
		if sum, ok := e.ExecutableSHA256(runtime.GOOS, runtime.GOARCH); ok {
			in.SHA256 = sum
		}
		out = append(out, in)
	}
	return out, nil
}
