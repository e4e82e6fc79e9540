package routing

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/go-hclog"

	"github.com/openclaw-go/openclaw/core/sessions"
)

// PairingStore is the DM pairing state routing needs: senders the owner
// approved, and new pairing requests. pairing.Store implements it.
type PairingStore interface {
	// AllowFrom lists the approved senders of a channel account. It must
	// see approvals made by other processes (the CLI).
	AllowFrom(ctx context.Context, channel, accountID string) ([]string, error)
	// Request records a pending request for an unknown sender. It returns
	// the code and whether the request is new; an empty code means the
	// account already has the maximum of pending requests.
	Request(ctx context.Context, channel, accountID, senderID string, meta map[string]string) (code string, created bool, err error)
}

// Options configure a Router.
type Options struct {
	// Pairing is needed by channels whose dmPolicy is pairing (the
	// default); without it, unknown senders are dropped.
	Pairing PairingStore
	Logger  hclog.Logger
}

// Router decides, for each inbound message, whether it is admitted, which
// agent handles it and which session it belongs to. It is immutable and
// safe for concurrent use; build a new one when the config changes.
type Router struct {
	cfg          Config
	pairing      PairingStore
	log          hclog.Logger
	bindings     *bindingIndex
	defaultAgent string
	patterns     map[string][]*regexp.Regexp // per listed agent
	global       []*regexp.Regexp            // for agents not listed
	channels     map[string]*channelRules
}

type channelRules struct {
	base     *ChannelConfig
	accounts map[string]*ChannelConfig // by normalised account id
}

// New validates cfg and prepares it for routing.
func New(cfg Config, opts Options) (*Router, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("routing config: %w", err)
	}
	log := opts.Logger
	if log == nil {
		log = hclog.NewNullLogger()
	}
	r := &Router{
		cfg:      cfg,
		pairing:  opts.Pairing,
		log:      log,
		bindings: newBindingIndex(cfg.Bindings),
		patterns: make(map[string][]*regexp.Regexp),
		channels: make(map[string]*channelRules),
	}

	defaults := 0
	for _, a := range cfg.Agents.List {
		id := sessions.NormalizeAgentID(a.ID)
		if a.Default {
			if defaults == 0 {
				r.defaultAgent = id
			}
			defaults++
		}
	}
	if defaults > 1 {
		log.Warn("several agents are marked default; using the first", "agent", r.defaultAgent)
	}
	if r.defaultAgent == "" {
		r.defaultAgent = sessions.DefaultAgentID
		if len(cfg.Agents.List) > 0 {
			r.defaultAgent = sessions.NormalizeAgentID(cfg.Agents.List[0].ID)
		}
	}

	global := cfg.Messages.GroupChat.MentionPatterns
	r.global = compilePatterns(global, "messages.groupChat.mentionPatterns", log)
	agents := cfg.Agents.List
	if len(agents) == 0 {
		agents = []AgentConfig{{ID: r.defaultAgent}}
	}
	for i, a := range agents {
		id := sessions.NormalizeAgentID(a.ID)
		switch {
		case a.GroupChat.MentionPatterns != nil:
			r.patterns[id] = compilePatterns(a.GroupChat.MentionPatterns, fmt.Sprintf("agents.list[%d].groupChat.mentionPatterns", i), log)
		case global != nil:
			r.patterns[id] = r.global
		default:
			r.patterns[id] = compilePatterns(identityPatterns(a.Identity), "agents.list["+itoa(i)+"].identity", log)
		}
	}

	for name, cc := range cfg.Channels.ByName {
		rules := &channelRules{base: cc, accounts: make(map[string]*ChannelConfig)}
		for id := range cc.Accounts {
			acct, err := cc.ForAccount(id)
			if err != nil {
				return nil, fmt.Errorf("routing config: channels.%s.%w", name, err)
			}
			rules.accounts[sessions.NormalizeAccountID(id)] = acct
		}
		r.channels[name] = rules
	}
	return r, nil
}

// DefaultAgent is the agent that answers when no binding matches:
// agents.list[].default, else the first listed agent, else "main".
func (r *Router) DefaultAgent() string { return r.defaultAgent }

// channel returns the config an account of a channel sees, and whether the
// channel has a block at all.
func (r *Router) channel(name, account string) (*ChannelConfig, bool) {
	rules, ok := r.channels[name]
	if !ok {
		return &ChannelConfig{}, false
	}
	if acct, ok := rules.accounts[account]; ok {
		return acct, true
	}
	return rules.base, true
}

// Route is the agent and session chosen for a message, before access
// checks.
type Route struct {
	AgentID        string
	SessionKey     string
	MainSessionKey string
	MatchedBy      string
	ChatType       string
}

