// Package netguard keeps model-chosen URLs away from private networks. The
// address check happens in the dialer, on the addresses actually dialled,
// so it holds across redirects and against DNS answers that change between
// a check and the connection.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// ErrBlocked marks a destination the policy refuses.
var ErrBlocked = errors.New("blocked destination")

// Policy is tools.web.fetch.ssrfPolicy.
type Policy struct {
	// AllowPrivate lets every private, loopback and link-local address
	// through (dangerouslyAllowPrivateNetwork).
	AllowPrivate bool
	// AllowedHosts are exact hostnames allowed whatever they resolve to.
	AllowedHosts []string
	// BlockedHosts are exact hostnames, or *.domain for its subdomains,
	// refused before any DNS lookup, even when private networks are allowed.
	BlockedHosts []string
	// AllowBenchmark and AllowULA open 198.18.0.0/15 and fc00::/7, which
	// fake-IP proxies use.
	AllowBenchmark bool
	AllowULA       bool
}

func normHost(h string) string { return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".") }

// hostAllowed reports an explicit exception for host.
func (p Policy) hostAllowed(host string) bool {
	host = normHost(host)
	for _, a := range p.AllowedHosts {
		if normHost(a) == host {
			return true
		}
	}
	return false
}

// CheckHost refuses a hostname before resolving it: configured blocks, and
// names that always mean this machine.
func (p Policy) CheckHost(host string) error {
	host = normHost(strings.Trim(host, "[]"))
	for _, b := range p.BlockedHosts {
		b = normHost(b)
		if rest, ok := strings.CutPrefix(b, "*."); ok {
			if strings.HasSuffix(host, "."+rest) {
				return fmt.Errorf("%w: %s matches blockedHostnames entry %q", ErrBlocked, host, b)
			}
		} else if host == b {
			return fmt.Errorf("%w: %s is in blockedHostnames", ErrBlocked, host)
		}
	}
	if p.AllowPrivate || p.hostAllowed(host) {
		return nil
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || host == "metadata.google.internal" {
		return fmt.Errorf("%w: %s is a local or metadata host name", ErrBlocked, host)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return p.CheckAddr(ip)
	}
	return nil
}

var (
	// special are ranges no public web page lives in.
	special = prefixes(
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
		"192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.51.100.0/24", "203.0.113.0/24",
		"224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
		"::/128", "::1/128", "fe80::/10", "ff00::/8", "100::/64", "2001:db8::/32",
	)
	benchmark = netip.MustParsePrefix("198.18.0.0/15")
	ula       = netip.MustParsePrefix("fc00::/7")
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// CheckAddr refuses private, loopback, link-local and other non-public
// addresses, including IPv4 addresses carried inside IPv6 ones.
func (p Policy) CheckAddr(ip netip.Addr) error {
	if p.AllowPrivate {
		return nil
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		// IPv4 smuggled in NAT64 or 6to4 form is judged as IPv4.
		b := ip.As16()
		switch {
		case nat64.Contains(ip):
			return p.CheckAddr(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		case sixToFour.Contains(ip):
			return p.CheckAddr(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		}
	}
	if benchmark.Contains(ip) && !p.AllowBenchmark {
		return fmt.Errorf("%w: %s is in the benchmark range 198.18.0.0/15 (allowRfc2544BenchmarkRange)", ErrBlocked, ip)
	}
	if ula.Contains(ip) && !p.AllowULA {
		return fmt.Errorf("%w: %s is a unique-local IPv6 address (allowIpv6UniqueLocalRange)", ErrBlocked, ip)
	}
	for _, s := range special {
		if s.Contains(ip) {
			return fmt.Errorf("%w: %s is a private, loopback or reserved address", ErrBlocked, ip)
		}
	}
	return nil
}

// Resolver looks hosts up; net.DefaultResolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Dialer returns a DialContext for http.Transport that connects only to
// addresses the policy allows. A hostname is resolved once, every answer is
// checked (one bad answer refuses the host), and the connection goes to a
// checked address, so DNS cannot swap the target after the check.
func (p Policy) Dialer(d *net.Dialer, r Resolver) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if err := p.CheckHost(host); err != nil {
			return nil, err
		}
		exempt := p.AllowPrivate || p.hostAllowed(host)
		var ips []netip.Addr
		if ip, err := netip.ParseAddr(host); err == nil {
			ips = []netip.Addr{ip}
		} else {
			ips, err = r.LookupNetIP(ctx, "ip", host)
			if err != nil {
				return nil, fmt.Errorf("resolve %s: %w", host, err)
			}
		}
		if len(ips) == 0 {
			return nil, fmt.Errorf("resolve %s: no addresses", host)
		}
		for _, ip := range ips {
			if err := p.CheckAddr(ip); err != nil && !exempt {
				return nil, fmt.Errorf("%s: %w", host, err)
			}
		}
		var lastErr error
		for _, ip := range ips {
			c, err := d.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
			if err == nil {
				return c, nil
			}
			lastErr = err
		}
		return nil, lastErr
	}
}
