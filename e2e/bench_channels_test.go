//go:build linux

package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/e2e/harness"
)

// TestBenchAllChannels runs one gateway with all four channel plugins
// connected to their fakes, and records each plugin's idle RSS, the total,
// and the echo round trip per channel.
func TestBenchAllChannels(t *testing.T) {
	path := benchResults(t)
	var rigs []chanRig
	for _, p := range chanPlatforms() {
		r := p.new(t)
		defer r.close()
		rigs = append(rigs, r)
	}
	cfg := map[string]any{
		"agents":   map[string]any{"defaults": map[string]any{"model": map[string]any{"primary": "echo/echo"}, "skipBootstrap": true}},
		"channels": map[string]any{},
		"session":  map[string]any{"dmScope": "per-channel-peer"},
		"messages": map[string]any{"inbound": map[string]any{"debounceMs": 0}},
	}
	for _, r := range rigs {
		block := r.block()
		for k, v := range openDMs() {
			block[k] = v
		}
		cfg["channels"].(map[string]any)[r.channel()] = block
		if c, ok := r.(chanConfigurer); ok {
			c.configure(cfg)
		}
	}
	// No tool plugins: this measures the channels.
	plugins, _ := cfg["plugins"].(map[string]any)
	if plugins == nil {
		plugins = map[string]any{}
		cfg["plugins"] = plugins
	}
	plugins["deny"] = []any{"exec", "fs", "web", "skills-core"}
	g := harness.StartGateway(t, harness.Options{Config: cfg})
	ctx, cancel := context.WithTimeout(t.Context(), 2*chanWait)
	defer cancel()
	for _, r := range rigs {
		if err := r.ready(ctx); err != nil {
			t.Fatalf("%s did not connect: %v", r.channel(), err)
		}
	}
	values := map[string]any{}
	for _, r := range rigs {
		const n = 30
		var samples []time.Duration
		for i := range n {
			text := fmt.Sprintf("bench %s %d", r.channel(), i)
			start := time.Now()
			r.dm(t, i%2, text)
			waitPost(t, r, r.dmConv(i%2), "echo: "+text)
			samples = append(samples, time.Since(start))
		}
		values[r.channel()+"RoundTripP50Ms"] = pct(samples, 0.5)
	}
	gwRSS, gwAnon := settleRSS(g.Cmd.Process.Pid)
	total, totalAnon := gwRSS, gwAnon
	for name, pid := range g.PluginPIDs() {
		rss, anon := float64(harness.RSSKiB(pid))/1024, float64(harness.AnonKiB(pid))/1024
		values[name+"MiB"], values[name+"AnonMiB"] = round(rss), round(anon)
		total += rss
		totalAnon += anon
	}
	values["gatewayMiB"], values["gatewayAnonMiB"] = round(gwRSS), round(gwAnon)
	values["totalMiB"], values["totalAnonMiB"] = round(total), round(totalAnon)
	values["note"] = "round trips include each fake platform's own delivery (HTTP/WebSocket on loopback); RSS includes shared binary pages, Anon does not"
	record(t, path, "allChannels", values)
}
