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
// (channels.slack overlaid with channels.slack.accounts.<id>) the plugin
// itself acts on. Access policy keys are the gateway's business.
type accountConfig struct {
	Mode          string                     `json:"mode"`
	BotToken      secret                     `json:"botToken"`
	AppToken      secret                     `json:"appToken"`
	SigningSecret secret                     `json:"signingSecret"`
	WebhookPath   string                     `json:"webhookPath"`
	WebhookHost   string                     `json:"webhookHost"`
	WebhookPort   int                        `json:"webhookPort"`
	APIURL        string                     `json:"apiUrl"`
	Channels      map[string]json.RawMessage `json:"channels"`
	SlashCommand  slashCommandConfig         `json:"slashCommand"`
	Commands      struct {
		Native any `json:"native"`
	} `json:"commands"`
	UnfurlLinks *bool       `json:"unfurlLinks"`
	UnfurlMedia *bool       `json:"unfurlMedia"`
	Retry       retryPolicy `json:"retry"`
}

type slashCommandConfig struct {
	Enabled       bool   `json:"enabled"`
	Name          string `json:"name"`
	SessionPrefix string `json:"sessionPrefix"`
	Ephemeral     *bool  `json:"ephemeral"`
}

// Transport modes.
const (
	modeSocket = "socket"
	modeHTTP   = "http"
)

const (
	defaultAPIURL      = "https://slack.com/api/"
	defaultWebhookPath = "/slack/events"
	defaultWebhookHost = "127.0.0.1"
	defaultWebhookPort = 8788
)

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
		return cfg, pluginsdk.Permanent(fmt.Errorf("slack account %q: %w", acct.ID, err))
	}
	if err := cfg.normalise(); err != nil {
		return cfg, pluginsdk.Permanent(fmt.Errorf("slack account %q: %w", acct.ID, err))
	}
	return cfg, nil
}

func (c *accountConfig) normalise() error {
	var errs []error
	if c.Mode == "" {
		c.Mode = modeSocket
	}
	if c.BotToken == "" {
		errs = append(errs, errors.New("botToken is required (or set SLACK_BOT_TOKEN for the default account)"))
	}
	switch c.Mode {
	case modeSocket:
		if c.AppToken == "" {
			errs = append(errs, errors.New("appToken is required in socket mode (or set SLACK_APP_TOKEN for the default account)"))
		}
	case modeHTTP:
		if c.SigningSecret == "" {
			errs = append(errs, errors.New("signingSecret is required in http mode"))
		}
	case "relay":
		errs = append(errs, errors.New(`mode "relay" is not supported by this plugin; use "socket" or "http"`))
	default:
		errs = append(errs, fmt.Errorf("mode %q is not one of socket, http", c.Mode))
	}
	if c.APIURL == "" {
		c.APIURL = defaultAPIURL
	} else if u, err := url.Parse(c.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("apiUrl %q is not an http(s) URL", c.APIURL))
	} else if !strings.HasSuffix(c.APIURL, "/") {
		c.APIURL += "/"
	}
	if c.WebhookPath == "" {
		c.WebhookPath = defaultWebhookPath
	} else if !strings.HasPrefix(c.WebhookPath, "/") {
		errs = append(errs, fmt.Errorf("webhookPath %q must start with /", c.WebhookPath))
	}
	if c.WebhookHost == "" {
		c.WebhookHost = defaultWebhookHost
	}
	if c.WebhookPort == 0 {
		c.WebhookPort = defaultWebhookPort
	} else if c.WebhookPort < 0 || c.WebhookPort > 65535 {
		errs = append(errs, fmt.Errorf("webhookPort %d is not a port", c.WebhookPort))
	}
	if c.SlashCommand.Name == "" {
		c.SlashCommand.Name = "openclaw"
	}
	c.SlashCommand.Name = strings.TrimPrefix(c.SlashCommand.Name, "/")
	if c.SlashCommand.SessionPrefix == "" {
		c.SlashCommand.SessionPrefix = "slack:slash"
	}
	c.Retry = c.Retry.withDefaults()
	return errors.Join(errs...)
}

// ephemeral reports whether slash command replies are visible only to the
// invoking user (OpenClaw's default).
func (c slashCommandConfig) ephemeral() bool { return c.Ephemeral == nil || *c.Ephemeral }

// nativeCommands reports whether commands other than the configured slash
// command are handed to the gateway (commands.native: true).
func (c accountConfig) nativeCommands() bool {
	b, ok := c.Commands.Native.(bool)
	return ok && b
}
