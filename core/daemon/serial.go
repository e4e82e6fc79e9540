package daemon

import (
	"context"
	"sync"
)

// serializer runs jobs with the same key one after another, in submission
// order, and jobs with different keys in parallel up to a limit, so one
// conversation's messages are answered in order without blocking others.
type serializer struct {
	sem chan struct{}

	mu     sync.Mutex
	queues map[string][]func(context.Context)
	wg     sync.WaitGroup
}

func newSerializer(limit int) *serializer {
	if limit < 1 {
		limit = 1
	}
	return &serializer{sem: make(chan struct{}, limit), queues: map[string][]func(context.Context){}}
}

func (s *serializer) submit(ctx context.Context, key string, job func(context.Context)) {
	s.mu.Lock()
	q, busy := s.queues[key]
	s.queues[key] = append(q, job)
	s.mu.Unlock()
	if busy {
		return
	}
	s.wg.Add(1)
	go s.drain(ctx, key)
}

func (s *serializer) drain(ctx context.Context, key string) {
	defer s.wg.Done()
	for {
		s.mu.Lock()
		q := s.queues[key]
		if len(q) == 0 {
			delete(s.queues, key)
			s.mu.Unlock()
			return
		}
		job := q[0]
		s.mu.Unlock()

		select {
		case s.sem <- struct{}{}:
		case <-ctx.Done():
			s.mu.Lock()
			delete(s.queues, key)
			s.mu.Unlock()
			return
		}
		job(ctx)
		<-s.sem

		s.mu.Lock()
		s.queues[key] = s.queues[key][1:]
		s.mu.Unlock()
	}
}

// wait blocks until every running job has returned.
func (s *serializer) wait() { s.wg.Wait() }