// Resolve picks the agent and session key for a message from the bindings
// and session scoping, without checking access.
func (r *Router) Resolve(msg Inbound) (Route, error) {
	m, err := normalize(msg)
	if err != nil {
		return Route{}, err
	}
	return r.resolve(&m), nil
}

func (r *Router) resolve(m *Inbound) Route {
	scope := routeScope{
		account:  m.AccountID,
		peerKind: m.PeerKind,
		peerID:   m.PeerID,
		parentID: m.ParentPeerID,
		guild:    m.GuildID,
		team:     m.TeamID,
		roles:    m.SenderRoles,
	}
	b, tier := r.bindings.match(m.Channel, scope)
	agent := r.defaultAgent
	dmScope, groupScope := r.cfg.Session.DMScope, r.cfg.Session.GroupScope
	if b != nil {
		agent = b.agentID
		if b.session != nil {
			if b.session.DMScope != "" {
				dmScope = b.session.DMScope
			}
			if b.session.GroupScope != "" {
				groupScope = b.session.GroupScope
			}
		}
	}
	peer, thread := m.PeerID, m.ThreadID
	if m.ParentPeerID != "" && m.ParentPeerID != m.PeerID {
		// The platform gave the thread as the conversation: key the session
		// on the parent with the thread as suffix.
		if thread == "" {
			thread = m.PeerID
		}
		peer = m.ParentPeerID
	}
	key := sessions.BuildKey(sessions.KeyParams{
		AgentID:       agent,
		Channel:       m.Channel,
		AccountID:     m.AccountID,
		ChatType:      m.PeerKind,
		PeerID:        peer,
		TopicID:       m.TopicID,
		ThreadID:      thread,
		DMScope:       dmScope,
		GroupScope:    groupScope,
		IdentityLinks: r.cfg.Session.IdentityLinks,
	})
	return Route{
		AgentID:        agent,
		SessionKey:     key,
		MainSessionKey: sessions.MainKey(agent),
		MatchedBy:      tier,
		ChatType:       m.PeerKind,
	}
}

// normalize checks a message and puts its ids in canonical form.
func normalize(msg Inbound) (Inbound, error) {
	msg.Channel = strings.ToLower(strings.TrimSpace(msg.Channel))
	if msg.Channel == "" {
		return msg, errors.New("inbound message: channel is empty")
	}
	kind := sessions.NormalizeChatType(msg.PeerKind)
	if kind == "" {
		if strings.TrimSpace(msg.PeerKind) != "" {
			return msg, fmt.Errorf("inbound message on %s: peer kind %q is not one of direct, group, channel", msg.Channel, msg.PeerKind)
		}
		kind = sessions.ChatDirect
	}
	msg.PeerKind = kind
	msg.AccountID = sessions.NormalizeAccountID(msg.AccountID)
	msg.PeerID = strings.TrimSpace(msg.PeerID)
	msg.ParentPeerID = strings.TrimSpace(msg.ParentPeerID)
	msg.SenderID = strings.TrimSpace(msg.SenderID)
	msg.GuildID = strings.TrimSpace(msg.GuildID)
	msg.TeamID = strings.TrimSpace(msg.TeamID)
	if kind == sessions.ChatDirect {
		if msg.SenderID == "" && msg.PeerID == "" {
			return msg, fmt.Errorf("inbound message on %s: direct message without a sender id", msg.Channel)
		}
		// In a DM the conversation is the other person.
		if msg.PeerID == "" {
			msg.PeerID = msg.SenderID
		}
		if msg.SenderID == "" {
			msg.SenderID = msg.PeerID
		}
	}
	if kind != sessions.ChatDirect && msg.PeerID == "" {
		return msg, fmt.Errorf("inbound message on %s: %s message without a peer id", msg.Channel, kind)
	}
	return msg, nil
}

// Route decides what happens to an inbound message: admission (dmPolicy,
// groupPolicy and allowlists, pairing), mention gating for groups, and the
// agent and session it goes to. The error is non-nil only when the message
// is malformed or the pairing store fails; the Decision then drops it.
func (r *Router) Route(ctx context.Context, msg Inbound) (Decision, error) {
	m, err := normalize(msg)
	if err != nil {
		return Decision{Action: ActionDrop, Reason: ReasonError, Detail: err.Error()}, err
	}
	route := r.resolve(&m)
	d := Decision{
		AgentID:        route.AgentID,
		SessionKey:     route.SessionKey,
		MainSessionKey: route.MainSessionKey,
		MatchedBy:      route.MatchedBy,
		ChatType:       route.ChatType,
	}
	cc, exists := r.channel(m.Channel, m.AccountID)

	if m.FromSelf {
		return d.drop(ReasonOwnMessage, ""), nil
	}
	if cc.Enabled != nil && !*cc.Enabled {
		return d.drop(ReasonChannelDisabled, "channels."+m.Channel+".enabled is false"), nil
	}
	if m.PeerKind == sessions.ChatDirect {
		return r.routeDM(ctx, &m, cc, d)
	}
	return r.routeGroup(&m, cc, exists, d), nil
}

