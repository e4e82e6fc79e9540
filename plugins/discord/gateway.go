package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
	"github.com/openclaw-go/openclaw/pluginsdk"
)

// event is what the gateway hands the worker: a message, or news of a
// fresh session (READY) after which missed messages are fetched.
type event struct {
	msg   *discordgo.Message
	ready bool
}

// run connects the gateway and keeps it connected until ctx ends. Messages
// are processed in arrival order by one worker, so a slow Emit delays the
// next message rather than reordering it.
func (a *account) run(ctx context.Context) error {
	a.report(pluginsdk.StateStarting, nil)
	me, err := a.checkToken(ctx)
	if err != nil {
		return err
	}
	if err := a.loadCursors(ctx); err != nil {
		a.logger().Warn("could not read message cursors; missed messages will not be fetched", "error", err)
	}

	gw := a.newGateway()
	// The worker stops first on every way out, so a gateway goroutine
	// blocked handing it an event is released.
	workCtx, stopWork := context.WithCancel(ctx)
	defer stopWork()
	events := make(chan event, 256)
	push := func(ev event) {
		select {
		case events <- ev:
		case <-workCtx.Done():
		}
	}
	disconnected := make(chan struct{}, 1)
	gw.AddHandler(func(_ *discordgo.Session, _ *discordgo.Ready) { push(event{ready: true}) })
	gw.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { push(event{msg: m.Message}) })
	gw.AddHandler(func(_ *discordgo.Session, _ *discordgo.Disconnect) {
		select {
		case disconnected <- struct{}{}:
		default:
		}
	})

	workErr := make(chan error, 1)
	go func() { workErr <- a.work(workCtx, gw, events) }()

	log := a.logger().With("bot", me.Username)
	failures := 0
	for {
		err := a.open(ctx, gw)
		if ctx.Err() != nil {
			return nil
		}
		if err == nil {
			failures = 0
			drain(disconnected)
			log.Info("connected to the Discord gateway")
			a.report(pluginsdk.StateConnected, nil)
			select {
			case <-ctx.Done():
				stopWork()
				_ = gw.Close()
				return nil
			case err := <-workErr:
				stopWork()
				_ = gw.Close()
				return err
			case <-disconnected:
			}
			err = errors.New("gateway connection lost")
		}
		if fatal := gatewayRefusal(err); fatal != nil {
			return fatal
		}
		failures++
		if failures > a.opts.maxReconnects {
			return fmt.Errorf("discord gateway: %d reconnect attempts failed: %w", failures-1, err)
		}
		// A connection that will not stay up may be a revoked token, which
		// the gateway reports only as a close code discordgo swallows.
		if _, terr := a.checkToken(ctx); terr != nil && pluginsdk.IsPermanent(terr) {
			_ = gw.Close()
			return terr
		}
		wait := a.reconnectDelay(failures)
		log.Warn("gateway disconnected; reconnecting", "error", err, "in", wait)
		a.report(pluginsdk.StateReconnecting, err)
		if !sleep(ctx, wait) {
			return nil
		}
	}
}

// gatewayRefusal turns the close codes that no reconnect can cure into a
// Permanent error saying what to fix; nil for everything else.
func gatewayRefusal(err error) error {
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		return nil
	}
	switch ce.Code {
	case 4004:
		return pluginsdk.Permanent(fmt.Errorf("discord gateway: authentication failed (4004); check channels.discord.token"))
	case 4013, 4014:
		return pluginsdk.Permanent(fmt.Errorf("discord gateway refused the intents (%d %s): enable the Message Content intent (and any other privileged intent configured) on the bot's page in the Discord Developer Portal, or set channels.discord.intents.messageContent to false", ce.Code, ce.Text))
	case 4010, 4011, 4012:
		return pluginsdk.Permanent(fmt.Errorf("discord gateway refused the connection (%d %s)", ce.Code, ce.Text))
	}
	return nil
}

