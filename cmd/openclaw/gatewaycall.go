package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/openclaw-go/openclaw/core/config"
	"github.com/openclaw-go/openclaw/core/gateway"
	"github.com/openclaw-go/openclaw/core/gateway/client"
)

// gatewayClientCommands are the `openclaw gateway` subcommands that talk to
// a running gateway: status and call.
func gatewayClientCommands() []*cli.Command {
	return []*cli.Command{
		{
			Name:  "status",
			Usage: "probe the gateway: reachable, version, auth",
			Flags: append(connFlags(10000),
				&cli.BoolFlag{Name: "json", Usage: "print JSON"},
				&cli.BoolFlag{Name: "require-rpc", Usage: "also call status and fail when it fails"},
			),
			Action: gatewayStatus,
		},
		{
			Name:      "call",
			Usage:     "call a gateway RPC method",
			ArgsUsage: "METHOD",
			Flags: append(connFlags(10000),
				&cli.StringFlag{Name: "params", Value: "{}", Usage: "params as a JSON object"},
				&cli.BoolFlag{Name: "expect-final", Usage: "wait for the final response of agent-style methods"},
				&cli.BoolFlag{Name: "json", Usage: "print the raw JSON response"},
			),
			Action: gatewayCall,
		},
	}
}

// connFlags are the options every gateway client command shares.
func connFlags(timeoutMs int) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "url", Usage: "gateway WebSocket URL (needs --token or --password)"},
		&cli.StringFlag{Name: "token", Usage: "gateway token or API token"},
		&cli.StringFlag{Name: "password", Usage: "gateway password"},
		&cli.IntFlag{Name: "port", Usage: "local gateway port"},
		&cli.IntFlag{Name: "timeout", Value: timeoutMs, Usage: "timeout in milliseconds"},
	}
}

// cmdArgs are a command's positional arguments and flags. urfave/cli stops
// parsing flags at the first positional argument; OpenClaw's documented
// forms put flags after it ("gateway call logs.tail --params '{}'"), so the
// arguments are parsed again with flags allowed anywhere.
type cmdArgs struct {
	c   *cli.Context
	fs  *flag.FlagSet
	set map[string]bool
	pos []string
}

type multiValue struct{ vals *[]string }

func (m multiValue) String() string     { return "" }
func (m multiValue) Set(v string) error { *m.vals = append(*m.vals, v); return nil }

func parseArgs(c *cli.Context) (*cmdArgs, error) {
	fs := flag.NewFlagSet(c.Command.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, f := range c.Command.Flags {
		for _, name := range f.Names() {
			switch f.(type) {
			case *cli.BoolFlag:
				fs.Bool(name, false, "")
			case *cli.IntFlag:
				fs.Int(name, 0, "")
			case *cli.StringSliceFlag:
				var vals []string
				fs.Var(multiValue{&vals}, name, "")
			default:
				fs.String(name, "", "")
			}
		}
	}
	a := &cmdArgs{c: c, fs: fs, set: map[string]bool{}}
	rest := c.Args().Slice()
	for len(rest) > 0 {
		if err := fs.Parse(rest); err != nil {
			return nil, fmt.Errorf("%s: %w", c.Command.FullName(), err)
		}
		rest = fs.Args()
		if len(rest) > 0 {
			a.pos = append(a.pos, rest[0])
			rest = rest[1:]
		}
	}
	fs.Visit(func(f *flag.Flag) { a.set[f.Name] = true })
	return a, nil
}

func (a *cmdArgs) lookup(name string) (*flag.Flag, bool) {
	if !a.set[name] {
		return nil, false
	}
	return a.fs.Lookup(name), true
}

func (a *cmdArgs) String(name string) string {
	if f, ok := a.lookup(name); ok {
		return f.Value.String()
	}
	return a.c.String(name)
}

func (a *cmdArgs) Bool(name string) bool {
	if f, ok := a.lookup(name); ok {
		return f.Value.String() == "true"
	}
	return a.c.Bool(name)
}

func (a *cmdArgs) Int(name string) int {
	if f, ok := a.lookup(name); ok {
		n, _ := strconv.Atoi(f.Value.String())
		return n
	}
	return a.c.Int(name)
}

func (a *cmdArgs) IsSet(name string) bool { return a.set[name] || a.c.IsSet(name) }

func (a *cmdArgs) StringSlice(name string) []string {
	out := append([]string(nil), a.c.StringSlice(name)...)
	if f, ok := a.lookup(name); ok {
		out = append(out, *f.Value.(multiValue).vals...)
	}
	return out
}

func withTimeout(c *cli.Context, a *cmdArgs) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.Context, a.timeout())
}

