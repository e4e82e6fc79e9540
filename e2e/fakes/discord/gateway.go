package discord

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/coder/websocket"
)

// Gateway opcodes.
const (
	opDispatch       = 0
	opHeartbeat      = 1
	opIdentify       = 2
	opPresenceUpdate = 3
	opResume         = 6
	opReconnect      = 7
	opInvalidSession = 9
	opHello          = 10
	opHeartbeatACK   = 11
)

// resumeBuffer is how many dispatched events a session keeps for RESUME.
const resumeBuffer = 1000

// gwSession is a gateway session: it outlives connections, so a client that
// reconnects can RESUME and receive what it missed.
type gwSession struct {
	id      string
	intents int
	seq     int64
	events  []gwEvent
	conn    *gwConn
	invalid bool
}

type gwEvent struct {
	seq  int64
	name string
	data json.RawMessage
}

// gwConn is one WebSocket connection.
type gwConn struct {
	ws      *websocket.Conn
	out     chan []byte
	done    chan struct{}
	once    sync.Once
	session *gwSession // guarded by Server.mu
	ready   bool       // READY or RESUMED sent; guarded by Server.mu
	// failCode and failReason are the close the reader sends after a
	// protocol error; guarded by Server.mu.
	failCode   int
	failReason string
}

// fail records why the connection must close; the reader closes it after
// releasing the server lock.
func (c *gwConn) fail(code int, reason string) {
	c.failCode, c.failReason = code, reason
}

func (c *gwConn) stop() { c.once.Do(func() { close(c.done) }) }

// closeWith ends the connection with a Discord close code.
func (c *gwConn) closeWith(code int, reason string) {
	c.stop()
	go func() { _ = c.ws.Close(websocket.StatusCode(code), reason) }()
}

// enqueue queues a frame; a client too slow to read is disconnected, as
// Discord does.
func (c *gwConn) enqueue(frame []byte) {
	select {
	case c.out <- frame:
	default:
		c.stop()
		c.ws.CloseNow()
	}
}

func (c *gwConn) writeLoop(ctx context.Context) {
	for {
		select {
		case <-c.done:
			return
		case <-ctx.Done():
			return
		case frame := <-c.out:
			if err := c.ws.Write(ctx, websocket.MessageText, frame); err != nil {
				c.ws.CloseNow()
				return
			}
		}
	}
}

type frame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
	S  *int64          `json:"s"`
	T  *string         `json:"t"`
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("discord fake: encode " + err.Error()) // our own types always encode
	}
	return b
}

func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	ws.SetReadLimit(1 << 20)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := &gwConn{ws: ws, out: make(chan []byte, 4096), done: make(chan struct{})}
	s.mu.Lock()
	s.conns[c] = true
	s.broadcast()
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		if c.session != nil && c.session.conn == c {
			c.session.conn = nil
		}
		s.broadcast()
		s.mu.Unlock()
		c.stop()
		ws.CloseNow()
	}()
	go c.writeLoop(ctx)
	c.enqueue(mustJSON(map[string]any{"op": opHello, "d": map[string]any{"heartbeat_interval": s.hbInt.Milliseconds()}, "s": nil, "t": nil}))
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			return
		}
		var f frame
		if err := json.Unmarshal(data, &f); err != nil {
			c.stop()
			_ = ws.Close(4002, "Error while decoding payload.")
			return
		}
		if !s.handleFrame(c, f) {
			c.stop()
			_ = ws.Close(websocket.StatusCode(c.failCode), c.failReason)
			return
		}
	}
}

// handleFrame answers one client payload; false ends the connection.
func (s *Server) handleFrame(c *gwConn, f frame) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch f.Op {
	case opHeartbeat:
		s.heartbeats++
		s.broadcast()
		c.enqueue(mustJSON(map[string]any{"op": opHeartbeatACK, "d": nil, "s": nil, "t": nil}))
		return true
	case opIdentify:
		return s.identifyLocked(c, f.D)
	case opResume:
		return s.resumeLocked(c, f.D)
	case opPresenceUpdate:
		if c.session == nil {
			c.fail(4003, "Not authenticated.")
			return false
		}
		var p map[string]any
		_ = json.Unmarshal(f.D, &p)
		s.presence = append(s.presence, p)
		s.broadcast()
		return true
	}
	c.fail(4001, "Unknown opcode.")
	return false
}

