package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

// slashInvocation is remembered so a reply to a slash command can be sent
// the way the command asked (ephemeral, to the invoking user).
type slashInvocation struct {
	channel, user string
	ephemeral     bool
}

// Send delivers one chunk: text (and media) to a DM or channel, in a
// thread when the gateway names one.
func (c *slackChannel) Send(ctx context.Context, msg pluginsdk.OutboundMessage) (pluginsdk.SendResult, error) {
	a, err := c.account(msg.AccountID)
	if err != nil {
		return pluginsdk.SendResult{}, err
	}
	if res, ok := a.sent.get(msg.IdempotencyKey); ok && msg.IdempotencyKey != "" {
		return res, nil
	}
	if strings.TrimSpace(msg.Text) == "" && len(msg.Media) == 0 {
		return pluginsdk.SendResult{}, errors.New("slack send: nothing to send (empty text and no media)")
	}
	channelID, err := a.resolveTarget(ctx, msg.Target)
	if err != nil {
		return pluginsdk.SendResult{}, err
	}
	text := msg.Text
	if msg.Format != "plain" {
		text = markdownToMrkdwn(text)
	}
	threadTS := msg.ThreadID
	if threadTS == "" && tsPattern.MatchString(msg.ReplyToID) {
		threadTS = msg.ReplyToID
	}

	var res pluginsdk.SendResult
	if inv, ok := a.slash.get(msg.ReplyToID); ok && msg.ReplyToID != "" && inv.ephemeral {
		ts, err := a.postEphemeral(ctx, inv, text, withMediaLinks("", msg.Media))
		if err != nil {
			return res, err
		}
		res.MessageIDs = append(res.MessageIDs, ts)
		a.sent.put(msg.IdempotencyKey, res)
		return res, nil
	}

	links := withMediaLinks(text, msg.Media)
	if strings.TrimSpace(links) != "" {
		ts, err := a.postMessage(ctx, channelID, links, threadTS)
		if err != nil {
			return res, err
		}
		res.MessageIDs = append(res.MessageIDs, ts)
	}
	for _, m := range msg.Media {
		if len(m.Data) == 0 {
			continue
		}
		id, err := a.upload(ctx, channelID, threadTS, m)
		if err != nil {
			return res, err
		}
		res.MessageIDs = append(res.MessageIDs, id)
	}
	a.sent.put(msg.IdempotencyKey, res)
	return res, nil
}

// withMediaLinks appends media that only has a URL to the text: Slack
// unfurls links, and the file stays where it is.
func withMediaLinks(text string, media []pluginsdk.Media) string {
	var b strings.Builder
	b.WriteString(text)
	for _, m := range media {
		if len(m.Data) > 0 || m.URL == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		if m.Caption != "" {
			b.WriteString(m.Caption + " ")
		}
		b.WriteString(m.URL)
	}
	return b.String()
}

func (a *account) postMessage(ctx context.Context, channelID, text, threadTS string) (string, error) {
	opts := []slack.MsgOption{slack.MsgOptionText(text, false)}
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	if a.cfg.UnfurlLinks != nil && *a.cfg.UnfurlLinks {
		opts = append(opts, slack.MsgOptionEnableLinkUnfurl())
	} else {
		opts = append(opts, slack.MsgOptionDisableLinkUnfurl())
	}
	if a.cfg.UnfurlMedia != nil && !*a.cfg.UnfurlMedia {
		opts = append(opts, slack.MsgOptionDisableMediaUnfurl())
	}
	var ts string
	err := a.cfg.Retry.run(ctx, classify, func(ctx context.Context) error {
		var err error
		_, ts, err = a.api.PostMessageContext(ctx, channelID, opts...)
		return err
	})
	if err != nil {
		return "", sendError("chat.postMessage", channelID, err)
	}
	return ts, nil
}

func (a *account) postEphemeral(ctx context.Context, inv slashInvocation, text, extra string) (string, error) {
	if extra != "" {
		text += "\n" + extra
	}
	var ts string
	err := a.cfg.Retry.run(ctx, classify, func(ctx context.Context) error {
		var err error
		ts, err = a.api.PostEphemeralContext(ctx, inv.channel, inv.user, slack.MsgOptionText(text, false))
		return err
	})
	if err != nil {
		return "", sendError("chat.postEphemeral", inv.channel, err)
	}
	return ts, nil
}

// upload shares inline media through Slack's external upload flow. Each
// step is retried on its own, as the steps are not idempotent together.
func (a *account) upload(ctx context.Context, channelID, threadTS string, m pluginsdk.Media) (string, error) {
	name := m.FileName
	if name == "" {
		name = "attachment"
	}
	var file *slack.FileSummary
	err := a.cfg.Retry.run(ctx, classify, func(ctx context.Context) error {
		var err error
		file, err = a.api.UploadFileContext(ctx, slack.UploadFileParameters{
			Reader: bytes.NewReader(m.Data), FileSize: len(m.Data), Filename: name, Title: name,
			Channel: channelID, ThreadTimestamp: threadTS, InitialComment: m.Caption,
		})
		return err
	})
	if err != nil {
		return "", sendError("file upload", channelID, err)
	}
	return file.ID, nil
}

// sendError wraps a failed call; a rejected token becomes Permanent so the
// gateway reports it instead of retrying.
func sendError(method, channelID string, err error) error {
	err = fmt.Errorf("slack %s to %s: %w", method, channelID, err)
	if isAuthError(err) {
		return pluginsdk.Permanent(err)
	}
	return err
}

