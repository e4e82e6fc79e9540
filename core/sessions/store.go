package sessions

import (
	"github.com/openclaw-go/openclaw/pluginsdk/atomicfile"

	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
)

// ErrNotFound is returned for a session key the store does not know.
var ErrNotFound = errors.New("session not found")

// ErrClosed is returned by a Store after Close.
var ErrClosed = errors.New("session store closed")

// Options configure a Store.
type Options struct {
	// StateDir is the OpenClaw state directory (~/.openclaw). Required.
	StateDir string
	// Config is the session.* config: store path and reset policies.
	Config Config
	// Now is the clock; time.Now when nil. Daily resets happen at atHour in
	// the location of the times it returns.
	Now func() time.Time
	// Logger receives repairs and background flush failures.
	Logger hclog.Logger
	// MaxOpenTranscripts bounds open transcript files; 128 when zero.
	MaxOpenTranscripts int
	// NoSync skips fsync after appends. A process crash still loses nothing
	// (the kernel has the data); only an OS crash or power loss can lose the
	// last appends. Index rewrites are always synced.
	NoSync bool
	// IndexFlushDelay is how long counter updates (updatedAt, tokens) may
	// wait before sessions.json is rewritten; 1s when zero. Creating,
	// resetting, updating and deleting a session are written at once.
	IndexFlushDelay time.Duration
	// TailCacheBytes caps, per open transcript, the newest messages kept
	// in memory for LastTurns (measured as encoded JSON); 128 KiB when zero,
	// no cache when negative. Worst-case memory is this times
	// MaxOpenTranscripts.
	TailCacheBytes int
	// HomeDir expands a leading "~/" in session.store.
	HomeDir string
	// Workspace returns an agent's workspace for transcript headers (cwd).
	Workspace func(agentID string) string
}

// Store keeps sessions.json indexes and JSONL transcripts, one index per
// agent. It is safe for concurrent use; it assumes it is the only writer of
// its files (the gateway owns session state).
type Store struct {
	opts    Options
	log     hclog.Logger
	now     func() time.Time
	handles *handleCache

	// keyLocks serialise work on one session key (append order, parent ids,
	// rollovers) without a lock per key.
	keyLocks [256]sync.Mutex

	mu      sync.Mutex
	indexes map[string]*agentIndex // by sessions.json path
	closed  bool
}

// Session is a session key and its current entry.
type Session struct {
	Key   string
	Entry Entry
}

type agentIndex struct {
	path string // sessions.json
	dir  string // transcripts live here

	mu      sync.Mutex
	entries map[string]*Entry
	version uint64 // bumped on every change
	flushed uint64 // version last written
	timer   *time.Timer

	flushMu sync.Mutex // one writer of the file at a time
}

