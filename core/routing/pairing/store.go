// Package pairing keeps DM pairing state: pending requests from unknown
// senders, each with a short code, and the senders the owner approved.
//
// The files match OpenClaw's layout under <stateDir>/credentials/:
//
//	<channel>-pairing.json                 {"version":1,"requests":[…]}
//	<channel>-allowFrom.json               {"version":1,"allowFrom":[…]}  default account
//	<channel>-<accountId>-allowFrom.json   the same, other accounts
//
// Every change is a locked read-modify-write ending in an atomic rename, so
// the CLI can approve a code while the gateway runs; the gateway re-reads a
// file whenever it changes on disk.
package pairing

import (
	"github.com/openclaw-go/openclaw/pluginsdk/atomicfile"

	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Defaults, as OpenClaw has them.
const (
	DefaultTTL        = time.Hour
	DefaultMaxPending = 3
	CodeLength        = 8
	// CodeAlphabet leaves out 0, O, 1 and I, which read alike.
	CodeAlphabet     = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	defaultAccountID = "default"
)

// ErrNoSuchCode is returned when no pending request has the code.
var ErrNoSuchCode = errors.New("no pending pairing request with that code")

// Request is a pending pairing request.
type Request struct {
	// ID is the sender's id on the channel.
	ID         string            `json:"id"`
	Code       string            `json:"code"`
	CreatedAt  string            `json:"createdAt"`
	LastSeenAt string            `json:"lastSeenAt"`
	Meta       map[string]string `json:"meta,omitempty"`
}

// AccountID is the channel account the request came in on.
func (r Request) AccountID() string {
	if a := strings.TrimSpace(r.Meta["accountId"]); a != "" {
		return strings.ToLower(a)
	}
	return defaultAccountID
}

type requestsFile struct {
	Version  int       `json:"version"`
	Requests []Request `json:"requests"`
}

type allowFile struct {
	Version   int      `json:"version"`
	AllowFrom []string `json:"allowFrom"`
}

// Options configure a Store.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// TTL is how long a code stays valid; one hour when zero.
	TTL time.Duration
	// MaxPending caps pending requests per channel account; 3 when zero.
	MaxPending int
}

// Store reads and writes the pairing files of one state directory.
type Store struct {
	dir  string
	opts Options

	mu    sync.Mutex
	cache map[string]cachedAllow // allowFrom files by path
}

type cachedAllow struct {
	info    os.FileInfo
	entries []string
}

