package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/openclaw-go/openclaw/core/pluginhost"
	pluginv1 "github.com/openclaw-go/openclaw/proto/openclaw/plugin/v1"
)

// PluginSource lists the plugins running now; *pluginhost.Host is one.
type PluginSource interface {
	Running() []*pluginhost.Running
}

// Options configure a Registry.
type Options struct {
	// Plugins supplies tool plugins; nil means core tools only.
	Plugins PluginSource
	Logger  hclog.Logger
	// CallTimeout bounds a call that sets no timeout of its own; 10
	// minutes when zero.
	CallTimeout time.Duration
	// ListTimeout bounds asking one plugin for its tools; 10 s when zero.
	ListTimeout time.Duration
	// ToolConfig returns the tools.* config a plugin tool should see (its
	// section of openclaw.json as JSON); nil sends "{}".
	ToolConfig func(tool Tool, inv Invocation) string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// listRetry is how long a plugin whose ListTools failed is left alone
// before it is asked again, so a broken plugin cannot slow every turn.
const listRetry = 30 * time.Second

// Registry holds the tools the agent can call. It is safe for concurrent
// use.
type Registry struct {
	opts Options
	log  hclog.Logger

	mu        sync.Mutex
	core      map[string]CoreTool
	providers []Provider
	plugins   map[string]*pluginTools // by plugin id
}

// pluginTools is what one plugin process serves. A restarted plugin is a
// new process (new pid and start time) and is listed again.
type pluginTools struct {
	pid      int
	started  time.Time
	client   pluginv1.ToolServiceClient
	tools    []Tool
	failedAt time.Time
	err      error
}

// New returns an empty registry.
func New(opts Options) *Registry {
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = 10 * time.Minute
	}
	if opts.ListTimeout <= 0 {
		opts.ListTimeout = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Registry{opts: opts, log: opts.Logger, core: map[string]CoreTool{}, plugins: map[string]*pluginTools{}}
}

// Register adds a core tool. Core tools win over plugin tools of the same
// name.
func (r *Registry) Register(t CoreTool) error {
	switch {
	case !ValidName(t.Name):
		return fmt.Errorf("register tool %q: a name needs 1-64 letters, digits, '_' or '-'", t.Name)
	case t.Run == nil:
		return fmt.Errorf("register tool %q: Run is nil", t.Name)
	case len(t.Parameters) > 0 && !json.Valid(t.Parameters):
		return fmt.Errorf("register tool %q: parameters are not valid JSON", t.Name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.core[t.Name]; dup {
		return fmt.Errorf("register tool %q: already registered", t.Name)
	}
	t.Plugin = ""
	r.core[t.Name] = t
	return nil
}

// List returns every tool: core tools, then the tools of each running tool
// plugin, sorted by name. A plugin that cannot be listed is left out and
// logged; List itself does not fail.
func (r *Registry) List(ctx context.Context) []Tool {
	r.refresh(ctx)
	provided := r.provided(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Tool, 0, len(r.core)+len(provided))
	seen := make(map[string]string, len(r.core)+len(provided))
	for name, t := range r.core {
		out = append(out, t.Tool)
		seen[name] = "core"
	}
	for _, t := range provided {
		if _, dup := seen[t.Name]; dup {
			continue
		}
		seen[t.Name] = t.Plugin
		out = append(out, t.Tool)
	}
	ids := make([]string, 0, len(r.plugins))
	for id := range r.plugins {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		for _, t := range r.plugins[id].tools {
			if _, dup := seen[t.Name]; dup {
				continue
			}
			seen[t.Name] = id
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// refresh lists the tools of plugins that started since the last look and
// forgets plugins that stopped.
func (r *Registry) refresh(ctx context.Context) {
	if r.opts.Plugins == nil {
		return
	}
	running := r.opts.Plugins.Running()
	live := make(map[string]bool, len(running))
	for _, p := range running {
		if p == nil || p.Tool == nil || !p.HasKind("tool") {
			continue
		}
		live[p.ID] = true
		r.mu.Lock()
		cached := r.plugins[p.ID]
		r.mu.Unlock()
		if cached != nil && cached.pid == p.Pid && cached.started.Equal(p.Started) &&
			(cached.err == nil || r.opts.Now().Sub(cached.failedAt) < listRetry) {
			continue
		}
		entry := r.listPlugin(ctx, p)
		r.mu.Lock()
		r.plugins[p.ID] = entry
		r.mu.Unlock()
	}
	r.mu.Lock()
	for id := range r.plugins {
		if !live[id] {
			delete(r.plugins, id)
		}
	}
	r.mu.Unlock()
}

func (r *Registry) listPlugin(ctx context.Context, p *pluginhost.Running) *pluginTools {
	entry := &pluginTools{pid: p.Pid, started: p.Started, client: p.Tool}
	lctx, cancel := context.WithTimeout(ctx, r.opts.ListTimeout)
	defer cancel()
	resp, err := p.Tool.ListTools(lctx, &pluginv1.ListToolsRequest{})
	if err != nil {
		entry.err, entry.failedAt = err, r.opts.Now()
		r.log.Warn("cannot list plugin tools; its tools are unavailable", "plugin", p.ID, "error", err)
		return entry
	}
	r.mu.Lock()
	core := make(map[string]bool, len(r.core))
	for name := range r.core {
		core[name] = true
	}
	r.mu.Unlock()
	for _, spec := range resp.GetTools() {
		name := spec.GetName()
		switch {
		case !ValidName(name):
			r.log.Warn("plugin tool has an invalid name; skipped", "plugin", p.ID, "tool", name)
			continue
		case core[name]:
			r.log.Warn("plugin tool shadowed by a core tool of the same name", "plugin", p.ID, "tool", name)
			continue
		}
		params := json.RawMessage(spec.GetParametersJsonSchema())
		if len(params) > 0 && !json.Valid(params) {
			r.log.Warn("plugin tool has an invalid parameter schema; skipped", "plugin", p.ID, "tool", name)
			continue
		}
		entry.tools = append(entry.tools, Tool{
			Name: name, Description: spec.GetDescription(), Parameters: params,
			Groups: spec.GetGroups(), Plugin: p.ID,
		})
	}
	r.log.Debug("listed plugin tools", "plugin", p.ID, "pid", p.Pid, "tools", len(entry.tools))
	return entry
}

// owner finds the core tool or plugin serving name.
func (r *Registry) owner(name string) (core *CoreTool, plugin *pluginTools, tool Tool, pluginID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t, ok := r.core[name]; ok {
		return &t, nil, t.Tool, ""
	}
	ids := make([]string, 0, len(r.plugins))
	for id := range r.plugins {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		for _, t := range r.plugins[id].tools {
			if t.Name == name {
				return nil, r.plugins[id], t, id
			}
		}
	}
	return nil, nil, Tool{}, ""
}

// Invoke runs a call and returns its result. It never fails: an unknown
// tool, a timeout, a cancelled turn, a tool error or a plugin that died
// during the call all come back as error results for the model to read.
func (r *Registry) Invoke(ctx context.Context, call Call, progress func(Progress)) Result {
	if progress == nil {
		progress = func(Progress) {}
	}
	core, plugin, tool, pluginID := r.owner(call.Name)
	if core == nil {
		if t, ok := r.providedTool(ctx, call.Name); ok {
			core, plugin, tool, pluginID = &t, nil, t.Tool, t.Plugin
		}
	}
	if core == nil && plugin == nil {
		r.refresh(ctx)
		core, plugin, tool, pluginID = r.owner(call.Name)
	}
	timeout := call.Timeout
	if timeout <= 0 {
		timeout = r.opts.CallTimeout
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := r.opts.Now()
	var res Result
	switch {
	case core != nil:
		res = r.invokeCore(cctx, *core, call, progress)
	case plugin != nil:
		res = r.invokePlugin(cctx, pluginID, plugin, tool, call, progress)
	default:
		return errorResult("Unknown tool %q: it is not provided by the gateway or any running plugin.", call.Name)
	}
	if res.IsError {
		switch {
		case ctx.Err() != nil:
			res = errorResult("Tool %s was cancelled before it finished.", call.Name)
		case cctx.Err() == context.DeadlineExceeded || deadlineNear(cctx):
			// The plugin enforces the same deadline and may end the
			// call a hair before our own timer fires.
			res = errorResult("Tool %s timed out after %s.", call.Name, timeout.Round(time.Millisecond))
		}
	}
	r.log.Debug("tool call", "tool", call.Name, "plugin", pluginID, "error", res.IsError, "duration", r.opts.Now().Sub(start))
	return res
}

// deadlineNear reports whether ctx's deadline has passed or is about to.
func deadlineNear(ctx context.Context) bool {
	dl, ok := ctx.Deadline()
	return ok && time.Until(dl) < 10*time.Millisecond
}

func (r *Registry) invokeCore(ctx context.Context, t CoreTool, call Call, progress func(Progress)) (res Result) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("core tool panicked", "tool", call.Name, "panic", p, "stack", string(debug.Stack()))
			res = errorResult("Tool %s failed with an internal error.", call.Name)
		}
	}()
	res, err := t.Run(ctx, call, progress)
	if err != nil {
		return errorResult("Tool %s failed: %v", call.Name, err)
	}
	return res
}

func (r *Registry) invokePlugin(ctx context.Context, pluginID string, p *pluginTools, tool Tool, call Call, progress func(Progress)) Result {
	req := &pluginv1.InvokeRequest{
		Tool:          call.Name,
		CallId:        call.ID,
		ArgumentsJson: call.Arguments,
		Context: &pluginv1.InvocationContext{
			AgentId:         call.Context.AgentID,
			SessionKey:      call.Context.SessionKey,
			WorkspaceDir:    call.Context.WorkspaceDir,
			Channel:         call.Context.Channel,
			SenderId:        call.Context.SenderID,
			Elevated:        call.Context.Elevated,
			WorkspaceAccess: call.Context.WorkspaceAccess,
			ToolConfigJson:  "{}",
		},
	}
	if req.Context.WorkspaceAccess == "" {
		req.Context.WorkspaceAccess = "rw"
	}
	if r.opts.ToolConfig != nil {
		if cfg := r.opts.ToolConfig(tool, call.Context); cfg != "" {
			req.Context.ToolConfigJson = cfg
		}
	}
	if dl, ok := ctx.Deadline(); ok {
		req.TimeoutMs = max(1, time.Until(dl).Milliseconds())
	}
	stream, err := p.client.Invoke(ctx, req)
	if err != nil {
		return r.pluginFailure(ctx, pluginID, p, call.Name, err)
	}
	for {
		ev, err := stream.Recv()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return errorResult("Tool %s failed: plugin %s ended the call without a result.", call.Name, pluginID)
			}
			return r.pluginFailure(ctx, pluginID, p, call.Name, err)
		}
		if pr := ev.GetProgress(); pr != nil {
			progress(Progress{Message: pr.GetMessage(), Output: pr.GetOutputChunk()})
			continue
		}
		if res := ev.GetResult(); res != nil {
			out := Result{Content: res.GetContent(), IsError: res.GetIsError()}
			if d := res.GetDetailsJson(); d != "" && json.Valid([]byte(d)) {
				out.Details = json.RawMessage(d)
			}
			for _, m := range res.GetMedia() {
				out.Media = append(out.Media, Media{URL: m.GetUrl(), MimeType: m.GetMimeType(), FileName: m.GetFileName(), Kind: m.GetKind(), Data: m.GetData()})
			}
			return out
		}
	}
}

// pluginFailure explains a call that broke off. A plugin that went away
// (crashed, killed, restarting) is forgotten so its next process is listed
// afresh.
func (r *Registry) pluginFailure(ctx context.Context, pluginID string, p *pluginTools, tool string, err error) Result {
	if ctx.Err() != nil {
		return errorResult("Tool %s was stopped: %v", tool, ctx.Err())
	}
	st, _ := status.FromError(err)
	switch st.Code() {
	case codes.Unavailable, codes.Canceled, codes.Aborted, codes.Unknown, codes.Internal:
		// Our context is alive, so a cancelled call means the plugin's
		// connection was torn down under it.
		if st.Code() == codes.Unavailable || st.Code() == codes.Canceled || strings.Contains(st.Message(), "transport") ||
			strings.Contains(st.Message(), "EOF") || strings.Contains(st.Message(), "connection is closing") {
			r.forget(pluginID, p)
			r.log.Warn("tool plugin went away during a call", "plugin", pluginID, "tool", tool, "error", err)
			return errorResult("Tool %s failed: plugin %s stopped while running it (%s). It may be restarting; you can try again.", tool, pluginID, st.Message())
		}
	}
	r.log.Warn("tool call failed", "plugin", pluginID, "tool", tool, "error", err)
	return errorResult("Tool %s failed: %s", tool, st.Message())
}

func (r *Registry) forget(pluginID string, p *pluginTools) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.plugins[pluginID] == p {
		delete(r.plugins, pluginID)
	}
}
