package netguard

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
)

func TestCheckAddr(t *testing.T) {
	blocked := []string{
		"127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1",
		"0.0.0.0", "224.0.0.1", "255.255.255.255", "198.18.0.1", "::1", "::", "fe80::1", "fd00::1", "ff02::1",
		"::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "2002:7f00:1::", "192.0.2.5",
	}
	public := []string{"93.184.216.34", "1.1.1.1", "172.32.0.1", "2606:4700:4700::1111", "64:ff9b::5db8:d822"}
	var p Policy
	for _, s := range blocked {
		if err := p.CheckAddr(netip.MustParseAddr(s)); !errors.Is(err, ErrBlocked) {
			t.Errorf("CheckAddr(%s) = %v, want blocked", s, err)
		}
	}
	for _, s := range public {
		if err := p.CheckAddr(netip.MustParseAddr(s)); err != nil {
			t.Errorf("CheckAddr(%s) = %v, want allowed", s, err)
		}
	}
	if err := (Policy{AllowBenchmark: true}).CheckAddr(netip.MustParseAddr("198.18.5.5")); err != nil {
		t.Errorf("benchmark opt-in: %v", err)
	}
	if err := (Policy{AllowULA: true}).CheckAddr(netip.MustParseAddr("fd12::1")); err != nil {
		t.Errorf("ULA opt-in: %v", err)
	}
	if err := (Policy{AllowPrivate: true}).CheckAddr(netip.MustParseAddr("127.0.0.1")); err != nil {
		t.Errorf("private opt-in: %v", err)
	}
}

func TestCheckHost(t *testing.T) {
	p := Policy{BlockedHosts: []string{"tracker.example.com", "*.ads.example.com"}, AllowedHosts: []string{"intranet.local."}}
	tests := []struct {
		host    string
		blocked bool
	}{
		{"tracker.example.com", true},
		{"TRACKER.example.com.", true},
		{"x.ads.example.com", true},
		{"ads.example.com", false}, // wildcards do not cover the apex
		{"localhost", true},
		{"api.localhost", true},
		{"metadata.google.internal", true},
		{"127.0.0.1", true},
		{"[::1]", true},
		{"example.com", false},
		{"intranet.local", false},
	}
	for _, tt := range tests {
		if err := p.CheckHost(tt.host); (err != nil) != tt.blocked {
			t.Errorf("CheckHost(%q) = %v, want blocked=%v", tt.host, err, tt.blocked)
		}
	}
	// A blocked host stays blocked with private networks allowed.
	if err := (Policy{AllowPrivate: true, BlockedHosts: []string{"x.test"}}).CheckHost("x.test"); err == nil {
		t.Error("blockedHostnames ignored under dangerouslyAllowPrivateNetwork")
	}
}

type fakeResolver map[string][]netip.Addr

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if ips, ok := f[host]; ok {
		return ips, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func TestDialerChecksResolvedAddresses(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	r := fakeResolver{
		"rebind.test": {netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("127.0.0.1")},
		"local.test":  {netip.MustParseAddr("127.0.0.1")},
	}
	d := &net.Dialer{}
	dial := Policy{}.Dialer(d, r)
	for _, host := range []string{"rebind.test", "local.test", "127.0.0.1"} {
		if c, err := dial(t.Context(), "tcp", net.JoinHostPort(host, port)); !errors.Is(err, ErrBlocked) {
			if c != nil {
				c.Close()
			}
			t.Errorf("dial %s = %v, want blocked", host, err)
		}
	}
	allowed := Policy{AllowedHosts: []string{"127.0.0.1"}}.Dialer(d, r)
	c, err := allowed(t.Context(), "tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		t.Fatalf("allowed host: %v", err)
	}
	c.Close()
	pinned := Policy{AllowPrivate: true}.Dialer(d, r)
	c, err = pinned(t.Context(), "tcp", net.JoinHostPort("local.test", port))
	if err != nil {
		t.Fatalf("private allowed: %v", err)
	}
	c.Close()
}
