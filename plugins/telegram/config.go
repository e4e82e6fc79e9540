package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

// Defaults, as OpenClaw documents them for Telegram.
const (
	defaultAPIRoot     = "https://api.telegram.org"
	defaultWebhookPath = "/telegram-webhook"
	defaultWebhookHost = "127.0.0.1"
	defaultWebhookPort = 8787
	// healthPath is reserved on the webhook listener.
	healthPath = "/healthz"
	// maxDownloadBytes is the Bot API's getFile limit.
	maxDownloadBytes = 20 << 20
)

// rawConfig is the part of an account's merged config the plugin reads.
// The core evaluates the rest (access policy, mention gating, chunking …).
type rawConfig struct {
	BotToken        json.RawMessage `json:"botToken"`
	TokenFile       string          `json:"tokenFile"`
	APIRoot         string          `json:"apiRoot"`
	Proxy           string          `json:"proxy"`
	WebhookURL      string          `json:"webhookUrl"`
	WebhookSecret   json.RawMessage `json:"webhookSecret"`
	WebhookPath     string          `json:"webhookPath"`
	WebhookHost     string          `json:"webhookHost"`
	WebhookPort     int             `json:"webhookPort"`
	WebhookCertPath string          `json:"webhookCertPath"`
	CustomCommands  []rawCommand    `json:"customCommands"`
	LinkPreview     *bool           `json:"linkPreview"`
	MediaMaxMb      *float64        `json:"mediaMaxMb"`
	Retry           rawRetry        `json:"retry"`
	Actions         map[string]bool `json:"actions"`
}

type rawCommand struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

type rawRetry struct {
	Attempts   *int     `json:"attempts"`
	MinDelayMs *int     `json:"minDelayMs"`
	MaxDelayMs *int     `json:"maxDelayMs"`
	Jitter     *float64 `json:"jitter"`
}

// settings are an account's validated settings.
type settings struct {
	accountID string
	token     string
	apiRoot   string
	proxy     *url.URL
	webhook   *webhookSettings
	commands  []command
	// skippedCommands explains customCommands entries that were dropped.
	skippedCommands []string
	linkPreview     bool
	mediaMaxBytes   int64
	retry           retryPolicy
	sendDisabled    bool
	reactDisabled   bool
}

type webhookSettings struct {
	url      string
	secret   string
	path     string
	addr     string
	certPath string
}

type command struct {
	Command     string
	Description string
}

// tokenPattern is the shape of a BotFather token: the bot id, a colon and
// 35 characters.
var tokenPattern = regexp.MustCompile(`^\d+:[\w-]{35}$`)

// secretPattern is what Telegram accepts as a webhook secret token.
var secretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// commandPattern is what Telegram accepts as a command name.
var commandPattern = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// configPath names where an account's keys live, for error messages.
func configPath(accountID string) string {
	if accountID == "" || accountID == "default" {
		return "channels.telegram"
	}
	return "channels.telegram.accounts." + accountID
}

