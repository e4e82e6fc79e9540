package plugintest

import (
	"context"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/openclaw-go/openclaw/pluginsdk"
	pluginv1 "github.com/openclaw-go/openclaw/proto/openclaw/plugin/v1"
)

// FakeHost is an in-memory gateway: it records what the plugin emits and
// reports, and keeps its key-value store.
type FakeHost struct {
	pluginv1.UnimplementedHostServiceServer

	emitted chan pluginsdk.InboundMessage

	mu       sync.Mutex
	seen     map[string]bool
	kv       map[string][]byte
	statuses map[string]pluginsdk.AccountStatus
	logs     []string
	// emitErr, when set, makes Emit fail: a gateway that cannot accept.
	emitErr error
}

// NewFakeHost returns an empty fake host.
func NewFakeHost() *FakeHost {
	return &FakeHost{
		emitted:  make(chan pluginsdk.InboundMessage, 1024),
		seen:     map[string]bool{},
		kv:       map[string][]byte{},
		statuses: map[string]pluginsdk.AccountStatus{},
	}
}

// FailEmits makes every Emit fail with err until called with nil.
func (f *FakeHost) FailEmits(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.emitErr = err
}

// NextEmit waits for the next accepted inbound message.
func (f *FakeHost) NextEmit(t testing.TB, timeout time.Duration) pluginsdk.InboundMessage {
	t.Helper()
	select {
	case m := <-f.emitted:
		return m
	case <-time.After(timeout):
		t.Fatalf("plugintest: no inbound message within %s", timeout)
		return pluginsdk.InboundMessage{}
	}
}

// Emitted is the stream of accepted inbound messages.
func (f *FakeHost) Emitted() <-chan pluginsdk.InboundMessage { return f.emitted }

// Status returns the last status an account reported.
func (f *FakeHost) Status(channel, account string) (pluginsdk.AccountStatus, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.statuses[channel+"/"+account]
	return s, ok
}

// KVSnapshot returns a copy of the plugin's key-value store.
func (f *FakeHost) KVSnapshot() map[string][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string][]byte, len(f.kv))
	for k, v := range f.kv {
		out[k] = append([]byte(nil), v...)
	}
	return out
}

// Logs returns the lines the plugin logged through the host.
func (f *FakeHost) Logs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.logs...)
}

func (f *FakeHost) Log(_ context.Context, req *pluginv1.LogRequest) (*pluginv1.LogResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logs = append(f.logs, req.GetLevel()+": "+req.GetMessage())
	return &pluginv1.LogResponse{}, nil
}

func (f *FakeHost) KVGet(_ context.Context, req *pluginv1.KVGetRequest) (*pluginv1.KVGetResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.kv[req.GetKey()]
	return &pluginv1.KVGetResponse{Value: v, Found: ok}, nil
}

func (f *FakeHost) KVSet(_ context.Context, req *pluginv1.KVSetRequest) (*pluginv1.KVSetResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.kv[req.GetKey()] = append([]byte(nil), req.GetValue()...)
	return &pluginv1.KVSetResponse{}, nil
}

func (f *FakeHost) KVDelete(_ context.Context, req *pluginv1.KVDeleteRequest) (*pluginv1.KVDeleteResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.kv, req.GetKey())
	return &pluginv1.KVDeleteResponse{}, nil
}

func (f *FakeHost) KVList(_ context.Context, req *pluginv1.KVListRequest) (*pluginv1.KVListResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var keys []string
	for k := range f.kv {
		if strings.HasPrefix(k, req.GetPrefix()) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return &pluginv1.KVListResponse{Keys: keys}, nil
}

func (f *FakeHost) Emit(_ context.Context, req *pluginv1.EmitRequest) (*pluginv1.EmitResponse, error) {
	m := pluginsdk.InboundFromWire(req.GetMessage())
	f.mu.Lock()
	if f.emitErr != nil {
		err := f.emitErr
		f.mu.Unlock()
		return nil, status.Error(codes.Unavailable, err.Error())
	}
	key := m.Channel + "/" + m.AccountID + "/" + m.PeerID + "/" + m.MessageID
	dup := f.seen[key]
	f.seen[key] = true
	f.mu.Unlock()
	if !dup {
		f.emitted <- m
	}
	return &pluginv1.EmitResponse{Duplicate: dup}, nil
}

func (f *FakeHost) ReportStatus(_ context.Context, req *pluginv1.ReportStatusRequest) (*pluginv1.ReportStatusResponse, error) {
	s := pluginsdk.StatusFromWire(req.GetStatus())
	f.mu.Lock()
	defer f.mu.Unlock()
	f.statuses[s.Channel+"/"+s.AccountID] = s
	return &pluginv1.ReportStatusResponse{}, nil
}
