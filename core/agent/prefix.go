package agent

import (
	"regexp"
	"strings"

	"github.com/openclaw-go/openclaw/core/sessions"
)

// PrefixVars are the values a responsePrefix template can use.
type PrefixVars struct {
	// Provider and Model name the model that answered ("anthropic",
	// "claude-opus-4-5").
	Provider string
	Model    string
	// ThinkingLevel is the session's thinking level; "off" when empty.
	ThinkingLevel string
	// IdentityName is the agent's name.
	IdentityName string
}

var prefixVar = regexp.MustCompile(`\{([A-Za-z][A-Za-z.]*)\}`)

// ExpandPrefix turns a responsePrefix setting into the prefix itself.
// "auto" is "[{identity.name}]" (nothing when the agent has no name).
// Variables are case-insensitive: {model} (short model name), {modelFull}
// ("provider/model"), {provider}, {thinkingLevel} or {think}, and
// {identity.name}. Unknown or unresolved variables stay as written.
func ExpandPrefix(template string, v PrefixVars) string {
	if strings.TrimSpace(template) == "auto" {
		if v.IdentityName == "" {
			return ""
		}
		return "[" + v.IdentityName + "]"
	}
	return prefixVar.ReplaceAllStringFunc(template, func(m string) string {
		var val string
		switch strings.ToLower(m[1 : len(m)-1]) {
		case "model":
			val = v.Model
			if i := strings.LastIndexByte(val, '/'); i >= 0 {
				val = val[i+1:]
			}
		case "modelfull":
			if v.Provider != "" && v.Model != "" {
				val = v.Provider + "/" + v.Model
			}
		case "provider":
			val = v.Provider
		case "thinkinglevel", "think":
			val = v.ThinkingLevel
			if val == "" {
				val = "off"
			}
		case "identity.name":
			val = v.IdentityName
		}
		if val == "" {
			return m
		}
		return val
	})
}

// applyPrefix puts prefix in front of text unless text already starts with
// it.
func applyPrefix(prefix, text string) string {
	if prefix == "" || strings.HasPrefix(text, prefix) {
		return text
	}
	return prefix + " " + text
}

// prefixFor resolves the prefix of a reply: the channel's setting if the
// caller passed one, else messages.responsePrefix.
func (r *Runner) prefixFor(p *profile, override *string, res *TurnResult) string {
	tmpl := r.opts.Messages.ResponsePrefix
	if override != nil {
		tmpl = *override
	}
	if tmpl == "" {
		return ""
	}
	v := PrefixVars{IdentityName: r.identityName(p)}
	if res != nil {
		v.Provider, v.Model, v.ThinkingLevel = res.Provider, res.Model, res.ThinkingLevel
	}
	return ExpandPrefix(tmpl, v)
}

// identityName is the agent's configured name, else the one IDENTITY.md
// gives.
func (r *Runner) identityName(p *profile) string {
	if p.identity.Name != "" {
		return p.identity.Name
	}
	return r.fileIdentity(p).Name
}

func (r *Runner) fileIdentity(p *profile) Identity {
	text, _, ok, _ := r.files.read(joinPath(p.workspace, FileIdentity))
	if !ok {
		return Identity{}
	}
	return fileIdentity(text)
}

// AckRequest describes an inbound message the channel may acknowledge with
// a reaction.
type AckRequest struct {
	AgentID string
	// ChatType is direct, group or channel.
	ChatType string
	// Mentioned is set when the message mentions the agent.
	Mentioned bool
	// Emoji is the channel's or account's ackReaction when it sets one ("" turns
	// reactions off); nil falls back to messages.ackReaction.
	Emoji *string
}

// AckReaction decides whether to react to an inbound message while the
// agent works on it, and with which emoji: the channel's setting, else
// messages.ackReaction, else the agent's identity emoji, else 👀. Scope
// (messages.ackReactionScope) is group-mentions by default: group messages
// that mention the agent; group-all: every group message; direct: direct
// messages; all: everything; off or none: nothing.
func (r *Runner) AckReaction(req AckRequest) (emoji string, ok bool) {
	group := req.ChatType == sessions.ChatGroup || req.ChatType == sessions.ChatChannel
	switch r.opts.Messages.AckReactionScope {
	case "off", "none":
		return "", false
	case "all":
	case "direct":
		if group {
			return "", false
		}
	case "group-all":
		if !group {
			return "", false
		}
	default: // group-mentions
		if !group || !req.Mentioned {
			return "", false
		}
	}
	switch {
	case req.Emoji != nil:
		emoji = *req.Emoji
	case r.opts.Messages.AckReaction != nil:
		emoji = *r.opts.Messages.AckReaction
	default:
		emoji = "👀"
		if p, err := r.agent(req.AgentID); err == nil {
			if e := p.identity.Emoji; e != "" {
				emoji = e
			} else if e := r.fileIdentity(p).Emoji; e != "" {
				emoji = e
			}
		}
	}
	return emoji, emoji != ""
}
