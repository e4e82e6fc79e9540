package sessions

import (
	"strings"
)

// Session key shapes follow OpenClaw so that keys shown by `/status`,
// `sessions.list` and the Control UI read the same in both implementations:
//
//	agent:<agentId>:main                                   DMs under dmScope "main"
//	agent:<agentId>:direct:<peer>                          dmScope "per-peer"
//	agent:<agentId>:<channel>:direct:<peer>                dmScope "per-channel-peer"
//	agent:<agentId>:<channel>:<accountId>:direct:<peer>    dmScope "per-account-channel-peer"
//	agent:<agentId>:<channel>:group:<id>                   groups
//	agent:<agentId>:<channel>:channel:<id>                 rooms and channels
//	<group or channel key>:topic:<topicId>                 forum topics (Telegram)
//	<any key>:thread:<threadId>                            threads (Slack, Discord)
//
// Every key is lower case.

// DefaultAgentID is the agent used when nothing else names one.
const DefaultAgentID = "main"

// DefaultAccountID is the account id used when a channel has a single,
// unnamed account.
const DefaultAccountID = "default"

// mainKey is the per-agent main-session suffix; OpenClaw ignores session.mainKey
// and always uses "main".
const mainKey = "main"

// DM scopes (session.dmScope).
const (
	DMScopeMain                  = "main"
	DMScopePerPeer               = "per-peer"
	DMScopePerChannelPeer        = "per-channel-peer"
	DMScopePerAccountChannelPeer = "per-account-channel-peer"
)

// Group scopes (session.groupScope).
const (
	GroupScopePerGroup = "per-group"
	GroupScopeMain     = "main"
)

// Chat types, as OpenClaw names peer kinds in keys and bindings.
const (
	ChatDirect  = "direct"
	ChatGroup   = "group"
	ChatChannel = "channel"
)

// NormalizeChatType maps the spellings OpenClaw accepts for a peer kind to the
// canonical one ("dm" is the legacy name of "direct", "supergroup" is
// Telegram's). It returns "" for anything else.
func NormalizeChatType(kind string) string {
	switch strings.ToLower(strings.TrimSpace(kind)) {
	case "direct", "dm":
		return ChatDirect
	case "group", "supergroup":
		return ChatGroup
	case "channel":
		return ChatChannel
	}
	return ""
}

// NormalizeAgentID turns a configured agent id into the path-safe, lower-case
// form used in keys and directory names: letters, digits, '_' and '-', at most
// 64 characters; anything else collapses to '-'. An empty id is "main".
func NormalizeAgentID(id string) string {
	return normalizeID(id, DefaultAgentID)
}

// NormalizeAccountID does for account ids what NormalizeAgentID does for
// agent ids; an empty id is "default".
func NormalizeAccountID(id string) string {
	return normalizeID(id, DefaultAccountID)
}

func normalizeID(id, fallback string) string {
	id = strings.ToLower(strings.TrimSpace(id))
	if id == "" {
		return fallback
	}
	var b strings.Builder
	b.Grow(len(id))
	dash := false
	for _, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-'
		if !ok {
			if !dash {
				b.WriteByte('-')
				dash = true
			}
			continue
		}
		b.WriteRune(r)
		dash = false
	}
	out := strings.Trim(b.String(), "-")
	// Leading underscores are part of an id ("_prod"); only dashes are trimmed.
	if len(out) > 64 {
		out = strings.TrimRight(out[:64], "-")
	}
	if out == "" {
		return fallback
	}
	return out
}

// MainKey returns the agent's main session key, "agent:<agentId>:main".
func MainKey(agentID string) string {
	return "agent:" + NormalizeAgentID(agentID) + ":" + mainKey
}

// KeyParams is what a session key is built from.
type KeyParams struct {
	AgentID   string
	Channel   string
	AccountID string
	// ChatType is direct, group or channel ("dm" is accepted for direct).
	ChatType string
	// PeerID is the conversation: the sender for a DM, the group or channel id
	// otherwise.
	PeerID string
	// TopicID is a forum topic inside a group (Telegram).
	TopicID string
	// ThreadID is a thread inside a channel or DM (Slack, Discord).
	ThreadID string
	// DMScope is session.dmScope (or a binding's override); "" means "main".
	DMScope string
	// GroupScope is session.groupScope (or a binding's override); "" means
	// "per-group".
	GroupScope string
	// IdentityLinks is session.identityLinks: canonical name to
	// provider-prefixed peer ids ("telegram:123").
	IdentityLinks map[string][]string
}

