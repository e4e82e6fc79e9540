// Package toolstest serves fake tool plugins in-process over real gRPC, so
// tests of the registry and the agent can call tools, watch the invocation
// context arrive, and kill a plugin in the middle of a call.
package toolstest

import (
	"context"
	"encoding/json"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	"github.com/openclaw-go/openclaw/core/pluginhost"
	pluginv1 "github.com/openclaw-go/openclaw/proto/openclaw/plugin/v1"
)

// Tool is one fake tool.
type Tool struct {
	Name        string
	Description string
	Parameters  string
	Groups      []string
	// Run answers a call; nil answers with the call's arguments.
	Run func(ctx context.Context, req *pluginv1.InvokeRequest, progress func(string)) (*pluginv1.ToolResult, error)
}

// Plugin is a fake tool plugin served in-process.
type Plugin struct {
	ID string

	mu       sync.Mutex
	running  *pluginhost.Running
	srv      *grpc.Server
	conn     *grpc.ClientConn
	calls    []*pluginv1.InvokeRequest
	lists    int
	inflight chan string
}

// New serves tools as plugin id. It is stopped when the test ends.
func New(t testing.TB, id string, tools ...Tool) *Plugin {
	t.Helper()
	p := &Plugin{ID: id, inflight: make(chan string, 64)}
	p.start(t, tools)
	t.Cleanup(p.Kill)
	return p
}

func (p *Plugin) start(t testing.TB, tools []Tool) {
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer()
	pluginv1.RegisterToolServiceServer(srv, &server{p: p, tools: tools})
	go func() { _ = srv.Serve(lis) }()
	conn, err := grpc.NewClient("passthrough:///"+p.ID,
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatalf("toolstest: dial: %v", err)
	}
	p.srv, p.conn = srv, conn
	p.running = &pluginhost.Running{
		ID:       p.ID,
		Metadata: &pluginv1.GetMetadataResponse{Id: p.ID, Kinds: []string{"tool"}},
		Tool:     pluginv1.NewToolServiceClient(conn),
		Pid:      int(time.Now().UnixNano() & 0x7fffffff),
		Started:  time.Now(),
	}
}

// Running is the plugin as pluginhost reports it; nil after Kill.
func (p *Plugin) Running() *pluginhost.Running {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.running
}

// Kill stops the plugin at once, breaking calls in progress, as a crashed
// process would.
func (p *Plugin) Kill() {
	p.mu.Lock()
	srv, conn := p.srv, p.conn
	p.running = nil
	p.mu.Unlock()
	if srv != nil {
		srv.Stop()
	}
	if conn != nil {
		_ = conn.Close()
	}
}

// Calls returns the invocations received so far.
func (p *Plugin) Calls() []*pluginv1.InvokeRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*pluginv1.InvokeRequest(nil), p.calls...)
}

// Lists counts ListTools calls.
func (p *Plugin) Lists() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lists
}

// Started receives the name of each tool as its call begins.
func (p *Plugin) Started() <-chan string { return p.inflight }

// Source is a set of fake plugins, as tools.PluginSource.
type Source []*Plugin

// Running lists the plugins not killed.
func (s Source) Running() []*pluginhost.Running {
	var out []*pluginhost.Running
	for _, p := range s {
		if r := p.Running(); r != nil {
			out = append(out, r)
		}
	}
	return out
}

type server struct {
	pluginv1.UnimplementedToolServiceServer
	p     *Plugin
	tools []Tool
}

func (s *server) ListTools(context.Context, *pluginv1.ListToolsRequest) (*pluginv1.ListToolsResponse, error) {
	s.p.mu.Lock()
	s.p.lists++
	s.p.mu.Unlock()
	resp := &pluginv1.ListToolsResponse{}
	for _, t := range s.tools {
		params := t.Parameters
		if params == "" {
			params = `{"type":"object"}`
		}
		resp.Tools = append(resp.Tools, &pluginv1.ToolSpec{Name: t.Name, Description: t.Description, ParametersJsonSchema: params, Groups: t.Groups})
	}
	return resp, nil
}

func (s *server) Invoke(req *pluginv1.InvokeRequest, stream grpc.ServerStreamingServer[pluginv1.InvokeResponse]) error {
	s.p.mu.Lock()
	s.p.calls = append(s.p.calls, req)
	s.p.mu.Unlock()
	select {
	case s.p.inflight <- req.GetTool():
	default:
	}
	for _, t := range s.tools {
		if t.Name != req.GetTool() {
			continue
		}
		progress := func(msg string) {
			_ = stream.Send(&pluginv1.InvokeResponse{Event: &pluginv1.InvokeResponse_Progress{Progress: &pluginv1.ToolProgress{Message: msg}}})
		}
		var res *pluginv1.ToolResult
		var err error
		if t.Run != nil {
			res, err = t.Run(stream.Context(), req, progress)
		} else {
			res = &pluginv1.ToolResult{Content: req.GetArgumentsJson()}
		}
		if err != nil {
			return err
		}
		return stream.Send(&pluginv1.InvokeResponse{Event: &pluginv1.InvokeResponse_Result{Result: res}})
	}
	b, _ := json.Marshal("unknown tool " + req.GetTool())
	return stream.Send(&pluginv1.InvokeResponse{Event: &pluginv1.InvokeResponse_Result{Result: &pluginv1.ToolResult{Content: string(b), IsError: true}}})
}

// Block is a Run that reports it started and then waits until the call is
// cancelled or the plugin is killed.
func Block(ctx context.Context, _ *pluginv1.InvokeRequest, progress func(string)) (*pluginv1.ToolResult, error) {
	progress("working")
	<-ctx.Done()
	return nil, ctx.Err()
}
