package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// maxPollTimeout caps a long poll, as Telegram does (50 seconds).
const maxPollTimeout = 50 * time.Second

// poller is a getUpdates request parked until updates arrive.
type poller struct {
	end chan pollEnd
}

type pollEnd int

const (
	// pollConflict: a newer getUpdates request took over.
	pollConflict pollEnd = iota + 1
	// pollDrop: a fault closes the connection without an answer.
	pollDrop
)

// enqueueLocked adds an update to the queue and returns its update_id.
func (b *Bot) enqueueLocked(u Update) int {
	u.UpdateID = b.nextUpdateID
	b.nextUpdateID++
	b.updates = append(b.updates, u)
	b.history[u.UpdateID] = u
	b.notifyLocked()
	return u.UpdateID
}

// InjectUpdate queues a raw update and returns its update_id.
func (b *Bot) InjectUpdate(u Update) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.enqueueLocked(u)
}

// Redeliver queues an update the bot already confirmed once more, as
// Telegram does when the bot's confirmation never arrived (the bot died
// between handling an update and asking for the next ones).
func (b *Bot) Redeliver(updateID int) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	u, ok := b.history[updateID]
	if !ok {
		return fmt.Errorf("update %d was never queued", updateID)
	}
	i, found := slices.BinarySearchFunc(b.updates, updateID, func(x Update, id int) int { return x.UpdateID - id })
	if found {
		return fmt.Errorf("update %d is still pending", updateID)
	}
	b.updates = slices.Insert(b.updates, i, u)
	b.notifyLocked()
	return nil
}

// confirmLocked applies getUpdates' offset: updates below a positive offset
// are confirmed and forgotten; a negative offset keeps only the last
// -offset updates.
func (b *Bot) confirmLocked(offset int) {
	before := len(b.updates)
	switch {
	case offset > 0:
		i := 0
		for i < len(b.updates) && b.updates[i].UpdateID < offset {
			i++
		}
		b.updates = b.updates[i:]
	case offset < 0:
		if keep := -offset; keep < len(b.updates) {
			b.updates = b.updates[len(b.updates)-keep:]
		}
	}
	if len(b.updates) != before {
		b.notifyLocked()
	}
}

// availableLocked returns up to limit pending updates of the allowed
// kinds. Updates of kinds the bot did not ask for are dropped, as Telegram
// never sends them.
func (b *Bot) availableLocked(limit int, allowed []string) []Update {
	kept := b.updates[:0]
	var out []Update
	for _, u := range b.updates {
		if len(allowed) > 0 && !slices.Contains(allowed, u.Kind()) {
			continue
		}
		kept = append(kept, u)
		if len(out) < limit {
			out = append(out, u)
		}
	}
	b.updates = kept
	return out
}

