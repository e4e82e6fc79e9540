package main

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

// postedData is the data of a posted event. The post itself and the
// mention list arrive JSON-encoded inside strings.
type postedData struct {
	ChannelDisplayName string `json:"channel_display_name"`
	ChannelName        string `json:"channel_name"`
	ChannelType        string `json:"channel_type"`
	Post               string `json:"post"`
	SenderName         string `json:"sender_name"`
	TeamID             string `json:"team_id"`
	Mentions           string `json:"mentions"`
}

// handlePosted hands a new post to the gateway, unless it is one the bot
// ignores: its own, system messages, empty ones.
func (a *account) handlePosted(ctx context.Context, m wsMessage) error {
	var d postedData
	if err := json.Unmarshal(m.Data, &d); err != nil {
		a.log.Warn("ignoring an undecodable posted event", "error", err)
		return nil
	}
	var p post
	if err := json.Unmarshal([]byte(d.Post), &p); err != nil {
		a.log.Warn("ignoring a posted event with an undecodable post", "error", err)
		return nil
	}
	msg, ok := a.normalise(ctx, d, p)
	if !ok {
		return nil
	}
	if a.host == nil {
		return errNoHost
	}
	if _, err := a.host.Emit(ctx, msg); err != nil {
		return fmt.Errorf("hand post %s to the gateway: %w", p.ID, err)
	}
	return nil
}

// normalise turns a post into an inbound message. ok is false for posts
// that are not someone else's message.
func (a *account) normalise(ctx context.Context, d postedData, p post) (pluginsdk.InboundMessage, bool) {
	me := a.identity()
	if p.ID == "" || p.ChannelID == "" || p.UserID == me.ID || p.Type != "" {
		return pluginsdk.InboundMessage{}, false
	}
	if strings.TrimSpace(p.Message) == "" && len(p.FileIDs) == 0 {
		return pluginsdk.InboundMessage{}, false
	}
	var mentions []string
	if d.Mentions != "" {
		_ = json.Unmarshal([]byte(d.Mentions), &mentions)
	}
	mentioned := containsString(mentions, me.ID) || mentionsName(p.Message, me.Username)

	msg := pluginsdk.InboundMessage{
		Channel:      "mattermost",
		AccountID:    a.id,
		MessageID:    p.ID,
		PeerID:       p.ChannelID,
		Text:         p.Message,
		MentionedIDs: mentions,
		TeamID:       d.TeamID,
		Timestamp:    time.UnixMilli(p.CreateAt),
		Metadata:     map[string]string{"channelId": p.ChannelID, "channelType": d.ChannelType},
	}
	sender := pluginsdk.Sender{ID: p.UserID, Username: strings.TrimPrefix(d.SenderName, "@")}
	sender.IsBot = propTrue(p.Props, "from_bot") || propTrue(p.Props, "from_webhook")
	if u, ok := a.user(ctx, p.UserID); ok {
		sender.Username, sender.Name = u.Username, u.displayName()
		sender.IsBot = sender.IsBot || u.IsBot
	}
	if sender.Name == "" {
		sender.Name = sender.Username
	}
	msg.Sender = sender

	switch d.ChannelType {
	case "D":
		// OpenClaw keys DM sessions by the user, not by the DM channel.
		msg.PeerKind = pluginsdk.PeerDM
		msg.PeerID = p.UserID
		a.rememberDM(p.UserID, p.ChannelID)
		// A direct message is addressed to the bot by nature.
		mentioned = true
	case "G":
		msg.PeerKind = pluginsdk.PeerGroup
	default:
		msg.PeerKind = pluginsdk.PeerChannel
	}
	if msg.PeerKind != pluginsdk.PeerDM {
		msg.ChatTitle = d.ChannelDisplayName
		if d.ChannelName != "" {
			msg.Metadata["channelName"] = d.ChannelName
		}
	}
	msg.BotMentioned, msg.Text = a.addressed(mentioned, p.Message)

	if p.RootID != "" {
		msg.ThreadID = p.RootID
		msg.ParentPeerID = p.ChannelID
		root := a.rootAuthor(ctx, p.RootID)
		msg.ReplyTo = &pluginsdk.ReplyRef{MessageID: p.RootID, SenderID: root, ToBot: root != "" && root == me.ID}
	}
	files := p.Metadata.Files
	if len(files) == 0 {
		for _, id := range p.FileIDs {
			files = append(files, fileInfo{ID: id})
		}
	}
	for _, f := range files {
		msg.Media = append(msg.Media, pluginsdk.Media{
			URL: a.cfg.BaseURL + "/api/v4/files/" + f.ID, MimeType: f.MimeType, FileName: f.Name, Size: f.Size, Kind: mediaKind(f.MimeType),
		})
	}
	return msg, true
}

// addressed applies the chat mode: whether the message counts as
// addressed to the bot (the gateway's mention gate reads BotMentioned),
// and the text with an onchar trigger prefix removed.
func (a *account) addressed(mentioned bool, text string) (bool, string) {
	switch a.cfg.ChatMode {
	case chatOnMessage:
		return true, text
	case chatOnChar:
		trimmed := strings.TrimLeft(text, " \t")
		for _, prefix := range a.cfg.OncharPrefixes {
			if strings.HasPrefix(trimmed, prefix) {
				return true, strings.TrimSpace(strings.TrimPrefix(trimmed, prefix))
			}
		}
	}
	return mentioned, text
}

// rootAuthor returns who wrote a thread's root post: the bot when it is one
// of its recent posts, else as the server says. "" when unknown.
func (a *account) rootAuthor(ctx context.Context, rootID string) string {
	if _, ok := a.ownPosts.get(rootID); ok {
		return a.identity().ID
	}
	if author, ok := a.rootAuthors.get(rootID); ok {
		return author
	}
	p, err := a.api.getPost(ctx, rootID)
	if err != nil {
		a.log.Debug("cannot fetch a thread root", "post", rootID, "error", err)
		return ""
	}
	a.rootAuthors.put(rootID, p.UserID)
	return p.UserID
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// mentionsName reports whether text @-mentions username as a whole word.
func mentionsName(text, username string) bool {
	if username == "" {
		return false
	}
	re := regexp.MustCompile(`(?i)(^|[^\w.-])@` + regexp.QuoteMeta(username) + `($|[^\w-])`)
	return re.MatchString(text)
}

func propTrue(props map[string]any, key string) bool {
	switch v := props[key].(type) {
	case bool:
		return v
	case string:
		return v == "true"
	}
	return false
}

func mediaKind(mime string) string {
	switch {
	case strings.HasPrefix(mime, "image/"):
		return "image"
	case strings.HasPrefix(mime, "audio/"):
		return "audio"
	case strings.HasPrefix(mime, "video/"):
		return "video"
	}
	return "document"
}