type identifyPayload struct {
	Token      string          `json:"token"`
	Intents    *int            `json:"intents"`
	Properties json.RawMessage `json:"properties"`
	Presence   json.RawMessage `json:"presence"`
}

// Identify is what a client sent in its last IDENTIFY.
type Identify struct {
	Intents  int
	Presence json.RawMessage
}

func (s *Server) identifyLocked(c *gwConn, d json.RawMessage) bool {
	if c.session != nil {
		c.fail(4005, "Already authenticated.")
		return false
	}
	var p identifyPayload
	if err := json.Unmarshal(d, &p); err != nil {
		c.fail(4002, "Error while decoding payload.")
		return false
	}
	if !s.validToken(p.Token) {
		c.fail(4004, "Authentication failed.")
		return false
	}
	if p.Intents == nil {
		c.fail(4013, "Invalid intent(s).")
		return false
	}
	if s.denyPriv && *p.Intents&privilegedIntents != 0 {
		c.fail(4014, "Disallowed intent(s).")
		return false
	}
	var id [16]byte
	_, _ = rand.Read(id[:])
	sess := &gwSession{id: hex.EncodeToString(id[:]), intents: *p.Intents, conn: c}
	s.sessions[sess.id] = sess
	c.session = sess
	s.identifies++
	s.lastIdentify = Identify{Intents: *p.Intents, Presence: p.Presence}
	bot := *s.world.Bot.User
	s.dispatchLocked(sess, "READY", map[string]any{
		"v": 10, "user": bot, "session_id": sess.id, "resume_gateway_url": s.GatewayURL(),
		"guilds": []map[string]any{{"id": s.world.Guild.ID, "unavailable": true}},
		"shard":  []int{0, 1}, "application": map[string]any{"id": bot.ID, "flags": 0},
		"private_channels": []any{}, "relationships": []any{}, "user_settings": map[string]any{}, "session_type": "normal",
	})
	c.ready = true
	s.dispatchLocked(sess, "GUILD_CREATE", s.guildCreateLocked())
	s.broadcast()
	return true
}

// guildCreateLocked is the lazy GUILD_CREATE Discord sends after READY:
// the guild with its channels, active threads, roles and the bot's member.
func (s *Server) guildCreateLocked() map[string]any {
	g := s.world.Guild
	var channels, threads []Channel
	for _, ch := range s.channels {
		if ch.GuildID != g.ID {
			continue
		}
		if ch.IsThread() {
			threads = append(threads, *ch)
			continue
		}
		c := *ch
		c.GuildID = "" // channels in GUILD_CREATE carry no guild_id
		channels = append(channels, c)
	}
	bot := s.members[s.BotID()]
	return map[string]any{
		"id": g.ID, "name": g.Name, "icon": g.Icon, "owner_id": g.OwnerID, "roles": g.Roles,
		"joined_at": bot.JoinedAt, "large": false, "unavailable": false, "member_count": len(s.members),
		"members": []Member{bot}, "channels": channels, "threads": threads,
		"presences": []any{}, "voice_states": []any{}, "emojis": []any{}, "stickers": []any{},
	}
}

type resumePayload struct {
	Token     string `json:"token"`
	SessionID string `json:"session_id"`
	Seq       int64  `json:"seq"`
}

func (s *Server) resumeLocked(c *gwConn, d json.RawMessage) bool {
	var p resumePayload
	if err := json.Unmarshal(d, &p); err != nil {
		c.fail(4002, "Error while decoding payload.")
		return false
	}
	if !s.validToken(p.Token) {
		c.fail(4004, "Authentication failed.")
		return false
	}
	sess, ok := s.sessions[p.SessionID]
	if !ok || sess.invalid || p.Seq > sess.seq {
		c.enqueue(mustJSON(map[string]any{"op": opInvalidSession, "d": false, "s": nil, "t": nil}))
		return true
	}
	if old := sess.conn; old != nil && old != c {
		old.closeWith(4000, "Session resumed elsewhere.")
	}
	sess.conn = c
	c.session = sess
	s.resumes++
	for _, ev := range sess.events {
		if ev.seq > p.Seq {
			c.enqueue(encodeDispatch(ev))
		}
	}
	s.dispatchLocked(sess, "RESUMED", map[string]any{})
	c.ready = true
	s.broadcast()
	return true
}

func encodeDispatch(ev gwEvent) []byte {
	return mustJSON(map[string]any{"op": opDispatch, "s": ev.seq, "t": ev.name, "d": ev.data})
}

