package pluginsdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"sync"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/openclaw-go/openclaw/pluginsdk/contract"
	pluginv1 "github.com/openclaw-go/openclaw/proto/openclaw/plugin/v1"
)

// server implements the contract's services on top of a described Plugin.
type server struct {
	pluginv1.UnimplementedPluginServiceServer
	pluginv1.UnimplementedChannelServiceServer
	pluginv1.UnimplementedToolServiceServer
	pluginv1.UnimplementedSkillServiceServer

	p      *described
	logger hclog.Logger
	status *statusBook
	// dialHost connects to the host service the gateway brokered.
	dialHost func(id uint32) (*grpc.ClientConn, error)

	mu       sync.Mutex
	host     *hostClient
	hostConn *grpc.ClientConn
	accounts map[string]*runningAccount
	released bool
	// base is cancelled by Shutdown and ends every account.
	base   context.Context
	cancel context.CancelFunc
}

type runningAccount struct {
	acct   Account
	cancel context.CancelFunc
	done   chan struct{}
}

func newServer(p *described, logger hclog.Logger, dial func(uint32) (*grpc.ClientConn, error)) *server {
	base, cancel := context.WithCancel(context.Background())
	return &server{
		p:        p,
		logger:   logger,
		status:   newStatusBook(),
		dialHost: dial,
		accounts: map[string]*runningAccount{},
		base:     base,
		cancel:   cancel,
	}
}

func (s *server) services() contract.Services {
	svc := contract.Services{Plugin: s}
	if s.p.Channel != nil {
		svc.Channel = s
	}
	if s.p.Tools != nil {
		svc.Tool = s
	}
	if s.p.Skills != nil {
		svc.Skill = s
	}
	return svc
}

func (s *server) GetMetadata(context.Context, *pluginv1.GetMetadataRequest) (*pluginv1.GetMetadataResponse, error) {
	m := s.p.manifest
	res := &pluginv1.GetMetadataResponse{
		Id:               m.ID,
		Version:          m.Version,
		Kinds:            s.p.kinds,
		ProtocolVersion:  contract.ProtocolVersion,
		ConfigSchemaJson: s.p.configSchema(),
		Capabilities: &pluginv1.Capabilities{
			Network:      m.Capabilities.Network,
			HostServices: m.Capabilities.HostServices,
			Secrets:      m.Capabilities.Secrets,
			Exec:         m.Capabilities.Exec,
		},
		SdkVersion: SDKVersion,
	}
	for _, ci := range s.p.ChannelInfo {
		res.Channels = append(res.Channels, &pluginv1.ChannelInfo{
			Id: ci.ID, Label: ci.Label, TextChunkLimit: int32(ci.TextChunkLimit),
			MaxLinesPerMessage: int32(ci.MaxLinesPerMessage), SupportsThreads: ci.SupportsThreads,
			SupportsReactions: ci.SupportsReactions, SupportsMedia: ci.SupportsMedia, SupportsEdit: ci.SupportsEdit,
			DefaultReplyToMode: ci.DefaultReplyToMode, ThreadsAreTopics: ci.ThreadsAreTopics,
		})
	}
	return res, nil
}

func (s *server) Configure(ctx context.Context, req *pluginv1.ConfigureRequest) (*pluginv1.ConfigureResponse, error) {
	host, err := s.connectHost(req.GetHostServiceId())
	if err != nil {
		return nil, status.Errorf(codes.Unavailable, "connect to host service: %v", err)
	}
	s.releaseStartupMemory()
	if s.p.Configure != nil {
		cfg := Config{
			JSON:           json.RawMessage(req.GetConfigJson()),
			Secrets:        req.GetSecrets(),
			GatewayVersion: req.GetGatewayVersion(),
			Host:           host,
		}
		if err := s.p.Configure(ctx, cfg); err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "configure: %v", err)
		}
	}
	return &pluginv1.ConfigureResponse{}, nil
}

// connectHost dials the brokered host service once; a reconfigure with the
// same id reuses the connection.
func (s *server) connectHost(id uint32) (*hostClient, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.host != nil {
		return s.host, nil
	}
	if s.dialHost == nil {
		return nil, errors.New("no broker")
	}
	conn, err := s.dialHost(id)
	if err != nil {
		return nil, err
	}
	s.hostConn = conn
	s.host = &hostClient{c: pluginv1.NewHostServiceClient(conn), logger: s.logger, status: s.status}
	return s.host, nil
}

