// Package client is a Go client for the gateway's WebSocket protocol
// (OpenClaw protocol v4): it waits for connect.challenge, sends connect,
// keeps hello-ok, then correlates requests with responses, so callers can
// issue concurrent calls on one connection.
//
//	c, err := client.Dial(ctx, client.Options{URL: "ws://127.0.0.1:18789", Token: tok})
//	var health map[string]any
//	err = c.Call(ctx, "health", nil, &health)
package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// ProtocolVersion is the protocol this client speaks.
const ProtocolVersion = 4

// Options configure a connection.
type Options struct {
	// URL is the gateway's WebSocket URL; http(s) URLs are converted.
	URL      string
	Token    string
	Password string
	// ClientID and Mode identify the client (defaults "cli", "cli").
	ClientID string
	Mode     string
	Version  string
	// Scopes requested; nil asks for operator.admin.
	Scopes []string
	// Header is sent with the upgrade request.
	Header http.Header
	// OnEvent receives every event after hello-ok, on the reading
	// goroutine: it must return quickly.
	OnEvent func(Event)
	// HandshakeTimeout bounds dialing and the handshake (default 15s).
	HandshakeTimeout time.Duration
	// HTTPClient dials the upgrade request (custom TLS roots, pinning).
	HTTPClient *http.Client
}

// Hello is the server's hello-ok.
type Hello struct {
	Protocol int `json:"protocol"`
	Server   struct {
		Version string `json:"version"`
		ConnID  string `json:"connId"`
		BootID  string `json:"bootId"`
	} `json:"server"`
	Features struct {
		Methods []string `json:"methods"`
		Events  []string `json:"events"`
	} `json:"features"`
	Snapshot json.RawMessage `json:"snapshot"`
	Auth     struct {
		Role   string   `json:"role"`
		Scopes []string `json:"scopes"`
	} `json:"auth"`
	Policy struct {
		MaxPayload       int64 `json:"maxPayload"`
		MaxBufferedBytes int64 `json:"maxBufferedBytes"`
		TickIntervalMs   int64 `json:"tickIntervalMs"`
	} `json:"policy"`
}

// Event is a pushed event.
type Event struct {
	Event   string          `json:"event"`
	Payload json.RawMessage `json:"payload"`
	Seq     int64           `json:"seq"`
}

// Error is an error response from the gateway.
type Error struct {
	Code         string          `json:"code"`
	Message      string          `json:"message"`
	Details      json.RawMessage `json:"details,omitempty"`
	Retryable    bool            `json:"retryable,omitempty"`
	RetryAfterMs int64           `json:"retryAfterMs,omitempty"`
}

func (e *Error) Error() string { return e.Message + " (" + e.Code + ")" }

// DetailCode returns details.code, when present.
func (e *Error) DetailCode() string {
	var d struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(e.Details, &d)
	return d.Code
}

// ErrClosed is returned for calls on a closed connection.
var ErrClosed = errors.New("gateway connection closed")

type frame struct {
	Type    string          `json:"type"`
	ID      string          `json:"id"`
	OK      bool            `json:"ok"`
	Payload json.RawMessage `json:"payload"`
	Error   *Error          `json:"error"`
	Event   string          `json:"event"`
	Seq     int64           `json:"seq"`
}

// Client is one connection.
type Client struct {
	ws      *websocket.Conn
	hello   Hello
	onEvent func(Event)
	nextID  atomic.Int64

	mu      sync.Mutex
	pending map[string]chan frame
	err     error
	done    chan struct{}
}

// WebSocketURL normalises a gateway address to a ws:// or wss:// URL.
func WebSocketURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("gateway URL %q: %w", raw, err)
	}
	switch u.Scheme {
	case "ws", "wss":
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("gateway URL %q: scheme must be ws, wss, http or https", raw)
	}
	if u.Host == "" {
		return "", fmt.Errorf("gateway URL %q has no host", raw)
	}
	return u.String(), nil
}

// Dial connects and completes the handshake.
func Dial(ctx context.Context, opts Options) (*Client, error) {
	u, err := WebSocketURL(opts.URL)
	if err != nil {
		return nil, err
	}
	timeout := opts.HandshakeTimeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	hctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ws, resp, err := websocket.Dial(hctx, u, &websocket.DialOptions{HTTPHeader: opts.Header, HTTPClient: opts.HTTPClient, CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("connect to gateway at %s: HTTP %d: %w", u, resp.StatusCode, err)
		}
		return nil, fmt.Errorf("connect to gateway at %s: %w", u, err)
	}
	ws.SetReadLimit(64 << 20)
	c := &Client{ws: ws, onEvent: opts.OnEvent, pending: map[string]chan frame{}, done: make(chan struct{})}
	if err := c.handshake(hctx, opts); err != nil {
		ws.CloseNow()
		return nil, err
	}
	go c.readLoop()
	return c, nil
}

