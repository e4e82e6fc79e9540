package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/mymmrac/telego"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

// maxCaption is Telegram's caption limit, in UTF-16 code units.
const maxCaption = 1024

// Send delivers one chunk: text, media, or text as the caption of the
// first medium when it fits.
func (t *telegram) Send(ctx context.Context, msg pluginsdk.OutboundMessage) (pluginsdk.SendResult, error) {
	a, err := t.account(msg.AccountID)
	if err != nil {
		return pluginsdk.SendResult{}, err
	}
	if a.s.sendDisabled {
		return pluginsdk.SendResult{}, pluginsdk.Permanent(fmt.Errorf("sending is disabled by %s.actions.sendMessage", configPath(a.s.accountID)))
	}
	dest, err := parseTarget(msg.Target, msg.ThreadID)
	if err != nil {
		return pluginsdk.SendResult{}, pluginsdk.Permanent(err)
	}
	replyTo := 0
	if msg.ReplyToID != "" {
		if replyTo, err = strconv.Atoi(msg.ReplyToID); err != nil || replyTo <= 0 {
			return pluginsdk.SendResult{}, pluginsdk.Permanent(fmt.Errorf("reply-to id %q is not a Telegram message id", msg.ReplyToID))
		}
	}
	return a.sent.do(ctx, msg.IdempotencyKey, func() (pluginsdk.SendResult, error) {
		return a.send(ctx, dest, replyTo, msg)
	})
}

// formatted is a text in the parse mode it is sent with, and the plain
// fallback used when Telegram rejects the markup.
type formatted struct {
	text      string
	parseMode string
	plain     string
}

func format(text, mode string) formatted {
	switch strings.ToLower(mode) {
	case "plain", "text":
		return formatted{text: text, plain: text}
	case "html":
		return formatted{text: text, parseMode: telego.ModeHTML, plain: text}
	}
	return formatted{text: markdownToHTML(text), parseMode: telego.ModeHTML, plain: text}
}

func (a *account) send(ctx context.Context, dest destination, replyTo int, msg pluginsdk.OutboundMessage) (pluginsdk.SendResult, error) {
	var res pluginsdk.SendResult
	body := format(msg.Text, msg.Format)
	caption := formatted{}
	if len(msg.Media) > 0 && msg.Text != "" && len(utf16.Encode([]rune(msg.Text))) <= maxCaption {
		caption, body = body, formatted{}
	}
	// Only the first message of the chunk answers the original message.
	reply := func() *telego.ReplyParameters {
		if replyTo == 0 || len(res.MessageIDs) > 0 {
			return nil
		}
		return &telego.ReplyParameters{MessageID: replyTo, AllowSendingWithoutReply: true}
	}
	if body.text != "" {
		id, err := a.sendText(ctx, dest, body, reply(), msg.Silent)
		if err != nil {
			return res, err
		}
		res.MessageIDs = append(res.MessageIDs, strconv.Itoa(id))
	}
	for i, m := range msg.Media {
		c := formatted{}
		if m.Caption != "" {
			c = format(m.Caption, msg.Format)
		} else if i == 0 {
			c = caption
		}
		id, err := a.sendMedia(ctx, dest, m, c, reply(), msg.Silent)
		if err != nil {
			return res, fmt.Errorf("send media %d of %d: %w", i+1, len(msg.Media), err)
		}
		res.MessageIDs = append(res.MessageIDs, strconv.Itoa(id))
	}
	if len(res.MessageIDs) == 0 {
		return res, pluginsdk.Permanent(errors.New("nothing to send: the message has neither text nor media"))
	}
	return res, nil
}

// sendText sends a text message. When Telegram rejects the markup, it is
// sent again as plain text at once: parse errors are not retried.
func (a *account) sendText(ctx context.Context, dest destination, f formatted, reply *telego.ReplyParameters, silent bool) (int, error) {
	params := &telego.SendMessageParams{
		ChatID: dest.chat, MessageThreadID: dest.thread, Text: f.text, ParseMode: f.parseMode,
		ReplyParameters: reply, DisableNotification: silent,
	}
	if !a.s.linkPreview {
		params.LinkPreviewOptions = &telego.LinkPreviewOptions{IsDisabled: true}
	}
	m, err := a.sendMessage(ctx, params)
	if err != nil && f.parseMode != "" && isParseError(err) {
		a.log.Debug("Telegram rejected the formatting; sending plain text", "error", describe(err))
		params.Text, params.ParseMode = f.plain, ""
		m, err = a.sendMessage(ctx, params)
	}
	if err != nil {
		return 0, sendError("sendMessage", err)
	}
	return m.MessageID, nil
}

func (a *account) sendMessage(ctx context.Context, params *telego.SendMessageParams) (*telego.Message, error) {
	var m *telego.Message
	err := a.s.retry.do(ctx, func(ctx context.Context) error {
		return withTimeout(ctx, callTimeout, func(ctx context.Context) (err error) {
			m, err = a.bot.SendMessage(ctx, params)
			return err
		})
	})
	return m, err
}

