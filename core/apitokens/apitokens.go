// Package apitokens issues named, expiring, revocable API tokens for the
// gateway's HTTP and WebSocket APIs.
//
// Only a SHA-256 digest of each token is stored, in one JSON file in the
// state directory written atomically. Tokens carry 256 random bits, so a
// fast digest is enough: there is nothing to brute-force. The CLI writes the
// file while the gateway may be reading it; the gateway notices changes by
// the file's size and modification time, so a token created or revoked from
// the CLI takes effect without a restart.
package apitokens

import (
	"github.com/openclaw-go/openclaw/pluginsdk/atomicfile"

	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
)

// FileName is the store's file inside the state directory's gateway folder.
const FileName = "api-tokens.json"

// DefaultPath is where the store lives for a state directory.
func DefaultPath(stateDir string) string {
	return filepath.Join(stateDir, "gateway", FileName)
}

// prefix marks our tokens so they are recognisable in logs and secret
// scanners, and so Verify can reject other strings without a lookup.
const prefix = "ocat_"

var (
	// ErrUnknown: not a token this store issued.
	ErrUnknown = errors.New("unknown API token")
	// ErrExpired: the token's lifetime has passed.
	ErrExpired = errors.New("API token expired")
	// ErrRevoked: the token was revoked.
	ErrRevoked = errors.New("API token revoked")
	// ErrNotFound: no token has that id or name.
	ErrNotFound = errors.New("no such API token")
)