// New returns the Store of stateDir (its credentials/ directory).
func New(stateDir string, opts Options) (*Store, error) {
	if strings.TrimSpace(stateDir) == "" {
		return nil, errors.New("pairing store: state directory is empty")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	if opts.MaxPending <= 0 {
		opts.MaxPending = DefaultMaxPending
	}
	return &Store{dir: filepath.Join(stateDir, "credentials"), opts: opts, cache: make(map[string]cachedAllow)}, nil
}

// Dir is the directory holding the pairing files.
func (s *Store) Dir() string { return s.dir }

// Request records a pending request for an unknown sender on a channel
// account. A sender with a pending request gets the same code back with
// created false; when the account already has the maximum of pending
// requests, the code is empty.
func (s *Store) Request(ctx context.Context, channel, accountID, senderID string, meta map[string]string) (code string, created bool, err error) {
	channel, accountID, err = s.names(channel, accountID)
	if err != nil {
		return "", false, err
	}
	senderID = strings.TrimSpace(senderID)
	if senderID == "" {
		return "", false, errors.New("pairing request: sender id is empty")
	}
	err = s.updateRequests(ctx, channel, func(reqs []Request) ([]Request, bool, error) {
		now := s.opts.Now()
		stamp := now.UTC().Format(isoMillis)
		pending := 0
		for i := range reqs {
			if reqs[i].AccountID() != accountID {
				continue
			}
			if reqs[i].ID == senderID {
				reqs[i].LastSeenAt = stamp
				code = reqs[i].Code
				return reqs, true, nil
			}
			pending++
		}
		if pending >= s.opts.MaxPending {
			return reqs, false, nil
		}
		used := make(map[string]bool, len(reqs))
		for _, r := range reqs {
			used[strings.ToUpper(r.Code)] = true
		}
		c, err := newCode(used)
		if err != nil {
			return nil, false, err
		}
		m := map[string]string{}
		for k, v := range meta {
			if v = strings.TrimSpace(v); v != "" {
				m[k] = v
			}
		}
		m["accountId"] = accountID
		code, created = c, true
		return append(reqs, Request{ID: senderID, Code: c, CreatedAt: stamp, LastSeenAt: stamp, Meta: m}), true, nil
	})
	if err != nil {
		return "", false, err
	}
	return code, created, nil
}

// List returns a channel's pending requests, oldest first; only those of one
// account when accountID is not empty. Expired requests are removed.
func (s *Store) List(ctx context.Context, channel, accountID string) ([]Request, error) {
	channel, err := safeName("channel", channel)
	if err != nil {
		return nil, err
	}
	var out []Request
	err = s.updateRequests(ctx, channel, func(reqs []Request) ([]Request, bool, error) {
		for _, r := range reqs {
			if accountID == "" || r.AccountID() == strings.ToLower(strings.TrimSpace(accountID)) {
				out = append(out, r)
			}
		}
		return reqs, false, nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt < out[j].CreatedAt })
	return out, err
}

// Approve removes the pending request with code (case-insensitive) and adds
// its sender to the account's approved senders. With accountID set, only a
// request from that account matches.
func (s *Store) Approve(ctx context.Context, channel, code, accountID string) (Request, error) {
	channel, err := safeName("channel", channel)
	if err != nil {
		return Request{}, err
	}
	var found Request
	err = s.updateRequests(ctx, channel, func(reqs []Request) ([]Request, bool, error) {
		i, err := findCode(reqs, channel, code, accountID)
		if err != nil {
			return nil, false, err
		}
		found = reqs[i]
		// Record the approval before dropping the request: a crash in
		// between leaves an approved sender with a stale request, never a
		// lost approval.
		if err := s.addAllowed(channel, found.AccountID(), found.ID); err != nil {
			return nil, false, err
		}
		return append(reqs[:i:i], reqs[i+1:]...), true, nil
	})
	return found, err
}

// Reject removes the pending request with code without approving it (the
// Control UI's "dismiss"). The sender may ask again later.
func (s *Store) Reject(ctx context.Context, channel, code, accountID string) (Request, error) {
	channel, err := safeName("channel", channel)
	if err != nil {
		return Request{}, err
	}
	var found Request
	err = s.updateRequests(ctx, channel, func(reqs []Request) ([]Request, bool, error) {
		i, err := findCode(reqs, channel, code, accountID)
		if err != nil {
			return nil, false, err
		}
		found = reqs[i]
		return append(reqs[:i:i], reqs[i+1:]...), true, nil
	})
	return found, err
}

// AllowFrom returns the approved senders of a channel account. It re-reads a
// file only when it changed on disk, so calling it for every message is
// cheap and still sees approvals made by another process at once.
func (s *Store) AllowFrom(ctx context.Context, channel, accountID string) ([]string, error) {
	channel, accountID, err := s.names(channel, accountID)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	paths := []string{s.allowPath(channel, accountID)}
	if accountID == defaultAccountID {
		// Older gateways wrote the default account's approvals under its
		// explicit name too.
		paths = append(paths, filepath.Join(s.dir, channel+"-"+defaultAccountID+"-allowFrom.json"))
	}
	var out []string
	seen := map[string]bool{}
	for _, p := range paths {
		entries, err := s.readAllowCached(p)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if !seen[e] {
				seen[e] = true
				out = append(out, e)
			}
		}
	}
	return out, nil
}

// Revoke removes a sender from an account's approved senders. It reports
// whether the sender was there.
func (s *Store) Revoke(ctx context.Context, channel, accountID, senderID string) (bool, error) {
	channel, accountID, err := s.names(channel, accountID)
	if err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	path := s.allowPath(channel, accountID)
	unlock, err := s.lock(path)
	if err != nil {
		return false, err
	}
	defer unlock()
	cur, err := readAllow(path)
	if err != nil {
		return false, err
	}
	next := cur[:0:0]
	for _, e := range cur {
		if e != strings.TrimSpace(senderID) {
			next = append(next, e)
		}
	}
	if len(next) == len(cur) {
		return false, nil
	}
	return true, writeJSON(path, allowFile{Version: 1, AllowFrom: next})
}

// Channels lists the channels that have a pairing requests file.
func (s *Store) Channels() ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(s.dir, "*-pairing.json"))
	if err != nil {
		return nil, fmt.Errorf("list pairing channels: %w", err)
	}
	var out []string
	for _, m := range matches {
		out = append(out, strings.TrimSuffix(filepath.Base(m), "-pairing.json"))
	}
	sort.Strings(out)
	return out, nil
}

