package routing

import (
	"encoding/json"
	"testing"
)

func mustRouter(t testing.TB, cfgJSON string, store PairingStore) *Router {
	t.Helper()
	var cfg Config
	if err := json.Unmarshal([]byte(cfgJSON), &cfg); err != nil {
		t.Fatalf("decode config: %v", err)
	}
	r, err := New(cfg, Options{Pairing: store})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r
}

func TestDefaultAgent(t *testing.T) {
	tests := []struct {
		cfg  string
		want string
	}{
		{`{}`, "main"},
		{`{"agents":{"list":[{"id":"home"},{"id":"work"}]}}`, "home"},
		{`{"agents":{"list":[{"id":"home"},{"id":"Work","default":true}]}}`, "work"},
		{`{"agents":{"list":[{"id":"a","default":true},{"id":"b","default":true}]}}`, "a"},
	}
	for _, tt := range tests {
		r := mustRouter(t, tt.cfg, nil)
		if got := r.DefaultAgent(); got != tt.want {
			t.Errorf("%s: DefaultAgent = %q, want %q", tt.cfg, got, tt.want)
		}
		got, err := r.Resolve(Inbound{Channel: "telegram", PeerKind: "dm", SenderID: "1"})
		if err != nil || got.AgentID != tt.want || got.MatchedBy != MatchedDefault {
			t.Errorf("%s: Resolve = %+v, %v", tt.cfg, got, err)
		}
	}
}

func TestBindingPrecedence(t *testing.T) {
	cfg := `{
	  "agents": {"list": [{"id":"main","default":true},{"id":"peer"},{"id":"parent"},{"id":"wild"},{"id":"roles"},{"id":"guild"},{"id":"team"},{"id":"acct"},{"id":"chan"},{"id":"first"},{"id":"second"},{"id":"both"},{"id":"acp"}]},
	  "bindings": [
	    {"agentId":"chan",   "match":{"channel":"discord","accountId":"*"}},
	    {"agentId":"acct",   "match":{"channel":"discord","accountId":"work"}},
	    {"agentId":"guild",  "match":{"channel":"discord","accountId":"*","guildId":"G1"}},
	    {"agentId":"roles",  "match":{"channel":"discord","accountId":"*","guildId":"G1","roles":["R1","R2"]}},
	    {"agentId":"peer",   "match":{"channel":"discord","accountId":"*","peer":{"kind":"channel","id":"C1"}}},
	    {"agentId":"parent", "match":{"channel":"discord","accountId":"*","peer":{"kind":"channel","id":"C2"}}},
	    {"agentId":"wild",   "match":{"channel":"discord","accountId":"*","peer":{"kind":"direct","id":"*"}}},
	    {"agentId":"team",   "match":{"channel":"slack","teamId":"T1"}},
	    {"agentId":"first",  "match":{"channel":"slack","peer":{"kind":"channel","id":"C9"}}},
	    {"agentId":"second", "match":{"channel":"slack","peer":{"kind":"channel","id":"C9"}}},
	    {"agentId":"both",   "match":{"channel":"telegram","peer":{"kind":"group","id":-100123},"accountId":"bot2"}},
	    {"agentId":"acp",    "type":"acp", "match":{"channel":"telegram","peer":{"kind":"group","id":"-1"}}}
	  ]
	}`
	r := mustRouter(t, cfg, nil)
	tests := []struct {
		name    string
		msg     Inbound
		agent   string
		matched string
	}{
		{"exact peer beats guild and account", Inbound{Channel: "discord", AccountID: "work", PeerKind: "channel", PeerID: "C1", GuildID: "G1", SenderRoles: []string{"R1"}}, "peer", MatchedPeer},
		{"thread inherits parent binding", Inbound{Channel: "discord", PeerKind: "channel", PeerID: "TH1", ParentPeerID: "C2", GuildID: "G1"}, "parent", MatchedParentPeer},
		{"peer wildcard for DMs", Inbound{Channel: "discord", PeerKind: "dm", SenderID: "U1"}, "wild", MatchedPeerAny},
		{"guild plus role", Inbound{Channel: "discord", PeerKind: "channel", PeerID: "C5", GuildID: "G1", SenderRoles: []string{"R9", "R2"}}, "roles", MatchedGuildRoles},
		{"guild without matching role", Inbound{Channel: "discord", PeerKind: "channel", PeerID: "C5", GuildID: "G1", SenderRoles: []string{"R9"}}, "guild", MatchedGuild},
		{"guild without roles", Inbound{Channel: "discord", PeerKind: "channel", PeerID: "C5", GuildID: "G1"}, "guild", MatchedGuild},
		{"exact account beats * though listed later", Inbound{Channel: "discord", AccountID: "Work", PeerKind: "channel", PeerID: "C5", GuildID: "G2"}, "acct", MatchedAccount},
		{"any account", Inbound{Channel: "discord", AccountID: "other", PeerKind: "channel", PeerID: "C5", GuildID: "G2"}, "chan", MatchedChannel},
		{"team", Inbound{Channel: "slack", PeerKind: "channel", PeerID: "C5", TeamID: "T1"}, "team", MatchedTeam},
		{"first binding in a tier wins", Inbound{Channel: "slack", PeerKind: "channel", PeerID: "C9"}, "first", MatchedPeer},
		{"omitted accountId means the default account only", Inbound{Channel: "slack", AccountID: "second", PeerKind: "channel", PeerID: "C9"}, "main", MatchedDefault},
		{"group binding matches a channel of that id; numeric id", Inbound{Channel: "telegram", AccountID: "bot2", PeerKind: "channel", PeerID: "-100123"}, "both", MatchedPeer},
		{"peer and account must both match", Inbound{Channel: "telegram", PeerKind: "group", PeerID: "-100123"}, "main", MatchedDefault},
		{"acp bindings are not routed", Inbound{Channel: "telegram", PeerKind: "group", PeerID: "-1"}, "main", MatchedDefault},
		{"unbound channel", Inbound{Channel: "whatsapp", PeerKind: "dm", SenderID: "+1"}, "main", MatchedDefault},
		{"channel name is case-insensitive", Inbound{Channel: "Discord", AccountID: "zzz", PeerKind: "channel", PeerID: "C5"}, "chan", MatchedChannel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.Resolve(tt.msg)
			if err != nil {
				t.Fatal(err)
			}
			if got.AgentID != tt.agent || got.MatchedBy != tt.matched {
				t.Errorf("Resolve = %s via %s, want %s via %s", got.AgentID, got.MatchedBy, tt.agent, tt.matched)
			}
		})
	}
}