// Token is a stored token's metadata; the secret is never kept.
type Token struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Hash      string     `json:"sha256"`
	CreatedAt time.Time  `json:"createdAt"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	RevokedAt *time.Time `json:"revokedAt,omitempty"`
}

// Status is "active", "expired" or "revoked" at now.
func (t Token) Status(now time.Time) string {
	switch {
	case t.RevokedAt != nil:
		return "revoked"
	case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
		return "expired"
	default:
		return "active"
	}
}

type fileFormat struct {
	Version int     `json:"version"`
	Tokens  []Token `json:"tokens"`
}

// Store is the token file. It is safe for concurrent use, and for use by
// several processes at once.
type Store struct {
	path string
	now  func() time.Time
	rand io.Reader

	mu      sync.Mutex
	tokens  []Token
	modTime time.Time
	size    int64
	loaded  bool
}

// Options adjust a Store for tests.
type Options struct {
	Now  func() time.Time // default time.Now
	Rand io.Reader        // default crypto/rand.Reader
}

// Open returns the store at path. The file need not exist yet.
func Open(path string, opts Options) *Store {
	s := &Store{path: path, now: opts.Now, rand: opts.Rand}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	return s
}

// Path is the store's file.
func (s *Store) Path() string { return s.path }

// refresh reloads the file when it changed on disk. Callers hold s.mu.
func (s *Store) refresh() error {
	info, err := os.Stat(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		s.tokens, s.loaded, s.modTime, s.size = nil, true, time.Time{}, 0
		return nil
	}
	if err != nil {
		return fmt.Errorf("stat API token store %s: %w", s.path, err)
	}
	if s.loaded && info.ModTime().Equal(s.modTime) && info.Size() == s.size {
		return nil
	}
	data, err := os.ReadFile(s.path)
	if err != nil {
		return fmt.Errorf("read API token store %s: %w", s.path, err)
	}
	var f fileFormat
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("parse API token store %s: %w", s.path, err)
	}
	if f.Version != 1 {
		return fmt.Errorf("API token store %s: unsupported version %d", s.path, f.Version)
	}
	s.tokens, s.loaded, s.modTime, s.size = f.Tokens, true, info.ModTime(), info.Size()
	return nil
}

// update runs change on the freshest token list under the cross-process
// lock and writes the result. Callers must not hold s.mu.
func (s *Store) update(change func([]Token) ([]Token, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return fmt.Errorf("create directory for %s: %w", s.path, err)
	}
	unlock, err := lockFile(s.path + ".lock")
	if err != nil {
		return err
	}
	defer unlock()
	s.loaded = false // another process may have written since we looked
	if err := s.refresh(); err != nil {
		return err
	}
	next, err := change(append([]Token(nil), s.tokens...))
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(fileFormat{Version: 1, Tokens: next}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode API token store: %w", err)
	}
	if err := atomicfile.Write(s.path, append(data, '\n'), 0o600); err != nil {
		return err
	}
	s.loaded = false
	return s.refresh()
}

// Create issues a token named name that expires after ttl (zero: never).
// It returns the token's metadata and its secret, which is shown once.
func (s *Store) Create(name string, ttl time.Duration) (Token, string, error) {
	name = strings.TrimSpace(name)
	if err := validName(name); err != nil {
		return Token{}, "", err
	}
	if ttl < 0 {
		return Token{}, "", fmt.Errorf("token lifetime %s is negative", ttl)
	}
	idBytes := make([]byte, 5)
	secretBytes := make([]byte, 32)
	if _, err := io.ReadFull(s.rand, idBytes); err != nil {
		return Token{}, "", fmt.Errorf("generate token id: %w", err)
	}
	if _, err := io.ReadFull(s.rand, secretBytes); err != nil {
		return Token{}, "", fmt.Errorf("generate token secret: %w", err)
	}
	id := strings.ToLower(base32.StdEncoding.EncodeToString(idBytes))
	secret := prefix + id + "_" + base64.RawURLEncoding.EncodeToString(secretBytes)
	now := s.now().UTC().Truncate(time.Second)
	tok := Token{ID: id, Name: name, Hash: digest(secret), CreatedAt: now}
	if ttl > 0 {
		exp := now.Add(ttl)
		tok.ExpiresAt = &exp
	}
	err := s.update(func(tokens []Token) ([]Token, error) {
		for _, t := range tokens {
			if t.Name == name && t.Status(now) == "active" {
				return nil, fmt.Errorf("an active API token named %q already exists (id %s); revoke it first or pick another name", name, t.ID)
			}
			if t.ID == id {
				return nil, fmt.Errorf("token id collision %s; try again", id)
			}
		}
		return append(tokens, tok), nil
	})
	if err != nil {
		return Token{}, "", err
	}
	return tok, secret, nil
}

// List returns every token, newest first.
func (s *Store) List() ([]Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.refresh(); err != nil {
		return nil, err
	}
	out := append([]Token(nil), s.tokens...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	return out, nil
}

// Revoke revokes the token with the given id, or the one active token
// with that name.
func (s *Store) Revoke(idOrName string) (Token, error) {
	idOrName = strings.TrimSpace(idOrName)
	var revoked Token
	err := s.update(func(tokens []Token) ([]Token, error) {
		now := s.now().UTC().Truncate(time.Second)
		match := -1
		for i, t := range tokens {
			if t.ID == idOrName {
				match = i
				break
			}
		}
		if match < 0 {
			for i, t := range tokens {
				if t.Name != idOrName || t.Status(now) != "active" {
					continue
				}
				if match >= 0 {
					return nil, fmt.Errorf("several tokens are named %q; revoke by id", idOrName)
				}
				match = i
			}
		}
		if match < 0 {
			return nil, fmt.Errorf("revoke %q: %w", idOrName, ErrNotFound)
		}
		if tokens[match].RevokedAt == nil {
			tokens[match].RevokedAt = &now
		}
		revoked = tokens[match]
		return tokens, nil
	})
	return revoked, err
}

// Verify checks a presented token and returns its metadata.
func (s *Store) Verify(secret string) (Token, error) {
	id, ok := tokenID(secret)
	if !ok {
		return Token{}, ErrUnknown
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.refresh(); err != nil {
		return Token{}, err
	}
	want := digest(secret)
	for _, t := range s.tokens {
		if t.ID != id {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(t.Hash), []byte(want)) != 1 {
			return Token{}, ErrUnknown
		}
		switch t.Status(s.now()) {
		case "revoked":
			return t, ErrRevoked
		case "expired":
			return t, ErrExpired
		}
		return t, nil
	}
	return Token{}, ErrUnknown
}

// LooksLikeToken reports whether s has this package's token format, so
// callers can tell an API token from a shared gateway secret.
func LooksLikeToken(s string) bool {
	_, ok := tokenID(s)
	return ok
}

func tokenID(secret string) (string, bool) {
	rest, ok := strings.CutPrefix(secret, prefix)
	if !ok {
		return "", false
	}
	id, sec, ok := strings.Cut(rest, "_")
	if !ok || len(id) != 8 || len(sec) != 43 {
		return "", false
	}
	return id, true
}

func digest(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func validName(name string) error {
	if name == "" {
		return errors.New("token name is empty; pass --name")
	}
	if len(name) > 64 {
		return fmt.Errorf("token name %q is longer than 64 characters", name)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return fmt.Errorf("token name %q contains a control character", name)
		}
	}
	return nil
}
