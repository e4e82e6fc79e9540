package wsproto

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"github.com/hashicorp/go-hclog"

	"github.com/openclaw-go/openclaw/core/gateway/auth"
)

// writeTimeout bounds one frame write; a peer that accepts nothing for this
// long is gone.
const writeTimeout = 30 * time.Second

// pongWindow is how long a ping may wait for its pong.
const pongWindow = 25 * time.Second

var (
	errSlowConsumer = errors.New("slow consumer: outbound buffer limit exceeded")
	errClosing      = errors.New("connection closing")
)

// conn is one client connection.
type conn struct {
	srv    *Server
	ws     *websocket.Conn
	id     string
	remote string
	log    hclog.Logger
	ctx    context.Context
	cancel context.CancelFunc

	// Set once by the handshake, read-only afterwards.
	client    clientInfo
	role      string
	scopes    []string
	principal auth.Principal
	connected time.Time

	mu        sync.Mutex
	queue     [][]byte
	buffered  int64
	seq       int64
	closing   bool // no more frames accepted
	closeCode websocket.StatusCode
	closeMsg  string
	notify    chan struct{}

	lastSeen atomic.Int64 // unix nanos of the last frame or pong
	pinging  atomic.Bool
	inflight chan struct{}
	done     chan struct{} // closed when the writer has finished
}

func (c *conn) touch() { c.lastSeen.Store(time.Now().UnixNano()) }

// enqueue queues a marshalled frame. When the queue would exceed
// maxBufferedBytes the connection is closed instead: the client is not
// reading, and buffering without bound would let it exhaust memory.
func (c *conn) enqueue(frame []byte) error {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return errClosing
	}
	if c.buffered+int64(len(frame)) > c.srv.policy.MaxBufferedBytes {
		buffered := c.buffered
		c.mu.Unlock()
		c.log.Warn("dropping slow client", "buffered_bytes", buffered, "limit", c.srv.policy.MaxBufferedBytes)
		// The client is not reading, so a close frame would sit behind the
		// backlog; drop the connection outright.
		c.mu.Lock()
		c.closing = true
		c.mu.Unlock()
		c.cancel()
		return errSlowConsumer
	}
	c.queue = append(c.queue, frame)
	c.buffered += int64(len(frame))
	c.mu.Unlock()
	c.wake()
	return nil
}

func (c *conn) wake() {
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

func (c *conn) sendFrame(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		c.log.Error("encode frame", "error", err)
		return err
	}
	return c.enqueue(b)
}

func (c *conn) respond(id string, payload any) {
	_ = c.sendFrame(ResponseFrame{Type: "res", ID: id, OK: true, Payload: payload})
}

func (c *conn) respondError(id string, shape ErrorShape) {
	_ = c.sendFrame(ResponseFrame{Type: "res", ID: id, OK: false, Error: &shape})
}

// sendEvent queues an event with the connection's next sequence number.
// payload is already JSON.
func (c *conn) sendEvent(event string, payload json.RawMessage) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	c.seq++
	seq := c.seq
	c.mu.Unlock()
	b, err := json.Marshal(EventFrame{Type: "event", Event: event, Payload: payload, Seq: &seq})
	if err != nil {
		c.log.Error("encode event", "event", event, "error", err)
		return
	}
	_ = c.enqueue(b)
}

// closeWith stops accepting frames and asks the writer to flush what is
// queued, then close with code and reason.
func (c *conn) closeWith(code websocket.StatusCode, reason string) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	c.closing, c.closeCode, c.closeMsg = true, code, closeReason(reason)
	c.mu.Unlock()
	c.wake()
}

// writeLoop owns every write after the handshake.
func (c *conn) writeLoop() {
	defer close(c.done)
	defer c.cancel()
	for {
		select {
		case <-c.notify:
		case <-c.ctx.Done():
			c.ws.CloseNow()
			return
		}
		c.mu.Lock()
		batch := c.queue
		c.queue = nil
		c.buffered = 0
		closing, code, reason := c.closing, c.closeCode, c.closeMsg
		c.mu.Unlock()
		for _, frame := range batch {
			ctx, cancel := context.WithTimeout(c.ctx, writeTimeout)
			err := c.ws.Write(ctx, websocket.MessageText, frame)
			cancel()
			if err != nil {
				c.log.Debug("write failed; dropping connection", "error", err)
				c.ws.CloseNow()
				return
			}
		}
		if closing {
			// Close performs the closing handshake, waiting briefly for the
			// peer's reply; the reader goroutine sees the close and ends.
			_ = c.ws.Close(code, reason)
			return
		}
	}
}

// keepalive pings the client unless a ping is already outstanding; a
// missing pong closes the connection.
func (c *conn) keepalive() {
	if !c.pinging.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer c.pinging.Store(false)
		ctx, cancel := context.WithTimeout(c.ctx, pongWindow)
		defer cancel()
		if err := c.ws.Ping(ctx); err != nil {
			if c.ctx.Err() == nil {
				c.log.Debug("ping failed; dropping connection", "error", err)
				c.closeWith(websocket.StatusGoingAway, "ping timeout")
			}
			return
		}
		c.touch()
	}()
}

func (c *conn) hasScope(scope string) bool { return hasScope(c.scopes, scope) }

// closeReason fits reason into a close frame (123 bytes of UTF-8).
func closeReason(reason string) string {
	const max = 123
	if len(reason) <= max {
		return reason
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(reason[cut]) {
		cut--
	}
	return reason[:cut]
}

// Operator scopes.
const (
	ScopeRead         = "operator.read"
	ScopeWrite        = "operator.write"
	ScopeAdmin        = "operator.admin"
	ScopeApprovals    = "operator.approvals"
	ScopePairing      = "operator.pairing"
	ScopeTalk         = "operator.talk"
	ScopeTalkSecrets  = "operator.talk.secrets"
	ScopeQuestions    = "operator.questions"
	scopeNone         = ""
	defaultRoleOp     = "operator"
	maxInFlightPerCon = 64
)

// DefaultScopes is the full operator set a shared-secret holder gets when
// it asks for no particular scopes (as on the HTTP APIs).
var DefaultScopes = []string{ScopeAdmin, ScopeApprovals, ScopePairing, ScopeRead, ScopeTalkSecrets, ScopeWrite}

// hasScope applies OpenClaw's implications: admin satisfies every operator
// scope, write satisfies read and talk.
func hasScope(granted []string, need string) bool {
	if need == scopeNone {
		return true
	}
	for _, g := range granted {
		switch {
		case g == need, g == ScopeAdmin:
			return true
		case g == ScopeWrite && (need == ScopeRead || need == ScopeTalk):
			return true
		}
	}
	return false
}