// parseSettings validates an account's config. Every problem is reported
// at once, each naming the key it is about.
func parseSettings(acct pluginsdk.Account) (settings, error) {
	where := configPath(acct.ID)
	var raw rawConfig
	if len(acct.Config) > 0 {
		if err := json.Unmarshal(acct.Config, &raw); err != nil {
			return settings{}, fmt.Errorf("%s: %w", where, err)
		}
	}
	s := settings{accountID: acct.ID, linkPreview: true}
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s.%s", where, fmt.Sprintf(format, args...)))
	}

	token, err := resolveToken(raw)
	switch {
	case err != nil:
		bad("%v", err)
	case token == "" && (acct.ID == "" || acct.ID == "default"):
		errs = append(errs, fmt.Errorf("%s.botToken is not set: set botToken or tokenFile, or TELEGRAM_BOT_TOKEN in the gateway's environment", where))
	case token == "":
		errs = append(errs, fmt.Errorf("%s.botToken is not set: named accounts need botToken or tokenFile", where))
	case !tokenPattern.MatchString(token):
		bad("botToken is not a Telegram bot token (expected <bot id>:<35 letters, digits, '_' or '-'>, as BotFather prints it)")
	default:
		s.token = token
	}

	s.apiRoot, err = parseAPIRoot(raw.APIRoot)
	if err != nil {
		bad("apiRoot: %v", err)
	}
	if raw.Proxy != "" {
		p, err := url.Parse(raw.Proxy)
		if err != nil || p.Host == "" || !oneOf(p.Scheme, "http", "https", "socks5", "socks5h") {
			bad("proxy: %q is not an http(s):// or socks5:// proxy URL", redactURL(raw.Proxy))
		} else {
			s.proxy = p
		}
	}
	s.webhook = parseWebhook(raw, bad)
	s.commands, s.skippedCommands = parseCommands(raw.CustomCommands)
	if raw.LinkPreview != nil {
		s.linkPreview = *raw.LinkPreview
	}
	s.mediaMaxBytes = maxDownloadBytes
	if raw.MediaMaxMb != nil {
		if *raw.MediaMaxMb < 0 {
			bad("mediaMaxMb: must not be negative")
		} else {
			s.mediaMaxBytes = int64(*raw.MediaMaxMb * (1 << 20))
		}
	}
	s.retry = parseRetry(raw.Retry, bad)
	if v, ok := raw.Actions["sendMessage"]; ok && !v {
		s.sendDisabled = true
	}
	if v, ok := raw.Actions["reactions"]; ok && !v {
		s.reactDisabled = true
	}
	return s, errors.Join(errs...)
}

// resolveToken reads botToken, or tokenFile when botToken is empty. A
// token file must be a regular file: a symlink could point the gateway at
// any file the user can read.
func resolveToken(raw rawConfig) (string, error) {
	if len(raw.BotToken) > 0 && string(raw.BotToken) != "null" {
		var tok string
		if err := json.Unmarshal(raw.BotToken, &tok); err != nil {
			return "", errors.New("botToken: the gateway passed a secret reference it did not resolve; give the token as a string")
		}
		if tok = strings.TrimSpace(tok); tok != "" {
			return tok, nil
		}
	}
	if raw.TokenFile == "" {
		return "", nil
	}
	fi, err := os.Lstat(raw.TokenFile)
	if err != nil {
		return "", fmt.Errorf("tokenFile: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("tokenFile: %s is not a regular file (symlinks are refused)", raw.TokenFile)
	}
	data, err := os.ReadFile(raw.TokenFile)
	if err != nil {
		return "", fmt.Errorf("tokenFile: %w", err)
	}
	tok := strings.TrimSpace(string(data))
	if tok == "" {
		return "", fmt.Errorf("tokenFile: %s is empty", raw.TokenFile)
	}
	return tok, nil
}

func parseAPIRoot(root string) (string, error) {
	root = strings.TrimSpace(root)
	if root == "" {
		return defaultAPIRoot, nil
	}
	u, err := url.Parse(root)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("%q is not an http(s) URL", redactURL(root))
	}
	if strings.Contains(u.Path, "/bot") {
		return "", errors.New("must be the Bot API root (such as https://api.telegram.org), without /bot<token>")
	}
	return strings.TrimRight(root, "/"), nil
}

