package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// lane is one session's line of work: at most one turn at a time, and the
// messages waiting for it. Lanes exist only while they have work, so idle
// sessions cost nothing.
type lane struct {
	key string
	// turn holds a token for the whole of a turn; a channel rather than a
	// mutex so that waiting for it can be given up.
	turn chan struct{}

	// The rest is guarded by Runner.mu.
	refs    int // pump, RunTurn callers, debounce batches
	pumping bool
	active  *activeRun
	pending []*queued
	// dropped summarises messages dropped past the queue cap, for the
	// next turn.
	dropped     []string
	lastEnqueue time.Time
	// quietAfter is the lastEnqueue a full quiet window has passed since.
	quietAfter time.Time
	batches    map[string]*batch
}

// activeRun is the turn a lane is running.
type activeRun struct {
	id     string
	cancel context.CancelCauseFunc
	// steer holds messages to inject at the next tool boundary.
	steer []*queued
	// consumed are steering messages the run took in.
	consumed []*queued
	// conversation is where the run's reply goes; only messages from the
	// same conversation may steer or interrupt it.
	conversation string
}

// queued is a message waiting for its turn.
type queued struct {
	in      Inbound
	deliver func(context.Context, Reply) error
	// behind is set when the message arrived while the lane was busy; it
	// then waits out the queue's quiet window.
	behind bool
	// dones are the Done callbacks of every message folded into this one.
	dones []func(error)
}

func newQueued(in Inbound, deliver func(context.Context, Reply) error) *queued {
	q := &queued{in: in, deliver: deliver}
	if in.Done != nil {
		q.dones = []func(error){in.Done}
	}
	return q
}

// finish reports every message of qs as dealt with.
func finish(err error, qs ...*queued) {
	for _, q := range qs {
		for _, d := range q.dones {
			d(err)
		}
		q.dones = nil
	}
}

// batch merges rapid messages from one sender (messages.inbound).
type batch struct {
	items []*queued
	stop  func() bool
}

// laneLocked returns key's lane, creating it. The caller holds r.mu and
// must take a reference.
func (r *Runner) laneLocked(key string) *lane {
	ln, ok := r.lanes[key]
	if !ok {
		ln = &lane{key: key, turn: make(chan struct{}, 1)}
		r.lanes[key] = ln
	}
	return ln
}

// releaseLocked drops a reference and forgets the lane when nothing needs
// it.
func (r *Runner) releaseLocked(ln *lane) {
	ln.refs--
	if ln.refs <= 0 && ln.active == nil && len(ln.pending) == 0 && len(ln.batches) == 0 && !ln.pumping {
		if r.lanes[ln.key] == ln {
			delete(r.lanes, ln.key)
		}
	}
}

// Lanes reports how many sessions have work in progress or waiting.
func (r *Runner) Lanes() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.lanes)
}

// Submit hands a chat message to the session's lane and returns at once.
// Slash commands from authorised senders are answered first; other
// messages may wait for the inbound debounce and the session's queue. The
// reply (block replies too, when asked for) is passed to deliver, which
// sends it through the channel. The turn runs on its own; ctx only carries
// values. The error reports a message that was refused.
func (r *Runner) Submit(ctx context.Context, in Inbound, deliver func(context.Context, Reply) error) error {
	if deliver == nil {
		return errors.New("agent submit: deliver is nil")
	}
	p, key, err := r.resolve(in.AgentID, in.SessionKey)
	if err != nil {
		return fmt.Errorf("agent submit: %w", err)
	}
	in.AgentID, in.SessionKey = p.id, key
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if in.SenderAuthorized {
		handled, rest := r.command(ctx, p, in, deliver)
		if handled {
			if in.Done != nil {
				in.Done(nil)
			}
			return nil
		}
		in.Text = rest
	}
	q := newQueued(in, deliver)
	if d := r.inboundDebounce(in.Channel); d > 0 && len(in.Media) == 0 {
		r.debounce(q, d)
		return nil
	}
	return r.enqueue(q)
}

