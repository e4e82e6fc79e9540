package main

import (
	"sync"
	"time"
)

// cache is a small in-memory cache whose entries expire. A call may ask for
// a shorter time to live than an entry was stored with, never a longer one.
type cache[V any] struct {
	now func() time.Time
	max int

	mu      sync.Mutex
	entries map[string]cacheEntry[V]
	seq     uint64
}

type cacheEntry[V any] struct {
	v       V
	stored  time.Time
	expires time.Time
	seq     uint64
}

func newCache[V any](max int, now func() time.Time) *cache[V] {
	return &cache[V]{now: now, max: max, entries: map[string]cacheEntry[V]{}}
}

// get returns a value stored less than ttl ago and not yet expired.
func (c *cache[V]) get(key string, ttl time.Duration) (V, bool) {
	var zero V
	if ttl <= 0 {
		return zero, false
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return zero, false
	}
	if !now.Before(e.expires) {
		delete(c.entries, key)
		return zero, false
	}
	if now.Sub(e.stored) >= ttl {
		return zero, false
	}
	return e.v, true
}

// put stores v for ttl; a ttl of 0 stores nothing. When full, expired
// entries go first, then the oldest.
func (c *cache[V]) put(key string, v V, ttl time.Duration) {
	if ttl <= 0 {
		return
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, exists := c.entries[key]; !exists && len(c.entries) >= c.max {
		var oldestKey string
		var oldest time.Time
		var oldestSeq uint64
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
				continue
			}
			// Equal timestamps (a coarse clock) fall back to insertion
			// order, so "oldest" is always well defined.
			if oldestKey == "" || e.stored.Before(oldest) || (e.stored.Equal(oldest) && e.seq < oldestSeq) {
				oldestKey, oldest, oldestSeq = k, e.stored, e.seq
			}
		}
		if len(c.entries) >= c.max {
			delete(c.entries, oldestKey)
		}
	}
	c.seq++
	c.entries[key] = cacheEntry[V]{v: v, stored: now, expires: now.Add(ttl), seq: c.seq}
}
