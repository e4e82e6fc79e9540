package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	hclog "github.com/hashicorp/go-hclog"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

// mattermostChannel serves every configured Mattermost account.
type mattermostChannel struct {
	httpClient *http.Client

	mu       sync.Mutex
	accounts map[string]*account
}

func newMattermostChannel(httpClient *http.Client) *mattermostChannel {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 30 * time.Second}
	}
	return &mattermostChannel{httpClient: httpClient, accounts: map[string]*account{}}
}

var (
	_ pluginsdk.Channel = (*mattermostChannel)(nil)
	_ pluginsdk.Reactor = (*mattermostChannel)(nil)
)

// account is one bot: its config, REST client and caches. It lives across
// reconnects, so caches and the sent-keys memory survive them.
type account struct {
	id         string
	rawConfig  []byte
	cfg        accountConfig
	api        *client
	httpClient *http.Client
	host       pluginsdk.Host
	log        hclog.Logger

	sent        *recent[pluginsdk.SendResult]
	ownPosts    *recent[struct{}]
	rootAuthors *recent[string]

	mu    sync.Mutex
	me    user
	dms   map[string]string // user id → direct channel id
	users map[string]user
}

const userCacheLimit = 5000

// accountFor returns the running account for acct, or a new one when the
// account is new or its config changed.
func (c *mattermostChannel) accountFor(acct pluginsdk.Account, cfg accountConfig) *account {
	c.mu.Lock()
	defer c.mu.Unlock()
	if a, ok := c.accounts[acct.ID]; ok && bytes.Equal(a.rawConfig, acct.Config) {
		return a
	}
	logger := hclog.NewNullLogger()
	if acct.Host != nil {
		logger = acct.Host.Logger().With("account", acct.ID)
	}
	a := &account{
		id:          acct.ID,
		rawConfig:   append([]byte(nil), acct.Config...),
		cfg:         cfg,
		api:         &client{base: cfg.BaseURL, token: string(cfg.BotToken), http: c.httpClient},
		httpClient:  c.httpClient,
		host:        acct.Host,
		log:         logger,
		sent:        newRecent[pluginsdk.SendResult](1024),
		ownPosts:    newRecent[struct{}](1024),
		rootAuthors: newRecent[string](1024),
		dms:         map[string]string{},
		users:       map[string]user{},
	}
	c.accounts[acct.ID] = a
	return a
}

func (c *mattermostChannel) forget(a *account) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.accounts[a.id] == a {
		delete(c.accounts, a.id)
	}
}

func (c *mattermostChannel) account(id string) (*account, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.accounts[id]
	if !ok {
		return nil, fmt.Errorf("mattermost account %q is not connected", id)
	}
	return a, nil
}

// Run connects one account and serves its event stream until ctx ends or
// the connection drops; the SDK runs it again with backoff.
func (c *mattermostChannel) Run(ctx context.Context, acct pluginsdk.Account) error {
	cfg, err := parseAccountConfig(acct)
	if err != nil {
		return err
	}
	a := c.accountFor(acct, cfg)
	err = a.run(ctx)
	// REST keeps working between reconnects, so replies still go out; only
	// a stop or a rejected token takes the account away.
	if ctx.Err() != nil || pluginsdk.IsPermanent(err) {
		c.forget(a)
	}
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func (a *account) run(ctx context.Context) error {
	if err := a.authenticate(ctx); err != nil {
		return err
	}
	return a.runEvents(ctx)
}

// authenticate learns the bot's identity with users/me. A rejected token
// is Permanent: retrying would only be rejected again.
func (a *account) authenticate(ctx context.Context) error {
	me, err := a.api.me(ctx)
	if err != nil {
		err = fmt.Errorf("mattermost: %w", err)
		if isAuthError(err) {
			a.report(ctx, pluginsdk.StateError, err.Error())
			return pluginsdk.Permanent(err)
		}
		return err
	}
	a.mu.Lock()
	a.me = me
	a.mu.Unlock()
	return nil
}

func (a *account) identity() user {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.me
}

// report tells the gateway how the account is doing.
func (a *account) report(ctx context.Context, state pluginsdk.AccountState, errMsg string) {
	if a.host == nil {
		return
	}
	st := pluginsdk.AccountStatus{Channel: "mattermost", AccountID: a.id, State: state, LastError: errMsg, Mode: "websocket", BotUsername: a.identity().Username}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := a.host.ReportStatus(rctx, st); err != nil {
		a.log.Debug("status report failed", "error", err)
	}
}

// user returns a user, asking the server once per user.
func (a *account) user(ctx context.Context, id string) (user, bool) {
	a.mu.Lock()
	u, ok := a.users[id]
	a.mu.Unlock()
	if ok {
		return u, true
	}
	u, err := a.api.user(ctx, id)
	if err != nil {
		a.log.Debug("cannot look up a user", "user", id, "error", err)
		return user{}, false
	}
	a.mu.Lock()
	if len(a.users) >= userCacheLimit {
		a.users = map[string]user{}
	}
	a.users[id] = u
	a.mu.Unlock()
	return u, true
}

func (a *account) rememberDM(userID, channelID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.dms[userID] = channelID
}

// Probe checks the bot token with users/me.
func (c *mattermostChannel) Probe(ctx context.Context, acct pluginsdk.Account) (pluginsdk.ProbeResult, error) {
	cfg, err := parseAccountConfig(acct)
	if err != nil {
		return pluginsdk.ProbeResult{Error: err.Error()}, err
	}
	api := &client{base: cfg.BaseURL, token: string(cfg.BotToken), http: c.httpClient}
	start := time.Now()
	me, err := api.me(ctx)
	if err != nil {
		err = fmt.Errorf("mattermost: %w", err)
		if isAuthError(err) {
			err = pluginsdk.Permanent(err)
		}
		return pluginsdk.ProbeResult{Error: err.Error(), Latency: time.Since(start)}, err
	}
	return pluginsdk.ProbeResult{OK: true, BotID: me.ID, BotUsername: me.Username, BotName: me.displayName(), Latency: time.Since(start)}, nil
}
