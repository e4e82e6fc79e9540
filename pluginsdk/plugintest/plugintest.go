// Package plugintest runs a plugin in-process against a fake gateway, over a
// real gRPC connection and broker, inside a normal `go test`.
//
//	h := plugintest.New(t, pluginsdk.Plugin{Manifest: manifest, Channel: ch})
//	h.Configure(t.Context(), `{}`)
//	h.StartAccount(t.Context(), "telegram", "default", `{"botToken":"…"}`)
//	msg := h.Host.NextEmit(t, 5*time.Second)
package plugintest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/openclaw-go/openclaw/pluginsdk"
	"github.com/openclaw-go/openclaw/pluginsdk/contract"
	pluginv1 "github.com/openclaw-go/openclaw/proto/openclaw/plugin/v1"
)

// Harness is a plugin served in-process and the fake host it talks to.
type Harness struct {
	Host *FakeHost

	conn    *contract.Conn
	plugin  pluginv1.PluginServiceClient
	channel pluginv1.ChannelServiceClient
	tool    pluginv1.ToolServiceClient
	skill   pluginv1.SkillServiceClient
	hostID  uint32
}

// New serves p in-process. The connection is closed when the test ends.
func New(t testing.TB, p pluginsdk.Plugin) *Harness {
	t.Helper()
	logger := hclog.New(&hclog.LoggerOptions{Name: "plugin", Level: hclog.Warn, Output: testWriter{t}})
	gp, err := pluginsdk.NewGRPCPlugin(p, logger)
	if err != nil {
		t.Fatalf("plugintest: %v", err)
	}
	client, _ := plugin.TestPluginGRPCConn(t, true, map[string]plugin.Plugin{contract.PluginName: gp})
	raw, err := client.Dispense(contract.PluginName)
	if err != nil {
		t.Fatalf("plugintest: dispense: %v", err)
	}
	conn := raw.(*contract.Conn)
	h := &Harness{
		Host:    NewFakeHost(),
		conn:    conn,
		plugin:  pluginv1.NewPluginServiceClient(conn.Conn),
		channel: pluginv1.NewChannelServiceClient(conn.Conn),
		tool:    pluginv1.NewToolServiceClient(conn.Conn),
		skill:   pluginv1.NewSkillServiceClient(conn.Conn),
	}
	// Stop the plugin's accounts before the connection closes, so nothing
	// it does after the test ends reaches a finished test's log.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Shutdown(ctx)
		_ = client.Close()
	})
	h.hostID = conn.Broker.NextId()
	go conn.Broker.AcceptAndServe(h.hostID, func(opts []grpc.ServerOption) *grpc.Server {
		s := contract.NewServer(opts)
		pluginv1.RegisterHostServiceServer(s, h.Host)
		return s
	})
	return h
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

var _ io.Writer = testWriter{}

// Metadata returns what the plugin reports about itself.
func (h *Harness) Metadata(ctx context.Context) (*pluginv1.GetMetadataResponse, error) {
	return h.plugin.GetMetadata(ctx, &pluginv1.GetMetadataRequest{})
}

// Configure hands the plugin its config section.
func (h *Harness) Configure(ctx context.Context, configJSON string) error {
	_, err := h.plugin.Configure(ctx, &pluginv1.ConfigureRequest{ConfigJson: configJSON, HostServiceId: h.hostID, GatewayVersion: "0.0.0-test"})
	return err
}

// Health asks the plugin for its health.
func (h *Harness) Health(ctx context.Context) (*pluginv1.HealthResponse, error) {
	return h.plugin.Health(ctx, &pluginv1.HealthRequest{})
}

// Shutdown asks the plugin to stop.
func (h *Harness) Shutdown(ctx context.Context) error {
	_, err := h.plugin.Shutdown(ctx, &pluginv1.ShutdownRequest{DeadlineMs: 5000})
	return err
}

// StartAccount starts one account with its config.
func (h *Harness) StartAccount(ctx context.Context, channel, account, configJSON string) error {
	_, err := h.channel.StartAccount(ctx, &pluginv1.StartAccountRequest{Channel: channel, AccountId: account, ConfigJson: configJSON})
	return err
}

// StopAccount stops one account.
func (h *Harness) StopAccount(ctx context.Context, channel, account string) error {
	_, err := h.channel.StopAccount(ctx, &pluginv1.StopAccountRequest{Channel: channel, AccountId: account})
	return err
}

// Send delivers a message through the plugin.
func (h *Harness) Send(ctx context.Context, msg pluginsdk.OutboundMessage) (pluginsdk.SendResult, error) {
	res, err := h.channel.Send(ctx, pluginsdk.OutboundToWire(msg))
	if err != nil {
		return pluginsdk.SendResult{}, err
	}
	return pluginsdk.SendResult{MessageIDs: res.GetMessageIds()}, nil
}

// React adds or removes a reaction through the plugin.
func (h *Harness) React(ctx context.Context, r pluginsdk.Reaction) error {
	_, err := h.channel.React(ctx, &pluginv1.ReactRequest{
		Channel: r.Channel, AccountId: r.AccountID, MessageId: r.MessageID, Emoji: r.Emoji, Remove: r.Remove,
		Target: &pluginv1.Target{Kind: pluginsdk.PeerKindToWire(r.Target.Kind), Id: r.Target.ID},
	})
	return err
}

