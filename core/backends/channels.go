package backends

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/openclaw-go/openclaw/core/channels"
	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/pluginhost"
	"github.com/openclaw-go/openclaw/pluginsdk"
)

// defaultProbeTimeout bounds one account's live check when the caller
// sets no timeout.
const defaultProbeTimeout = 10 * time.Second

// channelService reports the channel manager's accounts and sends through
// it.
type channelService struct{ d *Deps }

// Status implements backend.Channels.
func (c *channelService) Status(ctx context.Context, q backend.ChannelQuery) ([]backend.ChannelStatus, error) {
	mgr := c.d.Channels
	setups := mgr.Setups()
	views := map[string][]channels.AccountView{}
	for _, v := range mgr.Status() {
		views[v.Channel] = append(views[v.Channel], v)
	}
	ids := make([]string, 0, len(views))
	for id := range views {
		ids = append(ids, id)
	}
	for id := range setups {
		if _, ok := views[id]; !ok {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	if q.Channel != "" {
		if _, ok := views[q.Channel]; !ok {
			if _, ok := setups[q.Channel]; !ok {
				return nil, fmt.Errorf("channel %q is not configured: %w", q.Channel, backend.ErrNotFound)
			}
		}
		ids = []string{q.Channel}
	}
	out := make([]backend.ChannelStatus, 0, len(ids))
	for _, id := range ids {
		cs := backend.ChannelStatus{ID: id, Label: c.label(id), Accounts: []backend.AccountStatus{}}
		if s, ok := setups[id]; ok {
			cs.DefaultAccountID = defaultAccount(s)
		}
		for _, v := range views[id] {
			cs.Accounts = append(cs.Accounts, c.account(v))
		}
		out = append(out, cs)
	}
	if q.Probe {
		c.probe(ctx, out, q.Timeout)
	}
	return out, nil
}

// label is the channel's display name: its plugin's name, else its id.
func (c *channelService) label(channel string) string {
	if cat := c.d.catalog(); cat != nil {
		if e, ok := cat.ChannelOwner(channel); ok && e.Manifest != nil && e.Manifest.Name != "" && len(e.Manifest.Channels) == 1 {
			return e.Manifest.Name
		}
	}
	if channel == "" {
		return channel
	}
	return strings.ToUpper(channel[:1]) + channel[1:]
}

// account maps one account's state. Lifecycle is blocked when required
// config is missing and parked when its plugin was parked after crashing.
func (c *channelService) account(v channels.AccountView) backend.AccountStatus {
	a := backend.AccountStatus{
		AccountID: v.Account, Name: v.BotUsername, Enabled: v.Configured, Configured: v.Configured && len(v.Missing) == 0,
		LastError: v.LastError, LastInboundAt: v.LastInbound, LastOutboundAt: v.LastOutbound,
	}
	switch v.State {
	case pluginsdk.StateConnected:
		a.Running, a.Connected, a.Lifecycle = true, true, "running"
	case pluginsdk.StateReconnecting:
		a.Running, a.Lifecycle = true, "starting"
	case pluginsdk.StateStarting:
		a.Lifecycle = "starting"
	default:
		a.Lifecycle = "stopped"
	}
	switch {
	case len(v.Missing) > 0:
		a.Running, a.Connected, a.Lifecycle = false, false, "blocked"
	case v.PluginID != "" && c.d.Plugins != nil:
		if st, ok := c.d.Plugins.Status(v.PluginID); ok && st.State == pluginhost.StateFailed {
			a.Running, a.Connected, a.Lifecycle = false, false, "parked"
			if a.LastError == "" {
				a.LastError = "plugin " + v.PluginID + " is parked: " + st.LastError
			}
		}
	}
	return a
}

// probe checks every configured account at once, each within timeout.
func (c *channelService) probe(ctx context.Context, chans []backend.ChannelStatus, timeout time.Duration) {
	if timeout <= 0 {
		timeout = defaultProbeTimeout
	}
	var wg sync.WaitGroup
	for i := range chans {
		for j := range chans[i].Accounts {
			a := &chans[i].Accounts[j]
			if !a.Configured {
				continue
			}
			wg.Add(1)
			go func(channel string) {
				defer wg.Done()
				pctx, cancel := context.WithTimeout(ctx, timeout)
				defer cancel()
				start := c.d.Now()
				resp, err := c.d.Channels.Probe(pctx, channel, a.AccountID)
				res := &backend.ProbeResult{ElapsedMs: c.d.Now().Sub(start).Milliseconds()}
				if err != nil {
					res.Error = err.Error()
				} else {
					res.OK, res.Error = resp.GetOk(), resp.GetError()
					if ms := resp.GetLatencyMs(); ms > 0 {
						res.ElapsedMs = ms
					}
					details := map[string]any{}
					for k, v := range map[string]string{"botId": resp.GetBotId(), "botUsername": resp.GetBotUsername(), "botName": resp.GetBotName()} {
						if v != "" {
							details[k] = v
						}
					}
					if len(details) > 0 {
						res.Details = details
					}
				}
				a.Probe = res
			}(chans[i].ID)
		}
	}
	wg.Wait()
}

// Send implements backend.Channels.
func (c *channelService) Send(ctx context.Context, msg backend.OutboundMessage) (backend.SendResult, error) {
	channel, account, err := c.route(msg.Channel, msg.AccountID)
	if err != nil {
		return backend.SendResult{}, err
	}
	to := strings.TrimSpace(msg.To)
	if to == "" {
		return backend.SendResult{}, fmt.Errorf("send to %s: no target (to) given: %w", channel, backend.ErrInvalid)
	}
	if strings.TrimSpace(msg.Text) == "" && len(msg.MediaURLs) == 0 {
		return backend.SendResult{}, fmt.Errorf("send to %s %s: the message has neither text nor media: %w", channel, to, backend.ErrInvalid)
	}
	d := channels.Delivery{
		Channel: channel, AccountID: account, Target: target(channel, to), Text: msg.Text,
		ReplyToID: msg.ReplyToID, ExplicitReply: msg.ReplyToID != "", ThreadID: msg.ThreadID, Key: msg.IdempotencyKey,
	}
	for _, u := range msg.MediaURLs {
		d.Media = append(d.Media, pluginsdk.Media{URL: u})
	}
	res, err := c.d.Channels.Deliver(ctx, d)
	if err != nil {
		return backend.SendResult{}, sendError(channel, to, err)
	}
	out := backend.SendResult{Channel: channel, AccountID: account, To: to}
	if len(res.MessageIDs) > 0 {
		out.MessageID = res.MessageIDs[0]
	}
	return out, nil
}

// route picks the channel (the only configured one when empty) and the
// account (the channel's default when empty).
func (c *channelService) route(channel, account string) (string, string, error) {
	setups := c.d.Channels.Setups()
	names := make([]string, 0, len(setups))
	for id := range setups {
		names = append(names, id)
	}
	sort.Strings(names)
	if channel == "" {
		if len(names) != 1 {
			return "", "", fmt.Errorf("channel is required: %d channels are configured (%s): %w", len(names), strings.Join(names, ", "), backend.ErrInvalid)
		}
		channel = names[0]
	}
	s, ok := setups[channel]
	if !ok {
		return "", "", fmt.Errorf("channel %q is not configured (configured: %s): %w", channel, strings.Join(names, ", "), backend.ErrInvalid)
	}
	if len(s.Accounts) == 0 {
		return "", "", fmt.Errorf("channel %q has no account that can run (check its required config): %w", channel, backend.ErrUnavailable)
	}
	if account == "" {
		return channel, defaultAccount(s), nil
	}
	for _, a := range s.Accounts {
		if a.ID == account {
			return channel, account, nil
		}
	}
	return "", "", fmt.Errorf("channel %q has no account %q: %w", channel, account, backend.ErrInvalid)
}

// defaultAccount is channels.<id>.defaultAccount when it names a running
// account, else "default", else the first account.
func defaultAccount(s channels.Setup) string {
	if len(s.Accounts) == 0 {
		return ""
	}
	want, _ := s.Accounts[0].Config["defaultAccount"].(string)
	for _, id := range []string{want, channels.DefaultAccount} {
		for _, a := range s.Accounts {
			if id != "" && a.ID == id {
				return id
			}
		}
	}
	return s.Accounts[0].ID
}

// sendError classifies a delivery failure: a plugin that is down is
// ErrUnavailable, a target the plugin refuses is ErrInvalid.
func sendError(channel, to string, err error) error {
	var ue *pluginhost.UnavailableError
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("send to %s %s: %w", channel, to, err)
	case errors.As(err, &ue):
		return fmt.Errorf("send to %s %s: %v: %w", channel, to, err, backend.ErrUnavailable)
	}
	switch status.Code(err) {
	case codes.Unavailable:
		return fmt.Errorf("send to %s %s: %v: %w", channel, to, err, backend.ErrUnavailable)
	case codes.InvalidArgument, codes.NotFound, codes.FailedPrecondition:
		return fmt.Errorf("send to %s %s: %v: %w", channel, to, err, backend.ErrInvalid)
	}
	return fmt.Errorf("send to %s %s: %w", channel, to, err)
}

// target turns OpenClaw's target syntax into a delivery target. The id is
// passed through unchanged, because each channel plugin parses its own
// syntax (user:<id>, channel:<id>, #name, @name, <@id>, chat ids); the kind
// is set only where the syntax says it, since a wrong kind misleads plugins
// (a Slack channel id taken for a user). Telegram ids carry their kind:
// negative ids are groups, positive ones users.
func target(channel, to string) pluginsdk.Target {
	id := strings.TrimSpace(to)
	rest := strings.ToLower(id)
	for _, p := range []string{channel + ":", "tg:"} {
		if p != ":" && strings.HasPrefix(rest, p) && (p != "tg:" || channel == "telegram") {
			rest = rest[len(p):]
		}
	}
	t := pluginsdk.Target{ID: id}
	switch {
	case strings.HasPrefix(rest, "user:"), strings.HasPrefix(rest, "<@") && !strings.HasPrefix(rest, "<@&"):
		t.Kind = pluginsdk.PeerDM
	case strings.HasPrefix(rest, "channel:"), strings.HasPrefix(rest, "#"), strings.HasPrefix(rest, "<#"):
		t.Kind = pluginsdk.PeerChannel
	case strings.HasPrefix(rest, "group:"):
		t.Kind = pluginsdk.PeerGroup
	case strings.HasPrefix(rest, "@"):
		// A Telegram @name is a public group or channel (bots cannot
		// message users by name); elsewhere it names a user.
		t.Kind = pluginsdk.PeerDM
		if channel == "telegram" {
			t.Kind = pluginsdk.PeerChannel
		}
	case channel == "telegram":
		chat, _, _ := strings.Cut(rest, ":topic:")
		if n, err := strconv.ParseInt(chat, 10, 64); err == nil {
			t.Kind = pluginsdk.PeerDM
			if n < 0 {
				t.Kind = pluginsdk.PeerGroup
			}
		}
	}
	return t
}
