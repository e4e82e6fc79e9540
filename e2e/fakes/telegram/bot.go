package telegram

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Bot is one bot hosted by the fake: its update queue, its chats, what it
// sent and the faults waiting for its next calls.
type Bot struct {
	s     *Server
	user  User
	token string

	mu      sync.Mutex
	changed chan struct{}
	revoked bool

	// updates are pending: not yet confirmed by getUpdates or delivered to
	// the webhook, in update_id order.
	updates      []Update
	history      map[int]Update
	nextUpdateID int
	allowed      []string
	polls        map[*poller]struct{}

	chats    map[int64]*chatState
	sent     []Sent
	cursor   int // next Sent NextSent returns
	calls    []Call
	faults   []*Fault
	commands []BotCommand
	actions  []ChatAction
	reacts   []Reaction
	files    map[string]storedFile
	nextFile int
	nextCB   int

	webhook    *webhook
	deliveries []Delivery
}

type chatState struct {
	chat     Chat
	nextID   int
	messages map[int]*Message
	// topics are the forum topics opened in the chat, by thread id.
	topics map[int]string
}

type storedFile struct {
	file File
	data []byte
}

func newBot(s *Server, spec BotSpec) *Bot {
	return &Bot{
		s:            s,
		user:         User{ID: spec.ID, IsBot: true, FirstName: spec.FirstName, Username: spec.Username, CanJoinGroups: true, HasTopicsEnabled: spec.HasTopicsEnabled},
		token:        spec.Token,
		changed:      make(chan struct{}),
		history:      map[int]Update{},
		nextUpdateID: 500000001,
		polls:        map[*poller]struct{}{},
		chats:        map[int64]*chatState{},
		files:        map[string]storedFile{},
	}
}

// Token is the bot's token.
func (b *Bot) Token() string { return b.token }

// User is the bot's own user, as getMe returns it.
func (b *Bot) User() User { return b.user }

// ID is the bot's user id.
func (b *Bot) ID() int64 { return b.user.ID }

// Username is the bot's username, without '@'.
func (b *Bot) Username() string { return b.user.Username }

func (b *Bot) isRevoked() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.revoked
}

// chatLocked returns the chat's state, registering the chat on first use.
func (b *Bot) chatLocked(c Chat) *chatState {
	cs, ok := b.chats[c.ID]
	if !ok {
		cs = &chatState{chat: c, nextID: 1, messages: map[int]*Message{}, topics: map[int]string{}}
		b.chats[c.ID] = cs
	}
	return cs
}

// AddChat makes a chat known to the bot, as if the bot had been added to it,
// so the bot can send there before anyone wrote.
func (b *Bot) AddChat(c Chat) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.chatLocked(c)
}

// Sent is a message the bot sent (or edited).
type Sent struct {
	Method string
	// Message is the message as Telegram stored it: Text and Caption are
	// the plain text after the parse mode was applied.
	Message Message
	// Raw is the text or caption exactly as the bot sent it.
	Raw                 string
	ParseMode           string
	ReplyToMessageID    int
	ThreadID            int
	DisableNotification bool
	LinkPreviewDisabled bool
	// File is the photo or document, for sendPhoto and sendDocument.
	File *SentFile
	Time time.Time
}

// Text is the plain text of the message or its caption.
func (s Sent) Text() string {
	if s.Message.Text != "" {
		return s.Message.Text
	}
	return s.Message.Caption
}

// SentFile is a file the bot sent: an upload, a URL or a file_id.
type SentFile struct {
	URL         string
	FileID      string
	FileName    string
	ContentType string
	Data        []byte
}

// ChatAction is a sendChatAction call ("typing", …).
type ChatAction struct {
	ChatID   int64
	ThreadID int
	Action   string
}

// Reaction is the reaction the bot set on a message; an empty Emojis
// removed the bot's reaction.
type Reaction struct {
	ChatID    int64
	MessageID int
	Emojis    []string
}

// Sent returns everything the bot sent so far, in order.
func (b *Bot) Sent() []Sent {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Sent(nil), b.sent...)
}

// NextSent waits for the next message the bot sends after the one the
// previous NextSent returned.
func (b *Bot) NextSent(ctx context.Context) (Sent, error) {
	var out Sent
	err := b.waitFor(ctx, func() bool {
		if b.cursor < len(b.sent) {
			out = b.sent[b.cursor]
			b.cursor++
			return true
		}
		return false
	})
	if err != nil {
		return Sent{}, fmt.Errorf("wait for the bot to send: %w", err)
	}
	return out, nil
}

// WaitSent waits until the bot has sent a message matching match (earlier
// messages count) and returns the first one.
func (b *Bot) WaitSent(ctx context.Context, match func(Sent) bool) (Sent, error) {
	var out Sent
	err := b.waitFor(ctx, func() bool {
		for _, s := range b.sent {
			if match(s) {
				out = s
				return true
			}
		}
		return false
	})
	if err != nil {
		return Sent{}, fmt.Errorf("wait for a matching sent message: %w", err)
	}
	return out, nil
}

// Calls returns the requests made for method ("" for all), in order.
func (b *Bot) Calls(method string) []Call {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []Call
	for _, c := range b.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// WaitCall waits for a request for method matching match (nil matches
// any), counting earlier ones.
func (b *Bot) WaitCall(ctx context.Context, method string, match func(Call) bool) (Call, error) {
	var out Call
	err := b.waitFor(ctx, func() bool {
		for _, c := range b.calls {
			if c.Method == method && (match == nil || match(c)) {
				out = c
				return true
			}
		}
		return false
	})
	if err != nil {
		return Call{}, fmt.Errorf("wait for a %s call: %w", method, err)
	}
	return out, nil
}

// WaitPolling waits until a getUpdates long poll is parked, waiting for
// updates.
func (b *Bot) WaitPolling(ctx context.Context) error {
	if err := b.waitFor(ctx, func() bool { return len(b.polls) > 0 }); err != nil {
		return fmt.Errorf("wait for a long poll: %w", err)
	}
	return nil
}

// Pending is the number of updates not yet confirmed by the bot.
func (b *Bot) Pending() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.updates)
}

// WaitDrained waits until the bot has confirmed every update.
func (b *Bot) WaitDrained(ctx context.Context) error {
	return b.waitFor(ctx, func() bool { return len(b.updates) == 0 })
}

// Commands returns the command menu the bot set with setMyCommands.
func (b *Bot) Commands() []BotCommand {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]BotCommand(nil), b.commands...)
}

// ChatActions returns the sendChatAction calls.
func (b *Bot) ChatActions() []ChatAction {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]ChatAction(nil), b.actions...)
}

// Reactions returns the reactions the bot set, in order.
func (b *Bot) Reactions() []Reaction {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Reaction(nil), b.reacts...)
}

// WebhookInfo is what getWebhookInfo would answer now.
func (b *Bot) WebhookInfo() WebhookInfo {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.webhookInfoLocked()
}

func (b *Bot) getMe(*http.Request, params) reply {
	return okReply(b.user)
}
