package mattermostfake

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/coder/websocket"
)

// wsSession is a WebSocket session: it outlives its connection, so a
// client that reconnects with connection_id and sequence_number gets the
// events it missed, as Mattermost's reliable WebSockets do.
type wsSession struct {
	id     string
	userID string
	seq    int64     // the next event's sequence number
	buffer []wsFrame // the last events sent, oldest first
	conn   *liveConn // nil while disconnected
}

type wsFrame struct {
	seq  int64
	data []byte
}

type liveConn struct {
	ws     *websocket.Conn
	out    chan []byte
	cancel context.CancelFunc
}

func (s *wsSession) drop() {
	if s.conn != nil {
		_ = s.conn.ws.CloseNow()
	}
}

// websocket serves /api/v4/websocket: authentication (header or
// authentication_challenge), then hello for a new session or the missed
// events of a resumed one, then events as they happen.
func (s *Server) websocket(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	userID, ok := s.authenticate(bearer(r))
	if !ok {
		userID, ok = s.challenge(ctx, ws)
		if !ok {
			_ = ws.Close(websocket.StatusPolicyViolation, "not authenticated")
			return
		}
	}

	lc := &liveConn{ws: ws, out: make(chan []byte, 4096), cancel: cancel}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ws.CloseNow()
		return
	}
	sess := s.resumeLocked(userID, r.URL.Query().Get("connection_id"), r.URL.Query().Get("sequence_number"), lc)
	s.opened++
	s.live++
	s.cond.Broadcast()
	s.mu.Unlock()

	defer func() {
		_ = ws.CloseNow()
		s.mu.Lock()
		if sess.conn == lc {
			sess.conn = nil
		}
		s.live--
		s.cond.Broadcast()
		s.mu.Unlock()
	}()
	go func() {
		defer cancel()
		for {
			select {
			case <-ctx.Done():
				return
			case b := <-lc.out:
				if ws.Write(ctx, websocket.MessageText, b) != nil {
					return
				}
			}
		}
	}()
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			return
		}
		var req struct {
			Seq    int64  `json:"seq"`
			Action string `json:"action"`
		}
		if json.Unmarshal(data, &req) == nil && req.Action == "ping" {
			b, _ := json.Marshal(map[string]any{"status": "OK", "seq_reply": req.Seq, "data": map[string]any{"text": "pong", "version": "10.0.0"}})
			select {
			case lc.out <- b:
			default:
			}
		}
	}
}

// challenge waits for the authentication_challenge action and answers it.
func (s *Server) challenge(ctx context.Context, ws *websocket.Conn) (string, bool) {
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, data, err := ws.Read(rctx)
	if err != nil {
		return "", false
	}
	var req struct {
		Seq    int64  `json:"seq"`
		Action string `json:"action"`
		Data   struct {
			Token string `json:"token"`
		} `json:"data"`
	}
	if json.Unmarshal(data, &req) != nil || req.Action != "authentication_challenge" {
		return "", false
	}
	userID, ok := s.authenticate(req.Data.Token)
	reply := map[string]any{"status": "OK", "seq_reply": req.Seq}
	if !ok {
		reply = map[string]any{"status": "FAIL", "seq_reply": req.Seq, "error": map[string]any{
			"id": "api.web_socket_router.not_authenticated.app_error", "message": "Invalid or expired session, please login again.", "status_code": 401}}
	}
	b, _ := json.Marshal(reply)
	if err := ws.Write(rctx, websocket.MessageText, b); err != nil {
		return "", false
	}
	return userID, ok
}

