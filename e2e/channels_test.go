//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/openclaw-go/openclaw/e2e/fakemodel"
	"github.com/openclaw-go/openclaw/e2e/harness"
)

// These tests drive the real channel plugins through a real gateway, each
// against its platform's local fake. Every scenario runs once per platform;
// a chanRig hides how the platform is played.

// chanPost is something the bot posted: where (a conversation label the
// rig's dmConv and groupConv return) and its plain text.
type chanPost struct {
	Conv string
	Text string
}

// chanRig plays one platform's users against its fake.
type chanRig interface {
	// channel is the channel id in config; plugin the plugin's binary.
	channel() string
	plugin() string
	// block is channels.<channel> pointing the plugin at the fake.
	block() map[string]any
	// badTokenBlock is the same with a token the fake refuses.
	badTokenBlock() map[string]any
	// ready waits until the plugin listens to the platform: messages
	// written before would not reach a bot on every platform.
	ready(ctx context.Context) error
	// sender is person i's sender id as allowFrom spells it (0 and 1).
	sender(i int) string
	dm(t *testing.T, who int, text string)
	dmConv(who int) string
	// groupBlock is the config that makes the rig's group answer only
	// when the bot is mentioned.
	groupBlock() map[string]any
	group(t *testing.T, who int, text string, mention bool)
	groupConv() string
	posts() []chanPost
	// limits bound every message: the platform's hard limits, or the
	// tighter ones the plugin declares (0: none).
	limits() (chars, lines int)
	// disconnect drops the plugin's connection to the platform as a
	// network failure would; connects counts the connections the plugin
	// opened (-1 where connections are not kept, as with long polling).
	disconnect(ctx context.Context) error
	connects() int
	// rateLimitNextSend makes the platform answer the bot's next send with
	// a 429 asking it to wait d.
	rateLimitNextSend(d time.Duration)
	// checkRateLimit checks, as far as the fake can tell, that the 429
	// was served and the bot sent nothing before its wait was over.
	checkRateLimit(t *testing.T, d time.Duration)
	close()
}

// chanConfigurer is a rig that needs config beyond its channel block.
type chanConfigurer interface {
	configure(cfg map[string]any)
}

// chanPlatform names a rig and starts it with a fresh fake.
type chanPlatform struct {
	name string
	new  func(t *testing.T) chanRig
}

// chanPlatforms are the platforms under test.
func chanPlatforms() []chanPlatform {
	return []chanPlatform{
		{"discord", newDiscordRig},
		{"slack", newSlackRig},
		{"telegram", newTelegramRig},
		{"mattermost", newMattermostRig},
	}
}

// forEachChannel runs fn once per platform with a fresh fake.
func forEachChannel(t *testing.T, fn func(t *testing.T, r chanRig)) {
	for _, p := range chanPlatforms() {
		t.Run(p.name, func(t *testing.T) {
			r := p.new(t)
			defer r.close()
			fn(t, r)
		})
	}
}

// chanConfig is a gateway config with the rig's channel block (plus extra
// keys) and the echo model, which answers "echo: <text>".
func chanConfig(r chanRig, extra map[string]any) map[string]any {
	block := r.block()
	maps.Copy(block, extra)
	return map[string]any{
		"agents": map[string]any{"defaults": map[string]any{
			"model":         map[string]any{"primary": "echo/echo"},
			"skipBootstrap": true,
		}},
		"channels": map[string]any{r.channel(): block},
	}
}

// openDMs lets everyone write to the bot.
func openDMs() map[string]any {
	return map[string]any{"dmPolicy": "open", "allowFrom": []any{"*"}}
}

// withModel points the default agent at a scripted model server.
func withModel(cfg map[string]any, srv *fakemodel.Server) map[string]any {
	cfg["models"] = map[string]any{"providers": map[string]any{"scripted": map[string]any{
		"baseUrl": srv.OpenAIBaseURL(), "api": fakemodel.APICompletions, "apiKey": "sk-test",
		"models": []any{map[string]any{"id": "m1", "name": "m1"}},
	}}}
	defaults := cfg["agents"].(map[string]any)["defaults"].(map[string]any)
	defaults["model"] = map[string]any{"primary": "scripted/m1"}
	return cfg
}

