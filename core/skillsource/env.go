package skillsource

import (
	"encoding/json"
	"sort"
)

// Env returns the variables skills.entries.<key>.env and .apiKey add for
// the usable skills of the snapshot, leaving out any variable the process
// already has (OpenClaw never overrides the environment). The gateway
// cannot change its own environment per turn, so the caller passes this to
// the tools that start programs. unresolved names the apiKey settings
// that could not be read (a SecretRef from a source other than env).
func (sn *Snapshot) Env() (env map[string]string, unresolved []string) {
	env = map[string]string{}
	getenv := sn.getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	for _, e := range sn.Entries {
		if !e.Usable() {
			continue
		}
		c, ok := sn.entries[e.Key]
		if !ok {
			continue
		}
		keys := make([]string, 0, len(c.Env))
		for k := range c.Env {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if getenv(k) == "" && env[k] == "" {
				env[k] = c.Env[k]
			}
		}
		primary := ""
		if e.skill != nil && e.skill.Frontmatter.OpenClaw != nil {
			primary = e.skill.Frontmatter.OpenClaw.PrimaryEnv
		}
		if primary == "" || len(c.APIKey) == 0 || getenv(primary) != "" || env[primary] != "" {
			continue
		}
		if v, ok := resolveSecret(c.APIKey, getenv); ok {
			env[primary] = v
		} else {
			unresolved = append(unresolved, "skills.entries."+e.Key+".apiKey")
		}
	}
	return env, unresolved
}

// resolveSecret reads a plaintext value or an env SecretRef
// ({source: "env", id: "NAME"}).
func resolveSecret(raw json.RawMessage, getenv func(string) string) (string, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, s != ""
	}
	var ref struct {
		Source string `json:"source"`
		ID     string `json:"id"`
	}
	if json.Unmarshal(raw, &ref) == nil && ref.Source == "env" && ref.ID != "" {
		v := getenv(ref.ID)
		return v, v != ""
	}
	return "", false
}
