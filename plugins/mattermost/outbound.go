package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

// maxFilesPerPost is Mattermost's default limit of attachments on a post.
const maxFilesPerPost = 10

// idPattern matches Mattermost ids: 26 lower-case letters and digits.
var idPattern = regexp.MustCompile(`^[a-z0-9]{26}$`)

// Send delivers one chunk to a channel, group or direct message, as a
// thread reply when the gateway names a thread.
func (c *mattermostChannel) Send(ctx context.Context, msg pluginsdk.OutboundMessage) (pluginsdk.SendResult, error) {
	a, err := c.account(msg.AccountID)
	if err != nil {
		return pluginsdk.SendResult{}, err
	}
	if res, ok := a.sent.get(msg.IdempotencyKey); ok && msg.IdempotencyKey != "" {
		return res, nil
	}
	if strings.TrimSpace(msg.Text) == "" && len(msg.Media) == 0 {
		return pluginsdk.SendResult{}, errors.New("mattermost send: nothing to send (empty text and no media)")
	}
	if _, err := a.self(ctx); err != nil {
		return pluginsdk.SendResult{}, err
	}
	channelID, err := a.resolveTarget(ctx, msg.Target)
	if err != nil {
		return pluginsdk.SendResult{}, err
	}
	var fileIDs []string
	text := msg.Text
	for _, m := range msg.Media {
		switch {
		case len(m.Data) > 0:
			if len(fileIDs) == maxFilesPerPost {
				return pluginsdk.SendResult{}, fmt.Errorf("mattermost send: more than %d attachments in one message", maxFilesPerPost)
			}
			id, err := a.upload(ctx, channelID, m)
			if err != nil {
				return pluginsdk.SendResult{}, err
			}
			fileIDs = append(fileIDs, id)
		case m.URL != "":
			// A link is all Mattermost can attach without the bytes.
			line := m.URL
			if m.Caption != "" {
				line = m.Caption + " " + m.URL
			}
			text = strings.TrimLeft(text+"\n"+line, "\n")
		}
	}
	root := msg.ThreadID
	if root == "" {
		root = msg.ReplyToID
	}
	p := newPost{ChannelID: channelID, Message: text, RootID: root, FileIDs: fileIDs, PendingPostID: a.pendingPostID(msg.IdempotencyKey)}
	var created post
	err = a.cfg.Retry.run(ctx, classify, func(ctx context.Context) error {
		var err error
		created, err = a.api.createPost(ctx, p)
		return err
	})
	if err != nil {
		return pluginsdk.SendResult{}, sendError("post to "+channelID, err)
	}
	a.ownPosts.put(created.ID, struct{}{})
	res := pluginsdk.SendResult{MessageIDs: []string{created.ID}}
	a.sent.put(msg.IdempotencyKey, res)
	return res, nil
}

// pendingPostID lets the server drop a resent copy of the same post. It is
// derived from the idempotency key, so a resend after a plugin restart gets
// the same one; without a key each Send gets its own.
func (a *account) pendingPostID(key string) string {
	me := a.identity().ID
	if key == "" {
		// Random, not a timestamp: two sends in one millisecond would
		// otherwise share an id and the server would drop the second.
		var b [8]byte
		_, _ = rand.Read(b[:])
		return me + ":" + hex.EncodeToString(b[:])
	}
	sum := sha256.Sum256([]byte(key))
	return me + ":" + hex.EncodeToString(sum[:8])
}

func (a *account) upload(ctx context.Context, channelID string, m pluginsdk.Media) (string, error) {
	name := m.FileName
	if name == "" {
		name = "attachment"
	}
	var id string
	err := a.cfg.Retry.run(ctx, classify, func(ctx context.Context) error {
		var err error
		id, err = a.api.uploadFile(ctx, channelID, name, m.MimeType, m.Data)
		return err
	})
	if err != nil {
		return "", sendError("upload "+name, err)
	}
	return id, nil
}

// sendError wraps a failed call; a rejected token becomes Permanent so the
// gateway reports it instead of retrying.
// self returns the bot's own user, which direct channels, pending post ids
// and reactions name. Connecting the event stream learns it, but a reply
// can go out before that (right after the plugin restarted), so it is
// asked for here while still unknown.
func (a *account) self(ctx context.Context) (user, error) {
	if me := a.identity(); me.ID != "" {
		return me, nil
	}
	var me user
	err := a.cfg.Retry.run(ctx, classify, func(ctx context.Context) error {
		var err error
		me, err = a.api.me(ctx)
		return err
	})
	if err != nil {
		return user{}, sendError("look up the bot's own user", err)
	}
	a.mu.Lock()
	a.me = me
	a.mu.Unlock()
	return me, nil
}

func sendError(what string, err error) error {
	err = fmt.Errorf("mattermost %s: %w", what, err)
	if isAuthError(err) {
		return pluginsdk.Permanent(err)
	}
	return err
}

