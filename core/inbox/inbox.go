// Package inbox is the gateway's durable queue of inbound messages. A channel
// plugin's message is acknowledged only after it is written and synced here,
// and it stays pending until the gateway has handled it, so a crash of the
// gateway or a plugin at any moment loses nothing; message ids already seen
// are dropped, so a plugin that resends after a restart is not answered twice.
package inbox

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

// Record is one accepted message.
type Record struct {
	Seq      uint64                   `json:"seq"`
	PluginID string                   `json:"plugin"`
	Key      string                   `json:"key"`
	Accepted time.Time                `json:"at"`
	Message  pluginsdk.InboundMessage `json:"msg"`
}

// line is one journal entry: an accepted message, a done marker, or a key
// remembered for deduplication after compaction.
type line struct {
	Type string    `json:"t"` // "a" accepted, "d" done, "k" known key
	Seq  uint64    `json:"seq,omitempty"`
	Key  string    `json:"key,omitempty"`
	At   time.Time `json:"at,omitempty"`
	Rec  *Record   `json:"rec,omitempty"`
}

// Options tune an Inbox.
type Options struct {
	// DedupeWindow is how long a message key is remembered.
	DedupeWindow time.Duration
	// DedupeMax bounds the remembered keys.
	DedupeMax int
	// CompactEvery rewrites the journal after this many done markers.
	CompactEvery int
	Now          func() time.Time
}

func (o *Options) defaults() {
	if o.DedupeWindow == 0 {
		o.DedupeWindow = 7 * 24 * time.Hour
	}
	if o.DedupeMax == 0 {
		o.DedupeMax = 50000
	}
	if o.CompactEvery == 0 {
		o.CompactEvery = 1000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Inbox is safe for concurrent use.
type Inbox struct {
	opts Options
	path string

	mu        sync.Mutex
	f         *os.File
	seq       uint64
	pending   map[uint64]*Record
	queue     []uint64 // pending seqs not yet handed out, in order
	known     map[string]time.Time
	doneSince int
	wake      chan struct{}
	closed    bool
}

// Key identifies a message for deduplication.
func Key(pluginID string, m pluginsdk.InboundMessage) string {
	return pluginID + "\x00" + m.Channel + "\x00" + m.AccountID + "\x00" + m.PeerID + "\x00" + m.MessageID
}

// Open opens or creates the journal in dir and replays it: messages
// accepted but not done are pending again, in their original order.
func Open(dir string, opts Options) (*Inbox, error) {
	opts.defaults()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open inbox: %w", err)
	}
	b := &Inbox{
		opts: opts, path: filepath.Join(dir, "inbox.jsonl"),
		pending: map[uint64]*Record{}, known: map[string]time.Time{}, wake: make(chan struct{}),
	}
	if err := b.replay(); err != nil {
		return nil, err
	}
	if err := b.compact(); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *Inbox) replay() error {
	f, err := os.Open(b.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open inbox: %w", err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	for {
		raw, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			// A last line without its newline was torn by a crash: the
			// message was never acknowledged, so dropping it is safe.
			return nil
		}
		if err != nil {
			return fmt.Errorf("read inbox: %w", err)
		}
		var l line
		if err := json.Unmarshal(bytes.TrimSpace(raw), &l); err != nil {
			continue
		}
		switch l.Type {
		case "a":
			if l.Rec == nil {
				continue
			}
			b.pending[l.Rec.Seq] = l.Rec
			b.known[l.Rec.Key] = l.Rec.Accepted
			b.seq = max(b.seq, l.Rec.Seq)
		case "d":
			delete(b.pending, l.Seq)
		case "k":
			b.known[l.Key] = l.At
		}
	}
}

