package channels

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/openclaw-go/openclaw/core/chunking"
	"github.com/openclaw-go/openclaw/core/pluginhost"
	"github.com/openclaw-go/openclaw/pluginsdk"
	pluginv1 "github.com/openclaw-go/openclaw/proto/openclaw/plugin/v1"
)

// Plugins finds the running plugin with an id, waiting for a restart in
// progress up to ctx's deadline.
type Plugins interface {
	Get(ctx context.Context, id string) (*pluginhost.Running, error)
}

// Setup is one channel's configuration: its owning plugin and its accounts.
type Setup struct {
	Channel  string
	PluginID string
	Accounts []Account
}

// AccountView is what `channels status` shows for one account.
type AccountView struct {
	Channel  string
	Account  string
	PluginID string
	pluginsdk.AccountStatus
	// Configured is false for an account a plugin reports that config no
	// longer lists.
	Configured bool
	// Missing lists required config the account lacks.
	Missing []string
}

// Manager is safe for concurrent use.
type Manager struct {
	plugins Plugins
	logger  hclog.Logger

	mu       sync.Mutex
	setups   map[string]Setup                   // by channel
	infos    map[string]*pluginv1.ChannelInfo   // by channel, from metadata
	statuses map[string]pluginsdk.AccountStatus // by channel/account
	missing  map[string][]string                // by channel/account
	required map[string][]RequiredKey           // by channel
}

// NewManager returns a Manager delivering through plugins.
func NewManager(plugins Plugins, logger hclog.Logger) *Manager {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	return &Manager{
		plugins: plugins, logger: logger,
		setups: map[string]Setup{}, infos: map[string]*pluginv1.ChannelInfo{},
		statuses: map[string]pluginsdk.AccountStatus{}, missing: map[string][]string{},
		required: map[string][]RequiredKey{},
	}
}

func key(channel, account string) string { return channel + "/" + account }

// Configure replaces the channel setups. Accounts lacking required config
// are kept out and reported, not started.
func (m *Manager) Configure(setups []Setup, required map[string][]RequiredKey) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.setups = map[string]Setup{}
	m.missing = map[string][]string{}
	m.required = required
	for _, s := range setups {
		var ok []Account
		for _, a := range s.Accounts {
			if miss := MissingKeys(a, required[s.Channel]); len(miss) > 0 {
				m.missing[key(a.Channel, a.ID)] = miss
				continue
			}
			ok = append(ok, a)
		}
		s.Accounts = ok
		m.setups[s.Channel] = s
	}
}

// SetPlugins sets where deliveries go; the plugin host and the manager
// refer to each other, so one of them is completed after construction.
func (m *Manager) SetPlugins(p Plugins) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.plugins = p
}

// Setup returns a channel's setup.
func (m *Manager) Setup(channel string) (Setup, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.setups[channel]
	return s, ok
}

// AccountConfig returns one account's merged config.
func (m *Manager) AccountConfig(channel, account string) (map[string]any, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, a := range m.setups[channel].Accounts {
		if a.ID == account {
			return a.Config, true
		}
	}
	return nil, false
}

// OnReady starts the accounts of every channel a freshly started plugin
// provides. It runs after each plugin (re)start.
func (m *Manager) OnReady(ctx context.Context, r *pluginhost.Running) error {
	if !r.HasKind("channel") {
		return nil
	}
	m.mu.Lock()
	for _, ci := range r.Metadata.GetChannels() {
		m.infos[ci.GetId()] = ci
	}
	var starts []Account
	for _, ci := range r.Metadata.GetChannels() {
		if s, ok := m.setups[ci.GetId()]; ok && s.PluginID == r.ID {
			starts = append(starts, s.Accounts...)
		}
	}
	m.mu.Unlock()
	var errs []error
	for _, a := range starts {
		if err := startAccount(ctx, r, a); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func startAccount(ctx context.Context, r *pluginhost.Running, a Account) error {
	raw, err := json.Marshal(a.Config)
	if err != nil {
		return fmt.Errorf("account %s/%s: %w", a.Channel, a.ID, err)
	}
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if _, err := r.Channel.StartAccount(cctx, &pluginv1.StartAccountRequest{Channel: a.Channel, AccountId: a.ID, ConfigJson: string(raw)}); err != nil {
		return fmt.Errorf("start account %s/%s: %w", a.Channel, a.ID, err)
	}
	return nil
}

// Apply restarts the accounts of a running plugin after a config change:
// removed accounts stop, new and changed ones (re)start.
func (m *Manager) Apply(ctx context.Context, old map[string]Setup) error {
	m.mu.Lock()
	current := make(map[string]Setup, len(m.setups))
	for k, v := range m.setups {
		current[k] = v
	}
	m.mu.Unlock()
	var errs []error
	for ch, s := range current {
		r, err := m.runningFor(ctx, s.PluginID)
		if err != nil {
			continue // started by OnReady when the plugin comes up
		}
		prev := map[string]Account{}
		for _, a := range old[ch].Accounts {
			prev[a.ID] = a
		}
		for _, a := range s.Accounts {
			if p, ok := prev[a.ID]; ok && sameConfig(p.Config, a.Config) {
				delete(prev, a.ID)
				continue
			}
			delete(prev, a.ID)
			if err := startAccount(ctx, r, a); err != nil {
				errs = append(errs, err)
			}
		}
		for id := range prev {
			_, err := r.Channel.StopAccount(ctx, &pluginv1.StopAccountRequest{Channel: ch, AccountId: id})
			if err != nil {
				errs = append(errs, err)
			}
		}
	}
	for ch, s := range old {
		if _, still := current[ch]; still {
			continue
		}
		if r, err := m.runningFor(ctx, s.PluginID); err == nil {
			for _, a := range s.Accounts {
				_, _ = r.Channel.StopAccount(ctx, &pluginv1.StopAccountRequest{Channel: ch, AccountId: a.ID})
			}
		}
	}
	return errors.Join(errs...)
}

// Setups returns a copy of the current setups, to pass to Apply later.
func (m *Manager) Setups() map[string]Setup {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]Setup, len(m.setups))
	for k, v := range m.setups {
		out[k] = v
	}
	return out
}

