// Command openclaw-plugin-mattermost connects Mattermost servers to the
// gateway: direct messages, group messages, public and private channels and
// threads, through the REST v4 API and the WebSocket event stream. It is
// published to the registry, not bundled with the core distribution.
package main

import (
	_ "embed"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

//go:embed openclaw.plugin.json
var manifest []byte

// channelInfo tells the gateway Mattermost's delivery limits. The server
// accepts 16,383 characters per post; OpenClaw splits at 4,000.
var channelInfo = pluginsdk.ChannelInfo{
	ID:                "mattermost",
	Label:             "Mattermost",
	TextChunkLimit:    4000,
	SupportsThreads:   true,
	SupportsReactions: true,
	SupportsMedia:     true,
}

func plugin(ch *mattermostChannel) pluginsdk.Plugin {
	return pluginsdk.Plugin{Manifest: manifest, ChannelInfo: []pluginsdk.ChannelInfo{channelInfo}, Channel: ch}
}

func main() {
	pluginsdk.Serve(plugin(newMattermostChannel(nil)))
}
