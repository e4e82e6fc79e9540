// Command openclaw-plugin-exec provides the exec and process tools: shell
// commands in the agent workspace, in the foreground or as background
// sessions, under OpenClaw's exec security modes.
package main

import (
	_ "embed"
	"os"
	"time"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

//go:embed openclaw.plugin.json
var manifest []byte

func main() {
	t := newExecTools(os.Getenv, os.Environ, time.Now)
	pluginsdk.Serve(pluginsdk.Plugin{Manifest: manifest, Tools: t, Configure: t.configure})
	// The gateway stopped the plugin: no command outlives it.
	t.shutdown()
}