// inboundDebounce is messages.inbound's window for a channel.
func (r *Runner) inboundDebounce(channel string) time.Duration {
	cfg := r.opts.Messages.Inbound
	if ms, ok := cfg.ByChannel[channel]; ok {
		return time.Duration(ms) * time.Millisecond
	}
	if cfg.DebounceMs != nil {
		return time.Duration(*cfg.DebounceMs) * time.Millisecond
	}
	if strings.EqualFold(channel, "telegram") {
		return telegramInboundDebounceMs * time.Millisecond
	}
	return 0
}

// debounce holds q until its sender has been quiet for d, merging what
// they send meanwhile into one message.
func (r *Runner) debounce(q *queued, d time.Duration) {
	sender := q.in.SenderID
	r.mu.Lock()
	defer r.mu.Unlock()
	ln := r.laneLocked(q.in.SessionKey)
	if ln.batches == nil {
		ln.batches = map[string]*batch{}
	}
	b, ok := ln.batches[sender]
	if ok {
		b.stop()
		b.items = append(b.items, q)
	} else {
		b = &batch{items: []*queued{q}}
		ln.batches[sender] = b
		ln.refs++
	}
	b.stop = r.after(d, func() { r.flushBatch(ln, sender, b) })
}

func (r *Runner) flushBatch(ln *lane, sender string, b *batch) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ln.batches[sender] != b {
		return // stopped or replaced
	}
	delete(ln.batches, sender)
	merged := mergeInbound(b.items, "\n")
	if err := r.enqueueLocked(merged); err != nil {
		r.log.Warn("debounced message dropped", "session", ln.key, "error", err)
		finish(nil, merged)
	}
	r.releaseLocked(ln)
}

// enqueue puts q on its session's lane.
func (r *Runner) enqueue(q *queued) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.enqueueLocked(q)
}

func (r *Runner) enqueueLocked(q *queued) error {
	if r.closed {
		return ErrClosed
	}
	ln := r.laneLocked(q.in.SessionKey)
	busy := ln.active != nil || ln.pumping
	if busy {
		q.behind = true
		mode := r.queueMode(q.in.Channel)
		if ln.active != nil && ln.active.conversation != q.in.Conversation {
			// Another conversation sharing the session waits its turn.
			mode = QueueFollowup
		}
		switch mode {
		case QueueSteer:
			if ln.active != nil {
				ln.active.steer = append(ln.active.steer, q)
				return nil
			}
		case QueueInterrupt:
			if ln.active != nil {
				ln.active.cancel(errInterrupted)
				finish(nil, ln.active.steer...)
				ln.active.steer = nil
			}
			// The newest message replaces whatever waited.
			finish(nil, ln.pending...)
			ln.pending = ln.pending[:0]
			q.behind = false
		}
		if err := r.makeRoomLocked(ln); err != nil {
			r.releaseIfIdleLocked(ln)
			return err
		}
	}
	ln.pending = append(ln.pending, q)
	ln.lastEnqueue = r.now()
	r.pumpLocked(ln)
	return nil
}

// releaseIfIdleLocked forgets a lane that was created for nothing.
func (r *Runner) releaseIfIdleLocked(ln *lane) {
	if ln.refs <= 0 {
		ln.refs = 1
		r.releaseLocked(ln)
	}
}

// makeRoomLocked applies messages.queue.cap and drop before a message is
// queued.
func (r *Runner) makeRoomLocked(ln *lane) error {
	limit := r.opts.Messages.Queue.Cap
	if limit <= 0 {
		limit = DefaultQueueCap
	}
	for len(ln.pending) >= limit {
		switch r.opts.Messages.Queue.Drop {
		case "new":
			return fmt.Errorf("%w (%d messages waiting for session %s)", ErrQueueFull, len(ln.pending), ln.key)
		case "old":
			finish(nil, ln.pending[0])
			ln.pending = ln.pending[1:]
		default:
			ln.dropped = append(ln.dropped, summary(ln.pending[0].in))
			finish(nil, ln.pending[0])
			ln.pending = ln.pending[1:]
		}
	}
	return nil
}

func summary(in Inbound) string {
	text := strings.Join(strings.Fields(in.Text), " ")
	if r := []rune(text); len(r) > 80 {
		text = string(r[:80]) + "…"
	}
	if in.SenderName != "" {
		return in.SenderName + ": " + text
	}
	return text
}

