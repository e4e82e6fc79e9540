// Command openclaw-plugin-discord connects Discord bots to the OpenClaw
// gateway: it holds each account's gateway WebSocket, hands every message
// to the gateway normalised, and delivers replies and reactions over
// Discord's REST API with Discord's rate limits honoured.
package main

import (
	_ "embed"
	"os"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

//go:embed openclaw.plugin.json
var manifest []byte

func main() {
	pluginsdk.Serve(newPlugin(newChannel(defaultOptions(os.LookupEnv))))
}

func newPlugin(ch *discordChannel) pluginsdk.Plugin {
	return pluginsdk.Plugin{
		Manifest:    manifest,
		ChannelInfo: []pluginsdk.ChannelInfo{channelInfo()},
		Channel:     ch,
	}
}
