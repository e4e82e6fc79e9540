package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mymmrac/telego"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

const (
	// pollTimeout is the long-poll wait Telegram holds a getUpdates open.
	pollTimeout = 30 * time.Second
	// pollSlack is how much longer than pollTimeout a poll may take before
	// the connection is considered stalled.
	pollSlack = 15 * time.Second
	// idlePause keeps a server that ignores the long-poll timeout (and
	// answers an empty list at once) from being polled in a tight loop.
	idlePause = 250 * time.Millisecond
)

// allowedUpdates are the update kinds the plugin handles.
var allowedUpdates = []string{"message", "channel_post", "callback_query"}

// offsetKey names the stored update offset. It includes the bot id:
// update ids are per bot, so a new token must not inherit an old offset.
func offsetKey(accountID string, botID int64) string {
	return "telegram/" + accountID + "/" + strconv.FormatInt(botID, 10) + "/offset"
}

// poll receives updates with getUpdates until ctx ends. An update is
// confirmed to Telegram (by asking for the next offset) only after the
// gateway accepted it, and the offset is stored so a restart resumes.
func (a *account) poll(ctx context.Context) error {
	a.leaveWebhookMode(ctx)
	me := a.identity()
	key := offsetKey(a.s.accountID, me.id)
	offset, err := a.loadOffset(ctx, key)
	if err != nil {
		return err
	}
	const minWait, maxWait = 500 * time.Millisecond, 30 * time.Second
	wait := minWait
	// getMe worked, so the account counts as connected while the first long
	// poll waits; a failing poll says otherwise.
	a.report(ctx, pluginsdk.StateConnected, nil)
	connected := true
	for {
		start := time.Now()
		var updates []telego.Update
		err := withTimeout(ctx, pollTimeout+pollSlack, func(ctx context.Context) (err error) {
			updates, err = a.bot.GetUpdates(ctx, &telego.GetUpdatesParams{
				Offset: offset, Timeout: int(pollTimeout / time.Second), AllowedUpdates: allowedUpdates,
			})
			return err
		})
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			if isUnauthorized(err) {
				return pluginsdk.Permanent(errors.New("getUpdates returned 401 Unauthorized: Telegram rejected the bot token"))
			}
			if errorCode(err) == http.StatusConflict {
				err = fmt.Errorf("%s (another process polls this bot token, or a webhook is set)", describe(err))
				a.leaveWebhookMode(ctx)
			}
			a.log.Warn("getUpdates failed; retrying", "error", describe(err), "in", wait)
			a.report(ctx, pluginsdk.StateReconnecting, err)
			connected = false
			if !sleep(ctx, wait) {
				return nil
			}
			wait = min(wait*2, maxWait)
			continue
		}
		wait = minWait
		if !connected {
			a.report(ctx, pluginsdk.StateConnected, nil)
			connected = true
		}
		if len(updates) == 0 && time.Since(start) < pollTimeout/2 && !sleep(ctx, idlePause) {
			return nil
		}
		next := offset
		for _, u := range updates {
			if u.UpdateID < next {
				continue // a server that ignores offset sent it again
			}
			if err := a.handle(ctx, u, a.emit); err != nil {
				a.saveOffset(ctx, key, next)
				return nil // only ctx ends handle
			}
			next = u.UpdateID + 1
		}
		if next != offset {
			offset = next
			a.saveOffset(ctx, key, offset)
		}
	}
}

// handle normalises an update and emits it. It returns an error only when
// emit gives up (its context ended).
func (a *account) handle(ctx context.Context, u telego.Update, emit func(context.Context, inbound) error) error {
	in, ok := normalize(a.s.accountID, a.identity(), u)
	if !ok {
		return nil
	}
	a.fetchMedia(ctx, &in)
	if err := emit(ctx, in); err != nil {
		return err
	}
	a.afterEmit(ctx, in)
	return nil
}

// leaveWebhookMode removes a webhook left from webhook mode: Telegram
// refuses getUpdates while one is set. Failure is logged, not fatal; a
// webhook that is really still there shows up as a 409 from getUpdates.
func (a *account) leaveWebhookMode(ctx context.Context) {
	err := withTimeout(ctx, callTimeout, func(ctx context.Context) error {
		return a.bot.DeleteWebhook(ctx, &telego.DeleteWebhookParams{})
	})
	if err != nil && ctx.Err() == nil {
		a.log.Debug("deleteWebhook failed; polling anyway", "error", describe(err))
	}
}

func (a *account) loadOffset(ctx context.Context, key string) (int, error) {
	raw, found, err := a.host.KV().Get(ctx, key)
	if err != nil {
		return 0, fmt.Errorf("load update offset: %w", err)
	}
	if !found {
		return 0, nil
	}
	n, err := strconv.Atoi(string(raw))
	if err != nil {
		a.log.Warn("stored update offset is corrupt; starting from Telegram's queue", "value", string(raw))
		return 0, nil
	}
	return n, nil
}

// saveOffset stores the offset. A failure only costs a redelivery after a
// restart, which the gateway drops as a duplicate.
func (a *account) saveOffset(ctx context.Context, key string, offset int) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := a.host.KV().Set(ctx, key, []byte(strconv.Itoa(offset))); err != nil {
		a.log.Warn("could not store the update offset", "error", err)
	}
}

// fetchMedia downloads the message's files within the size limit. A file
// that cannot be fetched is noted in the text, so the agent knows.
func (a *account) fetchMedia(ctx context.Context, in *inbound) {
	var problems []string
	for _, f := range in.files {
		data, err := a.download(ctx, f)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		in.msg.Media[f.index].Data = data
		in.msg.Media[f.index].Size = int64(len(data))
	}
	if len(problems) > 0 {
		note := "[media unavailable: " + strings.Join(problems, "; ") + "]"
		in.msg.Metadata["mediaError"] = strings.Join(problems, "; ")
		if in.msg.Text == "" {
			in.msg.Text = note
		} else {
			in.msg.Text += "\n" + note
		}
	}
}

func (a *account) download(ctx context.Context, f fileRef) ([]byte, error) {
	limit := min(a.s.mediaMaxBytes, maxDownloadBytes)
	if f.size > limit {
		return nil, fmt.Errorf("file is %d MB, over the %d MB limit", f.size>>20, limit>>20)
	}
	var file *telego.File
	err := withTimeout(ctx, callTimeout, func(ctx context.Context) (err error) {
		file, err = a.bot.GetFile(ctx, &telego.GetFileParams{FileID: f.fileID})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("getFile failed: %s", describe(err))
	}
	if file.FilePath == "" {
		return nil, errors.New("Telegram gave no file path")
	}
	var data []byte
	err = withTimeout(ctx, uploadTimeout, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.bot.FileDownloadURL(file.FilePath), nil)
		if err != nil {
			return stripURL(err)
		}
		res, err := a.http.Do(req)
		if err != nil {
			return stripURL(err)
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("download answered HTTP %d", res.StatusCode)
		}
		data, err = io.ReadAll(io.LimitReader(res.Body, limit+1))
		if err != nil {
			return stripURL(err)
		}
		if int64(len(data)) > limit {
			return fmt.Errorf("file is over the %d MB limit", limit>>20)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return data, nil
}