// pumpLocked starts the lane's worker if it is not running.
func (r *Runner) pumpLocked(ln *lane) {
	if ln.pumping || len(ln.pending) == 0 {
		return
	}
	ln.pumping = true
	ln.refs++
	r.wg.Add(1)
	go r.pump(ln)
}

// queueMode is the mode for a channel: messages.queue.byChannel, then
// messages.queue.mode, then collect.
func (r *Runner) queueMode(channel string) string {
	cfg := r.opts.Messages.Queue
	if m, ok := cfg.ByChannel[channel]; ok {
		if mode, _ := queueMode(m); mode != "" {
			return mode
		}
	}
	if mode, _ := queueMode(cfg.Mode); mode != "" {
		return mode
	}
	return DefaultQueueMode
}

func (r *Runner) queueDebounce(channel string) time.Duration {
	cfg := r.opts.Messages.Queue
	if ms, ok := cfg.DebounceMsByChannel[channel]; ok {
		return time.Duration(ms) * time.Millisecond
	}
	if cfg.DebounceMs != nil {
		return time.Duration(*cfg.DebounceMs) * time.Millisecond
	}
	return DefaultQueueDebounce * time.Millisecond
}

// pump runs the lane's waiting messages until none is left.
func (r *Runner) pump(ln *lane) {
	defer r.wg.Done()
	for {
		r.mu.Lock()
		if len(ln.pending) == 0 || r.closed {
			finish(ErrClosed, ln.pending...)
			ln.pending = nil
			ln.pumping = false
			r.releaseLocked(ln)
			r.mu.Unlock()
			return
		}
		first := ln.pending[0]
		mode := r.queueMode(first.in.Channel)
		if first.behind && mode != QueueInterrupt && !ln.lastEnqueue.Equal(ln.quietAfter) {
			// Let the queue go quiet before draining it: wait until no
			// message has arrived for the debounce window.
			seen := ln.lastEnqueue
			if wait := seen.Add(r.queueDebounce(first.in.Channel)).Sub(r.now()); wait > 0 {
				r.mu.Unlock()
				r.sleep(wait) // on close, the loop ends at the top
				r.mu.Lock()
				ln.quietAfter = seen
				r.mu.Unlock()
				continue
			}
		}
		var items []*queued
		if mode == QueueCollect {
			items = takeCompatible(ln)
		} else {
			items, ln.pending = ln.pending[:1], ln.pending[1:]
		}
		dropped := ln.dropped
		ln.dropped = nil
		r.mu.Unlock()

		var q *queued
		if len(items) == 1 {
			q = items[0]
		} else {
			q = mergeInbound(items, "")
		}
		if len(dropped) > 0 {
			q.in.Text = fmt.Sprintf("[%d earlier messages were dropped because the queue was full. In short:]\n- %s\n\n%s",
				len(dropped), strings.Join(dropped, "\n- "), q.in.Text)
		}
		r.runQueued(ln, q)
	}
}

// sleep waits d on the runner's clock, or until the runner closes.
func (r *Runner) sleep(d time.Duration) {
	done := make(chan struct{})
	stop := r.after(d, func() { close(done) })
	select {
	case <-done:
	case <-r.base.Done():
		stop()
	}
}

// takeCompatible takes the first waiting message and every other one for
// the same conversation target (channel, account, thread); messages for
// other targets keep their place, so replies go where they belong.
func takeCompatible(ln *lane) []*queued {
	first := ln.pending[0]
	var take, keep []*queued
	for _, q := range ln.pending {
		if q.in.Channel == first.in.Channel && q.in.AccountID == first.in.AccountID && q.in.ThreadID == first.in.ThreadID &&
			q.in.Conversation == first.in.Conversation {
			take = append(take, q)
		} else {
			keep = append(keep, q)
		}
	}
	ln.pending = keep
	return take
}

