// Command openclaw-plugin-fs provides the file tools read, write, edit and
// apply_patch, confined to the calling agent's workspace.
package main

import (
	_ "embed"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

//go:embed openclaw.plugin.json
var manifest []byte

func main() {
	t := newTools()
	pluginsdk.Serve(pluginsdk.Plugin{Manifest: manifest, Tools: t, Configure: t.configure})
}
