// Command openclaw-plugin-web provides web_fetch (readable page content,
// with private networks refused) and web_search (Brave Search).
package main

import (
	_ "embed"
	"net"
	"os"
	"time"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

//go:embed openclaw.plugin.json
var manifest []byte

func main() {
	t := newWebTools(os.Getenv, time.Now, net.DefaultResolver)
	pluginsdk.Serve(pluginsdk.Plugin{Manifest: manifest, Tools: t, Configure: t.configure})
}
