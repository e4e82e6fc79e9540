package main

import (
	"mime"
	"path"
	"strings"

	"github.com/bwmarrin/discordgo"
	"github.com/openclaw-go/openclaw/pluginsdk"
)

// toInbound normalises a Discord message. ok is false for messages the
// gateway must never see: the bot's own (so it never answers itself) and
// system messages (joins, pins, thread notices).
//
// Peers follow OpenClaw's session keys: a DM's peer is the user, a group
// DM's peer is its channel, a guild channel's peer is the channel, and a
// thread is its parent channel's peer with ThreadID set (sessions become
// …:channel:<parent>:thread:<thread>).
func toInbound(accountID, botID string, m *discordgo.Message, c convo) (pluginsdk.InboundMessage, bool) {
	if m == nil || m.Author == nil || m.Author.ID == botID {
		return pluginsdk.InboundMessage{}, false
	}
	switch m.Type {
	case discordgo.MessageTypeDefault, discordgo.MessageTypeReply,
		discordgo.MessageTypeChatInputCommand, discordgo.MessageTypeContextMenuCommand:
	default:
		return pluginsdk.InboundMessage{}, false
	}
	guildID := m.GuildID
	if guildID == "" {
		guildID = c.ch.guildID
	}
	in := pluginsdk.InboundMessage{
		Channel:   channelID,
		AccountID: accountID,
		MessageID: m.ID,
		GuildID:   guildID,
		Text:      m.Content,
		Timestamp: m.Timestamp,
		Sender: pluginsdk.Sender{
			ID:       m.Author.ID,
			Username: m.Author.Username,
			Name:     displayName(m.Author, m.Member),
			// Webhook posts (PluralKit proxies among them) count as bots
			// until something vouches for them; the gateway applies
			// allowBots.
			IsBot: m.Author.Bot || m.WebhookID != "",
		},
		Metadata: map[string]string{"channelId": m.ChannelID},
	}
	if m.Member != nil && len(m.Member.Roles) > 0 {
		in.Sender.Roles = append([]string(nil), m.Member.Roles...)
	}
	switch {
	case guildID == "" && c.ch.kind == discordgo.ChannelTypeGroupDM:
		in.PeerKind, in.PeerID, in.ChatTitle = pluginsdk.PeerGroup, m.ChannelID, c.ch.name
	case guildID == "":
		in.PeerKind, in.PeerID = pluginsdk.PeerDM, m.Author.ID
	case c.ch.isThread() && c.ch.parentID != "":
		in.PeerKind, in.PeerID = pluginsdk.PeerChannel, c.ch.parentID
		in.ThreadID, in.ParentPeerID = m.ChannelID, c.ch.parentID
		in.ChatTitle = c.ch.name
		setIf(in.Metadata, "parentName", c.ch.parentName)
	default:
		in.PeerKind, in.PeerID, in.ChatTitle = pluginsdk.PeerChannel, m.ChannelID, c.ch.name
	}
	setIf(in.Metadata, "channelName", c.ch.name)
	setIf(in.Metadata, "guildName", c.guild.name)
	setIf(in.Metadata, "webhookId", m.WebhookID)
	if m.MentionEveryone {
		in.Metadata["mentionEveryone"] = "true"
	}

	for _, u := range m.Mentions {
		if u == nil {
			continue
		}
		in.MentionedIDs = append(in.MentionedIDs, u.ID)
		if u.ID == botID {
			in.BotMentioned = true
		}
	}
	for _, r := range m.MentionRoles {
		in.MentionedIDs = append(in.MentionedIDs, "role:"+r)
		if c.guild.botRoles[r] {
			in.BotMentioned = true
		}
	}

	if ref := m.MessageReference; ref != nil && ref.MessageID != "" {
		if ref.Type == discordgo.MessageReferenceTypeForward {
			in.Text = withForwarded(in.Text, m.MessageSnapshots)
			for _, s := range m.MessageSnapshots {
				if s.Message != nil {
					in.Media = append(in.Media, attachmentsToMedia(s.Message.Attachments)...)
				}
			}
		} else {
			in.ReplyTo = &pluginsdk.ReplyRef{MessageID: ref.MessageID}
			if rm := m.ReferencedMessage; rm != nil {
				in.ReplyTo.Text = rm.Content
				if rm.Author != nil {
					in.ReplyTo.SenderID = rm.Author.ID
					in.ReplyTo.ToBot = rm.Author.ID == botID
				}
			}
			if in.ReplyTo.ToBot {
				in.BotMentioned = true
			}
		}
	}
	in.Media = append(in.Media, attachmentsToMedia(m.Attachments)...)
	for _, s := range m.StickerItems {
		if s == nil {
			continue
		}
		in.Media = append(in.Media, pluginsdk.Media{
			URL: discordgo.EndpointCDN + "stickers/" + s.ID + stickerExt(s.FormatType), FileName: s.Name, Kind: "sticker",
		})
	}
	return in, true
}

func setIf(m map[string]string, k, v string) {
	if v != "" {
		m[k] = v
	}
}

// displayName is the name people see: the guild nickname, else the global
// display name, else the username.
func displayName(u *discordgo.User, member *discordgo.Member) string {
	if member != nil && member.Nick != "" {
		return member.Nick
	}
	if u == nil {
		return ""
	}
	if u.GlobalName != "" {
		return u.GlobalName
	}
	return u.Username
}

// withForwarded appends the text of forwarded messages to the sender's own
// caption.
func withForwarded(text string, snaps []discordgo.MessageSnapshot) string {
	var parts []string
	if text != "" {
		parts = append(parts, text)
	}
	for _, s := range snaps {
		if s.Message != nil && s.Message.Content != "" {
			parts = append(parts, "[Forwarded message]\n"+s.Message.Content)
		}
	}
	return strings.Join(parts, "\n\n")
}

func attachmentsToMedia(atts []*discordgo.MessageAttachment) []pluginsdk.Media {
	var out []pluginsdk.Media
	for _, a := range atts {
		if a == nil {
			continue
		}
		ctype := a.ContentType
		if ctype == "" {
			ctype = mime.TypeByExtension(path.Ext(a.Filename))
		}
		out = append(out, pluginsdk.Media{
			URL: a.URL, MimeType: ctype, FileName: a.Filename, Size: int64(a.Size), Kind: mediaKind(ctype),
		})
	}
	return out
}

// mediaKind maps a MIME type to the gateway's media kinds.
func mediaKind(ctype string) string {
	switch {
	case strings.HasPrefix(ctype, "image/"):
		return "image"
	case strings.HasPrefix(ctype, "audio/"):
		return "audio"
	case strings.HasPrefix(ctype, "video/"):
		return "video"
	}
	return "document"
}

func stickerExt(f discordgo.StickerFormat) string {
	switch f {
	case discordgo.StickerFormatTypeLottie:
		return ".json"
	case discordgo.StickerFormatTypeGIF:
		return ".gif"
	}
	return ".png"
}
