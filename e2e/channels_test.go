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
	// limits are the platform's hard per-message limits (0: none).
	limits() (chars, lines int)
	// rateLimitNextSend makes the platform answer the bot's next send with
	// a 429 asking it to wait d.
	rateLimitNextSend(d time.Duration)
	// checkRateLimit reports whether the 429 was served and whether the
	// bot sent nothing before its wait was over.
	checkRateLimit(t *testing.T, d time.Duration)
	close()
}

// chanRigs are the platforms under test, each started fresh per test.
func chanRigs() []struct {
	name string
	new  func(t *testing.T) chanRig
} {
	return []struct {
		name string
		new  func(t *testing.T) chanRig
	}{
		{"discord", newDiscordRig},
		{"slack", newSlackRig},
		{"telegram", newTelegramRig},
	}
}

// forEachChannel runs fn once per platform with a fresh fake.
func forEachChannel(t *testing.T, fn func(t *testing.T, r chanRig)) {
	for _, p := range chanRigs() {
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
	g := harness.StartGateway(t, harness.Options{Config: cfg})
	ctx, cancel := context.WithTimeout(t.Context(), chanWait)
	defer cancel()
	if err := r.ready(ctx); err != nil {
		t.Fatalf("the %s plugin did not connect to the fake: %v", r.channel(), err)
	}
	return g
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

// waitLogLine waits for one gateway log line holding every part.
func waitLogLine(t *testing.T, g *harness.Gateway, parts ...string) {
	t.Helper()
	deadline := time.Now().Add(chanWait)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(g.Logs(), "\n") {
			all := true
			for _, p := range parts {
				all = all && strings.Contains(line, p)
			}
			if all {
				return
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("no gateway log line with %q", parts)
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
		if n := countPosts(r, r.dmConv(0), "echo: hello stranger here"); n != 0 {
			t.Errorf("the agent answered the stranger's first DM before approval (%d times)", n)
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
	forEachChannel(t, func(t *testing.T, r chanRig) {
		model := fakemodel.New(t)
		model.Respond(func(fakemodel.Request) fakemodel.Reply { return fakemodel.Text(long) })
		startChanGateway(t, r, withModel(chanConfig(r, openDMs()), model))

		r.dm(t, 0, "tell me everything")
		want := normalSpace(long)
		var got []chanPost
		deadline := time.Now().Add(chanWait)
		for time.Now().Before(deadline) {
			got = postsIn(r, r.dmConv(0))
			if len(got) > 0 && strings.Contains(got[len(got)-1].Text, "word") && strings.HasSuffix(normalSpace(got[len(got)-1].Text), lastWords(long)) {
				break
			}
			time.Sleep(25 * time.Millisecond)
		}
		var joined []string
		chars, lines := r.limits()
		for i, p := range got {
			joined = append(joined, p.Text)
			if n := utf8.RuneCountInString(p.Text); chars > 0 && n > chars {
				t.Errorf("message %d has %d characters, over the limit of %d", i, n, chars)
			}
			if n := strings.Count(p.Text, "\n") + 1; lines > 0 && n > lines {
				t.Errorf("message %d has %d lines, over the limit of %d", i, n, lines)
			}
		}
		if normalSpace(strings.Join(joined, " ")) != want {
			t.Fatalf("the %d messages do not add up to the reply (%d characters): got %d characters",
				len(got), len(long), len(normalSpace(strings.Join(joined, " "))))
		}
		longest, tallest := 0, 0
		for _, p := range got {
			longest = max(longest, utf8.RuneCountInString(p.Text))
			tallest = max(tallest, strings.Count(p.Text, "\n")+1)
		}
		t.Logf("%d characters arrived as %d messages (longest %d characters, tallest %d lines)", len(long), len(got), longest, tallest)
		if min := len(long)/chars + 1; chars > 0 && len(got) < min {
			t.Fatalf("%d messages, want at least %d", len(got), min)
		}
	})
}

func lastWords(s string) string {
	f := strings.Fields(s)
	return strings.Join(f[len(f)-3:], " ")
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

// TestChannelsInvalidToken: a token the platform refuses shows as the
// account's error in `channels status`, and the plugin keeps running
// instead of crash-looping.
func TestChannelsInvalidToken(t *testing.T) {
	forEachChannel(t, func(t *testing.T, r chanRig) {
		cfg := chanConfig(r, nil)
		cfg["channels"] = map[string]any{r.channel(): r.badTokenBlock()}
		g := harness.StartGateway(t, harness.Options{Config: cfg})
		pid := waitPluginPID(t, g, r.plugin(), 0)

		var acct map[string]any
		deadline := time.Now().Add(chanWait)
		for time.Now().Before(deadline) {
			var served bool
			if acct, served = chanAccountStatus(t, g, r.channel()); !served {
				// Without the channels service, the plugin's log is the
				// only report: the account is parked in error.
				t.Logf("channels.status is not served by this gateway; checking the log")
				waitLogLine(t, g, "account cannot run", "channel="+r.channel(), "account=default")
				acct = map[string]any{"lastError": "(from the log)"}
				break
			}
			if e, _ := acct["lastError"].(string); e != "" {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if e, _ := acct["lastError"].(string); e == "" || acct["connected"] == true {
			t.Fatalf("channels status does not report the refused token: %v", acct)
		}
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
