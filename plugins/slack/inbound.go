package main

import (
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

// eventCallback is the outer Events API payload (Socket Mode envelope
// payload or HTTP request body).
type eventCallback struct {
	Type      string          `json:"type"`
	TeamID    string          `json:"team_id"`
	EventID   string          `json:"event_id"`
	Challenge string          `json:"challenge"`
	Event     json.RawMessage `json:"event"`
}

// slackEvent is the inner event: a message or an app_mention.
type slackEvent struct {
	Type         string      `json:"type"`
	Subtype      string      `json:"subtype"`
	User         string      `json:"user"`
	BotID        string      `json:"bot_id"`
	Username     string      `json:"username"`
	Text         string      `json:"text"`
	TS           string      `json:"ts"`
	ThreadTS     string      `json:"thread_ts"`
	ParentUserID string      `json:"parent_user_id"`
	Channel      string      `json:"channel"`
	ChannelType  string      `json:"channel_type"`
	Team         string      `json:"team"`
	Hidden       bool        `json:"hidden"`
	Files        []slackFile `json:"files"`
}

type slackFile struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Title      string `json:"title"`
	Mimetype   string `json:"mimetype"`
	Size       int64  `json:"size"`
	URLPrivate string `json:"url_private"`
}

// slashCommand is a slash_commands payload.
type slashCommand struct {
	Command     string `json:"command"`
	Text        string `json:"text"`
	UserID      string `json:"user_id"`
	UserName    string `json:"user_name"`
	ChannelID   string `json:"channel_id"`
	ChannelName string `json:"channel_name"`
	TeamID      string `json:"team_id"`
	TriggerID   string `json:"trigger_id"`
	ResponseURL string `json:"response_url"`
}

// Message subtypes that carry something a person (or bot) said. Edits,
// deletions, joins and the like are not new messages.
var conversational = map[string]bool{"": true, "bot_message": true, "file_share": true, "thread_broadcast": true, "me_message": true}

// identity is who the bot is on Slack, from auth.test.
type identity struct {
	UserID string
	BotID  string
	Name   string
	TeamID string
}

// own reports whether the bot itself wrote the event.
func (id identity) own(ev slackEvent) bool {
	return (ev.User != "" && ev.User == id.UserID) || (ev.BotID != "" && ev.BotID == id.BotID)
}

// peerKind maps Slack's channel_type (or, for app_mention, which lacks it,
// the id's prefix) to the gateway's peer kinds.
func peerKind(channelType, channelID string) pluginsdk.PeerKind {
	switch channelType {
	case "im":
		return pluginsdk.PeerDM
	case "mpim":
		return pluginsdk.PeerGroup
	case "channel", "group":
		return pluginsdk.PeerChannel
	}
	if strings.HasPrefix(channelID, "D") {
		return pluginsdk.PeerDM
	}
	return pluginsdk.PeerChannel
}

var (
	userMention    = regexp.MustCompile(`<@([UW][A-Z0-9]+)(?:\|([^>]*))?>`)
	channelRef     = regexp.MustCompile(`<#([CG][A-Z0-9]+)(?:\|([^>]*))?>`)
	specialMention = regexp.MustCompile(`<!(here|channel|everyone)(?:\|[^>]*)?>`)
	linkRef        = regexp.MustCompile(`<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>`)
)

// mentionedIDs lists the user ids <@…> mentions name, in order, once each.
func mentionedIDs(text string) []string {
	var ids []string
	seen := map[string]bool{}
	for _, m := range userMention.FindAllStringSubmatch(text, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			ids = append(ids, m[1])
		}
	}
	return ids
}

// readableText turns Slack's wire markup into what a person sees: mentions
// as @name, channel references as #name, links as their label and URL, and
// HTML entities decoded. names resolves a user id to a handle.
func readableText(text string, names func(id string) string) string {
	text = userMention.ReplaceAllStringFunc(text, func(s string) string {
		m := userMention.FindStringSubmatch(s)
		if m[2] != "" {
			return "@" + m[2]
		}
		if n := names(m[1]); n != "" {
			return "@" + n
		}
		return "@" + m[1]
	})
	text = channelRef.ReplaceAllStringFunc(text, func(s string) string {
		m := channelRef.FindStringSubmatch(s)
		if m[2] != "" {
			return "#" + m[2]
		}
		return "#" + m[1]
	})
	text = specialMention.ReplaceAllString(text, "@$1")
	text = linkRef.ReplaceAllStringFunc(text, func(s string) string {
		m := linkRef.FindStringSubmatch(s)
		if m[2] == "" || m[2] == m[1] {
			return m[1]
		}
		return m[2] + " (" + m[1] + ")"
	})
	return html.UnescapeString(text)
}

// tsTime converts a Slack timestamp ("1700000000.000100") to a time.
func tsTime(ts string) time.Time {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}
	}
	us, _ := strconv.ParseInt((frac + "000000")[:6], 10, 64)
	return time.Unix(s, us*1000)
}

// tsPattern matches a message timestamp, which is what thread_ts must be.
var tsPattern = regexp.MustCompile(`^\d+\.\d+$`)

// mediaKind names a file's kind from its MIME type.
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

// lookups are the names normalisation may need; each may return "".
type lookups struct {
	userName   func(id string) (name, realName string, isBot bool)
	channel    func(id string) conversation
	configKey  func(id string) string
	rememberDM func(user, channel string)
}

