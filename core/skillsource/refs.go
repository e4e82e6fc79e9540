package skillsource

import (
	"fmt"
	"strings"
)

// MaxReferences is how many distinct skills one message may reference.
const MaxReferences = 8

// Invocation is what a message's skill references ask for.
type Invocation struct {
	// Skills are the referenced skills, in order of first mention.
	Skills []Entry
	// Instruction tells the model to read each referenced SKILL.md before
	// acting; empty when nothing was referenced. The agent adds it to the
	// turn.
	Instruction string
}

// ReferenceError lists references that cannot be honoured. OpenClaw shows
// them to the sender instead of silently ignoring them.
type ReferenceError struct {
	Problems []string
}

func (e *ReferenceError) Error() string {
	return "skill references: " + strings.Join(e.Problems, "; ")
}

// References finds the skills a user's message names. "$name" names a
// skill (OpenClaw's form); "@name" is accepted too but only when it names
// a usable skill, since @ also mentions people. A "$" reference to a skill
// that exists but is not usable here (ineligible, outside the agent's or
// the channel's list, not user-invocable) is an error, as are more than
// MaxReferences distinct skills. "\$name" stays literal, and so does any
// "$WORD" that is not a skill ($HOME, $5).
func (sn *Snapshot) References(text string) (Invocation, error) {
	var inv Invocation
	var problems []string
	seen := map[string]bool{}
	for _, ref := range scanReferences(text) {
		if seen[ref.name] {
			continue
		}
		e, known := sn.Lookup(ref.name)
		usable := known && e.Usable() && e.UserInvocable
		switch {
		case usable:
			seen[ref.name] = true
			inv.Skills = append(inv.Skills, e)
		case ref.sigil == '@' || !known:
			// A mention of someone, or a word that only looks like a
			// reference.
		default:
			seen[ref.name] = true
			problems = append(problems, fmt.Sprintf("$%s is not available here: %s", ref.name, whyNot(e)))
		}
	}
	if len(inv.Skills) > MaxReferences {
		problems = append(problems, fmt.Sprintf("a message may reference at most %d skills; this one references %d", MaxReferences, len(inv.Skills)))
	}
	if len(problems) > 0 {
		return Invocation{}, &ReferenceError{Problems: problems}
	}
	if len(inv.Skills) > 0 {
		var b strings.Builder
		b.WriteString("The user asked for these skills by name. Before acting, read each SKILL.md at the location given and follow it:\n")
		for _, e := range inv.Skills {
			fmt.Fprintf(&b, "- %s: %s\n", e.Name, e.Location)
		}
		inv.Instruction = b.String()
	}
	return inv, nil
}

func whyNot(e Entry) string {
	if !e.UserInvocable && e.Usable() {
		return "it cannot be invoked by users (user-invocable: false)"
	}
	if len(e.Reasons) == 0 {
		return "it is not eligible"
	}
	return strings.Join(e.Reasons, "; ")
}

type reference struct {
	sigil byte
	name  string
}

// scanReferences finds $name and @name tokens that start a word and are
// not escaped.
func scanReferences(text string) []reference {
	var out []reference
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c != '$' && c != '@' {
			continue
		}
		if i > 0 {
			prev := text[i-1]
			if prev == '\\' || isNameByte(prev) || (prev >= 'A' && prev <= 'Z') || prev == '$' || prev == '@' || prev == '.' {
				continue
			}
		}
		j := i + 1
		for j < len(text) && isNameByte(text[j]) {
			j++
		}
		// An upper-case letter right after the name means it was a word
		// like $HOMEDIR's tail, not a skill name.
		if j < len(text) && text[j] >= 'A' && text[j] <= 'Z' {
			i = j
			continue
		}
		name := strings.TrimRight(text[i+1:j], "-_")
		if name != "" {
			out = append(out, reference{sigil: c, name: name})
		}
		i = j - 1
	}
	return out
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}
