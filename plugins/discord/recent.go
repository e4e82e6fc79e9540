package main

import "sync"

// recent is a map that remembers at most max entries, forgetting the oldest
// insertions first. Caches of ids seen on a busy bot must not grow forever.
type recent[K comparable, V any] struct {
	mu    sync.Mutex
	max   int
	m     map[K]V
	order []K
}

func newRecent[K comparable, V any](max int) *recent[K, V] {
	return &recent[K, V]{max: max, m: make(map[K]V, max)}
}

func (r *recent[K, V]) get(k K) (V, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.m[k]
	return v, ok
}

func (r *recent[K, V]) put(k K, v V) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.putLocked(k, v)
}

// claim returns the value under k, or stores fresh() when there is none or
// stale says the stored one is spent; created reports a fresh value.
func (r *recent[K, V]) claim(k K, fresh func() V, stale func(V) bool) (v V, created bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.m[k]; ok && !stale(old) {
		return old, false
	}
	v = fresh()
	r.putLocked(k, v)
	return v, true
}

func (r *recent[K, V]) putLocked(k K, v V) {
	if _, ok := r.m[k]; !ok {
		r.order = append(r.order, k)
	}
	r.m[k] = v
	// Dropping the queue's head leaves its array behind only until append
	// next grows it, so the queue stays within a small multiple of max.
	for len(r.m) > r.max {
		oldest := r.order[0]
		r.order = r.order[1:]
		delete(r.m, oldest)
	}
}

func (r *recent[K, V]) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.m)
}
