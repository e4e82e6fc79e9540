package gateway

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/core/gateway/auth"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestResolvePortPrecedence(t *testing.T) {
	tests := []struct {
		name string
		flag int
		env  string
		cfg  int
		want int
		err  string
	}{
		{"default", 0, "", 0, 18789, ""},
		{"config", 0, "", 19000, 19000, ""},
		{"env beats config", 0, "19001", 19000, 19001, ""},
		{"flag beats env and config", 19002, "19001", 19000, 19002, ""},
		{"bad env", 0, "eighty", 19000, 0, "OPENCLAW_GATEWAY_PORT=\"eighty\""},
		{"env out of range", 0, "70000", 0, 0, "OPENCLAW_GATEWAY_PORT"},
		{"flag out of range", 70000, "", 0, 0, "--port 70000"},
		{"config out of range", 0, "", 99999, 0, "gateway.port 99999"},
	}
	for _, tt := range tests {
		got, err := ResolvePort(tt.flag, envOf(map[string]string{EnvPort: tt.env}), Config{Port: tt.cfg})
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err %v, want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: %d, %v; want %d", tt.name, got, err, tt.want)
		}
	}
}

type fakeAddr string

func (a fakeAddr) Network() string { return "ip+net" }
func (a fakeAddr) String() string  { return string(a) }

func TestResolveBind(t *testing.T) {
	withTailnet := BindEnv{InContainer: func() bool { return false }, InterfaceAddrs: func() ([]net.Addr, error) {
		return []net.Addr{fakeAddr("127.0.0.1/8"), fakeAddr("192.168.1.5/24"), fakeAddr("100.101.102.103/32")}, nil
	}}
	noTailnet := BindEnv{InContainer: func() bool { return true }, InterfaceAddrs: func() ([]net.Addr, error) {
		return []net.Addr{fakeAddr("192.168.1.5/24")}, nil
	}}
	tests := []struct {
		mode, host string
		env        BindEnv
		want       string
		err        string
	}{
		{"", "", withTailnet, "127.0.0.1", ""},
		{"loopback", "", withTailnet, "127.0.0.1", ""},
		{"lan", "", withTailnet, "0.0.0.0", ""},
		{"auto", "", withTailnet, "127.0.0.1", ""},
		{"auto", "", noTailnet, "0.0.0.0", ""},
		{"tailnet", "", withTailnet, "100.101.102.103,127.0.0.1", ""},
		{"tailnet", "", noTailnet, "127.0.0.1", ""},
		{"custom", "192.168.1.5", withTailnet, "192.168.1.5,127.0.0.1", ""},
		{"custom", "0.0.0.0", withTailnet, "0.0.0.0", ""},
		{"custom", "::1", withTailnet, "", "not an IPv4 address"},
		{"custom", "", withTailnet, "", "customBindHost"},
		{"0.0.0.0", "", withTailnet, "", "not a bind mode"},
	}
	for _, tt := range tests {
		got, err := ResolveBind(tt.mode, tt.host, tt.env)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s/%s: err %v, want %q", tt.mode, tt.host, err, tt.err)
			}
			continue
		}
		if err != nil || strings.Join(got, ",") != tt.want {
			t.Errorf("%s/%s: %v %v, want %s", tt.mode, tt.host, got, err, tt.want)
		}
	}
}

