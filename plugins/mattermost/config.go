package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

// accountConfig is the part of an account's merged config
// (channels.mattermost overlaid with channels.mattermost.accounts.<id>) the
// plugin acts on. Access policy keys are the gateway's business.
type accountConfig struct {
	BotToken       secret      `json:"botToken"`
	BaseURL        string      `json:"baseUrl"`
	ChatMode       string      `json:"chatmode"`
	OncharPrefixes []string    `json:"oncharPrefixes"`
	Retry          retryPolicy `json:"retry"`
	DMChannelRetry struct {
		MaxRetries     int `json:"maxRetries"`
		InitialDelayMs int `json:"initialDelayMs"`
		MaxDelayMs     int `json:"maxDelayMs"`
		TimeoutMs      int `json:"timeoutMs"`
	} `json:"dmChannelRetry"`
}

// Chat modes: when a channel message counts as addressed to the bot.
const (
	chatOnCall    = "oncall"    // on @mention (default)
	chatOnMessage = "onmessage" // every message
	chatOnChar    = "onchar"    // a trigger prefix, or an @mention
)

var defaultOncharPrefixes = []string{">", "!"}

// secret is a credential: a plain string once the gateway has resolved
// any SecretRef. An unresolved SecretRef is reported, never guessed at.
type secret string

func (s *secret) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err == nil {
		*s = secret(str)
		return nil
	}
	var ref struct {
		Source string `json:"source"`
		ID     string `json:"id"`
	}
	if err := json.Unmarshal(b, &ref); err == nil && ref.Source != "" {
		return fmt.Errorf("SecretRef %s:%s was not resolved by the gateway", ref.Source, ref.ID)
	}
	return errors.New("must be a string")
}

// parseAccountConfig decodes and checks an account's config. Every problem
// is a Permanent error naming the key: no retry can fix a bad config.
func parseAccountConfig(acct pluginsdk.Account) (accountConfig, error) {
	var cfg accountConfig
	if err := pluginsdk.DecodeConfig(acct.Config, &cfg); err != nil {
		return cfg, pluginsdk.Permanent(fmt.Errorf("mattermost account %q: %w", acct.ID, err))
	}
	if err := cfg.normalise(); err != nil {
		return cfg, pluginsdk.Permanent(fmt.Errorf("mattermost account %q: %w", acct.ID, err))
	}
	return cfg, nil
}

func (c *accountConfig) normalise() error {
	var errs []error
	if c.BotToken == "" {
		errs = append(errs, errors.New("botToken is required (or set MATTERMOST_BOT_TOKEN for the default account)"))
	}
	base, err := normaliseBaseURL(c.BaseURL)
	if err != nil {
		errs = append(errs, err)
	}
	c.BaseURL = base
	switch c.ChatMode {
	case "":
		c.ChatMode = chatOnCall
	case chatOnCall, chatOnMessage, chatOnChar:
	default:
		errs = append(errs, fmt.Errorf("chatmode %q is not one of oncall, onmessage, onchar", c.ChatMode))
	}
	if c.OncharPrefixes == nil {
		c.OncharPrefixes = defaultOncharPrefixes
	}
	for i, p := range c.OncharPrefixes {
		if strings.TrimSpace(p) == "" {
			errs = append(errs, fmt.Errorf("oncharPrefixes[%d] is empty", i))
		}
	}
	c.Retry = c.Retry.withDefaults()
	return errors.Join(errs...)
}

// normaliseBaseURL checks the server URL and strips a trailing /api/v4 and
// slashes, as users often paste the API URL.
func normaliseBaseURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", errors.New("baseUrl is required (or set MATTERMOST_URL for the default account)")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("baseUrl %q is not an http(s) URL", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("baseUrl %q must not have a query or fragment", raw)
	}
	path := strings.TrimRight(u.Path, "/")
	path = strings.TrimSuffix(path, "/api/v4")
	u.Path = strings.TrimRight(path, "/")
	return u.String(), nil
}

// dmPolicy is the retry policy for opening direct channels
// (dmChannelRetry), which OpenClaw tunes separately.
func (c accountConfig) dmPolicy() retryPolicy {
	d := c.DMChannelRetry
	p := retryPolicy{Attempts: 4, MinDelayMs: 1000, MaxDelayMs: 10000, Jitter: c.Retry.Jitter}
	if d.MaxRetries > 0 {
		p.Attempts = d.MaxRetries + 1
	}
	if d.InitialDelayMs > 0 {
		p.MinDelayMs = d.InitialDelayMs
	}
	if d.MaxDelayMs > 0 {
		p.MaxDelayMs = d.MaxDelayMs
	}
	return p.withDefaults()
}
