package routing

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/core/routing/pairing"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newPairing(t *testing.T) (*pairing.Store, *clock) {
	c := &clock{now: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
	s, err := pairing.New(t.TempDir(), pairing.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func dm(channel, sender string) Inbound {
	return Inbound{Channel: channel, PeerKind: "direct", SenderID: sender}
}

func TestPairingFlow(t *testing.T) {
	ctx := context.Background()
	store, clk := newPairing(t)
	r := mustRouter(t, `{"channels":{"telegram":{"dmPolicy":"pairing"}}}`, store)

	d, err := r.Route(ctx, Inbound{Channel: "telegram", PeerKind: "dm", SenderID: "111", SenderName: "Ann"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Action != ActionPairing || len(d.PairingCode) != 8 || d.Reason != ReasonPairingCreated {
		t.Fatalf("first DM: %s", d)
	}
	for _, want := range []string{"111", d.PairingCode, "openclaw pairing approve telegram " + d.PairingCode} {
		if !strings.Contains(d.PairingReply, want) {
			t.Errorf("pairing reply %q lacks %q", d.PairingReply, want)
		}
	}
	code := d.PairingCode

	// The code is sent once; later messages are ignored while pending.
	if d, _ := r.Route(ctx, dm("telegram", "111")); d.Action != ActionDrop || d.Reason != ReasonPairingPending {
		t.Fatalf("second DM: %s", d)
	}
	// At most three pending requests per channel account.
	for _, s := range []string{"222", "333"} {
		if d, _ := r.Route(ctx, dm("telegram", s)); d.Action != ActionPairing {
			t.Fatalf("sender %s: %s", s, d)
		}
	}
	if d, _ := r.Route(ctx, dm("telegram", "444")); d.Action != ActionDrop || d.Reason != ReasonPairingFull {
		t.Fatalf("fourth sender: %s", d)
	}

	// The owner approves (as the CLI would, through its own Store value).
	cli, _ := pairing.New(strings.TrimSuffix(store.Dir(), "/credentials"), pairing.Options{Now: clk.Now})
	if _, err := cli.Approve(ctx, "telegram", strings.ToLower(code), ""); err != nil {
		t.Fatal(err)
	}
	d, _ = r.Route(ctx, Inbound{Channel: "telegram", PeerKind: "dm", SenderID: "111", Text: "hi"})
	if d.Action != ActionAllow || d.Reason != ReasonDMPaired || d.SessionKey != "agent:main:main" {
		t.Fatalf("after approval: %s", d)
	}

	// Approval frees a slot; an hour later the rest expire and new
	// senders get codes again.
	if d, _ := r.Route(ctx, dm("telegram", "444")); d.Action != ActionPairing {
		t.Fatalf("after a slot freed: %s", d)
	}
	clk.Advance(61 * time.Minute)
	if d, _ := r.Route(ctx, dm("telegram", "555")); d.Action != ActionPairing {
		t.Fatalf("after expiry: %s", d)
	}
	// Approvals are per account.
	if d, _ := r.Route(ctx, Inbound{Channel: "telegram", AccountID: "other", PeerKind: "dm", SenderID: "111"}); d.Action != ActionPairing {
		t.Fatalf("other account: %s", d)
	}
}

type failingPairing struct{}

func (failingPairing) AllowFrom(context.Context, string, string) ([]string, error) {
	return nil, errors.New("disk on fire")
}
func (failingPairing) Request(context.Context, string, string, string, map[string]string) (string, bool, error) {
	return "", false, errors.New("disk on fire")
}

func TestPairingStoreFailureDrops(t *testing.T) {
	r := mustRouter(t, `{}`, failingPairing{})
	d, err := r.Route(context.Background(), dm("telegram", "1"))
	if err == nil || d.Action != ActionDrop || d.Reason != ReasonError || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("Route = %s, %v", d, err)
	}
}

func TestDMPolicies(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		cfg    string
		msg    Inbound
		action Action
		reason Reason
	}{
		{"allowlist admits a listed id", `{"channels":{"telegram":{"dmPolicy":"allowlist","allowFrom":["tg:123"]}}}`, dm("telegram", "123"), ActionAllow, ReasonDMAllowlisted},
		{"allowlist numeric entries", `{"channels":{"telegram":{"dmPolicy":"allowlist","allowFrom":[123]}}}`, dm("telegram", "123"), ActionAllow, ReasonDMAllowlisted},
		{"allowlist channel prefix", `{"channels":{"discord":{"dmPolicy":"allowlist","allowFrom":["discord:55"]}}}`, dm("discord", "55"), ActionAllow, ReasonDMAllowlisted},
		{"allowlist drops others", `{"channels":{"telegram":{"dmPolicy":"allowlist","allowFrom":["123"]}}}`, dm("telegram", "999"), ActionDrop, ReasonDMNotAllowlisted},
		{"allowlist does not match usernames", `{"channels":{"telegram":{"dmPolicy":"allowlist","allowFrom":["@alice"]}}}`, Inbound{Channel: "telegram", PeerKind: "dm", SenderID: "9", SenderUsername: "alice"}, ActionDrop, ReasonDMNotAllowlisted},
		{"usernames with dangerouslyAllowNameMatching", `{"channels":{"telegram":{"dmPolicy":"allowlist","allowFrom":["@alice"],"dangerouslyAllowNameMatching":true}}}`, Inbound{Channel: "telegram", PeerKind: "dm", SenderID: "9", SenderUsername: "Alice"}, ActionAllow, ReasonDMAllowlisted},
		{"allowlist star", `{"channels":{"telegram":{"dmPolicy":"allowlist","allowFrom":["*"]}}}`, dm("telegram", "1"), ActionAllow, ReasonDMAllowlisted},
		{"open with star", `{"channels":{"slack":{"dmPolicy":"open","allowFrom":["*"]}}}`, dm("slack", "U1"), ActionAllow, ReasonDMOpen},
		{"disabled", `{"channels":{"slack":{"dmPolicy":"disabled","allowFrom":["U1"]}}}`, dm("slack", "U1"), ActionDrop, ReasonDMDisabled},
		{"pairing admits config allowFrom", `{"channels":{"telegram":{"allowFrom":["7"]}}}`, dm("telegram", "7"), ActionAllow, ReasonDMAllowlisted},
		{"legacy dm block", `{"channels":{"discord":{"dm":{"policy":"allowlist","allowFrom":["42"]}}}}`, dm("discord", "43"), ActionDrop, ReasonDMNotAllowlisted},
		{"legacy dm.enabled false", `{"channels":{"discord":{"dm":{"enabled":false}}}}`, dm("discord", "1"), ActionDrop, ReasonDMDisabled},
		{"account override", `{"channels":{"telegram":{"dmPolicy":"disabled","accounts":{"Work":{"dmPolicy":"open","allowFrom":["*"]}}}}}`, Inbound{Channel: "telegram", AccountID: "work", PeerKind: "dm", SenderID: "1"}, ActionAllow, ReasonDMOpen},
		{"account override leaves other accounts alone", `{"channels":{"telegram":{"dmPolicy":"disabled","accounts":{"work":{"dmPolicy":"open","allowFrom":["*"]}}}}}`, Inbound{Channel: "telegram", AccountID: "home", PeerKind: "dm", SenderID: "1"}, ActionDrop, ReasonDMDisabled},
		{"own message", `{"channels":{"telegram":{"dmPolicy":"open","allowFrom":["*"]}}}`, Inbound{Channel: "telegram", PeerKind: "dm", SenderID: "1", FromSelf: true}, ActionDrop, ReasonOwnMessage},
		{"bot sender", `{"channels":{"telegram":{"dmPolicy":"open","allowFrom":["*"]}}}`, Inbound{Channel: "telegram", PeerKind: "dm", SenderID: "1", SenderIsBot: true}, ActionDrop, ReasonBotSender},
		{"bot sender with allowBots", `{"channels":{"telegram":{"dmPolicy":"open","allowFrom":["*"],"allowBots":true}}}`, Inbound{Channel: "telegram", PeerKind: "dm", SenderID: "1", SenderIsBot: true}, ActionAllow, ReasonDMOpen},
		{"channel disabled", `{"channels":{"telegram":{"enabled":false,"dmPolicy":"open","allowFrom":["*"]}}}`, dm("telegram", "1"), ActionDrop, ReasonChannelDisabled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, _ := newPairing(t)
			r := mustRouter(t, tt.cfg, store)
			d, err := r.Route(ctx, tt.msg)
			if err != nil {
				t.Fatal(err)
			}
			if d.Action != tt.action || d.Reason != tt.reason {
				t.Errorf("Route = %s, want %s: %s", d, tt.action, tt.reason)
			}
		})
	}
}

func TestAllowlistIgnoresPairingApprovals(t *testing.T) {
	ctx := context.Background()
	store, _ := newPairing(t)
	code, _, _ := store.Request(ctx, "telegram", "", "5", nil)
	store.Approve(ctx, "telegram", code, "")
	r := mustRouter(t, `{"channels":{"telegram":{"dmPolicy":"allowlist","allowFrom":["1"]}}}`, store)
	if d, _ := r.Route(ctx, dm("telegram", "5")); d.Action != ActionDrop {
		t.Errorf("allowlist admitted a paired sender: %s", d)
	}
}

func group(channel, id, sender, text string) Inbound {
	return Inbound{Channel: channel, PeerKind: "group", PeerID: id, SenderID: sender, Text: text, NativeMentions: true}
}

func TestGroupPolicies(t *testing.T) {
	ctx := context.Background()
	mentioned := func(m Inbound) Inbound { m.Mentioned = true; return m }
	tests := []struct {
		name   string
		cfg    string
		msg    Inbound
		action Action
		reason Reason
	}{
		{"no channel block fails closed", `{"channels":{"defaults":{"groupPolicy":"open"}}}`, mentioned(group("telegram", "-1", "1", "")), ActionDrop, ReasonGroupEmptyAllowlist},
		{"channels.defaults applies to configured channels", `{"channels":{"defaults":{"groupPolicy":"open"},"telegram":{}}}`, mentioned(group("telegram", "-1", "1", "")), ActionAllow, ReasonGroupAllowed},
		{"default allowlist with nothing listed", `{"channels":{"telegram":{}}}`, mentioned(group("telegram", "-1", "1", "")), ActionDrop, ReasonGroupEmptyAllowlist},
		{"disabled", `{"channels":{"telegram":{"groupPolicy":"disabled","groups":{"*":{}}}}}`, mentioned(group("telegram", "-1", "1", "")), ActionDrop, ReasonGroupDisabled},
		{"groupAllowFrom admits", `{"channels":{"telegram":{"groupAllowFrom":["tg:123456789"]}}}`, mentioned(group("telegram", "-1", "123456789", "")), ActionAllow, ReasonGroupAllowed},
		{"groupAllowFrom drops others", `{"channels":{"telegram":{"groupAllowFrom":["123"]}}}`, mentioned(group("telegram", "-1", "999", "")), ActionDrop, ReasonGroupSender},
		{"falls back to allowFrom", `{"channels":{"whatsapp":{"allowFrom":["+1555"],"groups":{"*":{"requireMention":true}}}}}`, mentioned(group("whatsapp", "1@g.us", "+1666", "")), ActionDrop, ReasonGroupSender},
		{"fallback admits", `{"channels":{"whatsapp":{"allowFrom":["+1555"],"groups":{"*":{"requireMention":true}}}}}`, mentioned(group("whatsapp", "1@g.us", "+1555", "")), ActionAllow, ReasonGroupAllowed},
		{"pairing approvals do not grant group access", `{"channels":{"telegram":{"groupPolicy":"allowlist","groupAllowFrom":["1"]}}}`, mentioned(group("telegram", "-1", "5", "")), ActionDrop, ReasonGroupSender},
		{"groups map is an allowlist", `{"channels":{"telegram":{"groupPolicy":"open","groups":{"-100":{}}}}}`, mentioned(group("telegram", "-200", "1", "")), ActionDrop, ReasonGroupNotAllowlisted},
		{"listed group admitted", `{"channels":{"telegram":{"groups":{"-100":{}}}}}`, mentioned(group("telegram", "-100", "1", "")), ActionAllow, ReasonGroupAllowed},
		{"star requires mention", `{"channels":{"telegram":{"groupPolicy":"open","groups":{"*":{"requireMention":true}}}}}`, group("telegram", "-1", "1", "hello"), ActionObserve, ReasonMentionRequired},
		{"mention by default", `{"channels":{"telegram":{"groupPolicy":"open"}}}`, group("telegram", "-1", "1", "hello"), ActionObserve, ReasonMentionRequired},
		{"group overrides star", `{"channels":{"telegram":{"groupPolicy":"open","groups":{"*":{"requireMention":true},"-5":{"requireMention":false}}}}}`, group("telegram", "-5", "1", "hello"), ActionAllow, ReasonGroupAllowed},
		{"reply to the bot counts", `{"channels":{"telegram":{"groupPolicy":"open"}}}`, Inbound{Channel: "telegram", PeerKind: "group", PeerID: "-1", SenderID: "1", ReplyToBot: true}, ActionAllow, ReasonGroupAllowed},
		{"slash command counts", `{"channels":{"telegram":{"groupPolicy":"open"}}}`, Inbound{Channel: "telegram", PeerKind: "group", PeerID: "-1", SenderID: "1", Command: "status", NativeMentions: true}, ActionAllow, ReasonGroupAllowed},
		{"undetectable mention lets it through", `{"agents":{"list":[{"id":"main"}]},"channels":{"signal":{"groupPolicy":"open"}}}`, Inbound{Channel: "signal", PeerKind: "group", PeerID: "g", SenderID: "1", Text: "hi"}, ActionAllow, ReasonMentionUndetectable},
		{"topic override", `{"channels":{"telegram":{"groups":{"-100":{"requireMention":true,"topics":{"99":{"requireMention":false}}}}}}}`, Inbound{Channel: "telegram", PeerKind: "group", PeerID: "-100", TopicID: "99", SenderID: "1", NativeMentions: true}, ActionAllow, ReasonGroupAllowed},
		{"other topic keeps the group rule", `{"channels":{"telegram":{"groups":{"-100":{"requireMention":true,"topics":{"99":{"requireMention":false}}}}}}}`, Inbound{Channel: "telegram", PeerKind: "group", PeerID: "-100", TopicID: "7", SenderID: "1", NativeMentions: true}, ActionObserve, ReasonMentionRequired},
		{"per-group allowFrom", `{"channels":{"telegram":{"groups":{"-100":{"allowFrom":["42"]}}}}}`, mentioned(group("telegram", "-100", "41", "")), ActionDrop, ReasonGroupSender},
		{"discord guild channel by name", `{"channels":{"discord":{"guilds":{"G1":{"requireMention":false,"channels":{"help":{"allow":true}}}}}}}`, Inbound{Channel: "discord", PeerKind: "channel", PeerID: "C1", ChannelName: "Help", GuildID: "G1", SenderID: "1"}, ActionAllow, ReasonGroupAllowed},
		{"discord unlisted channel", `{"channels":{"discord":{"guilds":{"G1":{"channels":{"help":{"allow":true}}}}}}}`, Inbound{Channel: "discord", PeerKind: "channel", PeerID: "C2", ChannelName: "random", GuildID: "G1", SenderID: "1", Mentioned: true}, ActionDrop, ReasonGroupNotAllowlisted},
		{"discord unlisted guild", `{"channels":{"discord":{"guilds":{"G1":{}}}}}`, Inbound{Channel: "discord", PeerKind: "channel", PeerID: "C2", GuildID: "G2", SenderID: "1", Mentioned: true}, ActionDrop, ReasonGroupNotAllowlisted},
		{"discord guild by slug", `{"channels":{"discord":{"guilds":{"123":{"slug":"friends-of-openclaw","requireMention":false}}}}}`, Inbound{Channel: "discord", PeerKind: "channel", PeerID: "C2", GuildID: "999", GuildName: "Friends of OpenClaw", SenderID: "1"}, ActionAllow, ReasonGroupAllowed},
		{"discord guild star defaults", `{"channels":{"discord":{"guilds":{"*":{"requireMention":true}}}}}`, Inbound{Channel: "discord", PeerKind: "channel", PeerID: "C2", GuildID: "G9", SenderID: "1", NativeMentions: true}, ActionObserve, ReasonMentionRequired},
		{"discord channel users", `{"channels":{"discord":{"guilds":{"G1":{"users":["7"],"channels":{"help":{"users":["8"]}}}}}}}`, Inbound{Channel: "discord", PeerKind: "channel", PeerID: "C1", ChannelName: "help", GuildID: "G1", SenderID: "7", Mentioned: true}, ActionDrop, ReasonGroupSender},
		{"discord allowFrom is DM-only", `{"channels":{"discord":{"allowFrom":["1"],"guilds":{"G1":{}}}}}`, Inbound{Channel: "discord", PeerKind: "channel", PeerID: "C1", GuildID: "G1", SenderID: "2", Mentioned: true}, ActionAllow, ReasonGroupAllowed},
		{"slack channel by #name", `{"channels":{"slack":{"channels":{"#general":{"allow":true,"requireMention":false}}}}}`, Inbound{Channel: "slack", PeerKind: "channel", PeerID: "C1", ChannelName: "general", SenderID: "U1"}, ActionAllow, ReasonGroupAllowed},
		{"slack channel turned off", `{"channels":{"slack":{"channels":{"C1":{"allow":false}}}}}`, Inbound{Channel: "slack", PeerKind: "channel", PeerID: "C1", SenderID: "U1", Mentioned: true}, ActionDrop, ReasonGroupOff},
		{"slack bot messages", `{"channels":{"slack":{"channels":{"C1":{"requireMention":false}}}}}`, Inbound{Channel: "slack", PeerKind: "channel", PeerID: "C1", SenderID: "B1", SenderIsBot: true}, ActionDrop, ReasonBotSender},
		{"slack channel allowBots", `{"channels":{"slack":{"channels":{"C1":{"requireMention":false,"allowBots":true}}}}}`, Inbound{Channel: "slack", PeerKind: "channel", PeerID: "C1", SenderID: "B1", SenderIsBot: true}, ActionAllow, ReasonGroupAllowed},
		{"mattermost onmessage", `{"channels":{"mattermost":{"groupPolicy":"open","chatmode":"onmessage"}}}`, group("mattermost", "ch", "u", "hello"), ActionAllow, ReasonGroupAllowed},
		{"mattermost onchar hit", `{"channels":{"mattermost":{"groupPolicy":"open","chatmode":"onchar","oncharPrefixes":[">",  "!"]}}}`, group("mattermost", "ch", "u", "!do it"), ActionAllow, ReasonGroupAllowed},
		{"mattermost onchar miss", `{"channels":{"mattermost":{"groupPolicy":"open","chatmode":"onchar","oncharPrefixes":[">"]}}}`, group("mattermost", "ch", "u", "do it"), ActionObserve, ReasonMentionRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustRouter(t, tt.cfg, nil)
			d, err := r.Route(ctx, tt.msg)
			if err != nil {
				t.Fatal(err)
			}
			if d.Action != tt.action || d.Reason != tt.reason {
				t.Errorf("Route = %s, want %s: %s", d, tt.action, tt.reason)
			}
			if d.SessionKey == "" || d.AgentID == "" {
				t.Errorf("decision without a route: %+v", d)
			}
		})
	}
}