func (s *server) currentHost() (*hostClient, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.host == nil {
		return nil, status.Error(codes.FailedPrecondition, "the plugin is not configured yet (Configure must come first)")
	}
	return s.host, nil
}

func (s *server) Health(ctx context.Context, _ *pluginv1.HealthRequest) (*pluginv1.HealthResponse, error) {
	if s.p.Health != nil {
		if err := s.p.Health(ctx); err != nil {
			return &pluginv1.HealthResponse{Status: pluginv1.HealthResponse_STATUS_NOT_SERVING, Message: err.Error()}, nil
		}
	}
	return &pluginv1.HealthResponse{Status: pluginv1.HealthResponse_STATUS_SERVING}, nil
}

func (s *server) Shutdown(ctx context.Context, req *pluginv1.ShutdownRequest) (*pluginv1.ShutdownResponse, error) {
	s.mu.Lock()
	running := make([]*runningAccount, 0, len(s.accounts))
	for _, ra := range s.accounts {
		running = append(running, ra)
	}
	s.accounts = map[string]*runningAccount{}
	s.mu.Unlock()
	s.cancel()
	for _, ra := range running {
		select {
		case <-ra.done:
		case <-ctx.Done():
			return nil, status.FromContextError(ctx.Err()).Err()
		}
	}
	return &pluginv1.ShutdownResponse{}, nil
}

func (s *server) StartAccount(ctx context.Context, req *pluginv1.StartAccountRequest) (*pluginv1.StartAccountResponse, error) {
	host, err := s.currentHost()
	if err != nil {
		return nil, err
	}
	acct := Account{Channel: req.GetChannel(), ID: req.GetAccountId(), Config: json.RawMessage(req.GetConfigJson()), Host: host}
	key := statusKey(acct.Channel, acct.ID)
	s.mu.Lock()
	if old, ok := s.accounts[key]; ok {
		delete(s.accounts, key)
		s.mu.Unlock()
		old.cancel()
		<-old.done
		s.mu.Lock()
	}
	actx, cancel := context.WithCancel(s.base)
	ra := &runningAccount{acct: acct, cancel: cancel, done: make(chan struct{})}
	s.accounts[key] = ra
	s.mu.Unlock()

	s.status.merge(AccountStatus{Channel: acct.Channel, AccountID: acct.ID, State: StateStarting})
	go s.runAccount(actx, ra)
	s.releaseStartupMemory()
	return &pluginv1.StartAccountResponse{}, nil
}

