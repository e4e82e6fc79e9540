package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	mattermostfake "github.com/openclaw-go/openclaw/e2e/fakes/mattermost"
	"github.com/openclaw-go/openclaw/pluginsdk"
)

// TestSendBeforeConnected: right after a plugin restart the gateway may
// deliver a reply before the account has connected and learned who the
// bot is. Direct channels, pending post ids and reactions all need the
// bot's id, so the send must look it up rather than use an empty one.
func TestSendBeforeConnected(t *testing.T) {
	for _, tc := range []struct {
		name string
		do   func(t *testing.T, r *rig) error
	}{
		{"direct message", func(t *testing.T, r *rig) error {
			_, err := send(t, r, pluginsdk.OutboundMessage{Target: pluginsdk.Target{Kind: pluginsdk.PeerDM, ID: r.alice}, Text: "early"})
			return err
		}},
		{"reaction", func(t *testing.T, r *rig) error {
			p, err := r.fake.Post(mattermostfake.Post{ChannelID: r.town, UserID: r.alice, Message: "react to me"})
			if err != nil {
				return err
			}
			return r.h.React(t.Context(), pluginsdk.Reaction{Channel: "mattermost", AccountID: "default", MessageID: p.ID, Emoji: "👍"})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newStoppedRig(t)
			// The account's own users/me fails once: it retries after a
			// backoff of at least half a second, long before it knows
			// the bot.
			r.fake.FailNext("GET /api/v4/users/me", 1, http.StatusInternalServerError)
			r.start(nil)
			for deadline := time.Now().Add(wait); r.fake.Calls("GET /api/v4/users/me") < 1; time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("the account never asked who it is")
				}
			}
			if err := tc.do(t, r); err != nil {
				t.Fatalf("before the account connected: %v", err)
			}
			bot := r.fake.BotUserID()
			for _, p := range r.fake.BotPosts() {
				if p.ChannelID != r.fake.DirectChannel(r.alice, bot) || p.Message != "early" || !strings.HasPrefix(p.PendingPostID, bot+":") {
					t.Errorf("post %+v, want %q in alice's direct channel with a pending id of the bot", p, "early")
				}
			}
			for _, re := range r.fake.Reactions() {
				if re.UserID != bot {
					t.Errorf("reaction by %q, want the bot %q", re.UserID, bot)
				}
			}
		})
	}
}