// mergeInbound folds several messages into one turn. With sep, texts are
// joined as they are (a debounced burst); without, they are numbered (a
// collected queue). The last message decides threading and delivery.
func mergeInbound(items []*queued, sep string) *queued {
	if len(items) == 1 {
		return items[0]
	}
	last := items[len(items)-1]
	out := &queued{in: last.in, deliver: last.deliver, behind: items[0].behind}
	for _, q := range items {
		out.dones = append(out.dones, q.dones...)
	}
	var b strings.Builder
	var media []Media
	var ctxEntries []HistoryEntry
	if sep == "" {
		b.WriteString("[Queued messages while you were busy]")
	}
	for i, q := range items {
		media = append(media, q.in.Media...)
		ctxEntries = append(ctxEntries, q.in.Context...)
		if sep != "" {
			if i > 0 {
				b.WriteString(sep)
			}
			b.WriteString(q.in.Text)
			continue
		}
		fmt.Fprintf(&b, "\n\n---\nQueued #%d", i+1)
		if q.in.SenderName != "" && q.in.SenderName != last.in.SenderName {
			b.WriteString(" (from " + q.in.SenderName + ")")
		}
		b.WriteString("\n" + q.in.Text)
	}
	out.in.Text = b.String()
	out.in.Media = media
	out.in.Context = ctxEntries
	return out
}

// runQueued runs one queued message as a turn and delivers the reply.
func (r *Runner) runQueued(ln *lane, q *queued) {
	ctx := r.base
	in := q.in
	defer func() {
		if r.base.Err() != nil {
			finish(ErrClosed, q)
			return
		}
		finish(nil, q)
	}()
	deliver := func(rep Reply) {
		rep.SessionKey, rep.ReplyTo, rep.ThreadID = in.SessionKey, in.ReplyTo, in.ThreadID
		if err := q.deliver(ctx, rep); err != nil {
			r.log.Warn("reply delivery failed", "session", in.SessionKey, "run", rep.RunID, "error", err)
		}
	}
	p, err := r.agent(in.AgentID)
	if err != nil {
		deliver(Reply{Text: "⚠️ " + err.Error(), IsError: true})
		return
	}
	var blocks []string
	block := func(res *TurnResult, text string) {
		if in.BlockReplies {
			deliver(Reply{RunID: res.RunID, Text: applyPrefix(r.prefixFor(p, in.ResponsePrefix, res), text), Block: true})
			return
		}
		blocks = append(blocks, text)
	}
	res, err := r.execute(ctx, ln, p, in.SessionKey, in.TurnRequest, hooks{sink: in.OnEvent, block: block, conversation: in.Conversation})
	if res == nil {
		if err != nil && !errors.Is(err, ErrAborted) && !errors.Is(err, ErrClosed) {
			r.log.Error("turn failed before it started", "session", in.SessionKey, "error", err)
			deliver(Reply{Text: "⚠️ " + userFacing(err), IsError: true})
		}
		return
	}
	if res.StopReason == stopAborted || res.Silent {
		return
	}
	text := res.Text
	if len(blocks) > 0 && err == nil {
		text = strings.Join(append(blocks, text), "\n\n")
	}
	if strings.TrimSpace(text) == "" {
		return
	}
	deliver(Reply{RunID: res.RunID, Text: applyPrefix(r.prefixFor(p, in.ResponsePrefix, res), text), IsError: err != nil})
}

// Abort stops the session's running turn and drops its waiting messages.
// It reports whether there was anything to stop.
func (r *Runner) Abort(sessionKey string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	ln, ok := r.lanes[strings.ToLower(strings.TrimSpace(sessionKey))]
	if !ok {
		return false
	}
	return r.abortLocked(ln, ErrAborted)
}

// ActiveRun returns the id of the session's running turn, if any.
func (r *Runner) ActiveRun(sessionKey string) (runID string, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ln, ok := r.lanes[strings.ToLower(strings.TrimSpace(sessionKey))]
	if !ok || ln.active == nil {
		return "", false
	}
	return ln.active.id, true
}

func (r *Runner) abortLocked(ln *lane, cause error) bool {
	found := false
	if ln.active != nil {
		ln.active.cancel(cause)
		finish(nil, ln.active.steer...)
		ln.active.steer = nil
		found = true
	}
	if len(ln.pending) > 0 || len(ln.dropped) > 0 {
		finish(nil, ln.pending...)
		ln.pending, ln.dropped = nil, nil
		found = true
	}
	for sender, b := range ln.batches {
		finish(nil, b.items...)
		b.stop()
		delete(ln.batches, sender)
		found = true
		r.releaseLocked(ln)
	}
	return found
}
