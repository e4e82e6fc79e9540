package routing

import "strings"

// groupMatch is what a channel's group tree says about one conversation.
type groupMatch struct {
	// allowlist is set when the tree has entries, which makes it an
	// allowlist; matched when the conversation is in it (by id, name or
	// "*").
	allowlist bool
	matched   bool
	// nodes are the matching entries, most specific first: topic, its "*",
	// the group/channel, its "*", then the guild and the guilds' "*".
	nodes []GroupConfig
}

// resolveGroups walks the channel's group tree for a group or channel
// message. Discord-style guild trees apply when the message names a guild;
// otherwise the flat "channels" (Slack) and "groups" maps apply.
func resolveGroups(c *ChannelConfig, msg *Inbound) groupMatch {
	var m groupMatch
	if msg.GuildID != "" && len(c.Guilds) > 0 {
		m.allowlist = true
		guild, gok := findNode(c.Guilds, msg.GuildID, msg.GuildName)
		wild, wok := c.Guilds["*"]
		if !gok && !wok {
			return m
		}
		scope := wild
		if gok {
			scope = guild
		}
		if len(scope.Channels) > 0 {
			ch, cok := findNode(scope.Channels, msg.PeerID, msg.ChannelName)
			cw, cwok := scope.Channels["*"]
			if !cok && !cwok {
				return m
			}
			if cok {
				m.nodes = append(m.nodes, ch)
			}
			if cwok {
				m.nodes = append(m.nodes, cw)
			}
		}
		if gok {
			m.nodes = append(m.nodes, guild)
		}
		if wok {
			m.nodes = append(m.nodes, wild)
		}
		m.matched = true
		return m
	}

	if len(c.Channels) == 0 && len(c.Groups) == 0 {
		return m
	}
	m.allowlist = true
	node, ok := findNode(c.Channels, msg.PeerID, msg.ChannelName)
	if !ok {
		node, ok = findNode(c.Groups, msg.PeerID, msg.ChannelName)
	}
	wild, wok := c.Channels["*"]
	if !wok {
		wild, wok = c.Groups["*"]
	}
	if !ok && !wok {
		return m
	}
	topics := wild.Topics
	if ok {
		topics = node.Topics
	}
	if msg.TopicID != "" && len(topics) > 0 {
		if t, tok := topics[msg.TopicID]; tok {
			m.nodes = append(m.nodes, t)
		}
		if t, tok := topics["*"]; tok {
			m.nodes = append(m.nodes, t)
		}
	}
	if ok {
		m.nodes = append(m.nodes, node)
	}
	if wok {
		m.nodes = append(m.nodes, wild)
	}
	m.matched = true
	return m
}

// findNode looks a conversation up by id, then by name ("general",
// "#general", a slug, or a node's slug field); "*" is not returned here.
func findNode(nodes map[string]GroupConfig, id, name string) (GroupConfig, bool) {
	if id = strings.TrimSpace(id); id != "" {
		if n, ok := nodes[id]; ok {
			return n, true
		}
		for k, n := range nodes {
			if strings.EqualFold(k, id) {
				return n, true
			}
		}
	}
	slug := slugify(name)
	if slug == "" {
		return GroupConfig{}, false
	}
	for k, n := range nodes {
		if k == "*" {
			continue
		}
		if slugify(k) == slug || (n.Slug != "" && slugify(n.Slug) == slug) {
			return n, true
		}
	}
	return GroupConfig{}, false
}

// slugify lower-cases a name, drops a leading '#' and turns spaces into '-'.
func slugify(name string) string {
	name = strings.TrimPrefix(strings.TrimSpace(name), "#")
	return strings.ToLower(strings.Join(strings.Fields(name), "-"))
}

// turnedOff reports whether the most specific node that says so disables
// the conversation.
func (m groupMatch) turnedOff() bool {
	for _, n := range m.nodes {
		if n.Enabled != nil {
			return !*n.Enabled
		}
		if n.Allow != nil {
			return !*n.Allow
		}
	}
	return false
}

// requireMention is the most specific requireMention in the tree, if any.
func (m groupMatch) requireMention() (bool, bool) {
	for _, n := range m.nodes {
		if n.RequireMention != nil {
			return *n.RequireMention, true
		}
	}
	return false, false
}

// senders is the most specific per-group sender allowlist, if any.
func (m groupMatch) senders() []string {
	for _, n := range m.nodes {
		if len(n.AllowFrom) > 0 {
			return n.AllowFrom
		}
		if len(n.Users) > 0 {
			return n.Users
		}
	}
	return nil
}

func (m groupMatch) allowBots() (bool, bool) {
	for _, n := range m.nodes {
		if n.AllowBots != nil {
			return *n.AllowBots, true
		}
	}
	return false, false
}

func (m groupMatch) systemPrompt() string {
	for _, n := range m.nodes {
		if n.SystemPrompt != "" {
			return n.SystemPrompt
		}
	}
	return ""
}

func (m groupMatch) skills() []string {
	for _, n := range m.nodes {
		if n.Skills != nil {
			return n.Skills
		}
	}
	return nil
}
