package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	"github.com/mymmrac/telego"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

const channelID = "telegram"

// channelInfo declares Telegram's delivery limits to the gateway.
var channelInfo = pluginsdk.ChannelInfo{
	ID:                channelID,
	Label:             "Telegram",
	TextChunkLimit:    4096,
	SupportsThreads:   true,
	SupportsReactions: true,
	SupportsMedia:     true,
	// OpenClaw quotes the message it answers on Telegram, first chunk only.
	DefaultReplyToMode: "first",
	// A Telegram thread id is a forum topic.
	ThreadsAreTopics: true,
}

// telegram is the channel: it runs accounts and sends through them.
type telegram struct {
	mu       sync.Mutex
	accounts map[string]*account
}

func newTelegram() *telegram {
	return &telegram{accounts: map[string]*account{}}
}

// account is one running bot.
type account struct {
	s    settings
	bot  *telego.Bot
	http *http.Client
	host pluginsdk.Host
	log  hclog.Logger
	sent *sentCache

	mu   sync.Mutex
	me   identity
	mode string
}

func (a *account) identity() identity {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.me
}

// report tells the gateway how the account is doing. A failed report is
// only logged: the account keeps working without it.
func (a *account) report(ctx context.Context, state pluginsdk.AccountState, cause error) {
	me := a.identity()
	st := pluginsdk.AccountStatus{Channel: channelID, AccountID: a.s.accountID, State: state, BotUsername: me.username, Mode: a.mode}
	if cause != nil {
		st.LastError = describe(cause)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := a.host.ReportStatus(ctx, st); err != nil {
		a.log.Debug("status report failed", "error", err)
	}
}

func (t *telegram) register(a *account) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.accounts[a.s.accountID] = a
}

func (t *telegram) unregister(a *account) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.accounts[a.s.accountID] == a {
		delete(t.accounts, a.s.accountID)
	}
}

func (t *telegram) account(id string) (*account, error) {
	if id == "" {
		id = "default"
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	a, ok := t.accounts[id]
	if !ok {
		return nil, fmt.Errorf("telegram account %q is not running", id)
	}
	return a, nil
}

// Run serves one account until ctx ends: it checks the token with getMe,
// registers the command menu, then receives updates by long polling or
// through a webhook.
func (t *telegram) Run(ctx context.Context, acct pluginsdk.Account) error {
	log := acct.Host.Logger().With("account", acct.ID)
	s, err := parseSettings(acct)
	if err != nil {
		return pluginsdk.Permanent(err)
	}
	bot, client, err := newBot(s)
	if err != nil {
		return pluginsdk.Permanent(fmt.Errorf("%s: %w", configPath(acct.ID), err))
	}
	a := &account{s: s, bot: bot, http: client, host: acct.Host, log: log, sent: newSentCache(1024), mode: "polling"}
	if s.webhook != nil {
		a.mode = "webhook"
	}
	t.register(a)
	defer func() {
		if ctx.Err() != nil {
			t.unregister(a)
		}
	}()
	for _, why := range s.skippedCommands {
		log.Warn("skipping custom command", "reason", why)
	}

	var me *telego.User
	err = withTimeout(ctx, callTimeout, func(ctx context.Context) (err error) {
		me, err = bot.GetMe(ctx)
		return err
	})
	if ctx.Err() != nil {
		return nil
	}
	if err != nil {
		if isUnauthorized(err) {
			return pluginsdk.Permanent(fmt.Errorf("getMe returned 401 Unauthorized: Telegram rejected the bot token of %s; update botToken, tokenFile or TELEGRAM_BOT_TOKEN", configPath(acct.ID)))
		}
		return fmt.Errorf("getMe: %s", describe(err))
	}
	a.mu.Lock()
	a.me = identity{id: me.ID, username: me.Username, topicsInDM: me.HasTopicsEnabled}
	a.mu.Unlock()
	log.Info("bot connected", "username", me.Username, "mode", a.mode)

	a.registerCommands(ctx)
	if s.webhook != nil {
		return a.serveWebhook(ctx)
	}
	return a.poll(ctx)
}

// registerCommands sets the command menu. Failing is not fatal: the
// commands still work when typed, and some API servers lack the method.
func (a *account) registerCommands(ctx context.Context) {
	if len(a.s.commands) == 0 {
		return
	}
	cmds := make([]telego.BotCommand, len(a.s.commands))
	for i, c := range a.s.commands {
		cmds[i] = telego.BotCommand{Command: c.Command, Description: c.Description}
	}
	err := withTimeout(ctx, callTimeout, func(ctx context.Context) error {
		return a.bot.SetMyCommands(ctx, &telego.SetMyCommandsParams{Commands: cmds})
	})
	if err != nil && ctx.Err() == nil {
		a.log.Warn("setMyCommands failed; the command menu is not updated", "error", describe(err))
	}
}

// Probe checks the account's token with getMe.
func (t *telegram) Probe(ctx context.Context, acct pluginsdk.Account) (pluginsdk.ProbeResult, error) {
	s, err := parseSettings(acct)
	if err != nil {
		return pluginsdk.ProbeResult{Error: err.Error()}, nil
	}
	bot, _, err := newBot(s)
	if err != nil {
		return pluginsdk.ProbeResult{Error: err.Error()}, nil
	}
	start := time.Now()
	var me *telego.User
	err = withTimeout(ctx, callTimeout, func(ctx context.Context) (err error) {
		me, err = bot.GetMe(ctx)
		return err
	})
	res := pluginsdk.ProbeResult{Latency: time.Since(start)}
	switch {
	case isUnauthorized(err):
		res.Error = "getMe returned 401 Unauthorized: Telegram rejected the bot token"
	case err != nil:
		res.Error = "getMe failed: " + describe(err)
	default:
		res.OK, res.BotID, res.BotUsername = true, strconv.FormatInt(me.ID, 10), me.Username
		res.BotName = me.FirstName
	}
	return res, nil
}

// emit hands a message to the gateway, retrying until it is accepted or
// ctx ends: the update must not be acknowledged before.
func (a *account) emit(ctx context.Context, in inbound) error {
	const minWait, maxWait = 200 * time.Millisecond, 10 * time.Second
	wait := minWait
	for {
		_, err := a.host.Emit(ctx, in.msg)
		if err == nil {
			if wait > minWait {
				a.report(ctx, pluginsdk.StateConnected, nil)
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		a.log.Warn("the gateway did not accept an inbound message; retrying", "message", in.msg.MessageID, "error", err, "in", wait)
		a.report(ctx, pluginsdk.StateReconnecting, fmt.Errorf("gateway did not accept message %s: %w", in.msg.MessageID, err))
		if !sleep(ctx, wait) {
			return ctx.Err()
		}
		wait = min(wait*2, maxWait)
	}
}

// afterEmit finishes what needs the message to be accepted first.
func (a *account) afterEmit(ctx context.Context, in inbound) {
	if in.callbackID == "" {
		return
	}
	err := withTimeout(ctx, callTimeout, func(ctx context.Context) error {
		return a.bot.AnswerCallbackQuery(ctx, &telego.AnswerCallbackQueryParams{CallbackQueryID: in.callbackID})
	})
	if err != nil && ctx.Err() == nil {
		a.log.Debug("answerCallbackQuery failed", "error", describe(err))
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

var errNoMedia = errors.New("media has neither a URL nor data")
