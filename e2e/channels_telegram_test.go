//go:build linux

package e2e

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"testing"
	"time"

	tg "github.com/openclaw-go/openclaw/e2e/fakes/telegram"
)

// telegramRig plays two Telegram users in private chats and a supergroup,
// over long polling.
type telegramRig struct {
	s      *tg.Server
	bot    *tg.Bot
	people []tg.User
	team   tg.Chat
}

func newTelegramRig(*testing.T) chanRig {
	s := tg.NewServer()
	return &telegramRig{
		s: s, bot: s.Bot(),
		people: []tg.User{
			{ID: 4101, FirstName: "Alice", Username: "alice"},
			{ID: 4102, FirstName: "Bob", Username: "bob"},
		},
		team: tg.Supergroup(-1001234567890, "Team"),
	}
}

func (r *telegramRig) channel() string { return "telegram" }
func (r *telegramRig) plugin() string  { return "openclaw-plugin-telegram" }
func (r *telegramRig) close()          { r.s.Close() }

func (r *telegramRig) block() map[string]any {
	return map[string]any{"botToken": r.bot.Token(), "apiRoot": r.s.URL()}
}

func (r *telegramRig) badTokenBlock() map[string]any {
	return map[string]any{"botToken": tg.TokenFor(9999999), "apiRoot": r.s.URL()}
}

func (r *telegramRig) sender(i int) string { return strconv.FormatInt(r.people[i].ID, 10) }

func (r *telegramRig) dm(_ *testing.T, who int, text string) { r.bot.SendPrivate(r.people[who], text) }

func (r *telegramRig) dmConv(who int) string { return strconv.FormatInt(r.people[who].ID, 10) }

func (r *telegramRig) groupBlock() map[string]any {
	return map[string]any{"groupPolicy": "open", "groups": map[string]any{"*": map[string]any{"requireMention": true}}}
}

func (r *telegramRig) group(_ *testing.T, who int, text string, mention bool) {
	if mention {
		r.bot.MentionInGroup(r.team, r.people[who], text)
		return
	}
	r.bot.SendGroup(r.team, r.people[who], text)
}

func (r *telegramRig) groupConv() string { return strconv.FormatInt(r.team.ID, 10) }

func (r *telegramRig) posts() []chanPost {
	var out []chanPost
	for _, s := range r.bot.Sent() {
		if s.Method == "editMessageText" {
			continue
		}
		out = append(out, chanPost{Conv: strconv.FormatInt(s.Message.Chat.ID, 10), Text: s.Text()})
	}
	return out
}

func (r *telegramRig) limits() (int, int) { return 4096, 0 }

func (r *telegramRig) rateLimitNextSend(d time.Duration) {
	r.bot.RateLimitSends(1, int(math.Ceil(d.Seconds())))
}

// checkRateLimit: the fake stamps each call, so the send after the 429
// must come at least retry_after later.
func (r *telegramRig) checkRateLimit(t *testing.T, d time.Duration) {
	t.Helper()
	var limitedAt time.Time
	for _, c := range r.bot.Calls("sendMessage") {
		switch {
		case c.Status == http.StatusTooManyRequests:
			limitedAt = c.Time
		case !limitedAt.IsZero():
			if gap := c.Time.Sub(limitedAt); gap < d {
				t.Errorf("sendMessage again %s after a 429 asking for %s", gap, d)
			}
			return
		}
	}
	if limitedAt.IsZero() {
		t.Error("the fake never answered a send with 429")
	} else {
		t.Error("no send after the 429")
	}
}

func (r *telegramRig) ready(ctx context.Context) error { return r.bot.WaitPolling(ctx) }

// disconnect cuts the parked long poll; the plugin polls again.
func (r *telegramRig) disconnect(context.Context) error {
	r.bot.DropLongPolls()
	return nil
}

func (r *telegramRig) connects() int { return -1 }
