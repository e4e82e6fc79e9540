package main

import (
	"bytes"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"hash"
	"strings"
)

// integrity is a parsed Subresource Integrity string as npm writes it in
// dist.integrity: space-separated "algo-base64digest" tokens. Only sha512
// digests are trusted; npm has written them for every package since 2017.
type integrity struct {
	raw     string
	digests [][]byte
}

func parseIntegrity(s string) (integrity, error) {
	in := integrity{raw: s}
	for _, tok := range strings.Fields(s) {
		algo, b64, ok := strings.Cut(tok, "-")
		if !ok || algo != "sha512" {
			continue
		}
		b64, _, _ = strings.Cut(b64, "?") // SRI options carry no meaning here
		d, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return integrity{}, fmt.Errorf("integrity %q: bad base64: %w", tok, err)
		}
		if len(d) != sha512.Size {
			return integrity{}, fmt.Errorf("integrity %q: digest is %d bytes, want %d", tok, len(d), sha512.Size)
		}
		in.digests = append(in.digests, d)
	}
	if len(in.digests) == 0 {
		return integrity{}, fmt.Errorf("integrity %q has no sha512 digest", s)
	}
	return in, nil
}

func (in integrity) newHash() hash.Hash { return sha512.New() }

// check compares the digest of what was downloaded with the expected ones;
// SRI accepts a match with any digest of the strongest algorithm.
func (in integrity) check(sum []byte) error {
	for _, d := range in.digests {
		if bytes.Equal(d, sum) {
			return nil
		}
	}
	return fmt.Errorf("integrity mismatch: registry says %s, download is sha512-%s", in.raw, base64.StdEncoding.EncodeToString(sum))
}
