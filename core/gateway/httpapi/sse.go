package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// sseWriter writes Server-Sent Events and flushes each one.
type sseWriter struct {
	w       http.ResponseWriter
	flusher http.Flusher
	started bool
	failed  bool
}

func newSSE(w http.ResponseWriter) *sseWriter {
	f, _ := w.(http.Flusher)
	return &sseWriter{w: w, flusher: f}
}

func (s *sseWriter) start() {
	if s.started {
		return
	}
	s.started = true
	h := s.w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "keep-alive")
	h.Set("X-Accel-Buffering", "no")
	s.w.WriteHeader(http.StatusOK)
}

// event writes "event: name" (when name is set) and "data: <json>".
func (s *sseWriter) event(name string, v any) {
	if s.failed {
		return
	}
	s.start()
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"error":{"message":"internal error encoding an event"}}`)
	}
	if name != "" {
		if _, err := fmt.Fprintf(s.w, "event: %s\n", name); err != nil {
			s.failed = true
			return
		}
	}
	if _, err := fmt.Fprintf(s.w, "data: %s\n\n", b); err != nil {
		s.failed = true
		return
	}
	s.flush()
}

// done writes the terminating "data: [DONE]".
func (s *sseWriter) done() {
	if s.failed {
		return
	}
	s.start()
	fmt.Fprint(s.w, "data: [DONE]\n\n")
	s.flush()
}

func (s *sseWriter) flush() {
	if s.flusher != nil {
		s.flusher.Flush()
	}
}
