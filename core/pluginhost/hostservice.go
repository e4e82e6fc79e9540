package pluginhost

import (
	"context"

	hclog "github.com/hashicorp/go-hclog"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/openclaw-go/openclaw/pluginsdk"
	pluginv1 "github.com/openclaw-go/openclaw/proto/openclaw/plugin/v1"
)

// InboundSink accepts inbound messages. Accept returns only once the message
// is durably stored, because the plugin acknowledges it to the platform as
// soon as Accept returns.
type InboundSink interface {
	Accept(ctx context.Context, pluginID string, msg pluginsdk.InboundMessage) (duplicate bool, err error)
}

// StatusSink receives account status reports.
type StatusSink interface {
	AccountStatus(pluginID string, st pluginsdk.AccountStatus)
}

// hostService is the HostService one plugin is given. It carries the
// plugin's id, so a plugin can only ever speak as itself.
type hostService struct {
	pluginv1.UnimplementedHostServiceServer
	id       string
	channels map[string]bool
	logger   hclog.Logger
	kv       *kvStore
	inbound  InboundSink
	status   StatusSink
}

func (h *hostService) Log(_ context.Context, req *pluginv1.LogRequest) (*pluginv1.LogResponse, error) {
	args := make([]any, 0, 2*len(req.GetFields()))
	for k, v := range req.GetFields() {
		args = append(args, k, v)
	}
	h.logger.Log(hclog.LevelFromString(req.GetLevel()), req.GetMessage(), args...)
	return &pluginv1.LogResponse{}, nil
}

func (h *hostService) KVGet(_ context.Context, req *pluginv1.KVGetRequest) (*pluginv1.KVGetResponse, error) {
	v, ok := h.kv.get(req.GetKey())
	return &pluginv1.KVGetResponse{Value: v, Found: ok}, nil
}

func (h *hostService) KVSet(_ context.Context, req *pluginv1.KVSetRequest) (*pluginv1.KVSetResponse, error) {
	if req.GetKey() == "" {
		return nil, status.Error(codes.InvalidArgument, "empty key")
	}
	if err := h.kv.set(req.GetKey(), req.GetValue()); err != nil {
		return nil, status.Error(codes.ResourceExhausted, err.Error())
	}
	return &pluginv1.KVSetResponse{}, nil
}

func (h *hostService) KVDelete(_ context.Context, req *pluginv1.KVDeleteRequest) (*pluginv1.KVDeleteResponse, error) {
	if err := h.kv.delete(req.GetKey()); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &pluginv1.KVDeleteResponse{}, nil
}

func (h *hostService) KVList(_ context.Context, req *pluginv1.KVListRequest) (*pluginv1.KVListResponse, error) {
	return &pluginv1.KVListResponse{Keys: h.kv.list(req.GetPrefix())}, nil
}

func (h *hostService) Emit(ctx context.Context, req *pluginv1.EmitRequest) (*pluginv1.EmitResponse, error) {
	msg := pluginsdk.InboundFromWire(req.GetMessage())
	if !h.channels[msg.Channel] {
		return nil, status.Errorf(codes.PermissionDenied, "plugin %s does not provide channel %q", h.id, msg.Channel)
	}
	if msg.MessageID == "" || msg.PeerID == "" {
		return nil, status.Error(codes.InvalidArgument, "an inbound message needs message_id and peer_id")
	}
	if h.inbound == nil {
		return nil, status.Error(codes.Unavailable, "the gateway accepts no inbound messages")
	}
	dup, err := h.inbound.Accept(ctx, h.id, msg)
	if err != nil {
		return nil, status.Errorf(codes.Unavailable, "not accepted: %v", err)
	}
	return &pluginv1.EmitResponse{Duplicate: dup}, nil
}

func (h *hostService) ReportStatus(_ context.Context, req *pluginv1.ReportStatusRequest) (*pluginv1.ReportStatusResponse, error) {
	st := pluginsdk.StatusFromWire(req.GetStatus())
	if !h.channels[st.Channel] {
		return nil, status.Errorf(codes.PermissionDenied, "plugin %s does not provide channel %q", h.id, st.Channel)
	}
	if h.status != nil {
		h.status.AccountStatus(h.id, st)
	}
	return &pluginv1.ReportStatusResponse{}, nil
}
