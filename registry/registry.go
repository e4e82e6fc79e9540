// Package registry installs plugins and skills from registries: it resolves
// a version range to the newest compatible build for this gateway and
// machine, downloads it, checks its signature and checksums before anything
// is unpacked, unpacks it into a staging folder, renames it into place and
// records it in the lock file. It never imports the gateway core; the core
// reads the lock file (LoadLock) to find and verify installed plugins.
//
// State it manages, under the state directory:
//
//	openclaw.lock                      the lock file (see Lock)
//	plugins/<package>/<version>/       installed plugins (openclaw.plugin.json + binary)
//	skills/<name>/                     managed skills installed from a registry
//	.staging/                          downloads and unpacks in progress
//	.install.lock                      serialises installs across processes
package registry

import (
	_ "embed"
	"strings"
)

// OfficialRegistryURL is the default of plugins.registries.
const OfficialRegistryURL = "https://registry.openclaw-go.dev/"

//go:embed official.pub
var officialKey string

// OfficialPublicKey is the built-in key that signs the official registry,
// in the one-line "ed25519:<base64>" form.
func OfficialPublicKey() string { return strings.TrimSpace(officialKey) }

// Folders and files inside the state directory.
const (
	PluginsDir    = "plugins"
	SkillsDir     = "skills"
	stagingDir    = ".staging"
	installLock   = ".install.lock"
	pluginDataDir = "plugin-data"
)
