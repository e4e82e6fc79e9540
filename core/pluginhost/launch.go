package pluginhost

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/openclaw-go/openclaw/core/plugincatalog"
	"github.com/openclaw-go/openclaw/pluginsdk/contract"
	pluginv1 "github.com/openclaw-go/openclaw/proto/openclaw/plugin/v1"
)

// Running is a started plugin: its process and typed clients.
type Running struct {
	ID       string
	Metadata *pluginv1.GetMetadataResponse
	Plugin   pluginv1.PluginServiceClient
	Channel  pluginv1.ChannelServiceClient
	Tool     pluginv1.ToolServiceClient
	Skill    pluginv1.SkillServiceClient
	Pid      int
	Started  time.Time

	client *plugin.Client
}

// HasKind reports whether the running plugin implements kind.
func (r *Running) HasKind(kind string) bool { return slices.Contains(r.Metadata.GetKinds(), kind) }

// ErrIntegrity marks a binary whose hash does not match its install record.
// Restarting cannot fix it, so the plugin is parked at once.
var ErrIntegrity = errors.New("plugin binary does not match its install record")

// envAllowed are the only host variables a plugin inherits: enough to run
// programs and format dates, nothing that carries secrets.
var envAllowed = []string{"PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "SSL_CERT_FILE", "SSL_CERT_DIR"}

// launchSpec is everything needed to start one plugin process.
type launchSpec struct {
	entry        *plugincatalog.Entry
	logger       hclog.Logger
	startTimeout time.Duration
	env          map[string]string
	logLevel     string
	host         *hostService
	config       func() (configJSON string, secrets map[string]string)
	gatewayVer   string
}

// launch starts the plugin, checks it is what its manifest says, serves it
// the host service and configures it. Any failure after the process started
// kills it: an unconfigured plugin must not linger.
func launch(ctx context.Context, spec launchSpec) (*Running, error) {
	r, conn, err := startProcess(ctx, spec)
	if err != nil {
		return nil, err
	}
	callCtx, cancel := context.WithTimeout(ctx, spec.startTimeout)
	defer cancel()
	hostID := conn.Broker.NextId()
	go conn.Broker.AcceptAndServe(hostID, func(opts []grpc.ServerOption) *grpc.Server {
		s := contract.NewServer(opts)
		pluginv1.RegisterHostServiceServer(s, spec.host)
		return s
	})
	cfgJSON, secrets := spec.config()
	if _, err := r.Plugin.Configure(callCtx, &pluginv1.ConfigureRequest{
		ConfigJson: cfgJSON, Secrets: secrets, HostServiceId: hostID,
		GatewayVersion: spec.gatewayVer, LogLevel: spec.logLevel,
	}); err != nil {
		r.client.Kill()
		return nil, fmt.Errorf("plugin %s: configure: %w", spec.entry.ID, err)
	}
	return r, nil
}

// Probe starts a plugin build once and stops it again: the binary's hash
// is checked before exec, the handshake must succeed and the metadata the
// plugin reports must match its manifest. An installer uses it to refuse a
// build that cannot start before the build replaces one that can. It
// returns the plugin's metadata; a nil logger discards the plugin's output.
func Probe(ctx context.Context, e *plugincatalog.Entry, logger hclog.Logger, timeout time.Duration) (*pluginv1.GetMetadataResponse, error) {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	r, _, err := startProcess(ctx, launchSpec{entry: e, logger: logger, startTimeout: timeout})
	if err != nil {
		return nil, err
	}
	r.client.Kill()
	killGroup(r.Pid)
	return r.Metadata, nil
}

// startProcess execs the plugin after go-plugin checked its hash, completes
// the handshake and cross-checks its metadata with the manifest. The plugin
// is not configured yet; on error nothing is left running.
func startProcess(ctx context.Context, spec launchSpec) (r *Running, conn *contract.Conn, err error) {
	e := spec.entry
	want, err := hex.DecodeString(e.SHA256)
	if err != nil || len(want) != sha256.Size {
		return nil, nil, fmt.Errorf("%w: no valid SHA-256 recorded for %s", ErrIntegrity, e.Executable)
	}
	// go-plugin hashes the binary right before exec (SecureConfig); hashing
	// it here as well would double the start cost of a large binary.
	cmd := exec.Command(e.Executable)
	cmd.Dir = e.Dir
	cmd.Env = pluginEnv(spec.env, spec.logLevel)
	isolate(cmd)

	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:     contract.Handshake,
		VersionedPlugins:    contract.PluginSets(contract.Services{}),
		Cmd:                 cmd,
		SecureConfig:        &plugin.SecureConfig{Checksum: want, Hash: sha256.New()},
		AllowedProtocols:    []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:            true,
		GRPCBrokerMultiplex: true,
		GRPCDialOptions:     contract.DialOptions(),
		SkipHostEnv:         true,
		StartTimeout:        spec.startTimeout,
		Logger:              spec.logger,
		PluginLogBufferSize: 256 << 10,
	})
	defer func() {
		if err != nil {
			client.Kill()
		}
	}()
	proto, err := client.Client()
	if err != nil {
		if errors.Is(err, plugin.ErrChecksumsDoNotMatch) || strings.Contains(err.Error(), "checksums did not match") {
			got, _ := plugincatalog.FileSHA256(e.Executable)
			return nil, nil, fmt.Errorf("%w: %s has SHA-256 %s, expected %s (was the file changed after install?)", ErrIntegrity, e.Executable, got, e.SHA256)
		}
		return nil, nil, fmt.Errorf("start plugin %s: %w", e.ID, err)
	}
	raw, err := proto.Dispense(contract.PluginName)
	if err != nil {
		return nil, nil, fmt.Errorf("start plugin %s: %w", e.ID, err)
	}
	conn, ok := raw.(*contract.Conn)
	if !ok {
		return nil, nil, fmt.Errorf("start plugin %s: unexpected client %T", e.ID, raw)
	}
	r = &Running{
		ID:      e.ID,
		Plugin:  pluginv1.NewPluginServiceClient(conn.Conn),
		Channel: pluginv1.NewChannelServiceClient(conn.Conn),
		Tool:    pluginv1.NewToolServiceClient(conn.Conn),
		Skill:   pluginv1.NewSkillServiceClient(conn.Conn),
		Started: time.Now(),
		client:  client,
	}
	if rc := client.ReattachConfig(); rc != nil {
		r.Pid = rc.Pid
	}

	callCtx, cancel := context.WithTimeout(ctx, spec.startTimeout)
	defer cancel()
	meta, err := r.Plugin.GetMetadata(callCtx, &pluginv1.GetMetadataRequest{})
	if err != nil {
		return nil, nil, fmt.Errorf("plugin %s: metadata: %w", e.ID, err)
	}
	if err := crossCheck(e, meta, client.NegotiatedVersion()); err != nil {
		return nil, nil, err
	}
	r.Metadata = meta
	return r, conn, nil
}

