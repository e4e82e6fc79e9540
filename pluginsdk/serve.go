// Package pluginsdk is the Go SDK for OpenClaw plugins. A plugin implements
// plain Go interfaces (Channel, ToolProvider, SkillProvider) and calls Serve;
// the SDK handles go-plugin, gRPC, the handshake and logging.
//
//	//go:embed openclaw.plugin.json
//	var manifest []byte
//
//	func main() {
//		pluginsdk.Serve(pluginsdk.Plugin{Manifest: manifest, Tools: myTools{}})
//	}
package pluginsdk

import (
	"fmt"
	"os"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"

	"github.com/openclaw-go/openclaw/pluginsdk/contract"
)

// Serve runs the plugin until the gateway stops it. It never returns
// normally; a plugin started by hand prints what it is and exits.
func Serve(p Plugin) {
	d, err := describe(p)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Logs go to stderr as JSON: go-plugin forwards them to the gateway's
	// log under the plugin's name. Stdout belongs to the handshake.
	logger := hclog.New(&hclog.LoggerOptions{
		Name:       d.manifest.ID,
		Level:      hclog.LevelFromString(envOr("OPENCLAW_PLUGIN_LOG_LEVEL", "info")),
		Output:     os.Stderr,
		JSONFormat: true,
	})
	go watchParent(os.Getppid(), time.Second)
	gp := &grpcPlugin{p: d, logger: logger}
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  contract.Handshake,
		VersionedPlugins: map[int]plugin.PluginSet{contract.ProtocolVersion: {contract.PluginName: gp}},
		GRPCServer:       contract.NewServer,
		Logger:           logger,
	})
	if gp.srv != nil {
		gp.srv.closeHost()
	}
}

// watchParent ends the plugin when the gateway that started it is gone.
// Linux also gets a parent-death signal from the host; this covers the
// platforms that have none.
func watchParent(ppid int, every time.Duration) {
	if ppid <= 1 {
		return
	}
	for range time.Tick(every) {
		if os.Getppid() != ppid {
			os.Exit(0)
		}
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// NewGRPCPlugin returns the go-plugin form of p, for harnesses that serve a
// plugin in-process (pluginsdk/plugintest). Plugins call Serve instead.
func NewGRPCPlugin(p Plugin, logger hclog.Logger) (plugin.Plugin, error) {
	d, err := describe(p)
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	return &grpcPlugin{p: d, logger: logger}, nil
}
