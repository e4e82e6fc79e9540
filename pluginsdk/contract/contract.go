// Package contract is the go-plugin glue shared by the gateway and the SDK:
// the handshake, the protocol versions and the gRPC plumbing. Plugin authors
// use package pluginsdk instead; hosts and test harnesses use this package.
package contract

import (
	"context"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pluginv1 "github.com/openclaw-go/openclaw/proto/openclaw/plugin/v1"
)

// ProtocolVersion is the newest plugin protocol major this build speaks.
const ProtocolVersion = 1

// PluginName is the single name every protocol version dispenses. Kinds are
// told apart by GetMetadata, not by name, so one connection serves them all.
const PluginName = "openclaw"

// MaxMessageSize lifts gRPC's 4 MiB default, which go-plugin keeps on the
// plugin's server and which would reject a large tool result or media file.
const MaxMessageSize = 64 << 20

// Handshake is checked by go-plugin before anything else. The cookie is not a
// security measure; it tells a user who runs a plugin binary by hand what it is.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "OPENCLAW_PLUGIN",
	MagicCookieValue: "5d1c0a4e2b7f9e83c6a1d04f8b92e7c35a6f1d8e0b4c7a2f9d3e6b1c8a5f0e27",
}

// Services is what a plugin registers on its gRPC server. Nil members answer
// Unimplemented, which is how a host learns a kind is absent.
type Services struct {
	Plugin  pluginv1.PluginServiceServer
	Channel pluginv1.ChannelServiceServer
	Tool    pluginv1.ToolServiceServer
	Skill   pluginv1.SkillServiceServer
}

// Conn is what a host gets from Dispense: the connection to the plugin and
// the broker through which it serves the host service.
type Conn struct {
	Conn   *grpc.ClientConn
	Broker *plugin.GRPCBroker
}

// GRPCPlugin adapts Services to go-plugin. Hosts use it with nil Services.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Services Services
}

// GRPCServer registers the plugin's services.
func (p *GRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	if p.Services.Plugin != nil {
		pluginv1.RegisterPluginServiceServer(s, p.Services.Plugin)
	}
	if p.Services.Channel != nil {
		pluginv1.RegisterChannelServiceServer(s, p.Services.Channel)
	}
	if p.Services.Tool != nil {
		pluginv1.RegisterToolServiceServer(s, p.Services.Tool)
	}
	if p.Services.Skill != nil {
		pluginv1.RegisterSkillServiceServer(s, p.Services.Skill)
	}
	return nil
}

// GRPCClient returns a *Conn.
func (p *GRPCPlugin) GRPCClient(_ context.Context, broker *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &Conn{Conn: c, Broker: broker}, nil
}

// PluginSets maps each protocol major to the plugin set that speaks it.
func PluginSets(s Services) map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{
		1: {PluginName: &GRPCPlugin{Services: s}},
	}
}

// ServerOptions are the options every gRPC server in the contract uses, on
// either side of the connection.
func ServerOptions(opts ...grpc.ServerOption) []grpc.ServerOption {
	return append(opts, grpc.MaxRecvMsgSize(MaxMessageSize), grpc.MaxSendMsgSize(MaxMessageSize))
}

// NewServer builds a gRPC server with the contract's message limits. It fits
// go-plugin's ServeConfig.GRPCServer and GRPCBroker.AcceptAndServe.
func NewServer(opts []grpc.ServerOption) *grpc.Server {
	return grpc.NewServer(ServerOptions(opts...)...)
}

// DialOptions are added to the host's connection to a plugin.
func DialOptions() []grpc.DialOption {
	return []grpc.DialOption{grpc.WithDefaultCallOptions(
		grpc.MaxCallRecvMsgSize(MaxMessageSize),
		grpc.MaxCallSendMsgSize(MaxMessageSize),
	)}
}
