// Command openclaw-plugin-skills-core ships the everyday skills
// (summarize-url, daily-notes, session-digest) together with daily_note,
// the one tool they need that no other plugin provides.
package main

import (
	_ "embed"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

//go:embed openclaw.plugin.json
var manifest []byte

func main() {
	notes := newDailyNote(nil)
	pluginsdk.Serve(pluginsdk.Plugin{
		Manifest:  manifest,
		Skills:    bundle{},
		Tools:     notes,
		Configure: notes.configure,
	})
}
