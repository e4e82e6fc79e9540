package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	"github.com/slack-go/slack"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

// slackChannel serves every configured Slack account of the plugin.
type slackChannel struct {
	httpClient *http.Client

	mu       sync.Mutex
	accounts map[string]*account
}

func newSlackChannel(httpClient *http.Client) *slackChannel {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 30 * time.Second}
	}
	return &slackChannel{httpClient: httpClient, accounts: map[string]*account{}}
}

var (
	_ pluginsdk.Channel = (*slackChannel)(nil)
	_ pluginsdk.Reactor = (*slackChannel)(nil)
)

// account is one running bot: its config, Web API client and caches.
type account struct {
	id        string
	rawConfig []byte
	cfg       accountConfig
	api       *slack.Client
	host      pluginsdk.Host
	log       hclog.Logger
	dir       *directory
	sent      *recent[pluginsdk.SendResult]

	mu    sync.Mutex
	me    identity
	dms   map[string]string // user id → DM channel id
	users map[string]userInfo
	slash *recent[slashInvocation]
}

type userInfo struct {
	name, realName string
	isBot          bool
}

// userCacheLimit bounds the user name cache; it is cleared when full.
const userCacheLimit = 5000

func (c *slackChannel) newAccount(acct pluginsdk.Account, cfg accountConfig) *account {
	logger := hclog.NewNullLogger()
	if acct.Host != nil {
		logger = acct.Host.Logger().With("account", acct.ID)
	}
	opts := []slack.Option{slack.OptionAPIURL(cfg.APIURL), slack.OptionHTTPClient(c.httpClient)}
	if cfg.AppToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(string(cfg.AppToken)))
	}
	return &account{
		id:        acct.ID,
		rawConfig: append([]byte(nil), acct.Config...),
		cfg:       cfg,
		api:       slack.New(string(cfg.BotToken), opts...),
		host:      acct.Host,
		log:       logger,
		dir:       newDirectory(),
		sent:      newRecent[pluginsdk.SendResult](1024),
		dms:       map[string]string{},
		users:     map[string]userInfo{},
		slash:     newRecent[slashInvocation](512),
	}
}

// Run connects one account and serves it until ctx ends.
func (c *slackChannel) Run(ctx context.Context, acct pluginsdk.Account) error {
	cfg, err := parseAccountConfig(acct)
	if err != nil {
		return err
	}
	a := c.accountFor(acct, cfg)
	if err := a.authenticate(ctx); err != nil {
		if pluginsdk.IsPermanent(err) {
			c.unregister(a)
		}
		return err
	}
	a.prepare(ctx)

	switch cfg.Mode {
	case modeHTTP:
		err = a.runHTTP(ctx)
	default:
		err = a.runSocket(ctx)
	}
	// The Web API keeps working between reconnects, so replies still go out;
	// only a stop or a rejected token takes the account away.
	if ctx.Err() != nil || pluginsdk.IsPermanent(err) {
		c.unregister(a)
	}
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// accountFor returns the account for acct, keeping the one from an earlier
// run (and its caches and sent-keys memory) while the config is unchanged.
func (c *slackChannel) accountFor(acct pluginsdk.Account, cfg accountConfig) *account {
	c.mu.Lock()
	defer c.mu.Unlock()
	if a, ok := c.accounts[acct.ID]; ok && bytes.Equal(a.rawConfig, acct.Config) {
		return a
	}
	a := c.newAccount(acct, cfg)
	c.accounts[acct.ID] = a
	return a
}

func (c *slackChannel) unregister(a *account) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.accounts[a.id] == a {
		delete(c.accounts, a.id)
	}
}

func (c *slackChannel) account(id string) (*account, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.accounts[id]
	if !ok {
		return nil, fmt.Errorf("slack account %q is not connected", id)
	}
	return a, nil
}