func (d Decision) drop(reason Reason, detail string) Decision {
	d.Action, d.Reason, d.Detail = ActionDrop, reason, detail
	return d
}

func (d Decision) allow(reason Reason, detail string) Decision {
	d.Action, d.Reason, d.Detail = ActionAllow, reason, detail
	return d
}

func (r *Router) routeDM(ctx context.Context, m *Inbound, cc *ChannelConfig, d Decision) (Decision, error) {
	if m.SenderIsBot && !boolOr(cc.AllowBots, false) {
		return d.drop(ReasonBotSender, ""), nil
	}
	sender := m.SenderID
	d.HistoryLimit = dmHistoryLimit(cc, sender)

	if cc.DM != nil && cc.DM.Enabled != nil && !*cc.DM.Enabled {
		return d.drop(ReasonDMDisabled, "channels."+m.Channel+".dm.enabled is false"), nil
	}
	policy := cc.DMPolicy
	if policy == "" && cc.DM != nil {
		policy = cc.DM.Policy
	}
	if policy == "" {
		policy = DMPolicyPairing
	}
	allow := []string(cc.AllowFrom)
	if allow == nil && cc.DM != nil {
		allow = cc.DM.AllowFrom
	}
	names := cc.DangerouslyAllowNameMatching
	detail := "dmPolicy=" + policy + " sender=" + sender

	switch policy {
	case DMPolicyDisabled:
		return d.drop(ReasonDMDisabled, detail), nil
	case DMPolicyOpen:
		if contains(allow, "*") {
			return d.allow(ReasonDMOpen, detail), nil
		}
		// "open" without "*" is a config error caught by Validate; should
		// it get here anyway, admit only the listed senders.
	}
	if senderAllowed(allow, m.Channel, m, names) {
		return d.allow(ReasonDMAllowlisted, detail), nil
	}
	if policy != DMPolicyPairing {
		return d.drop(ReasonDMNotAllowlisted, detail), nil
	}
	if r.pairing == nil {
		return d.drop(ReasonDMNotAllowlisted, detail+" (no pairing store)"), nil
	}
	approved, err := r.pairing.AllowFrom(ctx, m.Channel, m.AccountID)
	if err != nil {
		err = fmt.Errorf("read approved senders of %s/%s: %w", m.Channel, m.AccountID, err)
		return d.drop(ReasonError, err.Error()), err
	}
	if senderAllowed(approved, m.Channel, m, false) {
		return d.allow(ReasonDMPaired, detail), nil
	}
	meta := map[string]string{}
	if m.SenderName != "" {
		meta["name"] = m.SenderName
	}
	if m.SenderUsername != "" {
		meta["username"] = m.SenderUsername
	}
	code, created, err := r.pairing.Request(ctx, m.Channel, m.AccountID, sender, meta)
	if err != nil {
		err = fmt.Errorf("create pairing request on %s/%s: %w", m.Channel, m.AccountID, err)
		return d.drop(ReasonError, err.Error()), err
	}
	switch {
	case code == "":
		return d.drop(ReasonPairingFull, detail), nil
	case !created:
		return d.drop(ReasonPairingPending, detail), nil
	}
	d.Action, d.Reason, d.Detail = ActionPairing, ReasonPairingCreated, detail
	d.PairingCode = code
	d.PairingReply = PairingReply(m.Channel, sender, code)
	return d, nil
}

