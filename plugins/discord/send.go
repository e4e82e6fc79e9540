package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
	"github.com/openclaw-go/openclaw/pluginsdk"
)

const (
	// maxContent is Discord's per-message limit in characters; the gateway
	// chunks replies to it, so a longer chunk is a caller's bug.
	maxContent = 2000
	// maxFiles is how many attachments one Discord message may carry.
	maxFiles = 10
)

// messageCreate is the body of POST /channels/{id}/messages. discordgo's
// MessageSend lacks nonce and enforce_nonce, which make a retried create
// return the first message instead of posting a duplicate.
type messageCreate struct {
	Content          string                            `json:"content,omitempty"`
	Nonce            string                            `json:"nonce,omitempty"`
	EnforceNonce     bool                              `json:"enforce_nonce,omitempty"`
	Flags            discordgo.MessageFlags            `json:"flags,omitempty"`
	AllowedMentions  *discordgo.MessageAllowedMentions `json:"allowed_mentions,omitempty"`
	MessageReference *discordgo.MessageReference       `json:"message_reference,omitempty"`
}

// send delivers one outbound chunk: text with up to ten files per Discord
// message (more files follow in further messages), replying natively to
// ReplyToID with the first one.
func (a *account) send(ctx context.Context, msg pluginsdk.OutboundMessage) (pluginsdk.SendResult, error) {
	dest, err := parseTarget(msg.Target)
	if err != nil {
		return pluginsdk.SendResult{}, pluginsdk.Permanent(err)
	}
	channel := dest.channelID
	switch {
	case msg.ThreadID != "":
		if !isSnowflake(msg.ThreadID) {
			return pluginsdk.SendResult{}, pluginsdk.Permanent(fmt.Errorf("thread id %q is not a Discord id", msg.ThreadID))
		}
		channel = msg.ThreadID // a thread is a channel of its own
	case dest.userID != "":
		if channel, err = a.dmChannel(ctx, dest.userID); err != nil {
			return pluginsdk.SendResult{}, err
		}
	}
	if msg.ReplyToID != "" && !isSnowflake(msg.ReplyToID) {
		return pluginsdk.SendResult{}, pluginsdk.Permanent(fmt.Errorf("reply-to id %q is not a Discord message id", msg.ReplyToID))
	}

	files, links, err := a.prepareMedia(ctx, msg.Media)
	if err != nil {
		return pluginsdk.SendResult{}, err
	}
	text := msg.Text
	if text == "" {
		for _, m := range msg.Media {
			if m.Caption != "" {
				text = m.Caption
				break
			}
		}
	}
	if len(links) > 0 {
		text = strings.TrimSpace(text + "\n" + strings.Join(links, "\n"))
	}
	if n := utf8.RuneCountInString(text); n > maxContent {
		return pluginsdk.SendResult{}, pluginsdk.Permanent(fmt.Errorf("message text is %d characters; Discord allows %d per message", n, maxContent))
	}
	if text == "" && len(files) == 0 {
		return pluginsdk.SendResult{}, pluginsdk.Permanent(errors.New("nothing to send: no text and no media"))
	}

	var flags discordgo.MessageFlags
	if a.cfg.suppressEmbeds {
		flags |= discordgo.MessageFlagsSuppressEmbeds
	}
	if msg.Silent {
		flags |= discordgo.MessageFlagsSuppressNotifications
	}
	var res pluginsdk.SendResult
	for part := 0; part == 0 || len(files) > 0; part++ {
		body := messageCreate{
			Flags: flags,
			// Agent text must not ping @everyone or @here by accident.
			AllowedMentions: &discordgo.MessageAllowedMentions{
				Parse:       []discordgo.AllowedMentionType{discordgo.AllowedMentionTypeUsers, discordgo.AllowedMentionTypeRoles},
				RepliedUser: true,
			},
		}
		if part == 0 {
			body.Content = text
			if msg.ReplyToID != "" {
				no := false
				body.MessageReference = &discordgo.MessageReference{MessageID: msg.ReplyToID, FailIfNotExists: &no}
			}
		}
		if msg.IdempotencyKey != "" {
			body.Nonce, body.EnforceNonce = nonce(msg.IdempotencyKey, part), true
		}
		batch := files[:min(len(files), maxFiles)]
		files = files[len(batch):]
		id, err := a.createMessage(ctx, channel, body, batch)
		if err != nil {
			return res, err
		}
		res.MessageIDs = append(res.MessageIDs, id)
	}
	return res, nil
}

