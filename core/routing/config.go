package routing

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/openclaw-go/openclaw/core/sessions"
)

// Config mirrors the parts of openclaw.json routing reads. Decode the whole
// root object into it; other keys are ignored.
type Config struct {
	Agents   AgentsConfig    `json:"agents"`
	Bindings []Binding       `json:"bindings,omitempty"`
	Channels ChannelsConfig  `json:"channels"`
	Messages MessagesConfig  `json:"messages"`
	Session  sessions.Config `json:"session"`
}

// AgentsConfig is agents.*; only the roster matters here.
type AgentsConfig struct {
	List []AgentConfig `json:"list,omitempty"`
}

// AgentConfig is one agents.list[] entry.
type AgentConfig struct {
	ID        string          `json:"id"`
	Default   bool            `json:"default,omitempty"`
	Name      string          `json:"name,omitempty"`
	Identity  *Identity       `json:"identity,omitempty"`
	GroupChat GroupChatConfig `json:"groupChat,omitempty"`
}

// Identity is an agent's name and emoji; mention patterns derive from them
// when none are configured.
type Identity struct {
	Name   string `json:"name,omitempty"`
	Emoji  string `json:"emoji,omitempty"`
	Theme  string `json:"theme,omitempty"`
	Avatar string `json:"avatar,omitempty"`
}

// GroupChatConfig is agents.list[].groupChat and messages.groupChat.
type GroupChatConfig struct {
	// MentionPatterns are case-insensitive regexes that count as a mention.
	// nil means unset; an empty list explicitly turns patterns off (and
	// stops identity-derived ones).
	MentionPatterns []string `json:"mentionPatterns,omitempty"`
	// HistoryLimit is how many pending group messages ride along as context
	// (messages.groupChat.historyLimit); 50 when unset, 0 disables.
	HistoryLimit *int `json:"historyLimit,omitempty"`
}

// MessagesConfig is messages.*; only groupChat matters here.
type MessagesConfig struct {
	GroupChat GroupChatConfig `json:"groupChat,omitempty"`
}

// Binding routes matching inbound messages to an agent (bindings[]).
type Binding struct {
	AgentID string          `json:"agentId"`
	Comment string          `json:"comment,omitempty"`
	Type    string          `json:"type,omitempty"`
	Match   BindingMatch    `json:"match"`
	Session *BindingSession `json:"session,omitempty"`
}

// BindingMatch is bindings[].match. Every field given must match.
type BindingMatch struct {
	Channel string `json:"channel"`
	// AccountID is one account, "*" for every account of the channel, or
	// empty for the default account only.
	AccountID string     `json:"accountId,omitempty"`
	Peer      *PeerMatch `json:"peer,omitempty"`
	GuildID   ID         `json:"guildId,omitempty"`
	TeamID    ID         `json:"teamId,omitempty"`
	// Roles are Discord role ids; any one of them matches.
	Roles StringList `json:"roles,omitempty"`
}

// PeerMatch is bindings[].match.peer; ID "*" matches every peer of Kind.
type PeerMatch struct {
	Kind string `json:"kind"`
	ID   ID     `json:"id"`
}

// BindingSession overrides session scoping for matched conversations.
type BindingSession struct {
	DMScope    string `json:"dmScope,omitempty"`
	GroupScope string `json:"groupScope,omitempty"`
}

// ChannelsConfig is channels.*: channels.defaults plus one block per channel.
type ChannelsConfig struct {
	Defaults ChannelDefaults
	// ByName holds each channel's block, keyed by lower-case channel id.
	ByName map[string]*ChannelConfig
}

// ChannelDefaults is channels.defaults.
type ChannelDefaults struct {
	GroupPolicy string `json:"groupPolicy,omitempty"`
}

// UnmarshalJSON splits channels.defaults from the channel blocks.
func (c *ChannelsConfig) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("channels: %w", err)
	}
	*c = ChannelsConfig{ByName: make(map[string]*ChannelConfig, len(raw))}
	for name, v := range raw {
		if name == "defaults" {
			if err := json.Unmarshal(v, &c.Defaults); err != nil {
				return fmt.Errorf("channels.defaults: %w", err)
			}
			continue
		}
		if bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			continue
		}
		var cc ChannelConfig
		if err := json.Unmarshal(v, &cc); err != nil {
			return fmt.Errorf("channels.%s: %w", name, err)
		}
		c.ByName[strings.ToLower(name)] = &cc
	}
	return nil
}

