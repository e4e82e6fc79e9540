package discord

import (
	"strconv"
	"sync"
	"time"
)

// World is the bot, guild, channels and people the fake starts with.
type World struct {
	Bot Member
	// BotRole is the role Discord manages for the bot in Guild.
	BotRole Role
	// ModRole is an ordinary role Alice holds.
	ModRole  Role
	Guild    Guild
	General  Channel
	Help     Channel
	Thread   Channel
	Alice    User
	Bob      User
	OtherBot User
	// Members are the guild's members by user id (the bot included).
	Members map[string]Member
}

func ptr[T any](v T) *T { return &v }

// DefaultWorld is a guild with two text channels and a thread in #general,
// two people (Alice holds a moderator role) and another bot.
func DefaultWorld() World {
	const guildID = "1200000000000000001"
	bot := User{ID: "1100000000000000001", Username: "openclaw", Discriminator: "0", GlobalName: ptr("OpenClaw"), Bot: true}
	alice := User{ID: "1500000000000000001", Username: "alice", Discriminator: "0", GlobalName: ptr("Alice")}
	bob := User{ID: "1500000000000000002", Username: "bob", Discriminator: "0", GlobalName: ptr("Bob")}
	other := User{ID: "1500000000000000003", Username: "helperbot", Discriminator: "0", Bot: true}
	everyone := Role{ID: guildID, Name: "@everyone", Permissions: "1024"}
	mod := Role{ID: "1300000000000000001", Name: "Moderators", Position: 2, Permissions: "8", Mentionable: true}
	botRole := Role{ID: "1300000000000000002", Name: "openclaw", Position: 1, Permissions: "3072", Managed: true, Tags: &RoleTags{BotID: bot.ID}}
	joined := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	w := World{
		Bot:      Member{User: &bot, Roles: []string{botRole.ID}, JoinedAt: joined},
		BotRole:  botRole,
		ModRole:  mod,
		Guild:    Guild{ID: guildID, Name: "OpenClaw Friends", OwnerID: alice.ID, Roles: []Role{everyone, mod, botRole}},
		General:  Channel{ID: "1400000000000000001", Type: ChannelGuildText, GuildID: guildID, Name: "general", Topic: ptr("Anything goes")},
		Help:     Channel{ID: "1400000000000000002", Type: ChannelGuildText, GuildID: guildID, Name: "help", Position: 1},
		Alice:    alice,
		Bob:      bob,
		OtherBot: other,
	}
	w.Thread = Channel{
		ID: "1400000000000000003", Type: ChannelPublicThread, GuildID: guildID, Name: "ideas", ParentID: ptr(w.General.ID), OwnerID: alice.ID,
		ThreadMeta: &ThreadMetadata{AutoArchiveDuration: 1440, ArchiveTimestamp: joined},
	}
	w.Members = map[string]Member{
		bot.ID:   w.Bot,
		alice.ID: {User: &alice, Nick: ptr("Ali"), Roles: []string{mod.ID}, JoinedAt: joined},
		bob.ID:   {User: &bob, Roles: []string{}, JoinedAt: joined},
		other.ID: {User: &other, Roles: []string{}, JoinedAt: joined},
	}
	return w
}

// discordEpoch is the first millisecond of 2015, where snowflakes start.
const discordEpoch = 1420070400000

// snowflakes issues ids the way Discord does: milliseconds since the Discord
// epoch in the high bits, so ids sort by creation time.
type snowflakes struct {
	mu   sync.Mutex
	now  func() time.Time
	last uint64
}

func (s *snowflakes) next() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := uint64(s.now().UnixMilli()-discordEpoch)<<22 | 1<<17
	if id <= s.last {
		id = s.last + 1
	}
	s.last = id
	return strconv.FormatUint(id, 10)
}

// SnowflakeTime is the creation time encoded in a Discord id.
func SnowflakeTime(id string) (time.Time, bool) {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(int64(n>>22) + discordEpoch), true
}