// nonce derives Discord's 25-character message nonce from the gateway's
// idempotency key and the part number.
func nonce(key string, part int) string {
	sum := sha256.Sum256([]byte(key + "\x00" + strconv.Itoa(part)))
	return hex.EncodeToString(sum[:])[:25]
}

// createMessage posts one message with the retry policy. Client errors
// (4xx other than 429) are Permanent: sending again cannot fix them.
func (a *account) createMessage(ctx context.Context, channel string, body messageCreate, files []upload) (string, error) {
	endpoint := discordgo.EndpointChannelMessages(channel)
	var raw []byte
	err := a.cfg.retry.do(ctx, "send message to channel "+channel, func(ctx context.Context) error {
		var err error
		if len(files) == 0 {
			raw, err = a.rest.RequestWithBucketID("POST", endpoint, body, endpoint, discordgo.WithContext(ctx))
			return err
		}
		parts := make([]*discordgo.File, len(files))
		for i, f := range files {
			parts[i] = &discordgo.File{Name: f.name, ContentType: f.contentType, Reader: bytes.NewReader(f.data)}
		}
		ctype, payload, err := discordgo.MultipartBodyWithJSON(body, parts)
		if err != nil {
			return fmt.Errorf("%w: encode upload: %v", errPermanentSend, err)
		}
		raw, err = a.rest.RequestRaw("POST", endpoint, ctype, payload, endpoint, 0, discordgo.WithContext(ctx))
		return err
	})
	if err != nil {
		return "", classifySendError(a.id, err)
	}
	var m discordgo.Message
	if err := json.Unmarshal(raw, &m); err != nil || m.ID == "" {
		// Discord took the message but its id is unknown: report it rather
		// than retry into a duplicate.
		return "", pluginsdk.Permanent(fmt.Errorf("send message to channel %s: Discord's reply has no message id", channel))
	}
	return m.ID, nil
}

func classifySendError(account string, err error) error {
	if s := statusOf(err); s == 401 {
		return explainAuth(account, err)
	} else if s >= 400 && s < 500 && s != 429 {
		return pluginsdk.Permanent(err)
	}
	if errors.Is(err, errPermanentSend) {
		return pluginsdk.Permanent(err)
	}
	return err
}

// dmChannel returns the bot's DM channel with a user, opening it once.
func (a *account) dmChannel(ctx context.Context, userID string) (string, error) {
	if id, ok := a.dmChannels.get(userID); ok {
		return id, nil
	}
	var ch *discordgo.Channel
	err := a.cfg.retry.do(ctx, "open DM with user "+userID, func(ctx context.Context) error {
		var err error
		ch, err = a.rest.UserChannelCreate(userID, discordgo.WithContext(ctx))
		return err
	})
	if err != nil {
		return "", classifySendError(a.id, err)
	}
	a.dmChannels.put(userID, ch.ID)
	return ch.ID, nil
}

// react adds or removes the bot's reaction. The message's channel comes
// from the inbound message when known (threads and DMs), else from the
// target.
func (a *account) react(ctx context.Context, r pluginsdk.Reaction) error {
	if !isSnowflake(r.MessageID) {
		return pluginsdk.Permanent(fmt.Errorf("reaction: message id %q is not a Discord id", r.MessageID))
	}
	emoji := reactionEmoji(r.Emoji)
	if emoji == "" {
		return pluginsdk.Permanent(errors.New("reaction: no emoji"))
	}
	channel, ok := a.messageChannels.get(r.MessageID)
	if !ok {
		dest, err := parseTarget(r.Target)
		if err != nil {
			return pluginsdk.Permanent(fmt.Errorf("reaction: %w", err))
		}
		if channel = dest.channelID; dest.userID != "" {
			if channel, err = a.dmChannel(ctx, dest.userID); err != nil {
				return err
			}
		}
	}
	what := "add reaction"
	if r.Remove {
		what = "remove reaction"
	}
	err := a.cfg.retry.do(ctx, what, func(ctx context.Context) error {
		if r.Remove {
			return a.rest.MessageReactionRemove(channel, r.MessageID, emoji, "@me", discordgo.WithContext(ctx))
		}
		return a.rest.MessageReactionAdd(channel, r.MessageID, emoji, discordgo.WithContext(ctx))
	})
	if err != nil {
		return classifySendError(a.id, err)
	}
	return nil
}

// reactionEmoji accepts a unicode emoji, name:id, or the <:name:id> and
// <a:name:id> forms, returning what Discord's reaction URL expects.
func reactionEmoji(e string) string {
	e = strings.TrimSpace(e)
	if strings.HasPrefix(e, "<") && strings.HasSuffix(e, ">") {
		e = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSuffix(e[1:], ">"), "a:"), ":")
	}
	return e
}