// MarshalJSON writes the object UnmarshalJSON reads.
func (c ChannelsConfig) MarshalJSON() ([]byte, error) {
	out := make(map[string]any, len(c.ByName)+1)
	for k, v := range c.ByName {
		out[k] = v
	}
	if c.Defaults != (ChannelDefaults{}) {
		out["defaults"] = c.Defaults
	}
	return json.Marshal(out)
}

// ChannelConfig is the channel-neutral view of a channels.<channel> block
// (and of channels.<channel>.accounts.<id>, which has the same shape). Each
// platform's group structure decodes into the same GroupConfig tree:
// Telegram/WhatsApp/iMessage/Google Chat "groups" (with Telegram "topics"),
// Discord "guilds" (with their "channels"), Slack "channels".
type ChannelConfig struct {
	Enabled *bool `json:"enabled,omitempty"`

	DMPolicy  string     `json:"dmPolicy,omitempty"`
	AllowFrom StringList `json:"allowFrom,omitempty"`
	// DM is the legacy dm.* block (Discord, Slack, Google Chat).
	DM *DMConfig `json:"dm,omitempty"`

	GroupPolicy    string                 `json:"groupPolicy,omitempty"`
	GroupAllowFrom StringList             `json:"groupAllowFrom,omitempty"`
	Groups         map[string]GroupConfig `json:"groups,omitempty"`
	Guilds         map[string]GroupConfig `json:"guilds,omitempty"`
	Channels       map[string]GroupConfig `json:"channels,omitempty"`

	// RequireMention is a channel-wide default under the group tree's.
	RequireMention *bool `json:"requireMention,omitempty"`
	// ChatMode is Mattermost's oncall (mention), onmessage (every message)
	// or onchar (a prefix in OncharPrefixes).
	ChatMode       string   `json:"chatmode,omitempty"`
	OncharPrefixes []string `json:"oncharPrefixes,omitempty"`
	// AllowBots lets messages from other bots through (own messages never).
	AllowBots       *bool                 `json:"allowBots,omitempty"`
	MentionPatterns *MentionPatternPolicy `json:"mentionPatterns,omitempty"`

	HistoryLimit   *int                  `json:"historyLimit,omitempty"`
	DMHistoryLimit *int                  `json:"dmHistoryLimit,omitempty"`
	DMs            map[string]DMOverride `json:"dms,omitempty"`

	// DangerouslyAllowNameMatching lets allowlist entries match usernames
	// and display names, which senders can change; ids only otherwise.
	DangerouslyAllowNameMatching bool `json:"dangerouslyAllowNameMatching,omitempty"`

	DefaultAccount string                     `json:"defaultAccount,omitempty"`
	Accounts       map[string]json.RawMessage `json:"accounts,omitempty"`

	raw map[string]json.RawMessage
}

// UnmarshalJSON decodes the block and keeps its raw keys for account merging.
func (c *ChannelConfig) UnmarshalJSON(data []byte) error {
	type plain ChannelConfig
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*c = ChannelConfig(p)
	c.raw = raw
	return nil
}

// ForAccount returns the block an account sees: the channel's keys with the
// account's keys replacing them one top-level key at a time, as OpenClaw
// merges channels.<c>.accounts.<id>. Unknown accounts see the channel block.
func (c *ChannelConfig) ForAccount(accountID string) (*ChannelConfig, error) {
	acct, ok := lookupFold(c.Accounts, sessions.NormalizeAccountID(accountID))
	if !ok {
		return c, nil
	}
	merged := make(map[string]json.RawMessage, len(c.raw))
	for k, v := range c.raw {
		if k != "accounts" {
			merged[k] = v
		}
	}
	var over map[string]json.RawMessage
	if err := json.Unmarshal(acct, &over); err != nil {
		return nil, fmt.Errorf("accounts.%s: %w", accountID, err)
	}
	for k, v := range over {
		if k != "accounts" {
			merged[k] = v
		}
	}
	data, err := json.Marshal(merged)
	if err != nil {
		return nil, err
	}
	var out ChannelConfig
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("accounts.%s: %w", accountID, err)
	}
	return &out, nil
}

// DMConfig is the legacy channels.<c>.dm block.
type DMConfig struct {
	Enabled       *bool      `json:"enabled,omitempty"`
	Policy        string     `json:"policy,omitempty"`
	AllowFrom     StringList `json:"allowFrom,omitempty"`
	GroupEnabled  *bool      `json:"groupEnabled,omitempty"`
	GroupChannels StringList `json:"groupChannels,omitempty"`
}

// DMOverride is channels.<c>.dms.<userId>.
type DMOverride struct {
	HistoryLimit *int `json:"historyLimit,omitempty"`
}

