//go:build linux

package e2e

import (
	"context"
	"testing"
	"time"

	slackfake "github.com/openclaw-go/openclaw/e2e/fakes/slack"
)

// slackRig plays two workspace members in DMs and in #general, over
// Socket Mode.
type slackRig struct {
	f      *slackfake.Server
	people []slackfake.User
	// postsBefore counts chat.postMessage calls when the limit was set.
	postsBefore int
}

const slackGeneral = "C0GENERAL1"

func newSlackRig(*testing.T) chanRig {
	f := slackfake.New(slackfake.Options{})
	people := []slackfake.User{
		{ID: "U0ALICE001", Name: "alice", RealName: "Alice"},
		{ID: "U0BOB00001", Name: "bob", RealName: "Bob"},
	}
	for _, u := range people {
		f.AddUser(u)
	}
	f.AddChannel(slackfake.Channel{ID: slackGeneral, Name: "general", Type: "channel"})
	return &slackRig{f: f, people: people}
}

func (r *slackRig) channel() string { return "slack" }
func (r *slackRig) plugin() string  { return "openclaw-plugin-slack" }
func (r *slackRig) close()          { r.f.Close() }

func (r *slackRig) block() map[string]any {
	return map[string]any{"botToken": r.f.BotToken(), "appToken": r.f.AppToken(), "apiUrl": r.f.APIURL()}
}

func (r *slackRig) badTokenBlock() map[string]any {
	return map[string]any{"botToken": "xoxb-not-the-token", "appToken": r.f.AppToken(), "apiUrl": r.f.APIURL()}
}

func (r *slackRig) sender(i int) string { return r.people[i].ID }

func (r *slackRig) dm(t *testing.T, who int, text string) {
	u := r.people[who].ID
	r.f.InjectMessage(slackfake.Message{Channel: r.f.DMChannel(u), ChannelType: "im", User: u, Text: text})
}

func (r *slackRig) dmConv(who int) string { return r.f.DMChannel(r.people[who].ID) }

func (r *slackRig) groupBlock() map[string]any {
	return map[string]any{"channels": map[string]any{slackGeneral: map[string]any{"allow": true, "requireMention": true}}}
}

// group writes in #general; a mention is "<@bot>" in the text plus the
// app_mention event Slack sends alongside.
func (r *slackRig) group(t *testing.T, who int, text string, mention bool) {
	m := slackfake.Message{Channel: slackGeneral, User: r.people[who].ID, Text: text}
	if mention {
		m.Text = "<@" + r.f.BotUserID() + "> " + text
		m.AppMention = true
	}
	r.f.InjectMessage(m)
}

func (r *slackRig) groupConv() string { return slackGeneral }

func (r *slackRig) posts() []chanPost {
	var out []chanPost
	for _, p := range r.f.Posted() {
		out = append(out, chanPost{Conv: p.Channel, Text: p.Text})
	}
	return out
}

func (r *slackRig) limits() (int, int) { return 4000, 0 }

func (r *slackRig) rateLimitNextSend(d time.Duration) {
	r.postsBefore = r.f.Calls("chat.postMessage")
	r.f.RateLimit("chat.postMessage", 1, d)
}

func (r *slackRig) checkRateLimit(t *testing.T, _ time.Duration) {
	t.Helper()
	// One call got the 429, a later one posted the reply.
	if n := r.f.Calls("chat.postMessage") - r.postsBefore; n < 2 {
		t.Errorf("%d chat.postMessage calls since the limit was set, want the limited one and its retry", n)
	}
	if v := r.f.RateLimitViolations(); v != 0 {
		t.Errorf("%d calls were made before Retry-After ran out", v)
	}
}

func (r *slackRig) ready(ctx context.Context) error { return r.f.WaitConnections(ctx, 1) }

func (r *slackRig) disconnect(context.Context) error {
	r.f.Disconnect()
	return nil
}

func (r *slackRig) connects() int {
	total, _ := r.f.Connections()
	return total
}
