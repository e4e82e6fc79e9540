package slackfake

import (
	"fmt"
	"strings"
	"time"
)

// Message is a user message to deliver to the bot as a message event.
type Message struct {
	Channel string
	// ChannelType is "channel", "group", "im" or "mpim". Empty: the type of
	// a known channel, else guessed from the id (D… im, G… group, C…
	// channel).
	ChannelType string
	User        string
	// BotID marks a message written by another app's bot.
	BotID    string
	Username string
	Text     string
	// TS is the message id; empty picks a fresh one.
	TS string
	// ThreadTS puts the message in a thread; ParentUserID is who wrote the
	// thread's root.
	ThreadTS     string
	ParentUserID string
	Subtype      string
	Files        []File
	// AppMention also delivers an app_mention event for the same message,
	// as Slack does when the bot is mentioned in a channel.
	AppMention bool
}

// File is a file attached to a message.
type File struct {
	ID         string
	Name       string
	Mimetype   string
	Size       int
	URLPrivate string
}

// Delivery says what an injection queued.
type Delivery struct {
	// TS is the message's timestamp (its id in the channel).
	TS string
	// EnvelopeIDs are the Socket Mode envelopes carrying it.
	EnvelopeIDs []string
}

// InjectMessage queues a message event (and, if asked, an app_mention
// event) for the bot. An unknown channel is added to the workspace.
func (s *Server) InjectMessage(m Message) Delivery {
	s.mu.Lock()
	if m.TS == "" {
		m.TS = s.nextTS()
	}
	c, ok := s.channels[m.Channel]
	if !ok {
		c = &Channel{ID: m.Channel, Name: strings.ToLower(m.Channel), Type: m.ChannelType}
		if c.Type == "" {
			c.Type = guessType(m.Channel)
		}
		if c.Type == "im" {
			c.Name, c.User = "", m.User
		}
		s.channels[c.ID] = c
	}
	if m.ChannelType == "" {
		m.ChannelType = c.Type
	}
	if _, ok := s.users[m.User]; !ok && m.User != "" {
		s.users[m.User] = &User{ID: m.User, Name: strings.ToLower(m.User), RealName: m.User}
	}
	s.mu.Unlock()

	ev := map[string]any{
		"type": "message", "channel": m.Channel, "channel_type": m.ChannelType, "text": m.Text,
		"ts": m.TS, "event_ts": m.TS, "team": s.opts.TeamID,
	}
	if m.User != "" {
		ev["user"] = m.User
	}
	if m.BotID != "" {
		ev["bot_id"] = m.BotID
		if m.Subtype == "" && m.User == "" {
			ev["subtype"] = "bot_message"
		}
	}
	if m.Username != "" {
		ev["username"] = m.Username
	}
	if m.ThreadTS != "" {
		ev["thread_ts"] = m.ThreadTS
		if m.ParentUserID != "" {
			ev["parent_user_id"] = m.ParentUserID
		}
	}
	if m.Subtype != "" {
		ev["subtype"] = m.Subtype
	}
	if len(m.Files) > 0 {
		files := make([]map[string]any, 0, len(m.Files))
		for _, f := range m.Files {
			files = append(files, map[string]any{
				"id": f.ID, "name": f.Name, "title": f.Name, "mimetype": f.Mimetype, "size": f.Size, "url_private": f.URLPrivate,
			})
		}
		ev["files"] = files
		if m.Subtype == "" {
			ev["subtype"] = "file_share"
		}
	}
	d := Delivery{TS: m.TS, EnvelopeIDs: []string{s.InjectEvent(ev)}}
	if m.AppMention {
		mention := map[string]any{"type": "app_mention", "channel": m.Channel, "user": m.User, "text": m.Text, "ts": m.TS, "event_ts": m.TS, "team": s.opts.TeamID}
		if m.ThreadTS != "" {
			mention["thread_ts"] = m.ThreadTS
		}
		d.EnvelopeIDs = append(d.EnvelopeIDs, s.InjectEvent(mention))
	}
	return d
}

func guessType(id string) string {
	switch {
	case strings.HasPrefix(id, "D"):
		return "im"
	case strings.HasPrefix(id, "G"):
		return "group"
	}
	return "channel"
}

// InjectEvent queues any Events API inner event (the "event" object of an
// event_callback) and returns its envelope id.
func (s *Server) InjectEvent(event map[string]any) string {
	s.mu.Lock()
	s.envSeq++
	eventID := fmt.Sprintf("Ev%08d", s.envSeq)
	s.mu.Unlock()
	payload := map[string]any{
		"token": "fake-verification-token", "team_id": s.opts.TeamID, "api_app_id": s.opts.AppID,
		"event": event, "type": "event_callback", "event_id": eventID, "event_time": time.Now().Unix(),
		"authorizations":        []map[string]any{{"team_id": s.opts.TeamID, "user_id": s.opts.BotUserID, "is_bot": true}},
		"is_ext_shared_channel": false,
	}
	return s.enqueue("events_api", payload, false)
}

// SlashCommand is a slash command invocation.
type SlashCommand struct {
	Command     string // e.g. "/openclaw"
	Text        string
	UserID      string
	UserName    string
	ChannelID   string
	ChannelName string
	// TriggerID is unique per invocation; empty picks one.
	TriggerID string
}

// InjectSlashCommand queues a slash_commands envelope and returns its
// envelope id and trigger id.
func (s *Server) InjectSlashCommand(c SlashCommand) (envelopeID, triggerID string) {
	s.mu.Lock()
	if c.TriggerID == "" {
		s.envSeq++
		c.TriggerID = fmt.Sprintf("%d.%d.fake%06d", s.tsBase, s.envSeq, s.envSeq)
	}
	s.mu.Unlock()
	payload := map[string]string{
		"token": "fake-verification-token", "team_id": s.opts.TeamID, "team_domain": "fake",
		"channel_id": c.ChannelID, "channel_name": c.ChannelName, "user_id": c.UserID, "user_name": c.UserName,
		"command": c.Command, "text": c.Text, "api_app_id": s.opts.AppID, "is_enterprise_install": "false",
		"response_url": s.APIURL() + "commands/" + c.TriggerID, "trigger_id": c.TriggerID,
	}
	return s.enqueue("slash_commands", payload, true), c.TriggerID
}
