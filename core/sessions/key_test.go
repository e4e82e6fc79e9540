package sessions

import "testing"

func TestBuildKey(t *testing.T) {
	links := map[string][]string{
		"alice": {"telegram:123456789", "discord:987654321012345678"},
	}
	tests := []struct {
		name string
		p    KeyParams
		want string
	}{
		{"dm main scope", KeyParams{AgentID: "main", Channel: "telegram", ChatType: "direct", PeerID: "12345"}, "agent:main:main"},
		{"dm explicit main scope", KeyParams{AgentID: "main", Channel: "telegram", ChatType: "direct", PeerID: "12345", DMScope: "main"}, "agent:main:main"},
		{"dm legacy kind", KeyParams{AgentID: "main", Channel: "telegram", ChatType: "dm", PeerID: "12345", DMScope: "per-channel-peer"}, "agent:main:telegram:direct:12345"},
		{"dm per-peer", KeyParams{AgentID: "main", Channel: "telegram", ChatType: "direct", PeerID: "12345", DMScope: "per-peer"}, "agent:main:direct:12345"},
		{"dm per-channel-peer", KeyParams{AgentID: "main", Channel: "discord", ChatType: "direct", PeerID: "42", DMScope: "per-channel-peer"}, "agent:main:discord:direct:42"},
		{"dm per-account-channel-peer", KeyParams{AgentID: "main", Channel: "telegram", AccountID: "Work", ChatType: "direct", PeerID: "12345", DMScope: "per-account-channel-peer"}, "agent:main:telegram:work:direct:12345"},
		{"dm per-account default account", KeyParams{AgentID: "main", Channel: "telegram", ChatType: "direct", PeerID: "12345", DMScope: "per-account-channel-peer"}, "agent:main:telegram:default:direct:12345"},
		{"dm without peer falls back to main", KeyParams{AgentID: "ops", Channel: "slack", ChatType: "direct", DMScope: "per-peer"}, "agent:ops:main"},
		{"dm identity link by channel-prefixed id", KeyParams{AgentID: "main", Channel: "telegram", ChatType: "direct", PeerID: "123456789", DMScope: "per-peer", IdentityLinks: links}, "agent:main:direct:alice"},
		{"dm identity link across channels", KeyParams{AgentID: "main", Channel: "discord", ChatType: "direct", PeerID: "987654321012345678", DMScope: "per-channel-peer", IdentityLinks: links}, "agent:main:discord:direct:alice"},
		{"dm identity link ignored under main", KeyParams{AgentID: "main", Channel: "telegram", ChatType: "direct", PeerID: "123456789", IdentityLinks: links}, "agent:main:main"},
		{"dm unlinked peer", KeyParams{AgentID: "main", Channel: "telegram", ChatType: "direct", PeerID: "555", DMScope: "per-peer", IdentityLinks: links}, "agent:main:direct:555"},
		{"group", KeyParams{AgentID: "main", Channel: "telegram", ChatType: "group", PeerID: "-1001234567890"}, "agent:main:telegram:group:-1001234567890"},
		{"supergroup is a group", KeyParams{AgentID: "main", Channel: "telegram", ChatType: "supergroup", PeerID: "-100"}, "agent:main:telegram:group:-100"},
		{"telegram forum topic", KeyParams{AgentID: "main", Channel: "telegram", ChatType: "group", PeerID: "-1001234567890", TopicID: "42"}, "agent:main:telegram:group:-1001234567890:topic:42"},
		{"channel", KeyParams{AgentID: "main", Channel: "slack", ChatType: "channel", PeerID: "C0123TEAM"}, "agent:main:slack:channel:c0123team"},
		{"discord thread", KeyParams{AgentID: "main", Channel: "discord", ChatType: "channel", PeerID: "123456", ThreadID: "987654"}, "agent:main:discord:channel:123456:thread:987654"},
		{"slack thread ts", KeyParams{AgentID: "main", Channel: "slack", ChatType: "channel", PeerID: "C1", ThreadID: "1700000000.000100"}, "agent:main:slack:channel:c1:thread:1700000000.000100"},
		{"dm thread on main", KeyParams{AgentID: "main", Channel: "slack", ChatType: "direct", PeerID: "U1", ThreadID: "171.5"}, "agent:main:main:thread:171.5"},
		{"group scope main", KeyParams{AgentID: "main", Channel: "slack", ChatType: "channel", PeerID: "C0123TEAM", GroupScope: "main"}, "agent:main:main"},
		{"group without id", KeyParams{AgentID: "main", Channel: "whatsapp", ChatType: "group"}, "agent:main:whatsapp:group:unknown"},
		{"agent id normalised", KeyParams{AgentID: "My Agent!", Channel: "Telegram", ChatType: "group", PeerID: "G1"}, "agent:my-agent:telegram:group:g1"},
		{"empty agent is main", KeyParams{Channel: "telegram", ChatType: "group", PeerID: "g"}, "agent:main:telegram:group:g"},
		{"unknown channel", KeyParams{AgentID: "main", ChatType: "group", PeerID: "g"}, "agent:main:unknown:group:g"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := BuildKey(tt.p); got != tt.want {
				t.Errorf("BuildKey() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNormalizeIDs(t *testing.T) {
	tests := []struct{ in, agent, account string }{
		{"", "main", "default"},
		{"  Work ", "work", "work"},
		{"_prod", "_prod", "_prod"},
		{"--a b--", "a-b", "a-b"},
		{"a/../b", "a-b", "a-b"},
		{"!!!", "main", "default"},
		{"x" + string(make([]byte, 0)) + "0123456789012345678901234567890123456789012345678901234567890123456789", "x012345678901234567890123456789012345678901234567890123456789012", "x012345678901234567890123456789012345678901234567890123456789012"},
	}
	for _, tt := range tests {
		if got := NormalizeAgentID(tt.in); got != tt.agent {
			t.Errorf("NormalizeAgentID(%q) = %q, want %q", tt.in, got, tt.agent)
		}
		if got := NormalizeAccountID(tt.in); got != tt.account {
			t.Errorf("NormalizeAccountID(%q) = %q, want %q", tt.in, got, tt.account)
		}
	}
}

func TestParseAndClassifyKey(t *testing.T) {
	tests := []struct {
		key      string
		ok       bool
		agent    string
		rest     string
		chatType string
		channel  string
	}{
		{"agent:main:main", true, "main", "main", "direct", ""},
		{"agent:main:direct:alice", true, "main", "direct:alice", "direct", ""},
		{"agent:main:telegram:direct:1", true, "main", "telegram:direct:1", "direct", "telegram"},
		{"agent:work:telegram:default:direct:1", true, "work", "telegram:default:direct:1", "direct", "telegram"},
		{"agent:main:telegram:group:-100:topic:42", true, "main", "telegram:group:-100:topic:42", "thread", "telegram"},
		{"agent:main:discord:channel:1:thread:2", true, "main", "discord:channel:1:thread:2", "thread", "discord"},
		{"agent:main:slack:channel:c1", true, "main", "slack:channel:c1", "group", "slack"},
		{"AGENT:Main:main", true, "main", "main", "direct", ""},
		{"cron:job1", false, "", "", "direct", ""},
		{"agent:main", false, "", "", "direct", ""},
		{"agent::main", false, "", "", "direct", ""},
		{"", false, "", "", "direct", ""},
	}
	for _, tt := range tests {
		p, ok := ParseKey(tt.key)
		if ok != tt.ok || p.AgentID != tt.agent || p.Rest != tt.rest {
			t.Errorf("ParseKey(%q) = %+v, %v; want agent %q rest %q ok %v", tt.key, p, ok, tt.agent, tt.rest, tt.ok)
		}
		if got := KeyChatType(tt.key); got != tt.chatType {
			t.Errorf("KeyChatType(%q) = %q, want %q", tt.key, got, tt.chatType)
		}
		if got := KeyChannel(tt.key); got != tt.channel {
			t.Errorf("KeyChannel(%q) = %q, want %q", tt.key, got, tt.channel)
		}
	}
}
