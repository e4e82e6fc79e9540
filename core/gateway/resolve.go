package gateway

import (
	"github.com/openclaw-go/openclaw/pluginsdk/atomicfile"

	"github.com/openclaw-go/openclaw/core/config"

	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/core/gateway/auth"
)

// Environment variables the gateway reads.
const (
	EnvPort     = "OPENCLAW_GATEWAY_PORT"
	EnvToken    = "OPENCLAW_GATEWAY_TOKEN"
	EnvPassword = "OPENCLAW_GATEWAY_PASSWORD"
)

// ResolvePort applies OpenClaw's documented precedence: the --port flag
// (flag > 0), then OPENCLAW_GATEWAY_PORT, then gateway.port, then 18789.
func ResolvePort(flag int, getenv func(string) string, cfg Config) (int, error) {
	if flag != 0 {
		if flag < 1 || flag > 65535 {
			return 0, fmt.Errorf("--port %d is not between 1 and 65535", flag)
		}
		return flag, nil
	}
	if v := strings.TrimSpace(getenv(EnvPort)); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 65535 {
			return 0, fmt.Errorf("%s=%q is not a port between 1 and 65535", EnvPort, v)
		}
		return p, nil
	}
	if cfg.Port != 0 {
		if cfg.Port < 1 || cfg.Port > 65535 {
			return 0, fmt.Errorf("gateway.port %d is not between 1 and 65535", cfg.Port)
		}
		return cfg.Port, nil
	}
	return DefaultPort, nil
}

// BindEnv lets tests and callers describe the host for bind resolution.
type BindEnv struct {
	// InContainer reports whether the process runs in a container (auto
	// binds 0.0.0.0 there). Nil uses a /.dockerenv and cgroup check.
	InContainer func() bool
	// InterfaceAddrs lists the host's addresses (tailnet detection). Nil
	// uses net.InterfaceAddrs.
	InterfaceAddrs func() ([]net.Addr, error)
}

// tailscaleRange is Tailscale's CGNAT range, where tailnet addresses live.
var tailscaleRange = netip.MustParsePrefix("100.64.0.0/10")

// ResolveBind turns gateway.bind into the hosts to listen on. Every mode
// that binds a specific non-loopback address also listens on 127.0.0.1 so
// same-host clients keep working.
func ResolveBind(mode, customHost string, env BindEnv) ([]string, error) {
	if env.InContainer == nil {
		env.InContainer = inContainer
	}
	if env.InterfaceAddrs == nil {
		env.InterfaceAddrs = net.InterfaceAddrs
	}
	switch mode {
	case "", BindLoopback:
		return []string{"127.0.0.1"}, nil
	case BindLAN:
		return []string{"0.0.0.0"}, nil
	case BindAuto:
		if env.InContainer() {
			return []string{"0.0.0.0"}, nil
		}
		return []string{"127.0.0.1"}, nil
	case BindTailnet:
		addrs, err := env.InterfaceAddrs()
		if err != nil {
			return nil, fmt.Errorf("gateway.bind tailnet: list interfaces: %w", err)
		}
		for _, a := range addrs {
			pfx, err := netip.ParsePrefix(a.String())
			if err != nil {
				continue
			}
			if ip := pfx.Addr().Unmap(); ip.Is4() && tailscaleRange.Contains(ip) {
				return []string{ip.String(), "127.0.0.1"}, nil
			}
		}
		// No tailnet address: stay on loopback rather than widen exposure.
		return []string{"127.0.0.1"}, nil
	case BindCustom:
		host := strings.TrimSpace(customHost)
		ip, err := netip.ParseAddr(host)
		if err != nil || !ip.Is4() {
			return nil, fmt.Errorf("gateway.bind is \"custom\" but gateway.customBindHost %q is not an IPv4 address", customHost)
		}
		if host == "127.0.0.1" || host == "0.0.0.0" {
			return []string{host}, nil
		}
		return []string{host, "127.0.0.1"}, nil
	}
	return nil, fmt.Errorf("gateway.bind %q is not a bind mode (use loopback, lan, tailnet, custom or auto)", mode)
}

func inContainer() bool {
	if _, err := os.Stat("/.dockerenv"); err == nil {
		return true
	}
	b, err := os.ReadFile("/proc/1/cgroup")
	if err != nil {
		return false
	}
	s := string(b)
	return strings.Contains(s, "docker") || strings.Contains(s, "kubepods") || strings.Contains(s, "containerd")
}

// isLoopback reports whether every host is a loopback address.
func allLoopback(hosts []string) bool {
	for _, h := range hosts {
		ip, err := netip.ParseAddr(h)
		if err != nil || !ip.IsLoopback() {
			return false
		}
	}
	return true
}

// AuthFlags are the auth options given on the command line (empty: unset).
type AuthFlags struct {
	Mode     string // --auth
	Token    string // --token
	Password string // --password
}

