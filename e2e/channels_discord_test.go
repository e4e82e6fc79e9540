//go:build linux

package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	dc "github.com/openclaw-go/openclaw/e2e/fakes/discord"
)

// discordRig plays Alice and Bob in the fake's guild and DMs.
type discordRig struct {
	s *dc.Server
	w dc.World
}

func newDiscordRig(*testing.T) chanRig {
	s := dc.New(dc.Options{})
	return &discordRig{s: s, w: s.World()}
}

func (r *discordRig) channel() string { return "discord" }
func (r *discordRig) plugin() string  { return "openclaw-plugin-discord" }
func (r *discordRig) close()          { r.s.Close() }

func (r *discordRig) block() map[string]any {
	return map[string]any{"token": r.s.Token(), "apiUrl": r.s.APIURL()}
}

func (r *discordRig) badTokenBlock() map[string]any {
	return map[string]any{"token": "not-the-token", "apiUrl": r.s.APIURL()}
}

func (r *discordRig) person(i int) dc.User { return []dc.User{r.w.Alice, r.w.Bob}[i] }
func (r *discordRig) sender(i int) string  { return r.person(i).ID }

func (r *discordRig) dm(t *testing.T, who int, text string) {
	t.Helper()
	if _, err := r.s.SendDM(r.person(who), text); err != nil {
		t.Fatal(err)
	}
}

func (r *discordRig) dmConv(who int) string { return r.s.DMChannel(r.person(who)).ID }

func (r *discordRig) groupBlock() map[string]any {
	return map[string]any{"guilds": map[string]any{r.w.Guild.ID: map[string]any{
		"channels": map[string]any{r.w.General.ID: map[string]any{"allow": true, "requireMention": true}},
	}}}
}

func (r *discordRig) group(t *testing.T, who int, text string, mention bool) {
	t.Helper()
	if _, err := r.s.SendChannel(r.w.General.ID, r.person(who), text, mention); err != nil {
		t.Fatal(err)
	}
}

func (r *discordRig) groupConv() string { return r.w.General.ID }

func (r *discordRig) posts() []chanPost {
	var out []chanPost
	for _, m := range r.s.BotMessages() {
		out = append(out, chanPost{Conv: m.ChannelID, Text: m.Content})
	}
	return out
}

func (r *discordRig) limits() (int, int) { return 2000, 17 }

func (r *discordRig) rateLimitNextSend(d time.Duration) { r.s.RateLimitSends(1, d, false) }

func (r *discordRig) checkRateLimit(t *testing.T, _ time.Duration) {
	t.Helper()
	limited := 0
	for _, q := range r.s.Requests() {
		if q.Method == http.MethodPost && strings.HasSuffix(q.Path, "/messages") && q.Status == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited == 0 {
		t.Error("the fake never answered a send with 429")
	}
	if v := r.s.RateLimitViolations(); v != 0 {
		t.Errorf("%d requests were sent before retry_after ran out", v)
	}
}

func (r *discordRig) ready(ctx context.Context) error { return r.s.WaitReady(ctx, 1) }

func (r *discordRig) disconnect(ctx context.Context) error {
	r.s.DropConnections()
	return r.s.WaitDisconnected(ctx)
}

func (r *discordRig) connects() int { return r.s.Identifies() + r.s.Resumes() }
