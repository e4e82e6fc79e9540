package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// envAPIURL overrides Discord's REST base, as in OpenClaw.
const envAPIURL = "DISCORD_API_URL"

// accountConfig is what the plugin itself needs from an account's config.
// Access policy, mention gating, chunking and history are the gateway's, so
// their keys are not read here.
type accountConfig struct {
	token string
	// apiBase replaces https://discord.com/api/vN when set.
	apiBase        *url.URL
	proxy          *url.URL
	retry          retryPolicy
	intents        discordgo.Intent
	suppressEmbeds bool
	mediaMaxBytes  int64
	presence       *discordgo.GatewayStatusUpdate
}

// rawConfig mirrors the keys of channels.discord (merged with the account's
// overrides) that the plugin reads.
type rawConfig struct {
	Token   json.RawMessage `json:"token"`
	APIURL  string          `json:"apiUrl"`
	Proxy   string          `json:"proxy"`
	Retry   *rawRetry       `json:"retry"`
	Intents struct {
		MessageContent *bool `json:"messageContent"`
		Presence       *bool `json:"presence"`
		GuildMembers   *bool `json:"guildMembers"`
	} `json:"intents"`
	SuppressEmbeds *bool    `json:"suppressEmbeds"`
	MediaMaxMb     *float64 `json:"mediaMaxMb"`
	Status         string   `json:"status"`
	Activity       string   `json:"activity"`
	ActivityType   *int     `json:"activityType"`
	ActivityURL    string   `json:"activityUrl"`
}

type rawRetry struct {
	Attempts   *int     `json:"attempts"`
	MinDelayMs *int     `json:"minDelayMs"`
	MaxDelayMs *int     `json:"maxDelayMs"`
	Jitter     *float64 `json:"jitter"`
}

// Defaults OpenClaw documents for Discord.
const (
	defaultMediaMaxMb = 100
	defaultAttempts   = 3
	defaultMinDelay   = 500 * time.Millisecond
	defaultMaxDelay   = 30 * time.Second
	defaultJitter     = 0.1
)

// parseConfig reads an account's config. Every problem names the key.
func parseConfig(raw json.RawMessage, lookupEnv func(string) (string, bool)) (accountConfig, error) {
	var rc rawConfig
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &rc); err != nil {
			return accountConfig{}, fmt.Errorf("discord config: %w", err)
		}
	}
	var errs []error
	cfg := accountConfig{suppressEmbeds: true, mediaMaxBytes: defaultMediaMaxMb << 20}

	tok, err := parseToken(rc.Token)
	if err != nil {
		errs = append(errs, err)
	}
	cfg.token = tok

	apiURL := rc.APIURL
	if apiURL == "" && lookupEnv != nil {
		apiURL, _ = lookupEnv(envAPIURL)
	}
	if apiURL != "" {
		if cfg.apiBase, err = parseAPIURL(apiURL); err != nil {
			errs = append(errs, err)
		}
	}
	if rc.Proxy != "" {
		u, err := url.Parse(rc.Proxy)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "socks5") {
			errs = append(errs, fmt.Errorf("proxy: %q is not an http, https or socks5 URL", rc.Proxy))
		} else {
			cfg.proxy = u
		}
	}
	if cfg.retry, err = parseRetry(rc.Retry); err != nil {
		errs = append(errs, err)
	}

	cfg.intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsDirectMessages
	if rc.Intents.MessageContent == nil || *rc.Intents.MessageContent {
		cfg.intents |= discordgo.IntentsMessageContent
	}
	if rc.Intents.GuildMembers != nil && *rc.Intents.GuildMembers {
		cfg.intents |= discordgo.IntentsGuildMembers
	}
	if rc.Intents.Presence != nil && *rc.Intents.Presence {
		cfg.intents |= discordgo.IntentsGuildPresences
	}
	if rc.SuppressEmbeds != nil {
		cfg.suppressEmbeds = *rc.SuppressEmbeds
	}
	if rc.MediaMaxMb != nil {
		if *rc.MediaMaxMb <= 0 {
			errs = append(errs, fmt.Errorf("mediaMaxMb: %v must be above 0", *rc.MediaMaxMb))
		} else {
			cfg.mediaMaxBytes = int64(*rc.MediaMaxMb * (1 << 20))
		}
	}
	if cfg.presence, err = parsePresence(rc); err != nil {
		errs = append(errs, err)
	}
	return cfg, errors.Join(errs...)
}