// GroupConfig is one node of a channel's group tree: a group, a guild, a
// channel inside a guild, or a forum topic. The key "*" holds defaults for
// its siblings; when a map has keys, it is also an allowlist.
type GroupConfig struct {
	// Enabled (or the older Allow) false turns the node off.
	Enabled        *bool      `json:"enabled,omitempty"`
	Allow          *bool      `json:"allow,omitempty"`
	RequireMention *bool      `json:"requireMention,omitempty"`
	AllowFrom      StringList `json:"allowFrom,omitempty"`
	// Users is the Discord/Slack spelling of AllowFrom.
	Users        StringList             `json:"users,omitempty"`
	AllowBots    *bool                  `json:"allowBots,omitempty"`
	Slug         string                 `json:"slug,omitempty"`
	SystemPrompt string                 `json:"systemPrompt,omitempty"`
	Skills       []string               `json:"skills,omitempty"`
	Topics       map[string]GroupConfig `json:"topics,omitempty"`
	Channels     map[string]GroupConfig `json:"channels,omitempty"`
}

// MentionPatternPolicy is channels.<c>.mentionPatterns: where regex mention
// patterns apply. Native platform mentions are not affected.
type MentionPatternPolicy struct {
	// Mode is allow (default: patterns apply except in DenyIn) or deny
	// (patterns apply only in AllowIn).
	Mode    string     `json:"mode,omitempty"`
	AllowIn StringList `json:"allowIn,omitempty"`
	DenyIn  StringList `json:"denyIn,omitempty"`
}

// ID is an identifier written as a JSON string or number (Telegram chat
// ids are often written bare).
type ID string

// UnmarshalJSON accepts a string or a number.
func (id *ID) UnmarshalJSON(data []byte) error {
	s, err := scalarString(data)
	if err != nil {
		return err
	}
	*id = ID(s)
	return nil
}

// StringList is a list of ids written as strings or numbers.
type StringList []string

// UnmarshalJSON accepts an array of strings and numbers.
func (l *StringList) UnmarshalJSON(data []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	out := make(StringList, 0, len(raw))
	for i, r := range raw {
		s, err := scalarString(r)
		if err != nil {
			return fmt.Errorf("item %d: %w", i, err)
		}
		out = append(out, s)
	}
	*l = out
	return nil
}

func scalarString(data []byte) (string, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || bytes.Equal(data, []byte("null")) {
		return "", nil
	}
	if data[0] == '"' {
		var s string
		err := json.Unmarshal(data, &s)
		return s, err
	}
	var n json.Number
	if err := json.Unmarshal(data, &n); err != nil {
		return "", fmt.Errorf("want a string or a number, got %s", data)
	}
	return n.String(), nil
}

// Policy values.
const (
	DMPolicyPairing   = "pairing"
	DMPolicyAllowlist = "allowlist"
	DMPolicyOpen      = "open"
	DMPolicyDisabled  = "disabled"

	GroupPolicyOpen      = "open"
	GroupPolicyAllowlist = "allowlist"
	GroupPolicyDisabled  = "disabled"
)

// Validate reports every problem in the config that routing depends on,
// each naming the offending key.
func (c Config) Validate() error {
	var errs []error
	if err := c.Session.Validate(); err != nil {
		errs = append(errs, err)
	}

	agents := make(map[string]bool)
	for i, a := range c.Agents.List {
		path := fmt.Sprintf("agents.list[%d]", i)
		if strings.TrimSpace(a.ID) == "" {
			errs = append(errs, fmt.Errorf("%s.id: missing", path))
			continue
		}
		id := sessions.NormalizeAgentID(a.ID)
		if agents[id] {
			errs = append(errs, fmt.Errorf("%s.id: %q is listed twice", path, a.ID))
		}
		agents[id] = true
	}

	for i, b := range c.Bindings {
		path := fmt.Sprintf("bindings[%d]", i)
		if strings.TrimSpace(b.AgentID) == "" {
			errs = append(errs, fmt.Errorf("%s.agentId: missing", path))
		} else if len(agents) > 0 && !agents[sessions.NormalizeAgentID(b.AgentID)] {
			errs = append(errs, fmt.Errorf("%s.agentId: %q is not in agents.list", path, b.AgentID))
		}
		if strings.TrimSpace(b.Match.Channel) == "" {
			errs = append(errs, fmt.Errorf("%s.match.channel: missing", path))
		}
		if p := b.Match.Peer; p != nil {
			if sessions.NormalizeChatType(p.Kind) == "" {
				errs = append(errs, fmt.Errorf("%s.match.peer.kind: %q is not one of direct, group, channel", path, p.Kind))
			}
			if strings.TrimSpace(string(p.ID)) == "" {
				errs = append(errs, fmt.Errorf("%s.match.peer.id: missing", path))
			}
		}
		if s := b.Session; s != nil {
			scoped := sessions.Config{DMScope: s.DMScope, GroupScope: s.GroupScope}
			if err := scoped.Validate(); err != nil {
				errs = append(errs, fmt.Errorf("%s.%w", path, err))
			}
		}
	}

	if p := c.Channels.Defaults.GroupPolicy; !validGroupPolicy(p) {
		errs = append(errs, fmt.Errorf("channels.defaults.groupPolicy: %q is not one of open, allowlist, disabled", p))
	}
	names := make([]string, 0, len(c.Channels.ByName))
	for name := range c.Channels.ByName {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		cc := c.Channels.ByName[name]
		errs = append(errs, validateChannel("channels."+name, cc)...)
		accounts := make([]string, 0, len(cc.Accounts))
		for id := range cc.Accounts {
			accounts = append(accounts, id)
		}
		sort.Strings(accounts)
		for _, id := range accounts {
			acct, err := cc.ForAccount(id)
			path := "channels." + name + ".accounts." + id
			if err != nil {
				errs = append(errs, fmt.Errorf("channels.%s.%w", name, err))
				continue
			}
			errs = append(errs, validateChannel(path, acct)...)
		}
	}
	return errors.Join(errs...)
}

