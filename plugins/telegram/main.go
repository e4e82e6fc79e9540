// Command openclaw-plugin-telegram connects Telegram bots to the gateway
// through the Bot API: long polling or a webhook for inbound messages,
// sendMessage, sendPhoto and sendDocument for replies.
package main

import (
	_ "embed"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

//go:embed openclaw.plugin.json
var manifestJSON []byte

func main() {
	pluginsdk.Serve(plugin(newTelegram()))
}

func plugin(ch *telegram) pluginsdk.Plugin {
	return pluginsdk.Plugin{
		Manifest:    manifestJSON,
		ChannelInfo: []pluginsdk.ChannelInfo{channelInfo},
		Channel:     ch,
	}
}