// runAccount keeps an account running: a failed Run is retried with
// exponential backoff and jitter, a Permanent failure parks the account.
func (s *server) runAccount(ctx context.Context, ra *runningAccount) {
	defer close(ra.done)
	const minBackoff, maxBackoff = time.Second, 2 * time.Minute
	backoff := minBackoff
	logger := s.logger.With("channel", ra.acct.Channel, "account", ra.acct.ID)
	for {
		started := time.Now()
		err := runSafely(ctx, s.p.Channel, ra.acct)
		if ctx.Err() != nil {
			s.report(ra.acct, StateStopped, "")
			return
		}
		if err == nil {
			err = errors.New("account stopped unexpectedly")
		}
		if IsPermanent(err) {
			logger.Error("account cannot run; fix its config", "error", err)
			s.report(ra.acct, StateError, err.Error())
			return
		}
		if time.Since(started) > maxBackoff {
			backoff = minBackoff
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		logger.Warn("account failed; retrying", "error", err, "in", wait)
		s.report(ra.acct, StateReconnecting, err.Error())
		select {
		case <-ctx.Done():
			s.report(ra.acct, StateStopped, "")
			return
		case <-time.After(wait):
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

// releaseStartupMemory returns start-up garbage to the OS once the plugin
// has settled, so an idle plugin's resident size reflects what it uses.
func (s *server) releaseStartupMemory() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.released {
		return
	}
	s.released = true
	time.AfterFunc(2*time.Second, debug.FreeOSMemory)
}

// runSafely turns a panic in the author's Run into an error, so one bad
// account does not end the others served by the same process.
func runSafely(ctx context.Context, ch Channel, acct Account) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return ch.Run(ctx, acct)
}

func (s *server) report(acct Account, state AccountState, msg string) {
	st := AccountStatus{Channel: acct.Channel, AccountID: acct.ID, State: state, LastError: msg}
	if acct.Host == nil {
		s.status.merge(st)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := acct.Host.ReportStatus(ctx, st); err != nil {
		s.status.merge(st)
		s.logger.Debug("status report failed", "error", err)
	}
}

func (s *server) StopAccount(ctx context.Context, req *pluginv1.StopAccountRequest) (*pluginv1.StopAccountResponse, error) {
	key := statusKey(req.GetChannel(), req.GetAccountId())
	s.mu.Lock()
	ra, ok := s.accounts[key]
	delete(s.accounts, key)
	s.mu.Unlock()
	if !ok {
		return &pluginv1.StopAccountResponse{}, nil
	}
	ra.cancel()
	select {
	case <-ra.done:
	case <-ctx.Done():
		return nil, status.FromContextError(ctx.Err()).Err()
	}
	s.status.remove(req.GetChannel(), req.GetAccountId())
	return &pluginv1.StopAccountResponse{}, nil
}

func (s *server) account(channel, id string) (Account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ra, ok := s.accounts[statusKey(channel, id)]
	if !ok {
		return Account{}, status.Errorf(codes.NotFound, "account %s/%s is not started", channel, id)
	}
	return ra.acct, nil
}

func (s *server) Send(ctx context.Context, req *pluginv1.SendRequest) (*pluginv1.SendResponse, error) {
	// A plugin on its way out cannot deliver; Unavailable tells the
	// gateway to wait for the replacement and send again rather than
	// drop the reply.
	if s.base.Err() != nil {
		return nil, status.Error(codes.Unavailable, "the plugin is shutting down")
	}
	res, err := s.p.Channel.Send(ctx, OutboundFromWire(req))
	if err != nil {
		return nil, toStatus(err)
	}
	s.status.touchOutbound(req.GetChannel(), req.GetAccountId())
	return &pluginv1.SendResponse{MessageIds: res.MessageIDs}, nil
}

func (s *server) React(ctx context.Context, req *pluginv1.ReactRequest) (*pluginv1.ReactResponse, error) {
	r, ok := s.p.Channel.(Reactor)
	if !ok {
		return nil, status.Error(codes.Unimplemented, "this channel does not support reactions")
	}
	err := r.React(ctx, Reaction{
		Channel: req.GetChannel(), AccountID: req.GetAccountId(),
		Target:    Target{Kind: PeerKindFromWire(req.GetTarget().GetKind()), ID: req.GetTarget().GetId()},
		MessageID: req.GetMessageId(), Emoji: req.GetEmoji(), Remove: req.GetRemove(),
	})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pluginv1.ReactResponse{}, nil
}

func (s *server) Probe(ctx context.Context, req *pluginv1.ProbeRequest) (*pluginv1.ProbeResponse, error) {
	acct, err := s.account(req.GetChannel(), req.GetAccountId())
	if err != nil {
		return nil, err
	}
	res, err := s.p.Channel.Probe(ctx, acct)
	if err != nil {
		return &pluginv1.ProbeResponse{Ok: false, Error: err.Error()}, nil
	}
	return &pluginv1.ProbeResponse{
		Ok: res.OK, Error: res.Error, BotId: res.BotID, BotUsername: res.BotUsername,
		BotName: res.BotName, LatencyMs: res.Latency.Milliseconds(),
	}, nil
}

func (s *server) Status(context.Context, *pluginv1.StatusRequest) (*pluginv1.StatusResponse, error) {
	res := &pluginv1.StatusResponse{}
	for _, st := range s.status.all() {
		res.Accounts = append(res.Accounts, StatusToWire(st))
	}
	return res, nil
}

func (s *server) ListTools(ctx context.Context, _ *pluginv1.ListToolsRequest) (*pluginv1.ListToolsResponse, error) {
	tools, err := s.p.Tools.Tools(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	res := &pluginv1.ListToolsResponse{}
	for _, t := range tools {
		params := string(t.Parameters)
		if params == "" {
			params = `{"type":"object","properties":{}}`
		}
		res.Tools = append(res.Tools, &pluginv1.ToolSpec{Name: t.Name, Description: t.Description, ParametersJsonSchema: params, Groups: t.Groups})
	}
	return res, nil
}

func (s *server) Invoke(req *pluginv1.InvokeRequest, stream pluginv1.ToolService_InvokeServer) error {
	ctx := stream.Context()
	if req.GetTimeoutMs() > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(req.GetTimeoutMs())*time.Millisecond)
		defer cancel()
	}
	c := req.GetContext()
	call := ToolCall{
		Tool: req.GetTool(), CallID: req.GetCallId(), Arguments: json.RawMessage(req.GetArgumentsJson()),
		Timeout: time.Duration(req.GetTimeoutMs()) * time.Millisecond,
		Context: CallContext{
			AgentID: c.GetAgentId(), SessionKey: c.GetSessionKey(), WorkspaceDir: c.GetWorkspaceDir(),
			Channel: c.GetChannel(), SenderID: c.GetSenderId(), Elevated: c.GetElevated(),
			WorkspaceAccess: c.GetWorkspaceAccess(), ToolConfig: json.RawMessage(c.GetToolConfigJson()),
		},
	}
	var sendMu sync.Mutex
	progress := func(p ToolProgress) {
		sendMu.Lock()
		defer sendMu.Unlock()
		_ = stream.Send(&pluginv1.InvokeResponse{Event: &pluginv1.InvokeResponse_Progress{
			Progress: &pluginv1.ToolProgress{Message: p.Message, OutputChunk: p.OutputChunk},
		}})
	}
	res, err := invokeSafely(ctx, s.p.Tools, call, progress)
	if err != nil {
		return toStatus(err)
	}
	sendMu.Lock()
	defer sendMu.Unlock()
	return stream.Send(&pluginv1.InvokeResponse{Event: &pluginv1.InvokeResponse_Result{Result: &pluginv1.ToolResult{
		Content: res.Content, IsError: res.IsError, DetailsJson: string(res.Details), Media: MediaToWire(res.Media),
	}}})
}

func invokeSafely(ctx context.Context, t ToolProvider, call ToolCall, progress func(ToolProgress)) (res ToolResult, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("tool %s panicked: %v", call.Tool, r)
		}
	}()
	return t.Invoke(ctx, call, progress)
}

