// Package auth decides who may use the gateway: the shared token or
// password of gateway.auth, named API tokens, and a per-client limit on
// failed attempts. The WebSocket handshake and every HTTP API use the same
// Authenticator, so a credential works (or fails, and counts) the same way
// on every surface.
package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/core/apitokens"
)

// Mode is gateway.auth.mode.
type Mode string

const (
	ModeNone     Mode = "none"
	ModeToken    Mode = "token"
	ModePassword Mode = "password"
)

// Settings are the resolved auth settings: the secret itself, not where it
// came from.
type Settings struct {
	Mode     Mode
	Token    string
	Password string
	Limit    RateLimit
}

// TokenVerifier checks named API tokens; *apitokens.Store satisfies it.
type TokenVerifier interface {
	Verify(secret string) (apitokens.Token, error)
}

// Credentials are what a client presented.
type Credentials struct {
	Token    string
	Password string
}

// Principal is an authenticated caller.
type Principal struct {
	// Method is "none", "token", "password" or "api-token".
	Method string
	// TokenID and TokenName identify a named API token.
	TokenID   string
	TokenName string
}

// Failure is a refused authentication. Its fields follow the protocol's
// connect error details so every surface can report them alike.
type Failure struct {
	// DetailCode is the protocol's details.code (AUTH_TOKEN_MISMATCH, ...).
	DetailCode string
	// Reason is details.authReason (token_mismatch, rate_limited, ...).
	Reason string
	// NextStep is details.recommendedNextStep.
	NextStep string
	Message  string
	// RetryAfter is set when the client is locked out.
	RetryAfter time.Duration
}

func (f *Failure) Error() string { return f.Message }

// RateLimited reports whether the failure is a lockout.
func (f *Failure) RateLimited() bool { return f.DetailCode == "AUTH_RATE_LIMITED" }

// Authenticator checks credentials.
type Authenticator struct {
	settings Settings
	tokens   TokenVerifier
	limiter  *Limiter
	// digests of the shared secrets, compared in constant time and with
	// equal lengths so the comparison leaks neither content nor length.
	tokenSum, passwordSum [sha256.Size]byte
}

// New builds an Authenticator. tokens may be nil (no API tokens); now may
// be nil (time.Now).
func New(s Settings, tokens TokenVerifier, now func() time.Time) (*Authenticator, error) {
	switch s.Mode {
	case ModeNone:
	case ModeToken:
		if s.Token == "" {
			return nil, errors.New("gateway.auth.mode is \"token\" but no token is set (gateway.auth.token, OPENCLAW_GATEWAY_TOKEN or --token)")
		}
	case ModePassword:
		if s.Password == "" {
			return nil, errors.New("gateway.auth.mode is \"password\" but no password is set (gateway.auth.password, OPENCLAW_GATEWAY_PASSWORD or --password)")
		}
	default:
		return nil, fmt.Errorf("gateway.auth.mode %q is not supported here; use \"token\", \"password\" or \"none\"", s.Mode)
	}
	a := &Authenticator{settings: s, tokens: tokens, limiter: NewLimiter(s.Limit, now)}
	a.tokenSum = sha256.Sum256([]byte(s.Token))
	a.passwordSum = sha256.Sum256([]byte(s.Password))
	return a, nil
}

// Mode returns the configured mode.
func (a *Authenticator) Mode() Mode { return a.settings.Mode }

// Required reports whether callers must present credentials.
func (a *Authenticator) Required() bool { return a.settings.Mode != ModeNone }