// TokenFile is where a generated gateway token is kept; the same file
// `openclaw doctor --fix` fills (config.GatewayTokenFile).
func TokenFile(stateDir string) string {
	return filepath.Join(stateDir, filepath.FromSlash(config.GatewayTokenFile))
}

// ResolveAuth decides the auth settings: flags, then OPENCLAW_GATEWAY_TOKEN
// / OPENCLAW_GATEWAY_PASSWORD, then gateway.auth. In token mode with no
// token anywhere, a token is generated once and kept in TokenFile so
// clients on this machine can find it; generated reports that.
func ResolveAuth(cfg Config, flags AuthFlags, getenv func(string) string, stateDir string) (settings auth.Settings, generated bool, err error) {
	token, err := firstSecret(flags.Token, getenv(EnvToken), cfg.Auth.Token, getenv, "gateway.auth.token")
	if err != nil {
		return auth.Settings{}, false, err
	}
	password, err := firstSecret(flags.Password, getenv(EnvPassword), cfg.Auth.Password, getenv, "gateway.auth.password")
	if err != nil {
		return auth.Settings{}, false, err
	}
	mode := flags.Mode
	if mode == "" {
		mode = cfg.Auth.Mode
	}
	if mode == "" {
		switch {
		case token != "" && password != "":
			return auth.Settings{}, false, errors.New("both a gateway token and a password are configured; set gateway.auth.mode (or --auth) to \"token\" or \"password\"")
		case password != "":
			mode = string(auth.ModePassword)
		default:
			mode = string(auth.ModeToken)
		}
	}
	s := auth.Settings{Mode: auth.Mode(mode), Token: token, Password: password, Limit: rateLimit(cfg.Auth.RateLimit)}
	switch s.Mode {
	case auth.ModeToken:
		if s.Token == "" {
			if stateDir == "" {
				return auth.Settings{}, false, errors.New("token auth needs a token (gateway.auth.token, OPENCLAW_GATEWAY_TOKEN or --token)")
			}
			tok, created, err := LoadOrCreateToken(stateDir)
			if err != nil {
				return auth.Settings{}, false, err
			}
			s.Token, generated = tok, created
		}
	case auth.ModePassword:
		if s.Password == "" {
			return auth.Settings{}, false, errors.New("gateway.auth.mode is \"password\" but no password is set (gateway.auth.password, OPENCLAW_GATEWAY_PASSWORD or --password)")
		}
	case auth.ModeNone:
	case "trusted-proxy":
		return auth.Settings{}, false, errors.New("gateway.auth.mode \"trusted-proxy\" is not supported by this gateway yet; use \"token\" or \"password\"")
	default:
		return auth.Settings{}, false, fmt.Errorf("gateway.auth.mode %q is not one of none, token, password", mode)
	}
	return s, generated, nil
}

func firstSecret(flag, env string, cfg Secret, getenv func(string) string, key string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if env != "" {
		return env, nil
	}
	v, err := cfg.Resolve(getenv, nil)
	if err != nil {
		return "", fmt.Errorf("%s: %w", key, err)
	}
	return v, nil
}

func rateLimit(c *RateLimitConfig) auth.RateLimit {
	l := auth.DefaultRateLimit
	if c == nil {
		return l
	}
	if c.MaxAttempts > 0 {
		l.MaxAttempts = c.MaxAttempts
	}
	if c.WindowMs > 0 {
		l.Window = time.Duration(c.WindowMs) * time.Millisecond
	}
	if c.LockoutMs > 0 {
		l.Lockout = time.Duration(c.LockoutMs) * time.Millisecond
	}
	if c.ExemptLoopback != nil {
		l.ExemptLoopback = *c.ExemptLoopback
	}
	return l
}

// LoadOrCreateToken returns the token in TokenFile, creating it (32
// random bytes, mode 0600, written atomically) when absent.
func LoadOrCreateToken(stateDir string) (token string, created bool, err error) {
	path := TokenFile(stateDir)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		tok := strings.TrimSpace(string(b))
		if tok == "" {
			return "", false, fmt.Errorf("gateway token file %s is empty; delete it to generate a new token", path)
		}
		return tok, false, nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", false, fmt.Errorf("read gateway token %s: %w", path, err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", false, fmt.Errorf("generate gateway token: %w", err)
	}
	tok := base64.RawURLEncoding.EncodeToString(raw)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", false, fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	if err := atomicfile.Write(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", false, err
	}
	return tok, true, nil
}

// ReadToken returns the generated token if one exists.
func ReadToken(stateDir string) (string, bool) {
	b, err := os.ReadFile(TokenFile(stateDir))
	if err != nil {
		return "", false
	}
	tok := strings.TrimSpace(string(b))
	return tok, tok != ""
}