func validGroupPolicy(p string) bool {
	switch p {
	case "", GroupPolicyOpen, GroupPolicyAllowlist, GroupPolicyDisabled:
		return true
	}
	return false
}

func validateChannel(path string, c *ChannelConfig) []error {
	var errs []error
	policyKey, policy := path+".dmPolicy", c.DMPolicy
	if policy == "" && c.DM != nil && c.DM.Policy != "" {
		policyKey, policy = path+".dm.policy", c.DM.Policy
	}
	switch policy {
	case "", DMPolicyPairing, DMPolicyAllowlist, DMPolicyDisabled:
	case DMPolicyOpen:
		allowKey, allow := path+".allowFrom", []string(c.AllowFrom)
		if allow == nil && c.DM != nil && c.DM.AllowFrom != nil {
			allowKey, allow = path+".dm.allowFrom", c.DM.AllowFrom
		}
		if !contains(allow, "*") {
			errs = append(errs, fmt.Errorf(`%s: "open" requires %s to include "*"`, policyKey, allowKey))
		}
	default:
		errs = append(errs, fmt.Errorf("%s: %q is not one of pairing, allowlist, open, disabled", policyKey, policy))
	}
	if !validGroupPolicy(c.GroupPolicy) {
		errs = append(errs, fmt.Errorf("%s.groupPolicy: %q is not one of open, allowlist, disabled", path, c.GroupPolicy))
	}
	switch c.ChatMode {
	case "", "oncall", "onmessage", "onchar":
	default:
		errs = append(errs, fmt.Errorf("%s.chatmode: %q is not one of oncall, onmessage, onchar", path, c.ChatMode))
	}
	if c.ChatMode == "onchar" && len(c.OncharPrefixes) == 0 {
		errs = append(errs, fmt.Errorf("%s.oncharPrefixes: chatmode onchar needs at least one prefix", path))
	}
	if p := c.MentionPatterns; p != nil {
		switch p.Mode {
		case "", "allow", "deny":
		default:
			errs = append(errs, fmt.Errorf("%s.mentionPatterns.mode: %q is not one of allow, deny", path, p.Mode))
		}
	}
	errs = append(errs, checkLimit(path+".historyLimit", c.HistoryLimit)...)
	errs = append(errs, checkLimit(path+".dmHistoryLimit", c.DMHistoryLimit)...)
	for _, id := range sortedKeys(c.DMs) {
		errs = append(errs, checkLimit(path+".dms."+id+".historyLimit", c.DMs[id].HistoryLimit)...)
	}
	return errs
}

func checkLimit(path string, v *int) []error {
	if v != nil && *v < 0 {
		return []error{fmt.Errorf("%s: %d is negative", path, *v)}
	}
	return nil
}

func contains(list []string, want string) bool {
	for _, v := range list {
		if strings.TrimSpace(v) == want {
			return true
		}
	}
	return false
}

// lookupFold finds key in m, exactly or case-insensitively.
func lookupFold[V any](m map[string]V, key string) (V, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	var zero V
	return zero, false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func itoa(n int) string { return strconv.Itoa(n) }