func sameConfig(a, b map[string]any) bool {
	ra, _ := json.Marshal(a)
	rb, _ := json.Marshal(b)
	return string(ra) == string(rb)
}

func (m *Manager) runningFor(ctx context.Context, pluginID string) (*pluginhost.Running, error) {
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	return m.pluginLookup().Get(cctx, pluginID)
}

func (m *Manager) pluginLookup() Plugins {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.plugins
}

// AccountStatus records a plugin's status report.
func (m *Manager) AccountStatus(_ string, st pluginsdk.AccountStatus) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.statuses[key(st.Channel, st.AccountID)] = st
}

// Status lists every configured account and every account a plugin reports.
func (m *Manager) Status() []AccountView {
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := map[string]bool{}
	var out []AccountView
	for ch, s := range m.setups {
		for _, a := range s.Accounts {
			k := key(ch, a.ID)
			seen[k] = true
			st, ok := m.statuses[k]
			if !ok {
				st = pluginsdk.AccountStatus{Channel: ch, AccountID: a.ID, State: pluginsdk.StateStarting}
			}
			out = append(out, AccountView{Channel: ch, Account: a.ID, PluginID: s.PluginID, AccountStatus: st, Configured: true})
		}
	}
	for k, miss := range m.missing {
		seen[k] = true
		ch, acct := splitKey(k)
		out = append(out, AccountView{Channel: ch, Account: acct, PluginID: m.setups[ch].PluginID, Configured: true, Missing: miss,
			AccountStatus: pluginsdk.AccountStatus{Channel: ch, AccountID: acct, State: pluginsdk.StateStopped, LastError: "missing config: " + fmt.Sprint(miss)}})
	}
	for k, st := range m.statuses {
		if !seen[k] {
			out = append(out, AccountView{Channel: st.Channel, Account: st.AccountID, AccountStatus: st})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Channel != out[j].Channel {
			return out[i].Channel < out[j].Channel
		}
		return out[i].Account < out[j].Account
	})
	return out
}

func splitKey(k string) (string, string) {
	for i := 0; i < len(k); i++ {
		if k[i] == '/' {
			return k[:i], k[i+1:]
		}
	}
	return k, ""
}

// ThreadsAreTopics reports whether a channel's thread ids name forum
// topics, as its plugin declares.
func (m *Manager) ThreadsAreTopics(channel string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	ci, ok := m.infos[channel]
	return ok && ci.GetThreadsAreTopics()
}

// Probe checks one account's credentials through its plugin.
func (m *Manager) Probe(ctx context.Context, channel, account string) (*pluginv1.ProbeResponse, error) {
	s, ok := m.Setup(channel)
	if !ok {
		return nil, fmt.Errorf("channel %s is not configured", channel)
	}
	r, err := m.pluginLookup().Get(ctx, s.PluginID)
	if err != nil {
		return nil, err
	}
	return r.Channel.Probe(ctx, &pluginv1.ProbeRequest{Channel: channel, AccountId: account})
}

// Delivery is a reply or message to send.
type Delivery struct {
	Channel   string
	AccountID string
	Target    pluginsdk.Target
	Text      string
	Media     []pluginsdk.Media
	ReplyToID string
	// ExplicitReply marks a ReplyToID someone asked for (message send
	// --reply-to): the channel's replyToMode, which governs automatic
	// replies, cannot turn it off.
	ExplicitReply bool
	ThreadID      string
	// Key makes delivery idempotent: a retried delivery with the same key
	// is dropped by the plugin chunk by chunk.
	Key string
}