func (b *Bot) serveGetUpdates(w http.ResponseWriter, r *http.Request, p params) {
	respond := func(rep reply) {
		b.logCall("getUpdates", p.raw, rep.status, rep.body.Description)
		writeReply(w, rep)
	}
	offset, _, err := p.int("offset")
	if err != nil {
		respond(badRequest("%v", err))
		return
	}
	limit, hasLimit, err := p.int("limit")
	if err != nil {
		respond(badRequest("%v", err))
		return
	}
	if !hasLimit || limit <= 0 || limit > 100 {
		limit = 100
	}
	timeoutSec, _, err := p.int("timeout")
	if err != nil {
		respond(badRequest("%v", err))
		return
	}
	timeout := min(time.Duration(max(timeoutSec, 0))*time.Second, maxPollTimeout)
	var allowed []string
	hasAllowed, err := p.decode("allowed_updates", &allowed)
	if err != nil {
		respond(badRequest("%v", err))
		return
	}

	b.mu.Lock()
	if b.webhook != nil {
		b.mu.Unlock()
		respond(errorReply(http.StatusConflict, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"))
		return
	}
	for other := range b.polls {
		other.end <- pollConflict
		delete(b.polls, other)
	}
	b.confirmLocked(offset)
	if hasAllowed {
		b.allowed = allowed
	}
	ups := b.availableLocked(limit, b.allowed)
	if len(ups) > 0 || timeout == 0 {
		b.mu.Unlock()
		respond(okReply(nonNil(ups)))
		return
	}
	me := &poller{end: make(chan pollEnd, 1)}
	b.polls[me] = struct{}{}
	b.notifyLocked() // tests wait for a parked poll
	changed := b.changed
	b.mu.Unlock()

	leave := func() {
		b.mu.Lock()
		delete(b.polls, me)
		b.mu.Unlock()
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case <-changed:
			b.mu.Lock()
			if _, still := b.polls[me]; still {
				if ups := b.availableLocked(limit, b.allowed); len(ups) > 0 {
					delete(b.polls, me)
					b.mu.Unlock()
					respond(okReply(ups))
					return
				}
			}
			changed = b.changed
			b.mu.Unlock()
		case end := <-me.end:
			if end == pollDrop {
				b.logCall("getUpdates", p.raw, 0, "connection dropped")
				hangUp(w)
				return
			}
			respond(errorReply(http.StatusConflict, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"))
			return
		case <-timer.C:
			leave()
			respond(okReply([]Update{}))
			return
		case <-r.Context().Done():
			leave()
			return
		case <-b.s.closing:
			leave()
			respond(okReply([]Update{}))
			return
		}
	}
}

func nonNil(ups []Update) []Update {
	if ups == nil {
		return []Update{}
	}
	return ups
}

// hangUp closes the client's connection without an HTTP answer, as a
// network failure or a restarting proxy would.
func hangUp(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// webhook is the bot's registered webhook and its delivery loop.
type webhook struct {
	url            string
	secret         string
	allowed        []string
	maxConnections int
	hasCert        bool
	lastErrorDate  int64
	lastErrorMsg   string
	stop           chan struct{}
	done           chan struct{}
}

// Delivery is one attempt to post an update to the bot's webhook.
type Delivery struct {
	UpdateID int
	// Status is the HTTP status the webhook answered, 0 if it could not be
	// reached.
	Status int
	Err    string
}

// Deliveries returns the webhook delivery attempts so far.
func (b *Bot) Deliveries() []Delivery {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Delivery(nil), b.deliveries...)
}

func (b *Bot) webhookInfoLocked() WebhookInfo {
	info := WebhookInfo{PendingUpdateCount: len(b.updates)}
	if wh := b.webhook; wh != nil {
		info.URL = wh.url
		info.HasCustomCertificate = wh.hasCert
		info.LastErrorDate = wh.lastErrorDate
		info.LastErrorMessage = wh.lastErrorMsg
		info.MaxConnections = wh.maxConnections
		info.AllowedUpdates = wh.allowed
	}
	return info
}

// startWebhookLocked replaces the webhook and starts delivering to it. The
// old delivery loop, if any, is returned for the caller to stop after
// unlocking.
func (b *Bot) startWebhookLocked(wh *webhook) *webhook {
	old := b.webhook
	wh.stop = make(chan struct{})
	wh.done = make(chan struct{})
	b.webhook = wh
	// A webhook ends any long poll in progress.
	for other := range b.polls {
		other.end <- pollConflict
		delete(b.polls, other)
	}
	go b.deliver(wh)
	return old
}

func (b *Bot) stopWebhook() {
	b.mu.Lock()
	wh := b.webhook
	b.webhook = nil
	b.mu.Unlock()
	wh.halt()
}

func (wh *webhook) halt() {
	if wh == nil {
		return
	}
	close(wh.stop)
	<-wh.done
}

// deliver posts pending updates to the webhook one at a time, in order,
// and forgets each once the bot answered 2xx. Failures are retried with a
// short backoff (Telegram's is longer).
func (b *Bot) deliver(wh *webhook) {
	defer close(wh.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-wh.stop:
		case <-b.s.closing:
		}
		cancel()
	}()
	client := &http.Client{Timeout: 10 * time.Second}
	const minBackoff, maxBackoff = 20 * time.Millisecond, 500 * time.Millisecond
	backoff := minBackoff
	for {
		b.mu.Lock()
		if b.webhook != wh {
			b.mu.Unlock()
			return
		}
		ups := b.availableLocked(1, wh.allowed)
		changed := b.changed
		b.mu.Unlock()
		if len(ups) == 0 {
			select {
			case <-changed:
				continue
			case <-ctx.Done():
				return
			}
		}
		u := ups[0]
		status, err := postUpdate(ctx, client, wh, u)
		if ctx.Err() != nil {
			return
		}
		b.mu.Lock()
		d := Delivery{UpdateID: u.UpdateID, Status: status}
		if err == nil && status >= 200 && status < 300 {
			b.deliveries = append(b.deliveries, d)
			if b.webhook == wh {
				b.removeUpdateLocked(u.UpdateID)
			}
			b.notifyLocked()
			b.mu.Unlock()
			backoff = minBackoff
			continue
		}
		msg := fmt.Sprintf("Wrong response from the webhook: %d %s", status, http.StatusText(status))
		if err != nil {
			msg = "Connection refused"
			d.Err = err.Error()
		}
		wh.lastErrorDate, wh.lastErrorMsg = time.Now().Unix(), msg
		b.deliveries = append(b.deliveries, d)
		b.notifyLocked()
		b.mu.Unlock()
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

func (b *Bot) removeUpdateLocked(id int) {
	b.updates = slices.DeleteFunc(b.updates, func(u Update) bool { return u.UpdateID == id })
}

func postUpdate(ctx context.Context, client *http.Client, wh *webhook, u Update) (int, error) {
	body, err := json.Marshal(u)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, wh.url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if wh.secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", wh.secret)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_ = res.Body.Close()
	return res.StatusCode, nil
}

func (b *Bot) setWebhook(_ *http.Request, p params) reply {
	rawURL := strings.TrimSpace(p.str("url"))
	if rawURL == "" {
		b.stopWebhook()
		return reply{status: http.StatusOK, body: apiResponse{OK: true, Result: true, Description: "Webhook was deleted"}}
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return badRequest("bad webhook: invalid webhook URL specified")
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
		return badRequest("bad webhook: An HTTPS URL must be provided for webhook")
	}
	secret := p.str("secret_token")
	if len(secret) > 256 || strings.IndexFunc(secret, func(r rune) bool {
		return !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) >= 0 {
		return badRequest("secret token contains unallowed characters")
	}
	var allowed []string
	if _, err := p.decode("allowed_updates", &allowed); err != nil {
		return badRequest("%v", err)
	}
	maxConn, _, err := p.int("max_connections")
	if err != nil {
		return badRequest("%v", err)
	}
	if maxConn == 0 {
		maxConn = 40
	}
	_, hasCert := p.inputFile("certificate")
	wh := &webhook{url: rawURL, secret: secret, allowed: allowed, maxConnections: maxConn, hasCert: hasCert}
	b.mu.Lock()
	if p.bool("drop_pending_updates") {
		b.updates = nil
	}
	old := b.startWebhookLocked(wh)
	b.mu.Unlock()
	old.halt()
	return reply{status: http.StatusOK, body: apiResponse{OK: true, Result: true, Description: "Webhook was set"}}
}

func isLoopback(host string) bool {
	return host == "localhost" || strings.HasPrefix(host, "127.") || host == "::1"
}

func (b *Bot) deleteWebhook(_ *http.Request, p params) reply {
	b.mu.Lock()
	wh := b.webhook
	b.webhook = nil
	if p.bool("drop_pending_updates") {
		b.updates = nil
		b.notifyLocked()
	}
	b.mu.Unlock()
	wh.halt()
	desc := "Webhook is already deleted"
	if wh != nil {
		desc = "Webhook was deleted"
	}
	return reply{status: http.StatusOK, body: apiResponse{OK: true, Result: true, Description: desc}}
}

func (b *Bot) getWebhookInfo(*http.Request, params) reply {
	b.mu.Lock()
	defer b.mu.Unlock()
	return okReply(b.webhookInfoLocked())
}
