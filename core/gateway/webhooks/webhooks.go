// Package webhooks keeps the REST API's webhook subscriptions and delivers
// gateway events to them.
//
// Each delivery is an HTTP POST of a JSON event, signed with the
// subscription's secret: the X-OpenClaw-Signature header is
// "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)), where
// timestamp is the X-OpenClaw-Timestamp header (Unix seconds). Receivers
// check it with Verify. Deliveries that fail with a network error, a 5xx,
// 408 or 429 are retried with exponential backoff (honouring Retry-After);
// other 4xx answers are final. Deliveries are queued in memory: events
// raised while the process dies are not delivered.
package webhooks

import (
	"github.com/openclaw-go/openclaw/pluginsdk/atomicfile"

	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// FileName is the subscription store inside the state directory's gateway
// folder.
const FileName = "webhooks.json"

// DefaultPath is the store's path for a state directory.
func DefaultPath(stateDir string) string { return filepath.Join(stateDir, "gateway", FileName) }

// Event types the gateway raises. "*" subscribes to all.
const (
	EventMessageCreated = "message.created"
	EventSessionCreated = "session.created"
	EventSessionDeleted = "session.deleted"
	EventRunFailed      = "run.failed"
	EventTest           = "webhook.test"
)

// KnownEvents lists the event types a subscription may name.
var KnownEvents = []string{EventMessageCreated, EventSessionCreated, EventSessionDeleted, EventRunFailed, "*"}

// ErrNotFound: no webhook has that id.
var ErrNotFound = errors.New("no such webhook")

// Webhook is one subscription.
type Webhook struct {
	ID          string    `json:"id"`
	URL         string    `json:"url"`
	Events      []string  `json:"events"`
	Secret      string    `json:"secret"`
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
}

// Wants reports whether the webhook subscribes to eventType.
func (w Webhook) Wants(eventType string) bool {
	if eventType == EventTest {
		return true
	}
	for _, e := range w.Events {
		if e == "*" || e == eventType {
			return true
		}
	}
	return false
}

// Store keeps subscriptions in one JSON file, written atomically.
type Store struct {
	path string
	now  func() time.Time

	mu    sync.Mutex
	hooks []Webhook
	ok    bool
}

// OpenStore returns the store at path, loading it if it exists.
func OpenStore(path string, now func() time.Time) (*Store, error) {
	if now == nil {
		now = time.Now
	}
	s := &Store{path: path, now: now}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("read webhook store %s: %w", path, err)
	default:
		var f struct {
			Version  int       `json:"version"`
			Webhooks []Webhook `json:"webhooks"`
		}
		if err := json.Unmarshal(data, &f); err != nil {
			return nil, fmt.Errorf("parse webhook store %s: %w", path, err)
		}
		s.hooks = f.Webhooks
	}
	return s, nil
}

// NewInput describes a subscription to create.
type NewInput struct {
	URL         string
	Events      []string
	Secret      string // empty: generated
	Description string
}

// Create validates and stores a subscription; the returned webhook carries
// its secret.
func (s *Store) Create(in NewInput) (Webhook, error) {
	u, err := url.Parse(strings.TrimSpace(in.URL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Webhook{}, fmt.Errorf("webhook url %q must be an absolute http or https URL", in.URL)
	}
	if len(in.Events) == 0 {
		return Webhook{}, fmt.Errorf("webhook events is empty; choose from %s", strings.Join(KnownEvents, ", "))
	}
	for _, e := range in.Events {
		if !contains(KnownEvents, e) {
			return Webhook{}, fmt.Errorf("unknown webhook event %q; choose from %s", e, strings.Join(KnownEvents, ", "))
		}
	}
	secret := in.Secret
	if secret == "" {
		secret = "whsec_" + randomHex(24)
	} else if len(secret) < 16 {
		return Webhook{}, errors.New("webhook secret must be at least 16 characters")
	}
	w := Webhook{ID: "wh_" + randomHex(8), URL: u.String(), Events: append([]string(nil), in.Events...), Secret: secret,
		Description: in.Description, CreatedAt: s.now().UTC().Truncate(time.Second)}
	s.mu.Lock()
	defer s.mu.Unlock()
	next := append(append([]Webhook(nil), s.hooks...), w)
	if err := s.save(next); err != nil {
		return Webhook{}, err
	}
	s.hooks = next
	return w, nil
}

// List returns every subscription, oldest first.
func (s *Store) List() []Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]Webhook(nil), s.hooks...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out
}

// Get returns one subscription.
func (s *Store) Get(id string) (Webhook, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range s.hooks {
		if w.ID == id {
			return w, nil
		}
	}
	return Webhook{}, fmt.Errorf("webhook %q: %w", id, ErrNotFound)
}

// Delete removes a subscription.
func (s *Store) Delete(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := make([]Webhook, 0, len(s.hooks))
	for _, w := range s.hooks {
		if w.ID != id {
			next = append(next, w)
		}
	}
	if len(next) == len(s.hooks) {
		return fmt.Errorf("webhook %q: %w", id, ErrNotFound)
	}
	if err := s.save(next); err != nil {
		return err
	}
	s.hooks = next
	return nil
}

func (s *Store) save(hooks []Webhook) error {
	data, err := json.MarshalIndent(struct {
		Version  int       `json:"version"`
		Webhooks []Webhook `json:"webhooks"`
	}{1, hooks}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode webhook store: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return fmt.Errorf("create directory for %s: %w", s.path, err)
	}
	return atomicfile.Write(s.path, append(data, '\n'), 0o600)
}

// Sign returns the X-OpenClaw-Signature value for body sent at timestamp
// (Unix seconds).
func Sign(secret string, timestamp int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "%d.", timestamp)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a delivery's signature, rejecting timestamps more than
// tolerance away from now (zero tolerance skips the age check).
func Verify(secret string, timestamp int64, body []byte, signature string, now time.Time, tolerance time.Duration) bool {
	if tolerance > 0 {
		age := now.Sub(time.Unix(timestamp, 0))
		if age > tolerance || age < -tolerance {
			return false
		}
	}
	return hmac.Equal([]byte(Sign(secret, timestamp, body)), []byte(signature))
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("webhooks: crypto/rand failed: %v", err))
	}
	return hex.EncodeToString(b)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