// parseWebhook reads the webhook keys; nil means long polling.
func parseWebhook(raw rawConfig, bad func(string, ...any)) *webhookSettings {
	if strings.TrimSpace(raw.WebhookURL) == "" {
		return nil
	}
	u, err := url.Parse(raw.WebhookURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		bad("webhookUrl: %q is not an https URL", raw.WebhookURL)
	}
	var secret string
	if len(raw.WebhookSecret) > 0 && string(raw.WebhookSecret) != "null" {
		if err := json.Unmarshal(raw.WebhookSecret, &secret); err != nil {
			bad("webhookSecret: the gateway passed a secret reference it did not resolve")
		}
	}
	switch {
	case secret == "":
		bad("webhookSecret: required with webhookUrl, so the listener can tell Telegram's calls from anyone else's")
	case !secretPattern.MatchString(secret):
		bad("webhookSecret: Telegram accepts 1-256 characters: letters, digits, '_' and '-'")
	}
	w := &webhookSettings{url: raw.WebhookURL, secret: secret, path: raw.WebhookPath, certPath: raw.WebhookCertPath}
	if w.path == "" {
		w.path = defaultWebhookPath
	}
	switch {
	case !strings.HasPrefix(w.path, "/"):
		bad("webhookPath: %q must start with '/'", w.path)
	case w.path == healthPath:
		bad("webhookPath: %s is reserved for health checks; choose another path", healthPath)
	}
	host := raw.WebhookHost
	if host == "" {
		host = defaultWebhookHost
	}
	port := raw.WebhookPort
	if port == 0 {
		port = defaultWebhookPort
	}
	if port < 1 || port > 65535 {
		bad("webhookPort: %d is not a TCP port", port)
	}
	w.addr = net.JoinHostPort(host, strconv.Itoa(port))
	if w.certPath != "" {
		if fi, err := os.Stat(w.certPath); err != nil || !fi.Mode().IsRegular() {
			bad("webhookCertPath: %s is not a readable file", w.certPath)
		}
	}
	return w
}

// parseCommands normalises customCommands as OpenClaw does (leading '/'
// stripped, lower case) and drops invalid or duplicate entries, saying why.
func parseCommands(raw []rawCommand) ([]command, []string) {
	var out []command
	var skipped []string
	seen := map[string]bool{}
	for i, c := range raw {
		name := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(c.Command), "/"))
		desc := strings.TrimSpace(c.Description)
		switch {
		case !commandPattern.MatchString(name):
			skipped = append(skipped, fmt.Sprintf("customCommands[%d]: %q is not a command name (a-z, 0-9, _; 1-32 characters)", i, c.Command))
		case desc == "" || len([]rune(desc)) > 256:
			skipped = append(skipped, fmt.Sprintf("customCommands[%d]: /%s needs a description of 1-256 characters", i, name))
		case seen[name]:
			skipped = append(skipped, fmt.Sprintf("customCommands[%d]: /%s is listed twice", i, name))
		default:
			seen[name] = true
			out = append(out, command{Command: name, Description: desc})
		}
	}
	return out, skipped
}

// parseRetry applies the retry keys over Telegram's defaults.
func parseRetry(r rawRetry, bad func(string, ...any)) retryPolicy {
	p := defaultRetry
	if r.Attempts != nil {
		if *r.Attempts < 1 {
			bad("retry.attempts: %d must be at least 1", *r.Attempts)
		} else {
			p.attempts = *r.Attempts
		}
	}
	if r.MinDelayMs != nil {
		if *r.MinDelayMs < 0 {
			bad("retry.minDelayMs: %d must not be negative", *r.MinDelayMs)
		} else {
			p.minDelay = time.Duration(*r.MinDelayMs) * time.Millisecond
		}
	}
	if r.MaxDelayMs != nil {
		if *r.MaxDelayMs < 0 {
			bad("retry.maxDelayMs: %d must not be negative", *r.MaxDelayMs)
		} else {
			p.maxDelay = time.Duration(*r.MaxDelayMs) * time.Millisecond
		}
	}
	if r.Jitter != nil {
		if *r.Jitter < 0 || *r.Jitter > 1 {
			bad("retry.jitter: %v must be between 0 and 1", *r.Jitter)
		} else {
			p.jitter = *r.Jitter
		}
	}
	if p.maxDelay < p.minDelay {
		bad("retry.maxDelayMs: %s is less than minDelayMs %s", p.maxDelay, p.minDelay)
	}
	return p
}

func oneOf(s string, options ...string) bool {
	for _, o := range options {
		if s == o {
			return true
		}
	}
	return false
}

// redactURL hides credentials in a URL before it goes into an error.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}