// dispatchLocked records an event in the session (for RESUME) and sends it
// when the session has a connection. Callers hold s.mu.
func (s *Server) dispatchLocked(sess *gwSession, name string, d any) {
	sess.seq++
	ev := gwEvent{seq: sess.seq, name: name, data: mustJSON(d)}
	sess.events = append(sess.events, ev)
	if len(sess.events) > resumeBuffer {
		sess.events = sess.events[len(sess.events)-resumeBuffer:]
	}
	if sess.conn != nil {
		sess.conn.enqueue(encodeDispatch(ev))
	}
}

// dispatchMessageLocked sends MESSAGE_CREATE to every session whose intents
// cover it, withholding content from guild messages when the session lacks
// the message content intent (except where the bot is mentioned or wrote
// it), as Discord does.
func (s *Server) dispatchMessageLocked(m *Message) {
	for _, sess := range s.sessions {
		if sess.invalid {
			continue
		}
		need := IntentDirectMessages
		if m.GuildID != "" {
			need = IntentGuildMessages
		}
		if sess.intents&need == 0 {
			continue
		}
		out := *m
		if m.GuildID != "" && sess.intents&IntentMessageContent == 0 && m.Author.ID != s.BotID() && !mentions(m, s.BotID()) {
			out.Content, out.Attachments, out.Embeds = "", []Attachment{}, []any{}
		}
		s.dispatchLocked(sess, "MESSAGE_CREATE", out)
	}
}

func mentions(m *Message, userID string) bool {
	for _, u := range m.Mentions {
		if u.ID == userID {
			return true
		}
	}
	return false
}

func (s *Server) connList() []*gwConn {
	out := make([]*gwConn, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	return out
}

// DropConnections cuts every gateway connection without a close frame, as
// a network failure would. Sessions stay resumable.
func (s *Server) DropConnections() {
	s.mu.Lock()
	conns := s.connList()
	s.mu.Unlock()
	for _, c := range conns {
		c.stop()
		c.ws.CloseNow()
	}
}

// CloseConnections closes every gateway connection with a Discord close
// code (4000 unknown error, 4004 authentication failed, 4009 session timed
// out …).
func (s *Server) CloseConnections(code int, reason string) {
	s.mu.Lock()
	conns := s.connList()
	s.mu.Unlock()
	for _, c := range conns {
		c.closeWith(code, reason)
	}
}

// RequestReconnect sends op 7 (Reconnect) on every connection, as Discord
// does before moving a session.
func (s *Server) RequestReconnect() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.enqueue(mustJSON(map[string]any{"op": opReconnect, "d": nil, "s": nil, "t": nil}))
	}
}

// InvalidateSessions forgets every session, so a RESUME is answered with
// op 9 (Invalid Session) and the client must IDENTIFY again.
func (s *Server) InvalidateSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sess := range s.sessions {
		sess.invalid = true
	}
}

// Identifies counts successful IDENTIFYs; Resumes counts successful RESUMEs.
func (s *Server) Identifies() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.identifies
}

// Resumes counts successful RESUMEs.
func (s *Server) Resumes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resumes
}

// WaitHeartbeats waits until clients have sent n heartbeats (op 1) in all.
func (s *Server) WaitHeartbeats(ctx context.Context, n int) error {
	return s.waitFor(ctx, "heartbeats", func() bool { return s.heartbeats >= n })
}

// LastIdentify is the last IDENTIFY a client sent.
func (s *Server) LastIdentify() Identify {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastIdentify
}

// ReadyConnections counts connections that completed IDENTIFY or RESUME.
func (s *Server) ReadyConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.readyLocked()
}

func (s *Server) readyLocked() int {
	n := 0
	for c := range s.conns {
		if c.ready {
			n++
		}
	}
	return n
}

// WaitReady waits until a client is connected and has completed IDENTIFY
// or RESUME at least sessions times in total (identifies + resumes).
func (s *Server) WaitReady(ctx context.Context, sessions int) error {
	return s.waitFor(ctx, "a ready gateway connection", func() bool {
		return s.readyLocked() > 0 && s.identifies+s.resumes >= sessions
	})
}

// WaitDisconnected waits until no gateway connection is open.
func (s *Server) WaitDisconnected(ctx context.Context) error {
	return s.waitFor(ctx, "no gateway connections", func() bool { return len(s.conns) == 0 })
}

// PresenceUpdates lists the presence updates (op 3) clients sent.
func (s *Server) PresenceUpdates() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.presence...)
}