func parseToken(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", errors.New("token: not set (set channels.discord.token, or DISCORD_BOT_TOKEN for the default account)")
	}
	if raw[0] == '{' {
		return "", errors.New("token: the secret reference was not resolved by the gateway")
	}
	var tok string
	if err := json.Unmarshal(raw, &tok); err != nil {
		return "", errors.New("token: must be a string")
	}
	tok = strings.TrimSpace(tok)
	// People paste the Authorization header value; accept it.
	if len(tok) > 4 && strings.EqualFold(tok[:4], "bot ") {
		tok = strings.TrimSpace(tok[4:])
	}
	if tok == "" {
		return "", errors.New("token: is empty")
	}
	if strings.ContainsAny(tok, " \t\r\n") {
		return "", errors.New("token: contains whitespace")
	}
	return tok, nil
}

// parseAPIURL checks a REST base override. Plain http is allowed only on
// loopback, so a typo cannot send the token in clear over a network.
func parseAPIURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(s), "/"))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("apiUrl: %q is not an absolute http(s) URL", s)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("apiUrl: %q uses plain http on a non-loopback host; use https", s)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("apiUrl: %q must not carry a query or fragment", s)
	}
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func parseRetry(r *rawRetry) (retryPolicy, error) {
	p := retryPolicy{attempts: defaultAttempts, minDelay: defaultMinDelay, maxDelay: defaultMaxDelay, jitter: defaultJitter}
	if r == nil {
		return p, nil
	}
	var errs []error
	if r.Attempts != nil {
		if *r.Attempts < 1 {
			errs = append(errs, fmt.Errorf("retry.attempts: %d must be at least 1", *r.Attempts))
		}
		p.attempts = *r.Attempts
	}
	if r.MinDelayMs != nil {
		if *r.MinDelayMs < 0 {
			errs = append(errs, fmt.Errorf("retry.minDelayMs: %d must not be negative", *r.MinDelayMs))
		}
		p.minDelay = time.Duration(*r.MinDelayMs) * time.Millisecond
	}
	if r.MaxDelayMs != nil {
		if *r.MaxDelayMs < 0 {
			errs = append(errs, fmt.Errorf("retry.maxDelayMs: %d must not be negative", *r.MaxDelayMs))
		}
		p.maxDelay = time.Duration(*r.MaxDelayMs) * time.Millisecond
	}
	if r.Jitter != nil {
		if *r.Jitter < 0 || *r.Jitter > 1 {
			errs = append(errs, fmt.Errorf("retry.jitter: %v must be between 0 and 1", *r.Jitter))
		}
		p.jitter = *r.Jitter
	}
	if p.maxDelay < p.minDelay {
		errs = append(errs, fmt.Errorf("retry.maxDelayMs: %s is below retry.minDelayMs %s", p.maxDelay, p.minDelay))
	}
	return p, errors.Join(errs...)
}

// parsePresence turns status/activity keys into the presence sent in
// IDENTIFY; nil leaves Discord's default (online, no activity).
func parsePresence(rc rawConfig) (*discordgo.GatewayStatusUpdate, error) {
	if rc.Status == "" && rc.Activity == "" && rc.ActivityType == nil && rc.ActivityURL == "" {
		return nil, nil
	}
	p := &discordgo.GatewayStatusUpdate{Status: rc.Status}
	if p.Status == "" {
		p.Status = "online"
	}
	switch p.Status {
	case "online", "idle", "dnd", "invisible":
	default:
		return nil, fmt.Errorf("status: %q is not one of online, idle, dnd, invisible", rc.Status)
	}
	kind := discordgo.ActivityTypeCustom
	if rc.ActivityType != nil {
		if *rc.ActivityType < 0 || *rc.ActivityType > 5 {
			return nil, fmt.Errorf("activityType: %d is not between 0 and 5", *rc.ActivityType)
		}
		kind = discordgo.ActivityType(*rc.ActivityType)
	}
	if rc.ActivityURL != "" && kind != discordgo.ActivityTypeStreaming {
		return nil, errors.New("activityUrl: needs activityType 1 (streaming)")
	}
	if kind == discordgo.ActivityTypeStreaming && rc.ActivityURL == "" && rc.Activity != "" {
		return nil, errors.New("activityType: 1 (streaming) needs activityUrl")
	}
	if rc.Activity != "" {
		p.Game = discordgo.Activity{Name: rc.Activity, Type: kind, URL: rc.ActivityURL}
		if kind == discordgo.ActivityTypeCustom {
			p.Game.Name, p.Game.State = "Custom Status", rc.Activity
		}
	}
	return p, nil
}