func (a *cmdArgs) timeout() time.Duration {
	ms := a.Int("timeout")
	if ms <= 0 {
		ms = 10000
	}
	return time.Duration(ms) * time.Millisecond
}

// target is the gateway a command talks to and how to authenticate.
type target struct {
	URL       string
	Token     string
	Password  string
	Explicit  bool // --url was given
	TLSRoots  *x509.CertPool
	StateDir  string
	ConfigErr error
}

// resolveTarget finds the gateway: --url with explicit credentials, or the
// local gateway from config (gateway.remote when gateway.mode is
// "remote"), with credentials from flags, environment, config and the
// generated token file, in that order.
func resolveTarget(c *cli.Context, a *cmdArgs) (target, error) {
	if a.IsSet("url") && a.IsSet("port") {
		return target{}, errors.New("--url and --port cannot be combined")
	}
	if u := a.String("url"); u != "" {
		ws, err := client.WebSocketURL(u)
		if err != nil {
			return target{}, err
		}
		if a.String("token") == "" && a.String("password") == "" {
			return target{}, errors.New("--url needs --token or --password: config and environment credentials are not sent to an explicit URL")
		}
		return target{URL: ws, Token: a.String("token"), Password: a.String("password"), Explicit: true}, nil
	}
	home, _ := os.UserHomeDir()
	paths := config.ResolvePaths(os.Getenv, home)
	t := target{StateDir: paths.StateDir}
	var gw gateway.Config
	if loaded, err := config.Load(c.Context, config.LoadOptions{Getenv: os.Getenv, Home: home, SkipDotEnv: true}); err != nil {
		t.ConfigErr = err
	} else if gw, err = gateway.ConfigFromRoot(loaded.Raw); err != nil {
		t.ConfigErr = err
	}
	getenv := os.Getenv
	if u := getenv("OPENCLAW_GATEWAY_URL"); u != "" && !a.IsSet("port") {
		ws, err := client.WebSocketURL(u)
		if err != nil {
			return target{}, fmt.Errorf("OPENCLAW_GATEWAY_URL: %w", err)
		}
		t.URL = ws
	} else if gw.Mode == "remote" && gw.Remote.URL != "" && !a.IsSet("port") {
		ws, err := client.WebSocketURL(gw.Remote.URL)
		if err != nil {
			return target{}, fmt.Errorf("gateway.remote.url: %w", err)
		}
		t.URL = ws
		t.Token, _ = gw.Remote.Token.Resolve(getenv, nil)
		t.Password, _ = gw.Remote.Password.Resolve(getenv, nil)
	} else {
		port, err := gateway.ResolvePort(a.Int("port"), getenv, gw)
		if err != nil {
			return target{}, err
		}
		scheme := "ws"
		if gw.TLS.Enabled {
			scheme = "wss"
			certPath := gw.TLS.CertPath
			if certPath == "" {
				certPath, _ = gateway.DefaultTLSPaths(paths.StateDir)
			}
			if pem, err := os.ReadFile(certPath); err == nil {
				t.TLSRoots = x509.NewCertPool()
				t.TLSRoots.AppendCertsFromPEM(pem)
			}
		}
		t.URL = scheme + "://127.0.0.1:" + strconv.Itoa(port)
	}
	pick := func(vals ...string) string {
		for _, v := range vals {
			if v != "" {
				return v
			}
		}
		return ""
	}
	cfgToken, _ := gw.Auth.Token.Resolve(getenv, nil)
	cfgPassword, _ := gw.Auth.Password.Resolve(getenv, nil)
	generated, _ := gateway.ReadToken(paths.StateDir)
	t.Token = pick(a.String("token"), getenv(gateway.EnvToken), t.Token, cfgToken, generated)
	t.Password = pick(a.String("password"), getenv(gateway.EnvPassword), t.Password, cfgPassword)
	return t, nil
}

// dial connects to the resolved gateway.
func dial(ctx context.Context, t target, scopes []string, onEvent func(client.Event)) (*client.Client, error) {
	opts := client.Options{URL: t.URL, Token: t.Token, Password: t.Password, ClientID: "cli", Mode: "cli", Version: version, Scopes: scopes, OnEvent: onEvent}
	if t.TLSRoots != nil {
		opts.HTTPClient = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: t.TLSRoots, MinVersion: tls.VersionTLS12}}}
	}
	c, err := client.Dial(ctx, opts)
	if err != nil {
		var ce *client.Error
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("gateway at %s refused the connection: %w", t.URL, err)
		}
		hint := "is it running? start it with `openclaw gateway run`"
		if t.ConfigErr != nil {
			hint += "; the local config did not load: " + firstLineOf(t.ConfigErr.Error())
		}
		return nil, fmt.Errorf("gateway unreachable at %s (%s): %w", t.URL, hint, err)
	}
	return c, nil
}