// updateRequests runs fn on a channel's unexpired requests under the file
// lock and writes the result when fn asks to or when expired requests were
// dropped.
func (s *Store) updateRequests(ctx context.Context, channel string, fn func([]Request) ([]Request, bool, error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	path := filepath.Join(s.dir, channel+"-pairing.json")
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		// Nothing pending: readers need no lock and leave no files behind.
		// A writer runs again below, under the lock.
		if _, write, err := fn(nil); err != nil || !write {
			return err
		}
	}
	unlock, err := s.lock(path)
	if err != nil {
		return err
	}
	defer unlock()

	var f requestsFile
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("read %s: %w", path, err)
	default:
		if err := json.Unmarshal(data, &f); err != nil {
			return fmt.Errorf("%s is not a valid pairing file: %w", path, err)
		}
	}
	now := s.opts.Now()
	live := f.Requests[:0:0]
	for _, r := range f.Requests {
		created, err := time.Parse(time.RFC3339, r.CreatedAt)
		if err != nil || now.Sub(created) > s.opts.TTL || r.ID == "" || r.Code == "" {
			continue
		}
		live = append(live, r)
	}
	pruned := len(live) != len(f.Requests)
	next, write, err := fn(live)
	if err != nil {
		return err
	}
	if !write && !pruned {
		return nil
	}
	if !write {
		next = live
	}
	return writeJSON(path, requestsFile{Version: 1, Requests: next})
}

func (s *Store) addAllowed(channel, accountID, senderID string) error {
	path := s.allowPath(channel, accountID)
	unlock, err := s.lock(path)
	if err != nil {
		return err
	}
	defer unlock()
	cur, err := readAllow(path)
	if err != nil {
		return err
	}
	for _, e := range cur {
		if e == senderID {
			return nil
		}
	}
	return writeJSON(path, allowFile{Version: 1, AllowFrom: append(cur, senderID)})
}

func (s *Store) readAllowCached(path string) ([]string, error) {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", path, err)
	}
	s.mu.Lock()
	c, ok := s.cache[path]
	s.mu.Unlock()
	// Every write renames a new file into place, so an unchanged file is
	// the same file with the same size and time.
	if ok && os.SameFile(c.info, info) && c.info.Size() == info.Size() && c.info.ModTime().Equal(info.ModTime()) {
		return c.entries, nil
	}
	entries, err := readAllow(path)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.cache[path] = cachedAllow{info: info, entries: entries}
	s.mu.Unlock()
	return entries, nil
}

func readAllow(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var f allowFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s is not a valid allowFrom file: %w", path, err)
	}
	var out []string
	seen := map[string]bool{}
	for _, e := range f.AllowFrom {
		e = strings.TrimSpace(e)
		if e != "" && e != "*" && !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out, nil
}

func (s *Store) allowPath(channel, accountID string) string {
	if accountID == defaultAccountID {
		return filepath.Join(s.dir, channel+"-allowFrom.json")
	}
	return filepath.Join(s.dir, channel+"-"+accountID+"-allowFrom.json")
}

func (s *Store) lock(path string) (func(), error) {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", s.dir, err)
	}
	return lockFile(path + ".lock")
}

func (s *Store) names(channel, accountID string) (string, string, error) {
	channel, err := safeName("channel", channel)
	if err != nil {
		return "", "", err
	}
	if strings.TrimSpace(accountID) == "" {
		return channel, defaultAccountID, nil
	}
	accountID, err = safeName("account", accountID)
	return channel, accountID, err
}

// safeName lower-cases a channel or account id and refuses anything that
// could leave the credentials directory.
func safeName(what, name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "" {
		return "", fmt.Errorf("pairing: %s is empty", what)
	}
	if strings.ContainsAny(n, `/\:*?"<>|`) || strings.Contains(n, "..") || n == "." {
		return "", fmt.Errorf("pairing: %s %q contains characters not allowed in a file name", what, name)
	}
	return n, nil
}

func findCode(reqs []Request, channel, code, accountID string) (int, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	account := strings.ToLower(strings.TrimSpace(accountID))
	for i, r := range reqs {
		if strings.ToUpper(r.Code) == code && (account == "" || r.AccountID() == account) {
			return i, nil
		}
	}
	where := channel
	if account != "" {
		where += " account " + account
	}
	return -1, fmt.Errorf("%w: %q on %s (codes expire after an hour; see `openclaw pairing list %s`)", ErrNoSuchCode, code, where, channel)
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	return atomicfile.Write(path, append(data, '\n'), 0o600)
}

// newCode returns a random code not in used.
func newCode(used map[string]bool) (string, error) {
	for range 500 {
		var b [CodeLength]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", fmt.Errorf("generate pairing code: %w", err)
		}
		for i := range b {
			// 256 is a multiple of the alphabet's 32 letters: no bias.
			b[i] = CodeAlphabet[int(b[i])%len(CodeAlphabet)]
		}
		if c := string(b[:]); !used[c] {
			return c, nil
		}
	}
	return "", errors.New("generate pairing code: no unused code found")
}

const isoMillis = "2006-01-02T15:04:05.000Z07:00"