func (s *server) ListSkills(ctx context.Context, _ *pluginv1.ListSkillsRequest) (*pluginv1.ListSkillsResponse, error) {
	skills, err := s.p.Skills.Skills(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	res := &pluginv1.ListSkillsResponse{}
	for _, sk := range skills {
		res.Skills = append(res.Skills, &pluginv1.Skill{Name: sk.Name, SkillMd: sk.SkillMD, Files: sk.Files, RequiredTools: sk.RequiredTools})
	}
	return res, nil
}

// toStatus keeps gRPC statuses and context errors meaningful on the wire.
func toStatus(err error) error {
	if _, ok := status.FromError(err); ok {
		return err
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return status.FromContextError(err).Err()
	case IsPermanent(err):
		return status.Error(codes.FailedPrecondition, err.Error())
	}
	return status.Error(codes.Unknown, err.Error())
}

// closeHost releases the host connection.
func (s *server) closeHost() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hostConn != nil {
		_ = s.hostConn.Close()
	}
}

// grpcPlugin wires a server into go-plugin, so the broker is at hand when
// Configure names the host service.
type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	p      *described
	logger hclog.Logger
	srv    *server
}

func (g *grpcPlugin) GRPCServer(broker *plugin.GRPCBroker, gs *grpc.Server) error {
	g.srv = newServer(g.p, g.logger, func(id uint32) (*grpc.ClientConn, error) {
		return broker.Dial(id)
	})
	return (&contract.GRPCPlugin{Services: g.srv.services()}).GRPCServer(broker, gs)
}

func (g *grpcPlugin) GRPCClient(ctx context.Context, broker *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return (&contract.GRPCPlugin{}).GRPCClient(ctx, broker, c)
}