// Open returns a Store over opts.StateDir. Indexes are read lazily.
func Open(opts Options) (*Store, error) {
	if strings.TrimSpace(opts.StateDir) == "" {
		return nil, errors.New("open session store: state directory is empty")
	}
	if err := opts.Config.Validate(); err != nil {
		return nil, fmt.Errorf("open session store: %w", err)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.MaxOpenTranscripts <= 0 {
		opts.MaxOpenTranscripts = 128
	}
	if opts.TailCacheBytes == 0 {
		opts.TailCacheBytes = 128 << 10
	}
	if opts.IndexFlushDelay <= 0 {
		opts.IndexFlushDelay = time.Second
	}
	return &Store{
		opts:    opts,
		log:     opts.Logger,
		now:     opts.Now,
		handles: newHandleCache(opts.MaxOpenTranscripts),
		indexes: make(map[string]*agentIndex),
	}, nil
}

// IndexPath returns the sessions.json path of an agent.
func (s *Store) IndexPath(agentID string) string {
	return s.indexPath(NormalizeAgentID(agentID))
}

func (s *Store) indexPath(agentID string) string {
	tmpl := strings.TrimSpace(s.opts.Config.Store)
	if tmpl == "" {
		return filepath.Join(s.opts.StateDir, "agents", agentID, "sessions", "sessions.json")
	}
	if rest, ok := strings.CutPrefix(tmpl, "~/"); ok && s.opts.HomeDir != "" {
		tmpl = filepath.Join(s.opts.HomeDir, rest)
	}
	return filepath.Clean(strings.ReplaceAll(tmpl, "{agentId}", agentID))
}

// indexPaths finds the sessions.json files on disk, one per agent.
func (s *Store) indexPaths() ([]string, error) {
	if strings.TrimSpace(s.opts.Config.Store) != "" {
		found, err := filepath.Glob(s.indexPath("*"))
		if err != nil {
			return nil, fmt.Errorf("list sessions: %w", err)
		}
		return found, nil
	}
	root := filepath.Join(s.opts.StateDir, "agents")
	dirs, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	var out []string
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		p := s.indexPath(d.Name())
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// BeginOptions describe the message a session is begun for.
type BeginOptions struct {
	ChatType    string
	Channel     string
	AccountID   string
	DisplayName string
	Subject     string
	// System marks heartbeat, cron and exec turns: they touch the row but
	// neither count as interaction nor keep an idle session alive.
	System bool
}

// Begin returns the session a new inbound message for key belongs to. It
// starts one when the key has none, or rolls the key over to a fresh session
// id when the reset policy (session.reset, resetByType, resetByChannel) says
// the current one is stale. started reports either.
func (s *Store) Begin(ctx context.Context, key string, o BeginOptions) (sess Session, started bool, err error) {
	key, ix, err := s.lookup(ctx, key)
	if err != nil {
		return Session{}, false, err
	}
	unlock := s.lockKey(key)
	defer unlock()

	now := s.now()
	ms := now.UnixMilli()
	policy := s.opts.Config.ResetPolicyFor(key)

	ix.mu.Lock()
	cur, ok := ix.entries[key]
	var old string
	switch {
	case !ok:
		cur = s.newEntry(ix, nil, now)
		ix.entries[key] = cur
		started = true
	case policy.Stale(*cur, now):
		old = cur.SessionID
		cur = s.newEntry(ix, cur, now)
		ix.entries[key] = cur
		started = true
	}
	if o.ChatType != "" {
		cur.ChatType = o.ChatType
	}
	if o.Channel != "" {
		cur.Channel = o.Channel
	}
	if o.AccountID != "" {
		cur.AccountID = o.AccountID
	}
	if o.DisplayName != "" {
		cur.DisplayName = o.DisplayName
	}
	if o.Subject != "" {
		cur.Subject = o.Subject
	}
	if !o.System {
		cur.LastInteractionAt = ms
	}
	cur.UpdatedAt = ms
	ix.version++
	sess = Session{Key: key, Entry: cur.clone()}
	ix.mu.Unlock()

	if !started {
		s.scheduleFlush(ix)
		return sess, false, nil
	}
	if err := s.flush(ix); err != nil {
		return Session{}, false, err
	}
	if old != "" {
		s.log.Debug("session rolled over", "key", key, "policy", policy.Mode, "old", old, "new", sess.Entry.SessionID)
		s.archive(ix, old, "reset", ms)
	}
	return sess, true, nil
}

// Reset points key at a fresh session id, as /new and /reset do. Overrides
// (model, thinking level, label) carry over; counters start again. The old
// transcript is kept as <id>.jsonl.reset.<ms>.
func (s *Store) Reset(ctx context.Context, key string) (Session, error) {
	key, ix, err := s.lookup(ctx, key)
	if err != nil {
		return Session{}, err
	}
	unlock := s.lockKey(key)
	defer unlock()

	now := s.now()
	ix.mu.Lock()
	prev := ix.entries[key]
	old := ""
	if prev != nil {
		old = prev.SessionID
	}
	cur := s.newEntry(ix, prev, now)
	ix.entries[key] = cur
	ix.version++
	sess := Session{Key: key, Entry: cur.clone()}
	ix.mu.Unlock()

	if err := s.flush(ix); err != nil {
		return Session{}, err
	}
	if old != "" {
		s.archive(ix, old, "reset", now.UnixMilli())
	}
	return sess, nil
}

// Delete removes key from the index and keeps its transcript as
// <id>.jsonl.deleted.<ms>.
func (s *Store) Delete(ctx context.Context, key string) error {
	key, ix, err := s.lookup(ctx, key)
	if err != nil {
		return err
	}
	unlock := s.lockKey(key)
	defer unlock()

	ix.mu.Lock()
	cur, ok := ix.entries[key]
	if !ok {
		ix.mu.Unlock()
		return fmt.Errorf("delete session %s: %w", key, ErrNotFound)
	}
	delete(ix.entries, key)
	ix.version++
	ix.mu.Unlock()

	if err := s.flush(ix); err != nil {
		return err
	}
	s.archive(ix, cur.SessionID, "deleted", s.now().UnixMilli())
	return nil
}

// Get returns key's session.
func (s *Store) Get(ctx context.Context, key string) (Session, error) {
	key, ix, err := s.lookup(ctx, key)
	if err != nil {
		return Session{}, err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	cur, ok := ix.entries[key]
	if !ok {
		return Session{}, fmt.Errorf("session %s: %w", key, ErrNotFound)
	}
	return Session{Key: key, Entry: cur.clone()}, nil
}

// Update changes key's metadata (model override, label, levels, …) and
// writes the index before returning. fn must not change SessionID.
func (s *Store) Update(ctx context.Context, key string, fn func(*Entry) error) (Session, error) {
	key, ix, err := s.lookup(ctx, key)
	if err != nil {
		return Session{}, err
	}
	unlock := s.lockKey(key)
	defer unlock()

	ix.mu.Lock()
	cur, ok := ix.entries[key]
	if !ok {
		ix.mu.Unlock()
		return Session{}, fmt.Errorf("update session %s: %w", key, ErrNotFound)
	}
	next := cur.clone()
	if err := fn(&next); err != nil {
		ix.mu.Unlock()
		return Session{}, fmt.Errorf("update session %s: %w", key, err)
	}
	if next.SessionID != cur.SessionID {
		ix.mu.Unlock()
		return Session{}, fmt.Errorf("update session %s: the session id cannot be changed (use Reset)", key)
	}
	next.UpdatedAt = s.now().UnixMilli()
	*cur = next
	ix.version++
	sess := Session{Key: key, Entry: cur.clone()}
	ix.mu.Unlock()
	return sess, s.flush(ix)
}

// ListOptions filter List.
type ListOptions struct {
	// AgentID limits the list to one agent; all agents when empty.
	AgentID string
	// ActiveWithin keeps sessions updated within this long of now.
	ActiveWithin time.Duration
	// Limit caps the result; no cap when zero.
	Limit int
}

// List returns sessions, most recently updated first.
func (s *Store) List(ctx context.Context, o ListOptions) ([]Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var paths []string
	if o.AgentID != "" {
		paths = []string{s.indexPath(NormalizeAgentID(o.AgentID))}
	} else {
		found, err := s.indexPaths()
		if err != nil {
			return nil, err
		}
		paths = found
		// Include indexes created in this process but not yet on disk.
		s.mu.Lock()
		for p := range s.indexes {
			paths = append(paths, p)
		}
		s.mu.Unlock()
	}
	sort.Strings(paths)
	paths = compactStrings(paths)

	prefix := ""
	if o.AgentID != "" {
		prefix = "agent:" + NormalizeAgentID(o.AgentID) + ":"
	}
	cutoff := int64(0)
	if o.ActiveWithin > 0 {
		cutoff = s.now().Add(-o.ActiveWithin).UnixMilli()
	}
	var out []Session
	for _, p := range paths {
		ix, err := s.index(p)
		if err != nil {
			return nil, err
		}
		ix.mu.Lock()
		for k, e := range ix.entries {
			if prefix != "" && !strings.HasPrefix(k, prefix) {
				continue
			}
			if e.UpdatedAt < cutoff {
				continue
			}
			out = append(out, Session{Key: k, Entry: e.clone()})
		}
		ix.mu.Unlock()
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Entry.UpdatedAt != out[j].Entry.UpdatedAt {
			return out[i].Entry.UpdatedAt > out[j].Entry.UpdatedAt
		}
		return out[i].Key < out[j].Key
	})
	if o.Limit > 0 && len(out) > o.Limit {
		out = out[:o.Limit]
	}
	return out, nil
}

// Append adds messages to key's current session, starting one when the key
// has none. Append never rolls a session over (call Begin for each inbound
// message), so a reply always lands beside its question. It returns the new
// record ids.
func (s *Store) Append(ctx context.Context, key string, msgs ...Message) ([]string, error) {
	recs := make([]Record, len(msgs))
	for i := range msgs {
		recs[i] = Record{Type: RecordMessage, Message: &msgs[i]}
	}
	return s.AppendRecords(ctx, key, recs...)
}

// AppendRecords adds records of any type (message, model_change,
// compaction, custom) to key's current session. ID, ParentID and Timestamp
// are assigned here. All records go to disk in one write; when the call
// returns without error they are durable (synced, unless Options.NoSync).
func (s *Store) AppendRecords(ctx context.Context, key string, recs ...Record) ([]string, error) {
	key, ix, err := s.lookup(ctx, key)
	if err != nil {
		return nil, err
	}
	for i, r := range recs {
		if err := validateRecord(r); err != nil {
			return nil, fmt.Errorf("append to session %s: record %d: %w", key, i, err)
		}
	}
	if len(recs) == 0 {
		return nil, nil
	}
	unlock := s.lockKey(key)
	defer unlock()

	now := s.now()
	ix.mu.Lock()
	cur, ok := ix.entries[key]
	if !ok {
		cur = s.newEntry(ix, nil, now)
		ix.entries[key] = cur
		ix.version++
	}
	id := cur.SessionID
	ix.mu.Unlock()
	if !ok {
		// The key → session id mapping must be on disk before the
		// transcript it names has content.
		if err := s.flush(ix); err != nil {
			return nil, err
		}
	}

	path, err := transcriptPath(ix.dir, id)
	if err != nil {
		return nil, fmt.Errorf("append to session %s: %w", key, err)
	}
	t := s.handles.acquire(id, path)
	defer s.handles.release(t)
	if t.f == nil {
		agent := agentOfKey(key)
		repaired, err := t.open(func() ([]byte, error) { return s.headerLine(id, agent, now) }, !s.opts.NoSync)
		if err != nil {
			return nil, err
		}
		if repaired > 0 {
			s.log.Warn("repaired torn transcript tail", "path", path, "bytes", repaired)
		}
	}

	stamp := now.UTC().Format(isoMillis)
	ms := now.UnixMilli()
	ids := make([]string, len(recs))
	sizes := make([]int, len(recs))
	var buf []byte
	parent := t.lastID
	for i := range recs {
		r := recs[i]
		r.ID = newRecordID(parent)
		if parent != "" {
			p := parent
			r.ParentID = &p
		} else {
			r.ParentID = nil
		}
		r.Timestamp = stamp
		if r.Message != nil {
			m := *r.Message
			if m.Timestamp == 0 {
				m.Timestamp = ms
			}
			r.Message = &m
		}
		line, err := json.Marshal(r)
		if err != nil {
			return nil, fmt.Errorf("append to session %s: encode record %d: %w", key, i, err)
		}
		buf = append(buf, line...)
		buf = append(buf, '\n')
		sizes[i] = len(line) + 1
		ids[i] = r.ID
		parent = r.ID
		recs[i] = r
	}
	if err := t.write(buf, !s.opts.NoSync); err != nil {
		return nil, err
	}
	t.lastID = parent
	t.tail.add(recs, sizes, s.opts.TailCacheBytes)

	ix.mu.Lock()
	if e, ok := ix.entries[key]; ok && e.SessionID == id {
		e.UpdatedAt = ms
		for _, r := range recs {
			switch r.Type {
			case RecordMessage:
				e.MessageCount++
				if u := r.Message.Usage; u != nil {
					e.InputTokens += u.Input
					e.OutputTokens += u.Output
					e.TotalTokens = e.InputTokens + e.OutputTokens
					e.ContextTokens = u.Input + u.CacheRead + u.CacheWrite
				}
			case RecordCompaction:
				e.CompactionCount++
			}
		}
		ix.version++
	}
	ix.mu.Unlock()
	s.scheduleFlush(ix)
	return ids, nil
}

// HistoryOptions page through a transcript's messages.
type HistoryOptions struct {
	// Limit is the number of messages returned; all when zero.
	Limit int
	// Offset skips this many of the newest messages first.
	Offset int
	// Descending returns newest first; oldest first otherwise.
	Descending bool
}

// History returns message records of key's current session. Lines that do
// not parse (a torn last line, damage) are skipped.
func (s *Store) History(ctx context.Context, key string, o HistoryOptions) ([]Record, error) {
	if o.Limit < 0 || o.Offset < 0 {
		return nil, fmt.Errorf("session history: limit %d and offset %d must not be negative", o.Limit, o.Offset)
	}
	var out []Record
	skip := o.Offset
	err := s.scan(ctx, key, func(r Record) bool {
		if r.Type != RecordMessage || r.Message == nil {
			return true
		}
		if skip > 0 {
			skip--
			return true
		}
		out = append(out, r)
		return o.Limit == 0 || len(out) < o.Limit
	})
	if err != nil {
		return nil, err
	}
	if !o.Descending {
		reverse(out)
	}
	return out, nil
}

// LastTurns returns the messages of key's last n user turns, oldest first,
// for building a prompt; a turn is a user message and everything after it up
// to the next user message. n <= 0 returns the whole conversation. An active
// conversation is answered from memory; otherwise reading starts at the end
// of the transcript and stops once n turns are in hand, so the cost does not
// grow with the session's length. Treat the returned messages as read-only.
func (s *Store) LastTurns(ctx context.Context, key string, n int) ([]Message, error) {
	key, ix, err := s.lookup(ctx, key)
	if err != nil {
		return nil, err
	}
	unlock := s.lockKey(key)
	defer unlock()
	ix.mu.Lock()
	cur, ok := ix.entries[key]
	var id string
	if ok {
		id = cur.SessionID
	}
	ix.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("session %s: %w", key, ErrNotFound)
	}
	path, err := transcriptPath(ix.dir, id)
	if err != nil {
		return nil, fmt.Errorf("read session %s: %w", key, err)
	}
	t := s.handles.acquire(id, path)
	defer s.handles.release(t)
	if msgs, ok := t.tail.lastTurns(n); ok {
		return msgs, nil
	}

	var recs []Record
	var sizes []int
	users := 0
	complete := true
	err = s.scanFile(ctx, path, func(r Record, size int) bool {
		if r.Type != RecordMessage || r.Message == nil {
			return true
		}
		recs = append(recs, r)
		sizes = append(sizes, size)
		if r.Message.Role == RoleUser {
			users++
			if n > 0 && users >= n {
				complete = false
				return false
			}
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	reverse(recs)
	reverse(sizes)
	t.tail.reset(recs, sizes, complete, s.opts.TailCacheBytes)
	msgs := make([]Message, len(recs))
	for i := range recs {
		msgs[i] = *recs[i].Message
	}
	return TrimTurns(msgs, n), nil
}

// TrimTurns returns the tail of msgs that holds its last n user turns,
// starting at a user message. With fewer than n turns, or n <= 0, msgs is
// returned whole.
func TrimTurns(msgs []Message, n int) []Message {
	if n <= 0 {
		return msgs
	}
	users := 0
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == RoleUser {
			users++
			if users == n {
				return msgs[i:]
			}
		}
	}
	return msgs
}

// scan calls fn for each parseable record of key's current transcript,
// newest first, until fn returns false.
func (s *Store) scan(ctx context.Context, key string, fn func(Record) bool) error {
	key, ix, err := s.lookup(ctx, key)
	if err != nil {
		return err
	}
	ix.mu.Lock()
	cur, ok := ix.entries[key]
	var id string
	if ok {
		id = cur.SessionID
	}
	ix.mu.Unlock()
	if !ok {
		return fmt.Errorf("session %s: %w", key, ErrNotFound)
	}
	path, err := transcriptPath(ix.dir, id)
	if err != nil {
		return fmt.Errorf("read session %s: %w", key, err)
	}
	return s.scanFile(ctx, path, func(r Record, _ int) bool { return fn(r) })
}

// scanFile calls fn with each parseable record of a transcript and its
// encoded size, newest first, until fn returns false. A missing file has no
// records.
func (s *Store) scanFile(ctx context.Context, path string, fn func(Record, int) bool) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read transcript %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("read transcript %s: %w", path, err)
	}
	bad := 0
	err = reverseLines(f, st.Size(), func(line []byte) bool {
		if ctx.Err() != nil {
			return false
		}
		var r Record
		if err := json.Unmarshal(line, &r); err != nil || r.Type == "" {
			bad++
			return true
		}
		if r.Type == RecordSession {
			return true
		}
		return fn(r, len(line)+1)
	})
	if bad > 0 {
		s.log.Warn("skipped unreadable transcript lines", "path", path, "count", bad)
	}
	if err != nil {
		return fmt.Errorf("read transcript %s: %w", path, err)
	}
	return ctx.Err()
}

// Flush writes every index with pending changes.
func (s *Store) Flush() error {
	s.mu.Lock()
	ixs := make([]*agentIndex, 0, len(s.indexes))
	for _, ix := range s.indexes {
		ixs = append(ixs, ix)
	}
	s.mu.Unlock()
	var errs []error
	for _, ix := range ixs {
		if err := s.flush(ix); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Close writes pending index changes and closes open transcripts.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	ixs := make([]*agentIndex, 0, len(s.indexes))
	for _, ix := range s.indexes {
		ixs = append(ixs, ix)
	}
	s.mu.Unlock()
	var errs []error
	for _, ix := range ixs {
		ix.mu.Lock()
		if ix.timer != nil {
			ix.timer.Stop()
			ix.timer = nil
		}
		ix.mu.Unlock()
		if err := s.flush(ix); err != nil {
			errs = append(errs, err)
		}
	}
	errs = append(errs, s.handles.closeAll())
	return errors.Join(errs...)
}

// lookup normalises key and loads its agent's index.
func (s *Store) lookup(ctx context.Context, key string) (string, *agentIndex, error) {
	if err := ctx.Err(); err != nil {
		return "", nil, err
	}
	p, ok := ParseKey(key)
	if !ok {
		return "", nil, fmt.Errorf("session key %q: want agent:<agentId>:<rest>", key)
	}
	agent := NormalizeAgentID(p.AgentID)
	if agent != p.AgentID {
		return "", nil, fmt.Errorf("session key %q: agent id %q is not a valid id", key, p.AgentID)
	}
	ix, err := s.index(s.indexPath(agent))
	if err != nil {
		return "", nil, err
	}
	return strings.ToLower(strings.TrimSpace(key)), ix, nil
}

// index returns the loaded index at path, reading it on first use.
func (s *Store) index(path string) (*agentIndex, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if ix, ok := s.indexes[path]; ok {
		return ix, nil
	}
	ix := &agentIndex{path: path, dir: filepath.Dir(path), entries: make(map[string]*Entry)}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("read session index %s: %w", path, err)
	default:
		if err := json.Unmarshal(data, &ix.entries); err != nil {
			// Keep the damaged file for inspection and start empty rather than
			// refusing every conversation; transcripts are untouched.
			aside := path + ".corrupt-" + strconv.FormatInt(s.now().UnixMilli(), 10)
			if rerr := os.Rename(path, aside); rerr != nil {
				return nil, fmt.Errorf("session index %s is not valid JSON (%v) and could not be moved aside: %w", path, err, rerr)
			}
			s.log.Error("session index is not valid JSON; moved aside, starting empty", "path", path, "saved", aside, "error", err)
			ix.entries = make(map[string]*Entry)
		}
		for k, e := range ix.entries {
			if e == nil || !validSessionID(e.SessionID) {
				s.log.Warn("dropping session index row with a bad session id", "path", path, "key", k)
				delete(ix.entries, k)
			}
		}
	}
	s.indexes[path] = ix
	return ix, nil
}

// newEntry starts a session id, carrying overrides over from prev.
func (s *Store) newEntry(ix *agentIndex, prev *Entry, now time.Time) *Entry {
	var e Entry
	if prev != nil {
		e = Entry{
			ChatType:            prev.ChatType,
			Channel:             prev.Channel,
			AccountID:           prev.AccountID,
			DisplayName:         prev.DisplayName,
			Subject:             prev.Subject,
			Label:               prev.Label,
			ProviderOverride:    prev.ProviderOverride,
			ModelOverride:       prev.ModelOverride,
			AuthProfileOverride: prev.AuthProfileOverride,
			ThinkingLevel:       prev.ThinkingLevel,
			VerboseLevel:        prev.VerboseLevel,
			ReasoningLevel:      prev.ReasoningLevel,
			SendPolicy:          prev.SendPolicy,
			Extra:               prev.clone().Extra,
		}
	}
	e.SessionID = newSessionID()
	e.SessionFile = filepath.Join(ix.dir, e.SessionID+".jsonl")
	e.SessionStartedAt = now.UnixMilli()
	e.UpdatedAt = e.SessionStartedAt
	return &e
}

// archive renames a transcript that is no longer current.
func (s *Store) archive(ix *agentIndex, sessionID, why string, ms int64) {
	s.handles.forget(sessionID)
	path, err := transcriptPath(ix.dir, sessionID)
	if err != nil {
		return
	}
	dst := path + "." + why + "." + strconv.FormatInt(ms, 10)
	if err := os.Rename(path, dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.log.Warn("could not archive transcript", "path", path, "error", err)
	}
}

func (s *Store) flush(ix *agentIndex) error {
	ix.mu.Lock()
	want := ix.version
	ix.mu.Unlock()

	ix.flushMu.Lock()
	defer ix.flushMu.Unlock()
	ix.mu.Lock()
	if ix.flushed >= want {
		ix.mu.Unlock()
		return nil
	}
	v := ix.version
	data, err := json.Marshal(ix.entries)
	ix.mu.Unlock()
	if err != nil {
		return fmt.Errorf("encode session index %s: %w", ix.path, err)
	}
	if err := os.MkdirAll(ix.dir, 0o700); err != nil {
		return fmt.Errorf("create sessions directory %s: %w", ix.dir, err)
	}
	if err := atomicfile.Write(ix.path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write session index: %w", err)
	}
	ix.mu.Lock()
	if v > ix.flushed {
		ix.flushed = v
	}
	ix.mu.Unlock()
	return nil
}

func (s *Store) scheduleFlush(ix *agentIndex) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.timer != nil {
		return
	}
	ix.timer = time.AfterFunc(s.opts.IndexFlushDelay, func() {
		ix.mu.Lock()
		ix.timer = nil
		ix.mu.Unlock()
		if err := s.flush(ix); err != nil {
			s.log.Error("background session index write failed", "path", ix.path, "error", err)
		}
	})
}