// Probe checks an account.
func (h *Harness) Probe(ctx context.Context, channel, account string) (*pluginv1.ProbeResponse, error) {
	return h.channel.Probe(ctx, &pluginv1.ProbeRequest{Channel: channel, AccountId: account})
}

// Status lists the plugin's account statuses.
func (h *Harness) Status(ctx context.Context) ([]pluginsdk.AccountStatus, error) {
	res, err := h.channel.Status(ctx, &pluginv1.StatusRequest{})
	if err != nil {
		return nil, err
	}
	out := make([]pluginsdk.AccountStatus, 0, len(res.GetAccounts()))
	for _, a := range res.GetAccounts() {
		out = append(out, pluginsdk.StatusFromWire(a))
	}
	return out, nil
}

// Tools lists the plugin's tools.
func (h *Harness) Tools(ctx context.Context) ([]pluginsdk.ToolSpec, error) {
	res, err := h.tool.ListTools(ctx, &pluginv1.ListToolsRequest{})
	if err != nil {
		return nil, err
	}
	out := make([]pluginsdk.ToolSpec, 0, len(res.GetTools()))
	for _, t := range res.GetTools() {
		out = append(out, pluginsdk.ToolSpec{Name: t.GetName(), Description: t.GetDescription(), Parameters: json.RawMessage(t.GetParametersJsonSchema()), Groups: t.GetGroups()})
	}
	return out, nil
}

// Invoke calls a tool and collects its progress and result.
func (h *Harness) Invoke(ctx context.Context, call pluginsdk.ToolCall) (pluginsdk.ToolResult, []pluginsdk.ToolProgress, error) {
	req := &pluginv1.InvokeRequest{
		Tool: call.Tool, CallId: call.CallID, ArgumentsJson: string(call.Arguments), TimeoutMs: call.Timeout.Milliseconds(),
		Context: &pluginv1.InvocationContext{
			AgentId: call.Context.AgentID, SessionKey: call.Context.SessionKey, WorkspaceDir: call.Context.WorkspaceDir,
			Channel: call.Context.Channel, SenderId: call.Context.SenderID, Elevated: call.Context.Elevated,
			WorkspaceAccess: call.Context.WorkspaceAccess, ToolConfigJson: string(call.Context.ToolConfig),
		},
	}
	stream, err := h.tool.Invoke(ctx, req)
	if err != nil {
		return pluginsdk.ToolResult{}, nil, err
	}
	var progress []pluginsdk.ToolProgress
	for {
		ev, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return pluginsdk.ToolResult{}, progress, errors.New("tool stream ended without a result")
		}
		if err != nil {
			return pluginsdk.ToolResult{}, progress, err
		}
		if p := ev.GetProgress(); p != nil {
			progress = append(progress, pluginsdk.ToolProgress{Message: p.GetMessage(), OutputChunk: p.GetOutputChunk()})
			continue
		}
		if r := ev.GetResult(); r != nil {
			return pluginsdk.ToolResult{Content: r.GetContent(), IsError: r.GetIsError(), Details: json.RawMessage(r.GetDetailsJson()), Media: pluginsdk.MediaFromWire(r.GetMedia())}, progress, nil
		}
		return pluginsdk.ToolResult{}, progress, fmt.Errorf("unexpected tool event %T", ev.GetEvent())
	}
}

// Skills lists the plugin's skills.
func (h *Harness) Skills(ctx context.Context) ([]pluginsdk.Skill, error) {
	res, err := h.skill.ListSkills(ctx, &pluginv1.ListSkillsRequest{})
	if err != nil {
		return nil, err
	}
	out := make([]pluginsdk.Skill, 0, len(res.GetSkills()))
	for _, s := range res.GetSkills() {
		out = append(out, pluginsdk.Skill{Name: s.GetName(), SkillMD: s.GetSkillMd(), Files: s.GetFiles(), RequiredTools: s.GetRequiredTools()})
	}
	return out, nil
}

// CheckTools checks that the plugin lists exactly the tools its manifest
// names, in order, each with a JSON Schema object for its parameters and
// in every policy group given.
func (h *Harness) CheckTools(t testing.TB, manifestJSON []byte, groups ...string) {
	t.Helper()
	var m struct {
		Tools []string `json:"tools"`
	}
	if err := json.Unmarshal(manifestJSON, &m); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	specs, err := h.Tools(context.Background())
	if err != nil {
		t.Fatalf("list tools: %v", err)
	}
	var names []string
	for _, s := range specs {
		names = append(names, s.Name)
		for _, g := range groups {
			if !slices.Contains(s.Groups, g) {
				t.Errorf("tool %s groups = %v, want %s among them", s.Name, s.Groups, g)
			}
		}
		var schema map[string]any
		if err := json.Unmarshal(s.Parameters, &schema); err != nil || schema["type"] != "object" {
			t.Errorf("tool %s: parameters are not a JSON Schema object: %v", s.Name, err)
		}
	}
	if !slices.Equal(names, m.Tools) {
		t.Errorf("tools %v, manifest says %v", names, m.Tools)
	}
}
