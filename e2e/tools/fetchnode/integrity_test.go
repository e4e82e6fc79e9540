package main

import (
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"strings"
	"testing"
)

func TestIntegrity(t *testing.T) {
	data := []byte("the tarball")
	good := sri(data)
	other := sri([]byte("another tarball"))
	sha1sum := sha1.Sum(data)
	sha1Only := "sha1-" + base64.StdEncoding.EncodeToString(sha1sum[:])

	tests := []struct {
		name     string
		integ    string
		parseErr string
		checkErr string
	}{
		{name: "matching sha512", integ: good},
		{name: "different content", integ: other, checkErr: "integrity mismatch"},
		{name: "sha1 beside sha512", integ: sha1Only + " " + good},
		{name: "any sha512 may match", integ: other + " " + good},
		{name: "SRI option ignored", integ: good + "?opt"},
		{name: "sha1 only is not trusted", integ: sha1Only, parseErr: "no sha512 digest"},
		{name: "empty", integ: "", parseErr: "no sha512 digest"},
		{name: "bad base64", integ: "sha512-!!!not-base64!!!", parseErr: "bad base64"},
		{name: "short digest", integ: "sha512-" + base64.StdEncoding.EncodeToString([]byte("short")), parseErr: "digest is 5 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := parseIntegrity(tt.integ)
			if tt.parseErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.parseErr) {
					t.Fatalf("parseIntegrity(%q) error = %v, want it to mention %q", tt.integ, err, tt.parseErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseIntegrity(%q): %v", tt.integ, err)
			}
			h := in.newHash()
			h.Write(data)
			err = in.check(h.Sum(nil))
			if tt.checkErr == "" && err != nil {
				t.Fatalf("check: %v", err)
			}
			if tt.checkErr != "" && (err == nil || !strings.Contains(err.Error(), tt.checkErr)) {
				t.Fatalf("check error = %v, want it to mention %q", err, tt.checkErr)
			}
		})
	}
}

func TestIntegrityHashIsSHA512(t *testing.T) {
	in, err := parseIntegrity(sri(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := in.newHash().Size(); got != sha512.Size {
		t.Fatalf("hash size %d, want %d", got, sha512.Size)
	}
}