// resolveTarget turns a target into a channel id. It accepts OpenClaw's
// forms: channel:<id>, channel:<name>, #name, user:<id>, mattermost:<id>,
// @username, and bare ids: by the target's kind, else user first.
func (a *account) resolveTarget(ctx context.Context, t pluginsdk.Target) (string, error) {
	id := strings.TrimSpace(t.ID)
	switch {
	case id == "":
		return "", errors.New("mattermost send: the target is empty")
	case strings.HasPrefix(id, "channel:"):
		ref := strings.TrimPrefix(id, "channel:")
		if idPattern.MatchString(ref) {
			return ref, nil
		}
		return a.channelByName(ctx, ref)
	case strings.HasPrefix(id, "#"):
		return a.channelByName(ctx, strings.TrimPrefix(id, "#"))
	case strings.HasPrefix(id, "user:"):
		return a.dmChannel(ctx, strings.TrimPrefix(id, "user:"))
	case strings.HasPrefix(id, "mattermost:"):
		return a.dmChannel(ctx, strings.TrimPrefix(id, "mattermost:"))
	case strings.HasPrefix(id, "@"):
		u, err := a.api.userByUsername(ctx, strings.TrimPrefix(id, "@"))
		if err != nil {
			return "", fmt.Errorf("mattermost send: find user %s: %w", id, err)
		}
		return a.dmChannel(ctx, u.ID)
	}
	if !idPattern.MatchString(id) {
		return "", fmt.Errorf("mattermost send: target %q is neither an id nor channel:<id>, user:<id>, @username or #channel", t.ID)
	}
	switch t.Kind {
	case pluginsdk.PeerDM:
		return a.dmChannel(ctx, id)
	case pluginsdk.PeerChannel, pluginsdk.PeerGroup:
		return id, nil
	}
	// A bare id could be a user or a channel. OpenClaw asks for the user
	// first; an id that is no user is taken as a channel.
	if _, err := a.api.user(ctx, id); err == nil {
		return a.dmChannel(ctx, id)
	} else if !isStatus(err, http.StatusNotFound) {
		return "", fmt.Errorf("mattermost send: is %s a user? %w", id, err)
	}
	return id, nil
}

// channelByName finds a channel by name across the bot's teams.
func (a *account) channelByName(ctx context.Context, name string) (string, error) {
	if name == "" {
		return "", errors.New("mattermost send: the channel name is empty")
	}
	teams, err := a.api.myTeams(ctx)
	if err != nil {
		return "", fmt.Errorf("mattermost send: list teams: %w", err)
	}
	for _, t := range teams {
		ch, err := a.api.channelByName(ctx, t.ID, name)
		if err == nil {
			return ch.ID, nil
		}
		if !isStatus(err, http.StatusNotFound) {
			return "", fmt.Errorf("mattermost send: find channel %s: %w", name, err)
		}
	}
	return "", fmt.Errorf("mattermost send: no channel named %q in the bot's teams", name)
}

// dmChannel returns the direct channel with a user: known from an inbound
// message, or created (Mattermost returns the existing one) with the
// dmChannelRetry policy.
func (a *account) dmChannel(ctx context.Context, userID string) (string, error) {
	if userID == "" {
		return "", errors.New("mattermost send: the user id is empty")
	}
	a.mu.Lock()
	ch, ok := a.dms[userID]
	a.mu.Unlock()
	if ok {
		return ch, nil
	}
	timeout := 30 * time.Second
	if ms := a.cfg.DMChannelRetry.TimeoutMs; ms > 0 {
		timeout = time.Duration(ms) * time.Millisecond
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var created channel
	err := a.cfg.dmPolicy().run(dctx, classify, func(ctx context.Context) error {
		var err error
		created, err = a.api.directChannel(ctx, a.identity().ID, userID)
		return err
	})
	if err != nil {
		return "", sendError("open a direct channel with "+userID, err)
	}
	a.rememberDM(userID, created.ID)
	return created.ID, nil
}

// React adds or removes a reaction on a post.
func (c *mattermostChannel) React(ctx context.Context, r pluginsdk.Reaction) error {
	a, err := c.account(r.AccountID)
	if err != nil {
		return err
	}
	if !idPattern.MatchString(r.MessageID) {
		return fmt.Errorf("mattermost react: %q is not a post id", r.MessageID)
	}
	name, err := emojiName(r.Emoji)
	if err != nil {
		return err
	}
	self, err := a.self(ctx)
	if err != nil {
		return err
	}
	me := self.ID
	err = a.cfg.Retry.run(ctx, classify, func(ctx context.Context) error {
		if r.Remove {
			return a.api.removeReaction(ctx, me, r.MessageID, name)
		}
		return a.api.addReaction(ctx, me, r.MessageID, name)
	})
	if err != nil {
		return sendError("reaction on "+r.MessageID, err)
	}
	return nil
}

// emojiNames maps the emoji OpenClaw uses by default to Mattermost's names.
var emojiNames = map[string]string{
	"👀": "eyes", "👍": "+1", "👎": "-1", "✅": "white_check_mark", "❌": "x", "⏳": "hourglass_flowing_sand",
	"🤔": "thinking_face", "🎉": "tada", "❤️": "heart", "🔥": "fire", "🙏": "pray", "😂": "joy", "⚠️": "warning",
}

// emojiName turns ":eyes:", "eyes" or "👀" into Mattermost's emoji name.
func emojiName(e string) (string, error) {
	e = strings.Trim(strings.TrimSpace(e), ":")
	if e == "" {
		return "", errors.New("mattermost react: the emoji is empty")
	}
	if name, ok := emojiNames[e]; ok {
		return name, nil
	}
	for _, r := range e {
		if r > 127 {
			return "", fmt.Errorf("mattermost react: %q has no known Mattermost name; use a name such as eyes", e)
		}
	}
	return e, nil
}
