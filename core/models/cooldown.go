package models

import (
	"sort"
	"sync"
	"time"
)

// cooldownStep is OpenClaw's schedule: a credential's nth failure in the
// failure window rests it 30 s, 1 min, then 5 min. Billing failures disable
// it for longer, and a provider's Retry-After is always honoured as a minimum.
func cooldownStep(n int) time.Duration {
	switch {
	case n <= 1:
		return 30 * time.Second
	case n == 2:
		return time.Minute
	}
	return 5 * time.Minute
}

const (
	disableWindow = 10 * time.Minute
	// failureWindow is how long a credential's error count is remembered.
	failureWindow = 24 * time.Hour
)

// cooldowns remembers which credentials (and which models on them) failed
// recently, so the next run skips them instead of waiting on them again.
type cooldowns struct {
	mu  sync.Mutex
	now func() time.Time
	m   map[credKey]*credHealth
}

type credKey struct{ provider, credential string }

type credHealth struct {
	errors      int
	lastFailure time.Time
	// blocks are keyed by model id; "" blocks the whole credential.
	blocks map[string]block
}

type block struct {
	until  time.Time
	reason Reason
	// hinted is set when the provider's Retry-After set the time: probing
	// before it passes would only be rejected again.
	hinted bool
}

// transient reports whether a probe may try the credential before the block
// expires.
func (b block) transient() bool {
	return !b.hinted && b.reason != ReasonAuth && b.reason != ReasonBilling
}

func newCooldowns(now func() time.Time) *cooldowns {
	return &cooldowns{now: now, m: make(map[credKey]*credHealth)}
}

// blocked returns the block that stops model on the credential, if any.
func (c *cooldowns) blocked(provider, credential, model string) (block, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := c.m[credKey{provider, credential}]
	if h == nil {
		return block{}, false
	}
	now := c.now()
	var found block
	for _, scope := range [...]string{"", model} {
		if b, ok := h.blocks[scope]; ok && now.Before(b.until) && b.until.After(found.until) {
			found = b
		}
	}
	return found, !found.until.IsZero()
}

// fail records a failure and returns when the credential (or the model on
// it) becomes usable again; zero when the failure does not cool anything down.
func (c *cooldowns) fail(provider, credential, model string, reason Reason, retryAfter time.Duration) time.Time {
	scope := model
	switch reason {
	case ReasonAuth, ReasonBilling:
		scope = "" // the credential itself is bad, whatever the model
	case ReasonRateLimit, ReasonOverloaded, ReasonTimeout, ReasonServerError, ReasonMalformed:
	default:
		return time.Time{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	k := credKey{provider, credential}
	h := c.m[k]
	if h == nil {
		h = &credHealth{blocks: make(map[string]block)}
		c.m[k] = h
	}
	if now.Sub(h.lastFailure) > failureWindow {
		h.errors = 0
	}
	h.errors++
	h.lastFailure = now
	d := cooldownStep(h.errors)
	if reason == ReasonBilling {
		d = disableWindow
	}
	hinted := false
	if retryAfter > d {
		d, hinted = retryAfter, true
	}
	until := now.Add(d)
	if old, ok := h.blocks[scope]; !ok || until.After(old.until) {
		h.blocks[scope] = block{until: until, reason: reason, hinted: hinted}
	}
	return until
}

// succeed clears what a success on model proves healthy.
func (c *cooldowns) succeed(provider, credential, model string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := credKey{provider, credential}
	h := c.m[k]
	if h == nil {
		return
	}
	delete(h.blocks, "")
	delete(h.blocks, model)
	h.errors = 0
	if len(h.blocks) == 0 {
		delete(c.m, k)
	}
}

// Cooldown describes a credential (or one model on it) that is resting.
type Cooldown struct {
	Provider   string
	Credential string
	// Model is empty when the whole credential is blocked.
	Model  string
	Reason Reason
	Until  time.Time
}

func (c *cooldowns) list() []Cooldown {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	var out []Cooldown
	for k, h := range c.m {
		for model, b := range h.blocks {
			if now.Before(b.until) {
				out = append(out, Cooldown{Provider: k.provider, Credential: k.credential, Model: model, Reason: b.reason, Until: b.until})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Provider != b.Provider {
			return a.Provider < b.Provider
		}
		if a.Credential != b.Credential {
			return a.Credential < b.Credential
		}
		return a.Model < b.Model
	})
	return out
}
