package config

import (
	"path/filepath"
	"strings"
)

// Environment variables that locate OpenClaw's files.
const (
	EnvStateDir   = "OPENCLAW_STATE_DIR"
	EnvConfigPath = "OPENCLAW_CONFIG_PATH"
)

// ConfigFileName is the config file's name inside the state directory.
const ConfigFileName = "openclaw.json"

// Paths are where OpenClaw keeps its state and its config file.
type Paths struct {
	StateDir   string
	ConfigPath string
}

// ResolvePaths applies the documented precedence: the config file is
// $OPENCLAW_CONFIG_PATH, else $OPENCLAW_STATE_DIR/openclaw.json, else
// ~/.openclaw/openclaw.json; the state directory is $OPENCLAW_STATE_DIR,
// else ~/.openclaw. env is a lookup such as os.Getenv; home is the user's
// home directory.
func ResolvePaths(env func(string) string, home string) Paths {
	state := expandHome(env(EnvStateDir), home)
	if state == "" {
		state = filepath.Join(home, ".openclaw")
	}
	cfg := expandHome(env(EnvConfigPath), home)
	if cfg == "" {
		cfg = filepath.Join(state, ConfigFileName)
	}
	return Paths{StateDir: filepath.Clean(state), ConfigPath: filepath.Clean(cfg)}
}

// ExpandHome replaces a leading "~" (alone or followed by a separator) with
// home. Config values such as workspaces are written with "~" and expanded
// where they are used.
func ExpandHome(path, home string) string { return expandHome(path, home) }

func expandHome(path, home string) string {
	path = strings.TrimSpace(path)
	if path == "~" {
		return home
	}
	if strings.HasPrefix(path, "~/") || strings.HasPrefix(path, `~\`) {
		return filepath.Join(home, path[2:])
	}
	return path
}
