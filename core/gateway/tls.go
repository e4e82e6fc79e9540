package gateway

import (
	"github.com/openclaw-go/openclaw/pluginsdk/atomicfile"

	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DefaultTLSPaths are where a generated certificate and key live.
func DefaultTLSPaths(stateDir string) (cert, key string) {
	dir := filepath.Join(stateDir, "gateway", "tls")
	return filepath.Join(dir, "gateway-cert.pem"), filepath.Join(dir, "gateway-key.pem")
}

// LoadTLS builds the listener's TLS config from gateway.tls, or returns nil
// when TLS is off. With autoGenerate (the default) and both files missing,
// a self-signed certificate for local use is generated; a half-present
// pair is an error, never overwritten.
func LoadTLS(cfg TLSConfig, stateDir string, now func() time.Time) (*tls.Config, error) {
	if !cfg.Enabled {
		return nil, nil
	}
	certPath, keyPath := cfg.CertPath, cfg.KeyPath
	defCert, defKey := DefaultTLSPaths(stateDir)
	if certPath == "" {
		certPath = defCert
	}
	if keyPath == "" {
		keyPath = defKey
	}
	certExists, keyExists := exists(certPath), exists(keyPath)
	switch {
	case certExists && keyExists:
	case !certExists && !keyExists && (cfg.AutoGenerate == nil || *cfg.AutoGenerate):
		if err := generateSelfSigned(certPath, keyPath, now); err != nil {
			return nil, err
		}
	case !certExists && !keyExists:
		return nil, fmt.Errorf("gateway.tls is enabled but %s and %s do not exist (and autoGenerate is off)", certPath, keyPath)
	default:
		return nil, fmt.Errorf("gateway.tls: only one of %s and %s exists; provide both or remove both to generate a pair", certPath, keyPath)
	}
	pair, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return nil, fmt.Errorf("gateway.tls: load %s / %s: %w", certPath, keyPath, err)
	}
	tc := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	if cfg.CAPath != "" {
		pem, err := os.ReadFile(cfg.CAPath)
		if err != nil {
			return nil, fmt.Errorf("gateway.tls.caPath: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("gateway.tls.caPath %s holds no PEM certificates", cfg.CAPath)
		}
		tc.ClientCAs = pool
		tc.ClientAuth = tls.VerifyClientCertIfGiven
	}
	return tc, nil
}

// Fingerprint is the SHA-256 of a certificate's DER, as clients pin it.
func Fingerprint(cert *tls.Certificate) string {
	if cert == nil || len(cert.Certificate) == 0 {
		return ""
	}
	sum := sha256.Sum256(cert.Certificate[0])
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

func generateSelfSigned(certPath, keyPath string, now func() time.Time) error {
	if now == nil {
		now = time.Now
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generate TLS key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return fmt.Errorf("generate TLS serial: %w", err)
	}
	host, _ := os.Hostname()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "openclaw-gateway"},
		NotBefore:    now().Add(-time.Hour),
		NotAfter:     now().AddDate(2, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	if host != "" {
		tmpl.DNSNames = append(tmpl.DNSNames, host)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return fmt.Errorf("create TLS certificate: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return fmt.Errorf("encode TLS key: %w", err)
	}
	for _, p := range []string{certPath, keyPath} {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return fmt.Errorf("create %s: %w", filepath.Dir(p), err)
		}
	}
	// Key first: a crash between the two leaves a lone key, which LoadTLS
	// reports instead of silently pairing it with a stranger certificate.
	if err := atomicfile.Write(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return err
	}
	return atomicfile.Write(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}