// Authenticate checks creds from the client at remoteAddr ("ip:port" or
// "ip"). Shared-secret auth accepts the configured secret in either field;
// a named API token is accepted in the token field in every mode except
// "none", where nothing is checked.
func (a *Authenticator) Authenticate(remoteAddr string, creds Credentials) (Principal, error) {
	if a.settings.Mode == ModeNone {
		return Principal{Method: "none"}, nil
	}
	ip := ClientIP(remoteAddr)
	if wait := a.limiter.Blocked(ip); wait > 0 {
		return Principal{}, &Failure{
			DetailCode: "AUTH_RATE_LIMITED", Reason: "rate_limited", NextStep: "wait_then_retry",
			Message:    "unauthorized: too many failed authentication attempts (retry later)",
			RetryAfter: wait,
		}
	}
	presented := []string{creds.Token, creds.Password}
	if creds.Token == "" && creds.Password == "" {
		// Missing credentials do not count against the client: only wrong ones do.
		return Principal{}, a.missing()
	}
	secretSum := a.tokenSum
	method := "token"
	if a.settings.Mode == ModePassword {
		secretSum, method = a.passwordSum, "password"
	}
	for _, p := range presented {
		if p == "" {
			continue
		}
		sum := sha256.Sum256([]byte(p))
		if subtle.ConstantTimeCompare(sum[:], secretSum[:]) == 1 {
			a.limiter.Succeeded(ip)
			return Principal{Method: method}, nil
		}
	}
	if a.tokens != nil && apitokens.LooksLikeToken(creds.Token) {
		tok, err := a.tokens.Verify(creds.Token)
		switch {
		case err == nil:
			a.limiter.Succeeded(ip)
			return Principal{Method: "api-token", TokenID: tok.ID, TokenName: tok.Name}, nil
		case errors.Is(err, apitokens.ErrExpired):
			a.limiter.Failed(ip)
			return Principal{}, &Failure{DetailCode: "AUTH_TOKEN_MISMATCH", Reason: "token_expired", NextStep: "update_auth_credentials",
				Message: fmt.Sprintf("unauthorized: API token %q expired (create a new one with openclaw token create)", tok.Name)}
		case errors.Is(err, apitokens.ErrRevoked):
			a.limiter.Failed(ip)
			return Principal{}, &Failure{DetailCode: "AUTH_TOKEN_MISMATCH", Reason: "token_revoked", NextStep: "update_auth_credentials",
				Message: fmt.Sprintf("unauthorized: API token %q was revoked", tok.Name)}
		case !errors.Is(err, apitokens.ErrUnknown):
			// The store itself is broken; do not blame the client.
			return Principal{}, fmt.Errorf("check API token: %w", err)
		}
	}
	a.limiter.Failed(ip)
	if a.settings.Mode == ModePassword {
		return Principal{}, &Failure{DetailCode: "AUTH_PASSWORD_MISMATCH", Reason: "password_mismatch", NextStep: "update_auth_credentials",
			Message: "unauthorized: gateway password mismatch (use this gateway's gateway.auth.password)"}
	}
	return Principal{}, &Failure{DetailCode: "AUTH_TOKEN_MISMATCH", Reason: "token_mismatch", NextStep: "update_auth_credentials",
		Message: "unauthorized: gateway token mismatch (use this gateway's gateway.auth.token or an API token from openclaw token create)"}
}

func (a *Authenticator) missing() *Failure {
	if a.settings.Mode == ModePassword {
		return &Failure{DetailCode: "AUTH_PASSWORD_MISSING", Reason: "password_missing", NextStep: "update_auth_configuration",
			Message: "unauthorized: gateway password missing (send the password in connect.params.auth.password or as a Bearer token)"}
	}
	return &Failure{DetailCode: "AUTH_TOKEN_MISSING", Reason: "token_missing", NextStep: "update_auth_configuration",
		Message: "unauthorized: gateway token missing (send it in connect.params.auth.token or as Authorization: Bearer <token>)"}
}

// BearerToken extracts the token from an Authorization header value.
func BearerToken(header string) string {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// ClientIP returns the address part of "ip:port" (or "ip").
func ClientIP(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		return addr.Unmap().String()
	}
	return host
}

// IsLoopback reports whether ip (from ClientIP) is a loopback address.
func IsLoopback(ip string) bool {
	addr, err := netip.ParseAddr(ip)
	return err == nil && addr.Unmap().IsLoopback()
}
