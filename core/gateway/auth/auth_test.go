package auth

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/core/apitokens"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestAuthenticateModes(t *testing.T) {
	tokens := apitokens.Open(filepath.Join(t.TempDir(), "tokens.json"), apitokens.Options{})
	_, apiToken, err := tokens.Create("ci", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	revokedTok, revokedSecret, err := tokens.Create("old", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.Revoke(revokedTok.ID); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		settings Settings
		creds    Credentials
		method   string // empty: expect failure
		code     string
	}{
		{"token ok", Settings{Mode: ModeToken, Token: "s3cret"}, Credentials{Token: "s3cret"}, "token", ""},
		{"token in password field", Settings{Mode: ModeToken, Token: "s3cret"}, Credentials{Password: "s3cret"}, "token", ""},
		{"token wrong", Settings{Mode: ModeToken, Token: "s3cret"}, Credentials{Token: "nope"}, "", "AUTH_TOKEN_MISMATCH"},
		{"token prefix", Settings{Mode: ModeToken, Token: "s3cret"}, Credentials{Token: "s3cre"}, "", "AUTH_TOKEN_MISMATCH"},
		{"token missing", Settings{Mode: ModeToken, Token: "s3cret"}, Credentials{}, "", "AUTH_TOKEN_MISSING"},
		{"password ok", Settings{Mode: ModePassword, Password: "pw"}, Credentials{Password: "pw"}, "password", ""},
		{"password as bearer", Settings{Mode: ModePassword, Password: "pw"}, Credentials{Token: "pw"}, "password", ""},
		{"password wrong", Settings{Mode: ModePassword, Password: "pw"}, Credentials{Password: "x"}, "", "AUTH_PASSWORD_MISMATCH"},
		{"password missing", Settings{Mode: ModePassword, Password: "pw"}, Credentials{}, "", "AUTH_PASSWORD_MISSING"},
		{"api token in token mode", Settings{Mode: ModeToken, Token: "s3cret"}, Credentials{Token: apiToken}, "api-token", ""},
		{"api token in password mode", Settings{Mode: ModePassword, Password: "pw"}, Credentials{Token: apiToken}, "api-token", ""},
		{"revoked api token", Settings{Mode: ModeToken, Token: "s3cret"}, Credentials{Token: revokedSecret}, "", "AUTH_TOKEN_MISMATCH"},
		{"none", Settings{Mode: ModeNone}, Credentials{}, "none", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := New(tt.settings, tokens, nil)
			if err != nil {
				t.Fatal(err)
			}
			p, err := a.Authenticate("203.0.113.9:5555", tt.creds)
			if tt.method != "" {
				if err != nil || p.Method != tt.method {
					t.Fatalf("got %+v, %v; want method %s", p, err, tt.method)
				}
				return
			}
			var f *Failure
			if !errors.As(err, &f) || f.DetailCode != tt.code {
				t.Fatalf("got %v, want failure %s", err, tt.code)
			}
		})
	}
}

func TestNewRejectsIncompleteSettings(t *testing.T) {
	for _, s := range []Settings{{Mode: ModeToken}, {Mode: ModePassword}, {Mode: "trusted-proxy"}, {Mode: "bogus"}} {
		if _, err := New(s, nil, nil); err == nil {
			t.Errorf("New(%+v) succeeded", s)
		}
	}
}

