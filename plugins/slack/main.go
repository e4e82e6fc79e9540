// Command openclaw-plugin-slack connects Slack workspaces to the gateway:
// DMs, channels, group DMs, threads and a slash command, over Socket Mode
// (or the Events API over HTTP), with replies through the Web API.
package main

import (
	_ "embed"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

//go:embed openclaw.plugin.json
var manifest []byte

// channelInfo tells the gateway Slack's delivery limits. Slack accepts
// 40,000 characters but truncates long messages in the client; OpenClaw
// splits at 4,000.
var channelInfo = pluginsdk.ChannelInfo{
	ID:                "slack",
	Label:             "Slack",
	TextChunkLimit:    4000,
	SupportsThreads:   true,
	SupportsReactions: true,
	SupportsMedia:     true,
}

func plugin(ch *slackChannel) pluginsdk.Plugin {
	return pluginsdk.Plugin{Manifest: manifest, ChannelInfo: []pluginsdk.ChannelInfo{channelInfo}, Channel: ch}
}

func main() {
	pluginsdk.Serve(plugin(newSlackChannel(nil)))
}