func (s *Store) lockKey(key string) func() {
	h := fnv.New32a()
	h.Write([]byte(key))
	m := &s.keyLocks[h.Sum32()%uint32(len(s.keyLocks))]
	m.Lock()
	return m.Unlock
}

func (s *Store) headerLine(id, agentID string, now time.Time) ([]byte, error) {
	h := Header{Type: RecordSession, Version: TranscriptVersion, ID: id, Timestamp: now.UTC().Format(isoMillis)}
	if s.opts.Workspace != nil {
		h.Cwd = s.opts.Workspace(agentID)
	}
	line, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("encode transcript header: %w", err)
	}
	return append(line, '\n'), nil
}

const isoMillis = "2006-01-02T15:04:05.000Z07:00"

func validateRecord(r Record) error {
	switch r.Type {
	case "":
		return errors.New("record type is empty")
	case RecordSession:
		return errors.New(`record type "session" is reserved for the transcript header`)
	case RecordMessage:
		if r.Message == nil {
			return errors.New("message record has no message")
		}
		if r.Message.Role == "" {
			return errors.New("message has no role")
		}
	}
	return nil
}

// validSessionID accepts ids made of letters, digits, '.', '_' and '-',
// starting with a letter or digit, without "..", at most 128 bytes.
func validSessionID(id string) bool {
	if id == "" || len(id) > 128 || strings.Contains(id, "..") {
		return false
	}
	for i, r := range id {
		alnum := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !alnum && (i == 0 || r != '.' && r != '_' && r != '-') {
			return false
		}
	}
	return true
}

// transcriptPath refuses session ids that could escape the sessions
// directory (the index is a file a user can edit).
func transcriptPath(dir, sessionID string) (string, error) {
	if !validSessionID(sessionID) {
		return "", fmt.Errorf("session id %q is not a valid file name", sessionID)
	}
	return filepath.Join(dir, sessionID+".jsonl"), nil
}

func agentOfKey(key string) string {
	p, _ := ParseKey(key)
	return p.AgentID
}

func dirOf(path string) string { return filepath.Dir(path) }

// newSessionID returns a random (version 4) UUID.
func newSessionID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// newRecordID returns 8 random hex characters, different from the parent's.
func newRecordID(parent string) string {
	for {
		var b [4]byte
		rand.Read(b[:])
		if id := hex.EncodeToString(b[:]); id != parent {
			return id
		}
	}
}

func reverse[T any](s []T) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

func compactStrings(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