func TestMentionPatterns(t *testing.T) {
	ctx := context.Background()
	base := `"channels":{"telegram":{"groupPolicy":"open"},"slack":{"groupPolicy":"open","mentionPatterns":{"mode":"deny","allowIn":["C_OPS"]}},
		"discord":{"groupPolicy":"open","mentionPatterns":{"denyIn":["C_NOISY"]}}}`
	tests := []struct {
		name string
		cfg  string
		msg  Inbound
		want bool
	}{
		{"agent patterns", `{"agents":{"list":[{"id":"main","groupChat":{"mentionPatterns":["@openclaw","reisponde"]}}]},` + base + `}`, Inbound{Text: "hey REISPONDE please"}, true},
		{"agent patterns miss", `{"agents":{"list":[{"id":"main","groupChat":{"mentionPatterns":["@openclaw"]}}]},` + base + `}`, Inbound{Text: "hey there"}, false},
		{"global patterns", `{"messages":{"groupChat":{"mentionPatterns":["\\bops bot\\b"]}},` + base + `}`, Inbound{Text: "ask the Ops Bot"}, true},
		{"backspace written as \\b in JSON", `{"messages":{"groupChat":{"mentionPatterns":["\bops\b"]}},` + base + `}`, Inbound{Text: "the ops team"}, true},
		{"agent overrides global", `{"agents":{"list":[{"id":"main","groupChat":{"mentionPatterns":["@mine"]}}]},"messages":{"groupChat":{"mentionPatterns":["global"]}},` + base + `}`, Inbound{Text: "global"}, false},
		{"identity name", `{"agents":{"list":[{"id":"main","identity":{"name":"Samantha Jones","emoji":"🦞"}}]},` + base + `}`, Inbound{Text: "hi @samantha   jones!"}, true},
		{"identity name is a whole word", `{"agents":{"list":[{"id":"main","identity":{"name":"Sam"}}]},` + base + `}`, Inbound{Text: "samples"}, false},
		{"identity emoji", `{"agents":{"list":[{"id":"main","identity":{"name":"Sam","emoji":"🦞"}}]},` + base + `}`, Inbound{Text: "🦞 help"}, true},
		{"non-ascii identity", `{"agents":{"list":[{"id":"main","identity":{"name":"小龙"}}]},` + base + `}`, Inbound{Text: "@小龙 你好"}, true},
		{"explicit empty list stops identity patterns", `{"agents":{"list":[{"id":"main","identity":{"name":"Sam"},"groupChat":{"mentionPatterns":[]}}]},` + base + `}`, Inbound{Text: "Sam?"}, false},
		{"invalid pattern ignored", `{"messages":{"groupChat":{"mentionPatterns":["(?=look)", "ok"]}},` + base + `}`, Inbound{Text: "ok then"}, true},
		{"deny mode off by default", `{"messages":{"groupChat":{"mentionPatterns":["bot"]}},` + base + `}`, Inbound{Channel: "slack", PeerID: "C_RANDOM", Text: "bot?"}, false},
		{"deny mode allowIn", `{"messages":{"groupChat":{"mentionPatterns":["bot"]}},` + base + `}`, Inbound{Channel: "slack", PeerID: "C_OPS", Text: "bot?"}, true},
		{"denyIn", `{"messages":{"groupChat":{"mentionPatterns":["bot"]}},` + base + `}`, Inbound{Channel: "discord", PeerID: "C_NOISY", Text: "bot?"}, false},
		{"native mention beats denied patterns", `{"messages":{"groupChat":{"mentionPatterns":["bot"]}},` + base + `}`, Inbound{Channel: "discord", PeerID: "C_NOISY", Text: "x", Mentioned: true}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustRouter(t, tt.cfg, nil)
			m := tt.msg
			if m.Channel == "" {
				m.Channel = "telegram"
			}
			if m.PeerID == "" {
				m.PeerID = "-1"
			}
			m.PeerKind, m.SenderID, m.NativeMentions = "group", "1", true
			d, err := r.Route(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			if d.WasMentioned != tt.want {
				t.Errorf("WasMentioned = %v, want %v (%s)", d.WasMentioned, tt.want, d)
			}
			if want := map[bool]Action{true: ActionAllow, false: ActionObserve}[tt.want]; d.Action != want {
				t.Errorf("Action = %s, want %s", d.Action, want)
			}
		})
	}
}