func TestRefusesNonLoopbackWithoutAuth(t *testing.T) {
	for _, cfg := range []Config{{Bind: "lan"}, {Bind: "custom", CustomBindHost: "10.1.2.3"}} {
		_, err := New(Options{Config: cfg, Auth: auth.Settings{Mode: auth.ModeNone}})
		if err == nil || !strings.Contains(err.Error(), "refusing to bind gateway") || !strings.Contains(err.Error(), "without auth") {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
	s, err := New(Options{Config: Config{Bind: "loopback"}, Auth: auth.Settings{Mode: auth.ModeNone}})
	if err != nil {
		t.Fatalf("loopback without auth refused: %v", err)
	}
	s.Shutdown(t.Context(), "test")
}

func TestResolveAuth(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "pw.txt")
	if err := os.WriteFile(secretFile, []byte("file-password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		cfg   string
		flags AuthFlags
		env   map[string]string
		mode  auth.Mode
		tok   string
		pw    string
		err   string
	}{
		{"config token", `{"auth":{"token":"cfg"}}`, AuthFlags{}, nil, auth.ModeToken, "cfg", "", ""},
		{"env beats config", `{"auth":{"token":"cfg"}}`, AuthFlags{}, map[string]string{EnvToken: "env"}, auth.ModeToken, "env", "", ""},
		{"flag beats env", `{"auth":{"token":"cfg"}}`, AuthFlags{Token: "flag"}, map[string]string{EnvToken: "env"}, auth.ModeToken, "flag", "", ""},
		{"password inferred", `{"auth":{"password":"pw"}}`, AuthFlags{}, nil, auth.ModePassword, "", "pw", ""},
		{"password from env", `{}`, AuthFlags{Mode: "password"}, map[string]string{EnvPassword: "envpw"}, auth.ModePassword, "", "envpw", ""},
		{"env secret ref", `{"auth":{"mode":"token","token":{"source":"env","id":"MY_TOKEN"}}}`, AuthFlags{}, map[string]string{"MY_TOKEN": "from-ref"}, auth.ModeToken, "from-ref", "", ""},
		{"file secret ref", `{"auth":{"mode":"password","password":{"source":"file","id":"` + secretFile + `"}}}`, AuthFlags{}, nil, auth.ModePassword, "", "file-password", ""},
		{"missing env ref", `{"auth":{"token":{"source":"env","id":"NOPE"}}}`, AuthFlags{}, nil, "", "", "", "NOPE"},
		{"exec ref", `{"auth":{"token":{"source":"exec","id":"op read x"}}}`, AuthFlags{}, nil, "", "", "", "cannot be resolved"},
		{"both without mode", `{"auth":{"token":"t","password":"p"}}`, AuthFlags{}, nil, "", "", "", "set gateway.auth.mode"},
		{"both with mode", `{"auth":{"mode":"password","token":"t","password":"p"}}`, AuthFlags{}, nil, auth.ModePassword, "t", "p", ""},
		{"password mode without password", `{"auth":{"mode":"password"}}`, AuthFlags{}, nil, "", "", "", "no password"},
		{"none", `{"auth":{"mode":"none"}}`, AuthFlags{}, nil, auth.ModeNone, "", "", ""},
		{"trusted proxy", `{"auth":{"mode":"trusted-proxy"}}`, AuthFlags{}, nil, "", "", "", "not supported"},
		{"bad mode flag", `{}`, AuthFlags{Mode: "open"}, nil, "", "", "", "not one of"},
	}
	for _, tt := range tests {
		var cfg Config
		if err := json.Unmarshal([]byte(tt.cfg), &cfg); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		s, _, err := ResolveAuth(cfg, tt.flags, envOf(tt.env), dir)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err %v, want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || s.Mode != tt.mode || s.Token != tt.tok || s.Password != tt.pw {
			t.Errorf("%s: %+v %v", tt.name, s, err)
		}
	}
}

func TestGeneratedTokenIsPersistent(t *testing.T) {
	dir := t.TempDir()
	s1, gen1, err := ResolveAuth(Config{}, AuthFlags{}, envOf(nil), dir)
	if err != nil || !gen1 || len(s1.Token) < 40 {
		t.Fatalf("first: %+v %v %v", s1, gen1, err)
	}
	s2, gen2, err := ResolveAuth(Config{}, AuthFlags{}, envOf(nil), dir)
	if err != nil || gen2 || s2.Token != s1.Token {
		t.Fatalf("second run generated again or changed the token: %v %v", gen2, err)
	}
	info, err := os.Stat(TokenFile(dir))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", info, err)
	}
	if tok, ok := ReadToken(dir); !ok || tok != s1.Token {
		t.Fatal("ReadToken disagrees")
	}
}

func TestConfigFromRootAndSecretRedaction(t *testing.T) {
	var root map[string]any
	doc := `{"gateway":{"mode":"local","port":19000,"bind":"custom","customBindHost":"10.0.0.2",
		"auth":{"mode":"token","token":"s3cret","rateLimit":{"maxAttempts":3,"windowMs":1000,"lockoutMs":2000,"exemptLoopback":false}},
		"remote":{"url":"wss://gw.example:18789","token":{"source":"env","id":"REMOTE_TOK"}},
		"controlUi":{"allowedOrigins":["https://ui.example"]},
		"tools":{"deny":["browser"],"allow":["gateway"]},
		"http":{"endpoints":{"chatCompletions":{"enabled":true},"responses":{"enabled":false}}},
		"tls":{"enabled":true,"autoGenerate":false,"certPath":"/c","keyPath":"/k"},
		"reload":{"mode":"hybrid"}}}`
	if err := json.Unmarshal([]byte(doc), &root); err != nil {
		t.Fatal(err)
	}
	cfg, err := ConfigFromRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Port != 19000 || cfg.Bind != "custom" || cfg.Auth.Token.Value != "s3cret" || cfg.Remote.Token.Ref.ID != "REMOTE_TOK" ||
		!cfg.HTTP.Endpoints.ChatCompletions.Enabled || cfg.Tools.Deny[0] != "browser" || cfg.TLS.CertPath != "/c" || *cfg.TLS.AutoGenerate {
		t.Fatalf("decoded %+v", cfg)
	}
	lim := rateLimit(cfg.Auth.RateLimit)
	if lim.MaxAttempts != 3 || lim.Window != time.Second || lim.Lockout != 2*time.Second || lim.ExemptLoopback {
		t.Fatalf("rate limit %+v", lim)
	}
	out, _ := json.Marshal(cfg)
	if strings.Contains(string(out), "s3cret") {
		t.Fatal("a Secret marshalled in clear")
	}
	if _, err := ConfigFromRoot(map[string]any{"gateway": map[string]any{"port": "x"}}); err == nil {
		t.Fatal("wrong type accepted")
	}
	var bad Config
	if err := json.Unmarshal([]byte(`{"auth":{"token":{"source":"env"}}}`), &bad); err == nil {
		t.Fatal("secret ref without id accepted")
	}
	if cfg, err := ConfigFromRoot(map[string]any{}); err != nil || cfg.Port != 0 {
		t.Fatalf("empty root: %+v %v", cfg, err)
	}
}
