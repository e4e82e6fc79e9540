package pluginsdk

import (
	"context"
	"fmt"

	hclog "github.com/hashicorp/go-hclog"

	pluginv1 "github.com/openclaw-go/openclaw/proto/openclaw/plugin/v1"
)

// hostClient is the Host a plugin gets, backed by the brokered HostService.
type hostClient struct {
	c      pluginv1.HostServiceClient
	logger hclog.Logger
	status *statusBook
}

func (h *hostClient) Emit(ctx context.Context, msg InboundMessage) (bool, error) {
	res, err := h.c.Emit(ctx, &pluginv1.EmitRequest{Message: InboundToWire(msg)})
	if err != nil {
		return false, fmt.Errorf("emit inbound message %s: %w", msg.MessageID, err)
	}
	h.status.touchInbound(msg.Channel, msg.AccountID)
	return res.GetDuplicate(), nil
}

func (h *hostClient) ReportStatus(ctx context.Context, s AccountStatus) error {
	s = h.status.merge(s)
	if _, err := h.c.ReportStatus(ctx, &pluginv1.ReportStatusRequest{Status: StatusToWire(s)}); err != nil {
		return fmt.Errorf("report status: %w", err)
	}
	return nil
}

func (h *hostClient) KV() KV { return kvClient{h.c} }

func (h *hostClient) Logger() hclog.Logger { return h.logger }

type kvClient struct{ c pluginv1.HostServiceClient }

func (k kvClient) Get(ctx context.Context, key string) ([]byte, bool, error) {
	res, err := k.c.KVGet(ctx, &pluginv1.KVGetRequest{Key: key})
	if err != nil {
		return nil, false, fmt.Errorf("kv get %q: %w", key, err)
	}
	return res.GetValue(), res.GetFound(), nil
}

func (k kvClient) Set(ctx context.Context, key string, value []byte) error {
	if _, err := k.c.KVSet(ctx, &pluginv1.KVSetRequest{Key: key, Value: value}); err != nil {
		return fmt.Errorf("kv set %q: %w", key, err)
	}
	return nil
}

func (k kvClient) Delete(ctx context.Context, key string) error {
	if _, err := k.c.KVDelete(ctx, &pluginv1.KVDeleteRequest{Key: key}); err != nil {
		return fmt.Errorf("kv delete %q: %w", key, err)
	}
	return nil
}

func (k kvClient) List(ctx context.Context, prefix string) ([]string, error) {
	res, err := k.c.KVList(ctx, &pluginv1.KVListRequest{Prefix: prefix})
	if err != nil {
		return nil, fmt.Errorf("kv list %q: %w", prefix, err)
	}
	return res.GetKeys(), nil
}
