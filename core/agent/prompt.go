package agent

import (
	"context"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/core/tools"
)

// Skill is an eligible skill as the prompt lists it.
type Skill struct {
	Name        string
	Description string
	// Location is the path of the skill's SKILL.md.
	Location string
}

// SkillSource lists the skills an agent may use. The skills package
// implements it; nil means no skills.
type SkillSource interface {
	EligibleSkills(ctx context.Context, agentID, workspace string) ([]Skill, error)
}

// promptInput is everything the system prompt is rendered from. The render
// is a pure function of it, so the same input always gives the same prompt.
type promptInput struct {
	AgentID   string
	Identity  Identity
	Workspace string
	Files     []contextFile
	Skills    []Skill
	Tools     []tools.Tool
	Now       time.Time
	Location  *time.Location

	SessionKey string
	Channel    string
	ChatType   string
	Model      string

	// GroupSubject names the group or channel; GroupPrompt is its
	// configured system prompt.
	GroupSubject string
	GroupPrompt  string
	// Extra is appended last (API callers' system messages).
	Extra string
}

// buildSystemPrompt renders the system prompt. Stable sections (identity,
// tools, safety, skills, workspace files) come first and volatile ones
// (group context, date and time, runtime) last, so providers that cache a
// prompt prefix can reuse it across turns.
func buildSystemPrompt(in promptInput) string {
	var b strings.Builder
	b.Grow(4096 + totalLen(in.Files))

	if in.Identity.Name != "" {
		b.WriteString("You are " + in.Identity.Name + ", a personal assistant running inside OpenClaw.")
	} else {
		b.WriteString("You are a personal assistant running inside OpenClaw.")
	}
	if in.Identity.Emoji != "" {
		b.WriteString(" Your emoji is " + in.Identity.Emoji + ".")
	}
	if in.Identity.Theme != "" {
		b.WriteString(" Your theme: " + in.Identity.Theme + ".")
	}
	b.WriteString("\n")

	b.WriteString("\n## Tooling\n")
	if len(in.Tools) == 0 {
		b.WriteString("No tools are available in this turn; answer from what you know and what the conversation holds.\n")
	} else {
		b.WriteString("Call tools through the tool interface, by their exact names; the list below is what this turn allows. ")
		b.WriteString("When a tool fails or is not allowed, say so plainly instead of pretending it ran.\n")
		for _, t := range in.Tools {
			b.WriteString("- " + t.Name)
			if d := firstLine(t.Description); d != "" {
				b.WriteString(": " + d)
			}
			b.WriteString("\n")
		}
	}

	b.WriteString("\n## Safety\n")
	b.WriteString("You have no goals of your own beyond helping the user. Do not seek more access, resources or influence than a task needs, ")
	b.WriteString("and never work around oversight, approvals or the tool policy. Ask before acting in public or doing what cannot be undone.\n")

	if len(in.Skills) > 0 {
		b.WriteString("\n## Skills\n")
		b.WriteString("Skills are instructions for specific jobs. When one matches the task, read its SKILL.md at the location given before you start; do not guess what it says.\n")
		b.WriteString("<available_skills>\n")
		for _, s := range in.Skills {
			b.WriteString("  <skill>\n    <name>" + xmlEscape(s.Name) + "</name>\n")
			b.WriteString("    <description>" + xmlEscape(s.Description) + "</description>\n")
			b.WriteString("    <location>" + xmlEscape(s.Location) + "</location>\n  </skill>\n")
		}
		b.WriteString("</available_skills>\n")
	}

	b.WriteString("\n## Workspace\n")
	b.WriteString("Your working directory is " + in.Workspace + ". Treat it as your memory: the files below are loaded from it at the start of every session.\n")

	if len(in.Files) > 0 {
		b.WriteString("\n## Project Context\n")
		truncated := false
		for _, f := range in.Files {
			if f.Missing {
				b.WriteString("\n### " + f.Name + "\n[missing file: " + f.Name + " does not exist in the workspace]\n")
				continue
			}
			truncated = truncated || f.Truncated
			b.WriteString("\n### " + f.Name + "\n")
			b.WriteString(strings.TrimRight(f.Content, "\n"))
			b.WriteString("\n")
			if f.Name == FileBootstrap {
				b.WriteString("(BOOTSTRAP.md is pending: follow it in this conversation, then delete the file.)\n")
			}
		}
		if truncated {
			b.WriteString("\nSome workspace files were too long and were shortened above; read them directly when you need their full text.\n")
		}
	}

	if in.ChatType == "group" || in.ChatType == "channel" || in.GroupSubject != "" || in.GroupPrompt != "" {
		b.WriteString("\n## Group Chat Context\n")
		if in.GroupSubject != "" {
			b.WriteString("You are in the group chat \"" + in.GroupSubject + "\".")
		} else {
			b.WriteString("You are in a group chat.")
		}
		b.WriteString(" Several people can read your replies; messages are prefixed with their sender. Reply to the current message, keep it short, and do not reveal private details from your workspace.\n")
		if in.GroupPrompt != "" {
			b.WriteString(strings.TrimSpace(in.GroupPrompt) + "\n")
		}
	}

	b.WriteString("\n## Current Date & Time\n")
	loc := in.Location
	if loc == nil {
		loc = time.UTC
	}
	now := in.Now.In(loc)
	b.WriteString("Time zone: " + loc.String() + "\n")
	b.WriteString("Now: " + now.Format("Monday, 2006-01-02 15:04 MST") + "\n")

	b.WriteString("\n## Runtime\n")
	b.WriteString("agent=" + in.AgentID)
	if in.SessionKey != "" {
		b.WriteString(" | session=" + in.SessionKey)
	}
	if in.Channel != "" {
		b.WriteString(" | channel=" + in.Channel)
	}
	if in.ChatType != "" {
		b.WriteString(" | chat=" + in.ChatType)
	}
	if in.Model != "" {
		b.WriteString(" | model=" + in.Model)
	}
	b.WriteString("\n")

	if in.Extra != "" {
		b.WriteString("\n" + strings.TrimSpace(in.Extra) + "\n")
	}
	return b.String()
}

func totalLen(files []contextFile) int {
	n := 0
	for _, f := range files {
		n += len(f.Content) + len(f.Name) + 16
	}
	return n
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}

var xmlReplacer = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func xmlEscape(s string) string { return xmlReplacer.Replace(s) }
