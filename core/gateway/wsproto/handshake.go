package wsproto

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"time"

	"github.com/coder/websocket"

	"github.com/openclaw-go/openclaw/core/gateway/auth"
)

// Client ids and modes the protocol schema allows in connect.params.client.
var (
	clientIDs = map[string]bool{
		"webchat-ui": true, "openclaw-control-ui": true, "openclaw-browser-copilot": true, "openclaw-tui": true,
		"webchat": true, "cli": true, "gateway-client": true, "openclaw-macos": true, "openclaw-linux": true,
		"openclaw-ios": true, "openclaw-watchos": true, "openclaw-android": true, "node-host": true,
		"openclaw-worker": true, "test": true, "fingerprint": true, "openclaw-probe": true,
	}
	clientModes = map[string]bool{"webchat": true, "cli": true, "ui": true, "backend": true, "node": true, "worker": true, "probe": true, "test": true}
)

type clientInfo struct {
	ID              string `json:"id"`
	DisplayName     string `json:"displayName,omitempty"`
	Version         string `json:"version"`
	BuildID         string `json:"buildId,omitempty"`
	Platform        string `json:"platform"`
	DeviceFamily    string `json:"deviceFamily,omitempty"`
	ModelIdentifier string `json:"modelIdentifier,omitempty"`
	TimeZone        string `json:"timeZone,omitempty"`
	Mode            string `json:"mode"`
	InstanceID      string `json:"instanceId,omitempty"`
}

type connectAuth struct {
	Token                    string `json:"token,omitempty"`
	BootstrapToken           string `json:"bootstrapToken,omitempty"`
	DeviceToken              string `json:"deviceToken,omitempty"`
	Password                 string `json:"password,omitempty"`
	ApprovalRuntimeToken     string `json:"approvalRuntimeToken,omitempty"`
	AgentRuntimeIdentityTokn string `json:"agentRuntimeIdentityToken,omitempty"`
}

type connectParams struct {
	MinProtocol int             `json:"minProtocol"`
	MaxProtocol int             `json:"maxProtocol"`
	Client      clientInfo      `json:"client"`
	Caps        []string        `json:"caps,omitempty"`
	Commands    []string        `json:"commands,omitempty"`
	ComputerUse json.RawMessage `json:"computerUse,omitempty"`
	WorkerRuns  json.RawMessage `json:"workerRuns,omitempty"`
	Permissions map[string]bool `json:"permissions,omitempty"`
	PathEnv     string          `json:"pathEnv,omitempty"`
	Role        string          `json:"role,omitempty"`
	Scopes      *[]string       `json:"scopes,omitempty"`
	Device      json.RawMessage `json:"device,omitempty"`
	Auth        *connectAuth    `json:"auth,omitempty"`
	Locale      string          `json:"locale,omitempty"`
	UserAgent   string          `json:"userAgent,omitempty"`
}

// handshakeFailure is a refused connect: the error response and how the
// socket closes.
type handshakeFailure struct {
	shape  ErrorShape
	status websocket.StatusCode
}

// handshake sends connect.challenge, reads and checks connect, and returns
// the connect request's id with the hello-ok payload for the caller to
// send. On failure it answers with an error (when the request had an id)
// and closes the socket.
func (s *Server) handshake(c *conn, r *http.Request) (string, map[string]any, bool) {
	ctx, cancel := context.WithTimeout(c.ctx, s.opts.HandshakeTimeout)
	defer cancel()
	nonce := randomID()
	challenge, _ := json.Marshal(EventFrame{Type: "event", Event: "connect.challenge", Payload: map[string]any{"nonce": nonce, "ts": time.Now().UnixMilli()}})
	if err := c.ws.Write(ctx, websocket.MessageText, challenge); err != nil {
		c.ws.CloseNow()
		return "", nil, false
	}
	// A context deadline on Read would drop the socket without a close
	// frame; a timer closing it properly tells the client why.
	timer := time.AfterFunc(s.opts.HandshakeTimeout, func() {
		c.ws.Close(websocket.StatusPolicyViolation, "connect timeout: no connect request received")
	})
	_, data, err := c.ws.Read(c.ctx)
	if !timer.Stop() {
		return "", nil, false
	}
	if err != nil {
		if websocket.CloseStatus(err) == websocket.StatusMessageTooBig {
			c.log.Debug("pre-auth frame over the 64 KiB cap")
		}
		c.ws.CloseNow()
		return "", nil, false
	}
	frame, perr := parseRequest(data)
	if perr == nil && frame.Method != "connect" {
		perr = &frameError{id: frame.ID, msg: fmt.Sprintf("invalid handshake: first request must be connect, got %q", frame.Method)}
	}
	if perr != nil {
		var fe *frameError
		id := ""
		msg := perr.Error()
		if errors.As(perr, &fe) {
			id = fe.id
		}
		s.refuse(ctx, c, id, &handshakeFailure{shape: ErrorShape{Code: CodeInvalidRequest, Message: msg}, status: websocket.StatusPolicyViolation})
		return "", nil, false
	}
	hello, fail := s.accept(c, r, frame)
	if fail != nil {
		s.refuse(ctx, c, frame.ID, fail)
		return "", nil, false
	}
	c.log.Debug("client connected", "client", c.client.ID, "mode", c.client.Mode, "version", c.client.Version, "auth", c.principal.Method)
	return frame.ID, hello, true
}

