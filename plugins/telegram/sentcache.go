package main

import (
	"context"
	"sync"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

// sentCache remembers the results of recent sends by idempotency key, so a
// Send the gateway retries (after a timeout, say) is not delivered twice.
// It is bounded: the oldest keys are forgotten first.
type sentCache struct {
	mu      sync.Mutex
	max     int
	order   []string
	entries map[string]*sendEntry
}

type sendEntry struct {
	done chan struct{}
	res  pluginsdk.SendResult
	err  error
}

func newSentCache(max int) *sentCache {
	return &sentCache{max: max, entries: map[string]*sendEntry{}}
}

// do runs send once per key. A concurrent call with the same key waits for
// the first; a failed send is forgotten so a retry can try again.
func (c *sentCache) do(ctx context.Context, key string, send func() (pluginsdk.SendResult, error)) (pluginsdk.SendResult, error) {
	if key == "" {
		return send()
	}
	for {
		c.mu.Lock()
		e, ok := c.entries[key]
		if !ok {
			e = &sendEntry{done: make(chan struct{})}
			c.entries[key] = e
			c.mu.Unlock()
			e.res, e.err = send()
			c.mu.Lock()
			if e.err != nil {
				delete(c.entries, key)
			} else {
				c.rememberLocked(key)
			}
			close(e.done)
			c.mu.Unlock()
			return e.res, e.err
		}
		c.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return pluginsdk.SendResult{}, ctx.Err()
		}
		if e.err == nil {
			return e.res, nil
		}
	}
}

func (c *sentCache) rememberLocked(key string) {
	c.order = append(c.order, key)
	for len(c.order) > c.max {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
}
