// Package channels runs the gateway's side of every channel: which accounts
// to start in which plugin, their status, and delivery of replies cut to each
// platform's limits.
package channels

import (
	"encoding/json"
	"fmt"
	"sort"
)

// DefaultAccount is the id of the account configured at the channel's top
// level, as OpenClaw names it.
const DefaultAccount = "default"

// Account is one account to start.
type Account struct {
	Channel string
	ID      string
	// Config is the channel's keys overlaid with the account's own.
	Config map[string]any
}

// Accounts expands channels.<channel> into its accounts. The top level is the
// default account when it carries its own credentials or when no named
// accounts exist; env holds variables that may supply the default account's
// credentials (the core resolves them, because plugins see no environment).
func Accounts(channel string, section map[string]any, required []RequiredKey, env func(string) string) ([]Account, error) {
	if section == nil {
		return nil, nil
	}
	if enabled, ok := section["enabled"].(bool); ok && !enabled {
		return nil, nil
	}
	base := map[string]any{}
	for k, v := range section {
		if k != "accounts" {
			base[k] = v
		}
	}
	named, _ := section["accounts"].(map[string]any)
	var out []Account
	ids := make([]string, 0, len(named))
	for id := range named {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	hasDefault := false
	for _, id := range ids {
		over, ok := named[id].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("channels.%s.accounts.%s: expected an object", channel, id)
		}
		if enabled, ok := over["enabled"].(bool); ok && !enabled {
			continue
		}
		merged := deepMerge(cloneMap(base), over)
		if id == DefaultAccount {
			hasDefault = true
			fillFromEnv(merged, required, env)
		}
		out = append(out, Account{Channel: channel, ID: id, Config: merged})
	}
	if !hasDefault {
		def := cloneMap(base)
		fillFromEnv(def, required, env)
		if len(named) == 0 || hasCredentials(def, required) {
			out = append([]Account{{Channel: channel, ID: DefaultAccount, Config: def}}, out...)
		}
	}
	return out, nil
}

// RequiredKey is a config key a plugin needs and the env variables that may
// supply it (from the plugin's manifest).
type RequiredKey struct {
	Key string
	Env []string
}

func fillFromEnv(cfg map[string]any, required []RequiredKey, env func(string) string) {
	if env == nil {
		return
	}
	for _, rk := range required {
		if v, ok := cfg[rk.Key].(string); ok && v != "" {
			continue
		}
		for _, name := range rk.Env {
			if v := env(name); v != "" {
				cfg[rk.Key] = v
				break
			}
		}
	}
}

func hasCredentials(cfg map[string]any, required []RequiredKey) bool {
	if len(required) == 0 {
		return true
	}
	for _, rk := range required {
		if v, ok := cfg[rk.Key].(string); !ok || v == "" {
			return false
		}
	}
	return true
}

// MissingKeys lists the required keys an account lacks.
func MissingKeys(a Account, required []RequiredKey) []string {
	var missing []string
	for _, rk := range required {
		if v, ok := a.Config[rk.Key].(string); !ok || v == "" {
			missing = append(missing, rk.Key)
		}
	}
	return missing
}

func cloneMap(m map[string]any) map[string]any {
	raw, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	if out == nil {
		out = map[string]any{}
	}
	return out
}

// deepMerge overlays src onto dst: objects merge, everything else replaces.
func deepMerge(dst, src map[string]any) map[string]any {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				dst[k] = deepMerge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
	return dst
}