// crossCheck refuses a plugin whose running self disagrees with the
// manifest the gateway read before starting it.
func crossCheck(e *plugincatalog.Entry, meta *pluginv1.GetMetadataResponse, negotiated int) error {
	m := e.Manifest
	var problems []string
	if meta.GetId() != m.ID {
		problems = append(problems, fmt.Sprintf("id %q, manifest says %q", meta.GetId(), m.ID))
	}
	if meta.GetVersion() != m.Version {
		problems = append(problems, fmt.Sprintf("version %q, manifest says %q", meta.GetVersion(), m.Version))
	}
	kinds := slices.Clone(meta.GetKinds())
	want := slices.Clone(m.Kinds)
	slices.Sort(kinds)
	slices.Sort(want)
	if !slices.Equal(kinds, want) {
		problems = append(problems, fmt.Sprintf("kinds %v, manifest says %v", kinds, want))
	}
	if !m.Speaks(negotiated) {
		problems = append(problems, fmt.Sprintf("negotiated protocol %d, manifest lists %v", negotiated, m.ProtocolVersions))
	}
	if len(problems) > 0 {
		return fmt.Errorf("plugin %s %w: %s", e.ID, errMismatch, strings.Join(problems, "; "))
	}
	return nil
}

func pluginEnv(extra map[string]string, logLevel string) []string {
	var env []string
	for _, k := range envAllowed {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	if logLevel != "" {
		env = append(env, "OPENCLAW_PLUGIN_LOG_LEVEL="+logLevel)
	}
	for k, v := range extra {
		env = append(env, k+"="+v)
	}
	return env
}

// stop asks the plugin to finish, waits up to deadline, then kills it and
// anything it started.
func (r *Running) stop(deadline time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = r.Plugin.Shutdown(ctx, &pluginv1.ShutdownRequest{DeadlineMs: deadline.Milliseconds()})
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
	r.client.Kill()
	killGroup(r.Pid)
}

// exited reports whether the process is gone.
func (r *Running) exited() bool { return r.client.Exited() }
