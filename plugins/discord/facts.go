package main

import (
	"context"

	"github.com/bwmarrin/discordgo"
)

// chanFacts is what normalising a message needs to know about its channel.
type chanFacts struct {
	id, guildID, name    string
	parentID, parentName string
	kind                 discordgo.ChannelType
	known                bool
}

func (c chanFacts) isThread() bool {
	switch c.kind {
	case discordgo.ChannelTypeGuildNewsThread, discordgo.ChannelTypeGuildPublicThread, discordgo.ChannelTypeGuildPrivateThread:
		return true
	}
	return false
}

// guildFacts is what normalising needs to know about a guild.
type guildFacts struct {
	name string
	// botRoles are the roles that stand for the bot: mentioning one is
	// mentioning the bot.
	botRoles map[string]bool
}

// convo is everything known about where a message was written.
type convo struct {
	ch    chanFacts
	guild guildFacts
}

// conversation gathers the channel (and thread parent) and guild facts for
// a message from the gateway state, then the cache, then REST.
func (a *account) conversation(ctx context.Context, gw *discordgo.Session, m *discordgo.Message) convo {
	ch := a.channelFacts(ctx, gw, m.ChannelID)
	if ch.guildID == "" {
		ch.guildID = m.GuildID
	}
	if ch.parentID != "" && ch.parentName == "" {
		ch.parentName = a.channelFacts(ctx, gw, ch.parentID).name
	}
	guildID := m.GuildID
	if guildID == "" {
		guildID = ch.guildID
	}
	var botID string
	if bot := a.botUser(); bot != nil {
		botID = bot.ID
	}
	return convo{ch: ch, guild: stateGuild(gw.State, guildID, botID)}
}

func (a *account) channelFacts(ctx context.Context, gw *discordgo.Session, id string) chanFacts {
	if f, ok := stateChannel(gw.State, id); ok {
		return f
	}
	if f, ok := a.channels.get(id); ok {
		return f
	}
	var c *discordgo.Channel
	err := a.cfg.retry.do(ctx, "look up channel "+id, func(ctx context.Context) error {
		var err error
		c, err = a.rest.Channel(id, discordgo.WithContext(ctx))
		return err
	})
	if err != nil {
		a.logger().Warn("could not look up channel; treating it as a plain channel", "channel_id", id, "error", err)
		return chanFacts{id: id}
	}
	f := chanFacts{id: c.ID, guildID: c.GuildID, name: c.Name, parentID: c.ParentID, kind: c.Type, known: true}
	a.channels.put(id, f)
	return f
}

// stateChannel reads a channel from the gateway state. Channels listed in
// GUILD_CREATE carry no guild id, so the owning guild is searched for when
// it is missing.
func stateChannel(st *discordgo.State, id string) (chanFacts, bool) {
	if st == nil {
		return chanFacts{}, false
	}
	c, err := st.Channel(id)
	if err != nil {
		return chanFacts{}, false
	}
	st.RLock()
	defer st.RUnlock()
	f := chanFacts{id: c.ID, guildID: c.GuildID, name: c.Name, parentID: c.ParentID, kind: c.Type, known: true}
	if f.guildID == "" && c.Type != discordgo.ChannelTypeDM && c.Type != discordgo.ChannelTypeGroupDM {
		for _, g := range st.Guilds {
			if owns(g, id) {
				f.guildID = g.ID
				break
			}
		}
	}
	return f, true
}

func owns(g *discordgo.Guild, channelID string) bool {
	for _, c := range g.Channels {
		if c.ID == channelID {
			return true
		}
	}
	for _, c := range g.Threads {
		if c.ID == channelID {
			return true
		}
	}
	return false
}

// stateGuild reads the guild's name and the bot's own roles: the roles
// Discord manages for the bot, or all its roles when role details are
// unknown.
func stateGuild(st *discordgo.State, guildID, botID string) guildFacts {
	if st == nil || guildID == "" {
		return guildFacts{}
	}
	g, err := st.Guild(guildID)
	if err != nil {
		return guildFacts{}
	}
	member, _ := st.Member(guildID, botID)
	st.RLock()
	defer st.RUnlock()
	f := guildFacts{name: g.Name}
	if member == nil {
		return f
	}
	managed := map[string]bool{}
	for _, r := range g.Roles {
		managed[r.ID] = r.Managed
	}
	f.botRoles = map[string]bool{}
	for _, r := range member.Roles {
		if isManaged, known := managed[r]; isManaged || !known {
			f.botRoles[r] = true
		}
	}
	return f
}