// Result lists the platform ids of every chunk sent.
type Result struct {
	MessageIDs []string
	Chunks     int
}

// Deliver cuts d.Text to the channel's limits and sends every chunk,
// waiting out a plugin restart and retrying chunks the plugin could not take.
func (m *Manager) Deliver(ctx context.Context, d Delivery) (Result, error) {
	s, ok := m.Setup(d.Channel)
	if !ok {
		return Result{}, fmt.Errorf("channel %s is not configured", d.Channel)
	}
	cfg, _ := m.AccountConfig(d.Channel, d.AccountID)
	opts, replyMode := m.chunkOptions(d.Channel, cfg)
	if d.ExplicitReply && replyMode == "off" {
		replyMode = "first"
	}
	chunks := chunking.Split(d.Text, opts)
	if len(chunks) == 0 && len(d.Media) == 0 {
		return Result{}, nil
	}
	if len(chunks) == 0 {
		chunks = []string{""}
	}
	var res Result
	for i, text := range chunks {
		msg := pluginsdk.OutboundMessage{
			Channel: d.Channel, AccountID: d.AccountID, Target: d.Target, Text: text, ThreadID: d.ThreadID,
		}
		if d.Key != "" {
			msg.IdempotencyKey = d.Key + "#" + strconv.Itoa(i)
		}
		if replyMode == "all" || (replyMode != "off" && i == 0) {
			msg.ReplyToID = d.ReplyToID
		}
		if i == len(chunks)-1 {
			msg.Media = d.Media
		}
		ids, err := m.sendChunk(ctx, s.PluginID, msg)
		if err != nil {
			return res, fmt.Errorf("deliver to %s/%s chunk %d of %d: %w", d.Channel, d.AccountID, i+1, len(chunks), err)
		}
		res.MessageIDs = append(res.MessageIDs, ids...)
		res.Chunks++
	}
	return res, nil
}

// sendChunk retries while the plugin restarts; a platform error after the
// plugin's own retries is final.
func (m *Manager) sendChunk(ctx context.Context, pluginID string, msg pluginsdk.OutboundMessage) ([]string, error) {
	backoff := 200 * time.Millisecond
	for attempt := 1; ; attempt++ {
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		r, err := m.pluginLookup().Get(wctx, pluginID)
		cancel()
		if err != nil {
			return nil, err
		}
		res, err := r.Channel.Send(ctx, pluginsdk.OutboundToWire(msg))
		if err == nil {
			return res.GetMessageIds(), nil
		}
		if c := status.Code(err); (c != codes.Unavailable && c != codes.Canceled) || attempt >= 5 || ctx.Err() != nil {
			return nil, err
		}
		m.logger.Warn("plugin could not take a message; retrying", "plugin", pluginID, "error", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(backoff):
		}
		backoff *= 2
	}
}

func (m *Manager) chunkOptions(channel string, cfg map[string]any) (chunking.Options, string) {
	opts := chunking.Options{Limit: 4000, Mode: chunking.ModeLength}
	reply := "off"
	m.mu.Lock()
	if ci, ok := m.infos[channel]; ok {
		if ci.GetTextChunkLimit() > 0 {
			opts.Limit = int(ci.GetTextChunkLimit())
		}
		opts.MaxLines = int(ci.GetMaxLinesPerMessage())
		if d := ci.GetDefaultReplyToMode(); d != "" {
			reply = d
		}
	}
	m.mu.Unlock()
	// Config may tighten the platform's limit, never lift it.
	if v, ok := number(cfg["textChunkLimit"]); ok && v > 0 {
		opts.Limit = min(opts.Limit, v)
	}
	if v, ok := number(cfg["maxLinesPerMessage"]); ok && v >= 0 {
		opts.MaxLines = v
	}
	if st, ok := cfg["streaming"].(map[string]any); ok {
		if mode, ok := st["chunkMode"].(string); ok {
			opts.Mode = chunking.Mode(mode)
		}
	}
	if mode, ok := cfg["chunkMode"].(string); ok {
		opts.Mode = chunking.Mode(mode)
	}
	if v, ok := cfg["replyToMode"].(string); ok && v != "" {
		reply = v
	}
	if reply == "batched" {
		reply = "first"
	}
	return opts, reply
}

func number(v any) (int, bool) {
	switch n := v.(type) {
	case float64:
		return int(n), true
	case int:
		return n, true
	case json.Number:
		i, err := n.Int64()
		return int(i), err == nil
	}
	return 0, false
}
