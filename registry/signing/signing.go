// Package signing holds the registry's ed25519 keys and signatures: key
// generation and their text forms, signing a checksum list, and checking a
// list against the set of keys the user trusts.
package signing

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// publicPrefix starts the one-line form of a public key, the form that goes
// into config (plugins.registry.trustedKeys).
const publicPrefix = "ed25519:"

// KeyID names a public key: the first 16 hex digits of its SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// GenerateKey makes a new key pair from rand (crypto/rand.Reader in use).
func GenerateKey(rand io.Reader) (ed25519.PublicKey, ed25519.PrivateKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand)
	if err != nil {
		return nil, nil, fmt.Errorf("generate ed25519 key: %w", err)
	}
	return pub, priv, nil
}

// FormatPublicKey renders the one-line form "ed25519:<base64>".
func FormatPublicKey(pub ed25519.PublicKey) string {
	return publicPrefix + base64.StdEncoding.EncodeToString(pub)
}

// ParsePublicKey reads the one-line form or a PEM "PUBLIC KEY" block.
func ParsePublicKey(text string) (ed25519.PublicKey, error) {
	text = strings.TrimSpace(text)
	if strings.HasPrefix(text, "-----BEGIN") {
		block, _ := pem.Decode([]byte(text))
		if block == nil || block.Type != "PUBLIC KEY" {
			return nil, errors.New("public key: not a PEM PUBLIC KEY block")
		}
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("public key: %w", err)
		}
		pub, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("public key: %T is not an ed25519 key", k)
		}
		return pub, nil
	}
	if !strings.HasPrefix(text, publicPrefix) {
		return nil, fmt.Errorf("public key %q: expected %q followed by base64", abbreviate(text), publicPrefix)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(text, publicPrefix))
	if err != nil {
		return nil, fmt.Errorf("public key %q: %w", abbreviate(text), err)
	}
	if len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("public key %q: %d bytes, want %d", abbreviate(text), len(raw), ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(raw), nil
}

func abbreviate(s string) string {
	if len(s) > 24 {
		return s[:24] + "…"
	}
	return s
}

// MarshalPrivateKey renders a PEM PKCS#8 "PRIVATE KEY" block.
func MarshalPrivateKey(priv ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("marshal private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParsePrivateKey reads a PEM PKCS#8 ed25519 private key.
func ParsePrivateKey(data []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("private key: not a PEM PRIVATE KEY block")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("private key: %w", err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("private key: %T is not an ed25519 key", k)
	}
	return priv, nil
}

// Signature is one detached signature over a checksum list.
type Signature struct {
	KeyID string
	Sig   []byte
}

// Sign signs msg with priv.
func Sign(priv ed25519.PrivateKey, msg []byte) Signature {
	pub := priv.Public().(ed25519.PublicKey)
	return Signature{KeyID: KeyID(pub), Sig: ed25519.Sign(priv, msg)}
}

// FormatSignatures renders one "ed25519 <key id> <base64>" line per signature.
func FormatSignatures(sigs []Signature) []byte {
	var b bytes.Buffer
	for _, s := range sigs {
		fmt.Fprintf(&b, "ed25519 %s %s\n", s.KeyID, base64.StdEncoding.EncodeToString(s.Sig))
	}
	return b.Bytes()
}

// ParseSignatures reads the signature file. Several lines let a publisher
// sign with an old and a new key while users move between them.
func ParseSignatures(data []byte) ([]Signature, error) {
	var sigs []Signature
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 || f[0] != "ed25519" {
			return nil, fmt.Errorf("signature line %d: expected \"ed25519 <key id> <signature>\"", n)
		}
		raw, err := base64.StdEncoding.DecodeString(f[2])
		if err != nil || len(raw) != ed25519.SignatureSize {
			return nil, fmt.Errorf("signature line %d: malformed signature", n)
		}
		sigs = append(sigs, Signature{KeyID: f[1], Sig: raw})
	}
	if len(sigs) == 0 {
		return nil, errors.New("no signatures")
	}
	return sigs, nil
}

// KeyRing is the set of public keys the user trusts.
type KeyRing struct {
	keys map[string]ed25519.PublicKey
}

// NewKeyRing parses every key; a bad key is an error naming it.
func NewKeyRing(keys ...string) (*KeyRing, error) {
	r := &KeyRing{keys: make(map[string]ed25519.PublicKey)}
	for i, text := range keys {
		pub, err := ParsePublicKey(text)
		if err != nil {
			return nil, fmt.Errorf("trusted key %d: %w", i+1, err)
		}
		r.Add(pub)
	}
	return r, nil
}

// Add trusts pub.
func (r *KeyRing) Add(pub ed25519.PublicKey) { r.keys[KeyID(pub)] = pub }

// IDs lists the trusted key ids, sorted.
func (r *KeyRing) IDs() []string {
	ids := make([]string, 0, len(r.keys))
	for id := range r.keys {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// UntrustedKeyError says a list was signed, but by no key the user trusts.
type UntrustedKeyError struct {
	KeyIDs []string
}

func (e *UntrustedKeyError) Error() string {
	return fmt.Sprintf("signed by untrusted key %s; trust it by adding its public key to plugins.registry.trustedKeys", strings.Join(e.KeyIDs, ", "))
}

// ErrBadSignature means a trusted key's signature does not match the data:
// the data or the signature was altered.
var ErrBadSignature = errors.New("signature does not match the signed data")

// Verify checks that at least one signature over msg is by a trusted key and
// valid, and returns that key's id.
func (r *KeyRing) Verify(msg []byte, sigs []Signature) (string, error) {
	var untrusted []string
	badTrusted := false
	for _, s := range sigs {
		pub, ok := r.keys[s.KeyID]
		if !ok {
			untrusted = append(untrusted, s.KeyID)
			continue
		}
		if ed25519.Verify(pub, msg, s.Sig) {
			return s.KeyID, nil
		}
		badTrusted = true
	}
	if badTrusted {
		return "", ErrBadSignature
	}
	return "", &UntrustedKeyError{KeyIDs: untrusted}
}
