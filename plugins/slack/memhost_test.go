package main

import (
	"context"
	"sync"

	hclog "github.com/hashicorp/go-hclog"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

// memHost is an in-memory pluginsdk.Host for tests that drive an account
// directly, without the gRPC harness.
type memHost struct {
	mu   sync.Mutex
	fail error
	msgs []pluginsdk.InboundMessage
	seen map[string]bool
}

func (h *memHost) Emit(_ context.Context, m pluginsdk.InboundMessage) (bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fail != nil {
		return false, h.fail
	}
	if h.seen == nil {
		h.seen = map[string]bool{}
	}
	key := m.PeerID + "/" + m.MessageID
	if h.seen[key] {
		return true, nil
	}
	h.seen[key] = true
	h.msgs = append(h.msgs, m)
	return false, nil
}

func (h *memHost) emitted() []pluginsdk.InboundMessage {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]pluginsdk.InboundMessage(nil), h.msgs...)
}

func (h *memHost) ReportStatus(context.Context, pluginsdk.AccountStatus) error { return nil }
func (h *memHost) KV() pluginsdk.KV                                            { return nil }
func (h *memHost) Logger() hclog.Logger                                        { return hclog.NewNullLogger() }
