package mcp

import (
	"sort"
	"strings"
)

// blockedEnv are variables a server's env block may not set: they change
// how an interpreter, shell or the dynamic linker starts, so a config line
// could smuggle code into the server process. Set them on the gateway
// process instead when a server truly needs one.
var blockedEnv = map[string]bool{
	"NODE_OPTIONS": true, "NODE_PATH": true, "NODE_REPL_EXTERNAL_MODULE": true,
	"PYTHONSTARTUP": true, "PYTHONPATH": true, "PYTHONHOME": true, "PYTHONINSPECT": true,
	"PERL5OPT": true, "PERL5LIB": true, "PERLLIB": true, "PERL5DB": true,
	"RUBYOPT": true, "RUBYLIB": true,
	"BASHOPTS": true, "SHELLOPTS": true, "BASH_ENV": true, "ENV": true, "KSH_ENV": true, "ZDOTDIR": true,
	"JAVA_TOOL_OPTIONS": true, "_JAVA_OPTIONS": true, "JDK_JAVA_OPTIONS": true,
	"DOTNET_STARTUP_HOOKS": true, "GCONV_PATH": true, "HOSTALIASES": true,
}

// blockedEnvPrefixes are families of loader and function-injection
// variables.
var blockedEnvPrefixes = []string{"LD_", "DYLD_", "BASH_FUNC_"}

// allowedAWS are the AWS variables that carry a credential value; other
// AWS_* keys point at files and are refused.
var allowedAWS = map[string]bool{"AWS_ACCESS_KEY_ID": true, "AWS_SECRET_ACCESS_KEY": true, "AWS_SESSION_TOKEN": true}

// envAllowed reports whether a server's env block may set key.
func envAllowed(key string) bool {
	upper := strings.ToUpper(key)
	if blockedEnv[upper] {
		return false
	}
	for _, p := range blockedEnvPrefixes {
		if strings.HasPrefix(upper, p) {
			return false
		}
	}
	if strings.HasPrefix(upper, "AWS_") {
		return allowedAWS[upper]
	}
	return key != "" && !strings.ContainsAny(key, "=\x00")
}

// serverEnv is base with the server's own variables on top, less the
// blocked ones, which are returned so they can be reported.
func serverEnv(base []string, extra map[string]string) (env []string, dropped []string) {
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	override := map[string]string{}
	for _, k := range keys {
		if !envAllowed(k) {
			dropped = append(dropped, k)
			continue
		}
		override[k] = extra[k]
	}
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := override[k]; ok {
			continue
		}
		env = append(env, kv)
	}
	for _, k := range keys {
		if v, ok := override[k]; ok {
			env = append(env, k+"="+v)
		}
	}
	return env, dropped
}
