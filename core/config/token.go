package config

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// GatewayTokenFile is where the generated gateway token is kept, relative to
// the state directory.
const GatewayTokenFile = "credentials/gateway.token"

// ReadGatewayToken returns the generated gateway token stored in the state
// directory, or "" when none has been generated.
func ReadGatewayToken(stateDir string) (string, error) {
	data, err := os.ReadFile(filepath.Join(stateDir, GatewayTokenFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read gateway token: %w", err)
	}
	return strings.TrimSpace(string(data)), nil
}

// EnsureGatewayToken returns the stored gateway token, generating and
// storing one (0600, in a 0700 directory) from random when there is none.
// The default config uses token auth without a configured token; this is
// the token it uses.
func EnsureGatewayToken(stateDir string, random io.Reader) (token string, created bool, err error) {
	token, err = ReadGatewayToken(stateDir)
	if err != nil || token != "" {
		return token, false, err
	}
	buf := make([]byte, 32)
	if _, err := io.ReadFull(random, buf); err != nil {
		return "", false, fmt.Errorf("generate gateway token: %w", err)
	}
	token = hex.EncodeToString(buf)
	path := filepath.Join(stateDir, GatewayTokenFile)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", false, fmt.Errorf("store gateway token: %w", err)
	}
	if err := replaceFile(path, []byte(token+"\n"), 0o600); err != nil {
		return "", false, fmt.Errorf("store gateway token: %w", err)
	}
	return token, true, nil
}
