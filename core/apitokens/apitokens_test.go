package apitokens

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newStore(t *testing.T) (*Store, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	return Open(filepath.Join(t.TempDir(), "gateway", FileName), Options{Now: c.now}), c
}

func TestCreateVerifyRevoke(t *testing.T) {
	s, c := newStore(t)
	tok, secret, err := s.Create("my-dev-client", 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "ocat_") || !LooksLikeToken(secret) {
		t.Fatalf("secret %q has the wrong format", secret)
	}
	got, err := s.Verify(secret)
	if err != nil || got.ID != tok.ID || got.Name != "my-dev-client" {
		t.Fatalf("Verify = %+v, %v", got, err)
	}
	// A token with the right shape but wrong secret is unknown.
	forged := secret[:len(secret)-4] + "AAAA"
	if _, err := s.Verify(forged); !errors.Is(err, ErrUnknown) {
		t.Fatalf("forged token: %v, want ErrUnknown", err)
	}
	for _, bad := range []string{"", "secret", "ocat_short", "Bearer " + secret} {
		if _, err := s.Verify(bad); !errors.Is(err, ErrUnknown) {
			t.Errorf("Verify(%q) = %v, want ErrUnknown", bad, err)
		}
	}
	c.add(30*24*time.Hour + time.Second)
	if _, err := s.Verify(secret); !errors.Is(err, ErrExpired) {
		t.Fatalf("after expiry: %v, want ErrExpired", err)
	}

	_, secret2, err := s.Create("ci", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Revoke("ci"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Verify(secret2); !errors.Is(err, ErrRevoked) {
		t.Fatalf("after revoke: %v, want ErrRevoked", err)
	}
	if _, err := s.Revoke("nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoke unknown: %v", err)
	}
}

func TestStoreKeepsOnlyDigests(t *testing.T) {
	s, _ := newStore(t)
	_, secret, err := s.Create("x", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), secret) || strings.Contains(string(data), secret[len("ocat_xxxxxxxx_"):]) {
		t.Fatal("store file contains the token secret")
	}
	info, err := os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Fatalf("store file mode %v, want 0600", perm)
	}
}

// A token created through one Store (the CLI) is accepted by another that
// already loaded the file (the running gateway), and so is a revocation.
func TestChangesSeenAcrossInstances(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	gateway := Open(path, Options{})
	if _, err := gateway.List(); err != nil {
		t.Fatal(err)
	}
	cli := Open(path, Options{})
	tok, secret, err := cli.Create("remote", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gateway.Verify(secret); err != nil {
		t.Fatalf("gateway does not see new token: %v", err)
	}
	if _, err := Open(path, Options{}).Revoke(tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := gateway.Verify(secret); !errors.Is(err, ErrRevoked) {
		t.Fatalf("gateway does not see revocation: %v", err)
	}
}

func TestCreateRules(t *testing.T) {
	s, _ := newStore(t)
	if _, _, err := s.Create("dup", time.Hour); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ttl  time.Duration
		want string
	}{
		{"dup", time.Hour, "already exists"},
		{"", time.Hour, "empty"},
		{"   ", time.Hour, "empty"},
		{strings.Repeat("a", 65), time.Hour, "longer than 64"},
		{"bad\nname", time.Hour, "control character"},
		{"neg", -time.Hour, "negative"},
	}
	for _, tt := range tests {
		if _, _, err := s.Create(tt.name, tt.ttl); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Create(%q, %v) = %v, want error containing %q", tt.name, tt.ttl, err, tt.want)
		}
	}
	// A revoked name can be reused.
	if _, err := s.Revoke("dup"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Create("dup", time.Hour); err != nil {
		t.Fatalf("reuse of revoked name: %v", err)
	}
}

func TestConcurrentCreatesFromSeveralStores(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := Open(path, Options{}).Create("t"+string(rune('a'+i)), time.Hour)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	list, err := Open(path, Options{}).List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 20 {
		t.Fatalf("got %d tokens, want 20 (a write was lost)", len(list))
	}
}

func TestCorruptStoreIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := Open(path, Options{})
	if _, err := s.Verify("ocat_aaaaaaaa_" + strings.Repeat("A", 43)); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Verify on corrupt store = %v, want error naming the file", err)
	}
	if _, _, err := s.Create("x", time.Hour); err == nil {
		t.Fatal("Create on corrupt store succeeded; it would overwrite the file")
	}
}

func TestParseLifetime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"30d", 30 * 24 * time.Hour, false},
		{"12h", 12 * time.Hour, false},
		{"90m", 90 * time.Minute, false},
		{"2w", 14 * 24 * time.Hour, false},
		{"1y", 365 * 24 * time.Hour, false},
		{"45s", 45 * time.Second, false},
		{"never", 0, false},
		{"0", 0, false},
		{" 7D ", 7 * 24 * time.Hour, false},
		{"", 0, true},
		{"d", 0, true},
		{"30", 0, true},
		{"30x", 0, true},
		{"-5d", 0, true},
		{"0d", 0, true},
		{"1000y", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseLifetime(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseLifetime(%q) = %v, %v; want %v, err=%v", tt.in, got, err, tt.want, tt.err)
		}
	}
}