// authenticate learns the bot's identity with auth.test. A rejected token
// is Permanent: retrying would only be rejected again.
func (a *account) authenticate(ctx context.Context) error {
	res, err := a.api.AuthTestContext(ctx)
	if err != nil {
		err = fmt.Errorf("slack auth.test: %w", err)
		if isAuthError(err) {
			a.report(ctx, pluginsdk.StateError, err.Error())
			return pluginsdk.Permanent(err)
		}
		return err
	}
	a.mu.Lock()
	a.me = identity{UserID: res.UserID, BotID: res.BotID, Name: res.User, TeamID: res.TeamID}
	a.mu.Unlock()
	return nil
}

func (a *account) identity() identity {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.me
}

// authErrors are Slack error codes no retry can fix.
var authErrors = map[string]bool{
	"invalid_auth": true, "not_authed": true, "account_inactive": true, "token_revoked": true,
	"token_expired": true, "not_allowed_token_type": true, "no_permission": true,
	"org_login_required": true, "team_access_not_granted": true, "ekm_access_denied": true,
}

func isAuthError(err error) bool {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return authErrors[se.Err]
	}
	return false
}

// kvDirectoryKey is where the channel directory is kept between runs, so
// #name config keys still resolve when conversations.list is unavailable.
func (a *account) kvDirectoryKey() string { return "slack/" + a.id + "/channels" }

// prepare resolves channel names for the config's #name keys: from
// conversations.list, falling back to what the last run saved.
func (a *account) prepare(ctx context.Context) {
	if err := a.dir.load(ctx, a.api); err != nil {
		a.log.Warn("cannot list channels; #name keys resolve from the last run only", "error", err)
		a.restoreDirectory(ctx)
	} else {
		a.saveDirectory(ctx)
	}
	keys := make([]string, 0, len(a.cfg.Channels))
	for k := range a.cfg.Channels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if unresolved := a.dir.setConfigKeys(keys); len(unresolved) > 0 {
		a.log.Warn("channel config keys name no channel the bot can see", "keys", unresolved)
	}
}

func (a *account) saveDirectory(ctx context.Context) {
	if a.host == nil {
		return
	}
	b, err := json.Marshal(a.dir.snapshot())
	if err == nil {
		err = a.host.KV().Set(ctx, a.kvDirectoryKey(), b)
	}
	if err != nil {
		a.log.Debug("cannot save channel directory", "error", err)
	}
}

func (a *account) restoreDirectory(ctx context.Context) {
	if a.host == nil {
		return
	}
	b, ok, err := a.host.KV().Get(ctx, a.kvDirectoryKey())
	if err != nil || !ok {
		return
	}
	var convs []conversation
	if json.Unmarshal(b, &convs) != nil {
		return
	}
	for _, c := range convs {
		a.dir.add(c)
	}
}