// compact rewrites the journal with only pending messages and remembered
// keys, then reopens it for appending.
func (b *Inbox) compact() error {
	b.forget()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	pendingKeys := map[string]bool{}
	seqs := make([]uint64, 0, len(b.pending))
	for s := range b.pending {
		seqs = append(seqs, s)
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	for _, s := range seqs {
		rec := b.pending[s]
		pendingKeys[rec.Key] = true
		if err := enc.Encode(line{Type: "a", Rec: rec}); err != nil {
			return fmt.Errorf("compact inbox: %w", err)
		}
	}
	for k, at := range b.known {
		if !pendingKeys[k] {
			if err := enc.Encode(line{Type: "k", Key: k, At: at}); err != nil {
				return fmt.Errorf("compact inbox: %w", err)
			}
		}
	}
	tmp := b.path + ".tmp"
	if err := writeSynced(tmp, buf.Bytes()); err != nil {
		return fmt.Errorf("compact inbox: %w", err)
	}
	if b.f != nil {
		b.f.Close()
	}
	if err := os.Rename(tmp, b.path); err != nil {
		return fmt.Errorf("compact inbox: %w", err)
	}
	f, err := os.OpenFile(b.path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("compact inbox: %w", err)
	}
	b.f = f
	b.queue = seqs
	b.doneSince = 0
	return nil
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// forget drops keys older than the window, then the oldest beyond the cap.
func (b *Inbox) forget() {
	cutoff := b.opts.Now().Add(-b.opts.DedupeWindow)
	for k, at := range b.known {
		if at.Before(cutoff) {
			delete(b.known, k)
		}
	}
	if len(b.known) <= b.opts.DedupeMax {
		return
	}
	type kt struct {
		k  string
		at time.Time
	}
	all := make([]kt, 0, len(b.known))
	for k, at := range b.known {
		all = append(all, kt{k, at})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].at.Before(all[j].at) })
	for _, e := range all[:len(all)-b.opts.DedupeMax] {
		delete(b.known, e.k)
	}
}

// Accept stores msg durably. It returns duplicate=true, storing nothing,
// for a message key seen before.
func (b *Inbox) Accept(_ context.Context, pluginID string, msg pluginsdk.InboundMessage) (bool, error) {
	key := Key(pluginID, msg)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false, errors.New("inbox is closed")
	}
	if _, ok := b.known[key]; ok {
		return true, nil
	}
	rec := &Record{Seq: b.seq + 1, PluginID: pluginID, Key: key, Accepted: b.opts.Now(), Message: msg}
	raw, err := json.Marshal(line{Type: "a", Rec: rec})
	if err != nil {
		return false, fmt.Errorf("accept message: %w", err)
	}
	if err := b.appendSynced(raw); err != nil {
		return false, err
	}
	b.seq = rec.Seq
	b.pending[rec.Seq] = rec
	b.queue = append(b.queue, rec.Seq)
	b.known[key] = rec.Accepted
	close(b.wake)
	b.wake = make(chan struct{})
	return false, nil
}

func (b *Inbox) appendSynced(raw []byte) error {
	raw = append(raw, '\n')
	if _, err := b.f.Write(raw); err != nil {
		return fmt.Errorf("write inbox: %w", err)
	}
	if err := b.f.Sync(); err != nil {
		return fmt.Errorf("sync inbox: %w", err)
	}
	return nil
}

// Next returns the oldest pending message not yet handed out, waiting for
// one until ctx ends.
func (b *Inbox) Next(ctx context.Context) (*Record, error) {
	for {
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			return nil, errors.New("inbox is closed")
		}
		for len(b.queue) > 0 {
			seq := b.queue[0]
			b.queue = b.queue[1:]
			if rec, ok := b.pending[seq]; ok {
				b.mu.Unlock()
				return rec, nil
			}
		}
		wake := b.wake
		b.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Done marks a message handled; it will not be replayed.
func (b *Inbox) Done(seq uint64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.pending[seq]; !ok {
		return nil
	}
	raw, err := json.Marshal(line{Type: "d", Seq: seq})
	if err != nil {
		return err
	}
	if err := b.appendSynced(raw); err != nil {
		return err
	}
	delete(b.pending, seq)
	b.doneSince++
	if b.doneSince >= b.opts.CompactEvery {
		// Pending seqs already handed out must not be handed out twice.
		inFlight := map[uint64]bool{}
		queued := map[uint64]bool{}
		for _, s := range b.queue {
			queued[s] = true
		}
		for s := range b.pending {
			if !queued[s] {
				inFlight[s] = true
			}
		}
		if err := b.compact(); err != nil {
			return err
		}
		q := b.queue[:0]
		for _, s := range b.queue {
			if !inFlight[s] {
				q = append(q, s)
			}
		}
		b.queue = q
	}
	return nil
}

// Pending counts messages accepted and not done.
func (b *Inbox) Pending() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.pending)
}

// Close closes the journal; pending messages are replayed on next Open.
func (b *Inbox) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	close(b.wake)
	return b.f.Close()
}