// newGateway makes the discordgo session that holds the gateway
// connection and the guild state. discordgo's own reconnect loop is off:
// it never gives up and cannot be stopped, so run reconnects instead.
func (a *account) newGateway() *discordgo.Session {
	gw := newRESTSession(a.cfg)
	gw.Ratelimiter = a.rest.Ratelimiter // one set of route buckets per bot
	gw.StateEnabled = true
	gw.SyncEvents = true // ordered delivery into the worker's queue
	gw.State.MaxMessageCount = 0
	gw.State.TrackPresences = false
	gw.State.TrackVoice = false
	gw.State.TrackEmojis = false
	gw.State.TrackStickers = false
	gw.State.TrackThreadMembers = false
	gw.Identify.Intents = a.cfg.intents
	if a.cfg.presence != nil {
		gw.Identify.Presence = *a.cfg.presence
	}
	return gw
}

// open connects (or resumes) the gateway session without outliving ctx.
func (a *account) open(ctx context.Context, gw *discordgo.Session) error {
	done := make(chan error, 1)
	go func() { done <- gw.Open() }()
	select {
	case err := <-done:
		if errors.Is(err, discordgo.ErrWSAlreadyOpen) {
			return nil
		}
		return err
	case <-ctx.Done():
		go func() {
			if <-done == nil {
				_ = gw.Close()
			}
		}()
		return ctx.Err()
	}
}

// reconnectDelay doubles from reconnectMin to reconnectMax. The first retry
// after a working connection is immediate: a dropped socket usually
// resumes at once.
func (a *account) reconnectDelay(failures int) time.Duration {
	if failures <= 1 {
		return 0
	}
	d := a.opts.reconnectMin
	for i := 2; i < failures && d < a.opts.reconnectMax; i++ {
		d *= 2
	}
	return min(d, a.opts.reconnectMax)
}

func drain(ch chan struct{}) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

// sleep waits d or until ctx ends; false means ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// work processes gateway events in order. An error means a message could
// not be handed to the gateway; Run then ends and, restarted, fetches the
// message again from its cursor.
func (a *account) work(ctx context.Context, gw *discordgo.Session, events <-chan event) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev := <-events:
			var err error
			if ev.ready {
				err = a.catchUp(ctx, gw)
			} else {
				err = a.process(ctx, gw, ev.msg)
			}
			if err != nil && ctx.Err() == nil {
				return err
			}
		}
	}
}

// process normalises one message, hands it to the gateway and advances the
// channel's cursor only once the gateway has accepted it.
func (a *account) process(ctx context.Context, gw *discordgo.Session, m *discordgo.Message) error {
	if m == nil || a.processed(m.ChannelID, m.ID) {
		return nil
	}
	bot := a.botUser()
	facts := a.conversation(ctx, gw, m)
	in, ok := toInbound(a.id, bot.ID, m, facts)
	if ok {
		// Remembered before the gateway sees the message: it may react or
		// reply at once.
		a.messageChannels.put(m.ID, m.ChannelID)
		if in.PeerKind == pluginsdk.PeerDM {
			a.dmChannels.put(in.Sender.ID, m.ChannelID)
		}
		if err := a.emit(ctx, in); err != nil {
			return err
		}
	}
	a.advanceCursor(ctx, m.ChannelID, m.ID)
	return nil
}

// emit hands a message to the gateway, retrying briefly: the gateway may be
// restarting its side of the connection.
func (a *account) emit(ctx context.Context, in pluginsdk.InboundMessage) error {
	var err error
	wait := a.opts.emitBackoff
	for attempt := 1; ; attempt++ {
		if _, err = a.currentHost().Emit(ctx, in); err == nil {
			return nil
		}
		if attempt >= a.opts.emitRetries || !sleep(ctx, wait) {
			return fmt.Errorf("hand message %s to the gateway: %w", in.MessageID, err)
		}
		wait *= 2
	}
}