const chanWait = 60 * time.Second

// startChanGateway starts a gateway and waits until the plugin is
// connected to the fake.
func startChanGateway(t *testing.T, r chanRig, cfg map[string]any) *harness.Gateway {
	t.Helper()
	g := startChanGatewayUnready(t, r, cfg)
	ctx, cancel := context.WithTimeout(t.Context(), chanWait)
	defer cancel()
	if err := r.ready(ctx); err != nil {
		t.Fatalf("the %s plugin did not connect to the fake: %v", r.channel(), err)
	}
	return g
}

// startChanGatewayUnready starts a gateway for the rig without waiting
// for the plugin.
func startChanGatewayUnready(t *testing.T, r chanRig, cfg map[string]any) *harness.Gateway {
	t.Helper()
	if c, ok := r.(chanConfigurer); ok {
		c.configure(cfg)
	}
	return harness.StartGateway(t, harness.Options{Config: cfg})
}

// waitPost waits for a post in conv whose text contains want.
func waitPost(t *testing.T, r chanRig, conv, want string) chanPost {
	t.Helper()
	deadline := time.Now().Add(chanWait)
	for time.Now().Before(deadline) {
		for _, p := range r.posts() {
			if p.Conv == conv && strings.Contains(p.Text, want) {
				return p
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("no %s post in %s containing %q; posts so far: %q", r.channel(), conv, want, r.posts())
	return chanPost{}
}

// postsIn lists the bot's posts in one conversation.
func postsIn(r chanRig, conv string) []chanPost {
	var out []chanPost
	for _, p := range r.posts() {
		if p.Conv == conv {
			out = append(out, p)
		}
	}
	return out
}

func countPosts(r chanRig, conv, want string) int {
	n := 0
	for _, p := range postsIn(r, conv) {
		if strings.Contains(p.Text, want) {
			n++
		}
	}
	return n
}

// waitLogLine waits for a gateway log line holding every part and
// returns it.
func waitLogLine(t *testing.T, g *harness.Gateway, parts ...string) string {
	t.Helper()
	deadline := time.Now().Add(chanWait)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(g.Logs(), "\n") {
			all := true
			for _, p := range parts {
				all = all && strings.Contains(line, p)
			}
			if all {
				return line
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("no gateway log line with %q", parts)
	return ""
}

// waitPluginPID waits for the plugin process, other than not.
func waitPluginPID(t *testing.T, g *harness.Gateway, name string, not int) int {
	t.Helper()
	deadline := time.Now().Add(chanWait)
	for time.Now().Before(deadline) {
		if pid, ok := g.PluginPIDs()[name]; ok && pid != not {
			return pid
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("plugin %s not running (other than pid %d)", name, not)
	return 0
}

// authErrorRE matches an error that says the credentials were refused.
var authErrorRE = regexp.MustCompile(`(?i)token|auth|401`)

var pairingCodeRE = regexp.MustCompile(`Pairing code: ([A-Z0-9]+)`)

// TestChannelsDMPairing: with the default dmPolicy (pairing), a stranger's
// first DM gets a pairing code, not an answer; the owner sees and approves
// it with the CLI; the stranger's next DM is answered by the agent.
func TestChannelsDMPairing(t *testing.T) {
	forEachChannel(t, func(t *testing.T, r chanRig) {
		g := startChanGateway(t, r, chanConfig(r, nil))
		r.dm(t, 0, "hello stranger here")
		p := waitPost(t, r, r.dmConv(0), "Pairing code:")
		m := pairingCodeRE.FindStringSubmatch(p.Text)
		if m == nil {
			t.Fatalf("pairing reply without a code: %q", p.Text)
		}
		code := m[1]
		if !strings.Contains(p.Text, r.sender(0)) {
			t.Errorf("pairing reply does not name the sender id %s: %q", r.sender(0), p.Text)
		}

		// Asking again before approval gets no second code.
		r.dm(t, 0, "anyone there?")
		waitLogLine(t, g, "pairing code already sent", "sender="+r.sender(0))

		out, err := g.CLI(t.Context(), "pairing", "list", r.channel())
		if err != nil || !strings.Contains(out, code) || !strings.Contains(out, r.sender(0)) {
			t.Fatalf("pairing list %s: %v\n%s", r.channel(), err, out)
		}
		if out, err := g.CLI(t.Context(), "pairing", "approve", r.channel(), code); err != nil {
			t.Fatalf("pairing approve: %v\n%s", err, out)
		}
		out, err = g.CLI(t.Context(), "pairing", "list", r.channel())
		if err != nil || strings.Contains(out, code) {
			t.Fatalf("the approved code is still pending: %v\n%s", err, out)
		}

		r.dm(t, 0, "now paired")
		waitPost(t, r, r.dmConv(0), "echo: now paired")
		for _, early := range []string{"echo: hello stranger here", "echo: anyone there?"} {
			if n := countPosts(r, r.dmConv(0), early); n != 0 {
				t.Errorf("the agent answered %q, sent before approval (%d times)", early, n)
			}
		}
		if n := countPosts(r, r.dmConv(0), "Pairing code:"); n != 1 {
			t.Errorf("%d pairing replies, want 1", n)
		}
	})
}

// TestChannelsAllowlistedDM: with dmPolicy allowlist, a listed sender is
// answered and anyone else is ignored (no answer, no pairing code).
func TestChannelsAllowlistedDM(t *testing.T) {
	forEachChannel(t, func(t *testing.T, r chanRig) {
		cfg := chanConfig(r, map[string]any{"dmPolicy": "allowlist", "allowFrom": []any{r.sender(0)}})
		g := startChanGateway(t, r, cfg)

		r.dm(t, 1, "let me in")
		waitLogLine(t, g, "sender not in allowFrom", "sender="+r.sender(1))
		r.dm(t, 0, "on the list")
		waitPost(t, r, r.dmConv(0), "echo: on the list")
		// The outsider's message was routed before the insider's was
		// answered; nothing may have gone back to them.
		if got := postsIn(r, r.dmConv(1)); len(got) != 0 {
			t.Fatalf("a sender outside allowFrom got %q", got)
		}
	})
}

// TestChannelsGroupMention: in a group that requires a mention, a message
// without one is kept as context but not answered; one with it is.
func TestChannelsGroupMention(t *testing.T) {
	forEachChannel(t, func(t *testing.T, r chanRig) {
		g := startChanGateway(t, r, chanConfig(r, r.groupBlock()))

		r.group(t, 0, "just chatting among ourselves", false)
		waitLogLine(t, g, "observe: mention required")
		r.group(t, 1, "bot please answer", true)
		waitPost(t, r, r.groupConv(), "bot please answer")
		if got := postsIn(r, r.groupConv()); len(got) != 1 {
			t.Fatalf("group posts = %q, want exactly the answer to the mention", got)
		}
	})
}

// chanLongReply is about 9,000 characters: paragraphs of one long line
// (filling Discord's and Slack's character limits) alternating with
// paragraphs of short lines (filling Discord's line limit).
func chanLongReply() string {
	var b strings.Builder
	word := 0
	next := func() string {
		word++
		return fmt.Sprintf("word%04d", word)
	}
	for para := 0; b.Len() < 9000; para++ {
		if para > 0 {
			b.WriteString("\n\n")
		}
		if para%2 == 0 {
			for i := 0; i < 80; i++ {
				if i > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(next())
			}
			b.WriteByte('.')
			continue
		}
		for line := 0; line < 6; line++ {
			if line > 0 {
				b.WriteByte('\n')
			}
			fmt.Fprintf(&b, "%s %s %s.", next(), next(), next())
		}
	}
	return b.String()
}

// normalSpace collapses whitespace, which chunking may trim at the cuts.
func normalSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestChannelsLongReplyChunked: a model reply far over the platform's
// message limit arrives as several messages, each within the limits, that
// together are the whole reply in order.
func TestChannelsLongReplyChunked(t *testing.T) {
	long := chanLongReply()
	want := normalSpace(long)
	tail := want[strings.LastIndexByte(want[:len(want)-20], ' ')+1:]
	forEachChannel(t, func(t *testing.T, r chanRig) {
		model := fakemodel.New(t)
		model.Respond(func(fakemodel.Request) fakemodel.Reply { return fakemodel.Text(long) })
		startChanGateway(t, r, withModel(chanConfig(r, openDMs()), model))

		r.dm(t, 0, "tell me everything")
		last := waitPost(t, r, r.dmConv(0), tail[strings.LastIndexByte(tail, ' ')+1:])
		if !strings.HasSuffix(normalSpace(last.Text), tail) {
			t.Fatalf("the last message ends %q, want the reply's end %q", last.Text, tail)
		}
		got := postsIn(r, r.dmConv(0))
		chars, lines := r.limits()
		texts := make([]string, len(got))
		longest, tallest := 0, 0
		for i, p := range got {
			texts[i] = p.Text
			n, h := utf8.RuneCountInString(p.Text), strings.Count(p.Text, "\n")+1
			if chars > 0 && n > chars {
				t.Errorf("message %d has %d characters, over the limit of %d", i, n, chars)
			}
			if lines > 0 && h > lines {
				t.Errorf("message %d has %d lines, over the limit of %d", i, h, lines)
			}
			longest, tallest = max(longest, n), max(tallest, h)
		}
		t.Logf("%d characters arrived as %d messages (longest %d characters, tallest %d lines)", len(long), len(got), longest, tallest)
		if joined := normalSpace(strings.Join(texts, " ")); joined != want {
			i := 0
			for i < len(joined) && i < len(want) && joined[i] == want[i] {
				i++
			}
			t.Fatalf("the messages do not add up to the reply: they differ at character %d (%d vs %d characters)", i, len(joined), len(want))
		}
		if least := len(long)/chars + 1; len(got) < least {
			t.Fatalf("%d messages, want at least %d", len(got), least)
		}
	})
}

// TestChannelsRateLimitHonoured: the platform answers the reply's send
// with a 429; the reply still arrives once, and the plugin waited as told.
func TestChannelsRateLimitHonoured(t *testing.T) {
	const wait = 2 * time.Second
	forEachChannel(t, func(t *testing.T, r chanRig) {
		startChanGateway(t, r, chanConfig(r, openDMs()))
		r.dm(t, 0, "warm up")
		waitPost(t, r, r.dmConv(0), "echo: warm up")

		r.rateLimitNextSend(wait)
		r.dm(t, 0, "slow down please")
		waitPost(t, r, r.dmConv(0), "echo: slow down please")
		if n := countPosts(r, r.dmConv(0), "echo: slow down please"); n != 1 {
			t.Errorf("the rate-limited reply was posted %d times", n)
		}
		r.checkRateLimit(t, wait)
	})
}

// TestChannelsPluginKilled: the plugin is killed with SIGKILL mid
// conversation; the gateway restarts it, the message sent while it was
// down is answered exactly once, and the conversation goes on.
func TestChannelsPluginKilled(t *testing.T) {
	forEachChannel(t, func(t *testing.T, r chanRig) {
		g := startChanGateway(t, r, chanConfig(r, openDMs()))
		r.dm(t, 0, "before the crash")
		waitPost(t, r, r.dmConv(0), "echo: before the crash")

		pid := waitPluginPID(t, g, r.plugin(), 0)
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		r.dm(t, 0, "while you were down")
		if !g.WaitLog("plugin stopped unexpectedly; restarting", chanWait) {
			t.Fatal("the gateway did not log the crash")
		}
		waitPluginPID(t, g, r.plugin(), pid)
		waitPost(t, r, r.dmConv(0), "echo: while you were down")
		r.dm(t, 0, "after the restart")
		waitPost(t, r, r.dmConv(0), "echo: after the restart")
		for _, text := range []string{"echo: before the crash", "echo: while you were down", "echo: after the restart"} {
			if n := countPosts(r, r.dmConv(0), text); n != 1 {
				t.Errorf("%q was posted %d times, want once", text, n)
			}
		}
	})
}

// TestChannelsReconnect: the platform drops the plugin's connection; the
// plugin connects again and a message written meanwhile is answered once.
func TestChannelsReconnect(t *testing.T) {
	forEachChannel(t, func(t *testing.T, r chanRig) {
		g := startChanGateway(t, r, chanConfig(r, openDMs()))
		r.dm(t, 0, "before the drop")
		waitPost(t, r, r.dmConv(0), "echo: before the drop")
		pid := waitPluginPID(t, g, r.plugin(), 0)
		before := r.connects()

		ctx, cancel := context.WithTimeout(t.Context(), chanWait)
		defer cancel()
		if err := r.disconnect(ctx); err != nil {
			t.Fatal(err)
		}
		r.dm(t, 0, "during the outage")
		waitPost(t, r, r.dmConv(0), "echo: during the outage")
		r.dm(t, 0, "after the outage")
		waitPost(t, r, r.dmConv(0), "echo: after the outage")
		if n := countPosts(r, r.dmConv(0), "echo: during the outage"); n != 1 {
			t.Errorf("the message written during the outage was answered %d times", n)
		}
		if after := r.connects(); before >= 0 && after <= before {
			t.Errorf("connections opened: %d before the drop, %d after; want a new one", before, after)
		}
		if now := g.PluginPIDs()[r.plugin()]; now != pid {
			t.Errorf("the plugin was restarted (pid %d, now %d); a dropped connection is the plugin's to handle", pid, now)
		}
	})
}

// TestChannelsInvalidToken: a token the platform refuses shows as the
// account's error in `channels status`, and the plugin keeps running
// instead of crash-looping.
func TestChannelsInvalidToken(t *testing.T) {
	forEachChannel(t, func(t *testing.T, r chanRig) {
		cfg := chanConfig(r, nil)
		cfg["channels"] = map[string]any{r.channel(): r.badTokenBlock()}
		g := startChanGatewayUnready(t, r, cfg)
		pid := waitPluginPID(t, g, r.plugin(), 0)

		var acct map[string]any
		deadline := time.Now().Add(chanWait)
		for time.Now().Before(deadline) {
			var served bool
			if acct, served = chanAccountStatus(t, g, r.channel()); !served {
				// Without the channels service, the plugin's log is the
				// only report: the account is parked in error.
				t.Logf("channels.status is not served by this gateway; checking the log")
				line := waitLogLine(t, g, "account cannot run", "channel="+r.channel(), "account=default")
				_, e, _ := strings.Cut(line, "error=")
				acct = map[string]any{"lastError": e}
				break
			}
			if e, _ := acct["lastError"].(string); e != "" {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		e, _ := acct["lastError"].(string)
		if !authErrorRE.MatchString(e) || acct["connected"] == true {
			t.Fatalf("the refused token is not reported: %v", acct)
		}
		t.Logf("reported: %s", e)
		// Watch a while: a crash-looping plugin would be replaced.
		time.Sleep(3 * time.Second)
		if now := g.PluginPIDs()[r.plugin()]; now != pid {
			t.Fatalf("plugin pid changed from %d to %d: it was restarted", pid, now)
		}
		if strings.Contains(g.Logs(), "plugin stopped unexpectedly") {
			t.Fatal("the plugin crashed on an invalid token")
		}
	})
}

// chanAccountStatus is the default account's entry in channels status;
// served is false when the gateway does not offer the channels service.
func chanAccountStatus(t *testing.T, g *harness.Gateway, channel string) (acct map[string]any, served bool) {
	t.Helper()
	out, err := g.CLI(t.Context(), "channels", "status", "--json")
	if err != nil && (strings.Contains(out, "No help topic") || strings.Contains(out, "command not found")) {
		// The channels command group is not mounted; the RPC is the same.
		out, err = g.CLI(t.Context(), "gateway", "call", "channels.status", "--json")
	}
	if err != nil && (strings.Contains(out, "service-unavailable") || strings.Contains(out, "not available on this gateway")) {
		return nil, false
	}
	if err != nil {
		t.Fatalf("channels status: %v\n%s", err, out)
	}
	var res struct {
		Accounts map[string][]map[string]any `json:"channelAccounts"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("channels status output: %v\n%s", err, out)
	}
	for _, a := range res.Accounts[channel] {
		if a["accountId"] == "default" {
			return a, true
		}
	}
	t.Fatalf("channels status lists no default %s account:\n%s", channel, out)
	return nil, true
}
