package cron

import (
	"container/heap"
	"time"
)

// dueQueue orders jobs by their next run, soonest first. The scheduler
// arms a single timer for its head, so idle jobs cost nothing but a heap
// slot.
type dueQueue struct {
	items []*dueItem
	byID  map[string]*dueItem
}

type dueItem struct {
	id    string
	at    time.Time
	index int
}

func newDueQueue() *dueQueue { return &dueQueue{byID: map[string]*dueItem{}} }

func (q *dueQueue) Len() int           { return len(q.items) }
func (q *dueQueue) Less(i, j int) bool { return q.items[i].at.Before(q.items[j].at) }
func (q *dueQueue) Swap(i, j int) {
	q.items[i], q.items[j] = q.items[j], q.items[i]
	q.items[i].index = i
	q.items[j].index = j
}
func (q *dueQueue) Push(x any) {
	it := x.(*dueItem)
	it.index = len(q.items)
	q.items = append(q.items, it)
}
func (q *dueQueue) Pop() any {
	n := len(q.items)
	it := q.items[n-1]
	q.items[n-1] = nil
	q.items = q.items[:n-1]
	it.index = -1
	return it
}

// set places id at t, adding or moving it.
func (q *dueQueue) set(id string, t time.Time) {
	if it, ok := q.byID[id]; ok {
		if !it.at.Equal(t) {
			it.at = t
			heap.Fix(q, it.index)
		}
		return
	}
	it := &dueItem{id: id, at: t}
	q.byID[id] = it
	heap.Push(q, it)
}

// remove drops id if present.
func (q *dueQueue) remove(id string) {
	if it, ok := q.byID[id]; ok {
		heap.Remove(q, it.index)
		delete(q.byID, id)
	}
}

// peek returns the soonest item.
func (q *dueQueue) peek() (*dueItem, bool) {
	if len(q.items) == 0 {
		return nil, false
	}
	return q.items[0], true
}

// popDue removes and returns every id due at or before now, soonest first.
func (q *dueQueue) popDue(now time.Time) []string {
	var ids []string
	for len(q.items) > 0 && !q.items[0].at.After(now) {
		it := heap.Pop(q).(*dueItem)
		delete(q.byID, it.id)
		ids = append(ids, it.id)
	}
	return ids
}

// reset empties the queue.
func (q *dueQueue) reset() {
	q.items = q.items[:0]
	clear(q.byID)
}