func firstLineOf(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// connect parses arguments, resolves the target and dials it: the common
// start of every client command.
func connect(c *cli.Context, scopes []string, onEvent func(client.Event)) (*cmdArgs, *client.Client, target, context.Context, context.CancelFunc, error) {
	a, err := parseArgs(c)
	if err != nil {
		return nil, nil, target{}, nil, nil, err
	}
	t, err := resolveTarget(c, a)
	if err != nil {
		return nil, nil, target{}, nil, nil, err
	}
	ctx, cancel := withTimeout(c, a)
	cl, err := dial(ctx, t, scopes, onEvent)
	if err != nil {
		cancel()
		return a, nil, t, nil, nil, err
	}
	return a, cl, t, ctx, cancel, nil
}

func gatewayStatus(c *cli.Context) error {
	a, err := parseArgs(c)
	if err != nil {
		return err
	}
	t, err := resolveTarget(c, a)
	if err != nil {
		return err
	}
	ctx, cancel := withTimeout(c, a)
	defer cancel()
	out := map[string]any{"url": t.URL}
	start := time.Now()
	cl, derr := dial(ctx, t, []string{"operator.read"}, nil)
	if derr != nil {
		out["reachable"] = false
		out["error"] = derr.Error()
	} else {
		defer cl.Close()
		h := cl.Hello()
		out["reachable"] = true
		out["connectMs"] = time.Since(start).Milliseconds()
		out["gateway"] = map[string]any{"version": h.Server.Version, "connId": h.Server.ConnID, "protocol": h.Protocol, "methods": len(h.Features.Methods)}
		out["auth"] = map[string]any{"role": h.Auth.Role, "scopes": h.Auth.Scopes}
		if a.Bool("require-rpc") {
			var st map[string]any
			if err := cl.Call(ctx, "status", nil, &st); err != nil {
				out["rpc"] = map[string]any{"ok": false, "error": err.Error()}
				derr = fmt.Errorf("status RPC failed: %w", err)
			} else {
				out["rpc"] = map[string]any{"ok": true, "uptimeMs": st["uptimeMs"]}
			}
		}
	}
	if a.Bool("json") {
		printJSON(c, out)
	} else {
		w := c.App.Writer
		fmt.Fprintf(w, "Gateway: %s\n", t.URL)
		if out["reachable"] == true {
			g := out["gateway"].(map[string]any)
			au := out["auth"].(map[string]any)
			fmt.Fprintf(w, "Reachable: yes (%d ms)\nVersion: %s (protocol %v)\nAuth: %s %s\n", out["connectMs"], g["version"], g["protocol"], au["role"], strings.Join(au["scopes"].([]string), ", "))
			if rpc, ok := out["rpc"].(map[string]any); ok {
				fmt.Fprintf(w, "Read probe: %v\n", map[bool]string{true: "ok", false: "failed"}[rpc["ok"] == true])
			}
		} else {
			fmt.Fprintf(w, "Reachable: no\n%s\n", out["error"])
		}
	}
	if a.Bool("require-rpc") && derr != nil {
		return cli.Exit("", 1)
	}
	return nil
}

func gatewayCall(c *cli.Context) error {
	a, cl, _, ctx, cancel, err := connect(c, nil, nil)
	if err != nil {
		return err
	}
	defer cancel()
	defer cl.Close()
	if len(a.pos) != 1 {
		return errors.New("usage: openclaw gateway call METHOD [--params JSON]")
	}
	method := a.pos[0]
	raw := strings.TrimSpace(a.String("params"))
	if raw == "" {
		raw = "{}"
	}
	var params map[string]any
	if err := json.Unmarshal([]byte(raw), &params); err != nil || params == nil {
		return fmt.Errorf("--params must be a JSON object: %s", raw)
	}
	var result json.RawMessage
	if a.Bool("expect-final") {
		err = cl.CallFinal(ctx, method, params, &result, nil)
	} else {
		err = cl.Call(ctx, method, params, &result)
	}
	if err != nil {
		var ce *client.Error
		if a.Bool("json") && errors.As(err, &ce) {
			printJSON(c, map[string]any{"ok": false, "error": ce})
			return cli.Exit("", 1)
		}
		return fmt.Errorf("%s: %w", method, err)
	}
	if len(result) == 0 {
		result = json.RawMessage("null")
	}
	var v any
	_ = json.Unmarshal(result, &v)
	printJSON(c, v)
	return nil
}

// idempotencyKey returns a fresh key for side-effecting RPCs.
func idempotencyKey() string {
	return fmt.Sprintf("cli-%d-%d", os.Getpid(), time.Now().UnixNano())
}
