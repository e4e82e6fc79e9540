package agent

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/core/tools"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestSystemPromptGolden(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	now := time.Date(2026, 5, 1, 17, 30, 0, 0, time.UTC)
	base := promptInput{
		AgentID:    "main",
		Workspace:  "/home/user/.openclaw/workspace",
		Now:        now,
		Location:   time.UTC,
		SessionKey: "agent:main:main",
		Channel:    "telegram",
		ChatType:   "direct",
		Model:      "anthropic/claude-sonnet-5",
	}
	full := base
	full.Identity = Identity{Name: "Samantha", Emoji: "🦥", Theme: "helpful sloth"}
	full.Location = chicago
	full.Files = []contextFile{
		{Name: FileAgents, Content: "# Rules\nBe kind.\n"},
		{Name: FileSoul, Content: "Warm, brief."},
		{Name: FileTools, Missing: true},
		{Name: FileIdentity, Content: "- Name: Samantha"},
		{Name: FileUser, Content: "head\n\n[… 10 of 50 characters of USER.md truncated; read the file for the full text …]\n\ntail", Truncated: true},
		{Name: FileBootstrap, Content: "Say hello."},
	}
	full.Skills = []Skill{{Name: "weather", Description: "Forecasts & <alerts>", Location: "/skills/weather/SKILL.md"}}
	full.Tools = []tools.Tool{{Name: "read", Description: "Read a file.\nMore detail."}, {Name: "word_count", Description: "Count words."}}
	group := base
	group.ChatType = "group"
	group.Channel = "discord"
	group.SessionKey = "agent:main:discord:group:g1"
	group.GroupSubject = "#general"
	group.GroupPrompt = "Keep it short."
	group.Extra = "Answer in French."

	for name, in := range map[string]promptInput{"minimal": base, "full": full, "group": group} {
		t.Run(name, func(t *testing.T) {
			got := buildSystemPrompt(in)
			if again := buildSystemPrompt(in); again != got {
				t.Fatal("prompt is not deterministic")
			}
			path := filepath.Join("testdata", "prompt_"+name+".golden")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("prompt differs from %s (run with -update after checking):\n%s", path, got)
			}
		})
	}
}
