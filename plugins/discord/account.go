package main

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	hclog "github.com/hashicorp/go-hclog"
	"github.com/openclaw-go/openclaw/pluginsdk"
)

// account is one bot: its REST session (for sends, reactions and lookups),
// its caches, and while Run is active its gateway connection.
type account struct {
	id        string
	rawConfig json.RawMessage
	cfg       accountConfig
	opts      options
	rest      *discordgo.Session
	sent      *sentLog

	// dmChannels maps user id to the bot's DM channel with them.
	dmChannels *recent[string, string]
	// channels caches what the gateway state does not know (DM channels,
	// channels fetched over REST).
	channels *recent[string, chanFacts]
	// messageChannels maps recent inbound message ids to their channel, so
	// an ack reaction lands on a thread message even though the
	// conversation's peer is the thread's parent.
	messageChannels *recent[string, string]

	mu      sync.Mutex
	host    pluginsdk.Host
	bot     *discordgo.User
	cursors map[string]string // channel id -> last processed message id
}

const (
	cacheSize      = 4096
	statusTimeout  = 5 * time.Second
	statusModeName = "gateway"
)

func newAccount(acct pluginsdk.Account, cfg accountConfig, opts options) *account {
	return &account{
		id:              accountKey(acct.ID),
		rawConfig:       append(json.RawMessage(nil), acct.Config...),
		cfg:             cfg,
		opts:            opts,
		rest:            newRESTSession(cfg),
		sent:            newSentLog(),
		dmChannels:      newRecent[string, string](cacheSize),
		channels:        newRecent[string, chanFacts](cacheSize),
		messageChannels: newRecent[string, string](cacheSize),
		host:            acct.Host,
		cursors:         map[string]string{},
	}
}

func (a *account) logger() hclog.Logger {
	a.mu.Lock()
	h := a.host
	a.mu.Unlock()
	if h == nil || h.Logger() == nil {
		return hclog.NewNullLogger()
	}
	return h.Logger().With("channel", channelID, "account", a.id)
}

func (a *account) currentHost() pluginsdk.Host {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.host
}

func (a *account) botUser() *discordgo.User {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.bot
}

func (a *account) report(state pluginsdk.AccountState, lastErr error) {
	st := pluginsdk.AccountStatus{Channel: channelID, AccountID: a.id, State: state, Mode: statusModeName}
	if bot := a.botUser(); bot != nil {
		st.BotUsername = bot.Username
	}
	if lastErr != nil {
		st.LastError = lastErr.Error()
	}
	ctx, cancel := context.WithTimeout(context.Background(), statusTimeout)
	defer cancel()
	if err := a.currentHost().ReportStatus(ctx, st); err != nil {
		a.logger().Debug("status report failed", "error", err)
	}
}

// checkToken asks Discord who the bot is; a rejected token is Permanent.
func (a *account) checkToken(ctx context.Context) (*discordgo.User, error) {
	var me *discordgo.User
	err := a.cfg.retry.do(ctx, "get bot user", func(ctx context.Context) error {
		u, err := a.rest.User("@me", discordgo.WithContext(ctx))
		me = u
		return err
	})
	if err != nil {
		return nil, explainAuth(a.id, err)
	}
	a.mu.Lock()
	a.bot = me
	a.mu.Unlock()
	return me, nil
}
