package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

// wsPingInterval is how often the plugin checks the WebSocket is alive.
const wsPingInterval = 30 * time.Second

// cursor is where the event stream stands: the server's connection id and
// the next sequence number expected on it. It is kept in the plugin's KV
// store, so a restarted plugin resumes the stream and the server replays
// what was posted while it was away.
type cursor struct {
	ConnectionID string `json:"connectionId"`
	Seq          int64  `json:"seq"`
}

// wsMessage is an event, or the reply to one of the client's actions.
type wsMessage struct {
	Event     string          `json:"event"`
	Data      json.RawMessage `json:"data"`
	Seq       int64           `json:"seq"`
	Broadcast struct {
		ChannelID string `json:"channel_id"`
		TeamID    string `json:"team_id"`
	} `json:"broadcast"`
	Status   string `json:"status"`
	SeqReply int64  `json:"seq_reply"`
	Error    *struct {
		ID      string `json:"id"`
		Message string `json:"message"`
	} `json:"error"`
}

func (a *account) cursorKey() string { return "mattermost/" + a.id + "/websocket" }

func (a *account) loadCursor(ctx context.Context) cursor {
	var c cursor
	if a.host == nil {
		return c
	}
	b, ok, err := a.host.KV().Get(ctx, a.cursorKey())
	if err != nil || !ok || json.Unmarshal(b, &c) != nil {
		return cursor{}
	}
	return c
}

func (a *account) saveCursor(ctx context.Context, c cursor) error {
	if a.host == nil {
		return nil
	}
	b, _ := json.Marshal(c)
	if err := a.host.KV().Set(ctx, a.cursorKey(), b); err != nil {
		return fmt.Errorf("save event stream position: %w", err)
	}
	return nil
}

// websocketURL is the event stream's URL, asking to resume cur if it names
// a connection.
func websocketURL(base string, cur cursor) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	switch u.Scheme {
	case "https":
		u.Scheme = "wss"
	default:
		u.Scheme = "ws"
	}
	u.Path = strings.TrimRight(u.Path, "/") + "/api/v4/websocket"
	if cur.ConnectionID != "" {
		q := url.Values{}
		q.Set("connection_id", cur.ConnectionID)
		q.Set("sequence_number", strconv.FormatInt(cur.Seq, 10))
		u.RawQuery = q.Encode()
	}
	return u.String(), nil
}

// runEvents connects the event stream and handles events until the
// connection ends. A post is handed to the gateway before the stream
// position moves past it, so nothing is skipped when the plugin dies.
func (a *account) runEvents(ctx context.Context) error {
	cur := a.loadCursor(ctx)
	wsURL, err := websocketURL(a.cfg.BaseURL, cur)
	if err != nil {
		return fmt.Errorf("mattermost websocket URL: %w", err)
	}
	ws, res, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPClient: a.httpClient})
	if err != nil {
		if res != nil && res.StatusCode == http.StatusUnauthorized {
			return pluginsdk.Permanent(fmt.Errorf("mattermost websocket: the bot token was rejected"))
		}
		return fmt.Errorf("mattermost websocket: connect: %w", err)
	}
	defer ws.CloseNow()
	ws.SetReadLimit(16 << 20)

	challenge, _ := json.Marshal(map[string]any{"seq": 1, "action": "authentication_challenge", "data": map[string]string{"token": string(a.cfg.BotToken)}})
	if err := ws.Write(ctx, websocket.MessageText, challenge); err != nil {
		return fmt.Errorf("mattermost websocket: authenticate: %w", err)
	}

	pctx, stopPing := context.WithCancel(ctx)
	defer stopPing()
	go keepAlive(pctx, ws)

	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("mattermost websocket: %w", err)
		}
		var m wsMessage
		if err := json.Unmarshal(data, &m); err != nil {
			a.log.Debug("ignoring an undecodable websocket message", "error", err)
			continue
		}
		if m.Event == "" {
			if err := a.handleReply(ctx, m); err != nil {
				return err
			}
			continue
		}
		if cur, err = a.handleEvent(ctx, cur, m); err != nil {
			_ = ws.Close(websocket.StatusGoingAway, "")
			return err
		}
	}
}

// keepAlive pings the server; a ping that gets no answer ends the
// connection, which the read loop reports.
func keepAlive(ctx context.Context, ws *websocket.Conn) {
	t := time.NewTicker(wsPingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := ws.Ping(pctx)
			cancel()
			if err != nil && ctx.Err() == nil {
				_ = ws.CloseNow()
				return
			}
		}
	}
}

// handleReply handles the answer to the authentication challenge.
func (a *account) handleReply(ctx context.Context, m wsMessage) error {
	if m.SeqReply != 1 {
		return nil
	}
	if m.Status != "OK" {
		msg := "authentication failed"
		if m.Error != nil {
			msg = m.Error.Message
		}
		err := pluginsdk.Permanent(fmt.Errorf("mattermost websocket: the bot token was rejected: %s", msg))
		a.report(ctx, pluginsdk.StateError, err.Error())
		return err
	}
	a.report(ctx, pluginsdk.StateConnected, "")
	return nil
}

// handleEvent processes one event and returns the stream position after
// it. An error means the event was not handled and must be seen again.
func (a *account) handleEvent(ctx context.Context, cur cursor, m wsMessage) (cursor, error) {
	if m.Event == "hello" {
		var hello struct {
			ConnectionID string `json:"connection_id"`
		}
		_ = json.Unmarshal(m.Data, &hello)
		if hello.ConnectionID != cur.ConnectionID {
			if cur.ConnectionID != "" {
				a.log.Warn("the server could not resume the event stream; posts made while disconnected are not replayed")
			}
			cur = cursor{ConnectionID: hello.ConnectionID, Seq: m.Seq + 1}
			if err := a.saveCursor(ctx, cur); err != nil {
				a.log.Warn("cannot save the event stream position", "error", err)
			}
		}
		return cur, nil
	}
	switch {
	case m.Seq < cur.Seq:
		return cur, nil // replayed, and handled before
	case m.Seq > cur.Seq:
		a.log.Warn("events were skipped by the server", "expected", cur.Seq, "got", m.Seq)
	}
	if m.Event != "posted" {
		// Only posts move the saved position: replaying other events after
		// a restart is harmless, and saving each would cost a round trip.
		cur.Seq = m.Seq + 1
		return cur, nil
	}
	if err := a.handlePosted(ctx, m); err != nil {
		return cur, err
	}
	cur.Seq = m.Seq + 1
	if err := a.saveCursor(ctx, cur); err != nil {
		// The post reached the gateway; if it comes again, the gateway
		// drops the duplicate.
		a.log.Warn("cannot save the event stream position", "error", err)
	}
	return cur, nil
}

// errNoHost is returned when an account runs without a gateway.
var errNoHost = errors.New("no gateway connection")