// sendMedia sends an image as a photo and anything else as a document,
// by URL or by upload.
func (a *account) sendMedia(ctx context.Context, dest destination, m pluginsdk.Media, caption formatted, reply *telego.ReplyParameters, silent bool) (int, error) {
	if m.URL == "" && len(m.Data) == 0 {
		return 0, pluginsdk.Permanent(errNoMedia)
	}
	if m.URL != "" && !strings.HasPrefix(m.URL, "https://") && !strings.HasPrefix(m.URL, "http://") {
		return 0, pluginsdk.Permanent(fmt.Errorf("media URL %q is not http(s); pass local files as data", m.URL))
	}
	if limit := a.s.mediaMaxBytes; limit > 0 && int64(len(m.Data)) > limit {
		return 0, pluginsdk.Permanent(fmt.Errorf("media is %d bytes, over mediaMaxMb (%d bytes)", len(m.Data), limit))
	}
	// The file is built per attempt: an upload's reader is used up by a try.
	input := func() telego.InputFile {
		if m.URL != "" {
			return telego.InputFile{URL: m.URL}
		}
		return telego.InputFile{File: namedBytes{Reader: bytes.NewReader(m.Data), name: fileName(m)}}
	}
	photo := m.Kind == "image" || (m.Kind == "" && strings.HasPrefix(m.MimeType, "image/") && m.MimeType != "image/gif")
	method := "sendDocument"
	if photo {
		method = "sendPhoto"
	}
	call := func(ctx context.Context, c formatted) (*telego.Message, error) {
		var msg *telego.Message
		err := a.s.retry.do(ctx, func(ctx context.Context) error {
			timeout := callTimeout
			if m.URL == "" {
				timeout = uploadTimeout
			}
			return withTimeout(ctx, timeout, func(ctx context.Context) (err error) {
				if photo {
					msg, err = a.bot.SendPhoto(ctx, &telego.SendPhotoParams{
						ChatID: dest.chat, MessageThreadID: dest.thread, Photo: input(), Caption: c.text, ParseMode: c.parseMode,
						ReplyParameters: reply, DisableNotification: silent,
					})
				} else {
					msg, err = a.bot.SendDocument(ctx, &telego.SendDocumentParams{
						ChatID: dest.chat, MessageThreadID: dest.thread, Document: input(), Caption: c.text, ParseMode: c.parseMode,
						ReplyParameters: reply, DisableNotification: silent,
					})
				}
				return err
			})
		})
		return msg, err
	}
	msg, err := call(ctx, caption)
	if err != nil && caption.parseMode != "" && isParseError(err) {
		msg, err = call(ctx, formatted{text: caption.plain})
	}
	if err != nil {
		return 0, sendError(method, err)
	}
	return msg.MessageID, nil
}

// namedBytes is an in-memory upload with a file name.
type namedBytes struct {
	*bytes.Reader
	name string
}

func (n namedBytes) Name() string { return n.name }

func fileName(m pluginsdk.Media) string {
	if m.FileName != "" {
		return m.FileName
	}
	switch {
	case m.Kind == "image" || strings.HasPrefix(m.MimeType, "image/"):
		return "image.jpg"
	case strings.HasPrefix(m.MimeType, "audio/"):
		return "audio.ogg"
	case strings.HasPrefix(m.MimeType, "video/"):
		return "video.mp4"
	}
	return "file"
}

// sendError words a failed send; failures retrying cannot fix (a rejected
// token, a chat the bot is not in, a bad request) are Permanent.
func sendError(method string, err error) error {
	wrapped := fmt.Errorf("%s: %s", method, describe(err))
	if pluginsdk.IsPermanent(err) {
		return err
	}
	code := errorCode(err)
	if code >= 400 && code < 500 && code != 429 {
		return pluginsdk.Permanent(wrapped)
	}
	return wrapped
}

// React sets or clears the bot's reaction on a message.
func (t *telegram) React(ctx context.Context, r pluginsdk.Reaction) error {
	a, err := t.account(r.AccountID)
	if err != nil {
		return err
	}
	if a.s.reactDisabled {
		return pluginsdk.Permanent(fmt.Errorf("reactions are disabled by %s.actions.reactions", configPath(a.s.accountID)))
	}
	dest, err := parseTarget(r.Target, "")
	if err != nil {
		return pluginsdk.Permanent(err)
	}
	id, err := strconv.Atoi(r.MessageID)
	if err != nil || id <= 0 {
		return pluginsdk.Permanent(fmt.Errorf("message id %q is not a Telegram message id", r.MessageID))
	}
	params := &telego.SetMessageReactionParams{ChatID: dest.chat, MessageID: id}
	if !r.Remove {
		params.Reaction = []telego.ReactionType{&telego.ReactionTypeEmoji{Type: telego.ReactionEmoji, Emoji: r.Emoji}}
	}
	err = a.s.retry.do(ctx, func(ctx context.Context) error {
		return withTimeout(ctx, callTimeout, func(ctx context.Context) error {
			return a.bot.SetMessageReaction(ctx, params)
		})
	})
	if err != nil {
		return sendError("setMessageReaction", err)
	}
	return nil
}
