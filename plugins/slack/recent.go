package main

import "sync"

// recent is a small map that forgets its oldest entries beyond a limit. It
// remembers delivered idempotency keys (so a Send the gateway retries is not
// posted twice) and recent slash command invocations.
type recent[V any] struct {
	mu    sync.Mutex
	limit int
	order []string
	byKey map[string]V
}

func newRecent[V any](limit int) *recent[V] {
	return &recent[V]{limit: limit, byKey: make(map[string]V, limit)}
}

func (r *recent[V]) get(key string) (V, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.byKey[key]
	return v, ok
}

func (r *recent[V]) put(key string, v V) {
	if key == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.byKey[key]; !ok {
		r.order = append(r.order, key)
	}
	r.byKey[key] = v
	for len(r.order) > r.limit {
		delete(r.byKey, r.order[0])
		r.order = r.order[1:]
	}
}
