package discord

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// post is a message about to be created.
type post struct {
	author      User
	content     string
	attachments []Attachment
	ref         *Message
	webhookID   string
	nonce       any
	flags       int
	tts         bool
}

var (
	userMention = regexp.MustCompile(`<@!?(\d+)>`)
	roleMention = regexp.MustCompile(`<@&(\d+)>`)
)

// postLocked creates a message in ch, stores it and dispatches
// MESSAGE_CREATE to the gateway sessions. Callers hold s.mu.
func (s *Server) postLocked(ch *Channel, p post) *Message {
	m := &Message{
		ID: s.ids.next(), Type: MessageDefault, ChannelID: ch.ID, GuildID: ch.GuildID,
		Author: p.author, Content: p.content, Timestamp: s.now().UTC(), TTS: p.tts,
		Mentions: []MentionedUser{}, MentionRoles: []string{}, Attachments: []Attachment{}, Embeds: []any{},
		Nonce: p.nonce, WebhookID: p.webhookID, Flags: p.flags,
	}
	if t, ok := SnowflakeTime(m.ID); ok {
		m.Timestamp = t.UTC()
	}
	if ch.GuildID != "" && p.webhookID == "" {
		m.Member = s.partialMemberLocked(p.author.ID)
	}
	seen := map[string]bool{}
	for _, match := range userMention.FindAllStringSubmatch(p.content, -1) {
		u, ok := s.users[match[1]]
		if !ok || seen[u.ID] {
			continue
		}
		seen[u.ID] = true
		mu := MentionedUser{User: u}
		if ch.GuildID != "" {
			mu.Member = s.partialMemberLocked(u.ID)
		}
		m.Mentions = append(m.Mentions, mu)
	}
	for _, match := range roleMention.FindAllStringSubmatch(p.content, -1) {
		m.MentionRoles = append(m.MentionRoles, match[1])
	}
	m.MentionEveryone = strings.Contains(p.content, "@everyone") || strings.Contains(p.content, "@here")
	if p.ref != nil {
		m.Type = MessageReply
		m.MessageReference = &MessageReference{MessageID: p.ref.ID, ChannelID: p.ref.ChannelID, GuildID: p.ref.GuildID}
		ref := *p.ref
		ref.ReferencedMessage = nil // Discord nests one level only
		m.ReferencedMessage = &ref
		// A reply pings its author unless told not to; Discord lists them.
		if !seen[ref.Author.ID] && ref.Author.ID != p.author.ID {
			mu := MentionedUser{User: ref.Author}
			if ch.GuildID != "" {
				mu.Member = s.partialMemberLocked(ref.Author.ID)
			}
			m.Mentions = append(m.Mentions, mu)
		}
	}
	for _, a := range p.attachments {
		a.ID = s.ids.next()
		path := "/attachments/" + ch.ID + "/" + a.ID + "/" + url.PathEscape(a.Filename)
		a.URL, a.ProxyURL = s.srv.URL+path, s.srv.URL+path
		a.Size = len(a.Data)
		s.files[path] = a.Data
		m.Attachments = append(m.Attachments, a)
	}
	s.messages[ch.ID] = append(s.messages[ch.ID], m)
	ch.LastMessageID = &m.ID
	s.dispatchMessageLocked(m)
	s.broadcast()
	return m
}

// partialMemberLocked is the member object Discord attaches to guild
// messages: the membership without the user.
func (s *Server) partialMemberLocked(userID string) *Member {
	mem, ok := s.members[userID]
	if !ok {
		return nil
	}
	mem.User = nil
	if mem.Roles == nil {
		mem.Roles = []string{}
	}
	return &mem
}

// Inject describes a message a person (or another bot) writes.
type Inject struct {
	ChannelID string
	Author    User
	Content   string
	// MentionBot puts the bot's mention (<@id>) in front of Content.
	MentionBot bool
	// MentionBotRole puts the bot's managed role mention in front of Content.
	MentionBotRole bool
	// ReplyTo is the id of a message in the same channel this one answers.
	ReplyTo     string
	Attachments []Attachment
	// WebhookID marks a message posted through a webhook (PluralKit, …).
	WebhookID string
}

// Inject posts a message as in.Author and delivers it to the gateway
// sessions as MESSAGE_CREATE.
func (s *Server) Inject(in Inject) (Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.channels[in.ChannelID]
	if !ok {
		return Message{}, fmt.Errorf("discord fake: channel %s: %w", in.ChannelID, errNoSuch)
	}
	if in.Author.ID == "" {
		return Message{}, fmt.Errorf("discord fake: inject into %s: the author has no id", in.ChannelID)
	}
	if _, known := s.users[in.Author.ID]; !known {
		s.users[in.Author.ID] = in.Author
	}
	for _, a := range in.Attachments {
		if a.Filename == "" {
			return Message{}, fmt.Errorf("discord fake: inject into %s: %w", in.ChannelID, errBadAttachment)
		}
	}
	content := in.Content
	if in.MentionBotRole {
		content = "<@&" + s.world.BotRole.ID + "> " + content
	}
	if in.MentionBot {
		content = "<@" + s.BotID() + "> " + content
	}
	var ref *Message
	if in.ReplyTo != "" {
		if ref = s.findLocked(ch.ID, in.ReplyTo); ref == nil {
			return Message{}, fmt.Errorf("discord fake: reply to %s in %s: %w", in.ReplyTo, ch.ID, errNoSuch)
		}
	}
	m := s.postLocked(ch, post{author: in.Author, content: content, attachments: in.Attachments, ref: ref, webhookID: in.WebhookID})
	return *m, nil
}