func (s *Server) refuse(ctx context.Context, c *conn, id string, f *handshakeFailure) {
	if id != "" {
		b, _ := json.Marshal(ResponseFrame{Type: "res", ID: id, OK: false, Error: &f.shape})
		_ = c.ws.Write(ctx, websocket.MessageText, b)
	}
	c.log.Debug("connect refused", "code", f.shape.Code, "message", f.shape.Message)
	_ = c.ws.Close(f.status, closeReason(f.shape.Message))
}

// accept validates connect params, authenticates, and builds hello-ok.
func (s *Server) accept(c *conn, r *http.Request, f RequestFrame) (map[string]any, *handshakeFailure) {
	bad := func(format string, args ...any) *handshakeFailure {
		return &handshakeFailure{shape: ErrorShape{Code: CodeInvalidRequest, Message: "invalid connect params: " + fmt.Sprintf(format, args...)}, status: websocket.StatusPolicyViolation}
	}
	if len(f.Params) == 0 {
		return nil, bad("params are required")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(f.Params, &raw); err != nil {
		return nil, bad("params must be an object")
	}
	for k := range raw {
		switch k {
		case "minProtocol", "maxProtocol", "client", "caps", "commands", "computerUse", "workerRuns", "permissions",
			"pathEnv", "role", "scopes", "device", "auth", "locale", "userAgent":
		default:
			return nil, bad("unexpected property %q", k)
		}
	}
	for _, k := range []string{"minProtocol", "maxProtocol", "client"} {
		if _, ok := raw[k]; !ok {
			return nil, bad("%s is required", k)
		}
	}
	if cr, ok := raw["client"]; ok {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(cr, &fields); err != nil {
			return nil, bad("client must be an object")
		}
		for k := range fields {
			switch k {
			case "id", "displayName", "version", "buildId", "platform", "deviceFamily", "modelIdentifier", "timeZone", "mode", "instanceId":
			default:
				return nil, bad("unexpected property client.%s", k)
			}
		}
	}
	var p connectParams
	if err := json.Unmarshal(f.Params, &p); err != nil {
		return nil, bad("%s", trimJSONError(err))
	}
	switch {
	case p.MinProtocol < 1 || p.MaxProtocol < 1:
		return nil, bad("minProtocol and maxProtocol must be positive integers")
	case !clientIDs[p.Client.ID]:
		return nil, bad("client.id %q is not a known client id", p.Client.ID)
	case !clientModes[p.Client.Mode]:
		return nil, bad("client.mode %q is not a known client mode", p.Client.Mode)
	case p.Client.Version == "":
		return nil, bad("client.version is required")
	case p.Client.Platform == "":
		return nil, bad("client.platform is required")
	}
	if p.MinProtocol > ProtocolVersion || p.MaxProtocol < ProtocolVersion {
		s.log.Info("protocol mismatch", "client", p.Client.ID, "version", p.Client.Version, "min", p.MinProtocol, "max", p.MaxProtocol, "expected", ProtocolVersion)
		return nil, &handshakeFailure{status: websocket.StatusProtocolError, shape: ErrorShape{
			Code:    CodeInvalidRequest,
			Message: fmt.Sprintf("protocol mismatch: client speaks v%d..v%d, this gateway speaks v%d", p.MinProtocol, p.MaxProtocol, ProtocolVersion),
			Details: map[string]any{"code": "PROTOCOL_MISMATCH", "expectedProtocol": ProtocolVersion, "minProtocol": p.MinProtocol, "maxProtocol": p.MaxProtocol},
		}}
	}
	role := p.Role
	if role == "" {
		role = defaultRoleOp
	}
	if role != defaultRoleOp {
		return nil, bad("role %q is not served by this gateway; only \"operator\" clients are supported", role)
	}

	creds := auth.Credentials{}
	if p.Auth != nil {
		creds.Token, creds.Password = p.Auth.Token, p.Auth.Password
		if creds.Token == "" {
			creds.Token = p.Auth.DeviceToken
		}
	}
	if creds.Token == "" && creds.Password == "" {
		// Clients written against the REST tutorials put the token on the
		// upgrade request instead.
		creds.Token = auth.BearerToken(r.Header.Get("Authorization"))
	}
	principal, err := s.opts.Auth.Authenticate(c.remote, creds)
	if err != nil {
		var af *auth.Failure
		if !errors.As(err, &af) {
			s.log.Error("authentication error", "error", err)
			return nil, &handshakeFailure{status: websocket.StatusInternalError, shape: ErrorShape{Code: CodeUnavailable, Message: "authentication is unavailable", Retryable: true}}
		}
		shape := ErrorShape{Code: CodeInvalidRequest, Message: af.Message, Details: map[string]any{
			"code": af.DetailCode, "authReason": af.Reason, "canRetryWithDeviceToken": false, "recommendedNextStep": af.NextStep,
		}}
		if af.RetryAfter > 0 {
			shape.Retryable, shape.RetryAfterMs = true, af.RetryAfter.Milliseconds()
		}
		return nil, &handshakeFailure{shape: shape, status: websocket.StatusPolicyViolation}
	}

	scopes := DefaultScopes
	if p.Scopes != nil {
		scopes = append([]string{}, (*p.Scopes)...)
	}
	c.client, c.role, c.scopes, c.principal, c.connected = p.Client, role, scopes, principal, time.Now()
	return s.helloOK(c), nil
}

func (s *Server) helloOK(c *conn) map[string]any {
	info := s.info()
	snapshot := map[string]any{
		"presence":     []any{s.selfPresence()},
		"health":       s.health.forHello(c.ctx),
		"stateVersion": StateVersion{Presence: 1, Health: s.health.version()},
		"uptimeMs":     time.Since(s.started).Milliseconds(),
		"authMode":     string(s.opts.Auth.Mode()),
	}
	if def := s.defaultAgentID(c.ctx); def != "" {
		snapshot["sessionDefaults"] = map[string]any{"defaultAgentId": def, "mainKey": "main", "mainSessionKey": "agent:" + def + ":main"}
	}
	if hasScope(c.scopes, ScopeAdmin) {
		if info.ConfigPath != "" {
			snapshot["configPath"] = info.ConfigPath
		}
		if info.StateDir != "" {
			snapshot["stateDir"] = info.StateDir
		}
	}
	return map[string]any{
		"type":     "hello-ok",
		"protocol": ProtocolVersion,
		"server": map[string]any{
			"version": s.version(), "bootId": s.bootID, "connId": c.id,
		},
		"features": map[string]any{"methods": s.Methods(), "events": s.Events()},
		"snapshot": snapshot,
		"auth":     map[string]any{"role": c.role, "scopes": c.scopes},
		"policy": map[string]any{
			"maxPayload":       s.policy.MaxPayload,
			"maxBufferedBytes": s.policy.MaxBufferedBytes,
			"tickIntervalMs":   s.policy.TickInterval.Milliseconds(),
		},
	}
}

func (s *Server) version() string {
	if s.opts.Version == "" {
		return "0.0.0-dev"
	}
	return s.opts.Version
}

func (s *Server) info() Info {
	if s.opts.Info == nil {
		return Info{AuthMode: string(s.opts.Auth.Mode())}
	}
	return s.opts.Info()
}

func (s *Server) selfPresence() map[string]any {
	host, _ := os.Hostname()
	p := map[string]any{"version": s.version(), "platform": runtime.GOOS, "mode": "gateway", "ts": time.Now().UnixMilli(), "onlineSince": s.started.UnixMilli()}
	if host != "" {
		p["host"] = host
	}
	return p
}

func (s *Server) defaultAgentID(ctx context.Context) string {
	if s.opts.Services.Agents == nil {
		return ""
	}
	l, err := s.opts.Services.Agents.List(ctx)
	if err != nil {
		return ""
	}
	return l.DefaultID
}