func TestSessionKeysFromRoutes(t *testing.T) {
	cfg := `{
	  "agents": {"list": [{"id":"main"},{"id":"support"}]},
	  "session": {"dmScope": "per-channel-peer", "identityLinks": {"alice": ["telegram:111", "discord:222"]}},
	  "bindings": [
	    {"agentId":"support","match":{"channel":"slack","peer":{"kind":"channel","id":"C0123TEAM"}},"session":{"groupScope":"main"}},
	    {"agentId":"support","match":{"channel":"whatsapp","accountId":"*"},"session":{"dmScope":"per-account-channel-peer"}}
	  ]
	}`
	r := mustRouter(t, cfg, nil)
	tests := []struct {
		name string
		msg  Inbound
		key  string
	}{
		{"dm per channel peer", Inbound{Channel: "telegram", PeerKind: "dm", SenderID: "42"}, "agent:main:telegram:direct:42"},
		{"identity link", Inbound{Channel: "discord", PeerKind: "direct", SenderID: "222"}, "agent:main:discord:direct:alice"},
		{"binding dmScope override", Inbound{Channel: "whatsapp", AccountID: "biz", PeerKind: "dm", SenderID: "+4477"}, "agent:support:whatsapp:biz:direct:+4477"},
		{"telegram topic", Inbound{Channel: "telegram", PeerKind: "group", PeerID: "-1001234567890", TopicID: "42"}, "agent:main:telegram:group:-1001234567890:topic:42"},
		{"discord thread given with its parent", Inbound{Channel: "discord", PeerKind: "channel", PeerID: "987654", ParentPeerID: "123456"}, "agent:main:discord:channel:123456:thread:987654"},
		{"slack thread ts", Inbound{Channel: "slack", PeerKind: "channel", PeerID: "C1", ThreadID: "1700.1"}, "agent:main:slack:channel:c1:thread:1700.1"},
		{"binding groupScope main", Inbound{Channel: "slack", PeerKind: "channel", PeerID: "C0123TEAM"}, "agent:support:main"},
	}
	for _, tt := range tests {
		got, err := r.Resolve(tt.msg)
		if err != nil {
			t.Fatal(err)
		}
		if got.SessionKey != tt.key {
			t.Errorf("%s: key = %q, want %q", tt.name, got.SessionKey, tt.key)
		}
	}
}

func TestResolveRejectsBadMessages(t *testing.T) {
	r := mustRouter(t, `{}`, nil)
	for _, m := range []Inbound{
		{PeerKind: "dm", SenderID: "1"},
		{Channel: "telegram", PeerKind: "room", PeerID: "1"},
		{Channel: "telegram", PeerKind: "group"},
		{Channel: "telegram", PeerKind: "dm"},
	} {
		if _, err := r.Resolve(m); err == nil {
			t.Errorf("Resolve(%+v) succeeded", m)
		}
	}
}