// SendDM writes a direct message from a user to the bot.
func (s *Server) SendDM(from User, content string) (Message, error) {
	return s.Inject(Inject{ChannelID: s.DMChannel(from).ID, Author: from, Content: content})
}

// SendChannel writes a message in a guild channel or thread, with the bot
// mentioned or not.
func (s *Server) SendChannel(channelID string, from User, content string, mentionBot bool) (Message, error) {
	return s.Inject(Inject{ChannelID: channelID, Author: from, Content: content, MentionBot: mentionBot})
}

// SendAsBot posts a message authored by the bot itself, as another session
// of the same bot would: the plugin must ignore it.
func (s *Server) SendAsBot(channelID, content string) (Message, error) {
	return s.Inject(Inject{ChannelID: channelID, Author: *s.world.Bot.User, Content: content})
}

// DMChannel returns the DM channel between the bot and a user, opening it
// (and learning the user) when needed.
func (s *Server) DMChannel(u User) Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[u.ID]; !ok {
		s.users[u.ID] = u
	}
	return s.dmChannelLocked(u.ID)
}

// AddGroupDM opens a group DM with the bot and the given people.
func (s *Server) AddGroupDM(name string, people ...User) Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := &Channel{ID: s.ids.next(), Type: ChannelGroupDM, Name: name, Recipients: append([]User(nil), people...)}
	if len(people) > 0 {
		ch.OwnerID = people[0].ID
	}
	for _, u := range people {
		if _, ok := s.users[u.ID]; !ok {
			s.users[u.ID] = u
		}
	}
	s.channels[ch.ID] = ch
	return *ch
}

// AddMember adds a person to the guild with the given role ids.
func (s *Server) AddMember(u User, roles ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
	if roles == nil {
		roles = []string{}
	}
	s.members[u.ID] = Member{User: &u, Roles: roles, JoinedAt: s.now().UTC()}
}

// CreateThread opens a public thread under a guild text channel and tells
// the gateway sessions (THREAD_CREATE).
func (s *Server) CreateThread(parentID, name string) (Channel, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	parent, ok := s.channels[parentID]
	if !ok || parent.GuildID == "" || parent.IsThread() {
		return Channel{}, fmt.Errorf("discord fake: thread parent %s: %w", parentID, errNoSuch)
	}
	pid := parent.ID
	ch := &Channel{
		ID: s.ids.next(), Type: ChannelPublicThread, GuildID: parent.GuildID, Name: name, ParentID: &pid,
		OwnerID: s.world.Alice.ID, ThreadMeta: &ThreadMetadata{AutoArchiveDuration: 1440, ArchiveTimestamp: s.now().UTC()},
	}
	s.channels[ch.ID] = ch
	for _, sess := range s.sessions {
		if sess.intents&IntentGuilds != 0 {
			s.dispatchLocked(sess, "THREAD_CREATE", threadCreate{Channel: *ch, NewlyCreated: true})
		}
	}
	return *ch, nil
}

type threadCreate struct {
	Channel
	NewlyCreated bool `json:"newly_created"`
}

// Messages lists a channel's messages, oldest first.
func (s *Server) Messages(channelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, 0, len(s.messages[channelID]))
	for _, m := range s.messages[channelID] {
		out = append(out, *m)
	}
	return out
}

// BotMessages lists everything the bot has posted, in order.
func (s *Server) BotMessages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.botMessagesLocked()
}

func (s *Server) botMessagesLocked() []Message {
	var all []Message
	for _, list := range s.messages {
		for _, m := range list {
			if m.Author.ID == s.BotID() {
				all = append(all, *m)
			}
		}
	}
	sortMessages(all)
	return all
}

func sortMessages(ms []Message) {
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && idLess(ms[j].ID, ms[j-1].ID); j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}

// WaitBotMessage waits for the first bot message (already posted or still
// to come) that match accepts; a nil match accepts any.
func (s *Server) WaitBotMessage(ctx context.Context, match func(Message) bool) (Message, error) {
	var found Message
	err := s.waitFor(ctx, "a bot message", func() bool {
		for _, m := range s.botMessagesLocked() {
			if match == nil || match(m) {
				found = m
				return true
			}
		}
		return false
	})
	return found, err
}

// WaitBotMessages waits until the bot has posted at least n messages and
// returns them all.
func (s *Server) WaitBotMessages(ctx context.Context, n int) ([]Message, error) {
	var all []Message
	err := s.waitFor(ctx, fmt.Sprintf("%d bot messages", n), func() bool {
		all = s.botMessagesLocked()
		return len(all) >= n
	})
	return all, err
}

// Reactions lists the reactions the bot has on messages now.
func (s *Server) Reactions() []Reaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Reaction(nil), s.reactions...)
}

// WaitReaction waits until the bot's reaction on a message is present
// (present true) or absent (present false).
func (s *Server) WaitReaction(ctx context.Context, messageID, emoji string, present bool) error {
	return s.waitFor(ctx, fmt.Sprintf("reaction %s on %s present=%v", emoji, messageID, present), func() bool {
		for _, r := range s.reactions {
			if r.MessageID == messageID && r.Emoji == emoji {
				return present
			}
		}
		return !present
	})
}
