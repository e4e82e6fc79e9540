package main

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// The gateway does not replay events to a new session, so a message that
// arrives while the plugin is down (or crashes before the gateway accepted
// it) would be lost. Each channel's last processed message id is kept in
// the plugin's KV store; after a fresh session the plugin reads what came
// after it from the channel's history. The gateway drops a message id it
// has accepted before, so reading a message twice is harmless.

const (
	// cursorMaxAge: channels quiet for longer are not caught up, and their
	// cursors are forgotten.
	cursorMaxAge = 24 * time.Hour
	// catchUpChannels caps the channels read after a reconnect, most
	// recently active first, to stay clear of Discord's rate limits.
	catchUpChannels = 50
	// catchUpPage is Discord's page size limit for channel history.
	catchUpPage = 100
	// catchUpPages bounds the pages read per channel.
	catchUpPages = 5
)

func (a *account) cursorPrefix() string { return "discord/" + a.id + "/cursor/" }

// loadCursors reads the account's cursors, forgetting stale ones.
func (a *account) loadCursors(ctx context.Context) error {
	kv := a.currentHost().KV()
	keys, err := kv.List(ctx, a.cursorPrefix())
	if err != nil {
		return err
	}
	oldest := a.opts.now().Add(-cursorMaxAge)
	loaded := map[string]string{}
	for _, k := range keys {
		v, ok, err := kv.Get(ctx, k)
		if err != nil {
			return err
		}
		id := string(v)
		if !ok || !isSnowflake(id) || snowflakeTime(id).Before(oldest) {
			_ = kv.Delete(ctx, k)
			continue
		}
		loaded[strings.TrimPrefix(k, a.cursorPrefix())] = id
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for ch, id := range loaded {
		if idLess(a.cursors[ch], id) {
			a.cursors[ch] = id
		}
	}
	return nil
}

// processed reports whether a message is at or before its channel's cursor.
func (a *account) processed(channelID, messageID string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	cur, ok := a.cursors[channelID]
	return ok && !idLess(cur, messageID)
}

// advanceCursor records a message as processed. A failed write only means
// the message may be read again after a restart, which the gateway's
// dedupe absorbs, so it is logged, not fatal.
func (a *account) advanceCursor(ctx context.Context, channelID, messageID string) {
	a.mu.Lock()
	if !idLess(a.cursors[channelID], messageID) {
		a.mu.Unlock()
		return
	}
	a.cursors[channelID] = messageID
	a.mu.Unlock()
	if err := a.currentHost().KV().Set(ctx, a.cursorPrefix()+channelID, []byte(messageID)); err != nil {
		a.logger().Warn("could not save message cursor", "channel_id", channelID, "error", err)
	}
}

// catchUp reads, for the most recently active channels, the messages after
// their cursors (no older than catchUpWindow) and processes them in order.
func (a *account) catchUp(ctx context.Context, gw *discordgo.Session) error {
	now := a.opts.now()
	floor := snowflakeAt(now.Add(-a.opts.catchUpWindow))
	a.mu.Lock()
	type cursor struct{ channel, id string }
	var list []cursor
	for ch, id := range a.cursors {
		if snowflakeTime(id).After(now.Add(-cursorMaxAge)) {
			list = append(list, cursor{ch, id})
		}
	}
	a.mu.Unlock()
	sort.Slice(list, func(i, j int) bool { return idLess(list[j].id, list[i].id) })
	if len(list) > catchUpChannels {
		list = list[:catchUpChannels]
	}
	for _, c := range list {
		after := c.id
		if idLess(after, floor) {
			after = floor
		}
		if err := a.catchUpChannel(ctx, gw, c.channel, after); err != nil {
			return err
		}
	}
	return nil
}

// catchUpChannel processes a channel's messages after the id, oldest first.
// Read failures are logged and skipped; only a failure to hand a message to
// the gateway is returned.
func (a *account) catchUpChannel(ctx context.Context, gw *discordgo.Session, channel, after string) error {
	for range catchUpPages {
		var page []*discordgo.Message
		err := a.cfg.retry.do(ctx, "read missed messages in "+channel, func(ctx context.Context) error {
			var err error
			page, err = a.rest.ChannelMessages(channel, catchUpPage, "", after, "", discordgo.WithContext(ctx))
			return err
		})
		if err != nil {
			if ctx.Err() == nil {
				a.logger().Warn("could not read missed messages", "channel_id", channel, "error", err)
			}
			return nil
		}
		sort.Slice(page, func(i, j int) bool { return idLess(page[i].ID, page[j].ID) })
		for _, m := range page {
			if err := a.process(ctx, gw, m); err != nil {
				return err
			}
			after = m.ID
		}
		if len(page) < catchUpPage {
			return nil
		}
	}
	return nil
}

// discordEpochMs is 2015-01-01, where snowflake timestamps start.
const discordEpochMs = 1420070400000

func snowflakeTime(id string) time.Time {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.UnixMilli(int64(n>>22) + discordEpochMs)
}

// snowflakeAt is the smallest id Discord could have issued at t.
func snowflakeAt(t time.Time) string {
	ms := t.UnixMilli() - discordEpochMs
	if ms < 0 {
		ms = 0
	}
	return strconv.FormatUint(uint64(ms)<<22, 10)
}

// idLess orders snowflakes (decimal strings without leading zeros); the
// empty string sorts first.
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
