package main

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/openclaw-go/openclaw/pluginsdk"
)

// channelID is the channel this plugin provides (config channels.discord).
const channelID = "discord"

// channelInfo tells the gateway Discord's delivery limits: 2000
// characters per message, and 17 lines before Discord's client folds a
// message away.
func channelInfo() pluginsdk.ChannelInfo {
	return pluginsdk.ChannelInfo{
		ID:                 channelID,
		Label:              "Discord",
		TextChunkLimit:     maxContent,
		MaxLinesPerMessage: 17,
		SupportsThreads:    true,
		SupportsReactions:  true,
		SupportsMedia:      true,
		DefaultReplyToMode: "first",
	}
}

// options are the knobs tests turn; production uses defaultOptions.
type options struct {
	lookupEnv func(string) (string, bool)
	now       func() time.Time
	// reconnectMin and reconnectMax bound the gateway reconnect backoff;
	// maxReconnects consecutive failures end Run (the SDK starts it again).
	reconnectMin, reconnectMax time.Duration
	maxReconnects              int
	// catchUpWindow is how far back missed messages are fetched after a
	// fresh gateway session.
	catchUpWindow time.Duration
	// emitRetries and emitBackoff govern handing a message to the gateway.
	emitRetries int
	emitBackoff time.Duration
}

// Reconnect timings follow OpenClaw: exponential from 2 s to a 30 s cap, up
// to 50 attempts.
func defaultOptions(lookupEnv func(string) (string, bool)) options {
	return options{
		lookupEnv:     lookupEnv,
		now:           time.Now,
		reconnectMin:  2 * time.Second,
		reconnectMax:  30 * time.Second,
		maxReconnects: 50,
		catchUpWindow: 15 * time.Minute,
		emitRetries:   5,
		emitBackoff:   200 * time.Millisecond,
	}
}

// discordChannel is the plugin's pluginsdk.Channel: it runs accounts and
// routes sends and reactions to them.
type discordChannel struct {
	opts options

	mu       sync.Mutex
	accounts map[string]*account
}

var (
	_ pluginsdk.Channel = (*discordChannel)(nil)
	_ pluginsdk.Reactor = (*discordChannel)(nil)
)

func newChannel(opts options) *discordChannel {
	return &discordChannel{opts: opts, accounts: map[string]*account{}}
}

func accountKey(id string) string {
	if id == "" {
		return "default"
	}
	return id
}

// Run serves one account until ctx ends.
func (c *discordChannel) Run(ctx context.Context, acct pluginsdk.Account) error {
	cfg, err := parseConfig(acct.Config, c.opts.lookupEnv)
	if err != nil {
		return pluginsdk.Permanent(fmt.Errorf("discord account %s: %w", accountKey(acct.ID), err))
	}
	a := c.register(acct, cfg)
	err = a.run(ctx)
	if ctx.Err() != nil {
		c.unregister(a)
	}
	return err
}

// register returns the account's state, kept across restarts of Run with
// the same config so its caches and sent-message log survive a reconnect.
// A running account keeps serving sends between restarts of its gateway
// connection: REST does not need the gateway.
func (c *discordChannel) register(acct pluginsdk.Account, cfg accountConfig) *account {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := accountKey(acct.ID)
	if a, ok := c.accounts[key]; ok && bytes.Equal(a.rawConfig, acct.Config) {
		a.mu.Lock()
		a.host = acct.Host
		a.mu.Unlock()
		return a
	}
	a := newAccount(acct, cfg, c.opts)
	c.accounts[key] = a
	return a
}

func (c *discordChannel) unregister(a *account) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.accounts[a.id] == a {
		delete(c.accounts, a.id)
	}
}

func (c *discordChannel) account(id string) (*account, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.accounts[accountKey(id)]
	if !ok {
		return nil, fmt.Errorf("discord account %q is not running", accountKey(id))
	}
	return a, nil
}

// Send delivers one chunk.
func (c *discordChannel) Send(ctx context.Context, msg pluginsdk.OutboundMessage) (pluginsdk.SendResult, error) {
	a, err := c.account(msg.AccountID)
	if err != nil {
		return pluginsdk.SendResult{}, err
	}
	return a.sent.do(ctx, msg.IdempotencyKey, func() (pluginsdk.SendResult, error) { return a.send(ctx, msg) })
}

// React adds or removes the bot's reaction on a message.
func (c *discordChannel) React(ctx context.Context, r pluginsdk.Reaction) error {
	a, err := c.account(r.AccountID)
	if err != nil {
		return err
	}
	return a.react(ctx, r)
}

// Probe checks the account's token with GET /users/@me.
func (c *discordChannel) Probe(ctx context.Context, acct pluginsdk.Account) (pluginsdk.ProbeResult, error) {
	cfg, err := parseConfig(acct.Config, c.opts.lookupEnv)
	if err != nil {
		err = pluginsdk.Permanent(fmt.Errorf("discord account %s: %w", accountKey(acct.ID), err))
		return pluginsdk.ProbeResult{Error: err.Error()}, err
	}
	rest := newRESTSession(cfg)
	start := c.opts.now()
	me, err := rest.User("@me", discordgo.WithContext(ctx))
	if err != nil {
		err = explainAuth(accountKey(acct.ID), err)
		return pluginsdk.ProbeResult{Error: err.Error()}, err
	}
	return pluginsdk.ProbeResult{
		OK: true, BotID: me.ID, BotUsername: me.Username, BotName: displayName(me, nil),
		Latency: c.opts.now().Sub(start),
	}, nil
}

// explainAuth turns Discord's 401 into a Permanent error that says what to
// fix; other errors pass through.
func explainAuth(account string, err error) error {
	if statusOf(err) == 401 {
		return pluginsdk.Permanent(fmt.Errorf("discord account %s: Discord rejected the bot token (401 Unauthorized); check channels.discord.token or DISCORD_BOT_TOKEN", account))
	}
	return err
}

// newRESTSession is a discordgo session used for REST only. Retries are
// ours (retryPolicy), so discordgo's own are off.
func newRESTSession(cfg accountConfig) *discordgo.Session {
	s, _ := discordgo.New("Bot " + cfg.token) // New never fails
	s.Client = newHTTPClient(cfg)
	s.Dialer = newDialer(cfg.proxy, gatewayIdleTimeout)
	s.ShouldRetryOnRateLimit = false
	s.ShouldReconnectOnError = false
	s.MaxRestRetries = 0
	s.LogLevel = discordgo.LogError
	s.StateEnabled = false
	return s
}
