package routing

import (
	"strings"

	"github.com/openclaw-go/openclaw/core/sessions"
)

// Binding tiers, most specific first, as reported in Decision.MatchedBy.
const (
	MatchedPeer       = "binding.peer"
	MatchedParentPeer = "binding.peer.parent"
	MatchedPeerAny    = "binding.peer.wildcard"
	MatchedGuildRoles = "binding.guild+roles"
	MatchedGuild      = "binding.guild"
	MatchedTeam       = "binding.team"
	MatchedAccount    = "binding.account"
	MatchedChannel    = "binding.channel"
	MatchedDefault    = "default"
)

type compiledBinding struct {
	order    int
	agentID  string
	account  string // normalised account id, or "*"
	peerKind string // "" when the binding has no peer
	peerID   string // "*" for any peer of peerKind
	guild    string
	team     string
	roles    []string
	session  *BindingSession
}

// bindingIndex finds the binding for a message without scanning every
// binding: each tier is a map or a short list per channel.
type bindingIndex struct {
	byChannel map[string]*channelBindings
}

type channelBindings struct {
	peer       map[string][]*compiledBinding // "kind:id"; groups and channels are interchangeable
	peerAny    map[string][]*compiledBinding // by kind
	guildRoles map[string][]*compiledBinding
	guild      map[string][]*compiledBinding
	team       map[string][]*compiledBinding
	account    map[string][]*compiledBinding // by account, no other constraint
	anyAccount []*compiledBinding            // accountId "*", no other constraint
}

func newBindingIndex(bindings []Binding) *bindingIndex {
	ix := &bindingIndex{byChannel: make(map[string]*channelBindings)}
	for i, b := range bindings {
		if b.Type == "acp" {
			continue // persistent ACP conversations are not routed here
		}
		channel := strings.ToLower(strings.TrimSpace(b.Match.Channel))
		if channel == "" {
			continue
		}
		cb := &compiledBinding{
			order:   i,
			agentID: sessions.NormalizeAgentID(b.AgentID),
			guild:   strings.TrimSpace(string(b.Match.GuildID)),
			team:    strings.TrimSpace(string(b.Match.TeamID)),
			session: b.Session,
		}
		switch acct := strings.TrimSpace(b.Match.AccountID); acct {
		case "*":
			cb.account = "*"
		default:
			cb.account = sessions.NormalizeAccountID(acct)
		}
		for _, r := range b.Match.Roles {
			if r = strings.TrimSpace(r); r != "" {
				cb.roles = append(cb.roles, r)
			}
		}
		if p := b.Match.Peer; p != nil {
			cb.peerKind = sessions.NormalizeChatType(p.Kind)
			cb.peerID = strings.TrimSpace(string(p.ID))
			if cb.peerKind == "" || cb.peerID == "" {
				continue // invalid peer constraints never match
			}
		}

		chb := ix.byChannel[channel]
		if chb == nil {
			chb = &channelBindings{
				peer: map[string][]*compiledBinding{}, peerAny: map[string][]*compiledBinding{},
				guildRoles: map[string][]*compiledBinding{}, guild: map[string][]*compiledBinding{},
				team: map[string][]*compiledBinding{}, account: map[string][]*compiledBinding{},
			}
			ix.byChannel[channel] = chb
		}
		switch {
		case cb.peerKind != "" && cb.peerID == "*":
			chb.peerAny[cb.peerKind] = append(chb.peerAny[cb.peerKind], cb)
		case cb.peerKind != "":
			for _, k := range peerKeys(cb.peerKind, cb.peerID) {
				chb.peer[k] = append(chb.peer[k], cb)
			}
		case cb.guild != "" && len(cb.roles) > 0:
			chb.guildRoles[cb.guild] = append(chb.guildRoles[cb.guild], cb)
		case cb.guild != "":
			chb.guild[cb.guild] = append(chb.guild[cb.guild], cb)
		case cb.team != "":
			chb.team[cb.team] = append(chb.team[cb.team], cb)
		case cb.account != "*":
			chb.account[cb.account] = append(chb.account[cb.account], cb)
		default:
			chb.anyAccount = append(chb.anyAccount, cb)
		}
	}
	return ix
}

// peerKeys lists the index keys of a peer; a group binding also matches a
// channel of the same id and the other way round.
func peerKeys(kind, id string) []string {
	switch kind {
	case sessions.ChatGroup, sessions.ChatChannel:
		return []string{"group:" + id, "channel:" + id}
	}
	return []string{kind + ":" + id}
}

// routeScope is the part of a message bindings look at.
type routeScope struct {
	account  string
	peerKind string
	peerID   string
	parentID string
	guild    string
	team     string
	roles    []string
}

// match returns the binding for a message: the first binding in config
// order within the most specific tier that has a match.
func (ix *bindingIndex) match(channel string, s routeScope) (*compiledBinding, string) {
	chb := ix.byChannel[channel]
	if chb == nil {
		return nil, MatchedDefault
	}
	if s.peerID != "" {
		if b := first(chb.peer[s.peerKind+":"+s.peerID], s, s.peerID); b != nil {
			return b, MatchedPeer
		}
	}
	if s.parentID != "" {
		if b := first(chb.peer[s.peerKind+":"+s.parentID], s, s.parentID); b != nil {
			return b, MatchedParentPeer
		}
	}
	if s.peerID != "" {
		if b := first(chb.peerAny[s.peerKind], s, s.peerID); b != nil {
			return b, MatchedPeerAny
		}
		if s.peerKind == sessions.ChatGroup || s.peerKind == sessions.ChatChannel {
			other := sessions.ChatChannel
			if s.peerKind == sessions.ChatChannel {
				other = sessions.ChatGroup
			}
			if b := first(chb.peerAny[other], s, s.peerID); b != nil {
				return b, MatchedPeerAny
			}
		}
	}
	if s.guild != "" {
		if len(s.roles) > 0 {
			if b := first(chb.guildRoles[s.guild], s, s.peerID); b != nil {
				return b, MatchedGuildRoles
			}
		}
		if b := first(chb.guild[s.guild], s, s.peerID); b != nil {
			return b, MatchedGuild
		}
	}
	if s.team != "" {
		if b := first(chb.team[s.team], s, s.peerID); b != nil {
			return b, MatchedTeam
		}
	}
	if b := first(chb.account[s.account], s, s.peerID); b != nil {
		return b, MatchedAccount
	}
	if b := first(chb.anyAccount, s, s.peerID); b != nil {
		return b, MatchedChannel
	}
	return nil, MatchedDefault
}

// first returns the earliest binding in list that matches every field it
// sets; lists are in config order.
func first(list []*compiledBinding, s routeScope, peerID string) *compiledBinding {
	for _, b := range list {
		if b.matches(s, peerID) {
			return b
		}
	}
	return nil
}

func (b *compiledBinding) matches(s routeScope, peerID string) bool {
	if b.account != "*" && b.account != s.account {
		return false
	}
	if b.peerKind != "" {
		if !kindsMatch(b.peerKind, s.peerKind) {
			return false
		}
		if b.peerID != "*" && b.peerID != peerID {
			return false
		}
	}
	if b.guild != "" && b.guild != s.guild {
		return false
	}
	if b.team != "" && b.team != s.team {
		return false
	}
	if len(b.roles) > 0 {
		for _, want := range b.roles {
			for _, have := range s.roles {
				if want == have {
					return true
				}
			}
		}
		return false
	}
	return true
}

func kindsMatch(a, b string) bool {
	if a == b {
		return true
	}
	group := func(k string) bool { return k == sessions.ChatGroup || k == sessions.ChatChannel }
	return group(a) && group(b)
}