// resumeLocked attaches a connection to the session it names, replaying
// the events from sequence_number on, or starts a new session with hello
// when that is not possible. Call with s.mu held.
func (s *Server) resumeLocked(userID, connID, seqParam string, lc *liveConn) *wsSession {
	if sess, ok := s.conns[connID]; ok && sess.userID == userID {
		next, err := strconv.ParseInt(seqParam, 10, 64)
		oldest := sess.seq
		if len(sess.buffer) > 0 {
			oldest = sess.buffer[0].seq
		}
		if err == nil && next >= oldest && next <= sess.seq {
			if sess.conn != nil {
				sess.conn.cancel()
			}
			sess.conn = lc
			for _, f := range sess.buffer {
				if f.seq >= next {
					lc.out <- f.data
				}
			}
			return sess
		}
	}
	sess := &wsSession{id: NewID(), userID: userID, conn: lc}
	s.conns[sess.id] = sess
	s.sendLocked(sess, "hello", map[string]any{"connection_id": sess.id, "server_version": "10.0.0.fake"}, map[string]any{"user_id": userID})
	return sess
}

// sendLocked numbers an event for a session, keeps it for resumption and
// delivers it if the session is connected. Call with s.mu held.
func (s *Server) sendLocked(sess *wsSession, event string, data map[string]any, broadcast map[string]any) {
	b := map[string]any{"omit_users": nil, "user_id": "", "channel_id": "", "team_id": "", "connection_id": "", "omit_connection_id": ""}
	for k, v := range broadcast {
		b[k] = v
	}
	frame, _ := json.Marshal(map[string]any{"event": event, "data": data, "broadcast": b, "seq": sess.seq})
	sess.buffer = append(sess.buffer, wsFrame{seq: sess.seq, data: frame})
	if len(sess.buffer) > s.opts.ResumeBuffer {
		sess.buffer = sess.buffer[len(sess.buffer)-s.opts.ResumeBuffer:]
	}
	sess.seq++
	if sess.conn != nil {
		select {
		case sess.conn.out <- frame:
		default:
			sess.conn.cancel() // a client this far behind is dropped
		}
	}
}

// broadcastPostedLocked sends a posted event to every session. Call with
// s.mu held.
func (s *Server) broadcastPostedLocked(p *Post, c *Channel) {
	postBytes, _ := json.Marshal(postJSON(p, s.filesOf(p)))
	senderName := ""
	if u, ok := s.users[p.UserID]; ok {
		senderName = "@" + u.Username
	}
	data := map[string]any{
		"channel_display_name": c.DisplayName, "channel_name": c.Name, "channel_type": c.Type,
		"post": string(postBytes), "sender_name": senderName, "set_online": true, "team_id": c.TeamID,
	}
	if m := s.mentionsOf(p, c); len(m) > 0 {
		mb, _ := json.Marshal(m)
		data["mentions"] = string(mb)
	}
	for _, sess := range s.conns {
		s.sendLocked(sess, "posted", data, map[string]any{"channel_id": c.ID})
	}
}

// SendEvent delivers any event (e.g. "typing", "post_edited") to every
// session.
func (s *Server) SendEvent(event string, data map[string]any, broadcast map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sess := range s.conns {
		s.sendLocked(sess, event, data, broadcast)
	}
}

// DropWebSockets closes every WebSocket without a close frame, as a network
// failure would. Sessions survive, so clients can resume.
func (s *Server) DropWebSockets() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sess := range s.conns {
		if sess.conn != nil {
			sess.conn.cancel()
			_ = sess.conn.ws.CloseNow()
		}
	}
}

// ForgetSessions drops every WebSocket and forgets all sessions, as a
// server restart does: the next connection starts fresh with hello.
func (s *Server) ForgetSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, sess := range s.conns {
		if sess.conn != nil {
			sess.conn.cancel()
			_ = sess.conn.ws.CloseNow()
		}
		delete(s.conns, id)
	}
}

// WebSockets reports how many WebSocket connections were accepted in
// total and how many are open now.
func (s *Server) WebSockets() (opened, open int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opened, s.live
}

// WaitWebSockets waits until at least n connections were accepted and one
// is open.
func (s *Server) WaitWebSockets(ctx context.Context, n int) error {
	return s.waitFor(ctx, func() bool { return s.opened >= n && s.live > 0 })
}