// classify decides which failures are worth another attempt. Slack asks
// callers not to replay writes after server errors or lost responses (the
// message may have been posted), so only rate limits and failures to
// connect at all are retried.
func classify(err error) verdict {
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		// Retry-After is whole seconds; a little margin keeps the retry
		// from landing a hair before the window reopens.
		return verdict{retry: true, after: rl.RetryAfter + 100*time.Millisecond}
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return verdict{retry: true}
	}
	return verdict{}
}

// resolveTarget turns a target into a conversation id. It accepts the
// documented forms user:<id>, channel:<id>, <@id>, #name, and bare ids whose
// kind is known from the target or the id's prefix.
func (a *account) resolveTarget(ctx context.Context, t pluginsdk.Target) (string, error) {
	id := strings.TrimSpace(t.ID)
	id = strings.TrimPrefix(id, "slack:")
	switch {
	case id == "":
		return "", errors.New("slack send: the target is empty")
	case strings.HasPrefix(id, "user:"):
		return a.dmChannel(ctx, strings.TrimPrefix(id, "user:"))
	case strings.HasPrefix(id, "channel:"):
		return checkChannelID(strings.TrimPrefix(id, "channel:"))
	case strings.HasPrefix(id, "<@") && strings.HasSuffix(id, ">"):
		u, _, _ := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(id, "<@"), ">"), "|")
		return a.dmChannel(ctx, u)
	case strings.HasPrefix(id, "#"):
		if cid, ok := a.dir.idForName(id); ok {
			return cid, nil
		}
		return "", fmt.Errorf("slack send: no channel named %s is visible to the bot", id)
	}
	switch t.Kind {
	case pluginsdk.PeerDM:
		if channelIDPattern.MatchString(id) && strings.HasPrefix(id, "D") {
			return id, nil
		}
		return a.dmChannel(ctx, id)
	case pluginsdk.PeerChannel, pluginsdk.PeerGroup:
		return checkChannelID(id)
	}
	switch {
	case strings.HasPrefix(id, "U") || strings.HasPrefix(id, "W"):
		return a.dmChannel(ctx, id)
	case channelIDPattern.MatchString(id):
		return id, nil
	}
	return "", fmt.Errorf("slack send: target %q is ambiguous; use user:<id> or channel:<id>", t.ID)
}

func checkChannelID(id string) (string, error) {
	if !channelIDPattern.MatchString(id) {
		return "", fmt.Errorf("slack send: %q is not a channel id (C…, G… or D…)", id)
	}
	return id, nil
}

// dmChannel returns the DM channel with a user: known from an inbound
// message, or opened with conversations.open.
func (a *account) dmChannel(ctx context.Context, user string) (string, error) {
	if user == "" {
		return "", errors.New("slack send: the user id is empty")
	}
	a.mu.Lock()
	ch, ok := a.dms[user]
	a.mu.Unlock()
	if ok {
		return ch, nil
	}
	var channel *slack.Channel
	err := a.cfg.Retry.run(ctx, classify, func(ctx context.Context) error {
		var err error
		channel, _, _, err = a.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{user}, ReturnIM: true})
		return err
	})
	if err != nil {
		return "", sendError("conversations.open", user, err)
	}
	a.rememberDM(user, channel.ID)
	return channel.ID, nil
}

// React adds or removes a reaction (the ack reaction, for one).
func (c *slackChannel) React(ctx context.Context, r pluginsdk.Reaction) error {
	a, err := c.account(r.AccountID)
	if err != nil {
		return err
	}
	channelID, err := a.resolveTarget(ctx, r.Target)
	if err != nil {
		return err
	}
	name, err := emojiName(r.Emoji)
	if err != nil {
		return err
	}
	ref := slack.NewRefToMessage(channelID, r.MessageID)
	err = a.cfg.Retry.run(ctx, classify, func(ctx context.Context) error {
		if r.Remove {
			return a.api.RemoveReactionContext(ctx, name, ref)
		}
		return a.api.AddReactionContext(ctx, name, ref)
	})
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && (se.Err == "already_reacted" || se.Err == "no_reaction") {
		return nil
	}
	if err != nil {
		return sendError("reactions", channelID, err)
	}
	return nil
}

// emojiShortcodes maps the emoji OpenClaw uses by default to Slack's names.
var emojiShortcodes = map[string]string{
	"👀": "eyes", "👍": "+1", "👎": "-1", "✅": "white_check_mark", "❌": "x", "⏳": "hourglass_flowing_sand",
	"🤔": "thinking_face", "🎉": "tada", "❤️": "heart", "🔥": "fire", "🙏": "pray", "😂": "joy", "⚠️": "warning",
}

// emojiName turns ":eyes:", "eyes" or "👀" into Slack's reaction name.
func emojiName(e string) (string, error) {
	e = strings.Trim(strings.TrimSpace(e), ":")
	if e == "" {
		return "", errors.New("slack react: the emoji is empty")
	}
	if name, ok := emojiShortcodes[e]; ok {
		return name, nil
	}
	for _, r := range e {
		if r > 127 {
			return "", fmt.Errorf("slack react: %q has no known Slack shortcode; use a name such as eyes", e)
		}
	}
	return e, nil
}