// BuildKey forms the session key for a conversation exactly as OpenClaw does.
func BuildKey(p KeyParams) string {
	agent := NormalizeAgentID(p.AgentID)
	channel := strings.ToLower(strings.TrimSpace(p.Channel))
	if channel == "" {
		channel = "unknown"
	}
	kind := NormalizeChatType(p.ChatType)
	if kind == "" {
		kind = ChatDirect
	}

	var base string
	if kind == ChatDirect {
		base = directKey(agent, channel, p)
	} else if p.GroupScope == GroupScopeMain {
		base = MainKey(agent)
	} else {
		peer := strings.TrimSpace(p.PeerID)
		if peer == "" {
			peer = "unknown"
		}
		base = "agent:" + agent + ":" + channel + ":" + kind + ":" + peer
		if topic := strings.TrimSpace(p.TopicID); topic != "" {
			base += ":topic:" + topic
		}
	}
	if thread := strings.TrimSpace(p.ThreadID); thread != "" {
		base += ":thread:" + thread
	}
	return strings.ToLower(base)
}

func directKey(agent, channel string, p KeyParams) string {
	scope := p.DMScope
	if scope == "" {
		scope = DMScopeMain
	}
	peer := strings.TrimSpace(p.PeerID)
	if scope != DMScopeMain {
		if linked := linkedPeer(p.IdentityLinks, channel, peer); linked != "" {
			peer = linked
		}
	}
	if peer == "" {
		return MainKey(agent)
	}
	switch scope {
	case DMScopePerAccountChannelPeer:
		return "agent:" + agent + ":" + channel + ":" + NormalizeAccountID(p.AccountID) + ":direct:" + peer
	case DMScopePerChannelPeer:
		return "agent:" + agent + ":" + channel + ":direct:" + peer
	case DMScopePerPeer:
		return "agent:" + agent + ":direct:" + peer
	}
	return MainKey(agent)
}

// linkedPeer returns the canonical identity a peer is linked to, matching
// either the bare id or "<channel>:<id>", case-insensitively.
func linkedPeer(links map[string][]string, channel, peer string) string {
	if len(links) == 0 || peer == "" {
		return ""
	}
	bare := strings.ToLower(peer)
	scoped := channel + ":" + bare
	// Map iteration order is random; pick the lexically first canonical name
	// when a peer is (mis)configured under several, so keys are stable.
	best := ""
	for canonical, ids := range links {
		name := strings.TrimSpace(canonical)
		if name == "" {
			continue
		}
		for _, id := range ids {
			id = strings.ToLower(strings.TrimSpace(id))
			if id != "" && (id == bare || id == scoped) {
				if best == "" || name < best {
					best = name
				}
				break
			}
		}
	}
	return best
}

// ParsedKey is a session key taken apart.
type ParsedKey struct {
	AgentID string
	// Rest is everything after "agent:<agentId>:".
	Rest string
}

// ParseKey splits "agent:<agentId>:<rest>". It reports false for keys of any
// other shape (cron:, hook:, legacy keys).
func ParseKey(key string) (ParsedKey, bool) {
	key = strings.TrimSpace(key)
	if len(key) < len("agent:") || !strings.EqualFold(key[:len("agent:")], "agent:") {
		return ParsedKey{}, false
	}
	rest := key[len("agent:"):]
	agent, tail, ok := strings.Cut(rest, ":")
	if !ok || agent == "" || tail == "" {
		return ParsedKey{}, false
	}
	return ParsedKey{AgentID: strings.ToLower(agent), Rest: tail}, true
}

// KeyChatType classifies a session key for reset policies: "thread" for
// thread and topic sessions, "group" for groups and channels, "direct"
// otherwise (the main session included).
func KeyChatType(key string) string {
	k := strings.ToLower(key)
	switch {
	case strings.Contains(k, ":thread:"), strings.Contains(k, ":topic:"):
		return "thread"
	case strings.Contains(k, ":group:"), strings.Contains(k, ":channel:"):
		return ChatGroup
	}
	return ChatDirect
}

// KeyChannel returns the channel a session key names, or "" for keys that do
// not carry one (the main session, per-peer DMs).
func KeyChannel(key string) string {
	p, ok := ParseKey(key)
	if !ok {
		return ""
	}
	parts := strings.Split(p.Rest, ":")
	if len(parts) < 2 || parts[0] == "direct" {
		return ""
	}
	return parts[0]
}