// normaliseEvent turns a message or app_mention event into an inbound
// message. ok is false for events that are not new messages from someone
// else: edits, deletions, joins, and the bot's own posts.
func normaliseEvent(acctID string, me identity, teamID string, ev slackEvent, lk lookups) (pluginsdk.InboundMessage, bool) {
	if ev.Type != "message" && ev.Type != "app_mention" {
		return pluginsdk.InboundMessage{}, false
	}
	if !conversational[ev.Subtype] || ev.Hidden || ev.TS == "" || ev.Channel == "" {
		return pluginsdk.InboundMessage{}, false
	}
	if me.own(ev) {
		return pluginsdk.InboundMessage{}, false
	}
	if strings.TrimSpace(ev.Text) == "" && len(ev.Files) == 0 {
		return pluginsdk.InboundMessage{}, false
	}

	kind := peerKind(ev.ChannelType, ev.Channel)
	if ev.ChannelType == "" && lk.channel(ev.Channel).IsMpIM {
		kind = pluginsdk.PeerGroup
	}
	senderID := ev.User
	if senderID == "" {
		senderID = ev.BotID
	}
	sender := pluginsdk.Sender{ID: senderID, Username: ev.Username, IsBot: ev.BotID != "" || ev.Subtype == "bot_message"}
	if ev.User != "" {
		name, real, isBot := lk.userName(ev.User)
		if name != "" {
			sender.Username = name
		}
		sender.Name = real
		sender.IsBot = sender.IsBot || isBot
	}
	if sender.Name == "" {
		sender.Name = sender.Username
	}

	if teamID == "" {
		teamID = ev.Team
	}
	msg := pluginsdk.InboundMessage{
		Channel:      "slack",
		AccountID:    acctID,
		MessageID:    ev.TS,
		PeerKind:     kind,
		PeerID:       ev.Channel,
		Sender:       sender,
		Text:         readableText(ev.Text, func(id string) string { n, _, _ := lk.userName(id); return n }),
		BotMentioned: ev.Type == "app_mention" || containsMention(ev.Text, me.UserID),
		MentionedIDs: mentionedIDs(ev.Text),
		TeamID:       teamID,
		Timestamp:    tsTime(ev.TS),
		Metadata:     map[string]string{"channelId": ev.Channel},
	}
	if ev.ChannelType != "" {
		msg.Metadata["channelType"] = ev.ChannelType
	}
	if kind == pluginsdk.PeerDM {
		// OpenClaw keys DM sessions by the user, not by the DM channel.
		msg.PeerID = senderID
		lk.rememberDM(senderID, ev.Channel)
	} else {
		c := lk.channel(ev.Channel)
		if c.Name != "" {
			msg.ChatTitle = "#" + c.Name
			msg.Metadata["channelName"] = c.Name
		}
		if key := lk.configKey(ev.Channel); key != "" {
			msg.Metadata["channelConfigKey"] = key
		}
	}
	if ev.ThreadTS != "" && ev.ThreadTS != ev.TS {
		msg.ThreadID = ev.ThreadTS
		msg.ParentPeerID = ev.Channel
		msg.Metadata["threadTs"] = ev.ThreadTS
		msg.ReplyTo = &pluginsdk.ReplyRef{MessageID: ev.ThreadTS, SenderID: ev.ParentUserID, ToBot: ev.ParentUserID != "" && ev.ParentUserID == me.UserID}
	}
	for _, f := range ev.Files {
		name := f.Name
		if name == "" {
			name = f.Title
		}
		msg.Media = append(msg.Media, pluginsdk.Media{URL: f.URLPrivate, MimeType: f.Mimetype, FileName: name, Size: f.Size, Kind: mediaKind(f.Mimetype)})
	}
	return msg, true
}

// containsMention reports whether text mentions user id as <@id> or
// <@id|name>.
func containsMention(text, id string) bool {
	if id == "" {
		return false
	}
	return strings.Contains(text, "<@"+id+">") || strings.Contains(text, "<@"+id+"|")
}

// normaliseSlash turns a slash command into an inbound message. The
// trigger id is unique per invocation and stays the same when Slack
// redelivers it, so it serves as the message id.
func normaliseSlash(acctID string, cmd slashCommand, cfg slashCommandConfig, lk lookups) (pluginsdk.InboundMessage, error) {
	if cmd.TriggerID == "" || cmd.UserID == "" || cmd.ChannelID == "" {
		return pluginsdk.InboundMessage{}, fmt.Errorf("slash command %s lacks trigger_id, user_id or channel_id", cmd.Command)
	}
	kind := peerKind("", cmd.ChannelID)
	msg := pluginsdk.InboundMessage{
		Channel:      "slack",
		AccountID:    acctID,
		MessageID:    cmd.TriggerID,
		PeerKind:     kind,
		PeerID:       cmd.ChannelID,
		Sender:       pluginsdk.Sender{ID: cmd.UserID, Username: cmd.UserName, Name: cmd.UserName},
		Text:         strings.TrimSpace(cmd.Text),
		BotMentioned: true, // a slash command is addressed to the app
		TeamID:       cmd.TeamID,
		Command:      strings.TrimPrefix(cmd.Command, "/"),
		Timestamp:    time.Now(),
		Metadata: map[string]string{
			"channelId":          cmd.ChannelID,
			"slashSessionPrefix": cfg.SessionPrefix,
			"slashEphemeral":     strconv.FormatBool(cfg.ephemeral()),
			"triggerId":          cmd.TriggerID,
		},
	}
	if kind == pluginsdk.PeerDM {
		msg.PeerID = cmd.UserID
		lk.rememberDM(cmd.UserID, cmd.ChannelID)
	} else {
		name := cmd.ChannelName
		if name == "" || name == "privategroup" {
			name = lk.channel(cmd.ChannelID).Name
		}
		if name != "" {
			msg.ChatTitle = "#" + name
			msg.Metadata["channelName"] = name
		}
		if key := lk.configKey(cmd.ChannelID); key != "" {
			msg.Metadata["channelConfigKey"] = key
		}
	}
	return msg, nil
}
