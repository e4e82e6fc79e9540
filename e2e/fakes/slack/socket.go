package slackfake

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

// envelope is one Socket Mode delivery, kept until acknowledged.
type envelope struct {
	id              string
	typ             string // events_api or slash_commands
	payload         json.RawMessage
	acceptsResponse bool
	deliveries      int
}

func (e *envelope) frame() []byte {
	m := map[string]any{
		"envelope_id": e.id, "type": e.typ, "payload": e.payload,
		"accepts_response_payload": e.acceptsResponse, "retry_attempt": max(0, e.deliveries-1),
	}
	if e.deliveries > 1 {
		m["retry_reason"] = "timeout"
	} else {
		m["retry_reason"] = ""
	}
	b, _ := json.Marshal(m)
	return b
}

// socketConn is one Socket Mode WebSocket. Frames go out through a queue
// with a single writer, so they keep the order they were queued in.
type socketConn struct {
	ws  *websocket.Conn
	out chan []byte
}

// socket serves the Socket Mode WebSocket: hello, then every pending
// envelope, then new ones as they are injected; it records acks.
func (s *Server) socket(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	reject := s.rejectAll
	s.mu.Unlock()
	if reject {
		http.Error(w, "invalid_auth", http.StatusUnauthorized)
		return
	}
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := &socketConn{ws: ws, out: make(chan []byte, 4096)}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ws.CloseNow()
		return
	}
	s.conns = append(s.conns, c)
	s.connected++
	hello, _ := json.Marshal(map[string]any{
		"type": "hello", "num_connections": len(s.conns),
		"debug_info":      map[string]any{"host": "applink-fake", "build_number": 1, "approximate_connection_time": 18060},
		"connection_info": map[string]any{"app_id": s.opts.AppID},
	})
	c.out <- hello
	// Redeliver what no connection acknowledged, oldest first.
	for _, e := range s.pending {
		e.deliveries++
		c.out <- e.frame()
	}
	s.cond.Broadcast()
	s.mu.Unlock()

	defer s.dropConn(c)
	go s.writeLoop(ctx, c, cancel)
	go s.pingLoop(ctx, c, cancel)
	s.readLoop(ctx, c)
}

func (s *Server) writeLoop(ctx context.Context, c *socketConn, cancel context.CancelFunc) {
	defer cancel()
	for {
		select {
		case <-ctx.Done():
			return
		case b := <-c.out:
			if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
				return
			}
		}
	}
}

func (s *Server) pingLoop(ctx context.Context, c *socketConn, cancel context.CancelFunc) {
	t := time.NewTicker(s.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			pctx, pcancel := context.WithTimeout(ctx, 10*time.Second)
			err := c.ws.Ping(pctx)
			pcancel()
			if err != nil {
				cancel()
				_ = c.ws.CloseNow()
				return
			}
		}
	}
}

// readLoop records acknowledgements until the connection ends.
func (s *Server) readLoop(ctx context.Context, c *socketConn) {
	for {
		_, data, err := c.ws.Read(ctx)
		if err != nil {
			return
		}
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if json.Unmarshal(data, &ack) != nil || ack.EnvelopeID == "" {
			continue
		}
		s.mu.Lock()
		s.acked[ack.EnvelopeID] = true
		if len(ack.Payload) > 0 {
			s.ackPayloads[ack.EnvelopeID] = ack.Payload
		}
		for i, e := range s.pending {
			if e.id == ack.EnvelopeID {
				s.pending = append(s.pending[:i], s.pending[i+1:]...)
				break
			}
		}
		s.cond.Broadcast()
		s.mu.Unlock()
	}
}

func (s *Server) dropConn(c *socketConn) {
	_ = c.ws.CloseNow()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, x := range s.conns {
		if x == c {
			s.conns = append(s.conns[:i], s.conns[i+1:]...)
			break
		}
	}
	s.cond.Broadcast()
}

// enqueue records an envelope and delivers it on the newest connection, if
// any; otherwise it waits for the next connection.
func (s *Server) enqueue(typ string, payload any, acceptsResponse bool) string {
	b, err := json.Marshal(payload)
	if err != nil {
		panic(fmt.Sprintf("slackfake: marshal %s payload: %v", typ, err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.envSeq++
	e := &envelope{id: fmt.Sprintf("env-%06d-%s", s.envSeq, typ), typ: typ, payload: b, acceptsResponse: acceptsResponse}
	s.pending = append(s.pending, e)
	s.envelopes[e.id] = e
	if n := len(s.conns); n > 0 {
		e.deliveries++
		s.conns[n-1].out <- e.frame()
	}
	return e.id
}

// Disconnect drops every Socket Mode connection without a goodbye, as a
// network failure would.
func (s *Server) Disconnect() {
	s.mu.Lock()
	conns := append([]*socketConn(nil), s.conns...)
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.ws.CloseNow()
	}
}

// RequestRefresh sends Slack's disconnect message (reason
// "refresh_requested") on every connection; the client is expected to open
// a new connection.
func (s *Server) RequestRefresh() { s.sendDisconnect("refresh_requested") }

// Warn sends a disconnect message with reason "warning", which Slack sends
// shortly before it closes a connection.
func (s *Server) Warn() { s.sendDisconnect("warning") }

func (s *Server) sendDisconnect(reason string) {
	b, _ := json.Marshal(map[string]any{"type": "disconnect", "reason": reason, "debug_info": map[string]any{"host": "applink-fake"}})
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.out <- b
	}
}

// Connections reports how many Socket Mode connections have been opened
// (each got a hello), and how many are open now.
func (s *Server) Connections() (total, open int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connected, len(s.conns)
}

// WaitConnections waits until at least n Socket Mode connections have been
// opened in total and one is open.
func (s *Server) WaitConnections(ctx context.Context, n int) error {
	err := s.waitFor(ctx, func() bool { return s.connected >= n && len(s.conns) > 0 })
	if err != nil {
		total, open := s.Connections()
		return fmt.Errorf("wait for %d socket connections (opened %d, open %d): %w", n, total, open, err)
	}
	return nil
}

// Acked reports whether the client acknowledged an envelope.
func (s *Server) Acked(envelopeID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.acked[envelopeID]
}

// AckPayload is the response payload sent with an ack, if any.
func (s *Server) AckPayload(envelopeID string) json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ackPayloads[envelopeID]
}

// WaitAcked waits until the client acknowledged an envelope.
func (s *Server) WaitAcked(ctx context.Context, envelopeID string) error {
	if err := s.waitFor(ctx, func() bool { return s.acked[envelopeID] }); err != nil {
		return fmt.Errorf("wait for ack of %s: %w", envelopeID, err)
	}
	return nil
}

// Unacked lists the envelopes no connection has acknowledged yet.
func (s *Server) Unacked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.pending))
	for _, e := range s.pending {
		out = append(out, e.id)
	}
	return out
}

// Deliveries reports how often an envelope was sent: 1, plus one for each
// redelivery; 0 while it waits for a connection or when it is unknown.
func (s *Server) Deliveries(envelopeID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.envelopes[envelopeID]; ok {
		return e.deliveries
	}
	return 0
}