func TestPerAgentPatternsFollowBindings(t *testing.T) {
	r := mustRouter(t, `{
		"agents":{"list":[{"id":"work","groupChat":{"mentionPatterns":["@workbot"]}},{"id":"home","groupChat":{"mentionPatterns":["@homebot"]}}]},
		"bindings":[{"agentId":"home","match":{"channel":"whatsapp","accountId":"personal"}}],
		"channels":{"whatsapp":{"groupPolicy":"open"}}}`, nil)
	ctx := context.Background()
	m := Inbound{Channel: "whatsapp", AccountID: "personal", PeerKind: "group", PeerID: "g", SenderID: "1", Text: "@homebot hi"}
	if d, _ := r.Route(ctx, m); d.AgentID != "home" || !d.WasMentioned {
		t.Errorf("home: %s mentioned=%v", d, d.WasMentioned)
	}
	m.Text = "@workbot hi"
	if d, _ := r.Route(ctx, m); d.WasMentioned {
		t.Errorf("the work agent's pattern woke the home agent: %s", d)
	}
}

func TestHistoryLimitsAndGroupExtras(t *testing.T) {
	ctx := context.Background()
	r := mustRouter(t, `{
		"messages":{"groupChat":{"historyLimit":30}},
		"channels":{
		  "telegram":{"dmPolicy":"open","allowFrom":["*"],"dmHistoryLimit":30,"dms":{"123456789":{"historyLimit":50}},"historyLimit":20,
		    "groups":{"-100":{"requireMention":false,"systemPrompt":"Keep answers brief.","topics":{"99":{"skills":["search"],"systemPrompt":"Stay on topic."}}}},
		    "accounts":{"alt":{"historyLimit":0}}},
		  "discord":{"dmPolicy":"open","allowFrom":["*"],"groupPolicy":"open"}}}`, nil)
	tests := []struct {
		name                string
		msg                 Inbound
		dm, group           int
		systemPrompt, skill string
	}{
		{"per-DM override", dm("telegram", "123456789"), 50, 20, "", ""},
		{"channel DM limit", dm("telegram", "5"), 30, 20, "", ""},
		{"no DM limit", dm("discord", "5"), 0, 30, "", ""},
		{"group", Inbound{Channel: "telegram", PeerKind: "group", PeerID: "-100", SenderID: "1"}, 0, 20, "Keep answers brief.", ""},
		{"topic", Inbound{Channel: "telegram", PeerKind: "group", PeerID: "-100", TopicID: "99", SenderID: "1"}, 0, 20, "Stay on topic.", "search"},
		{"account disables group history", Inbound{Channel: "telegram", AccountID: "alt", PeerKind: "group", PeerID: "-100", SenderID: "1"}, 0, 0, "Keep answers brief.", ""},
	}
	for _, tt := range tests {
		d, err := r.Route(ctx, tt.msg)
		if err != nil {
			t.Fatal(err)
		}
		if d.Action != ActionAllow {
			t.Errorf("%s: %s", tt.name, d)
		}
		skill := ""
		if len(d.Skills) > 0 {
			skill = d.Skills[0]
		}
		isDM := tt.msg.PeerKind == "direct"
		if (isDM && d.HistoryLimit != tt.dm) || (!isDM && d.GroupHistoryLimit != tt.group) || d.SystemPrompt != tt.systemPrompt || skill != tt.skill {
			t.Errorf("%s: dm %d group %d prompt %q skill %q", tt.name, d.HistoryLimit, d.GroupHistoryLimit, d.SystemPrompt, skill)
		}
	}
	if d, _ := mustRouter(t, `{"channels":{"slack":{"groupPolicy":"open"}}}`, nil).Route(ctx, Inbound{Channel: "slack", PeerKind: "channel", PeerID: "C", SenderID: "U", Mentioned: true}); d.GroupHistoryLimit != DefaultGroupHistoryLimit {
		t.Errorf("default group history = %d", d.GroupHistoryLimit)
	}
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  string
		want []string
	}{
		{"open without star", `{"channels":{"telegram":{"dmPolicy":"open","allowFrom":["123"]}}}`, []string{`channels.telegram.dmPolicy: "open" requires channels.telegram.allowFrom to include "*"`}},
		{"legacy open without star", `{"channels":{"discord":{"dm":{"policy":"open"}}}}`, []string{`channels.discord.dm.policy: "open" requires channels.discord.allowFrom to include "*"`}},
		{"account open without star", `{"channels":{"telegram":{"accounts":{"work":{"dmPolicy":"open"}}}}}`, []string{"channels.telegram.accounts.work.dmPolicy"}},
		{"bad policies", `{"channels":{"defaults":{"groupPolicy":"some"},"slack":{"dmPolicy":"public","groupPolicy":"all"}}}`, []string{"channels.defaults.groupPolicy", `channels.slack.dmPolicy: "public"`, "channels.slack.groupPolicy"}},
		{"bad chatmode", `{"channels":{"mattermost":{"chatmode":"always"}}}`, []string{"channels.mattermost.chatmode"}},
		{"onchar without prefixes", `{"channels":{"mattermost":{"chatmode":"onchar"}}}`, []string{"channels.mattermost.oncharPrefixes"}},
		{"negative limits", `{"channels":{"telegram":{"historyLimit":-1,"dms":{"5":{"historyLimit":-2}}}}}`, []string{"channels.telegram.historyLimit: -1", "channels.telegram.dms.5.historyLimit: -2"}},
		{"binding without agent or channel", `{"bindings":[{"match":{}}]}`, []string{"bindings[0].agentId: missing", "bindings[0].match.channel: missing"}},
		{"binding to unknown agent", `{"agents":{"list":[{"id":"main"}]},"bindings":[{"agentId":"ghost","match":{"channel":"slack"}}]}`, []string{`bindings[0].agentId: "ghost" is not in agents.list`}},
		{"bad peer", `{"bindings":[{"agentId":"a","match":{"channel":"slack","peer":{"kind":"room"}}}]}`, []string{"bindings[0].match.peer.kind", "bindings[0].match.peer.id: missing"}},
		{"bad binding scope", `{"bindings":[{"agentId":"a","match":{"channel":"slack"},"session":{"dmScope":"x"}}]}`, []string{"bindings[0].session.dmScope"}},
		{"duplicate agents", `{"agents":{"list":[{"id":"a"},{"id":"A"},{}]}}`, []string{`agents.list[1].id: "A" is listed twice`, "agents.list[2].id: missing"}},
		{"session config", `{"session":{"dmScope":"per-user"}}`, []string{"session.dmScope"}},
		{"bad mention mode", `{"channels":{"slack":{"mentionPatterns":{"mode":"maybe"}}}}`, []string{"channels.slack.mentionPatterns.mode"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg Config
			if err := json.Unmarshal([]byte(tt.cfg), &cfg); err != nil {
				t.Fatal(err)
			}
			_, err := New(cfg, Options{})
			if err == nil {
				t.Fatal("New succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestDocumentedConfigs decodes channel blocks shaped like the
// configuration reference's examples.
func TestDocumentedConfigs(t *testing.T) {
	cfg := `{
	  "channels": {
	    "telegram": {"enabled": true, "botToken": "x", "dmPolicy": "pairing", "allowFrom": ["tg:123456789"],
	      "groups": {"*": {"requireMention": true}, "-1001234567890": {"allowFrom": ["@admin"], "systemPrompt": "Keep answers brief.",
	        "topics": {"99": {"requireMention": false, "skills": ["search"], "systemPrompt": "Stay on topic."}}}},
	      "historyLimit": 50, "replyToMode": "first", "retry": {"attempts": 3}},
	    "discord": {"enabled": true, "token": "x", "allowBots": false,
	      "dm": {"enabled": true, "policy": "pairing", "allowFrom": ["1234567890", "steipete"], "groupEnabled": false, "groupChannels": ["openclaw-dm"]},
	      "guilds": {"123456789012345678": {"slug": "friends-of-openclaw", "requireMention": false, "users": ["987654321098765432"],
	        "channels": {"general": {"allow": true}, "help": {"allow": true, "requireMention": true, "users": ["987654321098765432"], "skills": ["docs"]}}}},
	      "historyLimit": 20},
	    "slack": {"botToken": "x", "dm": {"enabled": true, "policy": "pairing", "allowFrom": ["U123", "U456", "*"]},
	      "channels": {"C123": {"allow": true, "requireMention": true, "allowBots": false}, "#general": {"allow": true, "users": ["U123"]}},
	      "thread": {"historyScope": "thread"}},
	    "whatsapp": {"groupPolicy": "allowlist", "groupAllowFrom": ["+15551234567"], "accounts": {"personal": {}, "biz": {}}}
	  },
	  "agents": {"list": [{"id": "main", "groupChat": {"mentionPatterns": ["@openclaw", "openclaw"]}}]}
	}`
	r := mustRouter(t, cfg, nil)
	ctx := context.Background()
	d, _ := r.Route(ctx, Inbound{Channel: "discord", PeerKind: "channel", PeerID: "C1", ChannelName: "help", GuildID: "123456789012345678", SenderID: "987654321098765432", Text: "openclaw, help"})
	if d.Action != ActionAllow || d.Skills[0] != "docs" {
		t.Errorf("discord help channel: %s", d)
	}
	d, _ = r.Route(ctx, Inbound{Channel: "slack", PeerKind: "channel", PeerID: "C9", ChannelName: "general", SenderID: "U999", Mentioned: true})
	if d.Action != ActionDrop || d.Reason != ReasonGroupSender {
		t.Errorf("slack #general stranger: %s", d)
	}
	d, _ = r.Route(ctx, Inbound{Channel: "telegram", PeerKind: "group", PeerID: "-1001234567890", TopicID: "99", SenderID: "5"})
	if d.Action != ActionDrop || d.Reason != ReasonGroupSender {
		t.Errorf("telegram group allowFrom @admin never matches ids: %s", d)
	}
}