// report tells the gateway how the account is doing.
func (a *account) report(ctx context.Context, state pluginsdk.AccountState, errMsg string) {
	if a.host == nil {
		return
	}
	st := pluginsdk.AccountStatus{Channel: "slack", AccountID: a.id, State: state, LastError: errMsg, Mode: a.cfg.Mode}
	if me := a.identity(); me.Name != "" {
		st.BotUsername = me.Name
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := a.host.ReportStatus(rctx, st); err != nil {
		a.log.Debug("status report failed", "error", err)
	}
}

// lookups gives normalisation access to the account's caches.
func (a *account) lookups(ctx context.Context) lookups {
	return lookups{
		userName:   func(id string) (string, string, bool) { u := a.user(ctx, id); return u.name, u.realName, u.isBot },
		channel:    func(id string) conversation { return a.dir.lookup(ctx, a.api, id) },
		configKey:  a.dir.configKey,
		rememberDM: a.rememberDM,
	}
}

// user returns a member's names, asking users.info once per user.
func (a *account) user(ctx context.Context, id string) userInfo {
	a.mu.Lock()
	u, ok := a.users[id]
	a.mu.Unlock()
	if ok {
		return u
	}
	info, err := a.api.GetUserInfoContext(ctx, id)
	if err != nil {
		a.log.Debug("users.info failed", "user", id, "error", err)
		return userInfo{}
	}
	u = userInfo{name: info.Name, realName: info.RealName, isBot: info.IsBot}
	if u.realName == "" {
		u.realName = info.Profile.RealName
	}
	a.mu.Lock()
	if len(a.users) >= userCacheLimit {
		a.users = map[string]userInfo{}
	}
	a.users[id] = u
	a.mu.Unlock()
	return u
}

func (a *account) rememberDM(user, channel string) {
	if user == "" || channel == "" {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.dms[user] = channel
}

// emit hands a message to the gateway. A duplicate (a redelivery of a
// message accepted before) counts as success: it is safe to acknowledge.
func (a *account) emit(ctx context.Context, msg pluginsdk.InboundMessage) error {
	if a.host == nil {
		return errors.New("no gateway connection")
	}
	if _, err := a.host.Emit(ctx, msg); err != nil {
		return fmt.Errorf("hand message %s to the gateway: %w", msg.MessageID, err)
	}
	return nil
}

// handleEventPayload processes one Events API payload. It returns nil when
// the envelope may be acknowledged: the message was accepted, or it is one
// the plugin ignores.
func (a *account) handleEventPayload(ctx context.Context, payload []byte) error {
	var cb eventCallback
	if err := json.Unmarshal(payload, &cb); err != nil {
		a.log.Warn("ignoring an undecodable Events API payload", "error", err)
		return nil
	}
	if cb.Type != "event_callback" || len(cb.Event) == 0 {
		return nil
	}
	var ev slackEvent
	if err := json.Unmarshal(cb.Event, &ev); err != nil {
		a.log.Warn("ignoring an undecodable event", "event_id", cb.EventID, "error", err)
		return nil
	}
	msg, ok := normaliseEvent(a.id, a.identity(), cb.TeamID, ev, a.lookups(ctx))
	if !ok {
		return nil
	}
	return a.emit(ctx, msg)
}

// handleSlashPayload processes one slash command. Only the configured
// command (slashCommand.name, when enabled) and, with commands.native,
// any other command reach the gateway.
func (a *account) handleSlashPayload(ctx context.Context, payload []byte) error {
	var cmd slashCommand
	if err := json.Unmarshal(payload, &cmd); err != nil {
		a.log.Warn("ignoring an undecodable slash command", "error", err)
		return nil
	}
	return a.handleSlash(ctx, cmd)
}

func (a *account) handleSlash(ctx context.Context, cmd slashCommand) error {
	ours := a.cfg.SlashCommand.Enabled && cmd.Command == "/"+a.cfg.SlashCommand.Name
	if !ours && !a.cfg.nativeCommands() {
		a.log.Info("ignoring a slash command that is not enabled", "command", cmd.Command)
		return nil
	}
	msg, err := normaliseSlash(a.id, cmd, a.cfg.SlashCommand, a.lookups(ctx))
	if err != nil {
		a.log.Warn("ignoring a slash command", "error", err)
		return nil
	}
	a.slash.put(cmd.TriggerID, slashInvocation{channel: cmd.ChannelID, user: cmd.UserID, ephemeral: a.cfg.SlashCommand.ephemeral()})
	return a.emit(ctx, msg)
}

// Probe checks the bot token with auth.test.
func (c *slackChannel) Probe(ctx context.Context, acct pluginsdk.Account) (pluginsdk.ProbeResult, error) {
	cfg, err := parseAccountConfig(acct)
	if err != nil {
		return pluginsdk.ProbeResult{OK: false, Error: err.Error()}, err
	}
	api := slack.New(string(cfg.BotToken), slack.OptionAPIURL(cfg.APIURL), slack.OptionHTTPClient(c.httpClient))
	start := time.Now()
	res, err := api.AuthTestContext(ctx)
	if err != nil {
		err = fmt.Errorf("slack auth.test: %w", err)
		if isAuthError(err) {
			err = pluginsdk.Permanent(err)
		}
		return pluginsdk.ProbeResult{OK: false, Error: err.Error(), Latency: time.Since(start)}, err
	}
	return pluginsdk.ProbeResult{OK: true, BotID: res.UserID, BotUsername: res.User, BotName: res.User, Latency: time.Since(start)}, nil
}
