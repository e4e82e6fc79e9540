package signing

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
)

func TestKeyRoundTrip(t *testing.T) {
	pub, priv, err := GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParsePublicKey(FormatPublicKey(pub))
	if err != nil || !got.Equal(pub) {
		t.Fatalf("ParsePublicKey(FormatPublicKey) = %v, %v", got, err)
	}
	der, _ := x509.MarshalPKIXPublicKey(pub)
	pemText := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	if got, err := ParsePublicKey(pemText); err != nil || !got.Equal(pub) {
		t.Fatalf("ParsePublicKey(PEM) = %v, %v", got, err)
	}
	data, err := MarshalPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParsePrivateKey(data)
	if err != nil || !back.Equal(priv) {
		t.Fatalf("ParsePrivateKey = %v", err)
	}
}

func TestParsePublicKeyErrors(t *testing.T) {
	for _, bad := range []string{"", "rsa:abc", "ed25519:!!!", "ed25519:AAAA", "-----BEGIN NOPE-----\n-----END NOPE-----"} {
		if _, err := ParsePublicKey(bad); err == nil {
			t.Errorf("ParsePublicKey(%q) succeeded", bad)
		}
	}
}

func TestVerify(t *testing.T) {
	trustedPub, trustedPriv, _ := GenerateKey(rand.Reader)
	_, otherPriv, _ := GenerateKey(rand.Reader)
	ring, err := NewKeyRing(FormatPublicKey(trustedPub))
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("abc  index.json\n")
	tests := []struct {
		name    string
		sigs    []Signature
		msg     []byte
		wantErr error
	}{
		{"trusted", []Signature{Sign(trustedPriv, msg)}, msg, nil},
		{"one of two trusted", []Signature{Sign(otherPriv, msg), Sign(trustedPriv, msg)}, msg, nil},
		{"untrusted", []Signature{Sign(otherPriv, msg)}, msg, &UntrustedKeyError{}},
		{"tampered data", []Signature{Sign(trustedPriv, msg)}, []byte("abd  index.json\n"), ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parsed, err := ParseSignatures(FormatSignatures(tt.sigs))
			if err != nil {
				t.Fatal(err)
			}
			id, err := ring.Verify(tt.msg, parsed)
			switch want := tt.wantErr.(type) {
			case nil:
				if err != nil || id != KeyID(trustedPub) {
					t.Fatalf("Verify = %q, %v", id, err)
				}
			case *UntrustedKeyError:
				var ue *UntrustedKeyError
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), KeyID(otherPriv.Public().(ed25519.PublicKey))) {
					t.Fatalf("Verify error = %v, want untrusted key naming the signer", err)
				}
				_ = want
			default:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Verify error = %v, want %v", err, tt.wantErr)
				}
			}
		})
	}
}

func TestParseSignaturesErrors(t *testing.T) {
	for _, bad := range []string{"", "# only a comment\n", "rsa abc def\n", "ed25519 abc notbase64!\n"} {
		if _, err := ParseSignatures([]byte(bad)); err == nil {
			t.Errorf("ParseSignatures(%q) succeeded", bad)
		}
	}
}