func TestRateLimitLocksOutAndExpires(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	a, err := New(Settings{Mode: ModeToken, Token: "good", Limit: RateLimit{MaxAttempts: 3, Window: time.Minute, Lockout: 5 * time.Minute}}, nil, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	const attacker = "198.51.100.7:40000"
	for range 3 {
		if _, err := a.Authenticate(attacker, Credentials{Token: "bad"}); err == nil {
			t.Fatal("bad token accepted")
		}
	}
	// Now even the right token is refused for this address...
	_, err = a.Authenticate(attacker, Credentials{Token: "good"})
	var f *Failure
	if !errors.As(err, &f) || !f.RateLimited() || f.RetryAfter <= 0 || f.RetryAfter > 5*time.Minute {
		t.Fatalf("locked-out attempt: %v", err)
	}
	// ...but another address is unaffected.
	if _, err := a.Authenticate("198.51.100.8:1", Credentials{Token: "good"}); err != nil {
		t.Fatalf("other client refused: %v", err)
	}
	clk.t = clk.t.Add(5*time.Minute + time.Second)
	if _, err := a.Authenticate(attacker, Credentials{Token: "good"}); err != nil {
		t.Fatalf("after lockout: %v", err)
	}
}

func TestRateLimitWindowSlides(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	a, _ := New(Settings{Mode: ModeToken, Token: "good", Limit: RateLimit{MaxAttempts: 3, Window: time.Minute, Lockout: time.Hour}}, nil, clk.now)
	for range 2 {
		a.Authenticate("192.0.2.1:1", Credentials{Token: "bad"})
	}
	clk.t = clk.t.Add(61 * time.Second) // the first two fall out of the window
	a.Authenticate("192.0.2.1:1", Credentials{Token: "bad"})
	if _, err := a.Authenticate("192.0.2.1:1", Credentials{Token: "good"}); err != nil {
		t.Fatalf("locked out by failures outside the window: %v", err)
	}
}

func TestMissingCredentialsDoNotCount(t *testing.T) {
	a, _ := New(Settings{Mode: ModeToken, Token: "good", Limit: RateLimit{MaxAttempts: 2}}, nil, nil)
	for range 5 {
		a.Authenticate("192.0.2.2:1", Credentials{})
	}
	if _, err := a.Authenticate("192.0.2.2:1", Credentials{Token: "good"}); err != nil {
		t.Fatalf("missing credentials caused a lockout: %v", err)
	}
}

func TestLoopbackExemption(t *testing.T) {
	for _, exempt := range []bool{true, false} {
		a, _ := New(Settings{Mode: ModeToken, Token: "good", Limit: RateLimit{MaxAttempts: 2, ExemptLoopback: exempt}}, nil, nil)
		for range 3 {
			a.Authenticate("127.0.0.1:9", Credentials{Token: "bad"})
		}
		_, err := a.Authenticate("[::1]:9", Credentials{Token: "good"})
		_, err4 := a.Authenticate("127.0.0.1:9", Credentials{Token: "good"})
		if exempt && (err != nil || err4 != nil) {
			t.Fatalf("exempt loopback was limited: %v %v", err, err4)
		}
		if !exempt && err4 == nil {
			t.Fatal("loopback not limited with exemptLoopback=false")
		}
	}
}

func TestSuccessResetsFailures(t *testing.T) {
	a, _ := New(Settings{Mode: ModeToken, Token: "good", Limit: RateLimit{MaxAttempts: 3}}, nil, nil)
	for range 2 {
		a.Authenticate("192.0.2.3:1", Credentials{Token: "bad"})
	}
	if _, err := a.Authenticate("192.0.2.3:1", Credentials{Token: "good"}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		a.Authenticate("192.0.2.3:1", Credentials{Token: "bad"})
	}
	if _, err := a.Authenticate("192.0.2.3:1", Credentials{Token: "good"}); err != nil {
		t.Fatalf("failures before a success still counted: %v", err)
	}
}

func TestLimiterBoundsMemory(t *testing.T) {
	l := NewLimiter(RateLimit{MaxAttempts: 5}, nil)
	for i := range maxTracked + 500 {
		l.Failed(fmt.Sprintf("10.%d.%d.%d", i/65536, i/256%256, i%256))
	}
	l.mu.Lock()
	n := len(l.clients)
	l.mu.Unlock()
	if n > maxTracked {
		t.Fatalf("limiter tracks %d clients, cap is %d", n, maxTracked)
	}
}

func TestBearerTokenAndClientIP(t *testing.T) {
	for in, want := range map[string]string{"Bearer abc": "abc", "bearer  abc ": "abc", "Basic abc": "", "Bearer": "", "": ""} {
		if got := BearerToken(in); got != want {
			t.Errorf("BearerToken(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"127.0.0.1:80": "127.0.0.1", "[::1]:80": "::1", "[::ffff:10.0.0.1]:1": "10.0.0.1", "10.1.1.1": "10.1.1.1"} {
		if got := ClientIP(in); got != want {
			t.Errorf("ClientIP(%q) = %q, want %q", in, got, want)
		}
	}
}