func (r *Router) routeGroup(m *Inbound, cc *ChannelConfig, exists bool, d Decision) Decision {
	g := resolveGroups(cc, m)
	d.SystemPrompt = g.systemPrompt()
	d.Skills = g.skills()
	d.GroupHistoryLimit = r.groupHistoryLimit(cc)

	if m.SenderIsBot {
		allowBots, ok := g.allowBots()
		if !ok {
			allowBots = boolOr(cc.AllowBots, false)
		}
		if !allowBots {
			return d.drop(ReasonBotSender, "")
		}
	}

	policy := cc.GroupPolicy
	if policy == "" && exists {
		policy = r.cfg.Channels.Defaults.GroupPolicy
	}
	if policy == "" {
		// Also when the channel has no block at all: fail closed rather
		// than inherit channels.defaults.
		policy = GroupPolicyAllowlist
	}
	detail := "groupPolicy=" + policy + " " + m.PeerKind + "=" + m.PeerID
	if m.SenderID != "" {
		detail += " sender=" + m.SenderID
	}
	names := cc.DangerouslyAllowNameMatching

	if policy == GroupPolicyDisabled {
		return d.drop(ReasonGroupDisabled, detail)
	}
	if g.allowlist && !g.matched {
		return d.drop(ReasonGroupNotAllowlisted, detail)
	}
	if g.turnedOff() {
		return d.drop(ReasonGroupOff, detail)
	}
	if s := g.senders(); len(s) > 0 && !senderAllowed(s, m.Channel, m, names) {
		return d.drop(ReasonGroupSender, detail+" (per-group allowlist)")
	}
	if policy == GroupPolicyAllowlist {
		senders := []string(cc.GroupAllowFrom)
		// groupAllowFrom falls back to allowFrom for flat group maps
		// (Telegram, WhatsApp, Signal…); guild and channel trees (Discord,
		// Slack) have their own per-channel user lists.
		if senders == nil && !(m.GuildID != "" && len(cc.Guilds) > 0) && len(cc.Channels) == 0 {
			senders = cc.AllowFrom
		}
		if !g.allowlist && len(senders) == 0 && len(g.senders()) == 0 {
			return d.drop(ReasonGroupEmptyAllowlist, detail)
		}
		if len(senders) > 0 && !senderAllowed(senders, m.Channel, m, names) {
			return d.drop(ReasonGroupSender, detail+" (groupAllowFrom)")
		}
	}

	// Mention gating.
	require, set := g.requireMention()
	if !set {
		switch {
		case cc.RequireMention != nil:
			require = *cc.RequireMention
		case cc.ChatMode == "onmessage":
			require = false
		default:
			require = true
		}
	}
	patterns, ok := r.patterns[d.AgentID]
	if !ok {
		patterns = r.global
	}
	if !patternsApply(cc.MentionPatterns, m.PeerID, topicConversation(m)) {
		patterns = nil
	}
	onchar := cc.ChatMode == "onchar" && hasPrefix(m.Text, cc.OncharPrefixes)
	d.WasMentioned = m.Mentioned || m.ReplyToBot || m.Command != "" || onchar || anyMatch(patterns, m.Text)
	if !require {
		return d.allow(ReasonGroupAllowed, detail)
	}
	detectable := m.NativeMentions || len(patterns) > 0 || (cc.ChatMode == "onchar" && len(cc.OncharPrefixes) > 0)
	if !detectable && !d.WasMentioned {
		return d.allow(ReasonMentionUndetectable, detail)
	}
	if !d.WasMentioned {
		d.Action, d.Reason, d.Detail = ActionObserve, ReasonMentionRequired, detail
		return d
	}
	return d.allow(ReasonGroupAllowed, detail+" (mentioned)")
}

func topicConversation(m *Inbound) string {
	if m.TopicID == "" {
		return ""
	}
	return m.PeerID + ":topic:" + m.TopicID
}

func hasPrefix(text string, prefixes []string) bool {
	text = strings.TrimSpace(text)
	for _, p := range prefixes {
		if p != "" && strings.HasPrefix(text, p) {
			return true
		}
	}
	return false
}

func boolOr(b *bool, def bool) bool {
	if b == nil {
		return def
	}
	return *b
}

// dmHistoryLimit resolves channels.<c>.dms.<id>.historyLimit, then
// channels.<c>.dmHistoryLimit; 0 means no limit.
func dmHistoryLimit(cc *ChannelConfig, sender string) int {
	if o, ok := lookupFold(cc.DMs, sender); ok && o.HistoryLimit != nil {
		return *o.HistoryLimit
	}
	if cc.DMHistoryLimit != nil {
		return *cc.DMHistoryLimit
	}
	return 0
}

// DefaultGroupHistoryLimit is the pending group context window when nothing
// configures it.
const DefaultGroupHistoryLimit = 50

// groupHistoryLimit resolves channels.<c>(.accounts.<id>).historyLimit, then
// messages.groupChat.historyLimit, then 50.
func (r *Router) groupHistoryLimit(cc *ChannelConfig) int {
	if cc.HistoryLimit != nil {
		return *cc.HistoryLimit
	}
	if v := r.cfg.Messages.GroupChat.HistoryLimit; v != nil {
		return *v
	}
	return DefaultGroupHistoryLimit
}