func (c *Client) handshake(ctx context.Context, opts Options) error {
	// The gateway speaks first with connect.challenge.
	for {
		var f frame
		if err := c.read(ctx, &f); err != nil {
			return fmt.Errorf("gateway handshake: waiting for connect.challenge: %w", err)
		}
		if f.Type == "event" && f.Event == "connect.challenge" {
			break
		}
	}
	id, mode, scopes := opts.ClientID, opts.Mode, opts.Scopes
	if id == "" {
		id = "cli"
	}
	if mode == "" {
		mode = "cli"
	}
	if scopes == nil {
		scopes = []string{"operator.admin"}
	}
	version := opts.Version
	if version == "" {
		version = "0.0.0-dev"
	}
	params := map[string]any{
		"minProtocol": ProtocolVersion, "maxProtocol": ProtocolVersion,
		"client": map[string]any{"id": id, "version": version, "platform": runtime.GOOS, "mode": mode},
		"role":   "operator", "scopes": scopes, "caps": []string{},
	}
	authp := map[string]any{}
	if opts.Token != "" {
		authp["token"] = opts.Token
	}
	if opts.Password != "" {
		authp["password"] = opts.Password
	}
	if len(authp) > 0 {
		params["auth"] = authp
	}
	req, _ := json.Marshal(map[string]any{"type": "req", "id": "connect-1", "method": "connect", "params": params})
	if err := c.ws.Write(ctx, websocket.MessageText, req); err != nil {
		return fmt.Errorf("gateway handshake: send connect: %w", err)
	}
	for {
		var f frame
		if err := c.read(ctx, &f); err != nil {
			return fmt.Errorf("gateway handshake: waiting for hello-ok: %w", err)
		}
		if f.Type != "res" || f.ID != "connect-1" {
			continue
		}
		if !f.OK {
			if f.Error == nil {
				return errors.New("gateway refused the connection without an error")
			}
			return f.Error
		}
		if err := json.Unmarshal(f.Payload, &c.hello); err != nil {
			return fmt.Errorf("gateway handshake: bad hello-ok: %w", err)
		}
		return nil
	}
}

func (c *Client) read(ctx context.Context, f *frame) error {
	_, data, err := c.ws.Read(ctx)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, f); err != nil {
		return fmt.Errorf("gateway sent invalid JSON: %w", err)
	}
	return nil
}

// Hello returns the server's hello-ok.
func (c *Client) Hello() Hello { return c.hello }

func (c *Client) readLoop() {
	defer close(c.done)
	for {
		var f frame
		err := c.read(context.Background(), &f)
		if err != nil {
			c.mu.Lock()
			if c.err == nil {
				c.err = err
			}
			for id, ch := range c.pending {
				close(ch)
				delete(c.pending, id)
			}
			c.mu.Unlock()
			return
		}
		switch f.Type {
		case "res":
			c.mu.Lock()
			ch := c.pending[f.ID]
			c.mu.Unlock()
			if ch != nil {
				select {
				case ch <- f:
				default: // a caller that stopped listening
				}
			}
		case "event":
			if c.onEvent != nil {
				c.onEvent(Event{Event: f.Event, Payload: f.Payload, Seq: f.Seq})
			}
		}
	}
}

// Done is closed when the connection ends.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err reports why the connection ended.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Call sends method with params and decodes the response payload into out
// (which may be nil).
func (c *Client) Call(ctx context.Context, method string, params, out any) error {
	return c.call(ctx, method, params, out, false, nil)
}

// CallFinal is Call for two-stage methods such as agent: an "accepted"
// acknowledgement (passed to onAccepted, which may be nil) precedes the
// final response decoded into out.
func (c *Client) CallFinal(ctx context.Context, method string, params, out any, onAccepted func(json.RawMessage)) error {
	return c.call(ctx, method, params, out, true, onAccepted)
}

func (c *Client) call(ctx context.Context, method string, params, out any, expectFinal bool, onAccepted func(json.RawMessage)) error {
	if params == nil {
		params = map[string]any{}
	}
	id := strconv.FormatInt(c.nextID.Add(1), 10)
	req, err := json.Marshal(map[string]any{"type": "req", "id": id, "method": method, "params": params})
	if err != nil {
		return fmt.Errorf("encode %s params: %w", method, err)
	}
	ch := make(chan frame, 4)
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return fmt.Errorf("%w: %v", ErrClosed, err)
	}
	c.pending[id] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}()
	if err := c.ws.Write(ctx, websocket.MessageText, req); err != nil {
		return fmt.Errorf("send %s: %w", method, err)
	}
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", method, ctx.Err())
		case f, ok := <-ch:
			if !ok {
				return fmt.Errorf("%s: %w: %v", method, ErrClosed, c.Err())
			}
			if !f.OK {
				if f.Error == nil {
					return fmt.Errorf("%s failed without an error", method)
				}
				return f.Error
			}
			if expectFinal {
				var st struct {
					Status string `json:"status"`
				}
				_ = json.Unmarshal(f.Payload, &st)
				if st.Status == "accepted" {
					if onAccepted != nil {
						onAccepted(f.Payload)
					}
					continue
				}
			}
			if out == nil || len(f.Payload) == 0 {
				return nil
			}
			if raw, ok := out.(*json.RawMessage); ok {
				*raw = append((*raw)[:0], f.Payload...)
				return nil
			}
			if err := json.Unmarshal(f.Payload, out); err != nil {
				return fmt.Errorf("decode %s result: %w", method, err)
			}
			return nil
		}
	}
}

// Close closes the connection normally.
func (c *Client) Close() error {
	err := c.ws.Close(websocket.StatusNormalClosure, "")
	<-c.done
	return err
}
